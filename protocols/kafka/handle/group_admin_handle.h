/**
 * Group administration handlers of the Kafka head: DescribeGroups,
 * ListGroups, DeleteGroups and OffsetDelete over core/kgroup and
 * core/koffset (see handle/group_admin_handle.c for the behaviour).
 */
#ifndef TRIB_KAFKA_GROUP_ADMIN_HANDLE_H
#define TRIB_KAFKA_GROUP_ADMIN_HANDLE_H

#include <stddef.h>

#include "kafka_req.h"
#include "slice.h"
#include "trib_err.h"
#include "wire.h"

/**
 * Each handles one request of its API: @p body reads the request body
 * (after the header in req->hdr). DescribeGroups and ListGroups answer at
 * once; DeleteGroups and OffsetDelete answer once their tombstones in
 * __consumer_offsets are durable (the request holds a reference and one
 * env->pending_appends meanwhile, as OffsetCommit).
 * Errors: TRIB_ERR_INVALID (unreadable body), TRIB_ERR_NOMEM; either closes
 * the connection and nothing was started.
 * @thread kafka loop  @locks the kgroup registry lock and the koffset map mutex via the core
 */
trib_err_t kafka_describe_groups_handle(kafka_req_t *req, wire_rd_t *body) TRIB_MUST_CHECK;
trib_err_t kafka_list_groups_handle(kafka_req_t *req, wire_rd_t *body) TRIB_MUST_CHECK;
trib_err_t kafka_delete_groups_handle(kafka_req_t *req, wire_rd_t *body) TRIB_MUST_CHECK;
trib_err_t kafka_offset_delete_handle(kafka_req_t *req, wire_rd_t *body) TRIB_MUST_CHECK;

/**
 * The client host DescribeGroups shows for members joining through @p req,
 * in Kafka's form ("/127.0.0.1"), written into @p buf (@p n bytes, owned by
 * the caller; the slice points into it). @thread kafka loop  @locks none
 */
trib_slice_t kafka_client_host(const kafka_req_t *req, char *buf, size_t n);

#endif
