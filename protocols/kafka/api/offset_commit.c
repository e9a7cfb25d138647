/* OffsetCommit codec: field gates as in the schema, nothing else. */
#include "offset_commit.h"

#include "kafka_api.h"

#define TOPIC_MIN_BYTES 6 /* name length + partition array length */

static size_t partition_min_bytes(int16_t version)
{
	size_t n = 4 + 8 + 2; /* index, offset, metadata length */

	if (version >= 6)
		n += 4;
	if (version == 1)
		n += 8;
	return n;
}

static bool decode_topic(wire_rd_t *rd, int16_t version, kafka_arena_t *arena,
			 kafka_offset_commit_topic_req_t *t)
{
	int32_t n;

	t->name = wire_rd_str16(rd);
	if (!t->name.ptr)
		wire_rd_fail(rd);
	n = wire_rd_array_len(rd, KAFKA_MAX_PARTITIONS, partition_min_bytes(version), NULL);
	if (!wire_rd_ok(rd))
		return true;
	t->partition_count = n;
	t->partitions = kafka_arena_calloc(arena, (size_t)n, sizeof(*t->partitions));
	if (!t->partitions)
		return false;
	for (int32_t i = 0; i < n && wire_rd_ok(rd); i++) {
		kafka_offset_commit_partition_req_t *p = &t->partitions[i];

		p->partition_index = wire_rd_i32(rd);
		p->committed_offset = wire_rd_i64(rd);
		p->committed_leader_epoch = version >= 6 ? wire_rd_i32(rd) : -1;
		p->commit_timestamp = version == 1 ? wire_rd_i64(rd) : -1;
		p->committed_metadata = wire_rd_str16(rd);
	}
	return true;
}

trib_err_t kafka_offset_commit_req_decode(wire_rd_t *rd, int16_t version, kafka_arena_t *arena,
					  kafka_offset_commit_req_t *out)
{
	int32_t n;

	*out = (kafka_offset_commit_req_t){0};
	if (version < 0 || version > 7) {
		wire_rd_fail(rd);
		return TRIB_ERR_INVALID;
	}
	out->group_id = wire_rd_str16(rd);
	out->generation_id = -1;
	out->member_id = (trib_slice_t){(const uint8_t *)"", 0};
	out->retention_time_ms = -1;
	if (version >= 1) {
		out->generation_id = wire_rd_i32(rd);
		out->member_id = wire_rd_str16(rd);
	}
	if (version >= 7)
		out->group_instance_id = wire_rd_str16(rd);
	if (version >= 2 && version <= 4)
		out->retention_time_ms = wire_rd_i64(rd);
	if (!out->group_id.ptr || !out->member_id.ptr)
		wire_rd_fail(rd);
	n = wire_rd_array_len(rd, KAFKA_MAX_TOPICS, TOPIC_MIN_BYTES, NULL);
	if (!wire_rd_ok(rd))
		return TRIB_ERR_INVALID;
	out->topic_count = n;
	out->topics = kafka_arena_calloc(arena, (size_t)n, sizeof(*out->topics));
	if (!out->topics)
		return TRIB_ERR_NOMEM;
	for (int32_t i = 0; i < n && wire_rd_ok(rd); i++) {
		if (!decode_topic(rd, version, arena, &out->topics[i]))
			return TRIB_ERR_NOMEM;
	}
	return wire_rd_ok(rd) && wire_rd_left(rd) == 0 ? TRIB_OK : TRIB_ERR_INVALID;
}

void kafka_offset_commit_resp_write(wire_wr_t *wr, int16_t version, const void *body)
{
	const kafka_offset_commit_resp_t *r = body;

	if (version >= 3)
		wire_wr_i32(wr, r->throttle_time_ms);
	wire_wr_i32(wr, r->topic_count);
	for (int32_t i = 0; i < r->topic_count; i++) {
		const kafka_offset_commit_topic_resp_t *t = &r->topics[i];

		wire_wr_str16(wr, t->name);
		wire_wr_i32(wr, t->partition_count);
		for (int32_t j = 0; j < t->partition_count; j++) {
			wire_wr_i32(wr, t->partitions[j].partition_index);
			wire_wr_i16(wr, t->partitions[j].error_code);
		}
	}
}
