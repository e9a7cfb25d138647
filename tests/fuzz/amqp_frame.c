/*
 * Fuzz target: the incoming-frame scanner (protocols/amqp/amqp_frame.c),
 * which sees every byte a client sends before Proton does. The first byte
 * sets the chunk size the stream is fed in (so frame headers and
 * performatives split at every position); afterwards the formats and
 * capabilities of a few link names are taken and the scanner freed.
 * Invariants: a feed passes on at most what it was given, nothing once a
 * frame was refused; every byte the scanner allocated is freed.
 */
#include <stdint.h>
#include <stdlib.h>

#include "amqp_frame.h"
#include "mem.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	amqp_frame_scan_t s;
	size_t chunk, before = mem_used(MEM_AMQP);
	static const char *const names[] = {"s1", "sender", "", "a"};

	if (size < 1)
		return 0;
	chunk = (size_t)data[0] + 1;
	data++;
	size--;
	amqp_frame_init(&s);
	for (size_t at = 0; at < size; at += chunk) {
		size_t n = size - at < chunk ? size - at : chunk;
		bool refused = amqp_frame_refusal(&s) != NULL;
		size_t kept = amqp_frame_feed(&s, data + at, n);

		if (kept > n || (refused && kept) || (!amqp_frame_refusal(&s) && kept != n))
			abort();
	}
	for (int round = 0; round < 3; round++) {
		for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
			(void)amqp_frame_take_format(&s, slice_from_cstr(names[i]),
						     slice_from_cstr("a"));
			(void)amqp_frame_take_caps(&s, slice_from_cstr(names[i]), round & 1);
		}
	}
	amqp_frame_forget(&s, slice_from_cstr("s1"));
	amqp_frame_free(&s);
	if (mem_used(MEM_AMQP) != before)
		abort();
	return 0;
}
