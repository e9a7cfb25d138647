/**
 * The Kafka APIs this head serves, as data (STYLE.md §9: the
 * {key, min, max, flex_min} table generated from protocols/kafka/api/NAME.def;
 * the generated handler table binds the handlers).
 *
 * Advertised ranges (ApiVersions) must never have minimums above what
 * librdkafka 2.0, kafka-python 2.0 and kafkajs 2.2 use (reference
 * clients.md §3). The codec range is wider: versions the generated codecs
 * read and write although we do not serve them (older shapes of the same
 * messages); those are answered with UNSUPPORTED_VERSION in every item, at
 * the version the client sent.
 */
#ifndef TRIB_KAFKA_API_H
#define TRIB_KAFKA_API_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "trib_err.h"

/* Named limits on decoded counts (STYLE.md §20), checked before allocating. */
#define KAFKA_MAX_TOPICS 10000      /**< topics in one request */
#define KAFKA_MAX_PARTITIONS 10000  /**< partitions of one topic in one request */
#define KAFKA_MAX_CONFIGS 1000      /**< configs of one topic in CreateTopics */
#define KAFKA_MAX_ASSIGNMENTS 10000 /**< manual assignments of one topic in CreateTopics */
#define KAFKA_MAX_REPLICAS 1000     /**< broker ids in one assignment */
#define KAFKA_MAX_ARRAY 10000       /**< any other array of a generated message */

/** The cluster id Metadata and DescribeCluster answer (admin clients compare them). */
#define KAFKA_CLUSTER_ID "tributary"

/** flex_min of an API with no flexible version ("flexibleVersions": "none") */
#define KAFKA_FLEX_NONE INT16_MAX

typedef struct kafka_api {
	int16_t key;
	const char *name;
	int16_t min;        /**< lowest advertised version */
	int16_t max;        /**< highest advertised version */
	int16_t codec_min;  /**< lowest version the codec reads and writes */
	int16_t codec_max;  /**< highest version the codec reads and writes */
	int16_t flex_min;   /**< first flexible version (KIP-482), from the schema */
} kafka_api_t;

/** API keys (the Kafka protocol guide's names) of every API this head serves. */
enum {
	KAFKA_API_PRODUCE = 0,
	KAFKA_API_FETCH = 1,
	KAFKA_API_LIST_OFFSETS = 2,
	KAFKA_API_METADATA = 3,
	KAFKA_API_OFFSET_COMMIT = 8,
	KAFKA_API_OFFSET_FETCH = 9,
	KAFKA_API_FIND_COORDINATOR = 10,
	KAFKA_API_JOIN_GROUP = 11,
	KAFKA_API_HEARTBEAT = 12,
	KAFKA_API_LEAVE_GROUP = 13,
	KAFKA_API_SYNC_GROUP = 14,
	KAFKA_API_DESCRIBE_GROUPS = 15,
	KAFKA_API_LIST_GROUPS = 16,
	KAFKA_API_SASL_HANDSHAKE = 17,
	KAFKA_API_API_VERSIONS = 18,
	KAFKA_API_CREATE_TOPICS = 19,
	KAFKA_API_DELETE_TOPICS = 20,
	KAFKA_API_DELETE_RECORDS = 21,
	KAFKA_API_INIT_PRODUCER_ID = 22,
	KAFKA_API_OFFSET_FOR_LEADER_EPOCH = 23,
	KAFKA_API_DESCRIBE_CONFIGS = 32,
	KAFKA_API_ALTER_CONFIGS = 33,
	KAFKA_API_SASL_AUTHENTICATE = 36,
	KAFKA_API_CREATE_PARTITIONS = 37,
	KAFKA_API_DELETE_GROUPS = 42,
	KAFKA_API_INCREMENTAL_ALTER_CONFIGS = 44,
	KAFKA_API_OFFSET_DELETE = 47,
	KAFKA_API_DESCRIBE_CLUSTER = 60,
	KAFKA_API_DESCRIBE_PRODUCERS = 61,
};

/** The table entry for @p key, or NULL for an API we do not serve. @thread any @locks none */
const kafka_api_t *kafka_api_find(int16_t key);

/**
 * Number of table entries; kafka_api_at(i) for i < count gives them ordered
 * by key (NULL past the end). @thread any  @locks none
 */
size_t kafka_api_count(void);
const kafka_api_t *kafka_api_at(size_t i);

/**
 * The generated table (protocols/kafka/api/NAME.def, ordered by key);
 * *count gets its length. kafka_api_find/count/at read it.
 * @thread any  @locks none
 */
const kafka_api_t *kafka_api_generated(size_t *count);

/** True when @p version of @p api uses flexible encodings. @thread any @locks none */
bool kafka_api_flexible(const kafka_api_t *api, int16_t version);

#endif
