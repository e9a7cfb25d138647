/* CreateTopics codec: field gates as in the schema; nested arrays checked and skipped. */
#include "create_topics.h"

#include "kafka_api.h"

#define TOPIC_MIN_BYTES 16     /* name, partitions, replication, two array lengths */
#define ASSIGNMENT_MIN_BYTES 8 /* partition index + broker id array length */
#define CONFIG_MIN_BYTES 4     /* two string lengths */

static int32_t skip_assignments(wire_rd_t *rd)
{
	int32_t n = wire_rd_array_len(rd, KAFKA_MAX_ASSIGNMENTS, ASSIGNMENT_MIN_BYTES, NULL);

	for (int32_t i = 0; i < n && wire_rd_ok(rd); i++) {
		int32_t ids;

		(void)wire_rd_i32(rd);
		ids = wire_rd_array_len(rd, KAFKA_MAX_REPLICAS, 4, NULL);
		(void)wire_rd_raw(rd, (size_t)ids * 4);
	}
	return n;
}

static int32_t skip_configs(wire_rd_t *rd)
{
	int32_t n = wire_rd_array_len(rd, KAFKA_MAX_CONFIGS, CONFIG_MIN_BYTES, NULL);

	for (int32_t i = 0; i < n && wire_rd_ok(rd); i++) {
		if (!wire_rd_str16(rd).ptr)
			wire_rd_fail(rd); /* config names are not nullable */
		(void)wire_rd_str16(rd);
	}
	return n;
}

trib_err_t kafka_create_topics_req_decode(wire_rd_t *rd, int16_t version, kafka_arena_t *arena,
					  kafka_create_topics_req_t *out)
{
	int32_t n;

	*out = (kafka_create_topics_req_t){0};
	if (version < 0 || version > 4) {
		wire_rd_fail(rd);
		return TRIB_ERR_INVALID;
	}
	n = wire_rd_array_len(rd, KAFKA_MAX_TOPICS, TOPIC_MIN_BYTES, NULL);
	if (!wire_rd_ok(rd))
		return TRIB_ERR_INVALID;
	out->topic_count = n;
	out->topics = kafka_arena_calloc(arena, (size_t)n, sizeof(*out->topics));
	if (!out->topics)
		return TRIB_ERR_NOMEM;
	for (int32_t i = 0; i < n && wire_rd_ok(rd); i++) {
		kafka_create_topics_topic_req_t *t = &out->topics[i];

		t->name = wire_rd_str16(rd);
		if (!t->name.ptr)
			wire_rd_fail(rd);
		t->num_partitions = wire_rd_i32(rd);
		t->replication_factor = wire_rd_i16(rd);
		t->assignment_count = skip_assignments(rd);
		t->config_count = skip_configs(rd);
	}
	out->timeout_ms = wire_rd_i32(rd);
	if (version >= 1)
		out->validate_only = wire_rd_u8(rd) != 0;
	return wire_rd_ok(rd) && wire_rd_left(rd) == 0 ? TRIB_OK : TRIB_ERR_INVALID;
}

void kafka_create_topics_resp_write(wire_wr_t *wr, int16_t version, const void *body)
{
	const kafka_create_topics_resp_t *r = body;

	if (version >= 2)
		wire_wr_i32(wr, r->throttle_time_ms);
	wire_wr_i32(wr, r->topic_count);
	for (int32_t i = 0; i < r->topic_count; i++) {
		const kafka_create_topics_topic_resp_t *t = &r->topics[i];

		wire_wr_str16(wr, t->name);
		wire_wr_i16(wr, t->error_code);
		if (version >= 1)
			wire_wr_str16(wr, t->error_message);
	}
}
