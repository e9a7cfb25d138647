/*
 * DescribeGroups, ListGroups, DeleteGroups, OffsetDelete (generated codecs:
 * protocols/kafka/api/<name>.def).
 *
 * A group exists when kgroup has it (membership, in memory) or koffset has
 * committed positions for it (durable; after a restart only those): such a
 * group is listed and described as Empty with protocol type "". Unknown
 * groups are described as Dead with no error (Kafka's answer below
 * DescribeGroups v6).
 *
 * ListGroups v4 filters by state names (KIP-518) and v5 by group types
 * (KIP-848), both compared case-insensitively as Kafka's group coordinator
 * does; every group here is a "classic" one, so a types filter without
 * "classic" lists nothing.
 *
 * DeleteGroups (Kafka's handleDeleteGroups): a group with members or a
 * rebalance under way -> NON_EMPTY_GROUP; unknown -> GROUP_ID_NOT_FOUND;
 * else kgroup forgets it at once and one whole-group tombstone per group
 * goes to __consumer_offsets in one batch; the answer waits until it is
 * durable (a storage failure turns those groups' answers into
 * COORDINATOR_NOT_AVAILABLE, retriable; the membership is gone already,
 * which costs nothing for an Empty group).
 *
 * OffsetDelete (KIP-496, Kafka's handleDeleteOffsets): unknown group ->
 * GROUP_ID_NOT_FOUND; a non-"consumer" group with members -> NON_EMPTY_GROUP
 * (top-level, no topics); a topic some member subscribes to ->
 * GROUP_SUBSCRIBED_TO_TOPIC per partition; an unknown topic or partition ->
 * UNKNOWN_TOPIC_OR_PARTITION; a topic the connection may not Listen on ->
 * TOPIC_AUTHORIZATION_FAILED per partition (Event Hubs: reading rights);
 * the rest get position tombstones in one batch and are answered once it is
 * durable.
 */
#include "group_admin_handle.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "api/delete_groups.h"
#include "api/describe_groups.h"
#include "api/list_groups.h"
#include "api/offset_delete.h"
#include "group_handle.h"
#include "hub.h"
#include "kafka_conn.h"
#include "kafka_err.h"
#include "kafka_sasl.h"
#include "kgroup.h"
#include "koffset.h"
#include "log.h"

#define EMPTY ((trib_slice_t){(const uint8_t *)"", 0})
/* AclOperation bits a group has here (no ACLs): READ 3, DELETE 6, DESCRIBE 8 */
#define GROUP_OPERATIONS ((1 << 3) | (1 << 6) | (1 << 8))

trib_slice_t kafka_client_host(const kafka_req_t *req, char *buf, size_t n)
{
	const char *peer = req->conn ? kafka_conn_peer(req->conn) : "?";
	const char *colon = strrchr(peer, ':');
	int len = colon ? (int)(colon - peer) : (int)strlen(peer);
	int w = snprintf(buf, n, "/%.*s", len, peer);

	return (trib_slice_t){(const uint8_t *)buf, w < 0 ? 0 : (size_t)w < n ? (size_t)w : n - 1};
}

/* The code for every item when the registry cannot be asked, 0 when it can. */
static int16_t unavailable(const kafka_req_t *req)
{
	if (req->reject)
		return req->reject;
	return req->env->groups && req->env->offsets ? KAFKA_ERR_NONE
						     : KAFKA_ERR_COORDINATOR_NOT_AVAILABLE;
}

static trib_slice_t copy(kafka_arena_t *a, trib_slice_t s, bool *ok)
{
	uint8_t *p;

	if (!s.ptr || s.len == 0)
		return s;
	p = kafka_arena_alloc(a, s.len);
	if (!p) {
		*ok = false;
		return EMPTY;
	}
	memcpy(p, s.ptr, s.len);
	return (trib_slice_t){p, s.len};
}

static trib_slice_t state_name(kgroup_state_t st)
{
	switch (st) {
	case KGROUP_EMPTY: return slice_from_cstr("Empty");
	case KGROUP_PREPARING_REBALANCE: return slice_from_cstr("PreparingRebalance");
	case KGROUP_COMPLETING_REBALANCE: return slice_from_cstr("CompletingRebalance");
	case KGROUP_STABLE: return slice_from_cstr("Stable");
	}
	return slice_from_cstr("Dead");
}

/* ---- DescribeGroups ---- */

typedef struct describe_ctx {
	kafka_arena_t *arena;
	kafka_describe_groups_group_t *g;
	bool ok;
} describe_ctx_t;

/* Runs under the registry lock: copies everything into the request's arena. */
static void on_describe(void *arg, const kgroup_group_desc_t *d)
{
	describe_ctx_t *c = arg;
	size_t n = d->member_count ? d->member_count : 1;
	kafka_describe_groups_member_t *ms = kafka_arena_calloc(c->arena, n, sizeof(*ms));
	kafka_arena_t *a = c->arena;

	if (!ms) {
		c->ok = false;
		return;
	}
	c->g->group_state = state_name(d->state);
	c->g->protocol_type = copy(c->arena, d->protocol_type, &c->ok);
	c->g->protocol_data = copy(c->arena, d->protocol, &c->ok);
	for (size_t i = 0; i < d->member_count; i++) {
		const kgroup_member_desc_t *m = &d->members[i];

		ms[i] = (kafka_describe_groups_member_t){
			copy(a, m->member_id, &c->ok), copy(a, m->instance_id, &c->ok),
			copy(a, m->client_id, &c->ok), copy(a, m->client_host, &c->ok),
			copy(a, m->metadata, &c->ok), copy(a, m->assignment, &c->ok)};
	}
	c->g->members = ms;
	c->g->members_count = (int32_t)d->member_count;
}

static trib_err_t describe_one(kafka_req_t *req, trib_slice_t id, bool ops,
			       kafka_describe_groups_group_t *g)
{
	describe_ctx_t c = {&req->arena, g, true};
	kgroup_status_t st;

	*g = (kafka_describe_groups_group_t){unavailable(req), id, EMPTY, EMPTY, EMPTY, 0, NULL,
					     ops ? GROUP_OPERATIONS : INT32_MIN};
	if (g->error_code)
		return TRIB_OK;
	if (id.len > KGROUP_ID_MAX) {
		g->error_code = KAFKA_ERR_INVALID_GROUP_ID;
		return TRIB_OK;
	}
	st = kgroup_describe_group(req->env->groups, id, on_describe, &c);
	if (st == KGROUP_NO_MEMORY || !c.ok)
		return TRIB_ERR_NOMEM;
	if (st == KGROUP_GROUP_NOT_FOUND)
		g->group_state = slice_from_cstr(koffset_has_group(req->env->offsets, id) ? "Empty"
											  : "Dead");
	return TRIB_OK;
}

trib_err_t kafka_describe_groups_handle(kafka_req_t *req, wire_rd_t *body)
{
	kafka_describe_groups_req_t q;
	kafka_describe_groups_resp_t resp = {0};
	kafka_describe_groups_group_t *gs;
	trib_err_t err = kafka_describe_groups_req_decode(body, req->hdr.api_version, &req->arena,
							  &q);

	if (err)
		return err;
	gs = kafka_arena_calloc(&req->arena, q.groups_count ? (size_t)q.groups_count : 1,
				sizeof(*gs));
	if (!gs)
		return TRIB_ERR_NOMEM;
	for (int32_t i = 0; i < q.groups_count && !err; i++)
		err = describe_one(req, q.groups[i], q.include_authorized_operations, &gs[i]);
	if (err)
		return err;
	resp.groups_count = q.groups_count;
	resp.groups = gs;
	return kafka_req_respond(req, kafka_describe_groups_resp_write, &resp);
}

/* ---- ListGroups ---- */

/* The one group type served (KIP-848 names: classic, consumer, share). */
#define GROUP_TYPE "classic"

typedef struct list_ctx {
	kafka_arena_t *arena;
	kafka_list_groups_group_t *gs;
	int32_t n, cap;
	int32_t from_kgroup; /* the first n entries came from kgroup */
	bool ok;
} list_ctx_t;

static bool list_add(list_ctx_t *c, trib_slice_t id, trib_slice_t type, kgroup_state_t st)
{
	if (c->n == c->cap) {
		int32_t cap = c->cap ? c->cap * 2 : 16;
		kafka_list_groups_group_t *gs = kafka_arena_calloc(c->arena, (size_t)cap,
								   sizeof(*gs));

		if (!gs)
			return c->ok = false;
		if (c->n)
			memcpy(gs, c->gs, (size_t)c->n * sizeof(*gs));
		c->gs = gs;
		c->cap = cap;
	}
	c->gs[c->n++] = (kafka_list_groups_group_t){copy(c->arena, id, &c->ok),
						    copy(c->arena, type, &c->ok), state_name(st),
						    slice_from_cstr(GROUP_TYPE)};
	return c->ok;
}

static bool on_listed(void *arg, const kgroup_listed_t *g)
{
	return list_add(arg, g->group, g->protocol_type, g->state);
}

/* A group known only by its committed offsets: Empty, protocol type "". */
static bool on_offset_group(void *arg, trib_slice_t group)
{
	list_ctx_t *c = arg;

	for (int32_t i = 0; i < c->from_kgroup; i++) {
		if (slice_eq(c->gs[i].group_id, group))
			return true;
	}
	return list_add(c, group, EMPTY, KGROUP_EMPTY);
}

/* @p f equals @p name ignoring case and surrounding blanks (Kafka lower-cases and trims). */
static bool filter_eq(trib_slice_t f, trib_slice_t name)
{
	while (f.len && (f.ptr[0] == ' ' || f.ptr[0] == '\t')) {
		f.ptr++;
		f.len--;
	}
	while (f.len && (f.ptr[f.len - 1] == ' ' || f.ptr[f.len - 1] == '\t'))
		f.len--;
	return f.len == name.len && strncasecmp((const char *)f.ptr, (const char *)name.ptr,
						f.len) == 0;
}

/* An empty filter (or one absent at this version) lets every group through. */
static bool filter_has(const trib_slice_t *f, int32_t n, trib_slice_t name)
{
	if (n <= 0)
		return true;
	for (int32_t i = 0; i < n; i++) {
		if (filter_eq(f[i], name))
			return true;
	}
	return false;
}

/* Keeps, in order, the groups both filters let through. */
static void list_filter(list_ctx_t *c, const kafka_list_groups_req_t *q)
{
	int32_t kept = 0;

	for (int32_t i = 0; i < c->n; i++) {
		const kafka_list_groups_group_t *g = &c->gs[i];

		if (filter_has(q->states_filter, q->states_filter_count, g->group_state) &&
		    filter_has(q->types_filter, q->types_filter_count, g->group_type))
			c->gs[kept++] = *g;
	}
	c->n = kept;
}

trib_err_t kafka_list_groups_handle(kafka_req_t *req, wire_rd_t *body)
{
	kafka_list_groups_req_t q;
	kafka_list_groups_resp_t resp = {0};
	list_ctx_t c = {&req->arena, NULL, 0, 0, 0, true};
	trib_err_t err = kafka_list_groups_req_decode(body, req->hdr.api_version, &req->arena, &q);

	if (err)
		return err;
	resp.error_code = unavailable(req);
	if (!resp.error_code) {
		kgroup_list(req->env->groups, on_listed, &c);
		c.from_kgroup = c.n;
		if (c.ok)
			koffset_groups(req->env->offsets, on_offset_group, &c, &err);
		if (!c.ok || err)
			return TRIB_ERR_NOMEM;
		list_filter(&c, &q);
	}
	resp.groups_count = c.n;
	resp.groups = c.gs;
	return kafka_req_respond(req, kafka_list_groups_resp_write, &resp);
}

/* ---- tombstones: DeleteGroups and OffsetDelete answer once durable ---- */

typedef struct delete_state {
	kafka_wake_t wake; /* first: the mailbox hands this back */
	kafka_req_t *req;
	kafka_body_fn write;
	const void *resp;
	int16_t **slots; /* error codes of the items in the batch */
	size_t n;
} delete_state_t;

static void delete_durable(void *arg, trib_err_t err)
{
	delete_state_t *st = arg;

	kafka_wake_post(&st->wake, err);
}

static void fail_slots(delete_state_t *st, trib_err_t err)
{
	int16_t code = err == TRIB_ERR_IO ? KAFKA_ERR_COORDINATOR_NOT_AVAILABLE
					  : kafka_err_from_trib(err, KAFKA_CTX_RECORDS);

	for (size_t i = 0; i < st->n; i++)
		*st->slots[i] = code;
}

static void delete_answer(kafka_wake_t *w)
{
	delete_state_t *st = (delete_state_t *)w;
	kafka_req_t *req = st->req;

	req->env->pending_appends--;
	if (w->err) {
		log_warn("kafka: offset tombstones failed: %s", trib_strerror(w->err));
		fail_slots(st, w->err);
	}
	(void)kafka_req_respond(req, st->write, st->resp);
	kafka_req_unref(req);
}

static delete_state_t *new_delete(kafka_req_t *req, kafka_body_fn write, const void *resp,
				  size_t max)
{
	delete_state_t *st = kafka_arena_calloc(&req->arena, 1, sizeof(*st));

	if (!st)
		return NULL;
	st->slots = kafka_arena_calloc(&req->arena, max ? max : 1, sizeof(*st->slots));
	if (!st->slots)
		return NULL;
	st->req = req;
	st->write = write;
	st->resp = resp;
	kafka_wake_init(&st->wake, &req->env->wq, delete_answer);
	return st;
}

/* Appends @dels (st->n of them) or answers now when there are none or it fails. */
static trib_err_t delete_go(delete_state_t *st, const koffset_del_t *dels)
{
	kafka_req_t *req = st->req;
	trib_err_t err;

	if (st->n == 0)
		return kafka_req_respond(req, st->write, st->resp);
	err = koffset_delete(req->env->offsets, dels, st->n, delete_durable, st);
	if (err) {
		fail_slots(st, err);
		return kafka_req_respond(req, st->write, st->resp);
	}
	req->env->pending_appends++;
	kafka_req_ref(req);
	return TRIB_OK;
}

/* ---- DeleteGroups ---- */

static int16_t delete_check(kafka_req_t *req, trib_slice_t id)
{
	kgroup_status_t st;

	if (id.len > KGROUP_ID_MAX)
		return KAFKA_ERR_INVALID_GROUP_ID;
	st = kgroup_delete(req->env->groups, id);
	if (st == KGROUP_GROUP_NOT_FOUND && koffset_has_group(req->env->offsets, id))
		st = KGROUP_OK;
	return kafka_group_err(st);
}

trib_err_t kafka_delete_groups_handle(kafka_req_t *req, wire_rd_t *body)
{
	kafka_delete_groups_req_t q;
	kafka_delete_groups_resp_t *resp = kafka_arena_calloc(&req->arena, 1, sizeof(*resp));
	kafka_delete_groups_result_t *rs;
	koffset_del_t *dels;
	delete_state_t *st;
	size_t n;
	trib_err_t err = kafka_delete_groups_req_decode(body, req->hdr.api_version, &req->arena,
							&q);
	int16_t code = unavailable(req);

	if (err)
		return err;
	n = q.groups_names_count ? (size_t)q.groups_names_count : 1;
	rs = kafka_arena_calloc(&req->arena, n, sizeof(*rs));
	dels = kafka_arena_calloc(&req->arena, n, sizeof(*dels));
	st = new_delete(req, kafka_delete_groups_resp_write, resp, (size_t)q.groups_names_count);
	if (!resp || !rs || !dels || !st)
		return TRIB_ERR_NOMEM;
	for (int32_t i = 0; i < q.groups_names_count; i++) {
		trib_slice_t id = q.groups_names[i];

		rs[i].group_id = id;
		rs[i].error_code = code ? code : delete_check(req, id);
		if (rs[i].error_code)
			continue;
		log_info("kafka: deleting group %.*s", (int)id.len, (const char *)id.ptr);
		dels[st->n] = (koffset_del_t){id, {NULL, 0}, 0};
		st->slots[st->n++] = &rs[i].error_code;
	}
	resp->results_count = q.groups_names_count;
	resp->results = rs;
	return delete_go(st, dels);
}

/* ---- OffsetDelete ---- */

/* The top-level answer before looking at topics, 0 when they may be looked at. */
static int16_t offset_delete_group(kafka_req_t *req, trib_slice_t id)
{
	kgroup_status_t st;
	int16_t code = unavailable(req);

	if (code)
		return code;
	if (id.len > KGROUP_ID_MAX)
		return KAFKA_ERR_INVALID_GROUP_ID;
	/* only the group's state matters here: any topic name will do */
	st = kgroup_topic_check(req->env->groups, id, EMPTY);
	if (st == KGROUP_GROUP_NOT_FOUND && koffset_has_group(req->env->offsets, id))
		st = KGROUP_OK;
	if (st == KGROUP_SUBSCRIBED)
		st = KGROUP_OK;
	return kafka_group_err(st);
}

static int16_t partition_check(hub_t *hub, bool denied, kgroup_status_t topic_st,
			       int32_t partition)
{
	if (denied)
		return KAFKA_ERR_TOPIC_AUTHORIZATION_FAILED;
	if (!hub || !hub_partition(hub, partition))
		return KAFKA_ERR_UNKNOWN_TOPIC_OR_PARTITION;
	return kafka_group_err(topic_st);
}

trib_err_t kafka_offset_delete_handle(kafka_req_t *req, wire_rd_t *body)
{
	kafka_offset_delete_req_t q;
	kafka_offset_delete_resp_t *resp = kafka_arena_calloc(&req->arena, 1, sizeof(*resp));
	kafka_arena_t *a = &req->arena;
	koffset_del_t *dels;
	delete_state_t *st;
	size_t total = 0;
	trib_err_t err = kafka_offset_delete_req_decode(body, req->hdr.api_version, a, &q);

	if (err)
		return err;
	if (!resp)
		return TRIB_ERR_NOMEM;
	resp->error_code = offset_delete_group(req, q.group_id);
	if (resp->error_code)
		return kafka_req_respond(req, kafka_offset_delete_resp_write, resp);
	for (int32_t i = 0; i < q.topics_count; i++)
		total += (size_t)q.topics[i].partitions_count;
	dels = kafka_arena_calloc(a, total ? total : 1, sizeof(*dels));
	resp->topics = kafka_arena_calloc(a, q.topics_count ? (size_t)q.topics_count : 1,
					  sizeof(*resp->topics));
	st = new_delete(req, kafka_offset_delete_resp_write, resp, total);
	if (!dels || !resp->topics || !st)
		return TRIB_ERR_NOMEM;
	resp->topics_count = q.topics_count;
	for (int32_t i = 0; i < q.topics_count; i++) {
		const kafka_offset_delete_topic_req_t *t = &q.topics[i];
		kafka_offset_delete_topic_resp_t *rt = &resp->topics[i];
		bool denied = !kafka_sasl_req_allows(req, t->name, AUTH_LISTEN);
		hub_t *hub = denied ? NULL : ns_hub_find(req->env->ns, t->name);
		kgroup_status_t ts = kgroup_topic_check(req->env->groups, q.group_id, t->name);

		if (ts == KGROUP_GROUP_NOT_FOUND)
			ts = KGROUP_OK; /* known by its offsets only */
		rt->name = t->name;
		rt->partitions_count = t->partitions_count;
		rt->partitions = kafka_arena_calloc(a, (size_t)t->partitions_count + 1,
						    sizeof(*rt->partitions));
		if (!rt->partitions)
			return TRIB_ERR_NOMEM;
		for (int32_t j = 0; j < t->partitions_count; j++) {
			kafka_offset_delete_partition_resp_t *p = &rt->partitions[j];

			p->partition_index = t->partitions[j].partition_index;
			p->error_code = partition_check(hub, denied, ts, p->partition_index);
			if (p->error_code)
				continue;
			dels[st->n] = (koffset_del_t){q.group_id, t->name, p->partition_index};
			st->slots[st->n++] = &p->error_code;
		}
	}
	return delete_go(st, dels);
}
