/**
 * SaslHandshake (key 17) request and response codec, versions 0-1
 * (SaslHandshakeRequest.json / SaslHandshakeResponse.json; never flexible).
 * Both versions have the same fields; v0 means the client sends its SASL
 * token next as a raw size-prefixed frame (KIP-43), v1 that it uses
 * SaslAuthenticate (KIP-152).
 */
#ifndef TRIB_KAFKA_SASL_HANDSHAKE_H
#define TRIB_KAFKA_SASL_HANDSHAKE_H

#include <stdint.h>

#include "slice.h"
#include "trib_err.h"
#include "wire.h"

typedef struct kafka_sasl_handshake_req {
	trib_slice_t mechanism; /**< e.g. "PLAIN", borrowed from the frame */
} kafka_sasl_handshake_req_t;

typedef struct kafka_sasl_handshake_resp {
	int16_t error_code;
	const trib_slice_t *mechanisms; /**< borrowed */
	int32_t mechanism_count;
} kafka_sasl_handshake_resp_t;

/**
 * Decodes a SaslHandshake request body at @p version (0-1) into @p out
 * (the slice borrows @p rd's input, which must be consumed exactly).
 * Errors: TRIB_ERR_INVALID (short, null mechanism, trailing bytes, version).
 * @thread any  @locks none
 */
trib_err_t kafka_sasl_handshake_req_decode(wire_rd_t *rd, int16_t version,
					   kafka_sasl_handshake_req_t *out) TRIB_MUST_CHECK;

/**
 * Writes a kafka_sasl_handshake_resp_t at @p version (0-1) (kafka_body_fn shape).
 * @thread any  @locks none
 */
void kafka_sasl_handshake_resp_write(wire_wr_t *wr, int16_t version, const void *resp);

#endif
