/*
 * Topic configs: the tcfg table (parsing Kafka's strings, rules and their
 * messages, defaults and their sources, formatting), the hub's config and
 * topic id persisted in hub.json across a namespace close and reopen,
 * ns_hub_set_config (validate-only, durable before visible), CreateTime
 * appends keeping the producer's timestamps, and max.message.bytes honoured
 * by the Kafka produce path (librdkafka against the Kafka head).
 */
#include "tcfg.h"

#include <check.h>
#include <jansson.h>
#include <librdkafka/rdkafka.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kafka_server.h"
#include "mem.h"
#include "ns.h"
#include "rb.h"

static trib_slice_t S(const char *s)
{
	return slice_from_cstr(s);
}

static trib_err_t set(tcfg_t *cfg, const char *name, const char *value, char *msg)
{
	return tcfg_set(cfg, S(name), value ? S(value) : TRIB_SLICE_NULL, msg, TCFG_MSG_MAX);
}

static const char *value_of(const tcfg_t *cfg, tcfg_key_t key, tcfg_entry_t *e)
{
	ck_assert(tcfg_describe(cfg, key, e));
	return e->value;
}

/* ---- the table ---- */

START_TEST(defaults_builtin)
{
	static const char *const want[TCFG_COUNT][2] = {
		{"cleanup.policy", "delete"},         {"max.message.bytes", "1048588"},
		{"message.timestamp.type", "LogAppendTime"}, {"retention.bytes", "-1"},
		{"retention.ms", "604800000"},        {"segment.bytes", "1073741824"},
		{"segment.ms", "604800000"},
	};
	tcfg_t cfg;
	tcfg_entry_t e;

	tcfg_defaults(&cfg, NULL);
	ck_assert_uint_eq(cfg.overrides, 0);
	ck_assert_int_eq(cfg.timestamp_type, TCFG_TS_LOG_APPEND_TIME);
	ck_assert_int_eq(cfg.retention_ms, 604800000);
	ck_assert_int_eq(cfg.retention_bytes, -1);
	for (int k = 0; k < TCFG_COUNT; k++) {
		ck_assert(tcfg_describe(&cfg, (tcfg_key_t)k, &e));
		ck_assert_str_eq(e.name, want[k][0]);
		ck_assert_str_eq(tcfg_name((tcfg_key_t)k), want[k][0]);
		ck_assert_str_eq(e.value, want[k][1]);
		ck_assert_str_eq(e.default_value, want[k][1]);
		ck_assert(e.is_default);
		ck_assert(!e.read_only && !e.sensitive);
		ck_assert_int_eq(e.source, TCFG_SOURCE_DEFAULT);
		ck_assert_ptr_nonnull(e.synonym);
		ck_assert_ptr_nonnull(e.doc);
		ck_assert_int_eq(tcfg_find(S(want[k][0])), k);
	}
	ck_assert(!tcfg_describe(&cfg, TCFG_COUNT, &e));
	ck_assert_ptr_null(tcfg_name(TCFG_COUNT));
	ck_assert_int_eq(tcfg_find(S("Retention.ms")), -1);
	ck_assert_int_eq(tcfg_find(S("retention.m")), -1);
	ck_assert_int_eq(tcfg_find(TRIB_SLICE_NULL), -1);
	tcfg_describe(&cfg, TCFG_RETENTION_MS, &e);
	ck_assert_int_eq(e.type, TCFG_TYPE_LONG);
	ck_assert_str_eq(e.synonym, "log.retention.ms");
	tcfg_describe(&cfg, TCFG_SEGMENT_BYTES, &e);
	ck_assert_int_eq(e.type, TCFG_TYPE_INT);
	tcfg_describe(&cfg, TCFG_CLEANUP_POLICY, &e);
	ck_assert_int_eq(e.type, TCFG_TYPE_LIST);
	tcfg_describe(&cfg, TCFG_MESSAGE_TIMESTAMP_TYPE, &e);
	ck_assert_int_eq(e.type, TCFG_TYPE_STRING);
}
END_TEST

START_TEST(defaults_from_gateway)
{
	tcfg_base_t base = {.segment_bytes = 3000000000LL, .max_message_bytes = 65548};
	tcfg_t cfg;
	tcfg_entry_t e;
	char msg[TCFG_MSG_MAX];

	tcfg_defaults(&cfg, &base);
	ck_assert_int_eq(cfg.segment_bytes, 3000000000LL);
	ck_assert_int_eq(cfg.max_message_bytes, 65548);
	ck_assert_str_eq(value_of(&cfg, TCFG_SEGMENT_BYTES, &e), "3000000000");
	ck_assert_int_eq(e.source, TCFG_SOURCE_STATIC_BROKER);
	ck_assert_int_eq(e.default_source, TCFG_SOURCE_STATIC_BROKER);
	ck_assert_str_eq(value_of(&cfg, TCFG_MAX_MESSAGE_BYTES, &e), "65548");
	ck_assert_int_eq(e.source, TCFG_SOURCE_STATIC_BROKER);
	ck_assert_str_eq(e.synonym, "message.max.bytes");
	value_of(&cfg, TCFG_RETENTION_MS, &e);
	ck_assert_int_eq(e.source, TCFG_SOURCE_DEFAULT);
	/* a default above what a hub may set is still a valid config */
	ck_assert_int_eq(tcfg_check(&cfg, msg, sizeof(msg)), TRIB_OK);

	/* an override, then a new base: the override stays, the defaults follow */
	ck_assert_int_eq(set(&cfg, "segment.bytes", "1000", msg), TRIB_OK);
	ck_assert_str_eq(value_of(&cfg, TCFG_SEGMENT_BYTES, &e), "1000");
	ck_assert(!e.is_default);
	ck_assert_int_eq(e.source, TCFG_SOURCE_TOPIC);
	ck_assert_str_eq(e.default_value, "3000000000");
	ck_assert_int_eq(e.default_source, TCFG_SOURCE_STATIC_BROKER);
	tcfg_rebase(&cfg, NULL);
	ck_assert_int_eq(cfg.segment_bytes, 1000);
	ck_assert_int_eq(cfg.max_message_bytes, TCFG_DEFAULT_MAX_MESSAGE_BYTES);
	ck_assert_str_eq(value_of(&cfg, TCFG_SEGMENT_BYTES, &e), "1000");
	ck_assert_str_eq(e.default_value, "1073741824");
	ck_assert_int_eq(e.default_source, TCFG_SOURCE_DEFAULT);
	/* reset: back to the default of the current base */
	ck_assert_int_eq(set(&cfg, "segment.bytes", NULL, msg), TRIB_OK);
	ck_assert_int_eq(cfg.segment_bytes, TCFG_DEFAULT_SEGMENT_BYTES);
	ck_assert(!tcfg_is_set(&cfg, TCFG_SEGMENT_BYTES));
}
END_TEST

/* ---- parsing and rules ---- */

START_TEST(numbers)
{
	tcfg_t cfg;
	char msg[TCFG_MSG_MAX];
	tcfg_entry_t e;

	tcfg_defaults(&cfg, NULL);
	ck_assert_int_eq(set(&cfg, "retention.ms", "-1", msg), TRIB_OK);
	ck_assert_int_eq(cfg.retention_ms, -1);
	ck_assert(tcfg_is_set(&cfg, TCFG_RETENTION_MS));
	ck_assert_int_eq(set(&cfg, "retention.ms", " 86400000\n", msg), TRIB_OK);
	ck_assert_int_eq(cfg.retention_ms, 86400000);
	ck_assert_int_eq(set(&cfg, "retention.ms", "+5", msg), TRIB_OK);
	ck_assert_int_eq(cfg.retention_ms, 5);
	ck_assert_int_eq(set(&cfg, "retention.ms", "9223372036854775807", msg), TRIB_OK);
	ck_assert_str_eq(value_of(&cfg, TCFG_RETENTION_MS, &e), "9223372036854775807");
	ck_assert_int_eq(set(&cfg, "retention.bytes", "1073741824", msg), TRIB_OK);
	ck_assert_int_eq(cfg.retention_bytes, 1073741824);
	ck_assert_int_eq(set(&cfg, "segment.bytes", "14", msg), TRIB_OK);
	ck_assert_int_eq(cfg.segment_bytes, 14);
	ck_assert_int_eq(set(&cfg, "segment.bytes", "2147483647", msg), TRIB_OK);
	ck_assert_int_eq(set(&cfg, "segment.ms", "1", msg), TRIB_OK);
	ck_assert_int_eq(set(&cfg, "max.message.bytes", "0", msg), TRIB_OK);
	ck_assert_int_eq(set(&cfg, "max.message.bytes", "8388608", msg), TRIB_OK);
	ck_assert_int_eq(cfg.max_message_bytes, 8388608);
	ck_assert_int_eq(tcfg_check(&cfg, msg, sizeof(msg)), TRIB_OK);
}
END_TEST

/* Each refusal leaves the config as it was and names the key and the rule. */
START_TEST(number_refusals)
{
	static const struct {
		const char *name, *value, *msg;
	} bad[] = {
		{"retention.ms", "abc",
		 "Invalid value abc for configuration retention.ms: Not a number of type LONG"},
		{"retention.ms", "", "Invalid value  for configuration retention.ms: Not a number"},
		{"retention.ms", "-", "Not a number of type LONG"},
		{"retention.ms", "1.5", "Not a number of type LONG"},
		{"retention.ms", "1e3", "Not a number of type LONG"},
		{"retention.ms", "9223372036854775808", "Not a number of type LONG"},
		{"retention.ms", "-2",
		 "Invalid value -2 for configuration retention.ms: Value must be at least -1"},
		{"retention.bytes", "-2", "retention.bytes: Value must be at least -1"},
		{"segment.bytes", "13", "segment.bytes: Value must be at least 14"},
		{"segment.bytes", "2147483648",
		 "Invalid value 2147483648 for configuration segment.bytes: Not a number of type INT"},
		{"segment.ms", "0", "segment.ms: Value must be at least 1"},
		{"max.message.bytes", "-1",
		 "max.message.bytes: Value must be between 0 and 8388608"},
		{"max.message.bytes", "8388609", "Value must be between 0 and 8388608"},
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		tcfg_t cfg, before;
		char msg[TCFG_MSG_MAX] = "";

		tcfg_defaults(&cfg, NULL);
		before = cfg;
		ck_assert_int_eq(set(&cfg, bad[i].name, bad[i].value, msg), TRIB_ERR_INVALID);
		ck_assert_msg(strstr(msg, bad[i].msg), "%s=%s: %s", bad[i].name, bad[i].value, msg);
		ck_assert_mem_eq(&cfg, &before, sizeof(cfg));
	}
}
END_TEST

START_TEST(unknown_names)
{
	tcfg_t cfg;
	char msg[TCFG_MSG_MAX];
	const char odd[] = {'x', 0x01, 'y'};

	tcfg_defaults(&cfg, NULL);
	ck_assert_int_eq(set(&cfg, "compression.type", "gzip", msg), TRIB_ERR_NOT_FOUND);
	ck_assert_str_eq(msg, "Unknown topic config name: compression.type");
	ck_assert_int_eq(set(&cfg, "RETENTION.MS", "1", msg), TRIB_ERR_NOT_FOUND);
	ck_assert_int_eq(tcfg_set(&cfg, (trib_slice_t){(const uint8_t *)odd, sizeof(odd)}, S("1"),
				  msg, sizeof(msg)),
			 TRIB_ERR_NOT_FOUND);
	ck_assert_str_eq(msg, "Unknown topic config name: x?y");
	/* unknown even to reset */
	ck_assert_int_eq(set(&cfg, "nope", NULL, msg), TRIB_ERR_NOT_FOUND);
	/* no message buffer, or a tiny one: still refused, never overrun */
	ck_assert_int_eq(tcfg_set(&cfg, S("nope"), S("1"), NULL, 0), TRIB_ERR_NOT_FOUND);
	ck_assert_int_eq(tcfg_set(&cfg, S("retention.ms"), S("x"), msg, 8), TRIB_ERR_INVALID);
	ck_assert_str_eq(msg, "Invalid");
	ck_assert_uint_eq(cfg.overrides, 0);
}
END_TEST

START_TEST(cleanup_policy)
{
	tcfg_t cfg;
	char msg[TCFG_MSG_MAX];
	tcfg_entry_t e;

	tcfg_defaults(&cfg, NULL);
	ck_assert_int_eq(set(&cfg, "cleanup.policy", "delete", msg), TRIB_OK);
	ck_assert(tcfg_is_set(&cfg, TCFG_CLEANUP_POLICY));
	ck_assert_str_eq(value_of(&cfg, TCFG_CLEANUP_POLICY, &e), "delete");
	ck_assert_int_eq(e.source, TCFG_SOURCE_TOPIC);
	ck_assert_int_eq(set(&cfg, "cleanup.policy", " delete , delete ", msg), TRIB_OK);
	ck_assert_int_eq(set(&cfg, "cleanup.policy", "compact", msg), TRIB_ERR_UNSUPPORTED);
	ck_assert_msg(strstr(msg, "cleanup.policy") && strstr(msg, "compaction is not supported"),
		      "%s", msg);
	ck_assert_int_eq(set(&cfg, "cleanup.policy", "compact,delete", msg),
			 TRIB_ERR_UNSUPPORTED);
	ck_assert_int_eq(set(&cfg, "cleanup.policy", "delete, compact", msg),
			 TRIB_ERR_UNSUPPORTED);
	ck_assert_int_eq(set(&cfg, "cleanup.policy", "Delete", msg), TRIB_ERR_INVALID);
	ck_assert_str_eq(msg, "Invalid value Delete for configuration cleanup.policy: String "
			      "must be one of: compact, delete");
	ck_assert_int_eq(set(&cfg, "cleanup.policy", "delete,,delete", msg), TRIB_ERR_INVALID);
	ck_assert_int_eq(set(&cfg, "cleanup.policy", "", msg), TRIB_ERR_INVALID);
	ck_assert_int_eq(set(&cfg, "cleanup.policy", NULL, msg), TRIB_OK);
	ck_assert(!tcfg_is_set(&cfg, TCFG_CLEANUP_POLICY));
}
END_TEST

START_TEST(timestamp_type)
{
	tcfg_t cfg, before;
	char msg[TCFG_MSG_MAX];
	tcfg_entry_t e;

	tcfg_defaults(&cfg, NULL);
	ck_assert_int_eq(set(&cfg, "message.timestamp.type", "CreateTime", msg), TRIB_OK);
	ck_assert_int_eq(cfg.timestamp_type, TCFG_TS_CREATE_TIME);
	ck_assert_str_eq(value_of(&cfg, TCFG_MESSAGE_TIMESTAMP_TYPE, &e), "CreateTime");
	ck_assert_str_eq(e.default_value, "LogAppendTime");
	ck_assert_int_eq(set(&cfg, "message.timestamp.type", " LogAppendTime ", msg), TRIB_OK);
	ck_assert_int_eq(cfg.timestamp_type, TCFG_TS_LOG_APPEND_TIME);
	ck_assert(tcfg_is_set(&cfg, TCFG_MESSAGE_TIMESTAMP_TYPE));
	before = cfg;
	ck_assert_int_eq(set(&cfg, "message.timestamp.type", "createtime", msg), TRIB_ERR_INVALID);
	ck_assert_str_eq(msg, "Invalid value createtime for configuration message.timestamp.type: "
			      "String must be one of: CreateTime, LogAppendTime");
	ck_assert_mem_eq(&cfg, &before, sizeof(cfg));
	ck_assert_int_eq(set(&cfg, "message.timestamp.type", NULL, msg), TRIB_OK);
	ck_assert_int_eq(cfg.timestamp_type, TCFG_TS_LOG_APPEND_TIME);
	ck_assert(!tcfg_is_set(&cfg, TCFG_MESSAGE_TIMESTAMP_TYPE));
}
END_TEST

START_TEST(check_raw_values)
{
	tcfg_t cfg;
	char msg[TCFG_MSG_MAX];

	tcfg_defaults(&cfg, NULL);
	cfg.retention_ms = -5; /* not overridden: defaults are not checked... */
	ck_assert_int_eq(tcfg_check(&cfg, msg, sizeof(msg)), TRIB_OK);
	cfg.overrides |= 1u << TCFG_RETENTION_MS; /* ...overrides are */
	ck_assert_int_eq(tcfg_check(&cfg, msg, sizeof(msg)), TRIB_ERR_INVALID);
	ck_assert_str_eq(msg, "Invalid value -5 for configuration retention.ms: Value must be at "
			      "least -1");
	tcfg_defaults(&cfg, NULL);
	cfg.timestamp_type = (tcfg_ts_type_t)7;
	ck_assert_int_eq(tcfg_check(&cfg, msg, sizeof(msg)), TRIB_ERR_INVALID);
}
END_TEST

/* ---- the namespace: persistence, alteration, topic ids ---- */

static char tmp[256];
static store_t *store;
static ns_t *ns;
static const tcfg_base_t gw_base = {.segment_bytes = 4096, .max_message_bytes = 20000};

static void open_all(void)
{
	store_opts_t so = {.dir = tmp, .segment_bytes = 4096};
	ns_opts_t no = {.name = "test", .auto_create = true, .default_partitions = 1,
			.topic_defaults = gw_base};

	ck_assert_int_eq(store_open(&so, &store), TRIB_OK);
	ck_assert_int_eq(ns_open(store, &no, &ns), TRIB_OK);
}

static void close_all(void)
{
	store_close(&store);
	ns_close(&ns);
}

static void setup(void)
{
	strcpy(tmp, "/tmp/trib-tcfg-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmp));
	open_all();
}

static void teardown(void)
{
	char cmd[300];

	close_all();
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmp);
	(void)!system(cmd);
}

static json_t *load_meta(const char *hub)
{
	char path[512];
	json_error_t jerr;
	json_t *root;

	snprintf(path, sizeof(path), "%s/%s/hub.json", tmp, hub);
	root = json_load_file(path, 0, &jerr);
	ck_assert_msg(root != NULL, "%s: %s", path, jerr.text);
	return root;
}

static void write_meta(const char *hub, const char *text)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s/hub.json", tmp, hub);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
}

static hub_t *find(const char *name)
{
	return ns_hub_find(ns, S(name));
}

START_TEST(create_with_config_persists)
{
	ns_hub_spec_t spec = {"orders", 2, NULL, 0};
	tcfg_t cfg, got;
	char msg[TCFG_MSG_MAX];
	uint8_t id[HUB_TOPIC_ID_LEN];
	hub_t *h;
	json_t *root, *conf;

	/* built on the built-in defaults: the namespace rebases it on its own */
	tcfg_defaults(&cfg, NULL);
	ck_assert_int_eq(set(&cfg, "retention.ms", "3600000", msg), TRIB_OK);
	ck_assert_int_eq(set(&cfg, "message.timestamp.type", "CreateTime", msg), TRIB_OK);
	ck_assert_int_eq(set(&cfg, "max.message.bytes", "5000", msg), TRIB_OK);
	ck_assert_int_eq(ns_hub_create_with_config(ns, &spec, &cfg, msg, sizeof(msg), &h), TRIB_OK);
	hub_config(h, &got);
	ck_assert_int_eq(got.retention_ms, 3600000);
	ck_assert_int_eq(got.segment_bytes, 4096); /* the namespace's default */
	ck_assert_int_eq(got.base.max_message_bytes, 20000);
	ck_assert_int_eq(hub_max_message_bytes(h), 5000);
	ck_assert_int_eq(hub_timestamp_type(h), TCFG_TS_CREATE_TIME);
	memcpy(id, hub_topic_id(h), sizeof(id));

	/* hub.json: the overrides only, as Kafka strings, and the topic id */
	root = load_meta("orders");
	conf = json_object_get(root, "config");
	ck_assert(json_is_object(conf));
	ck_assert_uint_eq(json_object_size(conf), 3);
	ck_assert_str_eq(json_string_value(json_object_get(conf, "retention.ms")), "3600000");
	ck_assert_str_eq(json_string_value(json_object_get(conf, "message.timestamp.type")),
			 "CreateTime");
	ck_assert_str_eq(json_string_value(json_object_get(conf, "max.message.bytes")), "5000");
	ck_assert_uint_eq(strlen(json_string_value(json_object_get(root, "topic_id"))), 32);
	json_decref(root);

	close_all();
	open_all();
	h = find("orders");
	ck_assert_ptr_nonnull(h);
	hub_config(h, &got);
	ck_assert_uint_eq(got.overrides, cfg.overrides);
	ck_assert_int_eq(got.retention_ms, 3600000);
	ck_assert_int_eq(got.max_message_bytes, 5000);
	ck_assert_int_eq(got.timestamp_type, TCFG_TS_CREATE_TIME);
	ck_assert_int_eq(got.segment_bytes, 4096);
	ck_assert_int_eq(hub_max_message_bytes(h), 5000);
	ck_assert_int_eq(hub_timestamp_type(h), TCFG_TS_CREATE_TIME);
	ck_assert_mem_eq(hub_topic_id(h), id, sizeof(id));
	ck_assert_int_eq(hub_partition_count(h), 2);
}
END_TEST

START_TEST(create_defaults)
{
	hub_t *h;
	tcfg_t got, def;
	json_t *root;

	ck_assert_int_eq(ns_hub_create(ns, &(ns_hub_spec_t){"plain", 1, NULL, 0}, &h), TRIB_OK);
	hub_config(h, &got);
	ns_hub_default_config(ns, &def);
	ck_assert_mem_eq(&got, &def, sizeof(got));
	ck_assert_uint_eq(got.overrides, 0);
	ck_assert_int_eq(got.max_message_bytes, 20000);
	ck_assert_int_eq(hub_max_message_bytes(h), -1); /* the Kafka head's own limit applies */
	ck_assert_int_eq(hub_timestamp_type(h), TCFG_TS_LOG_APPEND_TIME);
	root = load_meta("plain");
	ck_assert_uint_eq(json_object_size(json_object_get(root, "config")), 0);
	json_decref(root);
	/* an existing name: EXISTS, its config untouched */
	ck_assert_int_eq(ns_hub_create_with_config(ns, &(ns_hub_spec_t){"plain", 1, NULL, 0}, &def,
						   NULL, 0, &h),
			 TRIB_ERR_EXISTS);
}
END_TEST

START_TEST(create_refuses_bad_config)
{
	tcfg_t cfg;
	char msg[TCFG_MSG_MAX] = "";
	hub_t *h = NULL;

	tcfg_defaults(&cfg, NULL);
	cfg.segment_ms = 0;
	cfg.overrides |= 1u << TCFG_SEGMENT_MS;
	ck_assert_int_eq(ns_hub_create_with_config(ns, &(ns_hub_spec_t){"bad", 1, NULL, 0}, &cfg,
						   msg, sizeof(msg), &h),
			 TRIB_ERR_INVALID);
	ck_assert_msg(strstr(msg, "segment.ms"), "%s", msg);
	ck_assert_ptr_null(find("bad"));
	close_all();
	open_all();
	ck_assert_ptr_null(find("bad"));
}
END_TEST

START_TEST(set_config)
{
	hub_t *h;
	tcfg_t cfg, got;
	char msg[TCFG_MSG_MAX];
	json_t *root;

	ck_assert_int_eq(ns_hub_create(ns, &(ns_hub_spec_t){"t", 3, NULL, 0}, &h), TRIB_OK);
	hub_config(h, &cfg);
	ck_assert_int_eq(set(&cfg, "retention.bytes", "1000000", msg), TRIB_OK);
	ck_assert_int_eq(set(&cfg, "segment.ms", "60000", msg), TRIB_OK);

	/* validate only: checked, nothing changes, nothing saved */
	ck_assert_int_eq(ns_hub_set_config(ns, h, &cfg, true, msg, sizeof(msg)), TRIB_OK);
	hub_config(h, &got);
	ck_assert_uint_eq(got.overrides, 0);
	root = load_meta("t");
	ck_assert_uint_eq(json_object_size(json_object_get(root, "config")), 0);
	json_decref(root);

	ck_assert_int_eq(ns_hub_set_config(ns, h, &cfg, false, msg, sizeof(msg)), TRIB_OK);
	hub_config(h, &got);
	ck_assert_int_eq(got.retention_bytes, 1000000);
	ck_assert_int_eq(got.segment_ms, 60000);
	root = load_meta("t");
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(root, "config"),
							   "retention.bytes")),
			 "1000000");
	ck_assert_int_eq(json_integer_value(json_object_get(root, "partitions")), 3);
	json_decref(root);

	/* an invalid config is refused with its message, the hub unchanged */
	cfg.segment_bytes = 1;
	cfg.overrides |= 1u << TCFG_SEGMENT_BYTES;
	ck_assert_int_eq(ns_hub_set_config(ns, h, &cfg, false, msg, sizeof(msg)), TRIB_ERR_INVALID);
	ck_assert_msg(strstr(msg, "segment.bytes"), "%s", msg);
	ck_assert_int_eq(ns_hub_set_config(ns, h, &cfg, true, msg, sizeof(msg)), TRIB_ERR_INVALID);
	hub_config(h, &got);
	ck_assert_int_eq(got.segment_bytes, 4096);

	/* Kafka AlterConfigs: a whole new set, every other key back to its default */
	ns_hub_default_config(ns, &cfg);
	ck_assert_int_eq(set(&cfg, "message.timestamp.type", "CreateTime", msg), TRIB_OK);
	ck_assert_int_eq(ns_hub_set_config(ns, h, &cfg, false, msg, sizeof(msg)), TRIB_OK);
	close_all();
	open_all();
	h = find("t");
	hub_config(h, &got);
	ck_assert_uint_eq(got.overrides, 1u << TCFG_MESSAGE_TIMESTAMP_TYPE);
	ck_assert_int_eq(got.retention_bytes, -1);
	ck_assert_int_eq(got.timestamp_type, TCFG_TS_CREATE_TIME);
	ck_assert_int_eq(hub_timestamp_type(h), TCFG_TS_CREATE_TIME);

	/* a deleted hub cannot be configured */
	ck_assert_int_eq(ns_hub_delete(ns, S("t")), TRIB_OK);
	ck_assert_int_eq(ns_hub_set_config(ns, h, &cfg, false, msg, sizeof(msg)),
			 TRIB_ERR_NOT_FOUND);
}
END_TEST

/* A restart with other gateway settings: defaults follow them, overrides stay. */
START_TEST(defaults_follow_gateway)
{
	store_opts_t so = {.dir = tmp, .segment_bytes = 4096};
	ns_opts_t no = {.name = "test", .topic_defaults = {.segment_bytes = 8192}};
	hub_t *h;
	tcfg_t cfg;
	char msg[TCFG_MSG_MAX];

	ns_hub_default_config(ns, &cfg);
	ck_assert_int_eq(set(&cfg, "retention.ms", "1000", msg), TRIB_OK);
	ck_assert_int_eq(ns_hub_create_with_config(ns, &(ns_hub_spec_t){"g", 1, NULL, 0}, &cfg,
						   msg, sizeof(msg), &h),
			 TRIB_OK);
	close_all();
	ck_assert_int_eq(store_open(&so, &store), TRIB_OK);
	ck_assert_int_eq(ns_open(store, &no, &ns), TRIB_OK);
	hub_config(find("g"), &cfg);
	ck_assert_int_eq(cfg.retention_ms, 1000);
	ck_assert_int_eq(cfg.segment_bytes, 8192);
	ck_assert_int_eq(cfg.max_message_bytes, TCFG_DEFAULT_MAX_MESSAGE_BYTES);
}
END_TEST

START_TEST(internal_hubs_keep_everything)
{
	hub_t *h;
	tcfg_t cfg;
	char msg[TCFG_MSG_MAX];

	ck_assert_int_eq(ns_internal_hub(ns, "__internal", 1, &h), TRIB_OK);
	hub_config(h, &cfg);
	ck_assert_int_eq(cfg.retention_ms, -1);
	ck_assert_int_eq(cfg.retention_bytes, -1);
	ck_assert_int_eq(ns_hub_set_config(ns, h, &cfg, false, msg, sizeof(msg)),
			 TRIB_ERR_NOT_FOUND);
	ck_assert_ptr_null(ns_hub_find_by_id(ns, hub_topic_id(h)));
	/* even a hub.json that says otherwise */
	close_all();
	write_meta("__internal", "{\"partitions\": 1, \"created_at\": 1, \"consumer_groups\": [], "
				 "\"config\": {\"retention.ms\": \"1000\"}}");
	open_all();
	ck_assert_int_eq(ns_internal_hub(ns, "__internal", 1, &h), TRIB_OK);
	hub_config(h, &cfg);
	ck_assert_int_eq(cfg.retention_ms, -1);
}
END_TEST

START_TEST(topic_ids)
{
	static const uint8_t zero[HUB_TOPIC_ID_LEN];
	hub_t *a, *b, *again;
	uint8_t ida[HUB_TOPIC_ID_LEN], idb[HUB_TOPIC_ID_LEN];

	ck_assert_int_eq(ns_hub_create(ns, &(ns_hub_spec_t){"a", 1, NULL, 0}, &a), TRIB_OK);
	ck_assert_int_eq(ns_hub_create(ns, &(ns_hub_spec_t){"b", 1, NULL, 0}, &b), TRIB_OK);
	memcpy(ida, hub_topic_id(a), sizeof(ida));
	memcpy(idb, hub_topic_id(b), sizeof(idb));
	ck_assert(memcmp(ida, zero, sizeof(zero)) != 0);
	ck_assert(memcmp(ida, idb, sizeof(ida)) != 0);
	ck_assert_ptr_eq(ns_hub_find_by_id(ns, ida), a);
	ck_assert_ptr_eq(ns_hub_find_by_id(ns, idb), b);
	ck_assert_ptr_null(ns_hub_find_by_id(ns, zero));

	close_all();
	open_all();
	a = find("a");
	ck_assert_mem_eq(hub_topic_id(a), ida, sizeof(ida));
	ck_assert_ptr_eq(ns_hub_find_by_id(ns, ida), a);

	/* deleted: not found by id; the same name created again gets a new id */
	ck_assert_int_eq(ns_hub_delete(ns, S("a")), TRIB_OK);
	ck_assert_ptr_null(ns_hub_find_by_id(ns, ida));
	ck_assert_int_eq(ns_hub_create(ns, &(ns_hub_spec_t){"a", 1, NULL, 0}, &again), TRIB_OK);
	ck_assert(memcmp(hub_topic_id(again), ida, sizeof(ida)) != 0);
	ck_assert_ptr_eq(ns_hub_find_by_id(ns, hub_topic_id(again)), again);
}
END_TEST

/* A hub saved before topic configs and ids existed gets an id once, kept from then on. */
START_TEST(legacy_hub_json)
{
	hub_t *h;
	uint8_t id[HUB_TOPIC_ID_LEN];
	tcfg_t cfg;
	json_t *root;

	ck_assert_int_eq(ns_hub_create(ns, &(ns_hub_spec_t){"old", 2, NULL, 0}, &h), TRIB_OK);
	close_all();
	write_meta("old", "{\"consumer_groups\": [\"cg\"], \"created_at\": 1700000000000, "
			  "\"partitions\": 2, \"timestamp_type\": \"LogAppendTime\"}");
	open_all();
	h = find("old");
	ck_assert_ptr_nonnull(h);
	ck_assert(hub_has_consumer_group(h, S("cg")));
	hub_config(h, &cfg);
	ck_assert_uint_eq(cfg.overrides, 0);
	memcpy(id, hub_topic_id(h), sizeof(id));
	root = load_meta("old");
	ck_assert_uint_eq(strlen(json_string_value(json_object_get(root, "topic_id"))), 32);
	json_decref(root);
	close_all();
	open_all();
	ck_assert_mem_eq(hub_topic_id(find("old")), id, sizeof(id));
}
END_TEST

/* A stored config that no longer passes stops the load instead of falling back to a default. */
START_TEST(corrupt_stored_config)
{
	static const char *const bad[] = {
		"{\"partitions\": 1, \"created_at\": 1, \"consumer_groups\": [], "
		"\"config\": {\"retention.ms\": \"-7\"}}",
		"{\"partitions\": 1, \"created_at\": 1, \"consumer_groups\": [], "
		"\"config\": {\"no.such.key\": \"1\"}}",
		"{\"partitions\": 1, \"created_at\": 1, \"consumer_groups\": [], "
		"\"config\": {\"retention.ms\": 5}}",
		"{\"partitions\": 1, \"created_at\": 1, \"consumer_groups\": [], \"config\": []}",
		"{\"partitions\": 1, \"created_at\": 1, \"consumer_groups\": [], "
		"\"topic_id\": \"00000000000000000000000000000000\"}",
		"{\"partitions\": 1, \"created_at\": 1, \"consumer_groups\": [], "
		"\"topic_id\": \"0123\"}",
		"{\"partitions\": 1, \"created_at\": 1, \"consumer_groups\": [], "
		"\"topic_id\": \"zz23456789abcdef0123456789abcdef\"}",
	};
	store_opts_t so = {.dir = tmp, .segment_bytes = 4096};
	ns_opts_t no = {.name = "test"};
	hub_t *h;
	tcfg_t cfg;

	ck_assert_int_eq(ns_hub_create(ns, &(ns_hub_spec_t){"c", 1, NULL, 0}, &h), TRIB_OK);
	close_all();
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		write_meta("c", bad[i]);
		ck_assert_int_eq(store_open(&so, &store), TRIB_OK);
		ck_assert_msg(ns_open(store, &no, &ns) == TRIB_ERR_CORRUPT, "%s", bad[i]);
		store_close(&store);
	}
	write_meta("c", "{\"partitions\": 1, \"created_at\": 1, \"consumer_groups\": [], "
			"\"topic_id\": \"0123456789abcdef0123456789ABCDEF\", "
			"\"config\": {\"retention.ms\": \" 42 \"}}");
	open_all();
	hub_config(find("c"), &cfg);
	ck_assert_int_eq(cfg.retention_ms, 42);
	ck_assert_int_eq(hub_topic_id(find("c"))[15], 0xef);
}
END_TEST

/* Readers never see half a change: every snapshot has the two keys changed together. */
typedef struct watch {
	hub_t *h;
	_Atomic bool stop;
	int seen;
} watch_t;

static void *watcher(void *arg)
{
	watch_t *w = arg;

	while (!atomic_load(&w->stop)) {
		tcfg_t cfg;

		hub_config(w->h, &cfg);
		ck_assert_int_eq(cfg.retention_ms, cfg.segment_ms);
		if (hub_max_message_bytes(w->h) >= 0)
			ck_assert_int_ge(hub_max_message_bytes(w->h), 1000);
		w->seen++;
	}
	return NULL;
}

START_TEST(concurrent_changes)
{
	watch_t w = {0};
	pthread_t t;
	tcfg_t cfg;
	char msg[TCFG_MSG_MAX], v[32];

	ck_assert_int_eq(ns_hub_create(ns, &(ns_hub_spec_t){"w", 2, NULL, 0}, &w.h), TRIB_OK);
	ck_assert_int_eq(pthread_create(&t, NULL, watcher, &w), 0);
	for (int i = 1; i <= 20; i++) {
		hub_config(w.h, &cfg);
		snprintf(v, sizeof(v), "%d", 1000 * i);
		ck_assert_int_eq(set(&cfg, "retention.ms", v, msg), TRIB_OK);
		ck_assert_int_eq(set(&cfg, "segment.ms", v, msg), TRIB_OK);
		ck_assert_int_eq(set(&cfg, "max.message.bytes", v, msg), TRIB_OK);
		ck_assert_int_eq(ns_hub_set_config(ns, w.h, &cfg, false, msg, sizeof(msg)), TRIB_OK);
	}
	atomic_store(&w.stop, true);
	pthread_join(t, NULL);
	ck_assert_int_gt(w.seen, 0);
	hub_config(w.h, &cfg);
	ck_assert_int_eq(cfg.retention_ms, 20000);
}
END_TEST

/* ---- honouring: CreateTime appends, max.message.bytes at the Kafka head ---- */

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static int done_count;

static void done(void *arg, trib_err_t err)
{
	(void)arg;
	pthread_mutex_lock(&lock);
	if (err == TRIB_OK)
		done_count++;
	pthread_cond_broadcast(&cond);
	pthread_mutex_unlock(&lock);
}

/* Appends a two-record batch with producer timestamps @ts and @ts+5; returns its bytes as sent. */
static uint8_t *append_at(part_t *p, int64_t ts, size_t *len, int64_t *base)
{
	rb_builder_t b;
	uint8_t *batch, *sent;
	int want;

	rb_builder_init(&b, ts);
	ck_assert_int_eq(rb_builder_add(&b, ts, TRIB_SLICE_NULL, S("one"), NULL, 0), TRIB_OK);
	ck_assert_int_eq(rb_builder_add(&b, ts + 5, TRIB_SLICE_NULL, S("two"), NULL, 0), TRIB_OK);
	ck_assert_int_eq(rb_builder_finish(&b, &batch, len), TRIB_OK);
	sent = malloc(*len);
	memcpy(sent, batch, *len);
	pthread_mutex_lock(&lock);
	want = done_count + 1;
	pthread_mutex_unlock(&lock);
	ck_assert_int_eq(part_append(p, batch, *len, done, NULL, base), TRIB_OK);
	pthread_mutex_lock(&lock);
	while (done_count < want)
		pthread_cond_wait(&cond, &lock);
	pthread_mutex_unlock(&lock);
	mem_free(batch);
	return sent;
}

static uint8_t *read_back(part_t *p, int64_t offset, size_t len)
{
	store_range_t r;
	uint8_t *got;

	ck_assert_int_eq(part_read(p, offset, len, &r), TRIB_OK);
	ck_assert_uint_eq(r.len, len);
	got = malloc(len);
	ck_assert_int_eq(part_read_copy(p, &r, got), TRIB_OK);
	return got;
}

START_TEST(create_time_keeps_timestamps)
{
	const int64_t ts = 1000000000000LL; /* 2001: far from now */
	hub_t *h;
	part_t *p;
	tcfg_t cfg;
	char msg[TCFG_MSG_MAX];
	uint8_t *sent, *got;
	size_t len;
	int64_t base;
	rb_header_t rh;

	ns_hub_default_config(ns, &cfg);
	ck_assert_int_eq(set(&cfg, "message.timestamp.type", "CreateTime", msg), TRIB_OK);
	ck_assert_int_eq(ns_hub_create_with_config(ns, &(ns_hub_spec_t){"ct", 1, NULL, 0}, &cfg,
						   msg, sizeof(msg), &h),
			 TRIB_OK);
	p = hub_partition(h, 0);
	sent = append_at(p, ts, &len, &base);
	got = read_back(p, base, len);
	/* byte for byte as sent but the broker's base offset and leader epoch: timestamps,
	 * attributes and CRC kept */
	ck_assert_mem_eq(got + 8, sent + 8, 4);
	ck_assert_int_eq((int32_t)wire_load_u32(got + 12), PART_LEADER_EPOCH);
	ck_assert_mem_eq(got + 16, sent + 16, len - 16);
	ck_assert_int_eq(rb_check(got, len, &rh), TRIB_OK);
	ck_assert_int_eq(rh.max_timestamp, ts + 5);
	ck_assert_int_eq(rh.attributes & RB_ATTR_LOG_APPEND_TIME, 0);
	free(got);
	free(sent);

	/* switched to LogAppendTime: the next batch is stamped */
	ck_assert_int_eq(set(&cfg, "message.timestamp.type", "LogAppendTime", msg), TRIB_OK);
	ck_assert_int_eq(ns_hub_set_config(ns, h, &cfg, false, msg, sizeof(msg)), TRIB_OK);
	sent = append_at(p, ts, &len, &base);
	got = read_back(p, base, len);
	ck_assert_int_eq(rb_check(got, len, &rh), TRIB_OK);
	ck_assert_int_gt(rh.max_timestamp, ts + 5);
	ck_assert_int_ne(rh.attributes & RB_ATTR_LOG_APPEND_TIME, 0);
	free(got);
	free(sent);

	/* back to CreateTime after a restart (the policy is applied at open) */
	ck_assert_int_eq(set(&cfg, "message.timestamp.type", "CreateTime", msg), TRIB_OK);
	ck_assert_int_eq(ns_hub_set_config(ns, h, &cfg, false, msg, sizeof(msg)), TRIB_OK);
	close_all();
	open_all();
	p = hub_partition(find("ct"), 0);
	sent = append_at(p, ts, &len, &base);
	ck_assert_int_eq(base, 4);
	got = read_back(p, base, len);
	ck_assert_mem_eq(got + 16, sent + 16, len - 16); /* all but the offset and leader epoch */
	free(got);
	free(sent);
}
END_TEST

static void dr_cb(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
	(void)rk;
	*(rd_kafka_resp_err_t *)m->_private = m->err;
	(void)opaque;
}

/* Produces one @size-byte value to @topic and returns the delivery result. */
static rd_kafka_resp_err_t produce(rd_kafka_t *p, const char *topic, size_t size)
{
	char *value = calloc(1, size);
	rd_kafka_resp_err_t result = RD_KAFKA_RESP_ERR__IN_PROGRESS;

	memset(value, 'v', size);
	ck_assert_int_eq(rd_kafka_producev(p, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_PARTITION(0),
					   RD_KAFKA_V_VALUE(value, size),
					   RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
					   RD_KAFKA_V_OPAQUE(&result), RD_KAFKA_V_END),
			 RD_KAFKA_RESP_ERR_NO_ERROR);
	ck_assert_int_eq(rd_kafka_flush(p, 20000), RD_KAFKA_RESP_ERR_NO_ERROR);
	free(value);
	return result;
}

START_TEST(kafka_max_message_bytes)
{
	kafka_server_opts_t ko = {.host = "127.0.0.1", .port = 0, .advertised_host = "127.0.0.1",
				  .max_message_bytes = 16 * 1024};
	kafka_server_t *srv;
	rd_kafka_conf_t *conf = rd_kafka_conf_new();
	rd_kafka_t *p;
	char bs[64], errstr[256];
	tcfg_t cfg;
	char msg[TCFG_MSG_MAX];
	hub_t *h;

	ck_assert_int_eq(ns_hub_create(ns, &(ns_hub_spec_t){"dflt", 1, NULL, 0}, &h), TRIB_OK);
	ns_hub_default_config(ns, &cfg);
	ck_assert_int_eq(set(&cfg, "max.message.bytes", "2048", msg), TRIB_OK);
	ck_assert_int_eq(ns_hub_create_with_config(ns, &(ns_hub_spec_t){"small", 1, NULL, 0}, &cfg,
						   msg, sizeof(msg), &h),
			 TRIB_OK);
	ck_assert_int_eq(set(&cfg, "max.message.bytes", "131072", msg), TRIB_OK);
	ck_assert_int_eq(ns_hub_create_with_config(ns, &(ns_hub_spec_t){"big", 1, NULL, 0}, &cfg,
						   msg, sizeof(msg), &h),
			 TRIB_OK);
	ck_assert_int_eq(kafka_server_start(ns, &ko, &srv), TRIB_OK);
	snprintf(bs, sizeof(bs), "127.0.0.1:%u", kafka_server_port(srv));
	rd_kafka_conf_set(conf, "bootstrap.servers", bs, errstr, sizeof(errstr));
	rd_kafka_conf_set(conf, "acks", "all", errstr, sizeof(errstr));
	rd_kafka_conf_set(conf, "linger.ms", "0", errstr, sizeof(errstr));
	rd_kafka_conf_set(conf, "compression.codec", "none", errstr, sizeof(errstr));
	rd_kafka_conf_set(conf, "message.send.max.retries", "0", errstr, sizeof(errstr));
	rd_kafka_conf_set_dr_msg_cb(conf, dr_cb);
	p = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr));
	ck_assert_ptr_nonnull(p);

	/* no override: the server's message.max.bytes (16 KiB) */
	ck_assert_int_eq(produce(p, "dflt", 8 * 1024), RD_KAFKA_RESP_ERR_NO_ERROR);
	ck_assert_int_eq(produce(p, "dflt", 32 * 1024), RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE);
	/* lower than the server's */
	ck_assert_int_eq(produce(p, "small", 1024), RD_KAFKA_RESP_ERR_NO_ERROR);
	ck_assert_int_eq(produce(p, "small", 4 * 1024), RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE);
	/* higher than the server's */
	ck_assert_int_eq(produce(p, "big", 64 * 1024), RD_KAFKA_RESP_ERR_NO_ERROR);
	ck_assert_int_eq(produce(p, "big", 192 * 1024), RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE);
	/* changed on a live hub: the next produce sees it */
	ck_assert_int_eq(set(&cfg, "max.message.bytes", "1024", msg), TRIB_OK);
	ck_assert_int_eq(ns_hub_set_config(ns, h, &cfg, false, msg, sizeof(msg)), TRIB_OK);
	ck_assert_int_eq(produce(p, "big", 64 * 1024), RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE);
	ck_assert_int_eq(part_high_watermark(hub_partition(h, 0)), 1);

	rd_kafka_destroy(p);
	kafka_server_stop(&srv);
}
END_TEST

static Suite *tcfg_suite(void)
{
	Suite *s = suite_create("tcfg");
	TCase *t = tcase_create("table");
	TCase *n = tcase_create("namespace");
	TCase *h = tcase_create("honoured");

	tcase_add_test(t, defaults_builtin);
	tcase_add_test(t, defaults_from_gateway);
	tcase_add_test(t, numbers);
	tcase_add_test(t, number_refusals);
	tcase_add_test(t, unknown_names);
	tcase_add_test(t, cleanup_policy);
	tcase_add_test(t, timestamp_type);
	tcase_add_test(t, check_raw_values);
	suite_add_tcase(s, t);

	tcase_add_checked_fixture(n, setup, teardown);
	tcase_add_test(n, create_with_config_persists);
	tcase_add_test(n, create_defaults);
	tcase_add_test(n, create_refuses_bad_config);
	tcase_add_test(n, set_config);
	tcase_add_test(n, defaults_follow_gateway);
	tcase_add_test(n, internal_hubs_keep_everything);
	tcase_add_test(n, topic_ids);
	tcase_add_test(n, legacy_hub_json);
	tcase_add_test(n, corrupt_stored_config);
	tcase_add_test(n, concurrent_changes);
	suite_add_tcase(s, n);

	tcase_add_checked_fixture(h, setup, teardown);
	tcase_set_timeout(h, 60);
	tcase_add_test(h, create_time_keeps_timestamps);
	tcase_add_test(h, kafka_max_message_bytes);
	suite_add_tcase(s, h);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(tcfg_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
