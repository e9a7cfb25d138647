/**
 * Consumer group handlers of the Kafka head: JoinGroup, SyncGroup,
 * Heartbeat and LeaveGroup over core/kgroup (see handle/group_handle.c for
 * the behaviour). One file for the four: they share the waiter plumbing and
 * the kgroup status -> Kafka code table.
 */
#ifndef TRIB_KAFKA_GROUP_HANDLE_H
#define TRIB_KAFKA_GROUP_HANDLE_H

#include <stdint.h>

#include "kafka_req.h"
#include "kgroup.h"
#include "trib_err.h"
#include "wire.h"

/**
 * Each handles one request of its API: @p body reads the request body
 * (after the header in req->hdr). JoinGroup and SyncGroup may leave the
 * slot pending until the rebalance completes (their waiter is cancelled if
 * the connection goes first); Heartbeat and LeaveGroup answer at once.
 * Errors: TRIB_ERR_INVALID (unreadable body), TRIB_ERR_NOMEM; either closes
 * the connection and nothing was started.
 * @thread kafka loop  @locks the kgroup registry lock via the core
 */
trib_err_t kafka_join_group_handle(kafka_req_t *req, wire_rd_t *body) TRIB_MUST_CHECK;
trib_err_t kafka_sync_group_handle(kafka_req_t *req, wire_rd_t *body) TRIB_MUST_CHECK;
trib_err_t kafka_heartbeat_handle(kafka_req_t *req, wire_rd_t *body) TRIB_MUST_CHECK;
trib_err_t kafka_leave_group_handle(kafka_req_t *req, wire_rd_t *body) TRIB_MUST_CHECK;

/**
 * The Kafka error code for a group outcome: the head's one kgroup table.
 * @thread any  @locks none
 */
int16_t kafka_group_err(kgroup_status_t st);

#endif
