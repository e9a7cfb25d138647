/* DeleteTopics codec: one array of names and a timeout; the response gains throttle in v1. */
#include "delete_topics.h"

#include "kafka_api.h"

trib_err_t kafka_delete_topics_req_decode(wire_rd_t *rd, int16_t version, kafka_arena_t *arena,
					  kafka_delete_topics_req_t *out)
{
	int32_t n;

	*out = (kafka_delete_topics_req_t){0};
	if (version < 0 || version > 3) {
		wire_rd_fail(rd);
		return TRIB_ERR_INVALID;
	}
	n = wire_rd_array_len(rd, KAFKA_MAX_TOPICS, 2, NULL);
	if (!wire_rd_ok(rd))
		return TRIB_ERR_INVALID;
	out->topic_count = n;
	out->topic_names = kafka_arena_calloc(arena, (size_t)n, sizeof(*out->topic_names));
	if (!out->topic_names)
		return TRIB_ERR_NOMEM;
	for (int32_t i = 0; i < n && wire_rd_ok(rd); i++) {
		out->topic_names[i] = wire_rd_str16(rd);
		if (!out->topic_names[i].ptr)
			wire_rd_fail(rd);
	}
	out->timeout_ms = wire_rd_i32(rd);
	return wire_rd_ok(rd) && wire_rd_left(rd) == 0 ? TRIB_OK : TRIB_ERR_INVALID;
}

void kafka_delete_topics_resp_write(wire_wr_t *wr, int16_t version, const void *body)
{
	const kafka_delete_topics_resp_t *r = body;

	if (version >= 1)
		wire_wr_i32(wr, r->throttle_time_ms);
	wire_wr_i32(wr, r->topic_count);
	for (int32_t i = 0; i < r->topic_count; i++) {
		wire_wr_str16(wr, r->topics[i].name);
		wire_wr_i16(wr, r->topics[i].error_code);
	}
}
