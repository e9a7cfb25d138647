/*
 * CreateTopics. Every topic is judged on its own, in request order:
 * duplicate names in one request -> INVALID_REQUEST (as Kafka), illegal
 * Kafka name -> INVALID_TOPIC_EXCEPTION, manual assignments ->
 * INVALID_REQUEST (one broker, nothing to assign), num_partitions -1 = the
 * namespace default, otherwise 1..HUB_MAX_PARTITIONS or
 * INVALID_PARTITIONS, replication_factor -1 or 1 or
 * INVALID_REPLICATION_FACTOR, a config refused -> INVALID_CONFIG (40) with
 * tcfg's sentence (an unknown name, a bad value, cleanup.policy compact, a
 * null value), an existing hub -> TOPIC_ALREADY_EXISTS. validate_only stops
 * after these checks.
 *
 * Configs start from the namespace's defaults (ns_hub_default_config) and
 * are set in request order, so a name given twice keeps its last value, as
 * Kafka. ns_hub_create_with_config writes the hub and its configs durably
 * (hub.json) before it can be found, blocking this loop for that write.
 *
 * v5+ answers each topic's partition count, replication factor 1 and every
 * topic config (tcfg_describe: value, source, read-only; never sensitive) of
 * the topic created, or as validate_only would create it (KIP-525); a topic
 * in error answers -1, -1 and no configs. v7 answers the created topic's id
 * (zero with validate_only: nothing was made).
 */
#include "create_topics_handle.h"

#include <stdio.h>
#include <string.h>

#include "api/create_topics.h"
#include "hub.h"
#include "kafka_err.h"
#include "kafka_sasl.h"
#include "kafka_topic.h"
#include "log.h"
#include "tcfg.h"

_Static_assert(HUB_TOPIC_ID_LEN == sizeof(((kafka_uuid_t *)0)->b), "a topic id is a Kafka UUID");

#define MSG_MAX (TCFG_MSG_MAX + 64) /* bytes of a message: tcfg's and a shown name fit */
#define NAME_SHOWN 100              /* bytes of a wire name put in a message */

/* One topic being judged (on the stack): its checked settings and the message of its error. */
typedef struct plan {
	int32_t partitions;
	tcfg_t cfg;
	hub_t *hub; /* the hub made, NULL with validate_only or an error */
	char msg[MSG_MAX];
} plan_t;

static bool duplicate(const kafka_create_topics_req_t *q, int32_t i)
{
	for (int32_t j = 0; j < q->topics_count; j++) {
		if (j != i && slice_eq(q->topics[j].name, q->topics[i].name))
			return true;
	}
	return false;
}

static int16_t fail(const char **why, const char *text, int16_t code)
{
	*why = text;
	return code;
}

/* The topic's configs over the namespace's defaults; 0 or INVALID_CONFIG. */
static int16_t set_configs(kafka_req_t *req, const kafka_create_topics_topic_t *t, plan_t *p,
			   const char **why)
{
	ns_hub_default_config(req->env->ns, &p->cfg);
	for (int32_t i = 0; i < t->configs_count; i++) {
		const kafka_create_topics_config_t *c = &t->configs[i];

		if (!c->value.ptr) {
			snprintf(p->msg, sizeof(p->msg),
				 "Null value not supported for topic configs: %.*s",
				 (int)(c->name.len > NAME_SHOWN ? NAME_SHOWN : c->name.len),
				 (const char *)c->name.ptr);
			return fail(why, p->msg, KAFKA_ERR_INVALID_CONFIG);
		}
		if (tcfg_set(&p->cfg, c->name, c->value, p->msg, sizeof(p->msg)) != TRIB_OK)
			return fail(why, p->msg, KAFKA_ERR_INVALID_CONFIG);
	}
	if (tcfg_check(&p->cfg, p->msg, sizeof(p->msg)) != TRIB_OK)
		return fail(why, p->msg, KAFKA_ERR_INVALID_CONFIG);
	return KAFKA_ERR_NONE;
}

/* Checks one topic; returns 0 or the error code, with *why set for the message. */
static int16_t check(kafka_req_t *req, const kafka_create_topics_req_t *q, int32_t i, plan_t *p,
		     const char **why)
{
	const kafka_create_topics_topic_t *t = &q->topics[i];
	int16_t code;

	if (duplicate(q, i))
		return fail(why, "duplicate topic name in the request", KAFKA_ERR_INVALID_REQUEST);
	if (!kafka_topic_name_valid(t->name))
		return fail(why, "topic names are 1-249 characters of [A-Za-z0-9._-]",
			    KAFKA_ERR_INVALID_TOPIC_EXCEPTION);
	if (t->assignments_count > 0)
		return fail(why, "manual partition assignment is not supported",
			    KAFKA_ERR_INVALID_REQUEST);
	p->partitions = t->num_partitions == -1 ? ns_options(req->env->ns)->default_partitions
						: t->num_partitions;
	if (p->partitions < 1 || p->partitions > HUB_MAX_PARTITIONS)
		return fail(why, "number of partitions out of range (1 to the hub limit, or -1)",
			    KAFKA_ERR_INVALID_PARTITIONS);
	if (t->replication_factor != -1 && t->replication_factor != 1)
		return fail(why, "replication factor must be 1 (or -1): single-node broker",
			    KAFKA_ERR_INVALID_REPLICATION_FACTOR);
	code = set_configs(req, t, p, why);
	if (code)
		return code;
	if (ns_hub_find(req->env->ns, t->name))
		return fail(why, "topic already exists", KAFKA_ERR_TOPIC_ALREADY_EXISTS);
	return KAFKA_ERR_NONE;
}

static int16_t create(kafka_req_t *req, trib_slice_t name, plan_t *p, const char **why)
{
	char *cname = kafka_arena_alloc(&req->arena, name.len + 1);
	ns_hub_spec_t spec = {0};
	trib_err_t err;

	if (!cname)
		return fail(why, "out of memory", KAFKA_ERR_UNKNOWN_SERVER_ERROR);
	memcpy(cname, name.ptr, name.len);
	cname[name.len] = '\0';
	spec.name = cname;
	spec.partitions = p->partitions;
	p->msg[0] = '\0';
	err = ns_hub_create_with_config(req->env->ns, &spec, &p->cfg, p->msg, sizeof(p->msg),
					&p->hub);
	if (err) {
		p->hub = NULL;
		if (err == TRIB_ERR_INVALID && p->msg[0])
			return fail(why, p->msg, KAFKA_ERR_INVALID_CONFIG);
		*why = trib_strerror(err);
		log_warn("kafka: creating topic %s: %s", cname, *why);
		return kafka_err_from_trib(err, KAFKA_CTX_TOPIC);
	}
	log_info("kafka: created topic %s with %d partitions", cname, p->partitions);
	return KAFKA_ERR_NONE;
}

/* v5+: the topic as made (or as validate_only would make it), KIP-525. */
static void describe(kafka_req_t *req, plan_t *p, kafka_create_topics_result_t *r)
{
	kafka_create_topics_result_config_t *cs;
	tcfg_entry_t e;

	if (p->hub) {
		hub_config(p->hub, &p->cfg);
		p->partitions = hub_partition_count(p->hub);
		memcpy(r->topic_id.b, hub_topic_id(p->hub), sizeof(r->topic_id.b));
	}
	r->num_partitions = p->partitions;
	r->replication_factor = 1;
	cs = kafka_arena_calloc(&req->arena, TCFG_COUNT, sizeof(*cs));
	for (int k = 0; cs && k < TCFG_COUNT; k++) {
		if (!tcfg_describe(&p->cfg, (tcfg_key_t)k, &e))
			break;
		cs[k].name = slice_from_cstr(e.name);
		cs[k].value = kafka_arena_str(&req->arena, e.value);
		cs[k].read_only = e.read_only;
		cs[k].config_source = (int8_t)e.source;
		cs[k].is_sensitive = e.sensitive;
		if (!cs[k].value.ptr)
			cs = NULL;
	}
	if (!cs) {
		/* the topic stands; only its configs cannot be answered (Kafka's field for it) */
		r->topic_config_error_code = KAFKA_ERR_UNKNOWN_SERVER_ERROR;
		return;
	}
	r->configs = cs;
	r->configs_count = TCFG_COUNT;
}

static void judge(kafka_req_t *req, const kafka_create_topics_req_t *q, int32_t i,
		  kafka_create_topics_result_t *r)
{
	plan_t plan = {0}, *p = &plan;
	const char *why = NULL;

	r->name = q->topics[i].name;
	r->num_partitions = -1;
	r->replication_factor = -1;
	if (req->reject)
		r->error_code = fail(&why, "unsupported CreateTopics version", req->reject);
	else if (!kafka_sasl_req_allows(req, q->topics[i].name, AUTH_MANAGE))
		r->error_code = fail(&why, "creating a topic needs a Manage policy covering it",
				     KAFKA_ERR_TOPIC_AUTHORIZATION_FAILED);
	else
		r->error_code = check(req, q, i, p, &why);
	if (!r->error_code && !q->validate_only)
		r->error_code = create(req, q->topics[i].name, p, &why);
	if (r->error_code) {
		r->error_message = kafka_arena_str(&req->arena, why);
		return;
	}
	if (req->hdr.api_version >= 5)
		describe(req, p, r);
}

trib_err_t kafka_create_topics_handle(kafka_req_t *req, wire_rd_t *body)
{
	kafka_create_topics_req_t q;
	kafka_create_topics_resp_t resp = {0};
	trib_err_t err;

	err = kafka_create_topics_req_decode(body, req->hdr.api_version, &req->arena, &q);
	if (err)
		return err;
	resp.topics_count = q.topics_count;
	resp.topics = kafka_arena_calloc(&req->arena, (size_t)q.topics_count + 1,
					 sizeof(*resp.topics));
	if (!resp.topics)
		return TRIB_ERR_NOMEM;
	for (int32_t i = 0; i < q.topics_count; i++)
		judge(req, &q, i, &resp.topics[i]);
	return kafka_req_respond(req, kafka_create_topics_resp_write, &resp);
}
