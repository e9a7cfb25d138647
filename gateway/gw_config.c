/*
 * Configuration. Every setting is a row of gw_config_items[]; defaults are
 * applied from the table, then the file, then the command line, each going
 * through set_text() or set_json() so one validation names the key for all
 * three. The emulator's UserConfig part is parsed by hand because it is an
 * array of entities, not a setting.
 */
#include "gw_config.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/evp.h>
#include <openssl/rand.h>

#include "mem.h"
#include "ns.h"

typedef enum item_type { T_STR, T_INT, T_BOOL, T_ENUM } item_type_t;

typedef struct gw_config_item {
	const char *key;     /* path inside the file's "Tributary" object */
	const char *opt;     /* long option, or NULL for --set only */
	item_type_t type;
	size_t offset;
	const char *def;
	int64_t min, max;
	const char *unit;
	const char *choices; /* T_ENUM: "a|b|c" */
	const char *doc;
	unsigned flags;      /* ITEM_* */
} gw_config_item_t;

enum {
	ITEM_SECRET = 1,   /* --print-config writes "<redacted>" */
	ITEM_EMPTY_OK = 2, /* T_STR: "" is a meaningful value */
};

#define F(field) offsetof(gw_config_t, field)

static const gw_config_item_t gw_config_items[] = {
	{"data_dir", "data-dir", T_STR, F(data_dir), "./data", 0, 0, NULL, NULL,
	 "directory of the embedded storage", 0},
	{"host", "host", T_STR, F(host), "0.0.0.0", 0, 0, NULL, NULL,
	 "address every listener binds", 0},
	{"advertised_host", "advertised-host", T_STR, F(advertised_host), "127.0.0.1", 0, 0, NULL,
	 NULL, "host Kafka clients are told to connect to (Metadata)", 0},
	{"kafka.port", "kafka-port", T_INT, F(kafka_port), "9092", 1, 65535, NULL, NULL,
	 "Kafka wire-protocol port", 0},
	{"amqp.port", "amqp-port", T_INT, F(amqp_port), "5672", 1, 65535, NULL, NULL,
	 "AMQP 1.0 port", 0},
	{"http.port", "http-port", T_INT, F(http_port), "8080", 1, 65535, NULL, NULL,
	 "Event Hubs HTTP send API port", 0},
	{"kafka.auto_create_topics", "kafka-auto-create", T_BOOL, F(kafka_auto_create), "true", 0,
	 0, NULL, NULL, "create unknown topics on Metadata requests that allow it", 0},
	{"kafka.default_partitions", NULL, T_INT, F(default_partitions), "4", 1, HUB_MAX_PARTITIONS,
	 NULL, NULL, "partitions of an auto-created topic", 0},
	{"kafka.group_initial_rebalance_delay_ms", NULL, T_INT, F(kafka_group_initial_delay_ms),
	 "3000", 0, 300000, "ms", NULL,
	 "first rebalance of an empty consumer group waits this long for more members (Kafka's "
	 "group.initial.rebalance.delay.ms)", 0},
	{"kafka.max_request_bytes", NULL, T_INT, F(kafka_max_request_bytes), "104857600", 1024,
	 1073741824, "bytes", NULL, "largest Kafka request frame; larger closes the connection", 0},
	{"max_message_bytes", NULL, T_INT, F(max_message_bytes), "1048576", 1024, 67108864,
	 "bytes", NULL, "largest publication: AMQP message or batch, HTTP body, Kafka record batch", 0},
	{"storage.durability", "durability", T_ENUM, F(durability), "sync", 0, 0, NULL,
	 "sync|relaxed",
	 "sync: acknowledge after fdatasync; relaxed: after write, sync on a timer", 0},
	{"storage.sync_interval_ms", NULL, T_INT, F(sync_interval_ms), "1000", 1, 60000, "ms", NULL,
	 "relaxed durability: time between syncs", 0},
	{"storage.segment_bytes", NULL, T_INT, F(segment_bytes), "1073741824", 1048576,
	 4294967294LL, "bytes", NULL, "roll a segment file past this size", 0},
	{"storage.index_interval_bytes", NULL, T_INT, F(index_interval_bytes), "4096", 256, 1048576,
	 "bytes", NULL, "log bytes between sparse index entries", 0},
	{"log_level", "log-level", T_ENUM, F(log_level), "info", 0, 0, NULL, "debug|info|warn|error",
	 "lowest level logged to standard error", 0},
	{"auth.required", NULL, T_BOOL, F(auth_required), "true", 0, 0, NULL, NULL,
	 "AMQP links, HTTP sends and Kafka requests need a SAS grant (SASL PLAIN, $cbs token, "
	 "Authorization); false = anyone may send and read", 0},
	{"auth.root_key", NULL, T_STR, F(auth_root_key), "", 0, 0, NULL, NULL,
	 "key of RootManageSharedAccessKey; \"\" = SAS_KEY_VALUE with an emulator UserConfig, "
	 "else generated once and kept in the data directory",
	 ITEM_SECRET | ITEM_EMPTY_OK},
};

#define N_ITEMS (sizeof(gw_config_items) / sizeof(gw_config_items[0]))

typedef struct ctx {
	gw_config_t *cfg;
	const char *source; /* file name or "command line" */
	FILE *err;
} ctx_t;

static int fail(ctx_t *c, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(ctx_t *c, const char *key, const char *fmt, ...)
{
	va_list ap;

	fprintf(c->err, "tributary: %s: %s: ", c->source, key);
	va_start(ap, fmt);
	vfprintf(c->err, fmt, ap);
	va_end(ap);
	fputc('\n', c->err);
	return -1;
}

static char *dup_cstr(const char *s)
{
	size_t n = strlen(s) + 1;
	char *p = mem_alloc(MEM_GATEWAY, n);

	if (p)
		memcpy(p, s, n);
	return p;
}

static bool choice_ok(const char *choices, const char *v)
{
	size_t n = strlen(v);

	for (const char *p = choices; *p;) {
		const char *bar = strchr(p, '|');
		size_t len = bar ? (size_t)(bar - p) : strlen(p);

		if (len == n && strncmp(p, v, n) == 0)
			return true;
		p += len + (bar ? 1 : 0);
	}
	return false;
}

static int set_str(ctx_t *c, const gw_config_item_t *it, const char *v)
{
	char **slot = (char **)((char *)c->cfg + it->offset);
	char *copy;

	if (it->type == T_ENUM && !choice_ok(it->choices, v))
		return fail(c, it->key, "must be one of %s", it->choices);
	if (it->type == T_STR && !v[0] && !(it->flags & ITEM_EMPTY_OK))
		return fail(c, it->key, "must not be empty");
	copy = dup_cstr(v);
	if (!copy)
		return fail(c, it->key, "out of memory");
	mem_free(*slot);
	*slot = copy;
	return 0;
}

static int set_int(ctx_t *c, const gw_config_item_t *it, int64_t v)
{
	char range[96];

	if (v < it->min || v > it->max) {
		snprintf(range, sizeof(range), "%" PRId64 " to %" PRId64 "%s%s", it->min, it->max,
			 it->unit ? " " : "", it->unit ? it->unit : "");
		return fail(c, it->key, "must be an integer from %s", range);
	}
	*(int64_t *)((char *)c->cfg + it->offset) = v;
	return 0;
}

/* A value given as text (default, command line). */
static int set_text(ctx_t *c, const gw_config_item_t *it, const char *v)
{
	char *end;
	long long n;

	switch (it->type) {
	case T_STR:
	case T_ENUM:
		return set_str(c, it, v);
	case T_INT:
		errno = 0;
		n = strtoll(v, &end, 10);
		if (errno || end == v || *end)
			return fail(c, it->key, "must be an integer (got \"%s\")", v);
		return set_int(c, it, n);
	case T_BOOL:
		if (strcasecmp(v, "true") && strcasecmp(v, "false"))
			return fail(c, it->key, "must be true or false (got \"%s\")", v);
		*(bool *)((char *)c->cfg + it->offset) = strcasecmp(v, "true") == 0;
		return 0;
	}
	return -1;
}

/* A value from the JSON file. */
static int set_json(ctx_t *c, const gw_config_item_t *it, json_t *v)
{
	switch (it->type) {
	case T_STR:
	case T_ENUM:
		if (!json_is_string(v))
			return fail(c, it->key, "must be a string");
		return set_str(c, it, json_string_value(v));
	case T_INT:
		if (!json_is_integer(v))
			return fail(c, it->key, "must be an integer");
		return set_int(c, it, json_integer_value(v));
	case T_BOOL:
		if (!json_is_boolean(v))
			return fail(c, it->key, "must be true or false");
		*(bool *)((char *)c->cfg + it->offset) = json_is_true(v);
		return 0;
	}
	return -1;
}

static const gw_config_item_t *find_item(const char *key)
{
	for (size_t i = 0; i < N_ITEMS; i++)
		if (strcmp(gw_config_items[i].key, key) == 0)
			return &gw_config_items[i];
	return NULL;
}

/* ---- Tributary.auth.policies ---- */

#define POLICIES_KEY "auth.policies"
#define GW_CONFIG_MAX_POLICIES 1000 /* entries in Tributary.auth.policies */

static const struct {
	const char *name;
	unsigned bit;
} rights_names[] = {{"Send", AUTH_SEND}, {"Listen", AUTH_LISTEN}, {"Manage", AUTH_MANAGE}};

static void free_policies(gw_config_t *cfg)
{
	for (size_t i = 0; i < cfg->policy_count; i++) {
		gw_policy_t *p = &cfg->policies[i];

		if (p->key)
			memset(p->key, 0, strlen(p->key));
		mem_free(p->key);
		mem_free(p->name);
		mem_free(p->hub);
	}
	mem_free(cfg->policies);
	cfg->policies = NULL;
	cfg->policy_count = 0;
}

static int policy_text(ctx_t *c, json_t *v, const char *key, char **out)
{
	const char *s = json_string_value(v);

	if (!s || !s[0] || strlen(s) > GW_CONFIG_MAX_POLICY_TEXT)
		return fail(c, key, "is required and must be a string of 1 to %d bytes",
			    GW_CONFIG_MAX_POLICY_TEXT);
	*out = dup_cstr(s);
	return *out ? 0 : fail(c, key, "out of memory");
}

static int policy_rights(ctx_t *c, json_t *arr, const char *key, unsigned *out)
{
	size_t i;
	json_t *v;

	*out = 0;
	if (!json_is_array(arr) || json_array_size(arr) == 0)
		return fail(c, key,
			    "must be a non-empty array of \"Send\", \"Listen\", \"Manage\"");
	json_array_foreach(arr, i, v) {
		const char *s = json_string_value(v);
		size_t r = 0;

		while (r < sizeof(rights_names) / sizeof(rights_names[0]) &&
		       !(s && strcasecmp(s, rights_names[r].name) == 0))
			r++;
		if (r == sizeof(rights_names) / sizeof(rights_names[0]))
			return fail(c, key, "[%zu] must be \"Send\", \"Listen\" or \"Manage\"", i);
		*out |= rights_names[r].bit;
	}
	return 0;
}

static int load_policy(ctx_t *c, json_t *o, size_t i, gw_policy_t *p)
{
	char base[64], key[96];
	const char *k;
	json_t *v;

	snprintf(base, sizeof(base), "Tributary.%s[%zu]", POLICIES_KEY, i);
	if (!json_is_object(o))
		return fail(c, base, "must be an object {\"name\", \"key\", \"rights\", \"hub\"}");
	json_object_foreach(o, k, v) {
		if (strcmp(k, "name") != 0 && strcmp(k, "key") != 0 && strcmp(k, "rights") != 0 &&
		    strcmp(k, "hub") != 0) {
			snprintf(key, sizeof(key), "%s.%.24s", base, k);
			return fail(c, key, "unknown field (expected name, key, rights, hub)");
		}
	}
	snprintf(key, sizeof(key), "%s.name", base);
	if (policy_text(c, json_object_get(o, "name"), key, &p->name))
		return -1;
	snprintf(key, sizeof(key), "%s.key", base);
	if (policy_text(c, json_object_get(o, "key"), key, &p->key))
		return -1;
	snprintf(key, sizeof(key), "%s.rights", base);
	if (policy_rights(c, json_object_get(o, "rights"), key, &p->rights))
		return -1;
	v = json_object_get(o, "hub");
	if (!v || json_is_null(v))
		return 0;
	snprintf(key, sizeof(key), "%s.hub", base);
	if (!json_is_string(v) || !ns_hub_name_valid(slice_from_cstr(json_string_value(v))))
		return fail(c, key, "must be an event hub name (1 to 256 of A-Z a-z 0-9 . _ -)");
	p->hub = dup_cstr(json_string_value(v));
	return p->hub ? 0 : fail(c, key, "out of memory");
}

static bool same_scope(const gw_policy_t *a, const gw_policy_t *b)
{
	if (!a->hub || !b->hub)
		return !a->hub && !b->hub;
	return strcasecmp(a->hub, b->hub) == 0;
}

/* Names unique per scope; at most AUTH_MAX_POLICIES per scope, the root policy included. */
static int check_policies(ctx_t *c)
{
	const gw_config_t *cfg = c->cfg;

	for (size_t i = 0; i < cfg->policy_count; i++) {
		const gw_policy_t *p = &cfg->policies[i];
		size_t n = !p->hub && !cfg->root_policy_defined ? 1 : 0;
		char key[64];

		snprintf(key, sizeof(key), "Tributary.%s[%zu]", POLICIES_KEY, i);
		for (size_t j = 0; j < cfg->policy_count; j++) {
			if (!same_scope(p, &cfg->policies[j]))
				continue;
			n++;
			if (j < i && strcmp(p->name, cfg->policies[j].name) == 0)
				return fail(c, key, "policy \"%s\" is defined twice in the %s%s",
					    p->name, p->hub ? "event hub " : "namespace",
					    p->hub ? p->hub : "");
		}
		if (n > AUTH_MAX_POLICIES)
			return fail(c, key, "more than %d policies in the %s%s", AUTH_MAX_POLICIES,
				    p->hub ? "event hub " : "namespace", p->hub ? p->hub : "");
	}
	return 0;
}

static int load_policies(ctx_t *c, json_t *arr)
{
	gw_config_t *cfg = c->cfg;
	size_t n = json_array_size(arr);

	if (!json_is_array(arr) || n > GW_CONFIG_MAX_POLICIES)
		return fail(c, "Tributary." POLICIES_KEY, "must be an array of at most %d policies",
			    GW_CONFIG_MAX_POLICIES);
	free_policies(cfg);
	cfg->root_policy_defined = false;
	cfg->policies = mem_calloc(MEM_GATEWAY, n ? n : 1, sizeof(gw_policy_t));
	if (!cfg->policies)
		return fail(c, "Tributary." POLICIES_KEY, "out of memory");
	for (size_t i = 0; i < n; i++) {
		gw_policy_t *p = &cfg->policies[i];

		cfg->policy_count = i + 1;
		if (load_policy(c, json_array_get(arr, i), i, p))
			return -1;
		if (!p->hub && strcmp(p->name, AUTH_ROOT_POLICY) == 0)
			cfg->root_policy_defined = true;
	}
	return check_policies(c);
}

/* Walks the "Tributary" object; nested objects make dotted keys. */
static int load_section(ctx_t *c, json_t *obj, const char *prefix)
{
	const char *k;
	json_t *v;

	json_object_foreach(obj, k, v) {
		char key[256];
		const gw_config_item_t *it;

		snprintf(key, sizeof(key), "%s%s%s", prefix, prefix[0] ? "." : "", k);
		it = find_item(key);
		if (strcmp(key, POLICIES_KEY) == 0) {
			if (load_policies(c, v))
				return -1;
		} else if (it) {
			if (set_json(c, it, v))
				return -1;
		} else if (json_is_object(v)) {
			if (load_section(c, v, key))
				return -1;
		} else {
			char full[300];

			snprintf(full, sizeof(full), "Tributary.%s", key);
			return fail(c, full, "unknown setting (see tributary --help)");
		}
	}
	return 0;
}

static void free_hubs(gw_config_t *cfg)
{
	for (size_t i = 0; i < cfg->hub_count; i++) {
		gw_hub_t *h = &cfg->hubs[i];

		for (size_t j = 0; j < h->consumer_group_count; j++)
			mem_free(h->consumer_groups[j]);
		mem_free(h->consumer_groups);
		mem_free(h->name);
	}
	mem_free(cfg->hubs);
	cfg->hubs = NULL;
	cfg->hub_count = 0;
}

/* PartitionCount: the emulator's schema says integer, its sample writes "2". */
static int entity_partitions(ctx_t *c, json_t *v, const char *key, int32_t *out)
{
	long long n = -1;
	char *end;

	if (json_is_integer(v)) {
		n = json_integer_value(v);
	} else if (json_is_string(v)) {
		errno = 0;
		n = strtoll(json_string_value(v), &end, 10);
		if (errno || end == json_string_value(v) || *end)
			n = -1;
	}
	if (n < 1 || n > HUB_MAX_PARTITIONS)
		return fail(c, key, "must be an integer from 1 to 1024, as a number or a string");
	*out = (int32_t)n;
	return 0;
}

static int entity_groups(ctx_t *c, json_t *arr, const char *key, gw_hub_t *h)
{
	size_t n = json_array_size(arr);

	if (arr && !json_is_array(arr))
		return fail(c, key, "must be an array of {\"Name\": ...}");
	h->consumer_groups = mem_calloc(MEM_GATEWAY, n ? n : 1, sizeof(char *));
	if (!h->consumer_groups)
		return fail(c, key, "out of memory");
	for (size_t i = 0; i < n; i++) {
		json_t *name = json_object_get(json_array_get(arr, i), "Name");
		const char *s = json_string_value(name);
		char k[320];

		snprintf(k, sizeof(k), "%s[%zu].Name", key, i);
		if (!s || !s[0] || strlen(s) > 256)
			return fail(c, k, "must be a non-empty string of at most 256 characters");
		if (strcasecmp(s, "$Default") == 0)
			continue; /* always exists */
		h->consumer_groups[h->consumer_group_count] = dup_cstr(s);
		if (!h->consumer_groups[h->consumer_group_count++])
			return fail(c, k, "out of memory");
	}
	return 0;
}

static int load_entity(ctx_t *c, json_t *e, size_t i, gw_hub_t *h)
{
	char key[160], sub[200];
	const char *name;

	snprintf(key, sizeof(key), "UserConfig.NamespaceConfig[0].Entities[%zu]", i);
	if (!json_is_object(e))
		return fail(c, key, "must be an object");
	snprintf(sub, sizeof(sub), "%s.Name", key);
	name = json_string_value(json_object_get(e, "Name"));
	if (!name)
		return fail(c, sub, "is required and must be a string");
	if (!ns_hub_name_valid(slice_from_cstr(name)))
		return fail(c, sub,
			    "\"%s\" is not a valid event hub name (1 to 256 of A-Z a-z 0-9 . _ -, "
			    "not starting with __)",
			    name);
	h->name = dup_cstr(name);
	if (!h->name)
		return fail(c, sub, "out of memory");
	snprintf(sub, sizeof(sub), "%s.PartitionCount", key);
	if (!json_object_get(e, "PartitionCount"))
		return fail(c, sub, "is required");
	if (entity_partitions(c, json_object_get(e, "PartitionCount"), sub, &h->partitions))
		return -1;
	snprintf(sub, sizeof(sub), "%s.ConsumerGroups", key);
	return entity_groups(c, json_object_get(e, "ConsumerGroups"), sub, h);
}

static int load_user_config(ctx_t *c, json_t *uc)
{
	json_t *nsc = json_object_get(uc, "NamespaceConfig"), *ns0, *ents;
	const char *type, *name;
	size_t n;

	if (!json_is_object(uc))
		return fail(c, "UserConfig", "must be an object");
	if (!json_is_array(nsc) || json_array_size(nsc) != 1)
		return fail(c, "UserConfig.NamespaceConfig", "must be an array of exactly one namespace");
	ns0 = json_array_get(nsc, 0);
	type = json_string_value(json_object_get(ns0, "Type"));
	if (json_object_get(ns0, "Type") && (!type || strcmp(type, "EventHub") != 0))
		return fail(c, "UserConfig.NamespaceConfig[0].Type", "must be \"EventHub\"");
	name = json_string_value(json_object_get(ns0, "Name"));
	if (name) {
		mem_free(c->cfg->namespace_name);
		c->cfg->namespace_name = dup_cstr(name);
	}
	ents = json_object_get(ns0, "Entities");
	n = json_array_size(ents);
	if (!json_is_array(ents) || n == 0 || n > GW_CONFIG_MAX_HUBS)
		return fail(c, "UserConfig.NamespaceConfig[0].Entities",
			    "must be an array of 1 to 1000 event hubs");
	free_hubs(c->cfg);
	c->cfg->hubs = mem_calloc(MEM_GATEWAY, n, sizeof(gw_hub_t));
	if (!c->cfg->hubs)
		return fail(c, "UserConfig", "out of memory");
	c->cfg->hub_count = n;
	for (size_t i = 0; i < n; i++)
		if (load_entity(c, json_array_get(ents, i), i, &c->cfg->hubs[i]))
			return -1;
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < i; j++)
			if (strcmp(c->cfg->hubs[i].name, c->cfg->hubs[j].name) == 0)
				return fail(c, "UserConfig.NamespaceConfig[0].Entities",
					    "event hub \"%s\" is declared twice", c->cfg->hubs[i].name);
	return 0;
}

static int load_file(ctx_t *c, const char *path)
{
	json_error_t jerr;
	json_t *root = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
	const char *k;
	json_t *v;
	int rc = 0;

	c->source = path;
	if (!root) {
		fprintf(c->err, "tributary: %s:%d:%d: %s\n", path, jerr.line, jerr.column, jerr.text);
		return -1;
	}
	if (!json_is_object(root)) {
		json_decref(root);
		return fail(c, "(top level)", "must be a JSON object");
	}
	json_object_foreach(root, k, v) {
		if (strcmp(k, "UserConfig") == 0)
			rc = load_user_config(c, v);
		else if (strcmp(k, "Tributary") == 0)
			rc = json_is_object(v) ? load_section(c, v, "")
					       : fail(c, "Tributary", "must be an object");
		else
			rc = fail(c, k, "unknown top-level key (expected UserConfig or Tributary)");
		if (rc)
			break;
	}
	/* only an emulator's own file (no Tributary section) gets its well-known key */
	c->cfg->emulator_config = json_object_get(root, "UserConfig") &&
				  !json_object_get(root, "Tributary");
	json_decref(root);
	return rc;
}

static int default_hub(ctx_t *c)
{
	gw_hub_t *h = mem_calloc(MEM_GATEWAY, 1, sizeof(*h));

	if (!h)
		return -1;
	c->cfg->hubs = h;
	c->cfg->hub_count = 1;
	h->name = dup_cstr("eh1");
	h->partitions = 4;
	h->consumer_groups = mem_calloc(MEM_GATEWAY, 1, sizeof(char *));
	if (!h->name || !h->consumer_groups)
		return -1;
	h->consumer_groups[0] = dup_cstr("cg1");
	h->consumer_group_count = h->consumer_groups[0] ? 1 : 0;
	return h->consumer_group_count ? 0 : -1;
}

static void usage(FILE *out)
{
	fprintf(out,
		"usage: tributary [--config FILE] [options]\n\n"
		"Event gateway: Kafka, AMQP 1.0 (Event Hubs) and Event Hubs HTTP over one durable log.\n"
		"With no config file it serves event hub eh1 (4 partitions, consumer groups $Default "
		"and cg1).\n\n"
		"  --config FILE          JSON config: Event Hubs emulator UserConfig and a "
		"\"Tributary\" object\n"
		"  --set KEY=VALUE        set any setting below by its key\n"
		"  --print-config         print the effective configuration and exit\n"
		"  --config-doc           print the settings table as Markdown and exit\n"
		"  --help                 this text\n\n"
		"settings (file key under \"Tributary\", option, default):\n");
	for (size_t i = 0; i < N_ITEMS; i++) {
		const gw_config_item_t *it = &gw_config_items[i];
		char opt[64];

		snprintf(opt, sizeof(opt), "--%s", it->opt ? it->opt : "set");
		fprintf(out, "  %-28s %-20s %s%s%s\n      %s%s%s\n", it->key, it->opt ? opt : "",
			it->def, it->unit ? " " : "", it->unit ? it->unit : "", it->doc,
			it->choices ? "; one of " : "", it->choices ? it->choices : "");
	}
}

static int apply_set(ctx_t *c, const char *kv)
{
	const char *eq = strchr(kv, '=');
	char key[128];
	const gw_config_item_t *it;

	if (!eq || (size_t)(eq - kv) >= sizeof(key))
		return fail(c, kv, "--set needs KEY=VALUE");
	memcpy(key, kv, (size_t)(eq - kv));
	key[eq - kv] = '\0';
	it = find_item(key);
	if (!it)
		return fail(c, key, "unknown setting (see tributary --help)");
	return set_text(c, it, eq + 1);
}

trib_err_t gw_config_load(gw_config_t *cfg, int argc, char **argv, FILE *err_out,
			  gw_parse_t *what)
{
	enum { OPT_CONFIG = 1000, OPT_SET, OPT_PRINT, OPT_HELP, OPT_DOC };
	struct option opts[N_ITEMS + 6];
	ctx_t c = {cfg, "defaults", err_out};
	size_t n = 0;
	int ch, idx;
	bool print = false;

	memset(cfg, 0, sizeof(*cfg));
	*what = GW_PARSE_RUN;
	for (size_t i = 0; i < N_ITEMS; i++)
		if (set_text(&c, &gw_config_items[i], gw_config_items[i].def))
			return TRIB_ERR_CONFIG;
	for (size_t i = 0; i < N_ITEMS; i++)
		if (gw_config_items[i].opt)
			opts[n++] = (struct option){gw_config_items[i].opt, required_argument, NULL, (int)i};
	opts[n++] = (struct option){"config", required_argument, NULL, OPT_CONFIG};
	opts[n++] = (struct option){"set", required_argument, NULL, OPT_SET};
	opts[n++] = (struct option){"print-config", no_argument, NULL, OPT_PRINT};
	opts[n++] = (struct option){"help", no_argument, NULL, OPT_HELP};
	opts[n++] = (struct option){"config-doc", no_argument, NULL, OPT_DOC};
	opts[n] = (struct option){NULL, 0, NULL, 0};

	/* first pass: the file, so that options given on the command line win */
	optind = 1;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "", opts, &idx)) != -1) {
		if (ch == OPT_CONFIG) {
			mem_free(cfg->config_path);
			cfg->config_path = dup_cstr(optarg);
		}
	}
	if (cfg->config_path && load_file(&c, cfg->config_path))
		return TRIB_ERR_CONFIG;
	if (!cfg->config_path && default_hub(&c))
		return TRIB_ERR_NOMEM;

	c.source = "command line";
	optind = 1;
	opterr = 1;
	while ((ch = getopt_long(argc, argv, "", opts, &idx)) != -1) {
		if (ch == '?' || ch == ':') {
			fprintf(err_out, "tributary: see --help\n");
			return TRIB_ERR_CONFIG;
		} else if (ch == OPT_HELP) {
			usage(stdout);
			*what = GW_PARSE_EXIT;
			return TRIB_OK;
		} else if (ch == OPT_DOC) {
			gw_config_doc(stdout);
			*what = GW_PARSE_EXIT;
			return TRIB_OK;
		} else if (ch == OPT_PRINT) {
			print = true;
		} else if (ch == OPT_SET) {
			if (apply_set(&c, optarg))
				return TRIB_ERR_CONFIG;
		} else if (ch >= 0 && (size_t)ch < N_ITEMS) {
			if (set_text(&c, &gw_config_items[ch], optarg))
				return TRIB_ERR_CONFIG;
		}
	}
	if (optind < argc) {
		fprintf(err_out, "tributary: unexpected argument \"%s\"; see --help\n", argv[optind]);
		return TRIB_ERR_CONFIG;
	}
	if (cfg->root_policy_defined && cfg->auth_root_key[0]) {
		fail(&c, "auth.root_key",
		     "cannot be set when Tributary.auth.policies defines " AUTH_ROOT_POLICY);
		return TRIB_ERR_CONFIG;
	}
	if (print) {
		gw_config_print(cfg, stdout);
		*what = GW_PARSE_EXIT;
	}
	return TRIB_OK;
}

/* "a|b" as "a, b" for a Markdown table cell. */
static void choices_text(const char *choices, char *out, size_t cap)
{
	size_t o = 0;

	for (const char *c = choices; *c && o + 3 < cap; c++) {
		if (*c == '|') {
			out[o++] = ',';
			out[o++] = ' ';
		} else {
			out[o++] = *c;
		}
	}
	out[o] = '\0';
}

void gw_config_doc(FILE *out)
{
	fprintf(out,
		"# Configuration\n\n"
		"Generated from `gw_config_items[]` in `gateway/gw_config.c` "
		"(`tributary --config-doc`).\n\n"
		"Settings live in the config file's `\"Tributary\"` object (dotted keys are "
		"nested objects),\ncan be given as `--set KEY=VALUE`, and some have their own "
		"option. The command line wins over the file.\nEvent hubs are declared in the Azure "
		"Event Hubs emulator's shape, `UserConfig.NamespaceConfig[0].Entities[]`\n"
		"(`Name`, `PartitionCount`, `ConsumerGroups[].Name`); without a config file the "
		"gateway serves `eh1`\nwith 4 partitions and consumer groups `$Default` and `cg1`.\n\n"
		"SAS policies are the array `Tributary.auth.policies`: objects with `name`, `key`, "
		"`rights`\n(an array of `Send`, `Listen`, `Manage`; Manage implies both others) and an "
		"optional `hub`\n(the event hub the policy is defined on; absent = the namespace), at most "
		"12 per scope.\nThe namespace policy `RootManageSharedAccessKey` (Manage) always exists "
		"unless the array defines\nit; its key is `auth.root_key` (see docs/auth.md). "
		"`--print-config` shows keys as `<redacted>`.\n\n"
		"| key | option | default | range | meaning |\n|---|---|---|---|---|\n");
	for (size_t i = 0; i < N_ITEMS; i++) {
		const gw_config_item_t *it = &gw_config_items[i];
		char range[96] = "";

		if (it->type == T_INT)
			snprintf(range, sizeof(range), "%" PRId64 "..%" PRId64 "%s%s", it->min, it->max,
				 it->unit ? " " : "", it->unit ? it->unit : "");
		else if (it->choices)
			choices_text(it->choices, range, sizeof(range));
		else if (it->type == T_BOOL)
			snprintf(range, sizeof(range), "true, false");
		fprintf(out, "| `%s` | %s%s%s | `%s` | %s | %s |\n", it->key, it->opt ? "`--" : "",
			it->opt ? it->opt : "", it->opt ? "`" : "", it->def, range, it->doc);
	}
}

void gw_config_free(gw_config_t *cfg)
{
	for (size_t i = 0; i < N_ITEMS; i++) {
		if (gw_config_items[i].type == T_STR || gw_config_items[i].type == T_ENUM) {
			char **slot = (char **)((char *)cfg + gw_config_items[i].offset);

			mem_free(*slot);
			*slot = NULL;
		}
	}
	free_hubs(cfg);
	free_policies(cfg);
	mem_free(cfg->config_path);
	mem_free(cfg->namespace_name);
	cfg->config_path = cfg->namespace_name = NULL;
}

/* Sets key (dotted) to value inside obj, creating nested objects. */
static void put_path(json_t *obj, const char *key, json_t *value)
{
	const char *dot = strchr(key, '.');
	char head[64];
	json_t *child;

	if (!dot) {
		json_object_set_new(obj, key, value);
		return;
	}
	snprintf(head, sizeof(head), "%.*s", (int)(dot - key), key);
	child = json_object_get(obj, head);
	if (!child) {
		child = json_object();
		json_object_set_new(obj, head, child);
	}
	put_path(child, dot + 1, value);
}

/* Tributary.auth.policies as the file writes it, keys redacted. */
static json_t *policies_json(const gw_config_t *cfg)
{
	json_t *arr = json_array();

	for (size_t i = 0; i < cfg->policy_count; i++) {
		const gw_policy_t *p = &cfg->policies[i];
		json_t *o = json_object(), *rights = json_array();

		for (size_t r = 0; r < sizeof(rights_names) / sizeof(rights_names[0]); r++)
			if (p->rights & rights_names[r].bit)
				json_array_append_new(rights, json_string(rights_names[r].name));
		json_object_set_new(o, "name", json_string(p->name));
		json_object_set_new(o, "key", json_string("<redacted>"));
		json_object_set_new(o, "rights", rights);
		if (p->hub)
			json_object_set_new(o, "hub", json_string(p->hub));
		json_array_append_new(arr, o);
	}
	return arr;
}

void gw_config_print(const gw_config_t *cfg, FILE *out)
{
	json_t *root = json_object(), *trib = json_object(), *ents = json_array();
	json_t *nsc = json_array(), *ns0 = json_object(), *uc = json_object();

	for (size_t i = 0; i < N_ITEMS; i++) {
		const gw_config_item_t *it = &gw_config_items[i];
		const char *base = (const char *)cfg + it->offset;
		json_t *v = it->type == T_INT    ? json_integer(*(const int64_t *)base)
			    : it->type == T_BOOL ? json_boolean(*(const bool *)base)
						 : json_string(*(char *const *)base);

		if ((it->flags & ITEM_SECRET) && (*(char *const *)base)[0])
			json_string_set(v, "<redacted>");
		put_path(trib, it->key, v);
	}
	put_path(trib, POLICIES_KEY, policies_json(cfg));
	for (size_t i = 0; i < cfg->hub_count; i++) {
		json_t *e = json_object(), *cgs = json_array();

		for (size_t j = 0; j < cfg->hubs[i].consumer_group_count; j++) {
			json_t *g = json_object();

			json_object_set_new(g, "Name", json_string(cfg->hubs[i].consumer_groups[j]));
			json_array_append_new(cgs, g);
		}
		json_object_set_new(e, "Name", json_string(cfg->hubs[i].name));
		json_object_set_new(e, "PartitionCount", json_integer(cfg->hubs[i].partitions));
		json_object_set_new(e, "ConsumerGroups", cgs);
		json_array_append_new(ents, e);
	}
	json_object_set_new(ns0, "Type", json_string("EventHub"));
	json_object_set_new(ns0, "Name",
			    json_string(cfg->namespace_name ? cfg->namespace_name : "tributary"));
	json_object_set_new(ns0, "Entities", ents);
	json_array_append_new(nsc, ns0);
	json_object_set_new(uc, "NamespaceConfig", nsc);
	json_object_set_new(root, "UserConfig", uc);
	json_object_set_new(root, "Tributary", trib);
	json_dumpf(root, out, JSON_INDENT(2));
	fputc('\n', out);
	json_decref(root);
}

/* ---- the root key ---- */

/* A kept key is one line of printable ASCII; the trailing newline is dropped. */
static trib_err_t kept_key(char *text, char **key)
{
	size_t n = strlen(text);

	while (n && (text[n - 1] == '\n' || text[n - 1] == '\r'))
		text[--n] = '\0';
	for (size_t i = 0; i < n; i++)
		if (text[i] <= ' ' || text[i] > '~')
			n = 0;
	if (n == 0 || n > GW_CONFIG_MAX_POLICY_TEXT) {
		mem_free(text);
		return TRIB_ERR_CORRUPT;
	}
	*key = text;
	return TRIB_OK;
}

static trib_err_t new_key(store_t *store, char **key)
{
	uint8_t raw[GW_CONFIG_ROOT_KEY_BYTES];
	char b64[4 * ((GW_CONFIG_ROOT_KEY_BYTES + 2) / 3) + 2];
	trib_err_t err;
	size_t n;

	if (RAND_bytes(raw, sizeof(raw)) != 1)
		return TRIB_ERR_UNSUPPORTED;
	n = (size_t)EVP_EncodeBlock((unsigned char *)b64, raw, sizeof(raw));
	memset(raw, 0, sizeof(raw));
	b64[n] = '\n';
	b64[n + 1] = '\0';
	err = store_file_save(store, GW_CONFIG_ROOT_KEY_FILE, b64);
	b64[n] = '\0';
	if (!err && !(*key = dup_cstr(b64)))
		err = TRIB_ERR_NOMEM;
	memset(b64, 0, sizeof(b64));
	return err;
}

trib_err_t gw_config_root_key(const gw_config_t *cfg, store_t *store, char **key, bool *generated)
{
	char *text = NULL;
	trib_err_t err;

	*key = NULL;
	*generated = false;
	if (cfg->auth_root_key && cfg->auth_root_key[0] != '\0')
		return (*key = dup_cstr(cfg->auth_root_key)) ? TRIB_OK : TRIB_ERR_NOMEM;
	if (cfg->emulator_config)
		return (*key = dup_cstr(AUTH_EMULATOR_KEY)) ? TRIB_OK : TRIB_ERR_NOMEM;
	err = store_file_load(store, GW_CONFIG_ROOT_KEY_FILE, &text);
	if (err == TRIB_OK)
		return kept_key(text, key);
	if (err != TRIB_ERR_NOT_FOUND)
		return err == TRIB_ERR_TOO_LARGE ? TRIB_ERR_CORRUPT : err;
	err = new_key(store, key);
	*generated = err == TRIB_OK;
	return err;
}
