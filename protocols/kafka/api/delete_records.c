/* DeleteRecords codec: topics of (partition, offset) pairs; v0 and v1 share one shape. */
#include "delete_records.h"

#include "kafka_api.h"

#define TOPIC_MIN_BYTES 6      /* name length, partitions length */
#define PARTITION_BYTES 12     /* index, offset */

static trib_err_t decode_topic(wire_rd_t *rd, kafka_arena_t *arena,
			       kafka_delete_records_topic_req_t *t)
{
	int32_t n;

	t->name = wire_rd_str16(rd);
	if (!t->name.ptr)
		wire_rd_fail(rd);
	n = wire_rd_array_len(rd, KAFKA_MAX_PARTITIONS, PARTITION_BYTES, NULL);
	if (!wire_rd_ok(rd))
		return TRIB_ERR_INVALID;
	t->partition_count = n;
	t->partitions = kafka_arena_calloc(arena, (size_t)n, sizeof(*t->partitions));
	if (!t->partitions)
		return TRIB_ERR_NOMEM;
	for (int32_t i = 0; i < n; i++) {
		t->partitions[i].partition_index = wire_rd_i32(rd);
		t->partitions[i].offset = wire_rd_i64(rd);
	}
	return wire_rd_ok(rd) ? TRIB_OK : TRIB_ERR_INVALID;
}

trib_err_t kafka_delete_records_req_decode(wire_rd_t *rd, int16_t version, kafka_arena_t *arena,
					   kafka_delete_records_req_t *out)
{
	int32_t n;

	*out = (kafka_delete_records_req_t){0};
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
	for (int32_t i = 0; i < n; i++) {
		trib_err_t err = decode_topic(rd, arena, &out->topics[i]);

		if (err)
			return err;
	}
	out->timeout_ms = wire_rd_i32(rd);
	return wire_rd_ok(rd) && wire_rd_left(rd) == 0 ? TRIB_OK : TRIB_ERR_INVALID;
}

void kafka_delete_records_resp_write(wire_wr_t *wr, int16_t version, const void *body)
{
	const kafka_delete_records_resp_t *r = body;

	(void)version;
	wire_wr_i32(wr, r->throttle_time_ms);
	wire_wr_i32(wr, r->topic_count);
	for (int32_t i = 0; i < r->topic_count; i++) {
		const kafka_delete_records_topic_resp_t *t = &r->topics[i];

		wire_wr_str16(wr, t->name);
		wire_wr_i32(wr, t->partition_count);
		for (int32_t j = 0; j < t->partition_count; j++) {
			wire_wr_i32(wr, t->partitions[j].partition_index);
			wire_wr_i64(wr, t->partitions[j].low_watermark);
			wire_wr_i16(wr, t->partitions[j].error_code);
		}
	}
}
