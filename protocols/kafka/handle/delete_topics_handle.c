/*
 * DeleteTopics. Each name on its own, in request order: a name twice in
 * one request -> INVALID_REQUEST (as Kafka), an unknown or internal topic
 * -> UNKNOWN_TOPIC_OR_PARTITION, else ns_hub_delete removes the storage
 * durably (blocking this loop for a rename, a directory fsync and the file
 * removals) before the answer. Connections still holding the hub's
 * partitions see not-found on their next lookup; the core keeps the objects
 * alive until shutdown. Committed offsets of the topic are not removed.
 */
#include "delete_topics_handle.h"

#include "api/delete_topics.h"
#include "kafka_err.h"
#include "kafka_sasl.h"
#include "log.h"

static bool duplicate(const kafka_delete_topics_req_t *q, int32_t i)
{
	for (int32_t j = 0; j < i; j++) {
		if (slice_eq(q->topic_names[j], q->topic_names[i]))
			return true;
	}
	for (int32_t j = i + 1; j < q->topic_count; j++) {
		if (slice_eq(q->topic_names[j], q->topic_names[i]))
			return true;
	}
	return false;
}

static int16_t delete_one(kafka_req_t *req, trib_slice_t name)
{
	trib_err_t err = ns_hub_delete(req->env->ns, name);

	if (err == TRIB_ERR_NOT_FOUND)
		return KAFKA_ERR_UNKNOWN_TOPIC_OR_PARTITION;
	if (err) {
		log_warn("kafka: deleting topic %.*s: %s", (int)name.len, (const char *)name.ptr,
			 trib_strerror(err));
		return kafka_err_from_trib(err, KAFKA_CTX_TOPIC);
	}
	log_info("kafka: deleted topic %.*s", (int)name.len, (const char *)name.ptr);
	return KAFKA_ERR_NONE;
}

trib_err_t kafka_delete_topics_handle(kafka_req_t *req, wire_rd_t *body)
{
	kafka_delete_topics_req_t q;
	kafka_delete_topics_resp_t resp = {0};
	trib_err_t err;

	err = kafka_delete_topics_req_decode(body, req->hdr.api_version, &req->arena, &q);
	if (err)
		return err;
	resp.topic_count = q.topic_count;
	resp.topics = kafka_arena_calloc(&req->arena, (size_t)q.topic_count, sizeof(*resp.topics));
	if (!resp.topics)
		return TRIB_ERR_NOMEM;
	for (int32_t i = 0; i < q.topic_count; i++) {
		kafka_delete_topics_topic_resp_t *r = &resp.topics[i];

		r->name = q.topic_names[i];
		if (req->reject)
			r->error_code = req->reject;
		else if (!kafka_sasl_req_allows(req, r->name, AUTH_MANAGE))
			r->error_code = KAFKA_ERR_TOPIC_AUTHORIZATION_FAILED;
		else if (duplicate(&q, i))
			r->error_code = KAFKA_ERR_INVALID_REQUEST;
		else
			r->error_code = delete_one(req, r->name);
	}
	return kafka_req_respond(req, kafka_delete_topics_resp_write, &resp);
}
