/*
 * Event hubs. Readers take no lock. Partitions only grow: the parts array
 * has HUB_MAX_PARTITIONS slots from the start (never reallocated), a new
 * partition is opened into a slot past the published count (nopen), and
 * the count readers see (nparts) is published with a release store once
 * the caller saved the metadata; growers are serialised by the namespace
 * write lock. Consumer groups change only at start-up (hub_update).
 */
#include "hub.h"

#include <jansson.h>
#include <stdatomic.h>
#include <string.h>

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
};

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

trib_err_t hub_open_partitions(hub_t *h, store_t *store, int32_t partitions)
{
	if (partitions > HUB_MAX_PARTITIONS)
		return TRIB_ERR_INVALID;
	while (h->nopen < partitions) {
		trib_err_t err = part_open(store, h->name, h->nopen, h->max_batch_bytes,
					   &h->parts[h->nopen]);
		if (err)
			return err;
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

trib_err_t hub_open(store_t *store, const char *name, int32_t partitions, int64_t created_at,
		    const char *const *cgs, size_t ncg, hub_t **out)
{
	hub_t *h = mem_calloc(MEM_CORE, 1, sizeof(*h));
	trib_err_t err;

	if (!h)
		return TRIB_ERR_NOMEM;
	h->name = dup_cstr(name);
	h->parts = mem_calloc(MEM_CORE, HUB_MAX_PARTITIONS, sizeof(*h->parts));
	h->created_at = created_at;
	h->max_batch_bytes = HUB_DEFAULT_MAX_BATCH_BYTES;
	err = h->name && h->parts ? set_cgs(h, cgs, ncg) : TRIB_ERR_NOMEM;
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

char *hub_meta_json(const hub_t *h)
{
	json_t *root = json_object(), *cgs = json_array();
	char *text = NULL;

	if (root && cgs) {
		for (size_t i = 0; i < h->ncg; i++)
			json_array_append_new(cgs, json_string(h->cgs[i]));
		json_object_set_new(root, "partitions", json_integer(h->nopen));
		json_object_set_new(root, "created_at", json_integer(h->created_at));
		json_object_set_new(root, "timestamp_type", json_string("LogAppendTime"));
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
