/* amqpv reader (lib/amqpv.c): every encoding class, nesting, limits, malformed input. */
#include "amqpv.h"

#include <check.h>
#include <string.h>

static bool read_all(const uint8_t *p, size_t n, amqpv_t *v)
{
	wire_rd_t rd;

	wire_rd_init(&rd, p, n);
	return amqpv_rd(&rd, v) && wire_rd_left(&rd) == 0;
}

START_TEST(fixed_and_variable)
{
	static const uint8_t ulong_small[] = {0x53, 0x70};
	static const uint8_t long_full[] = {0x81, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe};
	static const uint8_t str8[] = {0xa1, 0x05, 'h', 'e', 'l', 'l', 'o'};
	static const uint8_t sym32[] = {0xb3, 0, 0, 0, 2, 'x', 'y'};
	static const uint8_t ts[] = {0x83, 0, 0, 1, 0x65, 0xf1, 0x2a, 0x3b, 0x6b};
	static const uint8_t smallint[] = {0x54, 0xfb};
	amqpv_t v;
	uint64_t u;
	int64_t i;
	trib_slice_t s;

	ck_assert(read_all(ulong_small, sizeof(ulong_small), &v));
	ck_assert(amqpv_get_u64(&v, &u) && u == 0x70);
	ck_assert(read_all(long_full, sizeof(long_full), &v));
	ck_assert(amqpv_get_i64(&v, &i) && i == -2);
	ck_assert(!amqpv_get_u64(&v, &u));
	ck_assert(read_all(str8, sizeof(str8), &v));
	ck_assert(amqpv_is_string(&v) && amqpv_get_bytes(&v, &s) &&
		  slice_eq_cstr(s, "hello", false));
	ck_assert_uint_eq(v.raw.len, sizeof(str8));
	ck_assert(read_all(sym32, sizeof(sym32), &v));
	ck_assert(amqpv_is_symbol(&v) && amqpv_get_bytes(&v, &s) && slice_eq_cstr(s, "xy", false));
	ck_assert(read_all(ts, sizeof(ts), &v));
	ck_assert(amqpv_get_i64(&v, &i) && i == 0x0165f12a3b6bll);
	ck_assert(read_all(smallint, sizeof(smallint), &v));
	ck_assert(amqpv_get_i64(&v, &i) && i == -5);
}
END_TEST

START_TEST(described_and_compound)
{
	/* 0x00 0x53 0x74 map8 { "a" : int 7, "b" : list8 [ null, true ] } */
	static const uint8_t m[] = {0x00, 0x53, 0x74, 0xc1, 0x11, 0x04, 0xa1, 0x01, 'a', 0x71,
				    0, 0, 0, 7, 0xa1, 0x01, 'b', 0xc0, 0x03, 0x02, 0x40, 0x41};
	amqpv_t v, k, e;
	wire_rd_t el;
	int64_t i;

	ck_assert(read_all(m, sizeof(m), &v));
	ck_assert(amqpv_is_map(&v));
	ck_assert_uint_eq(v.count, 4);
	ck_assert(amqpv_descriptor_is(&v, 0x74, NULL));
	ck_assert(!amqpv_descriptor_is(&v, 0x73, NULL));
	ck_assert(amqpv_elements(&v, &el));
	ck_assert(amqpv_rd(&el, &k) && amqpv_rd(&el, &e));
	ck_assert(amqpv_get_i64(&e, &i) && i == 7);
	ck_assert_uint_eq(e.raw.len, 5);
	ck_assert(amqpv_rd(&el, &k) && amqpv_rd(&el, &e));
	ck_assert(amqpv_is_list(&e) && e.count == 2);
	ck_assert_uint_eq(wire_rd_left(&el), 0);
}
END_TEST

START_TEST(symbol_descriptor_and_array)
{
	static const uint8_t d[] = {0x00, 0xa3, 0x03, 'a', ':', 'b', 0xa1, 0x01, 'x'};
	/* array8 of 3 smallints, and an array of 5 nulls (zero-width) */
	static const uint8_t arr[] = {0xe0, 0x05, 0x03, 0x54, 1, 2, 3};
	static const uint8_t nulls[] = {0xe0, 0x02, 0x05, 0x40};
	static const uint8_t strs[] = {0xe0, 0x07, 0x02, 0xa1, 0x01, 'a', 0x02, 'b', 'c'};
	amqpv_t v;

	ck_assert(read_all(d, sizeof(d), &v));
	ck_assert(amqpv_descriptor_is(&v, 0, "a:b"));
	ck_assert(!amqpv_descriptor_is(&v, 0, "a:c"));
	ck_assert(read_all(arr, sizeof(arr), &v));
	ck_assert_uint_eq(v.count, 3);
	ck_assert_uint_eq(v.elem_code, 0x54);
	ck_assert(read_all(nulls, sizeof(nulls), &v));
	ck_assert_uint_eq(v.count, 5);
	ck_assert(read_all(strs, sizeof(strs), &v));
}
END_TEST

START_TEST(malformed)
{
	static const uint8_t unknown[] = {0x99};
	static const uint8_t short_str[] = {0xa1, 0x05, 'h'};
	static const uint8_t list_count_lies[] = {0xc0, 0x02, 0x05, 0x40};
	static const uint8_t odd_map[] = {0xc1, 0x02, 0x01, 0x40};
	static const uint8_t list_extra[] = {0xc0, 0x03, 0x01, 0x40, 0x40};
	static const uint8_t array_width[] = {0xe0, 0x04, 0x03, 0x54, 1, 2};
	static const uint8_t desc_only[] = {0x00, 0x53};
	amqpv_t v;

	ck_assert(!read_all(unknown, sizeof(unknown), &v));
	ck_assert(!read_all(short_str, sizeof(short_str), &v));
	ck_assert(!read_all(list_count_lies, sizeof(list_count_lies), &v));
	ck_assert(!read_all(odd_map, sizeof(odd_map), &v));
	ck_assert(!read_all(list_extra, sizeof(list_extra), &v));
	ck_assert(!read_all(array_width, sizeof(array_width), &v));
	ck_assert(!read_all(desc_only, sizeof(desc_only), &v));
}
END_TEST

START_TEST(depth_limit)
{
	uint8_t buf[3 * (AMQPV_MAX_DEPTH + 2) + 1];
	size_t n;
	amqpv_t v;

	/* AMQPV_MAX_DEPTH nested list8s around a null: accepted; one more: refused */
	for (int depth = AMQPV_MAX_DEPTH; depth <= AMQPV_MAX_DEPTH + 1; depth++) {
		n = 0;
		for (int i = 0; i < depth; i++) {
			buf[n++] = 0xc0;
			buf[n++] = (uint8_t)(2 + 3 * (depth - 1 - i));
			buf[n++] = 1;
		}
		buf[n++] = 0x40;
		ck_assert_int_eq(read_all(buf, n, &v), depth <= AMQPV_MAX_DEPTH);
	}
}
END_TEST

START_TEST(element_limit)
{
	uint8_t ok[] = {0xf0, 0, 0, 0, 5, 0, 0, 0, 0, 0x40};
	amqpv_t v;

	wire_store_u32(ok + 5, AMQPV_MAX_ELEMENTS);
	ck_assert(read_all(ok, sizeof(ok), &v));
	wire_store_u32(ok + 5, AMQPV_MAX_ELEMENTS + 1);
	ck_assert(!read_all(ok, sizeof(ok), &v));
}
END_TEST

START_TEST(writers_roundtrip)
{
	uint8_t buf[64];
	wire_wr_t wr;
	wire_rd_t rd;
	amqpv_t v;

	wire_wr_init(&wr, buf, sizeof(buf));
	amqpv_wr_descriptor(&wr, 0x72);
	amqpv_wr_map_header(&wr, 4, 2);
	amqpv_wr_symbol(&wr, slice_from_cstr("k"));
	amqpv_wr_null(&wr);
	amqpv_wr_descriptor(&wr, 0x0000468C00000004ull);
	amqpv_wr_list_header(&wr, 0, 0);
	ck_assert(wire_wr_fits(&wr));
	wire_rd_init(&rd, buf, wr.pos);
	ck_assert(amqpv_rd(&rd, &v) && amqpv_is_map(&v) && amqpv_descriptor_is(&v, 0x72, NULL));
	ck_assert(amqpv_rd(&rd, &v) && amqpv_is_list(&v) && v.code == AMQPV_LIST0);
	ck_assert(amqpv_descriptor_is(&v, 0x0000468C00000004ull, NULL));
	ck_assert_uint_eq(wire_rd_left(&rd), 0);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("amqp_value");
	TCase *tc = tcase_create("read");

	tcase_add_test(tc, fixed_and_variable);
	tcase_add_test(tc, described_and_compound);
	tcase_add_test(tc, symbol_descriptor_and_array);
	tcase_add_test(tc, malformed);
	tcase_add_test(tc, depth_limit);
	tcase_add_test(tc, element_limit);
	tcase_add_test(tc, writers_roundtrip);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
