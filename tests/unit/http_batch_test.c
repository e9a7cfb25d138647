/* http_batch: the JSON batch body of the Event Hubs send API. */
#include "http_batch.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mem.h"
#include "rb.h"

static http_arena_t arena;
static http_event_msg_t msg;

static void setup(void)
{
	http_arena_init(&arena);
	memset(&msg, 0, sizeof(msg));
}

static void teardown(void)
{
	http_arena_free(&arena);
	ck_assert_uint_eq(mem_used(MEM_HTTP), 0);
}

static trib_err_t parse(const char *json, http_event_t **evs, size_t *n)
{
	return http_batch_parse(&arena, (const uint8_t *)json, strlen(json), evs, n, &msg);
}

static void expect_bad(const char *json, trib_err_t want, const char *text)
{
	http_event_t *evs;
	size_t n;

	ck_assert_int_eq(parse(json, &evs, &n), want);
	ck_assert_msg(strstr(msg.text, text) != NULL, "'%s' gave '%s', want '%s'", json, msg.text,
		      text);
}

static trib_slice_t S(const char *s)
{
	return slice_from_cstr(s);
}

START_TEST(good_batch)
{
	const char *json =
		"[{\"Body\":\"Message1\"},"
		" {\"Body\":\"Message2\", \"UserProperties\":{\"Alert\":\"Strong Wind\","
		"\"n\":7, \"big\":4294967296, \"r\":2.5, \"ok\":true, \"no\":false},"
		" \"BrokerProperties\":{\"CorrelationId\":\"c-1\",\"PartitionKey\":\"k\","
		"\"TimeToLive\":60}}]";
	http_event_t *evs;
	size_t n;

	ck_assert_int_eq(parse(json, &evs, &n), TRIB_OK);
	ck_assert_uint_eq(n, 2);
	ck_assert(slice_eq(evs[0].body, S("Message1")));
	ck_assert_ptr_null(evs[0].key.ptr);
	ck_assert_uint_eq(evs[0].nprops, 0);
	ck_assert_int_eq(evs[0].partition, -1);
	ck_assert(slice_eq(evs[1].body, S("Message2")));
	ck_assert(slice_eq(evs[1].key, S("k")));
	ck_assert(slice_eq(evs[1].sys[HTTP_EVENT_SYS_CORRELATION_ID], S("c-1")));
	ck_assert_uint_eq(evs[1].nprops, 6);
	for (size_t i = 0; i < evs[1].nprops; i++) {
		const http_event_prop_t *p = &evs[1].props[i];

		if (slice_eq(p->name, S("Alert")))
			ck_assert_uint_eq(p->value.ptr[0], 0xa1);
		else if (slice_eq(p->name, S("n")))
			ck_assert_mem_eq(p->value.ptr, "\x71\0\0\0\x07", 5);
		else if (slice_eq(p->name, S("big")))
			ck_assert_mem_eq(p->value.ptr, "\x81\0\0\0\x01\0\0\0\0", 9);
		else if (slice_eq(p->name, S("r")))
			ck_assert_uint_eq(p->value.ptr[0], 0x82);
		else if (slice_eq(p->name, S("ok")))
			ck_assert_uint_eq(p->value.ptr[0], 0x41);
		else if (slice_eq(p->name, S("no")))
			ck_assert_uint_eq(p->value.ptr[0], 0x42);
		else
			ck_abort_msg("unexpected property");
	}
}
END_TEST

START_TEST(unicode_bodies)
{
	/* escaped and raw UTF-8, a surrogate pair, and an embedded NUL */
	const char json[] = "[{\"Body\":\"caf\\u00e9 \xe2\x82\xac \\ud83d\\ude00\"},"
			    "{\"Body\":\"a\\u0000b\"}, {\"Body\":\"\"}]";
	http_event_t *evs;
	size_t n;

	ck_assert_int_eq(parse(json, &evs, &n), TRIB_OK);
	ck_assert_uint_eq(n, 3);
	ck_assert_uint_eq(evs[0].body.len, 5 + 1 + 3 + 1 + 4);
	ck_assert_mem_eq(evs[0].body.ptr, "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", 14);
	ck_assert_uint_eq(evs[1].body.len, 3);
	ck_assert_mem_eq(evs[1].body.ptr, "a\0b", 3);
	ck_assert_ptr_nonnull(evs[2].body.ptr);
	ck_assert_uint_eq(evs[2].body.len, 0);
}
END_TEST

START_TEST(bad_json)
{
	expect_bad("", TRIB_ERR_INVALID, "invalid JSON at line");
	expect_bad("[{\"Body\":\"a\"}", TRIB_ERR_INVALID, "invalid JSON at line 1, column");
	expect_bad("[{\"Body\":\"a\"}] x", TRIB_ERR_INVALID, "invalid JSON");
	expect_bad("[{\"Body\":\"a\",}]", TRIB_ERR_INVALID, "invalid JSON");
	expect_bad("[{\"Body\":\"\xff\"}]", TRIB_ERR_INVALID, "invalid JSON");
	expect_bad("[{\"Body\":\"a\",\"Body\":\"b\"}]", TRIB_ERR_INVALID, "duplicate");
	expect_bad("[{\"Body\":\"a\"},\n{\"Body\": tru}]", TRIB_ERR_INVALID, "line 2");
}
END_TEST

START_TEST(bad_shapes)
{
	expect_bad("{\"Body\":\"a\"}", TRIB_ERR_INVALID, "a batch must be a JSON array of events");
	expect_bad("\"x\"", TRIB_ERR_INVALID, "JSON array");
	expect_bad("[]", TRIB_ERR_INVALID, "the batch is empty");
	expect_bad("[1]", TRIB_ERR_INVALID, "events[0] is not a JSON object");
	expect_bad("[{\"Body\":\"a\"}, null]", TRIB_ERR_INVALID, "events[1] is not a JSON object");
	expect_bad("[{}]", TRIB_ERR_INVALID, "events[0].Body is missing");
	expect_bad("[{\"body\":\"a\"}]", TRIB_ERR_INVALID, "events[0].Body is missing");
	expect_bad("[{\"Body\":5}]", TRIB_ERR_INVALID, "events[0].Body must be a string");
	expect_bad("[{\"Body\":null}]", TRIB_ERR_INVALID, "events[0].Body must be a string");
	expect_bad("[{\"Body\":{\"a\":1}}]", TRIB_ERR_INVALID, "events[0].Body must be a string");
	expect_bad("[{\"Body\":\"a\",\"UserProperties\":[]}]", TRIB_ERR_INVALID,
		   "events[0].UserProperties must be a JSON object");
	expect_bad("[{\"Body\":\"a\",\"UserProperties\":{\"p\":null}}]", TRIB_ERR_INVALID,
		   "events[0].UserProperties.p: null values are not supported");
	expect_bad("[{\"Body\":\"a\",\"UserProperties\":{\"p\":{}}}]", TRIB_ERR_INVALID,
		   "events[0].UserProperties.p: objects and arrays");
	expect_bad("[{\"Body\":\"a\",\"UserProperties\":{\"p\":[1]}}]", TRIB_ERR_INVALID,
		   "objects and arrays");
	expect_bad("[{\"Body\":\"a\",\"BrokerProperties\":\"k\"}]", TRIB_ERR_INVALID,
		   "events[0].BrokerProperties must be a JSON object");
	expect_bad("[{\"Body\":\"a\",\"BrokerProperties\":{\"PartitionKey\":1}}]", TRIB_ERR_INVALID,
		   "events[0].BrokerProperties.PartitionKey must be a string");
	expect_bad("[{\"Body\":\"a\",\"BrokerProperties\":{\"MessageId\":true}}]", TRIB_ERR_INVALID,
		   "events[0].BrokerProperties.MessageId must be a string");
	/* integers past int64 are refused by the JSON parser itself */
	expect_bad("[{\"Body\":\"a\",\"UserProperties\":{\"p\":9223372036854775808}}]",
		   TRIB_ERR_INVALID, "invalid JSON");
}
END_TEST

START_TEST(nulls_are_absent)
{
	http_event_t *evs;
	size_t n;

	ck_assert_int_eq(
		parse("[{\"Body\":\"a\",\"UserProperties\":null,\"BrokerProperties\":null},"
		      "{\"Body\":\"b\",\"BrokerProperties\":{\"PartitionKey\":null}}]",
		      &evs, &n),
		TRIB_OK);
	ck_assert_uint_eq(n, 2);
	ck_assert_uint_eq(evs[0].nprops, 0);
	ck_assert_ptr_null(evs[1].key.ptr);
}
END_TEST

START_TEST(int_boundaries)
{
	http_event_t *evs;
	size_t n;
	static const struct {
		const char *v;
		uint8_t code;
	} cases[] = {
		{"2147483647", 0x71},
		{"2147483648", 0x81},
		{"-2147483648", 0x71},
		{"-2147483649", 0x81},
		{"9223372036854775807", 0x81},
		{"-9223372036854775808", 0x81},
		{"1.0", 0x82},
		{"1e2", 0x82},
		{"\"12\"", 0xa1},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char json[128];

		snprintf(json, sizeof(json), "[{\"Body\":\"a\",\"UserProperties\":{\"p\":%s}}]",
			 cases[i].v);
		ck_assert_int_eq(parse(json, &evs, &n), TRIB_OK);
		ck_assert_msg(evs[0].props[0].value.ptr[0] == cases[i].code, "%s", cases[i].v);
	}
}
END_TEST

static char *repeat(const char *head, const char *item, size_t count, const char *tail)
{
	size_t hl = strlen(head), il = strlen(item), tl = strlen(tail);
	char *s = malloc(hl + count * (il + 1) + tl + 1);
	char *p = s;

	memcpy(p, head, hl);
	p += hl;
	for (size_t i = 0; i < count; i++) {
		if (i)
			*p++ = ',';
		memcpy(p, item, il);
		p += il;
	}
	memcpy(p, tail, tl + 1);
	return s;
}

START_TEST(event_count_limit)
{
	char *at = repeat("[", "{\"Body\":\"\"}", HTTP_BATCH_MAX_EVENTS, "]");
	char *over = repeat("[", "{\"Body\":\"\"}", HTTP_BATCH_MAX_EVENTS + 1, "]");
	http_event_t *evs;
	size_t n;

	ck_assert_int_eq(parse(at, &evs, &n), TRIB_OK);
	ck_assert_uint_eq(n, HTTP_BATCH_MAX_EVENTS);
	expect_bad(over, TRIB_ERR_TOO_LARGE, "the batch has more than 65536 events");
	free(at);
	free(over);
}
END_TEST

static char *props_json(size_t count)
{
	size_t cap = 64 + count * 24;
	char *s = malloc(cap);
	size_t pos = (size_t)snprintf(s, cap, "[{\"Body\":\"a\",\"UserProperties\":{");

	for (size_t i = 0; i < count; i++)
		pos += (size_t)snprintf(s + pos, cap - pos, "%s\"p%zu\":%zu", i ? "," : "", i, i);
	snprintf(s + pos, cap - pos, "}}]");
	return s;
}

START_TEST(prop_count_limit)
{
	char *at = props_json(HTTP_EVENT_MAX_PROPS);
	char *over = props_json(HTTP_EVENT_MAX_PROPS + 1);
	http_event_t *evs;
	size_t n;

	ck_assert_int_eq(parse(at, &evs, &n), TRIB_OK);
	ck_assert_uint_eq(evs[0].nprops, HTTP_EVENT_MAX_PROPS);
	expect_bad(over, TRIB_ERR_TOO_LARGE, "events[0] has more than 1024 user properties");
	free(at);
	free(over);
}
END_TEST

START_TEST(content_type)
{
	ck_assert(http_batch_content_type("application/vnd.microsoft.servicebus.json"));
	ck_assert(http_batch_content_type("Application/Vnd.Microsoft.ServiceBus.JSON"));
	ck_assert(http_batch_content_type(
		"application/vnd.microsoft.servicebus.json; charset=utf-8"));
	ck_assert(http_batch_content_type(" application/vnd.microsoft.servicebus.json ;x=y"));
	ck_assert(!http_batch_content_type(NULL));
	ck_assert(!http_batch_content_type(""));
	ck_assert(!http_batch_content_type("application/json"));
	ck_assert(!http_batch_content_type("application/atom+xml;type=entry;charset=utf-8"));
	ck_assert(!http_batch_content_type("application/vnd.microsoft.servicebus.jsonx"));
}
END_TEST

START_TEST(parse_then_build)
{
	const char *json = "[{\"Body\":\"one\",\"BrokerProperties\":{\"PartitionKey\":\"a\"}},"
			   "{\"Body\":\"two\",\"UserProperties\":{\"x\":1}}]";
	http_event_t *evs;
	http_event_batch_t *b;
	size_t n, nb;
	rb_header_t h;

	ck_assert_int_eq(parse(json, &evs, &n), TRIB_OK);
	evs[0].partition = 1;
	evs[1].partition = 1;
	ck_assert_int_eq(http_event_build(&arena, evs, n, 1000, &b, &nb), TRIB_OK);
	ck_assert_uint_eq(nb, 1);
	ck_assert_int_eq(rb_check(b[0].bytes, b[0].len, &h), TRIB_OK);
	ck_assert_int_eq(rb_validate_records(b[0].bytes, b[0].len, &h), TRIB_OK);
	ck_assert_int_eq(h.records_count, 2);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("http_batch");
	TCase *t;

	t = tcase_create("parse");
	tcase_add_checked_fixture(t, setup, teardown);
	tcase_add_test(t, good_batch);
	tcase_add_test(t, unicode_bodies);
	tcase_add_test(t, bad_json);
	tcase_add_test(t, bad_shapes);
	tcase_add_test(t, nulls_are_absent);
	tcase_add_test(t, int_boundaries);
	tcase_add_test(t, parse_then_build);
	suite_add_tcase(s, t);
	t = tcase_create("limits");
	tcase_add_checked_fixture(t, setup, teardown);
	tcase_set_timeout(t, 60);
	tcase_add_test(t, event_count_limit);
	tcase_add_test(t, prop_count_limit);
	suite_add_tcase(s, t);
	t = tcase_create("content_type");
	tcase_add_test(t, content_type);
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
