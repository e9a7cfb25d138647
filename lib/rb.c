/*
 * RecordBatch v2. Decoding never trusts a length before checking it against
 * the bytes present; the builder measures each record before writing it so
 * the varint length prefix is computed, not patched. Compressed batches are
 * stored as sent; only the iterator decompresses (rbz.c), into a buffer it
 * owns, so every record slice borrows either the batch or that buffer.
 */
#include "rb.h"

#include <string.h>

#include "crc32c.h"
#include "mem.h"
#include "rbz.h"

/* bytes after batchLength up to the records: 61 - 12 */
#define RB_MIN_BATCH_LENGTH (RB_HEADER_SIZE - RB_LOG_OVERHEAD)

trib_err_t rb_header_parse(const uint8_t *p, size_t len, rb_header_t *h)
{
	wire_rd_t rd;

	if (len < RB_HEADER_SIZE)
		return TRIB_ERR_INVALID;
	wire_rd_init(&rd, p, RB_HEADER_SIZE);
	h->base_offset = wire_rd_i64(&rd);
	h->batch_length = wire_rd_i32(&rd);
	h->partition_leader_epoch = wire_rd_i32(&rd);
	h->magic = wire_rd_i8(&rd);
	h->crc = wire_rd_u32(&rd);
	h->attributes = wire_rd_i16(&rd);
	h->last_offset_delta = wire_rd_i32(&rd);
	h->base_timestamp = wire_rd_i64(&rd);
	h->max_timestamp = wire_rd_i64(&rd);
	h->producer_id = wire_rd_i64(&rd);
	h->producer_epoch = wire_rd_i16(&rd);
	h->base_sequence = wire_rd_i32(&rd);
	h->records_count = wire_rd_i32(&rd);
	if (h->magic != 2)
		return TRIB_ERR_UNSUPPORTED;
	if (h->batch_length < RB_MIN_BATCH_LENGTH)
		return TRIB_ERR_INVALID;
	return TRIB_OK;
}

size_t rb_size(const rb_header_t *h)
{
	return RB_LOG_OVERHEAD + (size_t)h->batch_length;
}

trib_err_t rb_check(const uint8_t *p, size_t len, rb_header_t *h)
{
	trib_err_t err = rb_header_parse(p, len, h);

	if (err)
		return err;
	if (rb_size(h) != len)
		return TRIB_ERR_INVALID;
	if (crc32c(0, p + RB_CRC_START, len - RB_CRC_START) != h->crc)
		return TRIB_ERR_CORRUPT;
	return TRIB_OK;
}

trib_err_t rb_validate_records(const uint8_t *p, size_t len, const rb_header_t *h)
{
	rb_iter_t it;
	rb_record_t r;
	int64_t expect = h->base_offset;
	int rc;
	trib_err_t err;

	if (h->records_count < 1 || h->records_count > RB_MAX_RECORDS ||
	    h->last_offset_delta != h->records_count - 1)
		return TRIB_ERR_CORRUPT;
	err = rb_iter_init(&it, p, len);
	if (err)
		return err;
	while ((rc = rb_iter_next(&it, &r)) == 1) {
		if (r.offset != expect++)
			break;
	}
	if (rc != 0 || wire_rd_left(&it.rd) != 0)
		err = TRIB_ERR_CORRUPT;
	rb_iter_free(&it);
	return err;
}

void rb_set_base_offset(uint8_t *p, int64_t base_offset)
{
	wire_store_u64(p, (uint64_t)base_offset);
}

void rb_set_leader_epoch(uint8_t *p, int32_t epoch)
{
	wire_store_u32(p + 12, (uint32_t)epoch);
}

void rb_stamp_append_time(uint8_t *p, size_t len, int64_t ts_ms)
{
	uint16_t attrs = wire_load_u16(p + 21);

	wire_store_u16(p + 21, attrs | RB_ATTR_LOG_APPEND_TIME);
	wire_store_u64(p + 35, (uint64_t)ts_ms);
	wire_store_u32(p + 17, crc32c(0, p + RB_CRC_START, len - RB_CRC_START));
}

trib_err_t rb_iter_init(rb_iter_t *it, const uint8_t *p, size_t len)
{
	trib_err_t err;
	const uint8_t *recs = p + RB_HEADER_SIZE;
	size_t n;
	int codec;

	it->owned = NULL;
	err = rb_header_parse(p, len, &it->h);
	if (err)
		return err;
	if (rb_size(&it->h) > len)
		return TRIB_ERR_INVALID;
	if (it->h.records_count < 0)
		return TRIB_ERR_CORRUPT;
	n = rb_size(&it->h) - RB_HEADER_SIZE;
	codec = it->h.attributes & RB_ATTR_COMPRESSION_MASK;
	if (codec != RBZ_NONE) {
		err = rbz_decompress(codec, recs, n, RBZ_MAX_DECOMPRESSED, MEM_CORE, &it->owned, &n);
		if (err)
			return err;
		recs = it->owned;
	}
	wire_rd_init(&it->rd, recs, n);
	it->left = it->h.records_count;
	return TRIB_OK;
}

void rb_iter_free(rb_iter_t *it)
{
	mem_free(it->owned);
	it->owned = NULL;
}

int rb_iter_next(rb_iter_t *it, rb_record_t *r)
{
	wire_rd_t rec;
	int64_t len;
	int64_t ts_delta, off_delta;

	if (it->left == 0)
		return 0;
	len = wire_rd_varint(&it->rd);
	if (!wire_rd_ok(&it->rd) || len < 0 || (uint64_t)len > wire_rd_left(&it->rd))
		return TRIB_ERR_CORRUPT;
	wire_rd_init(&rec, it->rd.p, (size_t)len);
	(void)wire_rd_raw(&it->rd, (size_t)len);

	(void)wire_rd_i8(&rec); /* record attributes: unused by Kafka */
	ts_delta = wire_rd_varint(&rec);
	off_delta = wire_rd_varint(&rec);
	r->key = wire_rd_varbytes(&rec);
	r->value = wire_rd_varbytes(&rec);
	/* each header needs at least two varint bytes */
	r->header_count = (int32_t)wire_rd_varint(&rec);
	if (!wire_rd_ok(&rec) || r->header_count < 0 ||
	    (uint64_t)r->header_count > wire_rd_left(&rec) / 2)
		return TRIB_ERR_CORRUPT;
	r->headers = (trib_slice_t){rec.p, wire_rd_left(&rec)};
	{
		wire_rd_t hrd;
		trib_slice_t n, v;
		int32_t seen = 0;

		wire_rd_init(&hrd, r->headers.ptr, r->headers.len);
		while (seen < r->header_count && rb_headers_next(&hrd, &n, &v))
			seen++;
		if (seen != r->header_count || wire_rd_left(&hrd) != 0)
			return TRIB_ERR_CORRUPT;
	}
	r->offset = it->h.base_offset + off_delta;
	r->timestamp = (it->h.attributes & RB_ATTR_LOG_APPEND_TIME)
			       ? it->h.max_timestamp
			       : it->h.base_timestamp + ts_delta;
	it->left--;
	return 1;
}

bool rb_headers_next(wire_rd_t *rd, trib_slice_t *name, trib_slice_t *value)
{
	if (wire_rd_left(rd) == 0)
		return false;
	*name = wire_rd_varbytes(rd);
	*value = wire_rd_varbytes(rd);
	if (!wire_rd_ok(rd) || !name->ptr) {
		wire_rd_fail(rd);
		return false;
	}
	return true;
}

void rb_builder_init(rb_builder_t *b, int64_t base_ts_ms)
{
	wire_wr_init(&b->wr, NULL, 0);
	b->count = 0;
	b->base_ts = base_ts_ms;
	b->max_ts = base_ts_ms;
	b->err = TRIB_OK;
	/* header space; filled in by rb_builder_finish */
	if (wire_wr_grow_to(&b->wr, 4096) != TRIB_OK)
		b->err = TRIB_ERR_NOMEM;
	b->wr.pos = RB_HEADER_SIZE;
}

static size_t record_body_size(int64_t ts_delta, int32_t off_delta, trib_slice_t key,
			       trib_slice_t value, const rb_kv_t *h, size_t nh)
{
	size_t n = 1 + wire_varint_size(ts_delta) + wire_varint_size(off_delta);

	n += wire_varint_size(key.ptr ? (int64_t)key.len : -1) + key.len;
	n += wire_varint_size(value.ptr ? (int64_t)value.len : -1) + value.len;
	n += wire_varint_size((int64_t)nh);
	for (size_t i = 0; i < nh; i++) {
		n += wire_varint_size((int64_t)h[i].name.len) + h[i].name.len;
		n += wire_varint_size(h[i].value.ptr ? (int64_t)h[i].value.len : -1) +
		     h[i].value.len;
	}
	return n;
}

trib_err_t rb_builder_add(rb_builder_t *b, int64_t ts_ms, trib_slice_t key, trib_slice_t value,
			  const rb_kv_t *headers, size_t nheaders)
{
	int64_t ts_delta = ts_ms - b->base_ts;
	size_t body;

	if (b->err)
		return b->err;
	if (b->count >= RB_MAX_RECORDS)
		return b->err = TRIB_ERR_TOO_LARGE;
	body = record_body_size(ts_delta, b->count, key, value, headers, nheaders);
	if (wire_wr_grow_to(&b->wr, b->wr.pos + body + 10) != TRIB_OK)
		return b->err = TRIB_ERR_NOMEM;
	wire_wr_varint(&b->wr, (int64_t)body);
	wire_wr_i8(&b->wr, 0);
	wire_wr_varint(&b->wr, ts_delta);
	wire_wr_varint(&b->wr, b->count);
	wire_wr_varbytes(&b->wr, key);
	wire_wr_varbytes(&b->wr, value);
	wire_wr_varint(&b->wr, (int64_t)nheaders);
	for (size_t i = 0; i < nheaders; i++) {
		wire_wr_varbytes(&b->wr, headers[i].name.ptr ? headers[i].name
							     : (trib_slice_t){(const uint8_t *)"", 0});
		wire_wr_varbytes(&b->wr, headers[i].value);
	}
	if (ts_ms > b->max_ts)
		b->max_ts = ts_ms;
	b->count++;
	return TRIB_OK;
}

trib_err_t rb_builder_finish(rb_builder_t *b, uint8_t **out, size_t *len)
{
	wire_wr_t h;
	size_t total = b->wr.pos;

	if (b->err)
		return b->err;
	if (b->count == 0)
		return TRIB_ERR_INVALID;
	wire_wr_init(&h, b->wr.buf, RB_HEADER_SIZE);
	wire_wr_i64(&h, 0);
	wire_wr_i32(&h, (int32_t)(total - RB_LOG_OVERHEAD));
	wire_wr_i32(&h, -1); /* partitionLeaderEpoch: no leader epochs here */
	wire_wr_i8(&h, 2);
	wire_wr_u32(&h, 0); /* crc, set below */
	wire_wr_i16(&h, 0);
	wire_wr_i32(&h, b->count - 1);
	wire_wr_i64(&h, b->base_ts);
	wire_wr_i64(&h, b->max_ts);
	wire_wr_i64(&h, -1); /* producerId: not idempotent */
	wire_wr_i16(&h, -1);
	wire_wr_i32(&h, -1);
	wire_wr_i32(&h, b->count);
	wire_store_u32(b->wr.buf + 17, crc32c(0, b->wr.buf + RB_CRC_START, total - RB_CRC_START));
	*out = b->wr.buf;
	*len = total;
	b->wr.buf = NULL;
	b->wr.cap = b->wr.pos = 0;
	return TRIB_OK;
}

void rb_builder_free(rb_builder_t *b)
{
	mem_free(b->wr.buf);
	b->wr.buf = NULL;
	b->wr.cap = b->wr.pos = 0;
}
