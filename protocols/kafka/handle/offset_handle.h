/**
 * Committed-offset handlers of the Kafka head: FindCoordinator, OffsetCommit
 * and OffsetFetch (see handle/offset_handle.c for the behaviour). One file
 * for the three: they share the koffset store and the group check.
 */
#ifndef TRIB_KAFKA_OFFSET_HANDLE_H
#define TRIB_KAFKA_OFFSET_HANDLE_H

#include "kafka_req.h"
#include "trib_err.h"
#include "wire.h"

/**
 * Each handles one request of its API: @p body reads the request body
 * (after the header in req->hdr). OffsetCommit leaves the slot pending until
 * the commit is durable; the others answer at once. Errors: TRIB_ERR_INVALID
 * (unreadable body), TRIB_ERR_NOMEM; either closes the connection and
 * nothing was started.
 * @thread kafka loop  @locks koffset's map mutex, kgroup's lock via the core
 */
trib_err_t kafka_find_coordinator_handle(kafka_req_t *req, wire_rd_t *body) TRIB_MUST_CHECK;
trib_err_t kafka_offset_commit_handle(kafka_req_t *req, wire_rd_t *body) TRIB_MUST_CHECK;
trib_err_t kafka_offset_fetch_handle(kafka_req_t *req, wire_rd_t *body) TRIB_MUST_CHECK;

#endif
