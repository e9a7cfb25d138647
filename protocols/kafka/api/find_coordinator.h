/**
 * FindCoordinator (key 10) request and response codec, versions 0-2
 * (FindCoordinatorRequest.json / FindCoordinatorResponse.json; v3 is the
 * first flexible one). v1 adds key_type and, in the answer,
 * throttle_time_ms and error_message.
 */
#ifndef TRIB_KAFKA_FIND_COORDINATOR_H
#define TRIB_KAFKA_FIND_COORDINATOR_H

#include <stdint.h>

#include "slice.h"
#include "trib_err.h"
#include "wire.h"

#define KAFKA_COORDINATOR_GROUP 0       /**< key_type: a consumer group */
#define KAFKA_COORDINATOR_TRANSACTION 1 /**< key_type: a transactional id */

typedef struct kafka_find_coordinator_req {
	trib_slice_t key;
	int8_t key_type; /**< v1+, KAFKA_COORDINATOR_GROUP before */
} kafka_find_coordinator_req_t;

typedef struct kafka_find_coordinator_resp {
	int32_t throttle_time_ms;   /**< v1+ */
	int16_t error_code;
	trib_slice_t error_message; /**< v1+, nullable */
	int32_t node_id;
	trib_slice_t host;
	int32_t port;
} kafka_find_coordinator_resp_t;

/**
 * Decodes a FindCoordinator request body at @p version (0-2) into @p out
 * (slices borrow @p rd's input, which must be consumed exactly).
 * Errors: TRIB_ERR_INVALID.  @thread any  @locks none
 */
trib_err_t kafka_find_coordinator_req_decode(wire_rd_t *rd, int16_t version,
					     kafka_find_coordinator_req_t *out) TRIB_MUST_CHECK;

/** Writes a kafka_find_coordinator_resp_t at @p version (0-2) (kafka_body_fn shape).
 * @thread any  @locks none */
void kafka_find_coordinator_resp_write(wire_wr_t *wr, int16_t version, const void *resp);

#endif
