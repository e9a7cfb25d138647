/* rb: RecordBatch v2 builder, checks, iteration, append-time stamping. */
#include "rb.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "mem.h"

static uint8_t *build3(size_t *len)
{
	rb_builder_t b;
	rb_kv_t hdrs[2] = {{slice_from_cstr("h1"), slice_from_cstr("v1")},
			   {slice_from_cstr("h2"), TRIB_SLICE_NULL}};
	uint8_t *out;

	rb_builder_init(&b, 1000);
	ck_assert_int_eq(rb_builder_add(&b, 1000, slice_from_cstr("k0"), slice_from_cstr("value0"),
					hdrs, 2), TRIB_OK);
	ck_assert_int_eq(rb_builder_add(&b, 1005, TRIB_SLICE_NULL, slice_from_cstr(""), NULL, 0),
			 TRIB_OK);
	ck_assert_int_eq(rb_builder_add(&b, 1002, slice_from_cstr("k2"), TRIB_SLICE_NULL, NULL, 0),
			 TRIB_OK);
	ck_assert_int_eq(rb_builder_finish(&b, &out, len), TRIB_OK);
	return out;
}

START_TEST(build_check_iterate)
{
	size_t len;
	uint8_t *batch = build3(&len);
	rb_header_t h;
	rb_iter_t it;
	rb_record_t r;
	wire_rd_t hrd;
	trib_slice_t n, v;

	ck_assert_int_eq(rb_check(batch, len, &h), TRIB_OK);
	ck_assert_int_eq(h.records_count, 3);
	ck_assert_int_eq(h.last_offset_delta, 2);
	ck_assert_int_eq(h.max_timestamp, 1005);
	ck_assert_int_eq(h.producer_id, -1);
	ck_assert_int_eq(rb_validate_records(batch, len, &h), TRIB_OK);

	rb_set_base_offset(batch, 100);
	ck_assert_int_eq(rb_check(batch, len, &h), TRIB_OK); /* base offset is outside the CRC */
	ck_assert_int_eq(rb_iter_init(&it, batch, len), TRIB_OK);
	ck_assert_int_eq(rb_iter_next(&it, &r), 1);
	ck_assert_int_eq(r.offset, 100);
	ck_assert_int_eq(r.timestamp, 1000);
	ck_assert(slice_eq_cstr(r.key, "k0", false));
	ck_assert(slice_eq_cstr(r.value, "value0", false));
	ck_assert_int_eq(r.header_count, 2);
	wire_rd_init(&hrd, r.headers.ptr, r.headers.len);
	ck_assert(rb_headers_next(&hrd, &n, &v));
	ck_assert(slice_eq_cstr(n, "h1", false) && slice_eq_cstr(v, "v1", false));
	ck_assert(rb_headers_next(&hrd, &n, &v));
	ck_assert(slice_eq_cstr(n, "h2", false) && v.ptr == NULL);
	ck_assert(!rb_headers_next(&hrd, &n, &v));
	ck_assert_int_eq(rb_iter_next(&it, &r), 1);
	ck_assert_ptr_null(r.key.ptr);
	ck_assert_ptr_nonnull(r.value.ptr);
	ck_assert_uint_eq(r.value.len, 0);
	ck_assert_int_eq(rb_iter_next(&it, &r), 1);
	ck_assert_int_eq(r.offset, 102);
	ck_assert_ptr_null(r.value.ptr);
	ck_assert_int_eq(rb_iter_next(&it, &r), 0);
	mem_free(batch);
}
END_TEST

START_TEST(corruption_detected)
{
	size_t len;
	uint8_t *batch = build3(&len);
	rb_header_t h;

	batch[len - 3] ^= 0x40;
	ck_assert_int_eq(rb_check(batch, len, &h), TRIB_ERR_CORRUPT);
	batch[len - 3] ^= 0x40;
	ck_assert_int_eq(rb_check(batch, len - 1, &h), TRIB_ERR_INVALID);
	ck_assert_int_eq(rb_check(batch, 20, &h), TRIB_ERR_INVALID);
	batch[16] = 1; /* magic 1 */
	ck_assert_int_eq(rb_check(batch, len, &h), TRIB_ERR_UNSUPPORTED);
	mem_free(batch);
}
END_TEST

START_TEST(record_count_mismatch_is_corrupt)
{
	size_t len;
	uint8_t *batch = build3(&len);
	rb_header_t h;

	/* claim 2 records: the bytes of the third remain */
	wire_store_u32(batch + 57, 2);
	wire_store_u32(batch + 23, 1);
	rb_stamp_append_time(batch, len, 5); /* recompute the CRC */
	ck_assert_int_eq(rb_check(batch, len, &h), TRIB_OK);
	ck_assert_int_eq(rb_validate_records(batch, len, &h), TRIB_ERR_CORRUPT);
	mem_free(batch);
}
END_TEST

/* Codecs 1-4 are decompressed (rbz_test.c); 5-7 stay unsupported. */
START_TEST(compressed_unsupported)
{
	size_t len;
	uint8_t *batch = build3(&len);
	rb_header_t h;

	wire_store_u16(batch + 21, 5);
	rb_stamp_append_time(batch, len, 5);
	ck_assert_int_eq(rb_check(batch, len, &h), TRIB_OK);
	ck_assert_int_eq(rb_validate_records(batch, len, &h), TRIB_ERR_UNSUPPORTED);
	/* gzip bits over records that are not a gzip stream */
	wire_store_u16(batch + 21, 1);
	rb_stamp_append_time(batch, len, 5);
	ck_assert_int_eq(rb_check(batch, len, &h), TRIB_OK);
	ck_assert_int_eq(rb_validate_records(batch, len, &h), TRIB_ERR_CORRUPT);
	mem_free(batch);
}
END_TEST

START_TEST(stamp_log_append_time)
{
	size_t len;
	uint8_t *batch = build3(&len);
	rb_header_t h;
	rb_iter_t it;
	rb_record_t r;

	rb_stamp_append_time(batch, len, 777777);
	ck_assert_int_eq(rb_check(batch, len, &h), TRIB_OK);
	ck_assert(h.attributes & RB_ATTR_LOG_APPEND_TIME);
	ck_assert_int_eq(h.max_timestamp, 777777);
	ck_assert_int_eq(rb_iter_init(&it, batch, len), TRIB_OK);
	ck_assert_int_eq(rb_iter_next(&it, &r), 1);
	ck_assert_int_eq(r.timestamp, 777777);
	mem_free(batch);
}
END_TEST

START_TEST(empty_builder_refused)
{
	rb_builder_t b;
	uint8_t *out;
	size_t len;

	rb_builder_init(&b, 0);
	ck_assert_int_eq(rb_builder_finish(&b, &out, &len), TRIB_ERR_INVALID);
	rb_builder_free(&b);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("rb");
	TCase *t = tcase_create("record batch");
	SRunner *r;
	int failed;

	tcase_add_test(t, build_check_iterate);
	tcase_add_test(t, corruption_detected);
	tcase_add_test(t, record_count_mismatch_is_corrupt);
	tcase_add_test(t, compressed_unsupported);
	tcase_add_test(t, stamp_log_append_time);
	tcase_add_test(t, empty_builder_refused);
	suite_add_tcase(s, t);
	r = srunner_create(s);
	srunner_run_all(r, CK_NORMAL);
	failed = srunner_ntests_failed(r);
	srunner_free(r);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
