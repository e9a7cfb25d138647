/*
 * Event hubs. Readers take no lock. Partitions only grow: the parts array
 * has HUB_MAX_PARTITIONS slots from the start (never reallocated), a new
 * partition is opened into a slot past the published count (nopen), and
 * the count readers see (nparts) is published with a release store once
 * the caller saved the metadata; growers are serialised by the namespace
 * write lock. Consumer groups change only at start-up (hub_update).
 *
 * Topic configs: the whole tcfg_t is copied under cfg_lock (writers hold
 * the namespace write lock too, so there is one writer); the two values
 * the append paths read per request (max.message.bytes, the timestamp
 * type) are mirrored in atomics so they take no lock. A partition gets its
 * storage policy from the config before it is published, and again on
 * every change.
 */
#include "hub.h"

#include <errno.h>
#include <jansson.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>

#include "mem.h"
#include "pkey.h"

struct hub {
	char *name;
	_Atomic int32_t nparts; /* published partitions */
	int32_t nopen;          /* opened partitions (>= nparts), namespace lock */
	part_t **parts;         /* HUB_MAX_PARTITIONS slots */
	int64_t created_at;
	uint32_t max_batch_bytes;
	char **cgs;
	size_t ncg;
	_Atomic uint32_t next_rr;
	uint8_t topic_id[HUB_TOPIC_ID_LEN];
	pthread_mutex_t cfg_lock;
	tcfg_t cfg;                          /* cfg_lock */
	_Atomic int32_t max_message_bytes;   /* mirrors cfg: -1 when not overridden */
	_Atomic int ts_type;                 /* mirrors cfg */
};

_Static_assert(TCFG_MAX_MESSAGE_BYTES_LIMIT == HUB_DEFAULT_MAX_BATCH_BYTES,
	       "max.message.bytes may not pass the largest batch the core stores");

static char *dup_cstr(const char *s)
{
	size_t n = strlen(s) + 1;
	char *p = mem_alloc(MEM_CORE, n);

	if (p)
		memcpy(p, s, n);
	return p;
}

static void free_cgs(hub_t *h)
{
	for (size_t i = 0; i < h->ncg; i++)
		mem_free(h->cgs[i]);
	mem_free(h->cgs);
	h->cgs = NULL;
	h->ncg = 0;
}

static trib_err_t set_cgs(hub_t *h, const char *const *cgs, size_t ncg)
{
	char **copy = ncg ? mem_calloc(MEM_CORE, ncg, sizeof(*copy)) : NULL;

	if (ncg && !copy)
		return TRIB_ERR_NOMEM;
	for (size_t i = 0; i < ncg; i++) {
		copy[i] = dup_cstr(cgs[i]);
		if (!copy[i]) {
			while (i--)
				mem_free(copy[i]);
			mem_free(copy);
			return TRIB_ERR_NOMEM;
		}
	}
	free_cgs(h);
	h->cgs = copy;
	h->ncg = ncg;
	return TRIB_OK;
}

/*
 * Kafka's Uuid.randomUuid rules: never the zero id, never the metadata
 * topic's id (1), never one whose base64url text starts with '-' (62).
 */
static bool topic_id_usable(const uint8_t *id)
{
	static const uint8_t zero[HUB_TOPIC_ID_LEN], one[HUB_TOPIC_ID_LEN] = {[15] = 1};

	return memcmp(id, zero, sizeof(zero)) != 0 && memcmp(id, one, sizeof(one)) != 0 &&
	       (id[0] >> 2) != 62;
}

static trib_err_t new_topic_id(uint8_t *id)
{
	do {
		ssize_t n = getrandom(id, HUB_TOPIC_ID_LEN, 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n != HUB_TOPIC_ID_LEN)
			return TRIB_ERR_IO;
	} while (!topic_id_usable(id));
	return TRIB_OK;
}

/*
 * What storage needs to know of the topic configs, given to each partition.
 * A segment size the hub does not override is left to the store: its
 * storage.segment_bytes is the setting the default stands for.
 */
static void apply_policy(part_t *p, const tcfg_t *cfg)
{
	part_policy_t pol = {
		.retention_ms = cfg->retention_ms,
		.retention_bytes = cfg->retention_bytes,
		.segment_bytes = tcfg_is_set(cfg, TCFG_SEGMENT_BYTES) ? cfg->segment_bytes : 0,
		.segment_ms = cfg->segment_ms,
		.timestamp_type = cfg->timestamp_type == TCFG_TS_CREATE_TIME ? PART_TS_CREATE
									  : PART_TS_LOG_APPEND,
	};

	part_set_policy(p, &pol);
}

trib_err_t hub_open_partitions(hub_t *h, store_t *store, int32_t partitions)
{
	tcfg_t cfg;

	if (partitions > HUB_MAX_PARTITIONS)
		return TRIB_ERR_INVALID;
	hub_config(h, &cfg);
	while (h->nopen < partitions) {
		trib_err_t err = part_open(store, h->name, h->nopen, h->max_batch_bytes,
					   &h->parts[h->nopen]);
		if (err)
			return err;
		apply_policy(h->parts[h->nopen], &cfg);
		h->nopen++;
	}
	return TRIB_OK;
}

void hub_publish_partitions(hub_t *h)
{
	atomic_store_explicit(&h->nparts, h->nopen, memory_order_release);
}

static trib_err_t grow(hub_t *h, store_t *store, int32_t partitions)
{
	trib_err_t err = hub_open_partitions(h, store, partitions);

	hub_publish_partitions(h);
	return err;
}

static void mirror(hub_t *h, const tcfg_t *cfg)
{
	atomic_store(&h->max_message_bytes, tcfg_is_set(cfg, TCFG_MAX_MESSAGE_BYTES)
						     ? cfg->max_message_bytes
						     : -1);
	atomic_store(&h->ts_type, (int)cfg->timestamp_type);
}

trib_err_t hub_open(store_t *store, const char *name, int32_t partitions, int64_t created_at,
		    const char *const *cgs, size_t ncg, const tcfg_t *cfg,
		    const uint8_t *topic_id, hub_t **out)
{
	hub_t *h = mem_calloc(MEM_CORE, 1, sizeof(*h));
	trib_err_t err;

	if (!h)
		return TRIB_ERR_NOMEM;
	pthread_mutex_init(&h->cfg_lock, NULL);
	h->cfg = *cfg;
	mirror(h, cfg);
	h->name = dup_cstr(name);
	h->parts = mem_calloc(MEM_CORE, HUB_MAX_PARTITIONS, sizeof(*h->parts));
	h->created_at = created_at;
	h->max_batch_bytes = HUB_DEFAULT_MAX_BATCH_BYTES;
	err = h->name && h->parts ? set_cgs(h, cgs, ncg) : TRIB_ERR_NOMEM;
	if (!err && topic_id)
		memcpy(h->topic_id, topic_id, HUB_TOPIC_ID_LEN);
	else if (!err)
		err = new_topic_id(h->topic_id);
	if (!err)
		err = grow(h, store, partitions);
	if (err) {
		hub_close(&h);
		return err;
	}
	*out = h;
	return TRIB_OK;
}

trib_err_t hub_update(hub_t *h, store_t *store, int32_t partitions, const char *const *cgs,
		      size_t ncg)
{
	trib_err_t err = grow(h, store, partitions);

	return err ? err : set_cgs(h, cgs, ncg);
}

void hub_set_config(hub_t *h, const tcfg_t *cfg)
{
	pthread_mutex_lock(&h->cfg_lock);
	h->cfg = *cfg;
	mirror(h, cfg);
	pthread_mutex_unlock(&h->cfg_lock);
	for (int32_t i = 0; i < h->nopen; i++)
		apply_policy(h->parts[i], cfg);
}

void hub_config(hub_t *h, tcfg_t *out)
{
	pthread_mutex_lock(&h->cfg_lock);
	*out = h->cfg;
	pthread_mutex_unlock(&h->cfg_lock);
}

/* The overridden keys in their Kafka string forms; defaults are not stored. */
static json_t *config_json(const tcfg_t *cfg)
{
	json_t *obj = json_object();

	for (int k = 0; obj && k < TCFG_COUNT; k++) {
		tcfg_entry_t e;

		if (tcfg_is_set(cfg, (tcfg_key_t)k) && tcfg_describe(cfg, (tcfg_key_t)k, &e))
			json_object_set_new(obj, e.name, json_string(e.value));
	}
	return obj;
}

char *hub_meta_json(hub_t *h, const tcfg_t *cfg)
{
	json_t *root = json_object(), *cgs = json_array();
	char id[2 * HUB_TOPIC_ID_LEN + 1];
	char *text = NULL;
	tcfg_t own;

	if (!cfg) {
		hub_config(h, &own);
		cfg = &own;
	}
	for (size_t i = 0; i < HUB_TOPIC_ID_LEN; i++)
		snprintf(id + 2 * i, 3, "%02x", h->topic_id[i]);
	if (root && cgs) {
		for (size_t i = 0; i < h->ncg; i++)
			json_array_append_new(cgs, json_string(h->cgs[i]));
		json_object_set_new(root, "partitions", json_integer(h->nopen));
		json_object_set_new(root, "created_at", json_integer(h->created_at));
		json_object_set_new(root, "topic_id", json_string(id));
		json_object_set_new(root, "config", config_json(cfg));
		json_object_set(root, "consumer_groups", cgs);
		text = json_dumps(root, JSON_INDENT(2) | JSON_SORT_KEYS);
	}
	json_decref(cgs);
	json_decref(root);
	return text;
}

void hub_close(hub_t **hp)
{
	hub_t *h = hp ? *hp : NULL;

	if (!h)
		return;
	for (int32_t i = 0; h->parts && i < h->nopen; i++)
		part_close(&h->parts[i]);
	mem_free(h->parts);
	free_cgs(h);
	mem_free(h->name);
	pthread_mutex_destroy(&h->cfg_lock);
	mem_free(h);
	*hp = NULL;
}

const char *hub_name(const hub_t *h)
{
	return h->name;
}

int32_t hub_partition_count(const hub_t *h)
{
	return atomic_load_explicit(&h->nparts, memory_order_acquire);
}

int64_t hub_created_at(const hub_t *h)
{
	return h->created_at;
}

uint32_t hub_max_batch_bytes(const hub_t *h)
{
	return h->max_batch_bytes;
}

const uint8_t *hub_topic_id(const hub_t *h)
{
	return h->topic_id;
}

int32_t hub_max_message_bytes(const hub_t *h)
{
	return atomic_load(&h->max_message_bytes);
}

tcfg_ts_type_t hub_timestamp_type(const hub_t *h)
{
	return (tcfg_ts_type_t)atomic_load(&h->ts_type);
}

part_t *hub_partition(hub_t *h, int32_t id)
{
	return id >= 0 && id < hub_partition_count(h) ? h->parts[id] : NULL;
}

bool hub_has_consumer_group(const hub_t *h, trib_slice_t name)
{
	if (slice_eq_cstr(name, "$Default", true))
		return true;
	for (size_t i = 0; i < h->ncg; i++)
		if (slice_eq_cstr(name, h->cgs[i], true))
			return true;
	return false;
}

int32_t hub_pick_partition(hub_t *h, trib_slice_t key)
{
	if (key.ptr)
		return pkey_partition(key.ptr, key.len, hub_partition_count(h));
	return (int32_t)(atomic_fetch_add(&h->next_rr, 1) % (uint32_t)hub_partition_count(h));
}
