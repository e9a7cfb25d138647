/*
 * ListOffsets (codec generated from api/list_offsets.def). A partition's
 * timestamp is either a time in ms or one of Kafka's specs
 * (ListOffsetsRequest.java), honoured at every version as Kafka does:
 *  -1 latest: the high watermark;
 *  -2 earliest, -4 earliest local (v8, KIP-405): the log start (every
 *     record here is local);
 *  -3 max timestamp (v7, KIP-734): the first record carrying the largest
 *     timestamp of the partition, with that timestamp;
 *  -5 latest tiered (v9, KIP-1005): nothing is tiered here, so offset -1
 *     and leader epoch -1, as Kafka answers without remote storage;
 *  a time: part_offset_for_time, the first offset appended at or after it,
 * with the max timestamp of its batch (read from the stored batch header).
 * When that offset is the high watermark nothing matched, and Kafka answers
 * offset -1 timestamp -1. READ_COMMITTED needs nothing special: there are
 * no transactions, the last stable offset is the high watermark. timeout_ms
 * (v10) bounds reads from remote storage, which this broker has none of.
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
#include "log.h"
#include "mem.h"
#include "rb.h"

/* Timestamps with a meaning of their own (ListOffsetsRequest.java) */
#define LIST_LATEST (-1)
#define LIST_EARLIEST (-2)
#define LIST_MAX_TIMESTAMP (-3)
#define LIST_EARLIEST_LOCAL (-4)
#define LIST_LATEST_TIERED (-5)

/*
 * Header of the batch holding @offset into *h, *range its storage range;
 * false if it cannot be read. A part_read range holds at least that whole
 * batch: range->len stays that long.
 */
static bool read_header(part_t *p, int64_t offset, store_range_t *range, rb_header_t *h)
{
	uint8_t hdr[RB_HEADER_SIZE];
	store_range_t first;

	if (part_read(p, offset, RB_HEADER_SIZE, range) != TRIB_OK || range->len < RB_HEADER_SIZE)
		return false;
	first = *range;
	first.len = RB_HEADER_SIZE; /* only the first batch's header is needed */
	return part_read_copy(p, &first, hdr) == TRIB_OK &&
	       rb_header_parse(hdr, sizeof(hdr), h) == TRIB_OK && rb_size(h) <= range->len;
}

/* Max timestamp of the batch holding @offset, or -1 if it cannot be read. */
static int64_t batch_time(part_t *p, int64_t offset)
{
	store_range_t range;
	rb_header_t h;

	return read_header(p, offset, &range, &h) ? h.max_timestamp : -1;
}

/* The whole batch holding @offset in a buffer of its own (mem_free); NULL if unreadable. */
static uint8_t *read_batch(part_t *p, int64_t offset, rb_header_t *h)
{
	store_range_t range;
	uint8_t *buf;

	if (!read_header(p, offset, &range, h))
		return NULL;
	range.len = rb_size(h);
	buf = mem_alloc(MEM_KAFKA, range.len);
	if (buf && part_read_copy(p, &range, buf) != TRIB_OK) {
		mem_free(buf);
		buf = NULL;
	}
	return buf;
}

/*
 * The largest timestamp of any durable batch below @hw: the largest T for
 * which part_offset_for_time still finds a batch (it answers the first
 * batch whose max timestamp is >= T, else the high watermark; batches
 * appended meanwhile lie at or past @hw). About 64 index lookups; false
 * for an empty partition.
 */
static bool max_timestamp(part_t *p, int64_t hw, int64_t *out)
{
	int64_t lo = INT64_MIN, hi = INT64_MAX;

	if (part_offset_for_time(p, lo) >= hw)
		return false;
	if (part_offset_for_time(p, hi) < hw) {
		*out = hi;
		return true;
	}
	/* f(lo) finds a batch, f(hi) does not */
	while ((uint64_t)hi - (uint64_t)lo > 1) {
		int64_t mid = (int64_t)((uint64_t)lo + ((uint64_t)hi - (uint64_t)lo) / 2);

		if (part_offset_for_time(p, mid) < hw)
			lo = mid;
		else
			hi = mid;
	}
	*out = lo;
	return true;
}

/*
 * KIP-734: the offset of the first record whose timestamp is the
 * partition's largest, in the first batch holding it (every record of a
 * LogAppendTime batch has the batch's timestamp). Offset -1 when empty.
 */
static void answer_max_timestamp(part_t *p, int64_t hw, kafka_list_offsets_partition_resp_t *r)
{
	rb_header_t h;
	rb_iter_t it;
	rb_record_t rec;
	uint8_t *batch;
	int64_t ts;

	if (!max_timestamp(p, hw, &ts))
		return;
	r->timestamp = ts;
	r->offset = part_offset_for_time(p, ts);
	batch = read_batch(p, r->offset, &h);
	if (!batch || h.attributes & RB_ATTR_LOG_APPEND_TIME) {
		mem_free(batch);
		return;
	}
	if (rb_iter_init(&it, batch, rb_size(&h)) == TRIB_OK) {
		while (rb_iter_next(&it, &rec) == 1) {
			if (rec.timestamp == ts) {
				r->offset = rec.offset;
				break;
			}
		}
	} else {
		log_warn("kafka: list offsets: batch at %lld unreadable, answering its base offset",
			 (long long)r->offset);
	}
	rb_iter_free(&it);
	mem_free(batch);
}

static void answer(kafka_req_t *req, part_t *p, const kafka_list_offsets_partition_t *rq,
		   kafka_list_offsets_partition_resp_t *r)
{
	int64_t hw = part_high_watermark(p);

	r->leader_epoch = 0;
	r->timestamp = -1;
	switch (rq->timestamp) {
	case LIST_LATEST:
		r->offset = hw;
		break;
	case LIST_EARLIEST:
	case LIST_EARLIEST_LOCAL:
		r->offset = part_log_start(p);
		break;
	case LIST_MAX_TIMESTAMP:
		answer_max_timestamp(p, hw, r);
		break;
	case LIST_LATEST_TIERED:
		r->offset = -1;
		r->leader_epoch = -1;
		break;
	default:
		r->offset = part_offset_for_time(p, rq->timestamp);
		if (r->offset >= hw)
			r->offset = -1;
		else
			r->timestamp = batch_time(p, r->offset);
		break;
	}
	if (req->hdr.api_version == 0 && rq->max_num_offsets > 0 && r->offset >= 0) {
		int64_t *one = kafka_arena_alloc(&req->arena, sizeof(*one));

		if (one) {
			*one = r->offset;
			r->old_style_offsets = one;
			r->old_style_offsets_count = 1;
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
	resp.topics_count = q.topics_count;
	resp.topics = kafka_arena_calloc(&req->arena, (size_t)q.topics_count, sizeof(*resp.topics));
	if (!resp.topics)
		return TRIB_ERR_NOMEM;
	for (int32_t i = 0; i < q.topics_count; i++) {
		const kafka_list_offsets_topic_t *t = &q.topics[i];
		kafka_list_offsets_topic_resp_t *rt = &resp.topics[i];
		bool denied = !req->reject && !kafka_sasl_req_allows(req, t->name, AUTH_LISTEN);
		hub_t *hub = req->reject || denied ? NULL : ns_hub_find(req->env->ns, t->name);

		rt->name = t->name;
		rt->partitions_count = t->partitions_count;
		rt->partitions = kafka_arena_calloc(&req->arena, (size_t)t->partitions_count,
						    sizeof(*rt->partitions));
		if (!rt->partitions)
			return TRIB_ERR_NOMEM;
		for (int32_t j = 0; j < t->partitions_count; j++) {
			const kafka_list_offsets_partition_t *rq = &t->partitions[j];
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
