/*
 * DescribeConfigs, AlterConfigs, IncrementalAlterConfigs.
 *
 * Topic configs live in the core (core/tcfg.h): this file only maps them to
 * Kafka's resources. A change is always a whole tcfg_t handed to
 * ns_hub_set_config, which checks it, saves hub.json durably and only then
 * makes it visible: AlterConfigs builds it from the namespace's defaults
 * (Kafka replaces every override), IncrementalAlterConfigs from a
 * hub_config snapshot. Only this loop thread edits configs through Kafka,
 * so no other editor can slip in between the snapshot and the save
 * (ns_hub_set_config's contract).
 *
 * Broker configs are the gateway's own settings, shown read-only: the ones
 * Kafka clients and tools read to size their requests and topics.
 *
 * Every message put in an answer is copied into the request's arena: tcfg
 * and ns write theirs into stack buffers.
 */
#include "configs_handle.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "api/alter_configs.h"
#include "api/describe_configs.h"
#include "api/incremental_alter_configs.h"
#include "hub.h"
#include "kafka_err.h"
#include "kafka_sasl.h"
#include "tcfg.h"

/* Kafka ConfigEntry.ConfigType ids tcfg has no use for */
#define TYPE_BOOLEAN 1
#define TYPE_SHORT 4

/* Kafka ConfigResource.Type ids this head answers */
enum { RESOURCE_TOPIC = 2, RESOURCE_BROKER = 4 };

/* IncrementalAlterConfigs AlterConfigOp.OpType */
enum { OP_SET = 0, OP_DELETE = 1, OP_APPEND = 2, OP_SUBTRACT = 3 };

#define MSG_MAX 256 /* bytes of an error message; TCFG_MSG_MAX and a name fit */

/* An answer for one resource: a Kafka code and its message (empty: none). */
typedef struct outcome {
	int16_t code;
	char msg[MSG_MAX];
} outcome_t;

static int16_t fail(outcome_t *o, int16_t code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int16_t fail(outcome_t *o, int16_t code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(o->msg, sizeof(o->msg), fmt, ap);
	va_end(ap);
	o->code = code;
	return code;
}

/* printf arguments of a wire name: at most NAME_SHOWN bytes of it */
#define NAME_SHOWN 200
#define SHOW(s) (int)((s).len > NAME_SHOWN ? NAME_SHOWN : (s).len), (const char *)(s).ptr

static trib_slice_t arena_msg(kafka_req_t *req, const outcome_t *o)
{
	return o->code && o->msg[0] ? kafka_arena_str(&req->arena, o->msg) : TRIB_SLICE_NULL;
}

/* ---- the broker resource ---- */

typedef enum broker_key {
	B_AUTO_CREATE,
	B_BROKER_ID,
	B_DEFAULT_RF,
	B_LOG_RETENTION_MS,
	B_MESSAGE_MAX_BYTES,
	B_MIN_ISR,
	B_NUM_PARTITIONS,
	B_OFFSETS_RF,
	B_COUNT
} broker_key_t;

typedef struct broker_item {
	const char *name;
	int8_t type;
	const char *doc;
} broker_item_t;

static const broker_item_t broker_items[B_COUNT] = {
	[B_AUTO_CREATE] = {"auto.create.topics.enable", TYPE_BOOLEAN,
			   "Whether Metadata creates an unknown topic (kafka.auto_create_topics)"},
	[B_BROKER_ID] = {"broker.id", TCFG_TYPE_INT, "This gateway's Kafka node id"},
	[B_DEFAULT_RF] = {"default.replication.factor", TCFG_TYPE_INT,
			  "Replicas of a partition: the gateway stores each partition once"},
	[B_LOG_RETENTION_MS] = {"log.retention.ms", TCFG_TYPE_LONG,
				"Default retention.ms of a topic, ms; -1 = forever"},
	[B_MESSAGE_MAX_BYTES] = {"message.max.bytes", TCFG_TYPE_INT,
				 "Largest record batch a Kafka producer may send, bytes, log "
				 "overhead included (default max.message.bytes of a topic)"},
	[B_MIN_ISR] = {"min.insync.replicas", TCFG_TYPE_INT,
		       "Replicas that must have a batch before acks=all is answered"},
	[B_NUM_PARTITIONS] = {"num.partitions", TCFG_TYPE_INT,
			      "Partitions of an auto-created topic (kafka.default_partitions)"},
	[B_OFFSETS_RF] = {"offsets.topic.replication.factor", TYPE_SHORT,
			  "Replicas of the committed-offsets log"},
};

/* The value of broker config @p k into @p out; returns its source. */
static tcfg_source_t broker_value(const kafka_env_t *env, broker_key_t k, char *out, size_t cap)
{
	const ns_opts_t *o = ns_options(env->ns);
	tcfg_entry_t e;
	tcfg_t def;

	switch (k) {
	case B_AUTO_CREATE:
		snprintf(out, cap, "%s", o->auto_create ? "true" : "false");
		return TCFG_SOURCE_STATIC_BROKER;
	case B_BROKER_ID:
		snprintf(out, cap, "%d", (int)env->node_id);
		return TCFG_SOURCE_STATIC_BROKER;
	case B_LOG_RETENTION_MS:
		ns_hub_default_config(env->ns, &def);
		(void)tcfg_describe(&def, TCFG_RETENTION_MS, &e);
		snprintf(out, cap, "%s", e.value);
		return e.source;
	case B_MESSAGE_MAX_BYTES:
		snprintf(out, cap, "%u", (unsigned)env->max_message_bytes);
		return TCFG_SOURCE_STATIC_BROKER;
	case B_NUM_PARTITIONS:
		snprintf(out, cap, "%d", (int)o->default_partitions);
		return TCFG_SOURCE_STATIC_BROKER;
	default: /* the replication factors: one copy, fixed */
		snprintf(out, cap, "1");
		return TCFG_SOURCE_DEFAULT;
	}
}

/*
 * Kafka's rule for a broker resource name: empty (the broker answering) or
 * its own id (ConfigAdminManager / ConfigHelper).
 */
static int16_t check_broker_name(const kafka_env_t *env, trib_slice_t name, outcome_t *o)
{
	char id[16];

	if (!name.len)
		return KAFKA_ERR_NONE;
	snprintf(id, sizeof(id), "%d", (int)env->node_id);
	if (slice_eq_cstr(name, id, false))
		return KAFKA_ERR_NONE;
	return fail(o, KAFKA_ERR_INVALID_REQUEST,
		    "Unexpected broker id, expected %s or empty string, but received %.*s", id,
		    SHOW(name));
}

/* ---- DescribeConfigs ---- */

typedef struct describe_ctx {
	kafka_req_t *req;
	const kafka_describe_configs_req_t *q;
	const kafka_describe_configs_resource_t *res;
	kafka_describe_configs_result_t *out;
} describe_ctx_t;

static bool wanted(const kafka_describe_configs_resource_t *res, const char *name)
{
	if (res->configuration_keys_count < 0)
		return true;
	for (int32_t i = 0; i < res->configuration_keys_count; i++) {
		if (slice_eq_cstr(res->configuration_keys[i], name, false))
			return true;
	}
	return false;
}

static kafka_describe_configs_entry_t *next_entry(describe_ctx_t *c, int32_t cap)
{
	if (!c->out->configs) {
		c->out->configs = kafka_arena_calloc(&c->req->arena, (size_t)cap,
						     sizeof(*c->out->configs));
		if (!c->out->configs)
			return NULL;
	}
	return &c->out->configs[c->out->configs_count++];
}

/* A synonym before it is copied into the answer. */
typedef struct synonym {
	const char *name;  /* static */
	const char *value; /* copied */
	tcfg_source_t source;
} synonym_t;

/* Fills @p e (name and doc static); synonyms when asked, else an empty array. */
/* What an entry shows besides its synonyms. */
typedef struct entry_src {
	const char *name;  /* static */
	const char *value; /* copied */
	tcfg_source_t source;
	bool is_default;
	bool read_only;
	int8_t type;
	const char *doc; /* static */
} entry_src_t;

static bool fill_entry(describe_ctx_t *c, kafka_describe_configs_entry_t *e,
		       const entry_src_t *src, const synonym_t *syn, int32_t nsyn)
{
	kafka_arena_t *a = &c->req->arena;

	e->name = slice_from_cstr(src->name);
	e->value = kafka_arena_str(a, src->value);
	if (!e->value.ptr)
		return false;
	e->read_only = src->read_only;
	e->is_default = src->is_default;
	e->config_source = (int8_t)src->source;
	e->config_type = src->type;
	e->documentation = c->q->include_documentation ? slice_from_cstr(src->doc)
						       : TRIB_SLICE_NULL;
	if (!c->q->include_synonyms || nsyn == 0)
		return true;
	e->synonyms = kafka_arena_calloc(a, (size_t)nsyn, sizeof(*e->synonyms));
	if (!e->synonyms)
		return false;
	for (int32_t i = 0; i < nsyn; i++) {
		e->synonyms[i].name = slice_from_cstr(syn[i].name);
		e->synonyms[i].value = kafka_arena_str(a, syn[i].value);
		e->synonyms[i].source = (int8_t)syn[i].source;
		if (!e->synonyms[i].value.ptr)
			return false;
	}
	e->synonyms_count = nsyn;
	return true;
}

static bool describe_topic_entry(describe_ctx_t *c, const tcfg_entry_t *t)
{
	kafka_describe_configs_entry_t *e = next_entry(c, TCFG_COUNT);
	synonym_t syn[2];
	int32_t n = 0;

	if (!e)
		return false;
	/* Kafka lists the synonyms most specific first: the override, then the default */
	if (!t->is_default)
		syn[n++] = (synonym_t){t->name, t->value, TCFG_SOURCE_TOPIC};
	if (t->synonym)
		syn[n++] = (synonym_t){t->synonym, t->default_value, t->default_source};
	return fill_entry(c, e,
			  &(entry_src_t){t->name, t->value, t->source, t->is_default, t->read_only,
					 (int8_t)t->type, t->doc},
			  syn, n);
}

static bool describe_topic(describe_ctx_t *c, outcome_t *o)
{
	kafka_req_t *req = c->req;
	trib_slice_t name = c->res->resource_name;
	hub_t *hub;
	tcfg_t cfg;

	if (!kafka_sasl_req_allows(req, name, AUTH_LISTEN) &&
	    !kafka_sasl_req_allows(req, name, AUTH_SEND)) {
		o->code = KAFKA_ERR_TOPIC_AUTHORIZATION_FAILED;
		return true;
	}
	hub = ns_hub_find(req->env->ns, name);
	if (!hub) {
		fail(o, KAFKA_ERR_UNKNOWN_TOPIC_OR_PARTITION, "Topic %.*s does not exist",
		     SHOW(name));
		return true;
	}
	hub_config(hub, &cfg);
	for (int k = 0; k < TCFG_COUNT; k++) {
		tcfg_entry_t t;

		if (!tcfg_describe(&cfg, (tcfg_key_t)k, &t) || !wanted(c->res, t.name))
			continue;
		if (!describe_topic_entry(c, &t))
			return false;
	}
	return true;
}

static bool describe_broker(describe_ctx_t *c, outcome_t *o)
{
	if (check_broker_name(c->req->env, c->res->resource_name, o))
		return true;
	for (int k = 0; k < B_COUNT; k++) {
		const broker_item_t *it = &broker_items[k];
		kafka_describe_configs_entry_t *e;
		tcfg_source_t source;
		char value[32];

		if (!wanted(c->res, it->name))
			continue;
		source = broker_value(c->req->env, (broker_key_t)k, value, sizeof(value));
		e = next_entry(c, B_COUNT);
		if (!e || !fill_entry(c, e,
				      &(entry_src_t){it->name, value, source,
						     source == TCFG_SOURCE_DEFAULT, true, it->type,
						     it->doc},
				      &(synonym_t){it->name, value, source}, 1))
			return false;
	}
	return true;
}

static bool describe_resource(describe_ctx_t *c)
{
	outcome_t o = {0};
	bool ok = true;

	c->out->resource_type = c->res->resource_type;
	c->out->resource_name = c->res->resource_name;
	if (c->req->reject)
		o.code = c->req->reject;
	else if (c->res->resource_type == RESOURCE_TOPIC)
		ok = describe_topic(c, &o);
	else if (c->res->resource_type == RESOURCE_BROKER)
		ok = describe_broker(c, &o);
	else
		fail(&o, KAFKA_ERR_INVALID_REQUEST, "Unsupported resource type %d",
		     (int)c->res->resource_type);
	if (o.code) {
		c->out->configs_count = 0;
		c->out->error_code = o.code;
		c->out->error_message = arena_msg(c->req, &o);
	}
	return ok;
}

trib_err_t kafka_describe_configs_handle(kafka_req_t *req, wire_rd_t *body)
{
	kafka_describe_configs_req_t q;
	kafka_describe_configs_resp_t resp = {0};
	trib_err_t err;

	err = kafka_describe_configs_req_decode(body, req->hdr.api_version, &req->arena, &q);
	if (err)
		return err;
	resp.results = kafka_arena_calloc(&req->arena, (size_t)q.resources_count,
					  sizeof(*resp.results));
	if (!resp.results)
		return TRIB_ERR_NOMEM;
	resp.results_count = q.resources_count;
	for (int32_t i = 0; i < q.resources_count; i++) {
		describe_ctx_t c = {req, &q, &q.resources[i], &resp.results[i]};

		if (!describe_resource(&c))
			return TRIB_ERR_NOMEM;
	}
	return kafka_req_respond(req, kafka_describe_configs_resp_write, &resp);
}

/* ---- AlterConfigs and IncrementalAlterConfigs ---- */

static int16_t set_one(tcfg_t *cfg, trib_slice_t name, trib_slice_t value, outcome_t *o)
{
	char msg[TCFG_MSG_MAX];

	if (tcfg_set(cfg, name, value, msg, sizeof(msg)) == TRIB_OK)
		return KAFKA_ERR_NONE;
	return fail(o, KAFKA_ERR_INVALID_CONFIG, "%s", msg);
}

static int16_t null_value(trib_slice_t name, outcome_t *o)
{
	return fail(o, KAFKA_ERR_INVALID_REQUEST, "Null value not supported for : %.*s",
		    SHOW(name));
}

/*
 * Kafka refuses a key given twice for one resource (INVALID_REQUEST) before
 * looking at any value. Keys are checked against the few tcfg knows with a
 * bit set (linear in the request); an unknown key named twice is left to
 * tcfg_set, which refuses it as unknown.
 */
static int16_t duplicate_keys(const trib_slice_t *first, int32_t n, size_t stride, outcome_t *o)
{
	const char *at = (const char *)first;
	uint32_t seen = 0;

	for (int32_t i = 0; i < n; i++, at += stride) {
		int key = tcfg_find(*(const trib_slice_t *)at);

		if (key < 0)
			continue;
		if (seen & (1u << key))
			return fail(o, KAFKA_ERR_INVALID_REQUEST,
				    "Error due to duplicate config keys");
		seen |= 1u << key;
	}
	return KAFKA_ERR_NONE;
}

/* AlterConfigs: exactly the given keys, every other one back to its default. */
static int16_t edit_replace(kafka_req_t *req, const kafka_alter_configs_resource_t *r,
			    tcfg_t *cfg, outcome_t *o)
{
	if (r->configs_count > 0 &&
	    duplicate_keys(&r->configs[0].name, r->configs_count, sizeof(r->configs[0]), o))
		return o->code;
	ns_hub_default_config(req->env->ns, cfg);
	for (int32_t i = 0; i < r->configs_count; i++) {
		const kafka_alter_configs_entry_t *e = &r->configs[i];

		if (!e->value.ptr)
			return null_value(e->name, o);
		if (set_one(cfg, e->name, e->value, o))
			return o->code;
	}
	return KAFKA_ERR_NONE;
}

/* The next comma-separated item of *rest (white space trimmed); false at the end. */
static bool next_item(trib_slice_t *rest, trib_slice_t *item)
{
	while (rest->len) {
		const uint8_t *comma = memchr(rest->ptr, ',', rest->len);
		size_t n = comma ? (size_t)(comma - rest->ptr) : rest->len;

		*item = (trib_slice_t){rest->ptr, n};
		rest->ptr += comma ? n + 1 : n;
		rest->len -= comma ? n + 1 : n;
		while (item->len && (item->ptr[0] == ' ' || item->ptr[0] == '\t'))
			item->ptr++, item->len--;
		while (item->len && (item->ptr[item->len - 1] == ' ' ||
				     item->ptr[item->len - 1] == '\t'))
			item->len--;
		if (item->len)
			return true;
	}
	return false;
}

static bool list_has(trib_slice_t list, trib_slice_t item)
{
	trib_slice_t it;

	while (next_item(&list, &it)) {
		if (slice_eq(it, item))
			return true;
	}
	return false;
}

/* Adds @p item to the list in @p out unless there; false when @p out is full. */
static bool list_add(char *out, size_t cap, trib_slice_t item)
{
	size_t len = strlen(out);

	if (list_has(slice_from_cstr(out), item))
		return true;
	if (len + 1 + item.len >= cap)
		return false;
	snprintf(out + len, cap - len, "%s%.*s", len ? "," : "", (int)item.len,
		 (const char *)item.ptr);
	return true;
}

/*
 * APPEND / SUBTRACT on a list config, as Kafka does them for LIST types: the
 * current items plus the given ones not there yet, or minus the given ones;
 * the result is set as a SET would set it (and checked the same way).
 */
static int16_t edit_list(tcfg_t *cfg, const kafka_inc_alter_configs_entry_t *e, outcome_t *o)
{
	bool append = e->config_operation == OP_APPEND;
	int key = tcfg_find(e->name);
	char out[TCFG_VALUE_MAX * 4] = "";
	trib_slice_t rest, item;
	bool fits = true;
	tcfg_entry_t cur;

	if (key < 0)
		return set_one(cfg, e->name, e->value, o); /* tcfg's "Unknown topic config name" */
	(void)tcfg_describe(cfg, (tcfg_key_t)key, &cur);
	if (cur.type != TCFG_TYPE_LIST)
		return fail(o, KAFKA_ERR_INVALID_CONFIG,
			    "Config value %s is not allowed for config key: %.*s",
			    append ? "append" : "subtract", SHOW(e->name));
	if (!e->value.ptr)
		return null_value(e->name, o);
	rest = slice_from_cstr(cur.value);
	while (fits && next_item(&rest, &item)) {
		if (append || !list_has(e->value, item))
			fits = list_add(out, sizeof(out), item);
	}
	rest = e->value;
	while (fits && append && next_item(&rest, &item))
		fits = list_add(out, sizeof(out), item);
	if (!fits)
		return fail(o, KAFKA_ERR_INVALID_CONFIG, "Invalid value for configuration %.*s: "
			    "too many items", SHOW(e->name));
	return set_one(cfg, e->name, slice_from_cstr(out), o);
}

static int16_t edit_one(tcfg_t *cfg, const kafka_inc_alter_configs_entry_t *e, outcome_t *o)
{
	switch (e->config_operation) {
	case OP_SET:
		return e->value.ptr ? set_one(cfg, e->name, e->value, o) : null_value(e->name, o);
	case OP_DELETE:
		return set_one(cfg, e->name, TRIB_SLICE_NULL, o);
	case OP_APPEND:
	case OP_SUBTRACT:
		return edit_list(cfg, e, o);
	default:
		return fail(o, KAFKA_ERR_INVALID_REQUEST, "Unknown config operation %d",
			    (int)e->config_operation);
	}
}

/* IncrementalAlterConfigs: each operation in order over the hub's current configs. */
static int16_t edit_incremental(hub_t *hub, const kafka_inc_alter_configs_resource_t *r,
				tcfg_t *cfg, outcome_t *o)
{
	if (r->configs_count > 0 &&
	    duplicate_keys(&r->configs[0].name, r->configs_count, sizeof(r->configs[0]), o))
		return o->code;
	hub_config(hub, cfg);
	for (int32_t i = 0; i < r->configs_count; i++) {
		if (edit_one(cfg, &r->configs[i], o))
			return o->code;
	}
	return KAFKA_ERR_NONE;
}

/* One resource of either alter request, as the handlers see it. */
typedef struct alter_item {
	int8_t type;
	trib_slice_t name;
	const kafka_alter_configs_resource_t *replace;      /* AlterConfigs */
	const kafka_inc_alter_configs_resource_t *incr;     /* IncrementalAlterConfigs */
	bool duplicate; /* another item names the same resource */
} alter_item_t;

static int16_t alter_topic(kafka_req_t *req, const alter_item_t *it, bool validate_only,
			   outcome_t *o)
{
	char msg[TCFG_MSG_MAX];
	trib_err_t err;
	hub_t *hub;
	tcfg_t cfg;

	if (!kafka_sasl_req_allows(req, it->name, AUTH_MANAGE))
		return o->code = KAFKA_ERR_TOPIC_AUTHORIZATION_FAILED;
	hub = ns_hub_find(req->env->ns, it->name);
	if (!hub)
		return fail(o, KAFKA_ERR_UNKNOWN_TOPIC_OR_PARTITION, "Topic %.*s does not exist",
			    SHOW(it->name));
	if (it->replace ? edit_replace(req, it->replace, &cfg, o)
			: edit_incremental(hub, it->incr, &cfg, o))
		return o->code;
	err = ns_hub_set_config(req->env->ns, hub, &cfg, validate_only, msg, sizeof(msg));
	if (err == TRIB_ERR_INVALID)
		return fail(o, KAFKA_ERR_INVALID_CONFIG, "%s", msg);
	if (err)
		return fail(o, kafka_err_from_trib(err, KAFKA_CTX_TOPIC), "Cannot save the configs "
			    "of %.*s: %s", SHOW(it->name), trib_strerror(err));
	return KAFKA_ERR_NONE;
}

static int cmp_resource(const void *pa, const void *pb)
{
	const alter_item_t *a = *(const alter_item_t *const *)pa;
	const alter_item_t *b = *(const alter_item_t *const *)pb;
	size_t n = a->name.len < b->name.len ? a->name.len : b->name.len;
	int c;

	if (a->type != b->type)
		return a->type < b->type ? -1 : 1;
	c = n ? strncasecmp((const char *)a->name.ptr, (const char *)b->name.ptr, n) : 0;
	if (c)
		return c;
	return a->name.len < b->name.len ? -1 : a->name.len > b->name.len;
}

/*
 * Marks every item whose resource (type, name as hubs compare it: case
 * ignored) appears more than once: Kafka refuses all of them, before
 * anything is changed. Sorting keeps it O(n log n) for any request size.
 */
static bool mark_duplicates(kafka_req_t *req, alter_item_t *items, int32_t n)
{
	alter_item_t **by = kafka_arena_calloc(&req->arena, (size_t)n, sizeof(*by));

	if (!by)
		return false;
	for (int32_t i = 0; i < n; i++)
		by[i] = &items[i];
	qsort(by, (size_t)n, sizeof(*by), cmp_resource);
	for (int32_t i = 1; i < n; i++) {
		if (cmp_resource(&by[i - 1], &by[i]) == 0)
			by[i - 1]->duplicate = by[i]->duplicate = true;
	}
	return true;
}

static int16_t alter_one(kafka_req_t *req, const alter_item_t *it, bool validate_only,
			 outcome_t *o)
{
	if (req->reject)
		return o->code = req->reject;
	if (it->duplicate)
		return fail(o, KAFKA_ERR_INVALID_REQUEST, "Duplicate resource");
	if (it->type == RESOURCE_TOPIC)
		return alter_topic(req, it, validate_only, o);
	if (it->type == RESOURCE_BROKER) {
		if (check_broker_name(req->env, it->name, o))
			return o->code;
		return fail(o, KAFKA_ERR_INVALID_REQUEST, "Broker configs are read-only: they "
			    "are the gateway's settings (config file or command line)");
	}
	return fail(o, KAFKA_ERR_INVALID_REQUEST, "Unsupported resource type %d", (int)it->type);
}

/* Answers @p n resources of either API into @p codes and @p msgs (arena arrays). */
static bool alter_all(kafka_req_t *req, alter_item_t *items, int32_t n, bool validate_only,
		      int16_t *codes, trib_slice_t *msgs)
{
	if (!mark_duplicates(req, items, n))
		return false;
	for (int32_t i = 0; i < n; i++) {
		outcome_t o = {0};

		codes[i] = alter_one(req, &items[i], validate_only, &o);
		msgs[i] = arena_msg(req, &o);
		if (o.code && o.msg[0] && !msgs[i].ptr)
			return false;
	}
	return true;
}

/* The shared part of both handlers: items in, codes and messages out. */
typedef struct alter_run {
	alter_item_t *items;
	int16_t *codes;
	trib_slice_t *msgs;
} alter_run_t;

static bool alter_run_new(kafka_req_t *req, int32_t n, alter_run_t *r)
{
	r->items = kafka_arena_calloc(&req->arena, (size_t)n, sizeof(*r->items));
	r->codes = kafka_arena_calloc(&req->arena, (size_t)n, sizeof(*r->codes));
	r->msgs = kafka_arena_calloc(&req->arena, (size_t)n, sizeof(*r->msgs));
	return r->items && r->codes && r->msgs;
}

trib_err_t kafka_alter_configs_handle(kafka_req_t *req, wire_rd_t *body)
{
	kafka_alter_configs_req_t q;
	kafka_alter_configs_resp_t resp = {0};
	alter_run_t run;
	trib_err_t err;

	err = kafka_alter_configs_req_decode(body, req->hdr.api_version, &req->arena, &q);
	if (err)
		return err;
	resp.responses = kafka_arena_calloc(&req->arena, (size_t)q.resources_count,
					    sizeof(*resp.responses));
	if (!resp.responses || !alter_run_new(req, q.resources_count, &run))
		return TRIB_ERR_NOMEM;
	for (int32_t i = 0; i < q.resources_count; i++)
		run.items[i] = (alter_item_t){q.resources[i].resource_type,
					      q.resources[i].resource_name, &q.resources[i], NULL,
					      false};
	if (!alter_all(req, run.items, q.resources_count, q.validate_only, run.codes, run.msgs))
		return TRIB_ERR_NOMEM;
	resp.responses_count = q.resources_count;
	for (int32_t i = 0; i < q.resources_count; i++)
		resp.responses[i] = (kafka_alter_configs_resource_resp_t){
			run.codes[i], run.msgs[i], run.items[i].type, run.items[i].name};
	return kafka_req_respond(req, kafka_alter_configs_resp_write, &resp);
}

trib_err_t kafka_incremental_alter_configs_handle(kafka_req_t *req, wire_rd_t *body)
{
	kafka_incremental_alter_configs_req_t q;
	kafka_incremental_alter_configs_resp_t resp = {0};
	alter_run_t run;
	trib_err_t err;

	err = kafka_incremental_alter_configs_req_decode(body, req->hdr.api_version, &req->arena,
							 &q);
	if (err)
		return err;
	resp.responses = kafka_arena_calloc(&req->arena, (size_t)q.resources_count,
					    sizeof(*resp.responses));
	if (!resp.responses || !alter_run_new(req, q.resources_count, &run))
		return TRIB_ERR_NOMEM;
	for (int32_t i = 0; i < q.resources_count; i++)
		run.items[i] = (alter_item_t){q.resources[i].resource_type,
					      q.resources[i].resource_name, NULL, &q.resources[i],
					      false};
	if (!alter_all(req, run.items, q.resources_count, q.validate_only, run.codes, run.msgs))
		return TRIB_ERR_NOMEM;
	resp.responses_count = q.resources_count;
	for (int32_t i = 0; i < q.resources_count; i++)
		resp.responses[i] = (kafka_inc_alter_configs_resource_resp_t){
			run.codes[i], run.msgs[i], run.items[i].type, run.items[i].name};
	return kafka_req_respond(req, kafka_incremental_alter_configs_resp_write, &resp);
}
