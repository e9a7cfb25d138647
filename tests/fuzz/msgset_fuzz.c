/*
 * Fuzz target: message sets v0/v1 up-converted to a RecordBatch v2
 * (lib/msgset.c), as the Produce handler calls it for Produce v0-2.
 * Input: byte 0 picks the mode, the rest is a message set.
 *   bit 0     re-sign every message of the set (correct CRCs), so the fuzzer
 *             gets past the CRC to the fields behind it;
 *   bits 1-2  0: the rest is the set as sent; 1-3: the rest is the inner set
 *             of one wrapper message compressed here with that codec (gzip,
 *             snappy, lz4), so mutations reach the inner-message parsing;
 *   bit 3     the wrapper's magic (0 or 1);
 *   bit 4     the wrapper's LogAppendTime bit.
 * Invariants: no crash; an error leaves *out zeroed; a success is a batch
 * that passes rb_check and rb_validate_records, holds out->count records
 * that iterate, and carries out->codec in its attributes; every path gives
 * back all MEM_CORE memory.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "mem.h"
#include "msgset.h"
#include "rb.h"
#include "rbz.h"
#include "wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Recomputes the CRC of each [offset size message] entry while the sizes hold. */
static void sign_all(uint8_t *p, size_t n)
{
	size_t pos = 0;

	while (n - pos >= MSGSET_LOG_OVERHEAD + 5) {
		uint32_t sz = wire_load_u32(p + pos + 8);

		if (sz < 5 || sz > n - pos - MSGSET_LOG_OVERHEAD)
			return;
		wire_store_u32(p + pos + 12, (uint32_t)crc32(0, p + pos + 16, (uInt)(sz - 4)));
		pos += MSGSET_LOG_OVERHEAD + sz;
	}
}

/* One wrapper message around @z: offset 0, null key, magic and attributes from @mode. */
static uint8_t *wrap(int mode, const uint8_t *z, size_t zlen, size_t *len)
{
	int magic = (mode >> 3) & 1;
	size_t body = MSGSET_V0_MIN_SIZE + (magic ? 8 : 0) + zlen;
	uint8_t *p = malloc(MSGSET_LOG_OVERHEAD + body);
	wire_wr_t wr;

	if (!p)
		return NULL;
	wire_wr_init(&wr, p, MSGSET_LOG_OVERHEAD + body);
	wire_wr_i64(&wr, 0);
	wire_wr_i32(&wr, (int32_t)body);
	wire_wr_u32(&wr, 0);
	wire_wr_i8(&wr, (int8_t)magic);
	wire_wr_i8(&wr, (int8_t)(((mode >> 1) & 3) |
				 (mode & 0x10 ? MSGSET_ATTR_LOG_APPEND_TIME : 0)));
	if (magic)
		wire_wr_i64(&wr, 1700000000000LL);
	wire_wr_i32(&wr, -1);
	wire_wr_i32(&wr, (int32_t)zlen);
	wire_wr_raw(&wr, z, zlen);
	sign_all(p, wr.pos);
	*len = wr.pos;
	return p;
}

static void check(const uint8_t *p, size_t n)
{
	msgset_batch_t out;
	rb_header_t h;
	rb_iter_t it;
	rb_record_t r;
	int32_t seen = 0;

	if (msgset_to_batch(p, n, &out) != TRIB_OK) {
		if (out.batch || out.len || out.count)
			abort();
		return;
	}
	if (rb_check(out.batch, out.len, &h) != TRIB_OK ||
	    rb_validate_records(out.batch, out.len, &h) != TRIB_OK ||
	    h.records_count != out.count || (h.attributes & RB_ATTR_COMPRESSION_MASK) != out.codec)
		abort();
	if (rb_iter_init(&it, out.batch, out.len) != TRIB_OK)
		abort();
	while (rb_iter_next(&it, &r) == 1)
		seen++;
	rb_iter_free(&it);
	if (seen != out.count)
		abort();
	msgset_batch_free(&out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t before = mem_used(MEM_CORE);
	int mode, codec;
	uint8_t *set;
	size_t n;

	if (size < 1)
		return 0;
	mode = data[0];
	codec = (mode >> 1) & 3;
	n = size - 1;
	set = malloc(n ? n : 1);
	if (!set)
		return 0;
	memcpy(set, data + 1, n);
	if (mode & 1)
		sign_all(set, n);
	if (codec == RBZ_NONE || n == 0) {
		check(set, n);
	} else {
		uint8_t *z, *w;
		size_t zlen, wlen;

		if (rbz_compress(codec, set, n, MEM_KAFKA, &z, &zlen) == TRIB_OK) {
			w = wrap(mode, z, zlen, &wlen);
			mem_free(z);
			if (w)
				check(w, wlen);
			free(w);
		}
	}
	free(set);
	if (mem_used(MEM_CORE) != before)
		abort();
	return 0;
}
