/*
 * OffsetForLeaderEpoch. Every partition has had one leader, this gateway,
 * in one epoch, KAFKA_LEADER_EPOCH (Metadata says so), which starts at the
 * log start offset and is still open: its end offset is the log end, and a
 * reader's log end is the high watermark (only durable data is readable).
 * Kafka's endOffsetFor(requested) over that one-entry epoch cache gives:
 *   requested -1 (UNDEFINED)      -> epoch -1, offset -1
 *   requested == ours             -> ours, high watermark
 *   requested above ours          -> epoch -1, offset -1 (no such epoch:
 *                                    the client resets, as after truncation)
 *   requested below ours, not -1  -> requested, log start (the first known
 *                                    epoch's start offset)
 */
#include "offset_for_leader_epoch_handle.h"

#include "api/offset_for_leader_epoch.h"
#include "hub.h"
#include "kafka_err.h"
#include "kafka_sasl.h"

#define UNDEFINED_EPOCH (-1)

/* Kafka's leader epoch fencing (Partition.localLogWithEpochOrThrow). */
static int16_t fence(int32_t current)
{
	if (current == UNDEFINED_EPOCH || current == KAFKA_LEADER_EPOCH)
		return KAFKA_ERR_NONE;
	return current < KAFKA_LEADER_EPOCH ? KAFKA_ERR_FENCED_LEADER_EPOCH
					    : KAFKA_ERR_UNKNOWN_LEADER_EPOCH;
}

static void end_offset(part_t *part, int32_t requested, kafka_ofle_epoch_end_offset_t *r)
{
	if (requested == KAFKA_LEADER_EPOCH) {
		r->leader_epoch = KAFKA_LEADER_EPOCH;
		r->end_offset = part_high_watermark(part);
	} else if (requested < KAFKA_LEADER_EPOCH && requested != UNDEFINED_EPOCH) {
		r->leader_epoch = requested;
		r->end_offset = part_log_start(part);
	}
}

static void answer(hub_t *hub, int16_t code, const kafka_ofle_partition_t *p,
		   kafka_ofle_epoch_end_offset_t *r)
{
	part_t *part = hub ? hub_partition(hub, p->partition) : NULL;

	r->partition = p->partition;
	r->leader_epoch = UNDEFINED_EPOCH;
	r->end_offset = -1;
	if (!code)
		code = part ? fence(p->current_leader_epoch) : KAFKA_ERR_UNKNOWN_TOPIC_OR_PARTITION;
	r->error_code = code;
	if (!code)
		end_offset(part, p->leader_epoch, r);
}

static bool answer_topic(kafka_req_t *req, const kafka_ofle_topic_t *t,
			 kafka_ofle_topic_result_t *r)
{
	int16_t code = req->reject;
	hub_t *hub = NULL;

	if (!code && !kafka_sasl_req_allows(req, t->topic, AUTH_LISTEN))
		code = KAFKA_ERR_TOPIC_AUTHORIZATION_FAILED;
	if (!code)
		hub = ns_hub_find(req->env->ns, t->topic);
	r->topic = t->topic;
	r->partitions = kafka_arena_calloc(&req->arena, (size_t)t->partitions_count,
					   sizeof(*r->partitions));
	if (!r->partitions)
		return false;
	r->partitions_count = t->partitions_count;
	for (int32_t j = 0; j < t->partitions_count; j++)
		answer(hub, code, &t->partitions[j], &r->partitions[j]);
	return true;
}

trib_err_t kafka_offset_for_leader_epoch_handle(kafka_req_t *req, wire_rd_t *body)
{
	kafka_offset_for_leader_epoch_req_t q;
	kafka_offset_for_leader_epoch_resp_t resp = {0};
	trib_err_t err;

	err = kafka_offset_for_leader_epoch_req_decode(body, req->hdr.api_version, &req->arena, &q);
	if (err)
		return err;
	resp.topics = kafka_arena_calloc(&req->arena, (size_t)q.topics_count, sizeof(*resp.topics));
	if (!resp.topics)
		return TRIB_ERR_NOMEM;
	resp.topics_count = q.topics_count;
	for (int32_t i = 0; i < q.topics_count; i++) {
		if (!answer_topic(req, &q.topics[i], &resp.topics[i]))
			return TRIB_ERR_NOMEM;
	}
	return kafka_req_respond(req, kafka_offset_for_leader_epoch_resp_write, &resp);
}
