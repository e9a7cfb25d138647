/*
 * Fuzz target: the AMQP head's message mapping (protocols/amqp/amqp_msg.c).
 * The first input byte picks the path (mosquitto's trick):
 *   0: a plain delivery (format 0) -> records -> every record re-encoded
 *   1: a batch delivery (0x80013700) -> records -> re-encoded
 *   2: a record whose headers come from the input, as if read from the
 *      log (marker, raw props / annotations / body sections) -> encoded
 *   3: as 1 with a small batch size limit, so records split over batches
 * Invariants checked: decoding never crashes; every record the mapping
 * builds is a valid batch; every message we encode for a receiver decodes
 * again with our own decoder (so Proton-side clients get well-formed bytes).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "amqp_msg.h"
#include "evhdr.h"
#include "mem.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void encode_and_check(const rb_record_t *r)
{
	wire_wr_t wr;
	size_t need;
	uint8_t *out;
	amqp_msg_t m;

	wire_wr_init(&wr, NULL, 0);
	need = amqp_msg_encode_record(r, &wr);
	out = mem_alloc(MEM_AMQP, need ? need : 1);
	if (!out)
		return;
	wire_wr_init(&wr, out, need);
	if (amqp_msg_encode_record(r, &wr) != need || !wire_wr_fits(&wr))
		abort();
	if (amqp_msg_decode(out, need, &m) != TRIB_OK)
		abort();
	mem_free(out);
}

static void check_batch(uint8_t *batch, size_t len, int32_t count)
{
	rb_header_t h;
	rb_iter_t it;
	rb_record_t r;
	int32_t seen = 0;

	if (rb_check(batch, len, &h) != TRIB_OK || rb_validate_records(batch, len, &h) != TRIB_OK ||
	    h.records_count != count)
		abort();
	if (rb_iter_init(&it, batch, len) != TRIB_OK)
		abort();
	while (rb_iter_next(&it, &r) == 1) {
		encode_and_check(&r);
		seen++;
	}
	if (seen != count)
		abort();
}

/* @p limit: batch size limit (0 = none); batches may split a delivery's records. */
static void delivery(const uint8_t *p, size_t n, uint32_t format, size_t limit)
{
	amqp_msg_out_t o;
	trib_slice_t key;
	int32_t count, seen = 0;
	uint8_t *batch;
	size_t len;

	amqp_msg_out_init(&o, limit, 1000);
	if (amqp_msg_add_delivery(&o, p, n, format, slice_from_cstr("pub"), &key, &count) !=
	    TRIB_OK) {
		if (o.n != 0 && o.batches[0].count != 0)
			abort(); /* a rejected delivery adds nothing */
		amqp_msg_out_free(&o);
		return;
	}
	for (size_t i = 0; i < o.n; i++) {
		int32_t c = o.batches[i].count;

		if (rb_builder_finish(&o.batches[i], &batch, &len) != TRIB_OK)
			abort();
		/* only a batch of one record may pass the limit */
		if (limit && len > limit && c > 1)
			abort();
		check_batch(batch, len, c);
		seen += c;
		mem_free(batch);
	}
	if (seen != count)
		abort();
	amqp_msg_out_free(&o);
}

/* Splits the input at 0xff bytes into header values after the marker. */
static void stored_record(const uint8_t *p, size_t n)
{
	static const char *const names[] = {"p", EVHDR_PROPS, EVHDR_ANNOTATIONS, EVHDR_BODY,
					    "message-id", "creation-time", EVHDR_PUBLISHER};
	rb_kv_t h[9];
	size_t nh = 0, start = 0;
	rb_builder_t b;
	uint8_t *batch;
	size_t len;

	for (size_t i = 0, field = 0; i <= n && field < 7; i++) {
		if (i < n && p[i] != 0xff)
			continue;
		h[nh] = (rb_kv_t){slice_from_cstr(names[field]),
				  (trib_slice_t){p + start, i - start}};
		nh++;
		field++;
		start = i + 1;
		if (nh == 1)
			h[nh++] = (rb_kv_t){slice_from_cstr(EVHDR_SRC), slice_from_cstr("amqp")};
	}
	rb_builder_init(&b, 1);
	if (rb_builder_add(&b, 1, slice_from_cstr("k"), slice_from_cstr("v"), h, nh) != TRIB_OK ||
	    rb_builder_finish(&b, &batch, &len) != TRIB_OK) {
		rb_builder_free(&b);
		return;
	}
	check_batch(batch, len, 1);
	mem_free(batch);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	switch (data[0] % 4) {
	case 0:
		delivery(data + 1, size - 1, 0, 0);
		break;
	case 1:
		delivery(data + 1, size - 1, AMQP_MSG_FORMAT_BATCH, 0);
		break;
	case 3:
		/* a small batch limit: deliveries split into several batches */
		delivery(data + 1, size - 1, AMQP_MSG_FORMAT_BATCH, RB_HEADER_SIZE + 64);
		break;
	default:
		stored_record(data + 1, size - 1);
		break;
	}
	return 0;
}
