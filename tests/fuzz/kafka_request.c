/*
 * Fuzz target for the Kafka head's request decoding (STYLE.md §14).
 * Input: byte 0 picks the API (its low 3 bits: 5 CreateTopics; 0-4, 6
 * and 7 feed the
 * rest as a stream of size-prefixed frames through the frame parser and the
 * request header decoder), byte 1 is the version (as a signed byte, so
 * out-of-range versions are tried too), the rest is the request body. Every
 * successful decode is echoed through that API's response encoder (measure,
 * then store), so encoders see arbitrary names and counts. Needs no
 * namespace; must never crash or leak (the arena is freed every run).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "api/create_topics.h"
#include "kafka_arena.h"
#include "kafka_frame.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void encode(kafka_body_fn fn, int16_t ver, const void *body)
{
	wire_wr_t wr;
	uint8_t *buf;
	size_t n;

	wire_wr_init(&wr, NULL, 0);
	fn(&wr, ver, body);
	n = wr.pos;
	buf = malloc(n ? n : 1);
	if (!buf)
		return;
	wire_wr_init(&wr, buf, n);
	fn(&wr, ver, body);
	if (wr.pos != n)
		abort(); /* the two passes of an encoder must agree */
	free(buf);
}

static void create_topics(wire_rd_t *rd, int16_t ver, kafka_arena_t *a)
{
	kafka_create_topics_req_t q;
	kafka_create_topics_resp_t r = {0};

	if (kafka_create_topics_req_decode(rd, ver, a, &q) || ver < 0)
		return;
	r.topic_count = q.topic_count;
	r.topics = kafka_arena_calloc(a, (size_t)q.topic_count, sizeof(*r.topics));
	for (int32_t i = 0; r.topics && i < q.topic_count; i++) {
		r.topics[i].name = q.topics[i].name;
		r.topics[i].error_message = q.topics[i].name;
	}
	if (r.topics)
		encode(kafka_create_topics_resp_write, ver, &r);
}

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
	kafka_arena_t a;
	wire_rd_t rd;
	int16_t ver;

	if (size < 2)
		return 0;
	ver = (int8_t)data[1];
	wire_rd_init(&rd, data + 2, size - 2);
	kafka_arena_init(&a);
	switch (data[0] & 7) {
	case 5: create_topics(&rd, ver, &a); break;
	default: frames(data + 2, size - 2); break;
	}
	kafka_arena_free(&a);
	return 0;
}
