/*
 * Fuzz target: the HTTP head's request decoding and record building.
 * The first byte picks the path: even = JSON batch body (the rest of the
 * input), odd = single event, where the rest is "Name: value" header lines,
 * an empty line, then the body. Bits 1-2 of the first byte pick a publisher
 * name. Every decoded request is built into record batches that must pass
 * the core's own checks (rb_check, rb_validate_records); a failure aborts.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http_arena.h"
#include "http_batch.h"
#include "http_event.h"
#include "mem.h"
#include "rb.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_HEADERS 64

static size_t split_headers(const uint8_t *p, size_t n, http_event_header_t *h, trib_slice_t *body)
{
	size_t count = 0, i = 0;

	while (i < n && count < MAX_HEADERS) {
		const uint8_t *nl = memchr(p + i, '\n', n - i);
		size_t end = nl ? (size_t)(nl - p) : n;
		const uint8_t *colon;

		if (end == i) {
			i++;
			break;
		}
		colon = memchr(p + i, ':', end - i);
		if (colon) {
			size_t c = (size_t)(colon - p), v = c + 1;

			while (v < end && p[v] == ' ')
				v++;
			h[count].name = (trib_slice_t){p + i, c - i};
			h[count].value = (trib_slice_t){p + v, end - v};
			count++;
		}
		i = end + (nl != NULL);
	}
	*body = (trib_slice_t){p + i, n - i};
	return count;
}

static void check_batches(const http_event_batch_t *b, size_t nb, size_t nevents)
{
	size_t total = 0;

	for (size_t i = 0; i < nb; i++) {
		rb_header_t h;

		if (rb_check(b[i].bytes, b[i].len, &h) != TRIB_OK ||
		    rb_validate_records(b[i].bytes, b[i].len, &h) != TRIB_OK ||
		    (size_t)h.records_count != b[i].count)
			abort();
		total += b[i].count;
	}
	if (total != nevents)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const publishers[] = {NULL, "dev-01", "", "p\xc3\xa9"};
	http_arena_t a;
	http_event_msg_t msg;
	http_event_t *evs = NULL;
	http_event_batch_t *b;
	size_t n = 0, nb;
	trib_err_t err;
	const char *pub;

	if (size < 1)
		return 0;
	pub = publishers[(data[0] >> 1) & 3];
	http_arena_init(&a);
	if (data[0] & 1) {
		http_event_header_t h[MAX_HEADERS];
		trib_slice_t body;
		size_t nh = split_headers(data + 1, size - 1, h, &body);

		n = 1;
		err = http_event_from_request(&a, body, h, nh, &evs, &msg);
	} else {
		err = http_batch_parse(&a, data + 1, size - 1, &evs, &n, &msg);
	}
	if (err == TRIB_OK && pub)
		err = http_event_set_publisher(evs, n, slice_from_cstr(pub), &msg);
	if (err == TRIB_OK) {
		for (size_t i = 0; i < n; i++)
			evs[i].partition = evs[i].key.ptr ? (int32_t)(evs[i].key.len % 4) : 7;
		if (http_event_build(&a, evs, n, 1700000000000, &b, &nb) == TRIB_OK)
			check_batches(b, nb, n);
	} else if (msg.text[0] == '\0' && err != TRIB_ERR_NOMEM) {
		abort(); /* every refusal must say what was wrong */
	}
	http_arena_free(&a);
	if (mem_used(MEM_HTTP) != 0)
		abort();
	return 0;
}
