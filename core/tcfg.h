/**
 * Topic configs: the per-hub settings Kafka calls topic configs
 * (retention.ms, max.message.bytes, ...), with Kafka's names, string forms,
 * types and rules (Kafka TopicConfig / LogConfig), one table driving
 * parsing, validation, defaults and formatting (STYLE.md §10).
 *
 * A tcfg_t is a plain value: every setting's effective value, a bit per
 * key telling whether the hub overrides it (Kafka's "dynamic topic config")
 * or follows the default, and the defaults it was built from (tcfg_base_t:
 * the gateway settings), so a key can be reset without outside help. Only
 * overrides are persisted (hub.json "config"): a default follows the
 * gateway settings of each run, as a Kafka topic follows its broker's.
 *
 * Building one: tcfg_defaults, then tcfg_set per (name, value) string pair
 * as Kafka sends them; tcfg_set validates, so a tcfg_t built this way is
 * always valid. Describing one: tcfg_describe per key 0..TCFG_COUNT-1.
 * docs/topic-configs.md lists the keys and the rules.
 */
#ifndef TRIB_TCFG_H
#define TRIB_TCFG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "slice.h"
#include "trib_err.h"

/** The keys, in name order (DescribeConfigs lists them so). */
typedef enum tcfg_key {
	TCFG_CLEANUP_POLICY,         /**< "cleanup.policy": "delete" only (no compaction) */
	TCFG_MAX_MESSAGE_BYTES,      /**< "max.message.bytes": largest record batch, bytes */
	TCFG_MESSAGE_TIMESTAMP_TYPE, /**< "message.timestamp.type" */
	TCFG_RETENTION_BYTES,        /**< "retention.bytes": per partition, -1 = no limit */
	TCFG_RETENTION_MS,           /**< "retention.ms": -1 = forever */
	TCFG_SEGMENT_BYTES,          /**< "segment.bytes": roll size of a segment file */
	TCFG_SEGMENT_MS,             /**< "segment.ms": roll a segment older than this */
	TCFG_COUNT
} tcfg_key_t;

/** message.timestamp.type (DESIGN.md §3). */
typedef enum tcfg_ts_type {
	TCFG_TS_LOG_APPEND_TIME, /**< "LogAppendTime": the gateway stamps each batch (default) */
	TCFG_TS_CREATE_TIME,     /**< "CreateTime": the producer's timestamps are kept */
} tcfg_ts_type_t;

#define TCFG_DEFAULT_RETENTION_MS 604800000LL       /**< 7 days */
#define TCFG_DEFAULT_SEGMENT_MS 604800000LL         /**< 7 days */
#define TCFG_DEFAULT_MAX_MESSAGE_BYTES 1048588      /**< 1 MiB + 12 bytes log overhead (Kafka) */
#define TCFG_DEFAULT_SEGMENT_BYTES 1073741824LL     /**< 1 GiB, storage.segment_bytes' default */
#define TCFG_MIN_SEGMENT_BYTES 14                   /**< Kafka's minimum (a v0 record's overhead) */
/**
 * Largest max.message.bytes a hub may set: the largest record batch the
 * core stores (HUB_DEFAULT_MAX_BATCH_BYTES, checked equal in hub.c), so a
 * value never promises batches the core would refuse.
 */
#define TCFG_MAX_MESSAGE_BYTES_LIMIT (8 * 1024 * 1024)

#define TCFG_VALUE_MAX 24 /**< bytes of the longest formatted value, NUL included */
#define TCFG_MSG_MAX 192  /**< a message buffer this big never truncates tcfg's messages */

/**
 * Where defaults come from: gateway settings. A field 0 means "not set",
 * and the built-in default (TCFG_DEFAULT_*) applies.
 */
typedef struct tcfg_base {
	int64_t segment_bytes;     /**< storage.segment_bytes, bytes; 0 = 1 GiB */
	int32_t max_message_bytes; /**< the gateway's Kafka batch limit, log overhead
				        included, bytes; 0 = 1048588 */
} tcfg_base_t;

/** One hub's topic configs (a value: copy it freely). */
typedef struct tcfg {
	int64_t retention_ms;          /**< ms, -1 = forever */
	int64_t retention_bytes;       /**< bytes per partition, -1 = no limit */
	int64_t segment_bytes;         /**< bytes */
	int64_t segment_ms;            /**< ms, >= 1 */
	int32_t max_message_bytes;     /**< bytes, log overhead included */
	tcfg_ts_type_t timestamp_type;
	uint32_t overrides;            /**< bit (1u << key) set: the hub sets the key */
	tcfg_base_t base;              /**< the defaults this value resets to */
} tcfg_t;

/** Kafka DescribeConfigs ConfigType (v3+). */
typedef enum tcfg_type {
	TCFG_TYPE_STRING = 2,
	TCFG_TYPE_INT = 3,
	TCFG_TYPE_LONG = 5,
	TCFG_TYPE_LIST = 7,
} tcfg_type_t;

/** Kafka DescribeConfigs ConfigSource (v1+). */
typedef enum tcfg_source {
	TCFG_SOURCE_TOPIC = 1,         /**< TOPIC_CONFIG: the hub overrides the key */
	TCFG_SOURCE_STATIC_BROKER = 4, /**< STATIC_BROKER_CONFIG: from a gateway setting */
	TCFG_SOURCE_DEFAULT = 5,       /**< DEFAULT_CONFIG: the built-in default */
} tcfg_source_t;

/** One key as DescribeConfigs shows it; strings are static, values held inside. */
typedef struct tcfg_entry {
	const char *name;                   /**< Kafka name, e.g. "retention.ms" */
	char value[TCFG_VALUE_MAX];         /**< effective value, Kafka's string form */
	bool is_default;                    /**< not overridden by the hub */
	bool read_only;                     /**< false for every key today */
	bool sensitive;                     /**< false for every key */
	tcfg_type_t type;
	tcfg_source_t source;               /**< of the effective value */
	const char *synonym;                /**< Kafka broker config behind the default,
					         e.g. "log.retention.ms" */
	char default_value[TCFG_VALUE_MAX]; /**< what the key resets to */
	tcfg_source_t default_source;       /**< STATIC_BROKER or DEFAULT */
	const char *doc;                    /**< one line */
} tcfg_entry_t;

/**
 * Sets @p cfg to every default, no overrides, from @p base (borrowed,
 * copied; NULL = built-in defaults).
 * @thread any  @locks none
 */
void tcfg_defaults(tcfg_t *cfg, const tcfg_base_t *base);

/**
 * Makes @p base (borrowed, copied) the defaults of @p cfg: every key @p cfg
 * does not override takes its default from @p base (NULL = built-in);
 * overrides are kept. The namespace rebases every config it is given, so a
 * caller may start from tcfg_defaults(&cfg, NULL).
 * @thread any  @locks none
 */
void tcfg_rebase(tcfg_t *cfg, const tcfg_base_t *base);

/**
 * The key named @p name (exact, case-sensitive as Kafka), or -1 when no
 * topic config has that name. @thread any  @locks none
 */
int tcfg_find(trib_slice_t name);

/** Kafka name of @p key (static), or NULL when out of range. @thread any */
const char *tcfg_name(tcfg_key_t key);

/**
 * Sets key @p name of @p cfg from its Kafka string form @p value (both
 * borrowed for the call; surrounding white space is ignored, as Kafka
 * does), marking it overridden; a null @p value (value.ptr NULL) resets the
 * key to its default and clears the override (IncrementalAlterConfigs
 * DELETE). On an error @p cfg is unchanged and @p msg (@p msg_len bytes,
 * owned by the caller, may be NULL) gets a sentence naming the key and the
 * rule, e.g. "Invalid value -2 for configuration retention.ms: must be at
 * least -1" (Kafka's wording), truncated to fit.
 * Errors: TRIB_ERR_NOT_FOUND (no topic config of that name: "Unknown topic
 * config name: x"), TRIB_ERR_INVALID (not a number of the key's type, out
 * of range, not an allowed value), TRIB_ERR_UNSUPPORTED (a Kafka value
 * this gateway does not implement: cleanup.policy compact).
 * Heads answer every one of these with INVALID_CONFIG and the message.
 * @thread any  @locks none
 */
trib_err_t tcfg_set(tcfg_t *cfg, trib_slice_t name, trib_slice_t value, char *msg,
		    size_t msg_len) TRIB_MUST_CHECK;

/**
 * Checks every overridden key of @p cfg against the table's rules (for a
 * tcfg_t not built with tcfg_set). Errors: TRIB_ERR_INVALID with @p msg as
 * at tcfg_set. @thread any  @locks none
 */
trib_err_t tcfg_check(const tcfg_t *cfg, char *msg, size_t msg_len) TRIB_MUST_CHECK;

/**
 * Describes key @p key of @p cfg into *out (owned by the caller) for
 * DescribeConfigs and for persisting overrides (name, value). Returns false
 * (out untouched) when @p key is not below TCFG_COUNT.
 * @thread any  @locks none
 */
bool tcfg_describe(const tcfg_t *cfg, tcfg_key_t key, tcfg_entry_t *out);

/** True when @p cfg overrides @p key. @thread any */
bool tcfg_is_set(const tcfg_t *cfg, tcfg_key_t key);

#endif
