/**
 * Kafka config APIs over the core's topic configs (core/tcfg.h,
 * docs/topic-configs.md): DescribeConfigs, AlterConfigs and
 * IncrementalAlterConfigs. One file for the three: they share the resource
 * rules (topic or broker), the authorization and the error answers.
 */
#ifndef TRIB_KAFKA_CONFIGS_HANDLE_H
#define TRIB_KAFKA_CONFIGS_HANDLE_H

#include "kafka_req.h"
#include "trib_err.h"
#include "wire.h"

/**
 * DescribeConfigs (v0-4, KIP-133/226/569). A topic (any right on it, else
 * TOPIC_AUTHORIZATION_FAILED 29; unknown: UNKNOWN_TOPIC_OR_PARTITION 3)
 * lists every topic config, or the requested keys that exist, from one
 * hub_config snapshot: value, read_only false, v0 is_default, v1+
 * config_source (TOPIC_CONFIG for an override, STATIC_BROKER_CONFIG or
 * DEFAULT_CONFIG otherwise), with include_synonyms the override then the
 * broker-level default it hides, v3+ config_type and, when asked, the
 * documentation. The broker (name "" or this node id, else INVALID_REQUEST
 * 42) lists the gateway settings clients read, all read-only:
 * auto.create.topics.enable, broker.id, default.replication.factor (1),
 * log.retention.ms (the topic default), message.max.bytes,
 * min.insync.replicas (1), num.partitions (the auto-creation count),
 * offsets.topic.replication.factor (1). Other resource types:
 * INVALID_REQUEST. Errors: TRIB_ERR_INVALID (unreadable body: the
 * connection closes), TRIB_ERR_NOMEM.
 * @thread kafka loop  @locks the hub's config lock via the core
 */
trib_err_t kafka_describe_configs_handle(kafka_req_t *req, wire_rd_t *body) TRIB_MUST_CHECK;

/**
 * AlterConfigs (v0-2, KIP-133): a topic's configs become exactly the given
 * ones, every other key back to its default (ns_hub_set_config, durable
 * before the answer; validate_only checks and changes nothing). Manage on
 * the topic (else 29); unknown topic 3; a null value, a key given twice or
 * a resource given twice INVALID_REQUEST; a value or key tcfg refuses
 * INVALID_CONFIG (40) with tcfg's message. Broker configs are read-only
 * here: INVALID_REQUEST. Errors: as kafka_describe_configs_handle.
 * @thread kafka loop  @locks namespace write lock via the core; blocks for
 * one hub.json write and fsync per changed topic
 */
trib_err_t kafka_alter_configs_handle(kafka_req_t *req, wire_rd_t *body) TRIB_MUST_CHECK;

/**
 * IncrementalAlterConfigs (v0-1, KIP-339): per key SET (0, a null value:
 * INVALID_REQUEST), DELETE (1: back to the default), APPEND (2) and
 * SUBTRACT (3) on list configs (cleanup.policy; any other key:
 * INVALID_CONFIG), over one hub_config snapshot, then saved as
 * AlterConfigs is; other operation codes INVALID_REQUEST. Rights, errors
 * and validate_only as kafka_alter_configs_handle.
 * @thread kafka loop  @locks as kafka_alter_configs_handle
 */
trib_err_t kafka_incremental_alter_configs_handle(kafka_req_t *req,
						  wire_rd_t *body) TRIB_MUST_CHECK;

#endif
