/*
 * CreateTopics. Every topic is judged on its own, in request order:
 * duplicate names in one request -> INVALID_REQUEST (as Kafka), illegal
 * Kafka name -> INVALID_TOPIC_EXCEPTION, manual assignments ->
 * INVALID_REQUEST (one broker, nothing to assign), num_partitions -1 = the
 * namespace default, otherwise 1..HUB_MAX_PARTITIONS or
 * INVALID_PARTITIONS, replication_factor -1 or 1 or
 * INVALID_REPLICATION_FACTOR, an existing hub -> TOPIC_ALREADY_EXISTS.
 * validate_only stops after these checks. Configs are accepted and ignored.
 * ns_hub_create writes durably, blocking this loop for that write.
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

static bool duplicate(const kafka_create_topics_req_t *q, int32_t i)
{
	for (int32_t j = 0; j < q->topic_count; j++) {
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

/* Checks one topic; returns 0 or the error code, with *why set for the message. */
static int16_t check(kafka_req_t *req, const kafka_create_topics_req_t *q, int32_t i,
		     int32_t *partitions, const char **why)
{
	const kafka_create_topics_topic_req_t *t = &q->topics[i];

	if (duplicate(q, i))
		return fail(why, "duplicate topic name in the request", KAFKA_ERR_INVALID_REQUEST);
	if (!kafka_topic_name_valid(t->name))
		return fail(why, "topic names are 1-249 characters of [A-Za-z0-9._-]",
			    KAFKA_ERR_INVALID_TOPIC_EXCEPTION);
	if (t->assignment_count > 0)
		return fail(why, "manual partition assignment is not supported",
			    KAFKA_ERR_INVALID_REQUEST);
	*partitions = t->num_partitions == -1 ? ns_options(req->env->ns)->default_partitions
					      : t->num_partitions;
	if (*partitions < 1 || *partitions > HUB_MAX_PARTITIONS)
		return fail(why, "number of partitions out of range (1 to the hub limit, or -1)",
			    KAFKA_ERR_INVALID_PARTITIONS);
	if (t->replication_factor != -1 && t->replication_factor != 1)
		return fail(why, "replication factor must be 1 (or -1): single-node broker",
			    KAFKA_ERR_INVALID_REPLICATION_FACTOR);
	if (ns_hub_find(req->env->ns, t->name))
		return fail(why, "topic already exists", KAFKA_ERR_TOPIC_ALREADY_EXISTS);
	return KAFKA_ERR_NONE;
}

static int16_t create(kafka_req_t *req, trib_slice_t name, int32_t partitions, const char **why)
{
	char *cname = kafka_arena_alloc(&req->arena, name.len + 1);
	ns_hub_spec_t spec = {0};
	hub_t *hub = NULL;
	trib_err_t err;

	if (!cname)
		return fail(why, "out of memory", KAFKA_ERR_UNKNOWN_SERVER_ERROR);
	memcpy(cname, name.ptr, name.len);
	spec.name = cname;
	spec.partitions = partitions;
	err = ns_hub_create(req->env->ns, &spec, &hub);
	if (err) {
		*why = trib_strerror(err);
		log_warn("kafka: creating topic %s: %s", cname, *why);
		return kafka_err_from_trib(err, KAFKA_CTX_TOPIC);
	}
	log_info("kafka: created topic %s with %d partitions", cname, partitions);
	return KAFKA_ERR_NONE;
}

trib_err_t kafka_create_topics_handle(kafka_req_t *req, wire_rd_t *body)
{
	kafka_create_topics_req_t q;
	kafka_create_topics_resp_t resp = {0};
	trib_err_t err;

	err = kafka_create_topics_req_decode(body, req->hdr.api_version, &req->arena, &q);
	if (err)
		return err;
	resp.topic_count = q.topic_count;
	resp.topics = kafka_arena_calloc(&req->arena, (size_t)q.topic_count, sizeof(*resp.topics));
	if (!resp.topics)
		return TRIB_ERR_NOMEM;
	for (int32_t i = 0; i < q.topic_count; i++) {
		kafka_create_topics_topic_resp_t *r = &resp.topics[i];
		const char *why = NULL;
		int32_t partitions = 0;

		r->name = q.topics[i].name;
		if (req->reject) {
			r->error_code = req->reject;
			why = "unsupported CreateTopics version";
		} else if (!kafka_sasl_req_allows(req, q.topics[i].name, AUTH_MANAGE)) {
			r->error_code = KAFKA_ERR_TOPIC_AUTHORIZATION_FAILED;
			why = "creating a topic needs a Manage policy covering it";
		} else {
			r->error_code = check(req, &q, i, &partitions, &why);
			if (!r->error_code && !q.validate_only)
				r->error_code = create(req, q.topics[i].name, partitions, &why);
		}
		r->error_message = r->error_code ? kafka_arena_str(&req->arena, why) : TRIB_SLICE_NULL;
	}
	return kafka_req_respond(req, kafka_create_topics_resp_write, &resp);
}
