/*
 * Fuzz target for the group administration codecs (STYLE.md §14).
 * Input: byte 0 picks the API (low 2 bits: 0 DescribeGroups, 1 ListGroups,
 * 2 DeleteGroups, 3 OffsetDelete), byte 1 is the version (signed, so
 * out-of-range versions are tried too), the rest is the request body. A
 * successful decode is echoed through the response encoder (measure, then
 * store: the two passes must agree), with the decoded names as group ids,
 * members and topics. Must never crash or leak (the arena is freed every run).
 */
#include <stdint.h>
#include <stdlib.h>

#include "api/delete_groups.h"
#include "api/describe_groups.h"
#include "api/list_groups.h"
#include "api/offset_delete.h"
#include "kafka_arena.h"
#include "kafka_frame.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void encode(kafka_body_fn fn, int16_t ver, const void *body)
{
	wire_wr_t wr;
	uint8_t *buf;
	size_t n;

	wire_wr_init(&wr, NULL, 0);
	fn(&wr, ver, body);
	n = wr.pos;
	buf = malloc(n ? n : 1);
	if (!buf)
		return;
	wire_wr_init(&wr, buf, n);
	fn(&wr, ver, body);
	if (wr.pos != n)
		abort();
	free(buf);
}

static void describe(wire_rd_t *rd, int16_t ver, kafka_arena_t *a)
{
	kafka_describe_groups_req_t q;
	kafka_describe_groups_resp_t r = {0};
	kafka_described_group_t *gs;
	kafka_described_member_t *ms;

	if (kafka_describe_groups_req_decode(rd, ver, a, &q) || ver < 0)
		return;
	gs = kafka_arena_calloc(a, (size_t)q.group_count + 1, sizeof(*gs));
	ms = kafka_arena_calloc(a, (size_t)q.group_count + 1, sizeof(*ms));
	if (!gs || !ms)
		return;
	for (int32_t i = 0; i < q.group_count; i++) {
		trib_slice_t s = q.groups[i];

		/* every group id doubles as a member of the previous group */
		ms[i] = (kafka_described_member_t){s, i % 2 ? s : (trib_slice_t){NULL, 0}, s, s, s, s};
		gs[i] = (kafka_described_group_t){0, s, s, s, s, i, ms, INT32_MIN};
	}
	r.group_count = q.group_count;
	r.groups = gs;
	encode(kafka_describe_groups_resp_write, ver, &r);
}

static void list(wire_rd_t *rd, int16_t ver)
{
	kafka_listed_group_t g = {{(const uint8_t *)"g", 1}, {(const uint8_t *)"", 0}};
	kafka_list_groups_resp_t r = {0, 0, 1, &g};

	if (kafka_list_groups_req_decode(rd, ver) || ver < 0)
		return;
	encode(kafka_list_groups_resp_write, ver, &r);
}

static void delete_groups(wire_rd_t *rd, int16_t ver, kafka_arena_t *a)
{
	kafka_delete_groups_req_t q;
	kafka_delete_groups_resp_t r = {0};
	kafka_delete_groups_result_t *rs;

	if (kafka_delete_groups_req_decode(rd, ver, a, &q) || ver < 0)
		return;
	rs = kafka_arena_calloc(a, (size_t)q.group_count + 1, sizeof(*rs));
	if (!rs)
		return;
	for (int32_t i = 0; i < q.group_count; i++)
		rs[i] = (kafka_delete_groups_result_t){q.groups[i], 69};
	r.result_count = q.group_count;
	r.results = rs;
	encode(kafka_delete_groups_resp_write, ver, &r);
}

static void offset_delete(wire_rd_t *rd, int16_t ver, kafka_arena_t *a)
{
	kafka_offset_delete_req_t q;
	kafka_offset_delete_resp_t r = {0};

	if (kafka_offset_delete_req_decode(rd, ver, a, &q) || ver < 0)
		return;
	r.topics = kafka_arena_calloc(a, (size_t)q.topic_count + 1, sizeof(*r.topics));
	if (!r.topics)
		return;
	for (int32_t i = 0; i < q.topic_count; i++) {
		const kafka_offset_delete_topic_req_t *t = &q.topics[i];
		kafka_offset_delete_partition_resp_t *p;

		p = kafka_arena_calloc(a, (size_t)t->partition_count + 1, sizeof(*p));
		if (!p)
			return;
		for (int32_t j = 0; j < t->partition_count; j++)
			p[j] = (kafka_offset_delete_partition_resp_t){t->partition_indexes[j], 86};
		r.topics[i] = (kafka_offset_delete_topic_resp_t){t->name, t->partition_count, p};
	}
	r.topic_count = q.topic_count;
	encode(kafka_offset_delete_resp_write, ver, &r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	kafka_arena_t a;
	wire_rd_t rd;
	int16_t ver;

	if (size < 2)
		return 0;
	ver = (int8_t)data[1];
	wire_rd_init(&rd, data + 2, size - 2);
	kafka_arena_init(&a);
	switch (data[0] & 3) {
	case 0: describe(&rd, ver, &a); break;
	case 1: list(&rd, ver); break;
	case 2: delete_groups(&rd, ver, &a); break;
	default: offset_delete(&rd, ver, &a); break;
	}
	kafka_arena_free(&a);
	return 0;
}
