/*
 * The namespace: a sorted array of hubs behind a read-write lock. Heads
 * keep hub and partition pointers without references, so a deleted hub is
 * only unlinked from the array (not found, not listed; its name free for a
 * new hub) and parked on the retired list until ns_close: a pointer handed
 * out stays valid until then. Each hub's metadata is saved through the
 * store before the hub (or a partition count) becomes visible; deletion is
 * durable (store_hub_delete) before the hub disappears.
 *
 * Topic configs: hub.json keeps only the overridden keys, as Kafka strings,
 * read back through tcfg_set (a value that no longer passes fails the load
 * rather than fall back to a default that could delete data). Every config
 * the namespace takes is rebased on opts.topic_defaults. Internal hubs are
 * never trimmed by retention (forced at every open). A hub stored without
 * a topic id gets one at load, saved before the hub is listed.
 */
#include "ns.h"

#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "log.h"
#include "mem.h"

struct ns {
	store_t *store;
	ns_opts_t opts;
	char *name;
	pthread_rwlock_t lock;
	hub_t **hubs; /* sorted by name */
	size_t nhubs;
	hub_t **retired; /* deleted hubs, freed at ns_close */
	size_t nretired;
};

static bool internal_name(trib_slice_t name)
{
	size_t n = sizeof(NS_INTERNAL_PREFIX) - 1;

	return name.ptr && name.len >= n && memcmp(name.ptr, NS_INTERNAL_PREFIX, n) == 0;
}

/* The character and length rules, shared by user and internal names. */
static bool name_chars_valid(trib_slice_t name)
{
	if (!name.ptr || name.len == 0 || name.len > HUB_NAME_MAX)
		return false;
	if (slice_eq_cstr(name, ".", false) || slice_eq_cstr(name, "..", false))
		return false;
	for (size_t i = 0; i < name.len; i++) {
		uint8_t c = name.ptr[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '.' || c == '_' || c == '-'))
			return false;
	}
	return true;
}

bool ns_hub_name_valid(trib_slice_t name)
{
	return name_chars_valid(name) && !internal_name(name);
}

static int cmp_name(trib_slice_t a, const char *b)
{
	size_t bl = strlen(b), n = a.len < bl ? a.len : bl;
	int c = n ? memcmp(a.ptr, b, n) : 0;

	return c ? c : (a.len > bl) - (a.len < bl);
}

/* Position of name in the sorted array; *found tells whether it is there. */
static size_t find_pos(const ns_t *n, trib_slice_t name, bool *found)
{
	size_t lo = 0, hi = n->nhubs;

	*found = false;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = cmp_name(name, hub_name(n->hubs[mid]));

		if (c == 0) {
			*found = true;
			return mid;
		}
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

static trib_err_t insert(ns_t *n, hub_t *h)
{
	bool found;
	size_t at = find_pos(n, slice_from_cstr(hub_name(h)), &found);
	hub_t **nh = mem_realloc(MEM_CORE, n->hubs, (n->nhubs + 1) * sizeof(*nh));

	if (!nh)
		return TRIB_ERR_NOMEM;
	memmove(nh + at + 1, nh + at, (n->nhubs - at) * sizeof(*nh));
	nh[at] = h;
	n->hubs = nh;
	n->nhubs++;
	return TRIB_OK;
}

static trib_err_t save_with(ns_t *n, hub_t *h, const tcfg_t *cfg)
{
	char *meta = hub_meta_json(h, cfg);
	trib_err_t err;

	if (!meta)
		return TRIB_ERR_NOMEM;
	err = store_hub_save(n->store, hub_name(h), meta);
	free(meta);
	return err;
}

static trib_err_t save(ns_t *n, hub_t *h)
{
	return save_with(n, h, NULL);
}

/* The core's own logs are replayed whole: retention must never trim them. */
static void keep_forever(tcfg_t *cfg)
{
	trib_err_t err = tcfg_set(cfg, slice_from_cstr("retention.ms"), slice_from_cstr("-1"),
				  NULL, 0);

	if (!err)
		err = tcfg_set(cfg, slice_from_cstr("retention.bytes"), slice_from_cstr("-1"), NULL,
			       0);
	(void)err; /* both are valid values */
}

/* @given (NULL = the defaults) on this namespace's defaults, forced for internal hubs. */
static trib_err_t hub_config_for(const ns_t *n, const char *name, const tcfg_t *given,
				 tcfg_t *cfg, char *msg, size_t msg_len)
{
	if (given)
		*cfg = *given;
	else
		tcfg_defaults(cfg, NULL);
	tcfg_rebase(cfg, &n->opts.topic_defaults);
	if (internal_name(slice_from_cstr(name)))
		keep_forever(cfg);
	return tcfg_check(cfg, msg, msg_len);
}

/* hub.json "topic_id": 32 hex digits, not all zero. */
static bool parse_topic_id(const char *text, uint8_t *id)
{
	uint8_t any = 0;

	if (!text || strlen(text) != 2 * HUB_TOPIC_ID_LEN)
		return false;
	for (size_t i = 0; i < HUB_TOPIC_ID_LEN; i++) {
		int hi = slice_hex_digit(text[2 * i]), lo = slice_hex_digit(text[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return false;
		id[i] = (uint8_t)(hi << 4 | lo);
		any |= id[i];
	}
	return any != 0;
}

/* hub.json "config" (absent: every default) into *cfg; a bad entry is logged. */
static trib_err_t parse_config(const ns_t *n, const char *name, json_t *obj, tcfg_t *cfg)
{
	const char *key;
	json_t *value;

	tcfg_defaults(cfg, &n->opts.topic_defaults);
	if (obj && !json_is_object(obj))
		return TRIB_ERR_CORRUPT;
	json_object_foreach(obj, key, value) {
		char msg[TCFG_MSG_MAX];
		const char *text = json_string_value(value);
		trib_err_t err = TRIB_ERR_CORRUPT;

		snprintf(msg, sizeof(msg), "not a string");
		if (text)
			err = tcfg_set(cfg, slice_from_cstr(key), slice_from_cstr(text), msg,
				       sizeof(msg));
		if (err) {
			log_error("namespace: event hub %s: stored topic config %s: %s", name, key,
				  msg);
			return TRIB_ERR_CORRUPT;
		}
	}
	if (internal_name(slice_from_cstr(name)))
		keep_forever(cfg);
	return TRIB_OK;
}

/* Loads one stored hub (store_hub_list callback). */
static int load_hub(void *arg, const char *name, const char *meta)
{
	ns_t *n = arg;
	json_error_t jerr;
	json_t *root = json_loads(meta, 0, &jerr), *cgs, *id_json;
	json_int_t parts, created;
	const char **names = NULL;
	size_t ncg = 0;
	hub_t *h = NULL;
	uint8_t id[HUB_TOPIC_ID_LEN];
	tcfg_t cfg;
	trib_err_t err = TRIB_ERR_CORRUPT;

	parts = json_integer_value(json_object_get(root, "partitions"));
	created = json_integer_value(json_object_get(root, "created_at"));
	cgs = json_object_get(root, "consumer_groups");
	id_json = json_object_get(root, "topic_id");
	if (id_json && !parse_topic_id(json_string_value(id_json), id))
		cgs = NULL; /* corrupt */
	if (root && parse_config(n, name, json_object_get(root, "config"), &cfg))
		cgs = NULL;
	if (root && parts >= 1 && parts <= HUB_MAX_PARTITIONS && json_is_array(cgs)) {
		ncg = json_array_size(cgs);
		names = mem_calloc(MEM_CORE, ncg ? ncg : 1, sizeof(*names));
		err = names ? TRIB_OK : TRIB_ERR_NOMEM;
		for (size_t i = 0; !err && i < ncg; i++) {
			names[i] = json_string_value(json_array_get(cgs, i));
			if (!names[i])
				err = TRIB_ERR_CORRUPT;
		}
	}
	if (!err)
		err = hub_open(n->store, name, (int32_t)parts, created, names, ncg, &cfg,
			       id_json ? id : NULL, &h);
	/* a hub from before topic ids: its new id is kept from now on */
	if (!err && !id_json)
		err = save(n, h);
	if (!err)
		err = insert(n, h);
	if (err && h)
		hub_close(&h);
	if (err)
		log_error("namespace: cannot load event hub %s: %s", name, trib_strerror(err));
	mem_free(names);
	json_decref(root);
	return err;
}

trib_err_t ns_open(store_t *store, const ns_opts_t *opts, ns_t **out)
{
	ns_t *n = mem_calloc(MEM_CORE, 1, sizeof(*n));
	trib_err_t err;

	if (!n)
		return TRIB_ERR_NOMEM;
	n->store = store;
	n->opts = *opts;
	n->name = slice_dup_cstr(slice_from_cstr(opts->name ? opts->name : "tributary"));
	n->opts.name = n->name;
	pthread_rwlock_init(&n->lock, NULL);
	err = n->name ? store_hub_list(store, load_hub, n) : TRIB_ERR_NOMEM;
	if (err) {
		ns_close(&n);
		return err;
	}
	*out = n;
	return TRIB_OK;
}

void ns_close(ns_t **np)
{
	ns_t *n = np ? *np : NULL;

	if (!n)
		return;
	for (size_t i = 0; i < n->nhubs; i++)
		hub_close(&n->hubs[i]);
	for (size_t i = 0; i < n->nretired; i++)
		hub_close(&n->retired[i]);
	mem_free(n->hubs);
	mem_free(n->retired);
	mem_free(n->name);
	pthread_rwlock_destroy(&n->lock);
	mem_free(n);
	*np = NULL;
}

const ns_opts_t *ns_options(const ns_t *n)
{
	return &n->opts;
}

hub_t *ns_hub_find(ns_t *n, trib_slice_t name)
{
	bool found;
	size_t at;
	hub_t *h;

	if (internal_name(name))
		return NULL;
	pthread_rwlock_rdlock(&n->lock);
	at = find_pos(n, name, &found);
	h = found ? n->hubs[at] : NULL;
	pthread_rwlock_unlock(&n->lock);
	return h;
}

hub_t *ns_hub_find_by_id(ns_t *n, const uint8_t *id)
{
	hub_t *h = NULL;

	pthread_rwlock_rdlock(&n->lock);
	for (size_t i = 0; i < n->nhubs && !h; i++)
		if (memcmp(hub_topic_id(n->hubs[i]), id, HUB_TOPIC_ID_LEN) == 0 &&
		    !internal_name(slice_from_cstr(hub_name(n->hubs[i]))))
			h = n->hubs[i];
	pthread_rwlock_unlock(&n->lock);
	return h;
}

static trib_err_t check_spec(const ns_hub_spec_t *spec)
{
	if (!spec->name || !ns_hub_name_valid(slice_from_cstr(spec->name)))
		return TRIB_ERR_INVALID;
	if (spec->partitions < 1 || spec->partitions > HUB_MAX_PARTITIONS ||
	    spec->consumer_group_count > HUB_MAX_CONSUMER_GROUPS)
		return TRIB_ERR_INVALID;
	return TRIB_OK;
}

/* Creates, saves and inserts a new hub; caller holds the write lock. */
static trib_err_t create_locked(ns_t *n, const ns_hub_spec_t *spec, const tcfg_t *given,
				char *msg, size_t msg_len, hub_t **out)
{
	hub_t *h;
	tcfg_t cfg;
	trib_err_t err = hub_config_for(n, spec->name, given, &cfg, msg, msg_len);

	if (err)
		return err;
	err = hub_open(n->store, spec->name, spec->partitions, clock_wall_ms(),
		       spec->consumer_groups, spec->consumer_group_count, &cfg, NULL, &h);
	if (err)
		return err;
	err = save(n, h);
	if (!err)
		err = insert(n, h);
	if (err) {
		hub_close(&h);
		return err;
	}
	log_info("namespace: created event hub %s with %d partitions", spec->name,
		 (int)spec->partitions);
	*out = h;
	return TRIB_OK;
}

trib_err_t ns_hub_create(ns_t *n, const ns_hub_spec_t *spec, hub_t **out)
{
	return ns_hub_create_with_config(n, spec, NULL, NULL, 0, out);
}

trib_err_t ns_hub_create_with_config(ns_t *n, const ns_hub_spec_t *spec, const tcfg_t *cfg,
				     char *msg, size_t msg_len, hub_t **out)
{
	trib_err_t err = check_spec(spec);
	bool found;
	size_t at;

	if (err)
		return err;
	pthread_rwlock_wrlock(&n->lock);
	at = find_pos(n, slice_from_cstr(spec->name), &found);
	if (found) {
		*out = n->hubs[at];
		err = TRIB_ERR_EXISTS;
	} else {
		err = create_locked(n, spec, cfg, msg, msg_len, out);
	}
	pthread_rwlock_unlock(&n->lock);
	return err;
}

trib_err_t ns_hub_declare(ns_t *n, const ns_hub_spec_t *spec)
{
	trib_err_t err = check_spec(spec);
	bool found;
	size_t at;
	hub_t *h;

	if (err)
		return err;
	pthread_rwlock_wrlock(&n->lock);
	at = find_pos(n, slice_from_cstr(spec->name), &found);
	if (!found) {
		err = create_locked(n, spec, NULL, NULL, 0, &h);
	} else {
		h = n->hubs[at];
		if (spec->partitions < hub_partition_count(h))
			log_warn("namespace: config asks %d partitions for event hub %s, which has %d; "
				 "partitions are never removed",
				 (int)spec->partitions, spec->name, (int)hub_partition_count(h));
		err = hub_update(h, n->store, spec->partitions, spec->consumer_groups,
				 spec->consumer_group_count);
		if (!err)
			err = save(n, h);
	}
	pthread_rwlock_unlock(&n->lock);
	return err;
}

trib_err_t ns_hub_list(ns_t *n, hub_t ***hubs, size_t *count)
{
	pthread_rwlock_rdlock(&n->lock);
	*count = 0;
	*hubs = mem_alloc(MEM_CORE, (n->nhubs ? n->nhubs : 1) * sizeof(**hubs));
	for (size_t i = 0; *hubs && i < n->nhubs; i++)
		if (!internal_name(slice_from_cstr(hub_name(n->hubs[i]))))
			(*hubs)[(*count)++] = n->hubs[i];
	pthread_rwlock_unlock(&n->lock);
	return *hubs ? TRIB_OK : TRIB_ERR_NOMEM;
}

trib_err_t ns_internal_hub(ns_t *n, const char *name, int32_t partitions, hub_t **out)
{
	ns_hub_spec_t spec = {name, partitions, NULL, 0};
	trib_err_t err;
	bool found;
	size_t at;

	if (!internal_name(slice_from_cstr(name)) || !name_chars_valid(slice_from_cstr(name)) ||
	    partitions < 1 || partitions > HUB_MAX_PARTITIONS)
		return TRIB_ERR_INVALID;
	pthread_rwlock_wrlock(&n->lock);
	at = find_pos(n, slice_from_cstr(name), &found);
	if (found) {
		*out = n->hubs[at];
		err = TRIB_OK;
	} else {
		err = create_locked(n, &spec, NULL, NULL, 0, out);
	}
	pthread_rwlock_unlock(&n->lock);
	return err;
}

trib_err_t ns_hub_delete(ns_t *n, trib_slice_t name)
{
	hub_t **nr;
	trib_err_t err;
	bool found;
	size_t at;

	if (internal_name(name))
		return TRIB_ERR_NOT_FOUND;
	pthread_rwlock_wrlock(&n->lock);
	at = find_pos(n, name, &found);
	/* room on the retired list first, so a stored deletion never fails to unlink */
	nr = found ? mem_realloc(MEM_CORE, n->retired, (n->nretired + 1) * sizeof(*nr)) : NULL;
	err = !found ? TRIB_ERR_NOT_FOUND : !nr ? TRIB_ERR_NOMEM : TRIB_OK;
	if (nr)
		n->retired = nr;
	if (!err)
		err = store_hub_delete(n->store, hub_name(n->hubs[at]));
	if (!err) {
		log_info("namespace: deleted event hub %s", hub_name(n->hubs[at]));
		n->retired[n->nretired++] = n->hubs[at];
		memmove(n->hubs + at, n->hubs + at + 1, (n->nhubs - at - 1) * sizeof(*n->hubs));
		n->nhubs--;
	}
	pthread_rwlock_unlock(&n->lock);
	return err;
}

trib_err_t ns_hub_add_partitions(ns_t *n, hub_t *h, int32_t count)
{
	trib_err_t err = TRIB_OK;
	bool found;
	size_t at;

	pthread_rwlock_wrlock(&n->lock);
	at = find_pos(n, slice_from_cstr(hub_name(h)), &found);
	if (!found || n->hubs[at] != h || internal_name(slice_from_cstr(hub_name(h))))
		err = TRIB_ERR_NOT_FOUND;
	else if (count <= hub_partition_count(h) || count > HUB_MAX_PARTITIONS)
		err = TRIB_ERR_INVALID;
	if (!err)
		err = hub_open_partitions(h, n->store, count);
	if (!err)
		err = save(n, h);
	if (!err) {
		hub_publish_partitions(h);
		log_info("namespace: event hub %s now has %d partitions", hub_name(h), (int)count);
	}
	pthread_rwlock_unlock(&n->lock);
	return err;
}

void ns_hub_default_config(const ns_t *n, tcfg_t *out)
{
	tcfg_defaults(out, &n->opts.topic_defaults);
}

/* "retention.ms=1000, segment.bytes=..." for the log: what the hub now overrides. */
static void describe_overrides(const tcfg_t *cfg, char *out, size_t cap)
{
	size_t at = 0;

	out[0] = '\0';
	for (int k = 0; k < TCFG_COUNT && at < cap; k++) {
		tcfg_entry_t e;
		int w;

		if (!tcfg_is_set(cfg, (tcfg_key_t)k) || !tcfg_describe(cfg, (tcfg_key_t)k, &e))
			continue;
		w = snprintf(out + at, cap - at, "%s%s=%s", at ? ", " : "", e.name, e.value);
		at += w > 0 ? (size_t)w : 0;
	}
	if (!out[0])
		snprintf(out, cap, "all defaults");
}

trib_err_t ns_hub_set_config(ns_t *n, hub_t *h, const tcfg_t *cfg, bool validate_only, char *msg,
			     size_t msg_len)
{
	tcfg_t next = *cfg;
	trib_err_t err;
	bool found;
	size_t at;

	tcfg_rebase(&next, &n->opts.topic_defaults);
	err = tcfg_check(&next, msg, msg_len);
	if (err)
		return err;
	pthread_rwlock_wrlock(&n->lock);
	at = find_pos(n, slice_from_cstr(hub_name(h)), &found);
	if (!found || n->hubs[at] != h || internal_name(slice_from_cstr(hub_name(h))))
		err = TRIB_ERR_NOT_FOUND;
	if (!err && !validate_only)
		err = save_with(n, h, &next);
	if (!err && !validate_only) {
		char text[512];

		hub_set_config(h, &next);
		describe_overrides(&next, text, sizeof(text));
		log_info("namespace: event hub %s topic configs: %s", hub_name(h), text);
	}
	pthread_rwlock_unlock(&n->lock);
	return err;
}
