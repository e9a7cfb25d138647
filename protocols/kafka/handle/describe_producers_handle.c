/*
 * DescribeProducers. The core hands out a snapshot of a partition's
 * producer state (part_producers) into a buffer sized by a first counting
 * call; when producers arrive between the two calls the buffer is sized
 * again, so the answer is always one complete snapshot. Producer ids are
 * never expired (core/pstate.h), so every producer that ever wrote an
 * idempotent batch to the partition is listed, as Kafka lists its
 * unexpired ones.
 */
#include "describe_producers_handle.h"

#include "api/describe_producers.h"
#include "hub.h"
#include "kafka_err.h"
#include "kafka_sasl.h"

#define SPARE 8 /* room for producers that arrive between counting and copying */

static bool list_producers(kafka_req_t *req, part_t *part, kafka_describe_producers_partition_t *r)
{
	size_t cap = part_producers(part, NULL, 0) + SPARE, n;
	pstate_producer_t *ps;

	for (;;) {
		ps = kafka_arena_calloc(&req->arena, cap, sizeof(*ps));
		if (!ps)
			return false;
		n = part_producers(part, ps, cap);
		if (n <= cap)
			break;
		cap = n + SPARE;
	}
	r->active_producers = kafka_arena_calloc(&req->arena, n, sizeof(*r->active_producers));
	if (!r->active_producers)
		return false;
	r->active_producers_count = (int32_t)n;
	for (size_t i = 0; i < n; i++)
		r->active_producers[i] = (kafka_describe_producers_state_t){
			.producer_id = ps[i].producer_id,
			.producer_epoch = ps[i].epoch,
			.last_sequence = ps[i].last_seq,
			.last_timestamp = ps[i].last_timestamp,
			.coordinator_epoch = -1,
			.current_txn_start_offset = -1,
		};
	return true;
}

static bool describe_topic(kafka_req_t *req, const kafka_describe_producers_topic_req_t *t,
			   kafka_describe_producers_topic_resp_t *r)
{
	int16_t code = req->reject;
	hub_t *hub = NULL;

	if (!code && !kafka_sasl_req_allows(req, t->name, AUTH_LISTEN))
		code = KAFKA_ERR_TOPIC_AUTHORIZATION_FAILED;
	if (!code)
		hub = ns_hub_find(req->env->ns, t->name);
	r->name = t->name;
	r->partitions = kafka_arena_calloc(&req->arena, (size_t)t->partition_indexes_count,
					   sizeof(*r->partitions));
	if (!r->partitions)
		return false;
	r->partitions_count = t->partition_indexes_count;
	for (int32_t j = 0; j < t->partition_indexes_count; j++) {
		kafka_describe_producers_partition_t *p = &r->partitions[j];
		part_t *part = hub ? hub_partition(hub, t->partition_indexes[j]) : NULL;

		p->partition_index = t->partition_indexes[j];
		p->error_code = code ? code : part ? KAFKA_ERR_NONE
						   : KAFKA_ERR_UNKNOWN_TOPIC_OR_PARTITION;
		if (!p->error_code && !list_producers(req, part, p))
			return false;
	}
	return true;
}

trib_err_t kafka_describe_producers_handle(kafka_req_t *req, wire_rd_t *body)
{
	kafka_describe_producers_req_t q;
	kafka_describe_producers_resp_t resp = {0};
	trib_err_t err;

	err = kafka_describe_producers_req_decode(body, req->hdr.api_version, &req->arena, &q);
	if (err)
		return err;
	resp.topics = kafka_arena_calloc(&req->arena, (size_t)q.topics_count, sizeof(*resp.topics));
	if (!resp.topics)
		return TRIB_ERR_NOMEM;
	resp.topics_count = q.topics_count;
	for (int32_t i = 0; i < q.topics_count; i++) {
		if (!describe_topic(req, &q.topics[i], &resp.topics[i]))
			return TRIB_ERR_NOMEM;
	}
	return kafka_req_respond(req, kafka_describe_producers_resp_write, &resp);
}
