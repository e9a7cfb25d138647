/**
 * InitProducerId (key 22) request and response codec, versions 0-1
 * (InitProducerIdRequest.json / InitProducerIdResponse.json; v1 only
 * changes the broker's behaviour on quota violations, v2 is the first
 * flexible one, v3 adds producer_id/producer_epoch to the request for
 * KIP-360 epoch bumps).
 */
#ifndef TRIB_KAFKA_INIT_PRODUCER_ID_H
#define TRIB_KAFKA_INIT_PRODUCER_ID_H

#include <stdint.h>

#include "slice.h"
#include "trib_err.h"
#include "wire.h"

typedef struct kafka_init_producer_id_req {
	trib_slice_t transactional_id; /**< nullable: null for an idempotent-only producer */
	int32_t transaction_timeout_ms;
} kafka_init_producer_id_req_t;

typedef struct kafka_init_producer_id_resp {
	int32_t throttle_time_ms;
	int16_t error_code;
	int64_t producer_id;    /**< -1 on error */
	int16_t producer_epoch; /**< -1 on error */
} kafka_init_producer_id_resp_t;

/**
 * Decodes an InitProducerId request body at @p version (0-1) into @p out
 * (slices borrow @p rd's input, which must be consumed exactly).
 * Errors: TRIB_ERR_INVALID.  @thread any  @locks none
 */
trib_err_t kafka_init_producer_id_req_decode(wire_rd_t *rd, int16_t version,
					     kafka_init_producer_id_req_t *out) TRIB_MUST_CHECK;

/** Writes a kafka_init_producer_id_resp_t at @p version (0-1) (kafka_body_fn shape).
 * @thread any  @locks none */
void kafka_init_producer_id_resp_write(wire_wr_t *wr, int16_t version, const void *resp);

#endif
