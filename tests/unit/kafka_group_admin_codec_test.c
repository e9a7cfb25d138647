/*
 * Group administration codecs (DescribeGroups, ListGroups, DeleteGroups,
 * OffsetDelete) beyond the schema walk of kafka_schema_test: refusals
 * (versions, nulls, counts past the bytes, trailing bytes) and exact bytes
 * of answers whose field order or gates are easy to get wrong.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/delete_groups.h"
#include "api/describe_groups.h"
#include "api/list_groups.h"
#include "api/offset_delete.h"

static uint8_t buf[512];
static kafka_arena_t arena;

static void setup(void)
{
	kafka_arena_init(&arena);
}

static void teardown(void)
{
	kafka_arena_free(&arena);
}

/* Group id array: n names "g0".."g(n-1)" or a raw count. */
static size_t ids(wire_wr_t *wr, int32_t count, int n)
{
	char name[16];

	wire_wr_i32(wr, count);
	for (int i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "g%d", i);
		wire_wr_str16(wr, slice_from_cstr(name));
	}
	return wr->pos;
}

START_TEST(describe_decode)
{
	kafka_describe_groups_req_t q;
	wire_wr_t wr;
	wire_rd_t rd;
	size_t n;

	wire_wr_init(&wr, buf, sizeof(buf));
	n = ids(&wr, 2, 2);
	wire_rd_init(&rd, buf, n);
	ck_assert_int_eq(kafka_describe_groups_req_decode(&rd, 0, &arena, &q), TRIB_OK);
	ck_assert_int_eq(q.group_count, 2);
	ck_assert(slice_eq_cstr(q.groups[1], "g1", false));
	ck_assert(!q.include_authorized_operations);
	/* v3 adds the flag */
	wire_wr_i8(&wr, 1);
	wire_rd_init(&rd, buf, wr.pos);
	ck_assert_int_eq(kafka_describe_groups_req_decode(&rd, 3, &arena, &q), TRIB_OK);
	ck_assert(q.include_authorized_operations);
	/* ... which is a trailing byte at v2, and v5 (flexible) is not ours */
	wire_rd_init(&rd, buf, wr.pos);
	ck_assert_int_eq(kafka_describe_groups_req_decode(&rd, 2, &arena, &q), TRIB_ERR_INVALID);
	wire_rd_init(&rd, buf, wr.pos);
	ck_assert_int_eq(kafka_describe_groups_req_decode(&rd, 5, &arena, &q), TRIB_ERR_INVALID);
	/* a count past the bytes, a null array, a null id */
	wire_wr_init(&wr, buf, sizeof(buf));
	n = ids(&wr, 1000, 2);
	wire_rd_init(&rd, buf, n);
	ck_assert_int_eq(kafka_describe_groups_req_decode(&rd, 0, &arena, &q), TRIB_ERR_INVALID);
	wire_wr_init(&wr, buf, sizeof(buf));
	n = ids(&wr, -1, 0);
	wire_rd_init(&rd, buf, n);
	ck_assert_int_eq(kafka_describe_groups_req_decode(&rd, 0, &arena, &q), TRIB_ERR_INVALID);
	wire_wr_init(&wr, buf, sizeof(buf));
	wire_wr_i32(&wr, 1);
	wire_wr_i16(&wr, -1);
	wire_rd_init(&rd, buf, wr.pos);
	ck_assert_int_eq(kafka_describe_groups_req_decode(&rd, 0, &arena, &q), TRIB_ERR_INVALID);
}
END_TEST

START_TEST(describe_encode_gates)
{
	static const uint8_t three[] = {1, 2, 3};
	kafka_described_member_t m = {slice_from_cstr("m"), slice_from_cstr("i"),
				      slice_from_cstr("c"), slice_from_cstr("/h"), {three, 3},
				      {NULL, 0}};
	kafka_described_group_t g = {0, slice_from_cstr("g"), slice_from_cstr("Stable"),
				     slice_from_cstr("consumer"), slice_from_cstr("range"), 1, &m,
				     INT32_MIN};
	kafka_describe_groups_resp_t r = {0, 1, &g};
	size_t len[5];

	for (int16_t v = 0; v <= 4; v++) {
		wire_wr_t wr;

		wire_wr_init(&wr, buf, sizeof(buf));
		kafka_describe_groups_resp_write(&wr, v, &r);
		ck_assert(wire_wr_fits(&wr));
		len[v] = wr.pos;
	}
	ck_assert_uint_eq(len[1], len[0] + 4); /* throttle_time_ms */
	ck_assert_uint_eq(len[2], len[1]);
	ck_assert_uint_eq(len[3], len[2] + 4); /* authorized_operations */
	ck_assert_uint_eq(len[4], len[3] + 3); /* group_instance_id "i" */
}
END_TEST

START_TEST(list_and_delete)
{
	kafka_listed_group_t lg = {slice_from_cstr("g"), slice_from_cstr("")};
	kafka_list_groups_resp_t lr = {0, 15, 1, &lg};
	kafka_delete_groups_req_t dq;
	kafka_delete_groups_result_t res = {slice_from_cstr("g"), 69};
	kafka_delete_groups_resp_t dr = {0, 1, &res};
	static const uint8_t want_list_v0[] = {0, 15, 0, 0, 0, 1, 0, 1, 'g', 0, 0};
	static const uint8_t want_delete[] = {0, 0, 0, 0, 0, 0, 0, 1, 0, 1, 'g', 0, 69};
	wire_wr_t wr;
	wire_rd_t rd;
	size_t n;

	wire_rd_init(&rd, buf, 0);
	ck_assert_int_eq(kafka_list_groups_req_decode(&rd, 2), TRIB_OK);
	wire_rd_init(&rd, buf, 1);
	ck_assert_int_eq(kafka_list_groups_req_decode(&rd, 0), TRIB_ERR_INVALID);
	wire_rd_init(&rd, buf, 0);
	ck_assert_int_eq(kafka_list_groups_req_decode(&rd, 3), TRIB_ERR_INVALID);
	wire_wr_init(&wr, buf, sizeof(buf));
	kafka_list_groups_resp_write(&wr, 0, &lr);
	ck_assert_uint_eq(wr.pos, sizeof(want_list_v0));
	ck_assert(memcmp(buf, want_list_v0, wr.pos) == 0);

	wire_wr_init(&wr, buf, sizeof(buf));
	n = ids(&wr, 3, 3);
	wire_rd_init(&rd, buf, n);
	ck_assert_int_eq(kafka_delete_groups_req_decode(&rd, 1, &arena, &dq), TRIB_OK);
	ck_assert_int_eq(dq.group_count, 3);
	wire_rd_init(&rd, buf, n - 1);
	ck_assert_int_eq(kafka_delete_groups_req_decode(&rd, 1, &arena, &dq), TRIB_ERR_INVALID);
	wire_rd_init(&rd, buf, n);
	ck_assert_int_eq(kafka_delete_groups_req_decode(&rd, 2, &arena, &dq), TRIB_ERR_INVALID);
	wire_wr_init(&wr, buf, sizeof(buf));
	kafka_delete_groups_resp_write(&wr, 1, &dr);
	ck_assert_uint_eq(wr.pos, sizeof(want_delete));
	ck_assert(memcmp(buf, want_delete, wr.pos) == 0);
}
END_TEST

START_TEST(offset_delete)
{
	kafka_offset_delete_req_t q;
	kafka_offset_delete_partition_resp_t p = {7, 86};
	kafka_offset_delete_topic_resp_t t = {slice_from_cstr("t"), 1, &p};
	kafka_offset_delete_resp_t r = {68, 5, 1, &t};
	/* error_code comes before throttle_time_ms in this API */
	static const uint8_t want[] = {0, 68, 0, 0, 0, 5, 0, 0, 0, 1, 0, 1, 't',
				       0, 0, 0, 1, 0, 0, 0, 7, 0, 86};
	wire_wr_t wr;
	wire_rd_t rd;

	wire_wr_init(&wr, buf, sizeof(buf));
	wire_wr_str16(&wr, slice_from_cstr("g"));
	wire_wr_i32(&wr, 1);
	wire_wr_str16(&wr, slice_from_cstr("t"));
	wire_wr_i32(&wr, 2);
	wire_wr_i32(&wr, 0);
	wire_wr_i32(&wr, 3);
	wire_rd_init(&rd, buf, wr.pos);
	ck_assert_int_eq(kafka_offset_delete_req_decode(&rd, 0, &arena, &q), TRIB_OK);
	ck_assert_int_eq(q.topic_count, 1);
	ck_assert_int_eq(q.topics[0].partition_count, 2);
	ck_assert_int_eq(q.topics[0].partition_indexes[1], 3);
	wire_rd_init(&rd, buf, wr.pos);
	ck_assert_int_eq(kafka_offset_delete_req_decode(&rd, 1, &arena, &q), TRIB_ERR_INVALID);
	wire_rd_init(&rd, buf, wr.pos - 1);
	ck_assert_int_eq(kafka_offset_delete_req_decode(&rd, 0, &arena, &q), TRIB_ERR_INVALID);
	/* a null topic name */
	wire_wr_init(&wr, buf, sizeof(buf));
	wire_wr_str16(&wr, slice_from_cstr("g"));
	wire_wr_i32(&wr, 1);
	wire_wr_i16(&wr, -1);
	wire_wr_i32(&wr, 0);
	wire_rd_init(&rd, buf, wr.pos);
	ck_assert_int_eq(kafka_offset_delete_req_decode(&rd, 0, &arena, &q), TRIB_ERR_INVALID);

	wire_wr_init(&wr, buf, sizeof(buf));
	kafka_offset_delete_resp_write(&wr, 0, &r);
	ck_assert_uint_eq(wr.pos, sizeof(want));
	ck_assert(memcmp(buf, want, wr.pos) == 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("kafka_group_admin_codec");
	TCase *t = tcase_create("codecs");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(t, setup, teardown);
	tcase_add_test(t, describe_decode);
	tcase_add_test(t, describe_encode_gates);
	tcase_add_test(t, list_and_delete);
	tcase_add_test(t, offset_delete);
	suite_add_tcase(s, t);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
