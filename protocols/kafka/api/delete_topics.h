/**
 * DeleteTopics (key 20) request and response codec, versions 0-3
 * (DeleteTopicsRequest.json / DeleteTopicsResponse.json; all non-flexible).
 * v1 adds throttle_time_ms; v2 and v3 have the v1 shapes.
 */
#ifndef TRIB_KAFKA_DELETE_TOPICS_H
#define TRIB_KAFKA_DELETE_TOPICS_H

#include <stdint.h>

#include "kafka_arena.h"
#include "slice.h"
#include "trib_err.h"
#include "wire.h"

typedef struct kafka_delete_topics_req {
	int32_t topic_count;
	trib_slice_t *topic_names; /**< arena; slices borrow the request frame */
	int32_t timeout_ms;
} kafka_delete_topics_req_t;

typedef struct kafka_delete_topics_topic_resp {
	trib_slice_t name;
	int16_t error_code;
} kafka_delete_topics_topic_resp_t;

typedef struct kafka_delete_topics_resp {
	int32_t throttle_time_ms; /**< v1+ */
	int32_t topic_count;
	kafka_delete_topics_topic_resp_t *topics;
} kafka_delete_topics_resp_t;

/**
 * Decodes a DeleteTopics request body at @p version (0-3) into @p out
 * (the array in @p arena, slices borrow @p rd's input, which must be
 * consumed exactly; names are not nullable). Errors: TRIB_ERR_INVALID,
 * TRIB_ERR_NOMEM.
 * @thread any  @locks none
 */
trib_err_t kafka_delete_topics_req_decode(wire_rd_t *rd, int16_t version, kafka_arena_t *arena,
					  kafka_delete_topics_req_t *out) TRIB_MUST_CHECK;

/** Writes a kafka_delete_topics_resp_t at @p version (0-3) (kafka_body_fn shape).
 * @thread any  @locks none */
void kafka_delete_topics_resp_write(wire_wr_t *wr, int16_t version, const void *resp);

#endif
