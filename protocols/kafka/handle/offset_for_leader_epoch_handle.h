/**
 * OffsetForLeaderEpoch (KIP-101, KIP-320): the end offset of a leader epoch.
 * A consumer asks it to check its position after a leader change
 * (librdkafka 2.1+ when a fetched batch or a committed offset carries an
 * epoch); see handle/offset_for_leader_epoch_handle.c for the one-epoch model.
 */
#ifndef TRIB_KAFKA_OFFSET_FOR_LEADER_EPOCH_HANDLE_H
#define TRIB_KAFKA_OFFSET_FOR_LEADER_EPOCH_HANDLE_H

#include "kafka_req.h"
#include "part.h"
#include "trib_err.h"
#include "wire.h"

/** The leader epoch of every partition, forever (core/part.h, stamped in every batch). */
#define KAFKA_LEADER_EPOCH PART_LEADER_EPOCH

/**
 * Handles one OffsetForLeaderEpoch request (v0-4) and answers it at once.
 * Per partition: Listen on the topic (else TOPIC_AUTHORIZATION_FAILED 29),
 * an existing partition (else UNKNOWN_TOPIC_OR_PARTITION 3), a
 * current_leader_epoch (v2+) of -1 or KAFKA_LEADER_EPOCH (else
 * FENCED_LEADER_EPOCH 74 below it, UNKNOWN_LEADER_EPOCH 75 above); then
 * Kafka's LeaderEpochFileCache.endOffsetFor over one epoch starting at the
 * log start. Every error answers leader epoch -1, end offset -1.
 * Errors: TRIB_ERR_INVALID (unreadable body: the connection closes),
 * TRIB_ERR_NOMEM.
 * @thread kafka loop  @locks partition locks via the core
 */
trib_err_t kafka_offset_for_leader_epoch_handle(kafka_req_t *req,
						wire_rd_t *body) TRIB_MUST_CHECK;

#endif
