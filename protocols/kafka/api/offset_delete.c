/* OffsetDelete codec: field gates as in the schema, nothing else. */
#include "offset_delete.h"

#include "kafka_api.h"

#define TOPIC_MIN_BYTES 6 /* name length + partition array length */

trib_err_t kafka_offset_delete_req_decode(wire_rd_t *rd, int16_t version, kafka_arena_t *arena,
					  kafka_offset_delete_req_t *out)
{
	bool is_null = false;
	int32_t n;

	*out = (kafka_offset_delete_req_t){0};
	if (version != 0) {
		wire_rd_fail(rd);
		return TRIB_ERR_INVALID;
	}
	out->group_id = wire_rd_str16(rd);
	if (!out->group_id.ptr)
		wire_rd_fail(rd);
	n = wire_rd_array_len(rd, KAFKA_MAX_TOPICS, TOPIC_MIN_BYTES, &is_null);
	if (!wire_rd_ok(rd) || is_null)
		return TRIB_ERR_INVALID;
	out->topic_count = n;
	out->topics = kafka_arena_calloc(arena, (size_t)n, sizeof(*out->topics));
	if (!out->topics)
		return TRIB_ERR_NOMEM;
	for (int32_t i = 0; i < n && wire_rd_ok(rd); i++) {
		kafka_offset_delete_topic_req_t *t = &out->topics[i];
		int32_t np;

		t->name = wire_rd_str16(rd);
		if (!t->name.ptr)
			wire_rd_fail(rd);
		np = wire_rd_array_len(rd, KAFKA_MAX_PARTITIONS, 4, NULL);
		if (!wire_rd_ok(rd))
			break;
		t->partition_count = np;
		t->partition_indexes = kafka_arena_calloc(arena, (size_t)np, sizeof(int32_t));
		if (!t->partition_indexes)
			return TRIB_ERR_NOMEM;
		for (int32_t j = 0; j < np; j++)
			t->partition_indexes[j] = wire_rd_i32(rd);
	}
	return wire_rd_ok(rd) && wire_rd_left(rd) == 0 ? TRIB_OK : TRIB_ERR_INVALID;
}

void kafka_offset_delete_resp_write(wire_wr_t *wr, int16_t version, const void *body)
{
	const kafka_offset_delete_resp_t *r = body;

	(void)version;
	wire_wr_i16(wr, r->error_code);
	wire_wr_i32(wr, r->throttle_time_ms);
	wire_wr_i32(wr, r->topic_count);
	for (int32_t i = 0; i < r->topic_count; i++) {
		const kafka_offset_delete_topic_resp_t *t = &r->topics[i];

		wire_wr_str16(wr, t->name);
		wire_wr_i32(wr, t->partition_count);
		for (int32_t j = 0; j < t->partition_count; j++) {
			wire_wr_i32(wr, t->partitions[j].partition_index);
			wire_wr_i16(wr, t->partitions[j].error_code);
		}
	}
}
