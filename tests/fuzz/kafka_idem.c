/*
 * Fuzz target for the idempotent producer (STYLE.md §14).
 * Byte 0 even: bytes 1.. are an InitProducerId request body at version
 * (int8)byte 1, decoded and, when accepted, its answer encoded twice
 * (measure, then store: the passes must agree).
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

#include "api/init_producer_id.h"
#include "pstate.h"
#include "wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void init_producer_id(const uint8_t *p, size_t n)
{
	kafka_init_producer_id_req_t q;
	kafka_init_producer_id_resp_t r = {0, 0, 1, 0};
	wire_rd_t rd;
	wire_wr_t wr;
	uint8_t *buf;
	size_t len;
	int16_t ver;

	if (n < 1)
		return;
	ver = (int8_t)p[0];
	wire_rd_init(&rd, p + 1, n - 1);
	if (kafka_init_producer_id_req_decode(&rd, ver, &q) != TRIB_OK)
		return;
	r.throttle_time_ms = q.transaction_timeout_ms;
	wire_wr_init(&wr, NULL, 0);
	kafka_init_producer_id_resp_write(&wr, ver, &r);
	len = wr.pos;
	buf = malloc(len);
	if (!buf)
		return;
	wire_wr_init(&wr, buf, len);
	kafka_init_producer_id_resp_write(&wr, ver, &r);
	if (wr.pos != len)
		abort();
	free(buf);
}

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
		producer_state(data + 1, size - 1);
	else
		init_producer_id(data + 1, size - 1);
	return 0;
}
