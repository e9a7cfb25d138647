/**
 * SaslHandshake (key 17) and SaslAuthenticate (key 36) handlers of the
 * Kafka head: they move the connection's SASL state (kafka_sasl.h) and
 * answer at once. A raw token after SaslHandshake v0 is not a request and
 * is taken by kafka_conn.
 */
#ifndef TRIB_KAFKA_SASL_HANDLE_H
#define TRIB_KAFKA_SASL_HANDLE_H

#include "kafka_req.h"
#include "trib_err.h"
#include "wire.h"

/**
 * Answers a SaslHandshake: mechanisms ["PLAIN"] (empty without a policy
 * store); error 0, 33 (not PLAIN) or 34 (not the connection's first).
 * Errors: TRIB_ERR_INVALID (unreadable body), TRIB_ERR_NOMEM; either closes
 * the connection.
 * @thread kafka loop  @locks none
 */
trib_err_t kafka_sasl_handshake_handle(kafka_req_t *req, wire_rd_t *body) TRIB_MUST_CHECK;

/**
 * Answers a SaslAuthenticate carrying a PLAIN token: error 0 with empty
 * auth bytes and session_lifetime_ms 0 (v1), or SASL_AUTHENTICATION_FAILED
 * (58) with a message, or ILLEGAL_SASL_STATE (34) without a v1 handshake
 * before it; a refusal closes the connection once its answer is written.
 * Errors: as kafka_sasl_handshake_handle.
 * @thread kafka loop  @locks none
 */
trib_err_t kafka_sasl_authenticate_handle(kafka_req_t *req, wire_rd_t *body) TRIB_MUST_CHECK;

#endif
