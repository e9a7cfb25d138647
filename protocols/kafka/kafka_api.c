/*
 * Version table: the generated one (protocols/kafka/api/NAME.def, ordered
 * by key), checked against Apache Kafka's message schemas by
 * tests/unit/kafka_schema_test.c and the kafka_defs test. ApiVersions lists
 * it as is.
 */
#include "kafka_api.h"

const kafka_api_t *kafka_api_find(int16_t key)
{
	size_t n;
	const kafka_api_t *t = kafka_api_generated(&n);

	for (size_t i = 0; i < n; i++) {
		if (t[i].key == key)
			return &t[i];
	}
	return NULL;
}

size_t kafka_api_count(void)
{
	size_t n;

	(void)kafka_api_generated(&n);
	return n;
}

const kafka_api_t *kafka_api_at(size_t i)
{
	size_t n;
	const kafka_api_t *t = kafka_api_generated(&n);

	return i < n ? &t[i] : NULL;
}

bool kafka_api_flexible(const kafka_api_t *api, int16_t version)
{
	return version >= api->flex_min;
}
