/*
 * Fuzz target: record batch decompression (lib/rbz.c) and compressed
 * batches through rb_validate_records and rb_iter.
 * Input: byte 0 picks the mode; bits 0-2 are a codec number, bit 3 set
 * means the rest is a whole RecordBatch (its CRC is not checked, so the
 * fuzzer reaches the records), clear means the rest is one compressed
 * stream, decompressed with a 1 MiB limit.
 * Invariants: no crash, no output over the limit, an error leaves nothing
 * allocated, and every path gives back all MEM_CORE memory.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mem.h"
#include "rb.h"
#include "rbz.h"

#define FUZZ_MAX_OUT ((size_t)1 << 20)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void stream(int codec, const uint8_t *p, size_t n)
{
	uint8_t *out;
	size_t len;
	trib_err_t err = rbz_decompress(codec, p, n, FUZZ_MAX_OUT, MEM_CORE, &out, &len);

	if (err ? (out || len) : (len > FUZZ_MAX_OUT || !out != !len))
		abort();
	mem_free(out);
}

/* A batch that validates must iterate to exactly recordsCount records. */
static void batch(const uint8_t *p, size_t n)
{
	rb_header_t h;
	rb_iter_t it;
	rb_record_t r;
	bool valid = rb_header_parse(p, n, &h) == TRIB_OK && rb_size(&h) == n &&
		     rb_validate_records(p, n, &h) == TRIB_OK;
	int32_t seen = 0;
	int rc;

	if (rb_iter_init(&it, p, n) != TRIB_OK) {
		if (valid || it.owned)
			abort();
		return;
	}
	while ((rc = rb_iter_next(&it, &r)) == 1) {
		wire_rd_t hrd;
		trib_slice_t name, value;

		wire_rd_init(&hrd, r.headers.ptr, r.headers.len);
		while (rb_headers_next(&hrd, &name, &value))
			;
		seen++;
	}
	if (valid && (rc != 0 || seen != h.records_count))
		abort();
	rb_iter_free(&it);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t before = mem_used(MEM_CORE);
	uint8_t *copy;

	if (size < 1)
		return 0;
	copy = malloc(size);
	if (!copy)
		return 0;
	memcpy(copy, data + 1, size - 1);
	if (data[0] & 0x08)
		batch(copy, size - 1);
	else
		stream(data[0] & 0x07, copy, size - 1);
	free(copy);
	if (mem_used(MEM_CORE) != before)
		abort();
	return 0;
}
