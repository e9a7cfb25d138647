/*
 * CreatePartitions (grow only). Per topic, in request order: a name twice
 * in the request -> INVALID_REQUEST, unknown topic ->
 * UNKNOWN_TOPIC_OR_PARTITION, manual assignments -> INVALID_REQUEST (one
 * broker, nothing to assign; a null or empty list is fine), a count not
 * above the current one or over HUB_MAX_PARTITIONS -> INVALID_PARTITIONS.
 * validate_only stops after these checks. ns_hub_add_partitions opens the
 * partitions and saves hub.json durably (blocking this loop for that write)
 * before the new count becomes visible to every head.
 */
#include "create_partitions_handle.h"

#include <stdio.h>
#include <string.h>

#include "api/create_partitions.h"
#include "hub.h"
#include "kafka_err.h"
#include "kafka_sasl.h"
#include "log.h"

static bool duplicate(const kafka_create_partitions_req_t *q, int32_t i)
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

/* Checks one topic and grows it unless validate_only; returns 0 or the error code. */
static int16_t grow(kafka_req_t *req, const kafka_create_partitions_req_t *q, int32_t i,
		    char *buf, size_t cap, const char **why)
{
	const kafka_create_partitions_topic_t *t = &q->topics[i];
	hub_t *hub;
	int32_t now;
	trib_err_t err;

	if (duplicate(q, i))
		return fail(why, "duplicate topic name in the request", KAFKA_ERR_INVALID_REQUEST);
	hub = ns_hub_find(req->env->ns, t->name);
	if (!hub)
		return fail(why, "unknown topic", KAFKA_ERR_UNKNOWN_TOPIC_OR_PARTITION);
	if (t->assignments_count > 0)
		return fail(why, "manual partition assignment is not supported",
			    KAFKA_ERR_INVALID_REQUEST);
	now = hub_partition_count(hub);
	if (t->count <= now || t->count > HUB_MAX_PARTITIONS) {
		snprintf(buf, cap, "topic has %d partitions; the new count must be above it and at "
			 "most %d", (int)now, HUB_MAX_PARTITIONS);
		return fail(why, buf, KAFKA_ERR_INVALID_PARTITIONS);
	}
	if (q->validate_only)
		return KAFKA_ERR_NONE;
	err = ns_hub_add_partitions(req->env->ns, hub, t->count);
	if (err == TRIB_ERR_NOT_FOUND)
		return fail(why, "unknown topic", KAFKA_ERR_UNKNOWN_TOPIC_OR_PARTITION);
	if (err == TRIB_ERR_INVALID)
		return fail(why, "partition count changed meanwhile", KAFKA_ERR_INVALID_PARTITIONS);
	if (err) {
		log_warn("kafka: adding partitions to %s: %s", hub_name(hub), trib_strerror(err));
		return fail(why, trib_strerror(err), kafka_err_from_trib(err, KAFKA_CTX_TOPIC));
	}
	log_info("kafka: topic %s grown from %d to %d partitions", hub_name(hub), (int)now,
		 (int)t->count);
	return KAFKA_ERR_NONE;
}

trib_err_t kafka_create_partitions_handle(kafka_req_t *req, wire_rd_t *body)
{
	kafka_create_partitions_req_t q;
	kafka_create_partitions_resp_t resp = {0};
	trib_err_t err;

	err = kafka_create_partitions_req_decode(body, req->hdr.api_version, &req->arena, &q);
	if (err)
		return err;
	resp.results_count = q.topics_count;
	resp.results = kafka_arena_calloc(&req->arena, (size_t)q.topics_count, sizeof(*resp.results));
	if (!resp.results)
		return TRIB_ERR_NOMEM;
	for (int32_t i = 0; i < q.topics_count; i++) {
		kafka_create_partitions_topic_result_t *r = &resp.results[i];
		const char *why = NULL;
		char buf[128];

		r->name = q.topics[i].name;
		if (req->reject)
			r->error_code = fail(&why, "unsupported CreatePartitions version", req->reject);
		else if (!kafka_sasl_req_allows(req, r->name, AUTH_MANAGE))
			r->error_code = fail(&why, "adding partitions needs a Manage policy covering it",
					     KAFKA_ERR_TOPIC_AUTHORIZATION_FAILED);
		else
			r->error_code = grow(req, &q, i, buf, sizeof(buf), &why);
		r->error_message = r->error_code ? kafka_arena_str(&req->arena, why) : TRIB_SLICE_NULL;
	}
	return kafka_req_respond(req, kafka_create_partitions_resp_write, &resp);
}
