/*
 * Fuzz target for every generated Kafka message (protocols/kafka/api/NAME.def,
 * STYLE.md §14). Input: byte 0 picks the API (index into kafka_msg_cases,
 * modulo their number), byte 1 is the version as a signed byte (so versions
 * outside the codec range are tried too), the rest is the request body.
 * A body that decodes is followed by the API's sample response written at
 * that version twice, measuring then storing: the two passes must agree.
 * Must never crash or leak (the arena is freed every run).
 */
#include <stdint.h>
#include <stdlib.h>

#include "kafka_arena.h"
#include "kafka_msg_cases.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void write_twice(kafka_body_fn fn, int16_t ver, const void *body)
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
	if (wr.pos != n || !wire_wr_fits(&wr))
		abort();
	free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t n;
	const kafka_msg_case_t *cases = kafka_msg_cases(&n), *c;
	int16_t ver;
	wire_rd_t rd;
	kafka_arena_t a;

	if (size < 2 || n == 0)
		return 0;
	c = &cases[data[0] % n];
	for (size_t i = 0; i < n; i++) {
		if (cases[i].key == data[0])
			c = &cases[i];
	}
	ver = (int8_t)data[1];
	wire_rd_init(&rd, data + 2, size - 2);
	kafka_arena_init(&a);
	if (c->decode(&rd, ver, &a) == TRIB_OK) {
		const void *sample = c->sample(&a);

		if (sample)
			write_twice(c->write, ver, sample);
	}
	kafka_arena_free(&a);
	return 0;
}
