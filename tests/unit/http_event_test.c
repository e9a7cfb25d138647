/* http_event: typing of header values, BrokerProperties, single events, record building. */
#include "http_event.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "evhdr.h"
#include "mem.h"
#include "rb.h"

static http_arena_t arena;

static void setup(void)
{
	http_arena_init(&arena);
}

static void teardown(void)
{
	http_arena_free(&arena);
	ck_assert_uint_eq(mem_used(MEM_HTTP), 0);
}

static trib_slice_t S(const char *s)
{
	return slice_from_cstr(s);
}

static http_event_value_t ty(const char *s)
{
	return http_event_type_text(S(s));
}

/* ---- typing ---- */

START_TEST(type_int32_bounds)
{
	http_event_value_t v;

	v = ty("0");
	ck_assert_int_eq(v.type, HTTP_EVENT_INT);
	ck_assert_int_eq(v.i, 0);
	v = ty("2147483647");
	ck_assert_int_eq(v.type, HTTP_EVENT_INT);
	ck_assert_int_eq(v.i, INT32_MAX);
	v = ty("-2147483648");
	ck_assert_int_eq(v.type, HTTP_EVENT_INT);
	ck_assert_int_eq(v.i, INT32_MIN);
	v = ty("+17");
	ck_assert_int_eq(v.type, HTTP_EVENT_INT);
	ck_assert_int_eq(v.i, 17);
	v = ty("-0");
	ck_assert_int_eq(v.type, HTTP_EVENT_INT);
	ck_assert_int_eq(v.i, 0);
	v = ty("007");
	ck_assert_int_eq(v.type, HTTP_EVENT_INT);
	ck_assert_int_eq(v.i, 7);
}
END_TEST

START_TEST(type_int64_bounds)
{
	http_event_value_t v;

	v = ty("2147483648");
	ck_assert_int_eq(v.type, HTTP_EVENT_LONG);
	ck_assert_int_eq(v.i, (int64_t)INT32_MAX + 1);
	v = ty("-2147483649");
	ck_assert_int_eq(v.type, HTTP_EVENT_LONG);
	ck_assert_int_eq(v.i, (int64_t)INT32_MIN - 1);
	v = ty("9223372036854775807");
	ck_assert_int_eq(v.type, HTTP_EVENT_LONG);
	ck_assert_int_eq(v.i, INT64_MAX);
	v = ty("-9223372036854775808");
	ck_assert_int_eq(v.type, HTTP_EVENT_LONG);
	ck_assert_int_eq(v.i, INT64_MIN);
	/* past int64: still a number, so a double */
	v = ty("9223372036854775808");
	ck_assert_int_eq(v.type, HTTP_EVENT_DOUBLE);
	ck_assert(v.d == 9223372036854775808.0);
	v = ty("-9223372036854775809");
	ck_assert_int_eq(v.type, HTTP_EVENT_DOUBLE);
}
END_TEST

START_TEST(type_double)
{
	static const struct {
		const char *s;
		double d;
	} ok[] = {
		{"1.5", 1.5},      {"-0.25", -0.25},
		{".5", 0.5},       {"5.", 5.0},
		{"1e3", 1000.0},   {"1E-2", 0.01},
		{"+2.5e+1", 25.0}, {"123456789012345678901234567890", 1.2345678901234568e29},
	};

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		http_event_value_t v = ty(ok[i].s);

		ck_assert_msg(v.type == HTTP_EVENT_DOUBLE, "%s", ok[i].s);
		ck_assert_double_eq_tol(v.d, ok[i].d,
					1e-9 * (ok[i].d < 0 ? -ok[i].d : ok[i].d) + 1e-12);
	}
}
END_TEST

START_TEST(type_not_numbers)
{
	static const char *const strs[] = {
		"",      " ",      "-",   "+",     ".",           "e5",       "1e",  "1e+",
		"1.2.3", "0x10",   "1,5", "12abc", "inf",         "Infinity", "nan", "NaN",
		"1e999", "-1e999", " 1",  "1 ",    "Strong Wind", "truex",    "yes",
	};

	for (size_t i = 0; i < sizeof(strs) / sizeof(strs[0]); i++) {
		http_event_value_t v = ty(strs[i]);

		ck_assert_msg(v.type == HTTP_EVENT_STRING, "'%s' typed %d", strs[i], v.type);
		ck_assert_uint_eq(v.s.len, strlen(strs[i]));
	}
}
END_TEST

START_TEST(type_bool)
{
	ck_assert_int_eq(ty("true").type, HTTP_EVENT_BOOL);
	ck_assert(ty("true").b);
	ck_assert_int_eq(ty("TRUE").type, HTTP_EVENT_BOOL);
	ck_assert(ty("True").b);
	ck_assert_int_eq(ty("false").type, HTTP_EVENT_BOOL);
	ck_assert(!ty("FaLsE").b);
}
END_TEST

static void check_enc(const http_event_value_t *v, const uint8_t *want, size_t n)
{
	trib_slice_t out;

	ck_assert_int_eq(http_event_encode(&arena, v, &out), TRIB_OK);
	ck_assert_uint_eq(out.len, n);
	ck_assert_mem_eq(out.ptr, want, n);
}

START_TEST(encode_values)
{
	http_event_value_t v;
	static const uint8_t i1234[] = {0x71, 0, 0, 0x04, 0xd2};
	static const uint8_t lmin[] = {0x81, 0x80, 0, 0, 0, 0, 0, 0, 0};
	static const uint8_t d15[] = {0x82, 0x3f, 0xf8, 0, 0, 0, 0, 0, 0};
	static const uint8_t t[] = {0x41};
	static const uint8_t f[] = {0x42};
	static const uint8_t hello[] = {0xa1, 5, 'h', 'e', 'l', 'l', 'o'};

	v = ty("1234");
	check_enc(&v, i1234, sizeof(i1234));
	v = ty("-9223372036854775808");
	check_enc(&v, lmin, sizeof(lmin));
	v = ty("1.5");
	check_enc(&v, d15, sizeof(d15));
	v = ty("TRUE");
	check_enc(&v, t, 1);
	v = ty("false");
	check_enc(&v, f, 1);
	v = ty("hello");
	check_enc(&v, hello, sizeof(hello));
}
END_TEST

START_TEST(encode_long_string)
{
	char big[300];
	trib_slice_t out;
	http_event_value_t v;

	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	v = ty(big);
	ck_assert_int_eq(http_event_encode(&arena, &v, &out), TRIB_OK);
	ck_assert_uint_eq(out.len, 5 + 299);
	ck_assert_uint_eq(out.ptr[0], 0xb1);
	ck_assert_uint_eq(out.ptr[4], 299 & 0xff);
	ck_assert_uint_eq(out.ptr[3], 299 >> 8);
}
END_TEST

START_TEST(encode_json_values)
{
	http_event_msg_t msg = {{0}};
	trib_slice_t out;
	json_t *j;

	j = json_integer(INT32_MAX);
	ck_assert_int_eq(http_event_encode_json(&arena, j, "p", &out, &msg), TRIB_OK);
	ck_assert_uint_eq(out.ptr[0], 0x71);
	json_decref(j);
	j = json_integer((json_int_t)INT32_MAX + 1);
	ck_assert_int_eq(http_event_encode_json(&arena, j, "p", &out, &msg), TRIB_OK);
	ck_assert_uint_eq(out.ptr[0], 0x81);
	json_decref(j);
	j = json_integer(INT32_MIN);
	ck_assert_int_eq(http_event_encode_json(&arena, j, "p", &out, &msg), TRIB_OK);
	ck_assert_uint_eq(out.ptr[0], 0x71);
	json_decref(j);
	j = json_integer((json_int_t)INT32_MIN - 1);
	ck_assert_int_eq(http_event_encode_json(&arena, j, "p", &out, &msg), TRIB_OK);
	ck_assert_uint_eq(out.ptr[0], 0x81);
	json_decref(j);
	j = json_real(2.0);
	ck_assert_int_eq(http_event_encode_json(&arena, j, "p", &out, &msg), TRIB_OK);
	ck_assert_uint_eq(out.ptr[0], 0x82);
	json_decref(j);
	/* a JSON string that looks like a number stays a string */
	j = json_string("42");
	ck_assert_int_eq(http_event_encode_json(&arena, j, "p", &out, &msg), TRIB_OK);
	ck_assert_uint_eq(out.ptr[0], 0xa1);
	json_decref(j);
	j = json_null();
	ck_assert_int_eq(http_event_encode_json(&arena, j, "p", &out, &msg), TRIB_ERR_INVALID);
	ck_assert_ptr_nonnull(strstr(msg.text, "null"));
	j = json_object();
	ck_assert_int_eq(http_event_encode_json(&arena, j, "p", &out, &msg), TRIB_ERR_INVALID);
	json_decref(j);
	j = json_array();
	ck_assert_int_eq(http_event_encode_json(&arena, j, "p", &out, &msg), TRIB_ERR_INVALID);
	json_decref(j);
}
END_TEST

/* ---- headers and single events ---- */

START_TEST(reserved_headers)
{
	static const char *const yes[] = {
		"Host",
		"content-type",
		"Content-Length",
		"AUTHORIZATION",
		"User-Agent",
		"Accept",
		"Accept-Encoding",
		"Connection",
		"Expect",
		"Transfer-Encoding",
		"Cookie",
		"BrokerProperties",
		"x-ms-retrypolicy",
		"X-MS-Foo",
		"Origin",
		"Referer",
		"TE",
		"Upgrade",
		"Via",
		"Cache-Control",
		"Pragma",
		"Date",
		"Keep-Alive",
		"Proxy-Authorization",
		"Forwarded",
		"X-Forwarded-For",
	};
	static const char *const no[] = {"Alert",   "x-custom",  "TEMP",
					 "Hosting", "X-Forward", "Content"};

	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
		ck_assert_msg(http_event_header_reserved(S(yes[i])), "%s", yes[i]);
	for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++)
		ck_assert_msg(!http_event_header_reserved(S(no[i])), "%s", no[i]);
}
END_TEST

#define H(n, v)                                                                                    \
	{                                                                                          \
		{(const uint8_t *)(n), sizeof(n) - 1},                                             \
		{                                                                                  \
			(const uint8_t *)(v), sizeof(v) - 1                                        \
		}                                                                                  \
	}

START_TEST(single_event)
{
	http_event_header_t hdrs[] = {
		H("Host", "localhost"),
		H("Content-Type", "application/atom+xml;type=entry;charset=utf-8"),
		H("Alert", "Strong Wind"),
		H("Count", "12"),
		H("Big", "5000000000"),
		H("Ratio", "0.5"),
		H("Flag", "true"),
		H("BrokerProperties",
		  "{\"PartitionKey\":\"dev-1\",\"MessageId\":\"m1\",\"Label\":\"L\","
		  "\"CorrelationId\":\"c\",\"ContentType\":\"text/plain\",\"To\":\"t\","
		  "\"ReplyTo\":\"r\",\"TimeToLive\":30,\"Unknown\":{}}"),
		H("alert", "second copy is ignored"),
		H("x-ms-retrypolicy", "NoRetry"),
	};
	http_event_msg_t msg = {{0}};
	http_event_t *ev;

	ck_assert_int_eq(http_event_from_request(&arena, S("payload"), hdrs, 10, &ev, &msg),
			 TRIB_OK);
	ck_assert(slice_eq(ev->body, S("payload")));
	ck_assert(slice_eq(ev->key, S("dev-1")));
	ck_assert_ptr_null(ev->publisher.ptr);
	ck_assert_int_eq(ev->partition, -1);
	ck_assert_uint_eq(ev->nprops, 5);
	ck_assert(slice_eq(ev->props[0].name, S("Alert")));
	ck_assert_uint_eq(ev->props[0].value.ptr[0], 0xa1);
	ck_assert_uint_eq(ev->props[0].value.len, 2 + 11);
	ck_assert(slice_eq(ev->props[1].name, S("Count")));
	ck_assert_uint_eq(ev->props[1].value.ptr[0], 0x71);
	ck_assert_uint_eq(ev->props[2].value.ptr[0], 0x81);
	ck_assert_uint_eq(ev->props[3].value.ptr[0], 0x82);
	ck_assert_uint_eq(ev->props[4].value.ptr[0], 0x41);
	ck_assert(slice_eq(ev->sys[HTTP_EVENT_SYS_MESSAGE_ID], S("m1")));
	ck_assert(slice_eq(ev->sys[HTTP_EVENT_SYS_SUBJECT], S("L")));
	ck_assert(slice_eq(ev->sys[HTTP_EVENT_SYS_CORRELATION_ID], S("c")));
	ck_assert(slice_eq(ev->sys[HTTP_EVENT_SYS_CONTENT_TYPE], S("text/plain")));
	ck_assert(slice_eq(ev->sys[HTTP_EVENT_SYS_TO], S("t")));
	ck_assert(slice_eq(ev->sys[HTTP_EVENT_SYS_REPLY_TO], S("r")));
}
END_TEST

START_TEST(single_event_empty)
{
	http_event_msg_t msg = {{0}};
	http_event_t *ev;

	ck_assert_int_eq(http_event_from_request(&arena, TRIB_SLICE_NULL, NULL, 0, &ev, &msg),
			 TRIB_OK);
	ck_assert_ptr_nonnull(ev->body.ptr);
	ck_assert_uint_eq(ev->body.len, 0);
	ck_assert_ptr_null(ev->key.ptr);
	ck_assert_uint_eq(ev->nprops, 0);
}
END_TEST

START_TEST(single_event_bad_broker)
{
	http_event_header_t bad_json[] = {H("BrokerProperties", "{\"PartitionKey\": ")};
	http_event_header_t not_obj[] = {H("BrokerProperties", "[1]")};
	http_event_header_t not_str[] = {H("BrokerProperties", "{\"PartitionKey\": 5}")};
	http_event_header_t null_key[] = {H("BrokerProperties", "{\"PartitionKey\": null}")};
	http_event_msg_t msg = {{0}};
	http_event_t *ev;

	ck_assert_int_eq(http_event_from_request(&arena, S("b"), bad_json, 1, &ev, &msg),
			 TRIB_ERR_INVALID);
	ck_assert_ptr_nonnull(
		strstr(msg.text, "BrokerProperties header is not valid JSON (line 1"));
	ck_assert_int_eq(http_event_from_request(&arena, S("b"), not_obj, 1, &ev, &msg),
			 TRIB_ERR_INVALID);
	ck_assert_str_eq(msg.text, "BrokerProperties header must be a JSON object");
	ck_assert_int_eq(http_event_from_request(&arena, S("b"), not_str, 1, &ev, &msg),
			 TRIB_ERR_INVALID);
	ck_assert_str_eq(msg.text, "BrokerProperties header.PartitionKey must be a string");
	ck_assert_int_eq(http_event_from_request(&arena, S("b"), null_key, 1, &ev, &msg), TRIB_OK);
	ck_assert_ptr_null(ev->key.ptr);
}
END_TEST

START_TEST(single_event_bad_utf8)
{
	http_event_header_t bad[] = {H("Name", "caf\xe9")};
	http_event_header_t good[] = {H("Name", "caf\xc3\xa9")};
	http_event_msg_t msg = {{0}};
	http_event_t *ev;

	ck_assert_int_eq(http_event_from_request(&arena, S("b"), bad, 1, &ev, &msg),
			 TRIB_ERR_INVALID);
	ck_assert_str_eq(msg.text, "header 'Name' is not valid UTF-8");
	ck_assert_int_eq(http_event_from_request(&arena, S("b"), good, 1, &ev, &msg), TRIB_OK);
	ck_assert_uint_eq(ev->props[0].value.ptr[1], 5);
}
END_TEST

START_TEST(single_event_prop_limit)
{
	size_t n = HTTP_EVENT_MAX_PROPS + 1;
	http_event_header_t *h = calloc(n, sizeof(*h));
	char(*names)[16] = calloc(n, 16);
	http_event_msg_t msg = {{0}};
	http_event_t *ev;

	for (size_t i = 0; i < n; i++) {
		snprintf(names[i], 16, "p%zu", i);
		h[i].name = S(names[i]);
		h[i].value = S("1");
	}
	ck_assert_int_eq(http_event_from_request(&arena, S("b"), h, n - 1, &ev, &msg), TRIB_OK);
	ck_assert_uint_eq(ev->nprops, HTTP_EVENT_MAX_PROPS);
	ck_assert_int_eq(http_event_from_request(&arena, S("b"), h, n, &ev, &msg),
			 TRIB_ERR_TOO_LARGE);
	free(h);
	free(names);
}
END_TEST

START_TEST(publisher)
{
	http_event_t evs[2];
	http_event_msg_t msg = {{0}};

	memset(evs, 0, sizeof(evs));
	ck_assert_int_eq(http_event_set_publisher(evs, 2, S("dev-01"), &msg), TRIB_OK);
	ck_assert(slice_eq(evs[0].key, S("dev-01")));
	ck_assert(slice_eq(evs[1].publisher, S("dev-01")));
	/* same key again is fine, a different one is not */
	ck_assert_int_eq(http_event_set_publisher(evs, 2, S("dev-01"), &msg), TRIB_OK);
	evs[1].key = S("other");
	ck_assert_int_eq(http_event_set_publisher(evs, 2, S("dev-01"), &msg), TRIB_ERR_INVALID);
	ck_assert_str_eq(msg.text, "PartitionKey 'other' does not match publisher 'dev-01'");
}
END_TEST

START_TEST(utf8)
{
	ck_assert(http_event_utf8_valid((const uint8_t *)"", 0));
	ck_assert(http_event_utf8_valid((const uint8_t *)"a\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80",
					10));
	ck_assert(!http_event_utf8_valid((const uint8_t *)"\xc0\x80", 2));         /* overlong */
	ck_assert(!http_event_utf8_valid((const uint8_t *)"\xed\xa0\x80", 3));     /* surrogate */
	ck_assert(!http_event_utf8_valid((const uint8_t *)"\xf4\x90\x80\x80", 4)); /* > U+10FFFF */
	ck_assert(!http_event_utf8_valid((const uint8_t *)"\xe2\x82", 2));         /* truncated */
	ck_assert(!http_event_utf8_valid((const uint8_t *)"\x80", 1));
	ck_assert(!http_event_utf8_valid((const uint8_t *)"\xff", 1));
}
END_TEST

/* ---- records ---- */

typedef struct hdr {
	trib_slice_t name, value;
} hdr_t;

static int record_headers(const rb_record_t *r, hdr_t *out, int max)
{
	wire_rd_t rd;
	int n = 0;

	wire_rd_init(&rd, r->headers.ptr, r->headers.len);
	while (n < max && rb_headers_next(&rd, &out[n].name, &out[n].value))
		n++;
	ck_assert(wire_rd_ok(&rd));
	ck_assert_int_eq(n, r->header_count);
	return n;
}

START_TEST(build_layout)
{
	http_event_header_t hdrs[] = {
		H("Alert", "Strong Wind"),
		H("Count", "12"),
		H("BrokerProperties",
		  "{\"MessageId\":\"m1\",\"CorrelationId\":\"c1\",\"Label\":\"s\"}"),
	};
	http_event_msg_t msg = {{0}};
	http_event_t *ev;
	http_event_batch_t *b;
	size_t nb;
	rb_header_t h;
	rb_iter_t it;
	rb_record_t r;
	hdr_t hs[16];
	int n;

	ck_assert_int_eq(http_event_from_request(&arena, S("hello"), hdrs, 3, &ev, &msg), TRIB_OK);
	ck_assert_int_eq(http_event_set_publisher(ev, 1, S("dev"), &msg), TRIB_OK);
	ev->partition = 3;
	ck_assert_int_eq(http_event_build(&arena, ev, 1, 1700000000000, &b, &nb), TRIB_OK);
	ck_assert_uint_eq(nb, 1);
	ck_assert_int_eq(b[0].partition, 3);
	ck_assert_uint_eq(b[0].count, 1);
	ck_assert_int_eq(rb_check(b[0].bytes, b[0].len, &h), TRIB_OK);
	ck_assert_int_eq(rb_validate_records(b[0].bytes, b[0].len, &h), TRIB_OK);
	ck_assert_int_eq(h.base_timestamp, 1700000000000);
	ck_assert_int_eq(rb_iter_init(&it, b[0].bytes, b[0].len), TRIB_OK);
	ck_assert_int_eq(rb_iter_next(&it, &r), 1);
	ck_assert(slice_eq(r.key, S("dev")));
	ck_assert(slice_eq(r.value, S("hello")));
	n = record_headers(&r, hs, 16);
	ck_assert_int_eq(n, 7);
	ck_assert(slice_eq(hs[0].name, S("Alert")));
	ck_assert_uint_eq(hs[0].value.ptr[0], 0xa1);
	ck_assert(slice_eq(hs[1].name, S("Count")));
	ck_assert_uint_eq(hs[1].value.len, 5);
	ck_assert(slice_eq(hs[2].name, S(EVHDR_SRC)));
	ck_assert(slice_eq(hs[2].value, S("http")));
	ck_assert(slice_eq(hs[3].name, S(EVHDR_PUBLISHER)));
	ck_assert(slice_eq(hs[3].value, S("dev")));
	ck_assert(slice_eq(hs[4].name, S("message-id")));
	ck_assert(slice_eq(hs[4].value, S("m1")));
	ck_assert(slice_eq(hs[5].name, S("subject")));
	ck_assert(slice_eq(hs[6].name, S("correlation-id")));
	ck_assert_int_eq(rb_iter_next(&it, &r), 0);
}
END_TEST

START_TEST(build_groups)
{
	http_event_t evs[6];
	static const int32_t parts[6] = {2, 0, 2, 1, 0, 2};
	char bodies[6][4];
	http_event_batch_t *b;
	size_t nb;

	memset(evs, 0, sizeof(evs));
	for (int i = 0; i < 6; i++) {
		snprintf(bodies[i], sizeof(bodies[i]), "e%d", i);
		evs[i].body = S(bodies[i]);
		evs[i].partition = parts[i];
	}
	ck_assert_int_eq(http_event_build(&arena, evs, 6, 5, &b, &nb), TRIB_OK);
	ck_assert_uint_eq(nb, 3);
	for (size_t g = 0; g < nb; g++) {
		rb_iter_t it;
		rb_record_t r;
		int last = -1;
		size_t count = 0;

		ck_assert_int_eq(b[g].partition, (int32_t)g);
		ck_assert_int_eq(rb_iter_init(&it, b[g].bytes, b[g].len), TRIB_OK);
		while (rb_iter_next(&it, &r) == 1) {
			int idx = r.value.ptr[1] - '0';

			ck_assert_int_eq(parts[idx], (int32_t)g);
			ck_assert_int_gt(idx, last); /* request order kept */
			ck_assert_ptr_null(r.key.ptr);
			last = idx;
			count++;
		}
		ck_assert_uint_eq(count, b[g].count);
	}
	ck_assert_uint_eq(b[0].count + b[1].count + b[2].count, 6);
	http_event_batch_release(&b[1]);
	ck_assert_ptr_null(b[1].bytes);
	http_event_batch_release(&b[1]);
}
END_TEST

START_TEST(build_rejects)
{
	http_event_t ev;
	http_event_batch_t *b;
	size_t nb;

	memset(&ev, 0, sizeof(ev));
	ev.body = S("x");
	ck_assert_int_eq(http_event_build(&arena, &ev, 0, 0, &b, &nb), TRIB_ERR_INVALID);
	ev.partition = -1;
	ck_assert_int_eq(http_event_build(&arena, &ev, 1, 0, &b, &nb), TRIB_ERR_INVALID);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("http_event");
	TCase *t;

	t = tcase_create("type_text");
	tcase_add_checked_fixture(t, setup, teardown);
	tcase_add_test(t, type_int32_bounds);
	tcase_add_test(t, type_int64_bounds);
	tcase_add_test(t, type_double);
	tcase_add_test(t, type_not_numbers);
	tcase_add_test(t, type_bool);
	suite_add_tcase(s, t);
	t = tcase_create("encode");
	tcase_add_checked_fixture(t, setup, teardown);
	tcase_add_test(t, encode_values);
	tcase_add_test(t, encode_long_string);
	tcase_add_test(t, encode_json_values);
	suite_add_tcase(s, t);
	t = tcase_create("from_request");
	tcase_add_checked_fixture(t, setup, teardown);
	tcase_add_test(t, reserved_headers);
	tcase_add_test(t, single_event);
	tcase_add_test(t, single_event_empty);
	tcase_add_test(t, single_event_bad_broker);
	tcase_add_test(t, single_event_bad_utf8);
	tcase_add_test(t, single_event_prop_limit);
	tcase_add_test(t, publisher);
	tcase_add_test(t, utf8);
	suite_add_tcase(s, t);
	t = tcase_create("build");
	tcase_add_checked_fixture(t, setup, teardown);
	tcase_add_test(t, build_layout);
	tcase_add_test(t, build_groups);
	tcase_add_test(t, build_rejects);
	suite_add_tcase(s, t);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
