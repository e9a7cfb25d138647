/* ListOffsets codec: field gates as in the schema, nothing else. */
#include "list_offsets.h"

#include "kafka_api.h"

#define TOPIC_MIN_BYTES 6 /* name length + partition array length */

static size_t partition_min_bytes(int16_t version)
{
	size_t n = 4 + 8; /* partition_index, timestamp */

	if (version >= 4)
		n += 4;
	if (version == 0)
		n += 4;
	return n;
}

static bool decode_topic(wire_rd_t *rd, int16_t version, kafka_arena_t *arena,
			 kafka_list_offsets_topic_req_t *t)
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
		kafka_list_offsets_partition_req_t *p = &t->partitions[i];

		p->partition_index = wire_rd_i32(rd);
		p->current_leader_epoch = version >= 4 ? wire_rd_i32(rd) : -1;
		p->timestamp = wire_rd_i64(rd);
		p->max_num_offsets = version == 0 ? wire_rd_i32(rd) : 1;
	}
	return true;
}

trib_err_t kafka_list_offsets_req_decode(wire_rd_t *rd, int16_t version, kafka_arena_t *arena,
					 kafka_list_offsets_req_t *out)
{
	int32_t n;

	*out = (kafka_list_offsets_req_t){0};
	if (version < 0 || version > 5) {
		wire_rd_fail(rd);
		return TRIB_ERR_INVALID;
	}
	out->replica_id = wire_rd_i32(rd);
	if (version >= 2)
		out->isolation_level = wire_rd_i8(rd);
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

static void write_partition(wire_wr_t *wr, int16_t version,
			    const kafka_list_offsets_partition_resp_t *p)
{
	wire_wr_i32(wr, p->partition_index);
	wire_wr_i16(wr, p->error_code);
	if (version == 0) {
		wire_wr_i32(wr, p->old_style_count);
		for (int32_t i = 0; i < p->old_style_count; i++)
			wire_wr_i64(wr, p->old_style_offsets[i]);
	}
	if (version >= 1) {
		wire_wr_i64(wr, p->timestamp);
		wire_wr_i64(wr, p->offset);
	}
	if (version >= 4)
		wire_wr_i32(wr, p->leader_epoch);
}

void kafka_list_offsets_resp_write(wire_wr_t *wr, int16_t version, const void *body)
{
	const kafka_list_offsets_resp_t *r = body;

	if (version >= 2)
		wire_wr_i32(wr, r->throttle_time_ms);
	wire_wr_i32(wr, r->topic_count);
	for (int32_t i = 0; i < r->topic_count; i++) {
		const kafka_list_offsets_topic_resp_t *t = &r->topics[i];

		wire_wr_str16(wr, t->name);
		wire_wr_i32(wr, t->partition_count);
		for (int32_t j = 0; j < t->partition_count; j++)
			write_partition(wr, version, &t->partitions[j]);
	}
}
