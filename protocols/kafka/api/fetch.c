/*
 * Fetch codec. Records are written last in each partition, so the storing
 * pass can hand the copy callback a pointer into the final buffer; in the
 * measuring pass (or if the buffer were short) only the position moves.
 */
#include "fetch.h"

#include "kafka_api.h"

#define TOPIC_MIN_BYTES 6 /* name length + partition array length */

static size_t partition_min_bytes(int16_t version)
{
	size_t n = 4 + 8 + 4; /* partition, fetch_offset, partition_max_bytes */

	if (version >= 5)
		n += 8;
	if (version >= 9)
		n += 4;
	return n;
}

static bool decode_topic(wire_rd_t *rd, int16_t version, kafka_arena_t *arena,
			 kafka_fetch_topic_req_t *t)
{
	int32_t n;

	t->topic = wire_rd_str16(rd);
	if (!t->topic.ptr)
		wire_rd_fail(rd);
	n = wire_rd_array_len(rd, KAFKA_MAX_PARTITIONS, partition_min_bytes(version), NULL);
	if (!wire_rd_ok(rd))
		return true;
	t->partition_count = n;
	t->partitions = kafka_arena_calloc(arena, (size_t)n, sizeof(*t->partitions));
	if (!t->partitions)
		return false;
	for (int32_t i = 0; i < n && wire_rd_ok(rd); i++) {
		kafka_fetch_partition_req_t *p = &t->partitions[i];

		p->partition = wire_rd_i32(rd);
		p->current_leader_epoch = version >= 9 ? wire_rd_i32(rd) : -1;
		p->fetch_offset = wire_rd_i64(rd);
		p->log_start_offset = version >= 5 ? wire_rd_i64(rd) : -1;
		p->partition_max_bytes = wire_rd_i32(rd);
	}
	return true;
}

/* Forgotten topics (v7+): read and dropped, every count still checked. */
static int32_t skip_forgotten(wire_rd_t *rd)
{
	int32_t n = wire_rd_array_len(rd, KAFKA_MAX_TOPICS, TOPIC_MIN_BYTES, NULL);

	for (int32_t i = 0; i < n && wire_rd_ok(rd); i++) {
		int32_t np;

		if (!wire_rd_str16(rd).ptr)
			wire_rd_fail(rd);
		np = wire_rd_array_len(rd, KAFKA_MAX_PARTITIONS, 4, NULL);
		(void)wire_rd_raw(rd, (size_t)np * 4);
	}
	return n;
}

trib_err_t kafka_fetch_req_decode(wire_rd_t *rd, int16_t version, kafka_arena_t *arena,
				  kafka_fetch_req_t *out)
{
	int32_t n;

	*out = (kafka_fetch_req_t){.max_bytes = INT32_MAX, .session_epoch = -1};
	if (version < 0 || version > 11) {
		wire_rd_fail(rd);
		return TRIB_ERR_INVALID;
	}
	out->replica_id = wire_rd_i32(rd);
	out->max_wait_ms = wire_rd_i32(rd);
	out->min_bytes = wire_rd_i32(rd);
	if (version >= 3)
		out->max_bytes = wire_rd_i32(rd);
	if (version >= 4)
		out->isolation_level = wire_rd_i8(rd);
	if (version >= 7) {
		out->session_id = wire_rd_i32(rd);
		out->session_epoch = wire_rd_i32(rd);
	}
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
	if (version >= 7)
		out->forgotten_topic_count = skip_forgotten(rd);
	if (version >= 11) {
		out->rack_id = wire_rd_str16(rd);
		if (!out->rack_id.ptr)
			wire_rd_fail(rd);
	}
	return wire_rd_ok(rd) && wire_rd_left(rd) == 0 ? TRIB_OK : TRIB_ERR_INVALID;
}

static void write_records(wire_wr_t *wr, const kafka_fetch_resp_t *r,
			  const kafka_fetch_partition_resp_t *p)
{
	wire_wr_i32(wr, (int32_t)p->records_len);
	if (p->records) {
		wire_wr_raw(wr, p->records, p->records_len);
		return;
	}
	if (p->records_len && r->copy && wr->buf && wr->pos <= wr->cap &&
	    p->records_len <= wr->cap - wr->pos)
		(void)r->copy(r->copy_ctx, p, wr->buf + wr->pos);
	/* the bytes are placed by the callback; the writer only advances */
	wr->pos += p->records_len;
}

static void write_partition(wire_wr_t *wr, int16_t version, const kafka_fetch_resp_t *r,
			    const kafka_fetch_partition_resp_t *p)
{
	wire_wr_i32(wr, p->partition_index);
	wire_wr_i16(wr, p->error_code);
	wire_wr_i64(wr, p->high_watermark);
	if (version >= 4)
		wire_wr_i64(wr, p->last_stable_offset);
	if (version >= 5)
		wire_wr_i64(wr, p->log_start_offset);
	if (version >= 4)
		wire_wr_i32(wr, 0); /* aborted_transactions: none, no transactions here */
	if (version >= 11)
		wire_wr_i32(wr, p->preferred_read_replica);
	write_records(wr, r, p);
}

void kafka_fetch_resp_write(wire_wr_t *wr, int16_t version, const void *body)
{
	const kafka_fetch_resp_t *r = body;

	if (version >= 1)
		wire_wr_i32(wr, r->throttle_time_ms);
	if (version >= 7) {
		wire_wr_i16(wr, r->error_code);
		wire_wr_i32(wr, r->session_id);
	}
	wire_wr_i32(wr, r->topic_count);
	for (int32_t i = 0; i < r->topic_count; i++) {
		const kafka_fetch_topic_resp_t *t = &r->topics[i];

		wire_wr_str16(wr, t->topic);
		wire_wr_i32(wr, t->partition_count);
		for (int32_t j = 0; j < t->partition_count; j++)
			write_partition(wr, version, r, &t->partitions[j]);
	}
}
