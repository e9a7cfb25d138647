/**
 * DescribeProducers (KIP-664): the idempotent producers each partition
 * keeps state for (core/pstate.h), as kafka-producer-state tools show them.
 */
#ifndef TRIB_KAFKA_DESCRIBE_PRODUCERS_HANDLE_H
#define TRIB_KAFKA_DESCRIBE_PRODUCERS_HANDLE_H

#include "kafka_req.h"
#include "trib_err.h"
#include "wire.h"

/**
 * Handles one DescribeProducers request (v0) and answers it at once. Per
 * partition: Listen on the topic (else TOPIC_AUTHORIZATION_FAILED 29), an
 * existing partition (else UNKNOWN_TOPIC_OR_PARTITION 3), then every
 * producer id with a recorded batch: its epoch, the last sequence and
 * append time (ms) of its last batch, coordinator epoch -1 and current
 * transaction start -1 (no transactions here).
 * Errors: TRIB_ERR_INVALID (unreadable body: the connection closes),
 * TRIB_ERR_NOMEM.
 * @thread kafka loop  @locks each partition's producer lock via the core
 */
trib_err_t kafka_describe_producers_handle(kafka_req_t *req, wire_rd_t *body) TRIB_MUST_CHECK;

#endif
