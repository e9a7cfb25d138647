/*
 * Fuzz target: the incoming-frame scanner (protocols/amqp/amqp_frame.c),
 * which sees every byte a client sends before Proton does. The first byte
 * sets the chunk size the stream is fed in (so frame headers and
 * performatives split at every position); afterwards the formats of a few
 * link names are taken and the scanner freed.
 */
#include <stdint.h>

#include "amqp_frame.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	amqp_frame_scan_t s;
	size_t chunk;
	static const char *const names[] = {"s1", "sender", "", "a"};

	if (size < 1)
		return 0;
	chunk = (size_t)data[0] + 1;
	data++;
	size--;
	amqp_frame_init(&s);
	for (size_t at = 0; at < size; at += chunk)
		amqp_frame_feed(&s, data + at, size - at < chunk ? size - at : chunk);
	for (int round = 0; round < 3; round++) {
		for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
			(void)amqp_frame_take_format(&s, slice_from_cstr(names[i]),
						     slice_from_cstr("a"));
	}
	amqp_frame_forget(&s, slice_from_cstr("s1"));
	amqp_frame_free(&s);
	return 0;
}
