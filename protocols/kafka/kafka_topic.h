/**
 * Kafka topic names (Kafka's org.apache.kafka.common.internals.Topic rules):
 * 1 to 249 characters from [A-Za-z0-9._-], and neither "." nor "..". The
 * core accepts a wider set for hubs made by the config file ('/' too); this
 * head applies Kafka's rule to every topic it creates.
 */
#ifndef TRIB_KAFKA_TOPIC_H
#define TRIB_KAFKA_TOPIC_H

#include <stdbool.h>

#include "slice.h"

#define KAFKA_TOPIC_NAME_MAX 249 /**< bytes */

/**
 * True when @p name (borrowed) is a legal Kafka topic name.
 * @thread any  @locks none
 */
bool kafka_topic_name_valid(trib_slice_t name);

#endif
