/*
 * Fuzz target: RecordBatch v2 decoding as the core and the storage
 * recovery do it (rb_check, rb_validate_records, rb_iter, rb_headers_next).
 * Input: one batch, as a Kafka producer or a segment file would hold it.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rb.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *copy = malloc(size ? size : 1);
	rb_header_t h;
	rb_iter_t it;
	rb_record_t r;

	if (!copy)
		return 0;
	memcpy(copy, data, size);
	/* validation must never crash; a checked batch must also iterate cleanly */
	if (rb_check(copy, size, &h) == TRIB_OK && rb_validate_records(copy, size, &h) == TRIB_OK &&
	    h.records_count < 1)
		abort(); /* a valid batch always has records */
	if (rb_iter_init(&it, copy, size) == TRIB_OK) {
		while (rb_iter_next(&it, &r) == 1) {
			wire_rd_t hrd;
			trib_slice_t n, v;

			wire_rd_init(&hrd, r.headers.ptr, r.headers.len);
			while (rb_headers_next(&hrd, &n, &v))
				;
		}
		rb_iter_free(&it);
	}
	free(copy);
	return 0;
}
