/*
 * Produce codec. The records field is kept as one slice per partition: the
 * handler splits it into record batches, because a partition may carry
 * several batches back to back.
 */
#include "produce.h"

#include "kafka_api.h"

#define TOPIC_MIN_BYTES 6     /* name length + partition array length */
#define PARTITION_MIN_BYTES 8 /* index + records length */

static bool decode_topic(wire_rd_t *rd, kafka_arena_t *arena, kafka_produce_topic_req_t *t)
{
	int32_t n;

	t->name = wire_rd_str16(rd);
	if (!t->name.ptr)
		wire_rd_fail(rd);
	n = wire_rd_array_len(rd, KAFKA_MAX_PARTITIONS, PARTITION_MIN_BYTES, NULL);
	if (!wire_rd_ok(rd))
		return true;
	t->partition_count = n;
	t->partitions = kafka_arena_calloc(arena, (size_t)n, sizeof(*t->partitions));
	if (!t->partitions)
		return false;
	for (int32_t i = 0; i < n && wire_rd_ok(rd); i++) {
		t->partitions[i].index = wire_rd_i32(rd);
		t->partitions[i].records = wire_rd_bytes32(rd);
	}
	return true;
}

trib_err_t kafka_produce_req_decode(wire_rd_t *rd, int16_t version, kafka_arena_t *arena,
				    kafka_produce_req_t *out)
{
	int32_t n;

	*out = (kafka_produce_req_t){.transactional_id = TRIB_SLICE_NULL};
	if (version < 0 || version > 8) {
		wire_rd_fail(rd);
		return TRIB_ERR_INVALID;
	}
	if (version >= 3)
		out->transactional_id = wire_rd_str16(rd);
	out->acks = wire_rd_i16(rd);
	out->timeout_ms = wire_rd_i32(rd);
	n = wire_rd_array_len(rd, KAFKA_MAX_TOPICS, TOPIC_MIN_BYTES, NULL);
	if (!wire_rd_ok(rd))
		return TRIB_ERR_INVALID;
	out->topic_count = n;
	out->topics = kafka_arena_calloc(arena, (size_t)n, sizeof(*out->topics));
	if (!out->topics)
		return TRIB_ERR_NOMEM;
	for (int32_t i = 0; i < n && wire_rd_ok(rd); i++) {
		if (!decode_topic(rd, arena, &out->topics[i]))
			return TRIB_ERR_NOMEM;
	}
	return wire_rd_ok(rd) && wire_rd_left(rd) == 0 ? TRIB_OK : TRIB_ERR_INVALID;
}

static void write_partition(wire_wr_t *wr, int16_t version, const kafka_produce_partition_resp_t *p)
{
	wire_wr_i32(wr, p->index);
	wire_wr_i16(wr, p->error_code);
	wire_wr_i64(wr, p->base_offset);
	if (version >= 2)
		wire_wr_i64(wr, p->log_append_time_ms);
	if (version >= 5)
		wire_wr_i64(wr, p->log_start_offset);
	if (version >= 8) {
		wire_wr_i32(wr, 0); /* record_errors: no per-record errors are reported */
		wire_wr_str16(wr, p->error_message);
	}
}

void kafka_produce_resp_write(wire_wr_t *wr, int16_t version, const void *body)
{
	const kafka_produce_resp_t *r = body;

	wire_wr_i32(wr, r->topic_count);
	for (int32_t i = 0; i < r->topic_count; i++) {
		const kafka_produce_topic_resp_t *t = &r->topics[i];

		wire_wr_str16(wr, t->name);
		wire_wr_i32(wr, t->partition_count);
		for (int32_t j = 0; j < t->partition_count; j++)
			write_partition(wr, version, &t->partitions[j]);
	}
	if (version >= 1)
		wire_wr_i32(wr, r->throttle_time_ms);
}
