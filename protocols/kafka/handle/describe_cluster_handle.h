/**
 * DescribeCluster (KIP-700): the one broker this gateway is, the cluster id
 * and the controller, as Metadata gives them.
 */
#ifndef TRIB_KAFKA_DESCRIBE_CLUSTER_HANDLE_H
#define TRIB_KAFKA_DESCRIBE_CLUSTER_HANDLE_H

#include "kafka_req.h"
#include "trib_err.h"
#include "wire.h"

/**
 * Handles one DescribeCluster request (v0-1): brokers = [this node: node id,
 * advertised host and port, rack null], controller = this node, cluster id
 * KAFKA_CLUSTER_ID, authorized operations (CREATE, DESCRIBE) only when asked.
 * v1 endpoint type 1 (brokers) is served; 2 (controllers) gets
 * MISMATCHED_ENDPOINT_TYPE (114), any other UNSUPPORTED_ENDPOINT_TYPE (115)
 * (v0 always describes brokers), as a Kafka broker answers.
 * Errors: TRIB_ERR_INVALID (unreadable body: the connection closes),
 * TRIB_ERR_NOMEM.
 * @thread kafka loop  @locks none
 */
trib_err_t kafka_describe_cluster_handle(kafka_req_t *req, wire_rd_t *body) TRIB_MUST_CHECK;

#endif
