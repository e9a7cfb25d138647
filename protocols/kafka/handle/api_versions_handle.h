/**
 * ApiVersions handler: turns a decoded ApiVersions request into core calls and answers it
 * (see handle/api_versions_handle.c for the behaviour and the Kafka semantics followed).
 */
#ifndef TRIB_KAFKA_API_VERSIONS_HANDLE_H
#define TRIB_KAFKA_API_VERSIONS_HANDLE_H

#include "kafka_req.h"
#include "trib_err.h"
#include "wire.h"

/**
 * Handles one ApiVersions request: @p body reads the request body (after the header
 * in req->hdr). Answers now or leaves the slot pending. Errors:
 * TRIB_ERR_INVALID (unreadable body), TRIB_ERR_NOMEM; either closes the
 * connection and nothing was started.
 * @thread kafka loop  @locks namespace and partition locks via the core
 */
trib_err_t kafka_api_versions_handle(kafka_req_t *req, wire_rd_t *body) TRIB_MUST_CHECK;

/**
 * Answers an ApiVersions request whose version is above the highest we
 * serve: error UNSUPPORTED_VERSION in the v0 body format with the full
 * api_keys list, header v0 (KIP-511), so the client retries with a version
 * from that list (librdkafka retries v0..2). Only req->hdr ids are used.
 * Errors: TRIB_ERR_NOMEM (the connection is closed then).
 * @thread kafka loop  @locks none
 */
trib_err_t kafka_api_versions_unsupported(kafka_req_t *req) TRIB_MUST_CHECK;

#endif
