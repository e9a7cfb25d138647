/**
 * Kafka error codes (Kafka protocol guide, "Error Codes") and the head's one
 * table from trib_err_t to them (STYLE.md §3). Wire codes never leave this
 * head; the core only ever sees trib_err_t.
 */
#ifndef TRIB_KAFKA_ERR_H
#define TRIB_KAFKA_ERR_H

#include <stdint.h>

#include "trib_err.h"

enum {
	KAFKA_ERR_UNKNOWN_SERVER_ERROR = -1,
	KAFKA_ERR_NONE = 0,
	KAFKA_ERR_OFFSET_OUT_OF_RANGE = 1,
	KAFKA_ERR_CORRUPT_MESSAGE = 2,
	KAFKA_ERR_UNKNOWN_TOPIC_OR_PARTITION = 3,
	KAFKA_ERR_LEADER_NOT_AVAILABLE = 5,
	KAFKA_ERR_REQUEST_TIMED_OUT = 7,
	KAFKA_ERR_MESSAGE_TOO_LARGE = 10,
	KAFKA_ERR_OFFSET_METADATA_TOO_LARGE = 12,
	KAFKA_ERR_COORDINATOR_NOT_AVAILABLE = 15,
	KAFKA_ERR_INVALID_TOPIC_EXCEPTION = 17,
	KAFKA_ERR_NOT_ENOUGH_REPLICAS_AFTER_APPEND = 20,
	KAFKA_ERR_INVALID_REQUIRED_ACKS = 21,
	KAFKA_ERR_ILLEGAL_GENERATION = 22,
	KAFKA_ERR_INCONSISTENT_GROUP_PROTOCOL = 23,
	KAFKA_ERR_INVALID_GROUP_ID = 24,
	KAFKA_ERR_UNKNOWN_MEMBER_ID = 25,
	KAFKA_ERR_INVALID_SESSION_TIMEOUT = 26,
	KAFKA_ERR_REBALANCE_IN_PROGRESS = 27,
	KAFKA_ERR_TOPIC_AUTHORIZATION_FAILED = 29,
	KAFKA_ERR_UNSUPPORTED_SASL_MECHANISM = 33,
	KAFKA_ERR_ILLEGAL_SASL_STATE = 34,
	KAFKA_ERR_UNSUPPORTED_VERSION = 35,
	KAFKA_ERR_TOPIC_ALREADY_EXISTS = 36,
	KAFKA_ERR_INVALID_PARTITIONS = 37,
	KAFKA_ERR_INVALID_REPLICATION_FACTOR = 38,
	KAFKA_ERR_INVALID_CONFIG = 40,
	KAFKA_ERR_INVALID_REQUEST = 42,
	KAFKA_ERR_OUT_OF_ORDER_SEQUENCE_NUMBER = 45,
	KAFKA_ERR_INVALID_PRODUCER_EPOCH = 47,
	KAFKA_ERR_KAFKA_STORAGE_ERROR = 56,
	KAFKA_ERR_SASL_AUTHENTICATION_FAILED = 58,
	KAFKA_ERR_UNKNOWN_PRODUCER_ID = 59,
	KAFKA_ERR_NON_EMPTY_GROUP = 68,
	KAFKA_ERR_GROUP_ID_NOT_FOUND = 69,
	KAFKA_ERR_FENCED_LEADER_EPOCH = 74,
	KAFKA_ERR_UNKNOWN_LEADER_EPOCH = 75,
	KAFKA_ERR_UNSUPPORTED_COMPRESSION_TYPE = 76,
	KAFKA_ERR_MEMBER_ID_REQUIRED = 79,
	KAFKA_ERR_GROUP_MAX_SIZE_REACHED = 81,
	KAFKA_ERR_FENCED_INSTANCE_ID = 82,
	KAFKA_ERR_GROUP_SUBSCRIBED_TO_TOPIC = 86,
	KAFKA_ERR_INVALID_RECORD = 87,
	KAFKA_ERR_UNKNOWN_TOPIC_ID = 100,
	KAFKA_ERR_MISMATCHED_ENDPOINT_TYPE = 114,
	KAFKA_ERR_UNSUPPORTED_ENDPOINT_TYPE = 115,
};

/** Where a core error is reported: the answer differs between a record and a topic operation. */
typedef enum kafka_err_ctx {
	KAFKA_CTX_RECORDS, /**< Produce, Fetch, ListOffsets: per-partition record errors */
	KAFKA_CTX_TOPIC,   /**< Metadata auto-creation, CreateTopics */
} kafka_err_ctx_t;

/**
 * The Kafka error code for core error @p err in context @p ctx: the single
 * mapping table of this head. TRIB_OK gives 0; a value the table lacks gives
 * UNKNOWN_SERVER_ERROR (-1).
 * @thread any  @locks none
 */
int16_t kafka_err_from_trib(trib_err_t err, kafka_err_ctx_t ctx);

/**
 * Kafka's name for @p code ("UNKNOWN_TOPIC_OR_PARTITION"), a static string;
 * unknown codes give "UNKNOWN". Used for logs and error_message fields.
 * @thread any  @locks none
 */
const char *kafka_err_name(int16_t code);

#endif
