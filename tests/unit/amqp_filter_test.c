/*
 * amqp_filter: selector expressions in every form SDKs send
 * (eventhubs-surface.md §1.4), filter-sets encoded by Proton with both
 * descriptor kinds, start-position resolution, bad input.
 */
#include "amqp_filter.h"

#include <check.h>
#include <proton/codec.h>
#include <string.h>

static amqp_filter_t f;

static trib_err_t expr(const char *s)
{
	return amqp_filter_parse_expr(slice_from_cstr(s), &f);
}

START_TEST(offsets)
{
	ck_assert_int_eq(expr("amqp.annotation.x-opt-offset > '-1'"), TRIB_OK);
	ck_assert_int_eq(f.kind, AMQP_FILTER_START);
	ck_assert_int_eq(expr("amqp.annotation.x-opt-offset > -1"), TRIB_OK);
	ck_assert_int_eq(f.kind, AMQP_FILTER_START);
	ck_assert_int_eq(expr("amqp.annotation.x-opt-offset > '@latest'"), TRIB_OK);
	ck_assert_int_eq(f.kind, AMQP_FILTER_LATEST);
	ck_assert_int_eq(expr("amqp.annotation.x-opt-offset > @latest"), TRIB_OK);
	ck_assert_int_eq(f.kind, AMQP_FILTER_LATEST);
	ck_assert_int_eq(expr("amqp.annotation.x-opt-offset >= '42'"), TRIB_OK);
	ck_assert_int_eq(f.kind, AMQP_FILTER_OFFSET);
	ck_assert(f.inclusive);
	ck_assert_int_eq(f.value, 42);
	ck_assert_int_eq(expr("  AMQP.Annotation.X-Opt-Offset>42  "), TRIB_OK);
	ck_assert(!f.inclusive);
	ck_assert_int_eq(f.value, 42);
}
END_TEST

START_TEST(sequence_and_time)
{
	ck_assert_int_eq(expr("amqp.annotation.x-opt-sequence-number > '5'"), TRIB_OK);
	ck_assert_int_eq(f.kind, AMQP_FILTER_OFFSET);
	ck_assert(!f.inclusive);
	ck_assert_int_eq(f.value, 5);
	ck_assert_int_eq(expr("amqp.annotation.x-opt-sequence-number >= 5"), TRIB_OK);
	ck_assert(f.inclusive);
	ck_assert_int_eq(expr("amqp.annotation.x-opt-enqueued-time > '1537406052971'"), TRIB_OK);
	ck_assert_int_eq(f.kind, AMQP_FILTER_TIME);
	ck_assert_int_eq(f.value, 1537406052971ll);
	ck_assert_int_eq(expr("amqp.annotation.x-opt-enqueued-time >= 1537406052971"), TRIB_OK);
	ck_assert(f.inclusive);
}
END_TEST

START_TEST(bad_expressions)
{
	const char *bad[] = {
		"",
		"amqp.annotation.x-opt-offset",
		"amqp.annotation.x-opt-offset <  5",
		"amqp.annotation.x-opt-offset = 5",
		"amqp.annotation.x-opt-foo > 5",
		"x-opt-offset > 5",
		"amqp.annotation.x-opt-offset > '5",
		"amqp.annotation.x-opt-offset > 5 and 1",
		"amqp.annotation.x-opt-offset > abc",
		"amqp.annotation.x-opt-offset > -2",
		"amqp.annotation.x-opt-offset > 99999999999999999999",
		"amqp.annotation.x-opt-enqueued-time > -1",
		"amqp.annotation.x-opt-sequence-number > '@latest'",
		"amqp.annotation.x-opt-offset > ''",
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(expr(bad[i]) == TRIB_ERR_INVALID, "accepted: %s", bad[i]);
	ck_assert_int_eq(expr("amqp.annotation.x-opt-offset > 9223372036854775807"), TRIB_OK);
}
END_TEST

/* Encodes a filter-set the way clients build it, with pn_data_t, then parses it. */
static trib_err_t encode_and_parse(const char *key, bool numeric, uint64_t code, const char *e)
{
	pn_data_t *d = pn_data(0);
	char buf[1024];
	ssize_t n;
	trib_err_t err;

	pn_data_put_map(d);
	pn_data_enter(d);
	pn_data_put_symbol(d, pn_bytes(strlen(key), key));
	pn_data_put_described(d);
	pn_data_enter(d);
	if (numeric)
		pn_data_put_ulong(d, code);
	else
		pn_data_put_symbol(d, pn_bytes(strlen(AMQP_FILTER_SELECTOR), AMQP_FILTER_SELECTOR));
	pn_data_put_string(d, pn_bytes(strlen(e), e));
	pn_data_exit(d);
	pn_data_exit(d);
	n = pn_data_encode(d, buf, sizeof(buf));
	ck_assert(n > 0);
	err = amqp_filter_parse((const uint8_t *)buf, (size_t)n, &f);
	pn_data_free(d);
	return err;
}

START_TEST(filter_sets)
{
	const char *e = "amqp.annotation.x-opt-sequence-number >= '7'";

	ck_assert_int_eq(encode_and_parse(AMQP_FILTER_SELECTOR, false, 0, e), TRIB_OK);
	ck_assert_int_eq(f.kind, AMQP_FILTER_OFFSET);
	ck_assert_int_eq(f.value, 7);
	ck_assert_int_eq(encode_and_parse(AMQP_FILTER_SELECTOR, true, AMQP_FILTER_CODE, e),
			 TRIB_OK);
	ck_assert_int_eq(f.value, 7);
	ck_assert_int_eq(encode_and_parse("other-key", true, AMQP_FILTER_CODE_NET, e), TRIB_OK);
	ck_assert_int_eq(f.value, 7);
	/* an unknown descriptor is another filter: ignored, start of stream */
	ck_assert_int_eq(encode_and_parse(AMQP_FILTER_SELECTOR, true, 0x1234, e), TRIB_OK);
	ck_assert_int_eq(f.kind, AMQP_FILTER_START);
	ck_assert_int_eq(encode_and_parse(AMQP_FILTER_SELECTOR, true, AMQP_FILTER_CODE, "nonsense"),
			 TRIB_ERR_INVALID);
}
END_TEST

START_TEST(empty_and_malformed_sets)
{
	static const uint8_t null_v[] = {0x40};
	static const uint8_t empty_map[] = {0xc1, 0x01, 0x00};
	static const uint8_t not_map[] = {0xa1, 0x01, 'x'};
	static const uint8_t truncated[] = {0xc1, 0x09, 0x02, 0xa3};
	static const uint8_t trailing[] = {0xc1, 0x01, 0x00, 0x40};

	ck_assert_int_eq(amqp_filter_parse(NULL, 0, &f), TRIB_OK);
	ck_assert_int_eq(f.kind, AMQP_FILTER_START);
	ck_assert_int_eq(amqp_filter_parse(null_v, sizeof(null_v), &f), TRIB_OK);
	ck_assert_int_eq(amqp_filter_parse(empty_map, sizeof(empty_map), &f), TRIB_OK);
	ck_assert_int_eq(f.kind, AMQP_FILTER_START);
	ck_assert_int_eq(amqp_filter_parse(not_map, sizeof(not_map), &f), TRIB_ERR_INVALID);
	ck_assert_int_eq(amqp_filter_parse(truncated, sizeof(truncated), &f), TRIB_ERR_INVALID);
	ck_assert_int_eq(amqp_filter_parse(trailing, sizeof(trailing), &f), TRIB_ERR_INVALID);
}
END_TEST

START_TEST(start_positions)
{
	int64_t at;
	amqp_filter_t g = {AMQP_FILTER_START, false, 0};

	ck_assert_int_eq(amqp_filter_start(&g, 3, 10, &at), TRIB_OK);
	ck_assert_int_eq(at, 3);
	g.kind = AMQP_FILTER_LATEST;
	ck_assert_int_eq(amqp_filter_start(&g, 3, 10, &at), TRIB_OK);
	ck_assert_int_eq(at, 10);
	g = (amqp_filter_t){AMQP_FILTER_OFFSET, false, 9};
	ck_assert_int_eq(amqp_filter_start(&g, 0, 10, &at), TRIB_OK); /* "> last" is fine */
	ck_assert_int_eq(at, 10);
	g.value = 10;
	ck_assert_int_eq(amqp_filter_start(&g, 0, 10, &at), TRIB_ERR_OUT_OF_RANGE);
	g.inclusive = true;
	ck_assert_int_eq(amqp_filter_start(&g, 0, 10, &at), TRIB_OK);
	ck_assert_int_eq(at, 10);
	g.value = 11;
	ck_assert_int_eq(amqp_filter_start(&g, 0, 10, &at), TRIB_ERR_OUT_OF_RANGE);
	g.value = 1;
	ck_assert_int_eq(amqp_filter_start(&g, 5, 10, &at), TRIB_OK); /* below start: moved up */
	ck_assert_int_eq(at, 5);
	g.kind = AMQP_FILTER_TIME;
	ck_assert_int_eq(amqp_filter_start(&g, 5, 10, &at), TRIB_ERR_INVALID);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("amqp_filter");
	TCase *tc = tcase_create("parse");

	tcase_add_test(tc, offsets);
	tcase_add_test(tc, sequence_and_time);
	tcase_add_test(tc, bad_expressions);
	tcase_add_test(tc, filter_sets);
	tcase_add_test(tc, empty_and_malformed_sets);
	tcase_add_test(tc, start_positions);
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
