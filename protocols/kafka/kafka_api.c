/*
 * Version table. Checked against Apache Kafka's message schemas by
 * tests/unit/kafka_api_test.c (flexible boundaries, valid ranges). Keep the
 * table ordered by key: ApiVersions lists it as is.
 */
#include "kafka_api.h"

#include <pthread.h>

/* APIs whose codecs are still hand-written (protocols/kafka/api/NAME.c) */
static const kafka_api_t hand[] = {
	{KAFKA_API_CREATE_TOPICS, "CreateTopics", 0, 4, 0, 4, 5},
};

#define HAND_COUNT (sizeof(hand) / sizeof(hand[0]))
#define MAX_APIS 64

/* hand and generated rows merged by key, built once */
static const kafka_api_t *merged[MAX_APIS];
static size_t merged_count;
static pthread_once_t merged_once = PTHREAD_ONCE_INIT;

static void merge(void)
{
	size_t ng, i = 0, j = 0;
	const kafka_api_t *gen = kafka_api_generated(&ng);

	while ((i < HAND_COUNT || j < ng) && merged_count < MAX_APIS) {
		if (j == ng || (i < HAND_COUNT && hand[i].key < gen[j].key))
			merged[merged_count++] = &hand[i++];
		else
			merged[merged_count++] = &gen[j++];
	}
}

const kafka_api_t *kafka_api_find(int16_t key)
{
	pthread_once(&merged_once, merge);
	for (size_t i = 0; i < merged_count; i++) {
		if (merged[i]->key == key)
			return merged[i];
	}
	return NULL;
}

size_t kafka_api_count(void)
{
	pthread_once(&merged_once, merge);
	return merged_count;
}

const kafka_api_t *kafka_api_at(size_t i)
{
	pthread_once(&merged_once, merge);
	return i < merged_count ? merged[i] : NULL;
}

bool kafka_api_flexible(const kafka_api_t *api, int16_t version)
{
	return version >= api->flex_min;
}
