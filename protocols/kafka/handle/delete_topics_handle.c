/*
 * DeleteTopics. v0-5 name the topics; v6 names each one by name (topic id
 * zero) or by topic id (name null, KIP-516). An entry giving both makes
 * Kafka refuse the whole request: every entry gets INVALID_REQUEST; an entry
 * giving neither gets it alone. Ids are resolved with ns_hub_find_by_id.
 * Then each entry on its own, in request order:
 *  - an unknown id -> UNKNOWN_TOPIC_ID (100), name null;
 *  - no Manage right on the topic -> TOPIC_AUTHORIZATION_FAILED; an entry
 *    by id keeps a null name then, so an id does not reveal a name;
 *  - the same topic twice in one request (by name, by id, or one of each)
 *    -> INVALID_REQUEST (as Kafka), none of them deleted;
 *  - an unknown or internal name -> UNKNOWN_TOPIC_OR_PARTITION;
 *  - else ns_hub_delete removes the storage durably (blocking this loop for
 *    a rename, a directory fsync and the file removals) before the answer.
 * v6 answers carry the topic id of every topic found, v5+ a message with
 * each error. Connections still holding the hub's partitions see not-found
 * on their next lookup; the core keeps the objects alive until shutdown.
 * Committed offsets of the topic are not removed.
 */
#include "delete_topics_handle.h"

#include <string.h>

#include "api/delete_topics.h"
#include "hub.h"
#include "kafka_err.h"
#include "kafka_sasl.h"
#include "log.h"

_Static_assert(HUB_TOPIC_ID_LEN == sizeof(((kafka_uuid_t *)0)->b), "a topic id is a Kafka UUID");

/* One entry of the request, resolved. */
typedef struct target {
	trib_slice_t name; /* as given; null for an entry by id */
	kafka_uuid_t id;   /* as given; zero for an entry by name */
	hub_t *hub;        /* the topic found, or NULL */
} target_t;

static bool by_id(const target_t *t)
{
	return !kafka_uuid_is_zero(&t->id);
}

static bool same_topic(const target_t *a, const target_t *b)
{
	if (a->hub || b->hub)
		return a->hub == b->hub;
	if (by_id(a) != by_id(b))
		return false;
	return by_id(a) ? memcmp(a->id.b, b->id.b, sizeof(a->id.b)) == 0
			: slice_eq(a->name, b->name);
}

static bool duplicate(const target_t *ts, int32_t n, int32_t i)
{
	for (int32_t j = 0; j < n; j++) {
		if (j != i && same_topic(&ts[j], &ts[i]))
			return true;
	}
	return false;
}

/* The request's entries in one shape; NULL when memory is short. */
static target_t *targets(kafka_req_t *req, const kafka_delete_topics_req_t *q, int32_t *n)
{
	bool v6 = req->hdr.api_version >= 6;
	target_t *ts;

	*n = v6 ? q->topics_count : q->topic_names_count;
	if (*n < 0)
		*n = 0;
	ts = kafka_arena_calloc(&req->arena, (size_t)*n + 1, sizeof(*ts));
	if (!ts)
		return NULL;
	for (int32_t i = 0; i < *n; i++) {
		if (v6) {
			ts[i].name = q->topics[i].name;
			ts[i].id = q->topics[i].topic_id;
		} else {
			ts[i].name = q->topic_names[i];
		}
		if (by_id(&ts[i]))
			ts[i].hub = ns_hub_find_by_id(req->env->ns, ts[i].id.b);
		else if (ts[i].name.ptr)
			ts[i].hub = ns_hub_find(req->env->ns, ts[i].name);
	}
	return ts;
}

static int16_t fail(const char **why, const char *text, int16_t code)
{
	*why = text;
	return code;
}

static int16_t delete_one(kafka_req_t *req, trib_slice_t name, const char **why)
{
	trib_err_t err = ns_hub_delete(req->env->ns, name);

	if (err == TRIB_ERR_NOT_FOUND)
		return fail(why, "unknown topic", KAFKA_ERR_UNKNOWN_TOPIC_OR_PARTITION);
	if (err) {
		log_warn("kafka: deleting topic %.*s: %s", (int)name.len, (const char *)name.ptr,
			 trib_strerror(err));
		return fail(why, trib_strerror(err), kafka_err_from_trib(err, KAFKA_CTX_TOPIC));
	}
	log_info("kafka: deleted topic %.*s", (int)name.len, (const char *)name.ptr);
	return KAFKA_ERR_NONE;
}

/* Judges and deletes entry @p i; fills the name, id and error of @p r. */
static int16_t judge(kafka_req_t *req, const target_t *ts, int32_t n, int32_t i,
		     kafka_delete_topics_result_t *r, const char **why)
{
	const target_t *t = &ts[i];

	r->name = t->hub ? slice_from_cstr(hub_name(t->hub)) : t->name;
	r->topic_id = t->id;
	if (t->hub)
		memcpy(r->topic_id.b, hub_topic_id(t->hub), sizeof(r->topic_id.b));
	if (!t->name.ptr && !by_id(t))
		return fail(why, "neither a topic name nor a topic id", KAFKA_ERR_INVALID_REQUEST);
	if (by_id(t) && !t->hub)
		return fail(why, "unknown topic id", KAFKA_ERR_UNKNOWN_TOPIC_ID);
	if (!kafka_sasl_req_allows(req, r->name, AUTH_MANAGE)) {
		if (by_id(t)) {
			r->name = TRIB_SLICE_NULL;
			r->topic_id = t->id;
		}
		return fail(why, "deleting a topic needs a Manage policy covering it",
			    KAFKA_ERR_TOPIC_AUTHORIZATION_FAILED);
	}
	if (duplicate(ts, n, i))
		return fail(why, "the topic is named twice in the request", KAFKA_ERR_INVALID_REQUEST);
	return delete_one(req, r->name, why);
}

/* v6: a name and an id in one entry makes Kafka refuse the whole request. */
static bool both_given(const target_t *ts, int32_t n)
{
	for (int32_t i = 0; i < n; i++) {
		if (ts[i].name.ptr && by_id(&ts[i]))
			return true;
	}
	return false;
}

trib_err_t kafka_delete_topics_handle(kafka_req_t *req, wire_rd_t *body)
{
	kafka_delete_topics_req_t q;
	kafka_delete_topics_resp_t resp = {0};
	target_t *ts;
	int32_t n;
	bool refused;
	trib_err_t err;

	err = kafka_delete_topics_req_decode(body, req->hdr.api_version, &req->arena, &q);
	if (err)
		return err;
	ts = targets(req, &q, &n);
	resp.responses = kafka_arena_calloc(&req->arena, (size_t)n + 1, sizeof(*resp.responses));
	if (!ts || !resp.responses)
		return TRIB_ERR_NOMEM;
	resp.responses_count = n;
	refused = both_given(ts, n);
	for (int32_t i = 0; i < n; i++) {
		kafka_delete_topics_result_t *r = &resp.responses[i];
		const char *why = NULL;

		if (req->reject || refused) {
			r->name = ts[i].name;
			r->topic_id = ts[i].id;
			r->error_code = req->reject ? req->reject : KAFKA_ERR_INVALID_REQUEST;
			why = req->reject ? "unsupported DeleteTopics version"
					  : "topic name and topic id can not both be specified";
		} else {
			r->error_code = judge(req, ts, n, i, r, &why);
		}
		r->error_message = r->error_code ? kafka_arena_str(&req->arena, why) : TRIB_SLICE_NULL;
	}
	return kafka_req_respond(req, kafka_delete_topics_resp_write, &resp);
}
