/**
 * DeleteRecords handler: turns a decoded DeleteRecords request into core calls and answers it
 * (see handle/delete_records_handle.c for the behaviour and the Kafka semantics followed).
 */
#ifndef TRIB_KAFKA_DELETE_RECORDS_HANDLE_H
#define TRIB_KAFKA_DELETE_RECORDS_HANDLE_H

#include "kafka_req.h"
#include "trib_err.h"
#include "wire.h"

/**
 * Handles one DeleteRecords request: @p body reads the request body (after the header
 * in req->hdr) and the answer is built at once. Errors: TRIB_ERR_INVALID
 * (unreadable body), TRIB_ERR_NOMEM; either closes the connection and nothing
 * was started.
 * @thread kafka loop  @locks namespace and storage locks via the core
 */
trib_err_t kafka_delete_records_handle(kafka_req_t *req, wire_rd_t *body) TRIB_MUST_CHECK;

#endif
