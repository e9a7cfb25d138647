/*
 * Version table. Checked against Apache Kafka's message schemas by
 * tests/unit/kafka_api_test.c (flexible boundaries, valid ranges). Keep the
 * table ordered by key: ApiVersions lists it as is.
 */
#include "kafka_api.h"

static const kafka_api_t apis[] = {
	{KAFKA_API_PRODUCE, "Produce", 3, 8, 0, 8, 9},
	{KAFKA_API_FETCH, "Fetch", 4, 11, 0, 11, 12},
	{KAFKA_API_LIST_OFFSETS, "ListOffsets", 0, 5, 0, 5, 6},
	{KAFKA_API_METADATA, "Metadata", 0, 8, 0, 8, 9},
	{KAFKA_API_OFFSET_COMMIT, "OffsetCommit", 0, 7, 0, 7, 8},
	{KAFKA_API_OFFSET_FETCH, "OffsetFetch", 0, 5, 0, 5, 6},
	{KAFKA_API_FIND_COORDINATOR, "FindCoordinator", 0, 2, 0, 2, 3},
	{KAFKA_API_JOIN_GROUP, "JoinGroup", 0, 5, 0, 5, 6},
	{KAFKA_API_HEARTBEAT, "Heartbeat", 0, 4, 0, 4, 4},
	{KAFKA_API_LEAVE_GROUP, "LeaveGroup", 0, 3, 0, 3, 4},
	{KAFKA_API_SYNC_GROUP, "SyncGroup", 0, 3, 0, 3, 4},
	{KAFKA_API_DESCRIBE_GROUPS, "DescribeGroups", 0, 4, 0, 4, 5},
	{KAFKA_API_LIST_GROUPS, "ListGroups", 0, 2, 0, 2, 3},
	{KAFKA_API_SASL_HANDSHAKE, "SaslHandshake", 0, 1, 0, 1, INT16_MAX},
	{KAFKA_API_API_VERSIONS, "ApiVersions", 0, 3, 0, 3, 3},
	{KAFKA_API_CREATE_TOPICS, "CreateTopics", 0, 4, 0, 4, 5},
	{KAFKA_API_DELETE_TOPICS, "DeleteTopics", 0, 3, 0, 3, 4},
	{KAFKA_API_DELETE_RECORDS, "DeleteRecords", 0, 1, 0, 1, 2},
	{KAFKA_API_INIT_PRODUCER_ID, "InitProducerId", 0, 1, 0, 1, 2},
	{KAFKA_API_SASL_AUTHENTICATE, "SaslAuthenticate", 0, 1, 0, 1, 2},
	{KAFKA_API_CREATE_PARTITIONS, "CreatePartitions", 0, 1, 0, 1, 2},
	{KAFKA_API_DELETE_GROUPS, "DeleteGroups", 0, 1, 0, 1, 2},
	{KAFKA_API_OFFSET_DELETE, "OffsetDelete", 0, 0, 0, 0, KAFKA_FLEX_NONE},
};

#define API_COUNT (sizeof(apis) / sizeof(apis[0]))

const kafka_api_t *kafka_api_find(int16_t key)
{
	for (size_t i = 0; i < API_COUNT; i++) {
		if (apis[i].key == key)
			return &apis[i];
	}
	return NULL;
}

size_t kafka_api_count(void)
{
	return API_COUNT;
}

const kafka_api_t *kafka_api_at(size_t i)
{
	return i < API_COUNT ? &apis[i] : NULL;
}

bool kafka_api_flexible(const kafka_api_t *api, int16_t version)
{
	return version >= api->flex_min;
}
