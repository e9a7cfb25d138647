/*
 * Fuzz target for the Kafka head's request framing (STYLE.md §14): bytes 2..
 * are a stream of size-prefixed frames fed through the frame parser and the
 * request header decoder (v1 and v2), which must agree with the quick peek
 * at the ids. Bytes 0 and 1 are skipped (they chose an API when this target
 * held the hand-written codecs; every message body is now fuzzed by
 * kafka_message). Needs no namespace; must never crash or leak.
 */
#include <stdint.h>
#include <stdlib.h>

#include "kafka_frame.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void frames(const uint8_t *p, size_t n)
{
	while (n) {
		uint32_t len = 0;
		kafka_hdr_t h;
		int16_t key, ver;
		int32_t corr;
		wire_rd_t rd;

		if (kafka_frame_peek(p, n, 1u << 20, &len) != KAFKA_FRAME_READY)
			return;
		p += KAFKA_FRAME_PREFIX;
		kafka_frame_ids(p, len, &key, &ver, &corr);
		for (int v = 1; v <= 2; v++) {
			wire_rd_init(&rd, p, len);
			if (kafka_frame_hdr_decode(&rd, v, &h) == TRIB_OK && h.api_key != key)
				abort(); /* the header and the quick peek must agree */
		}
		p += len;
		n -= KAFKA_FRAME_PREFIX + len;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size >= 2)
		frames(data + 2, size - 2);
	return 0;
}
