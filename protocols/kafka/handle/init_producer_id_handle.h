/**
 * InitProducerId handler: gives an idempotent producer a new producer id
 * from core/pidm, or its own id with the next epoch (KIP-360), see
 * handle/init_producer_id_handle.c.
 */
#ifndef TRIB_KAFKA_INIT_PRODUCER_ID_HANDLE_H
#define TRIB_KAFKA_INIT_PRODUCER_ID_HANDLE_H

#include "kafka_req.h"
#include "trib_err.h"
#include "wire.h"

/**
 * Handles one InitProducerId request (v0-5): @p body reads the request body
 * (after the header in req->hdr); answers at once. Errors:
 * TRIB_ERR_INVALID (unreadable body), TRIB_ERR_NOMEM; either closes the
 * connection.
 * @thread kafka loop  @locks the pidm's mutex (one fsync every PIDM_BLOCK ids)
 */
trib_err_t kafka_init_producer_id_handle(kafka_req_t *req, wire_rd_t *body) TRIB_MUST_CHECK;

#endif
