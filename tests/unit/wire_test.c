/* wire: reader/writer primitives, varints, sticky failure, named limits. */
#include "wire.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "crc32c.h"
#include "mem.h"
#include "slice.h"

START_TEST(varint_round_trip)
{
	static const int64_t vals[] = {0, 1, -1, 63, -64, 64, -65, 8191, -8192, 1LL << 40,
				       INT64_MAX, INT64_MIN};
	uint8_t buf[16];

	for (size_t i = 0; i < sizeof(vals) / sizeof(vals[0]); i++) {
		wire_wr_t wr;
		wire_rd_t rd;

		wire_wr_init(&wr, buf, sizeof(buf));
		wire_wr_varint(&wr, vals[i]);
		ck_assert(wire_wr_fits(&wr));
		ck_assert_uint_eq(wr.pos, wire_varint_size(vals[i]));
		wire_rd_init(&rd, buf, wr.pos);
		ck_assert_int_eq(wire_rd_varint(&rd), vals[i]);
		ck_assert(wire_rd_ok(&rd));
		ck_assert_uint_eq(wire_rd_left(&rd), 0);
	}
}
END_TEST

START_TEST(varint_known_bytes)
{
	/* Kafka protocol guide: zig-zag 1 -> 0x02, -1 -> 0x01, 300 (unsigned) -> AC 02 */
	uint8_t buf[4];
	wire_wr_t wr;

	wire_wr_init(&wr, buf, sizeof(buf));
	wire_wr_varint(&wr, 1);
	wire_wr_varint(&wr, -1);
	wire_wr_uvarint(&wr, 300);
	ck_assert_mem_eq(buf, "\x02\x01\xac\x02", 4);
}
END_TEST

START_TEST(uvarint_too_long_fails)
{
	uint8_t buf[11];
	wire_rd_t rd;

	memset(buf, 0xff, sizeof(buf));
	wire_rd_init(&rd, buf, sizeof(buf));
	(void)wire_rd_uvarint(&rd);
	ck_assert(!wire_rd_ok(&rd));
}
END_TEST

START_TEST(reader_failure_is_sticky)
{
	uint8_t buf[3] = {1, 2, 3};
	wire_rd_t rd;

	wire_rd_init(&rd, buf, sizeof(buf));
	ck_assert_int_eq(wire_rd_i32(&rd), 0);
	ck_assert(!wire_rd_ok(&rd));
	ck_assert_int_eq(wire_rd_u8(&rd), 0); /* bytes were there, but the reader stays failed */
	ck_assert_uint_eq(wire_rd_left(&rd), 0);
}
END_TEST

START_TEST(strings_null_and_empty)
{
	uint8_t buf[32];
	wire_wr_t wr;
	wire_rd_t rd;
	trib_slice_t a, b, c, d;

	wire_wr_init(&wr, buf, sizeof(buf));
	wire_wr_str16(&wr, TRIB_SLICE_NULL);
	wire_wr_str16(&wr, slice_from_cstr(""));
	wire_wr_compact_bytes(&wr, TRIB_SLICE_NULL);
	wire_wr_compact_bytes(&wr, slice_from_cstr("abc"));
	wire_rd_init(&rd, buf, wr.pos);
	a = wire_rd_str16(&rd);
	b = wire_rd_str16(&rd);
	c = wire_rd_compact_bytes(&rd);
	d = wire_rd_compact_bytes(&rd);
	ck_assert(wire_rd_ok(&rd));
	ck_assert_ptr_null(a.ptr);
	ck_assert_ptr_nonnull(b.ptr);
	ck_assert_uint_eq(b.len, 0);
	ck_assert_ptr_null(c.ptr);
	ck_assert(slice_eq_cstr(d, "abc", false));
}
END_TEST

START_TEST(string_longer_than_input_fails)
{
	uint8_t buf[] = {0x00, 0x05, 'a', 'b'};
	wire_rd_t rd;

	wire_rd_init(&rd, buf, sizeof(buf));
	(void)wire_rd_str16(&rd);
	ck_assert(!wire_rd_ok(&rd));
}
END_TEST

START_TEST(array_len_limits)
{
	uint8_t buf[4 + 40];
	wire_rd_t rd;
	bool is_null;

	memset(buf, 0, sizeof(buf));
	wire_store_u32(buf, 10);
	wire_rd_init(&rd, buf, sizeof(buf));
	ck_assert_int_eq(wire_rd_array_len(&rd, 10, 4, &is_null), 10); /* at the limit */
	ck_assert(wire_rd_ok(&rd));

	wire_rd_init(&rd, buf, sizeof(buf));
	(void)wire_rd_array_len(&rd, 9, 4, NULL); /* limit + 1 */
	ck_assert(!wire_rd_ok(&rd));

	wire_store_u32(buf, 11); /* 11 * 4 bytes are not there */
	wire_rd_init(&rd, buf, sizeof(buf));
	(void)wire_rd_array_len(&rd, 100, 4, NULL);
	ck_assert(!wire_rd_ok(&rd));

	wire_store_u32(buf, 0xffffffff); /* -1 = null */
	wire_rd_init(&rd, buf, sizeof(buf));
	ck_assert_int_eq(wire_rd_array_len(&rd, 100, 4, &is_null), 0);
	ck_assert(is_null && wire_rd_ok(&rd));
}
END_TEST

START_TEST(writer_measures_then_grows)
{
	wire_wr_t wr;

	wire_wr_init(&wr, NULL, 0);
	wire_wr_i64(&wr, 42);
	wire_wr_str16(&wr, slice_from_cstr("hello"));
	ck_assert(!wire_wr_fits(&wr));
	ck_assert_uint_eq(wr.pos, 15);
	ck_assert_int_eq(wire_wr_grow_to(&wr, wr.pos), TRIB_OK);
	wr.pos = 0;
	wire_wr_i64(&wr, 42);
	wire_wr_str16(&wr, slice_from_cstr("hello"));
	ck_assert(wire_wr_fits(&wr));
	ck_assert_mem_eq(wr.buf + 10, "hello", 5);
	mem_free(wr.buf);
}
END_TEST

START_TEST(tags_skipped)
{
	uint8_t buf[] = {2, 0, 1, 0xaa, 5, 2, 0xbb, 0xcc, 7};
	wire_rd_t rd;

	wire_rd_init(&rd, buf, sizeof(buf));
	wire_rd_skip_tags(&rd);
	ck_assert(wire_rd_ok(&rd));
	ck_assert_int_eq(wire_rd_u8(&rd), 7);
}
END_TEST

START_TEST(crc32c_vectors)
{
	/* RFC 3720 B.4 check value and the all-zero 32-byte vector */
	uint8_t zeros[32] = {0};

	ck_assert_uint_eq(crc32c(0, "123456789", 9), 0xE3069283u);
	ck_assert_uint_eq(crc32c(0, zeros, sizeof(zeros)), 0x8A9136AAu);
	ck_assert_uint_eq(crc32c(crc32c(0, "1234", 4), "56789", 5), 0xE3069283u);
}
END_TEST

START_TEST(slice_numbers)
{
	int64_t v = 7;

	ck_assert(slice_to_i64(slice_from_cstr("-9223372036854775808"), &v));
	ck_assert_int_eq(v, INT64_MIN);
	ck_assert(slice_to_i64(slice_from_cstr("+9223372036854775807"), &v));
	ck_assert_int_eq(v, INT64_MAX);
	ck_assert(slice_to_i64(slice_from_cstr("0042"), &v));
	ck_assert_int_eq(v, 42);
	v = 7;
	ck_assert(!slice_to_i64(slice_from_cstr("9223372036854775808"), &v));
	ck_assert(!slice_to_i64(slice_from_cstr("-"), &v));
	ck_assert(!slice_to_i64(slice_from_cstr(""), &v));
	ck_assert(!slice_to_i64(slice_from_cstr("1 "), &v));
	ck_assert(!slice_to_i64(slice_from_cstr("0x10"), &v));
	ck_assert_int_eq(v, 7); /* untouched on failure */
	ck_assert_int_eq(slice_hex_digit('0'), 0);
	ck_assert_int_eq(slice_hex_digit('f'), 15);
	ck_assert_int_eq(slice_hex_digit('A'), 10);
	ck_assert_int_eq(slice_hex_digit('g'), -1);
	ck_assert_int_eq(slice_hex_digit(0xC3), -1);
	ck_assert_int_eq(slice_hex_digit((char)0xC3), -1);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("wire");
	TCase *t = tcase_create("primitives");
	SRunner *r;
	int failed;

	tcase_add_test(t, varint_round_trip);
	tcase_add_test(t, varint_known_bytes);
	tcase_add_test(t, uvarint_too_long_fails);
	tcase_add_test(t, reader_failure_is_sticky);
	tcase_add_test(t, strings_null_and_empty);
	tcase_add_test(t, string_longer_than_input_fails);
	tcase_add_test(t, array_len_limits);
	tcase_add_test(t, writer_measures_then_grows);
	tcase_add_test(t, tags_skipped);
	tcase_add_test(t, crc32c_vectors);
	tcase_add_test(t, slice_numbers);
	suite_add_tcase(s, t);
	r = srunner_create(s);
	srunner_run_all(r, CK_NORMAL);
	failed = srunner_ntests_failed(r);
	srunner_free(r);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
