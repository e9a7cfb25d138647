/*
 * ListOffsets. timestamp -1 (latest) answers the high watermark, -2
 * (earliest) the log start, anything else part_offset_for_time: the first
 * offset appended at or after it, with the append time of its batch as the
 * timestamp (read from the stored batch header). When that offset is the
 * high watermark nothing matched, and Kafka answers offset -1 timestamp -1.
 * READ_COMMITTED needs nothing special: there are no transactions, the last
 * stable offset is the high watermark.
 *
 * v0 (old_style_offsets): latest gives [high watermark], earliest [log
 * start], a timestamp the offset found as above; max_num_offsets 0 gives [].
 * Kafka's v0 listed segment base offsets before the timestamp; clients only
 * use the first element, which this matches for -1 and -2.
 */
#include "list_offsets_handle.h"

#include "api/list_offsets.h"
#include "hub.h"
#include "kafka_err.h"
#include "kafka_sasl.h"
#include "rb.h"

/* Max timestamp of the batch holding @offset, or -1 if it cannot be read. */
static int64_t batch_time(part_t *p, int64_t offset)
{
	uint8_t hdr[RB_HEADER_SIZE];
	store_range_t range;
	rb_header_t h;

	if (part_read(p, offset, RB_HEADER_SIZE, &range) != TRIB_OK || range.len < RB_HEADER_SIZE)
		return -1;
	range.len = RB_HEADER_SIZE; /* only the first batch's header is needed */
	if (part_read_copy(p, &range, hdr) != TRIB_OK || rb_header_parse(hdr, sizeof(hdr), &h))
		return -1;
	return h.max_timestamp;
}

static void answer(kafka_req_t *req, part_t *p, const kafka_list_offsets_partition_req_t *rq,
		   kafka_list_offsets_partition_resp_t *r)
{
	int64_t hw = part_high_watermark(p);

	r->leader_epoch = 0;
	r->timestamp = -1;
	if (rq->timestamp == KAFKA_LIST_OFFSETS_LATEST) {
		r->offset = hw;
	} else if (rq->timestamp == KAFKA_LIST_OFFSETS_EARLIEST) {
		r->offset = part_log_start(p);
	} else {
		r->offset = part_offset_for_time(p, rq->timestamp);
		if (r->offset >= hw)
			r->offset = -1;
		else
			r->timestamp = batch_time(p, r->offset);
	}
	if (req->hdr.api_version == 0 && rq->max_num_offsets > 0 && r->offset >= 0) {
		int64_t *one = kafka_arena_alloc(&req->arena, sizeof(*one));

		if (one) {
			*one = r->offset;
			r->old_style_offsets = one;
			r->old_style_count = 1;
		} else {
			r->error_code = KAFKA_ERR_UNKNOWN_SERVER_ERROR;
		}
	}
}

trib_err_t kafka_list_offsets_handle(kafka_req_t *req, wire_rd_t *body)
{
	kafka_list_offsets_req_t q;
	kafka_list_offsets_resp_t resp = {0};
	trib_err_t err;

	err = kafka_list_offsets_req_decode(body, req->hdr.api_version, &req->arena, &q);
	if (err)
		return err;
	resp.topic_count = q.topic_count;
	resp.topics = kafka_arena_calloc(&req->arena, (size_t)q.topic_count, sizeof(*resp.topics));
	if (!resp.topics)
		return TRIB_ERR_NOMEM;
	for (int32_t i = 0; i < q.topic_count; i++) {
		const kafka_list_offsets_topic_req_t *t = &q.topics[i];
		kafka_list_offsets_topic_resp_t *rt = &resp.topics[i];
		bool denied = !req->reject && !kafka_sasl_req_allows(req, t->name, AUTH_LISTEN);
		hub_t *hub = req->reject || denied ? NULL : ns_hub_find(req->env->ns, t->name);

		rt->name = t->name;
		rt->partition_count = t->partition_count;
		rt->partitions = kafka_arena_calloc(&req->arena, (size_t)t->partition_count,
						    sizeof(*rt->partitions));
		if (!rt->partitions)
			return TRIB_ERR_NOMEM;
		for (int32_t j = 0; j < t->partition_count; j++) {
			const kafka_list_offsets_partition_req_t *rq = &t->partitions[j];
			kafka_list_offsets_partition_resp_t *r = &rt->partitions[j];
			part_t *p = hub ? hub_partition(hub, rq->partition_index) : NULL;

			*r = (kafka_list_offsets_partition_resp_t){
				.partition_index = rq->partition_index,
				.timestamp = -1, .offset = -1, .leader_epoch = -1};
			if (req->reject)
				r->error_code = req->reject;
			else if (denied)
				r->error_code = KAFKA_ERR_TOPIC_AUTHORIZATION_FAILED;
			else if (!p)
				r->error_code = KAFKA_ERR_UNKNOWN_TOPIC_OR_PARTITION;
			else
				answer(req, p, rq, r);
		}
	}
	return kafka_req_respond(req, kafka_list_offsets_resp_write, &resp);
}
