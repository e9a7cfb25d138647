/**
 * CreateTopics (key 19) request and response codec, versions 0-4
 * (CreateTopicsRequest.json / CreateTopicsResponse.json; all
 * non-flexible). v1 adds validate_only and error_message, v2
 * throttle_time_ms. Manual assignments and configs are decoded and counted;
 * their contents are not kept.
 */
#ifndef TRIB_KAFKA_CREATE_TOPICS_H
#define TRIB_KAFKA_CREATE_TOPICS_H

#include <stdbool.h>
#include <stdint.h>

#include "kafka_arena.h"
#include "slice.h"
#include "trib_err.h"
#include "wire.h"

typedef struct kafka_create_topics_topic_req {
	trib_slice_t name;
	int32_t num_partitions;     /**< -1 = the broker default */
	int16_t replication_factor; /**< -1 = the broker default */
	int32_t assignment_count;   /**< manual assignments (contents checked, not kept) */
	int32_t config_count;       /**< configs (contents checked, not kept) */
} kafka_create_topics_topic_req_t;

typedef struct kafka_create_topics_req {
	int32_t topic_count;
	kafka_create_topics_topic_req_t *topics; /**< arena */
	int32_t timeout_ms;
	bool validate_only; /**< v1+ */
} kafka_create_topics_req_t;

typedef struct kafka_create_topics_topic_resp {
	trib_slice_t name;
	int16_t error_code;
	trib_slice_t error_message; /**< v1+, nullable */
} kafka_create_topics_topic_resp_t;

typedef struct kafka_create_topics_resp {
	int32_t throttle_time_ms; /**< v2+ */
	int32_t topic_count;
	kafka_create_topics_topic_resp_t *topics;
} kafka_create_topics_resp_t;

/**
 * Decodes a CreateTopics request body at @p version (0-4) into @p out
 * (arrays in @p arena, slices borrow @p rd's input, which must be consumed
 * exactly). Errors: TRIB_ERR_INVALID, TRIB_ERR_NOMEM.
 * @thread any  @locks none
 */
trib_err_t kafka_create_topics_req_decode(wire_rd_t *rd, int16_t version, kafka_arena_t *arena,
					  kafka_create_topics_req_t *out) TRIB_MUST_CHECK;

/** Writes a kafka_create_topics_resp_t at @p version (0-4) (kafka_body_fn shape).
 * @thread any  @locks none */
void kafka_create_topics_resp_write(wire_wr_t *wr, int16_t version, const void *resp);

#endif
