/*
 * Fuzz target for the idempotent producer (STYLE.md §14); the InitProducerId
 * messages are generated and fuzzed by kafka_message.
 * Byte 0 odd: bytes 1.. are operations on one producer-state table, 8 bytes
 * each: producer id (1 byte, so ids collide), epoch (1, signed), base
 * sequence (4, any value: negatives and the wrap at INT32_MAX), record count
 * - 1 (1), and a flag byte (bit 0: record without checking, as the replay at
 * partition open does). Invariant: a batch just recorded is a duplicate of
 * itself (pstate_check answers TRIB_ERR_EXISTS with its sequences; the
 * offset may be an older copy's when the replay recorded the same batch twice).
 */
#include <stdint.h>
#include <stdlib.h>

#include "pstate.h"
#include "wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void producer_state(const uint8_t *p, size_t n)
{
	pstate_t *ps = NULL;
	int64_t offset = 0;

	if (pstate_new(&ps) != TRIB_OK)
		return;
	for (; n >= 8; p += 8, n -= 8) {
		rb_header_t h = {0};
		pstate_batch_t dup;
		trib_err_t err = TRIB_OK;

		h.producer_id = p[0];
		h.producer_epoch = (int8_t)p[1];
		h.base_sequence = (int32_t)wire_load_u32(p + 2);
		h.last_offset_delta = p[6];
		h.records_count = p[6] + 1;
		if (!(p[7] & 1))
			err = pstate_check(ps, &h, &dup);
		if (err || pstate_reserve(ps, h.producer_id) != TRIB_OK)
			continue;
		pstate_record(ps, &h, offset, offset);
		if (h.producer_epoch >= 0 && h.base_sequence >= 0 &&
		    (pstate_check(ps, &h, &dup) != TRIB_ERR_EXISTS ||
		     dup.first_seq != h.base_sequence || dup.last_offset_delta != h.last_offset_delta))
			abort(); /* a recorded batch must be its own duplicate */
		offset += h.last_offset_delta + 1;
	}
	pstate_free(&ps);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	if (data[0] & 1)
		producer_state(data + 1, size - 1); /* even: unused */
	return 0;
}
