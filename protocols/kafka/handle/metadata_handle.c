/*
 * Metadata (codec generated from api/metadata.def). One broker (this
 * gateway) leads every partition: replicas and isr are [node_id], offline
 * replicas empty, leader epoch 0, cluster id "tributary", controller = this
 * node. An unknown topic is created with the namespace's default partition
 * count when the namespace allows auto-creation and the request does
 * (always for v0-3, the flag from v4); the topic is then answered in full
 * at once (no LEADER_NOT_AVAILABLE round, there is no election to wait
 * for). Names that Kafka would refuse get INVALID_TOPIC_EXCEPTION;
 * ns_hub_create blocks this loop for one durable metadata write, which only
 * happens on creation.
 *
 * Topic ids (KIP-516): every answered topic carries its hub's id from v10.
 * From v12 a requested topic with a non-zero id is looked up by id alone
 * (ns_hub_find_by_id, never auto-created): unknown gives UNKNOWN_TOPIC_ID
 * with a null name, as Kafka. v10 and v11 carry the fields but Kafka
 * refuses their use there: a topic with a null name or a non-zero id in
 * such a request answers every topic INVALID_REQUEST. From v11 cluster
 * authorized operations are gone (DescribeCluster has them, KIP-700).
 */
#include "metadata_handle.h"

#include <stdint.h>
#include <string.h>

#include "api/metadata.h"
#include "hub.h"
#include "kafka_api.h"
#include "kafka_err.h"
#include "kafka_sasl.h"
#include "kafka_topic.h"
#include "log.h"
#include "mem.h"

#define AUTH_OPS_NONE INT32_MIN /* "not requested" in the schema */
/* No authorizer: report the operations this gateway serves as allowed. */
#define TOPIC_OPS ((1 << 3) | (1 << 4) | (1 << 5) | (1 << 8)) /* READ WRITE CREATE DESCRIBE */
#define CLUSTER_OPS ((1 << 5) | (1 << 8))                    /* CREATE DESCRIBE */

_Static_assert(HUB_TOPIC_ID_LEN == sizeof(((kafka_uuid_t *)0)->b), "a topic id is a Kafka UUID");

typedef struct md_ctx {
	kafka_req_t *req;
	const kafka_metadata_req_t *q;
	int32_t *node;  /* [node_id] */
	int16_t reject; /* non-zero: every requested topic gets this error */
} md_ctx_t;

static bool fill_hub(md_ctx_t *c, hub_t *hub, kafka_metadata_topic_t *t)
{
	int32_t n = hub_partition_count(hub);
	kafka_metadata_partition_t *ps = kafka_arena_calloc(&c->req->arena, (size_t)n, sizeof(*ps));

	if (!ps)
		return false;
	for (int32_t i = 0; i < n; i++) {
		ps[i].partition_index = i;
		ps[i].leader_id = *c->node;
		ps[i].leader_epoch = 0;
		ps[i].replica_nodes = ps[i].isr_nodes = ps[i].offline_replicas = c->node;
		ps[i].replica_nodes_count = ps[i].isr_nodes_count = 1;
		ps[i].offline_replicas_count = 0;
	}
	t->name = slice_from_cstr(hub_name(hub));
	memcpy(t->topic_id.b, hub_topic_id(hub), sizeof(t->topic_id.b));
	t->partitions = ps;
	t->partitions_count = n;
	return true;
}

/* An unknown topic: create it when allowed, else the error Kafka gives. */
static int16_t auto_create(md_ctx_t *c, trib_slice_t name, hub_t **out)
{
	const ns_opts_t *o = ns_options(c->req->env->ns);
	bool allowed = c->req->hdr.api_version < 4 || c->q->allow_auto_topic_creation;
	ns_hub_spec_t spec = {0};
	char *cname;
	trib_err_t err;

	if (!kafka_topic_name_valid(name))
		return KAFKA_ERR_INVALID_TOPIC_EXCEPTION;
	/* creating needs Manage; a Send or Listen grant only learns that it is not there */
	if (!o->auto_create || !allowed || !kafka_sasl_req_allows(c->req, name, AUTH_MANAGE))
		return KAFKA_ERR_UNKNOWN_TOPIC_OR_PARTITION;
	cname = kafka_arena_alloc(&c->req->arena, name.len + 1);
	if (!cname)
		return KAFKA_ERR_UNKNOWN_SERVER_ERROR;
	memcpy(cname, name.ptr, name.len);
	spec.name = cname;
	spec.partitions = o->default_partitions;
	err = ns_hub_create(c->req->env->ns, &spec, out);
	if (err == TRIB_ERR_EXISTS && *out)
		return KAFKA_ERR_NONE; /* created meanwhile by someone else */
	if (err) {
		log_warn("kafka: auto-creating topic %s: %s", cname, trib_strerror(err));
		return kafka_err_from_trib(err, KAFKA_CTX_TOPIC);
	}
	log_info("kafka: auto-created topic %s with %d partitions", cname, spec.partitions);
	return KAFKA_ERR_NONE;
}

/* A topic the connection may send to or read from (Manage implies both). */
static bool visible(const kafka_req_t *req, trib_slice_t name)
{
	return kafka_sasl_req_allows(req, name, AUTH_SEND) ||
	       kafka_sasl_req_allows(req, name, AUTH_LISTEN);
}

static bool named_topic(md_ctx_t *c, trib_slice_t name, kafka_metadata_topic_t *t)
{
	hub_t *hub = ns_hub_find(c->req->env->ns, name);

	t->name = name;
	if (!visible(c->req, name)) {
		t->error_code = KAFKA_ERR_TOPIC_AUTHORIZATION_FAILED;
		return true;
	}
	if (!hub)
		t->error_code = auto_create(c, name, &hub);
	if (t->error_code || !hub)
		return true;
	return fill_hub(c, hub, t);
}

/* v12+: a topic asked by id. Ids are not secret: an unauthorized one is named an error by id. */
static bool id_topic(md_ctx_t *c, const kafka_uuid_t *id, kafka_metadata_topic_t *t)
{
	hub_t *hub = ns_hub_find_by_id(c->req->env->ns, id->b);

	t->topic_id = *id;
	t->name = TRIB_SLICE_NULL;
	if (!hub)
		t->error_code = KAFKA_ERR_UNKNOWN_TOPIC_ID;
	else if (!visible(c->req, slice_from_cstr(hub_name(hub))))
		t->error_code = KAFKA_ERR_TOPIC_AUTHORIZATION_FAILED;
	else
		return fill_hub(c, hub, t);
	return true;
}

static bool requested_topic(md_ctx_t *c, const kafka_metadata_req_topic_t *rq,
			    kafka_metadata_topic_t *t)
{
	if (c->reject) {
		t->error_code = c->reject;
		t->name = rq->name;
		t->topic_id = rq->topic_id;
		return true;
	}
	if (!kafka_uuid_is_zero(&rq->topic_id))
		return id_topic(c, &rq->topic_id, t);
	if (!rq->name.ptr) { /* neither a name nor an id */
		t->error_code = KAFKA_ERR_INVALID_REQUEST;
		return true;
	}
	return named_topic(c, rq->name, t);
}

/* Kafka refuses ids and null names in v10-11 requests ("not implemented on the server"). */
static bool uses_ids_too_early(const kafka_req_t *req, const kafka_metadata_req_t *q)
{
	if (req->hdr.api_version < 10 || req->hdr.api_version >= 12)
		return false;
	for (int32_t i = 0; i < q->topics_count; i++) {
		if (!q->topics[i].name.ptr || !kafka_uuid_is_zero(&q->topics[i].topic_id))
			return true;
	}
	return false;
}

static trib_err_t all_topics(md_ctx_t *c, kafka_metadata_topic_t **out, int32_t *count)
{
	hub_t **hubs = NULL;
	size_t n = 0;
	kafka_metadata_topic_t *ts;
	int32_t k = 0;
	trib_err_t err = ns_hub_list(c->req->env->ns, &hubs, &n);

	if (err)
		return err;
	ts = kafka_arena_calloc(&c->req->arena, n, sizeof(*ts));
	for (size_t i = 0; ts && i < n; i++) {
		if (!visible(c->req, slice_from_cstr(hub_name(hubs[i]))))
			continue; /* listings show only what the grant covers */
		if (!fill_hub(c, hubs[i], &ts[k++]))
			ts = NULL;
	}
	mem_free(hubs);
	if (!ts)
		return TRIB_ERR_NOMEM;
	*out = ts;
	*count = k;
	return TRIB_OK;
}

trib_err_t kafka_metadata_handle(kafka_req_t *req, wire_rd_t *body)
{
	kafka_metadata_req_t q;
	kafka_metadata_resp_t resp = {0};
	kafka_metadata_broker_t *broker;
	kafka_metadata_topic_t *ts = NULL;
	md_ctx_t c = {req, &q, NULL, 0};
	bool all;
	trib_err_t err;

	err = kafka_metadata_req_decode(body, req->hdr.api_version, &req->arena, &q);
	if (err)
		return err;
	c.node = kafka_arena_alloc(&req->arena, sizeof(*c.node));
	broker = kafka_arena_alloc(&req->arena, sizeof(*broker));
	if (!c.node || !broker)
		return TRIB_ERR_NOMEM;
	*c.node = req->env->node_id;
	c.reject = req->reject ? req->reject
		 : uses_ids_too_early(req, &q) ? KAFKA_ERR_INVALID_REQUEST : 0;
	*broker = (kafka_metadata_broker_t){req->env->node_id,
					    slice_from_cstr(req->env->advertised_host),
					    req->env->port, TRIB_SLICE_NULL};
	resp.brokers = broker;
	resp.brokers_count = 1;
	resp.cluster_id = slice_from_cstr(KAFKA_CLUSTER_ID);
	resp.controller_id = req->env->node_id;
	resp.cluster_authorized_operations =
		q.include_cluster_authorized_operations ? CLUSTER_OPS : AUTH_OPS_NONE;
	/* v0: an empty array asks for every topic; v1+: a null one */
	all = q.topics_count < 0 || (req->hdr.api_version == 0 && q.topics_count == 0);
	if (all && !c.reject) {
		err = all_topics(&c, &ts, &resp.topics_count);
		if (err)
			return err;
	} else {
		int32_t n = q.topics_count > 0 ? q.topics_count : 0;

		ts = kafka_arena_calloc(&req->arena, (size_t)n, sizeof(*ts));
		if (!ts)
			return TRIB_ERR_NOMEM;
		for (int32_t i = 0; i < n; i++) {
			if (!requested_topic(&c, &q.topics[i], &ts[i]))
				return TRIB_ERR_NOMEM;
		}
		resp.topics_count = n;
	}
	for (int32_t i = 0; i < resp.topics_count; i++) {
		bool ops = q.include_topic_authorized_operations && !ts[i].error_code;

		ts[i].topic_authorized_operations = ops ? TOPIC_OPS : AUTH_OPS_NONE;
	}
	resp.topics = ts;
	return kafka_req_respond(req, kafka_metadata_resp_write, &resp);
}
