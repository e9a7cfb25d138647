/* CreatePartitions codec: v0 and v1 share one shape; nested assignment arrays checked and skipped. */
#include "create_partitions.h"

#include "kafka_api.h"

#define TOPIC_MIN_BYTES 10 /* name length, count, assignments length */

static int32_t skip_assignments(wire_rd_t *rd, bool *is_null)
{
	int32_t n = wire_rd_array_len(rd, KAFKA_MAX_PARTITIONS, 4, is_null);

	for (int32_t i = 0; i < n && wire_rd_ok(rd); i++) {
		int32_t ids = wire_rd_array_len(rd, KAFKA_MAX_REPLICAS, 4, NULL);

		(void)wire_rd_raw(rd, (size_t)ids * 4);
	}
	return n;
}

trib_err_t kafka_create_partitions_req_decode(wire_rd_t *rd, int16_t version,
					      kafka_arena_t *arena,
					      kafka_create_partitions_req_t *out)
{
	int32_t n;

	*out = (kafka_create_partitions_req_t){0};
	if (version < 0 || version > 1) {
		wire_rd_fail(rd);
		return TRIB_ERR_INVALID;
	}
	n = wire_rd_array_len(rd, KAFKA_MAX_TOPICS, TOPIC_MIN_BYTES, NULL);
	if (!wire_rd_ok(rd))
		return TRIB_ERR_INVALID;
	out->topic_count = n;
	out->topics = kafka_arena_calloc(arena, (size_t)n, sizeof(*out->topics));
	if (!out->topics)
		return TRIB_ERR_NOMEM;
	for (int32_t i = 0; i < n && wire_rd_ok(rd); i++) {
		kafka_create_partitions_topic_req_t *t = &out->topics[i];

		t->name = wire_rd_str16(rd);
		if (!t->name.ptr)
			wire_rd_fail(rd);
		t->count = wire_rd_i32(rd);
		t->assignment_count = skip_assignments(rd, &t->assignments_null);
	}
	out->timeout_ms = wire_rd_i32(rd);
	out->validate_only = wire_rd_u8(rd) != 0;
	return wire_rd_ok(rd) && wire_rd_left(rd) == 0 ? TRIB_OK : TRIB_ERR_INVALID;
}

void kafka_create_partitions_resp_write(wire_wr_t *wr, int16_t version, const void *body)
{
	const kafka_create_partitions_resp_t *r = body;

	(void)version;
	wire_wr_i32(wr, r->throttle_time_ms);
	wire_wr_i32(wr, r->topic_count);
	for (int32_t i = 0; i < r->topic_count; i++) {
		wire_wr_str16(wr, r->topics[i].name);
		wire_wr_i16(wr, r->topics[i].error_code);
		wire_wr_str16(wr, r->topics[i].error_message);
	}
}
