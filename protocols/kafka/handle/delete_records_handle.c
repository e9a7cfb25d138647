/*
 * DeleteRecords. Per partition: unknown topic or partition ->
 * UNKNOWN_TOPIC_OR_PARTITION, an offset past the high watermark (or
 * negative other than -1) -> OFFSET_OUT_OF_RANGE; otherwise
 * part_delete_records moves the log start offset durably (blocking this
 * loop for one fsync) and low_watermark answers the log start after it
 * (unchanged for an offset at or below it, as Kafka). Errors answer
 * low_watermark -1.
 */
#include "delete_records_handle.h"

#include "api/delete_records.h"
#include "hub.h"
#include "kafka_err.h"
#include "kafka_sasl.h"
#include "log.h"

static void delete_one(kafka_req_t *req, hub_t *hub, const kafka_delete_records_partition_t *p,
		       kafka_delete_records_partition_result_t *r)
{
	part_t *part = hub ? hub_partition(hub, p->partition_index) : NULL;
	int64_t start = -1;
	trib_err_t err;

	r->partition_index = p->partition_index;
	r->low_watermark = -1;
	if (req->reject) {
		r->error_code = req->reject;
		return;
	}
	if (!part) {
		r->error_code = KAFKA_ERR_UNKNOWN_TOPIC_OR_PARTITION;
		return;
	}
	err = part_delete_records(part, p->offset, &start);
	r->error_code = kafka_err_from_trib(err, KAFKA_CTX_RECORDS);
	if (!err)
		r->low_watermark = start;
	else if (err != TRIB_ERR_OUT_OF_RANGE)
		log_warn("kafka: deleting records of %s/%d: %s", hub_name(hub),
			 (int)p->partition_index, trib_strerror(err));
}

trib_err_t kafka_delete_records_handle(kafka_req_t *req, wire_rd_t *body)
{
	kafka_delete_records_req_t q;
	kafka_delete_records_resp_t resp = {0};
	trib_err_t err;

	err = kafka_delete_records_req_decode(body, req->hdr.api_version, &req->arena, &q);
	if (err)
		return err;
	resp.topics_count = q.topics_count;
	resp.topics = kafka_arena_calloc(&req->arena, (size_t)q.topics_count, sizeof(*resp.topics));
	if (!resp.topics)
		return TRIB_ERR_NOMEM;
	for (int32_t i = 0; i < q.topics_count; i++) {
		const kafka_delete_records_topic_t *t = &q.topics[i];
		kafka_delete_records_topic_result_t *r = &resp.topics[i];
		bool denied = !req->reject && !kafka_sasl_req_allows(req, t->name, AUTH_MANAGE);
		hub_t *hub = denied ? NULL : ns_hub_find(req->env->ns, t->name);

		r->name = t->name;
		r->partitions_count = t->partitions_count;
		r->partitions = kafka_arena_calloc(&req->arena, (size_t)t->partitions_count,
						   sizeof(*r->partitions));
		if (!r->partitions)
			return TRIB_ERR_NOMEM;
		for (int32_t j = 0; j < t->partitions_count; j++) {
			kafka_delete_records_partition_result_t *rp = &r->partitions[j];

			if (!denied) {
				delete_one(req, hub, &t->partitions[j], rp);
				continue;
			}
			rp->partition_index = t->partitions[j].partition_index;
			rp->low_watermark = -1;
			rp->error_code = KAFKA_ERR_TOPIC_AUTHORIZATION_FAILED;
		}
	}
	return kafka_req_respond(req, kafka_delete_records_resp_write, &resp);
}
