/**
 * SaslAuthenticate (key 36) request and response codec, versions 0-1
 * (SaslAuthenticateRequest.json / SaslAuthenticateResponse.json; v2 is the
 * first flexible one and is not served). v1 adds session_lifetime_ms to the
 * answer (KIP-368).
 */
#ifndef TRIB_KAFKA_SASL_AUTHENTICATE_H
#define TRIB_KAFKA_SASL_AUTHENTICATE_H

#include <stdint.h>

#include "slice.h"
#include "trib_err.h"
#include "wire.h"

typedef struct kafka_sasl_authenticate_req {
	trib_slice_t auth_bytes; /**< the mechanism's token, borrowed from the frame */
} kafka_sasl_authenticate_req_t;

typedef struct kafka_sasl_authenticate_resp {
	int16_t error_code;
	trib_slice_t error_message;  /**< nullable, borrowed */
	trib_slice_t auth_bytes;     /**< borrowed; a null slice is written as empty bytes */
	int64_t session_lifetime_ms; /**< v1+; 0 = no re-authentication needed */
} kafka_sasl_authenticate_resp_t;

/**
 * Decodes a SaslAuthenticate request body at @p version (0-1) into @p out
 * (the slice borrows @p rd's input, which must be consumed exactly).
 * Errors: TRIB_ERR_INVALID (short, null bytes, trailing bytes, version).
 * @thread any  @locks none
 */
trib_err_t kafka_sasl_authenticate_req_decode(wire_rd_t *rd, int16_t version,
					      kafka_sasl_authenticate_req_t *out) TRIB_MUST_CHECK;

/**
 * Writes a kafka_sasl_authenticate_resp_t at @p version (0-1) (kafka_body_fn shape).
 * @thread any  @locks none
 */
void kafka_sasl_authenticate_resp_write(wire_wr_t *wr, int16_t version, const void *resp);

#endif
