/* http_route: send paths; http_status: the trib_err_t -> HTTP status table. */
#include "http_route.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "http_status.h"

static http_route_t route(const char *path)
{
	http_route_t r;

	http_route_parse(path, strlen(path), &r);
	return r;
}

static trib_slice_t S(const char *s)
{
	return slice_from_cstr(s);
}

START_TEST(hub_route)
{
	http_route_t r = route("/eh1/messages");

	ck_assert_int_eq(r.kind, HTTP_ROUTE_HUB);
	ck_assert(slice_eq(r.hub, S("eh1")));
	ck_assert_ptr_null(r.arg.ptr);
	r = route("/eh1/Messages/");
	ck_assert_int_eq(r.kind, HTTP_ROUTE_HUB);
	ck_assert(slice_eq(r.hub, S("eh1")));
	/* a hub name with a slash */
	r = route("/a/b/messages");
	ck_assert_int_eq(r.kind, HTTP_ROUTE_HUB);
	ck_assert(slice_eq(r.hub, S("a/b")));
}
END_TEST

START_TEST(partition_route)
{
	http_route_t r = route("/eh1/partitions/3/messages");

	ck_assert_int_eq(r.kind, HTTP_ROUTE_PARTITION);
	ck_assert(slice_eq(r.hub, S("eh1")));
	ck_assert(slice_eq(r.arg, S("3")));
	r = route("/x/y/Partitions/10/messages");
	ck_assert_int_eq(r.kind, HTTP_ROUTE_PARTITION);
	ck_assert(slice_eq(r.hub, S("x/y")));
	ck_assert(slice_eq(r.arg, S("10")));
}
END_TEST

START_TEST(publisher_route)
{
	http_route_t r = route("/eh1/publishers/dev-01/messages");

	ck_assert_int_eq(r.kind, HTTP_ROUTE_PUBLISHER);
	ck_assert(slice_eq(r.hub, S("eh1")));
	ck_assert(slice_eq(r.arg, S("dev-01")));
	r = route("/eh1/publisher/dev-01/messages");
	ck_assert_int_eq(r.kind, HTTP_ROUTE_PUBLISHER);
}
END_TEST

START_TEST(not_routes)
{
	static const char *const bad[] = {
		"",
		"/",
		"/messages",
		"//messages",
		"/eh1",
		"/eh1/",
		"/eh1/message",
		"eh1/messages",
		"/eh1//messages",
		"/eh1/partitions//messages",
		"/eh1/messages/x",
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(route(bad[i]).kind == HTTP_ROUTE_NONE, "%s", bad[i]);
	/* "partitions" with nothing before it is read as a hub name */
	ck_assert_int_eq(route("/partitions/0/messages").kind, HTTP_ROUTE_HUB);
}
END_TEST

START_TEST(partition_ids)
{
	int32_t id = -1;

	ck_assert(http_route_partition_id(S("0"), &id));
	ck_assert_int_eq(id, 0);
	ck_assert(http_route_partition_id(S("2147483647"), &id));
	ck_assert_int_eq(id, INT32_MAX);
	ck_assert(!http_route_partition_id(S("2147483648"), &id));
	ck_assert(!http_route_partition_id(S("99999999999"), &id));
	ck_assert(!http_route_partition_id(S("-1"), &id));
	ck_assert(!http_route_partition_id(S("+1"), &id));
	ck_assert(!http_route_partition_id(S("1a"), &id));
	ck_assert(!http_route_partition_id(S(""), &id));
	ck_assert(!http_route_partition_id(TRIB_SLICE_NULL, &id));
}
END_TEST

START_TEST(status_table)
{
	ck_assert_uint_eq(http_status_of(TRIB_OK), 201);
	ck_assert_uint_eq(http_status_of(TRIB_ERR_INVALID), 400);
	ck_assert_uint_eq(http_status_of(TRIB_ERR_NOT_FOUND), 404);
	ck_assert_uint_eq(http_status_of(TRIB_ERR_TOO_LARGE), 413);
	ck_assert_uint_eq(http_status_of(TRIB_ERR_CLOSED), 503);
	ck_assert_uint_eq(http_status_of(TRIB_ERR_NOMEM), 503);
	ck_assert_uint_eq(http_status_of(TRIB_ERR_IO), 500);
	ck_assert_uint_eq(http_status_of((trib_err_t)-999), 500);
	ck_assert_uint_eq(http_status_of_append(TRIB_OK), 201);
	ck_assert_uint_eq(http_status_of_append(TRIB_ERR_IO), 500);
	ck_assert_uint_eq(http_status_of_append(TRIB_ERR_CLOSED), 503);
	ck_assert_uint_eq(http_status_of_append(TRIB_ERR_INVALID), 500);
	ck_assert_uint_eq(http_status_of_append(TRIB_ERR_CORRUPT), 500);
	ck_assert_uint_eq(http_status_of_append(TRIB_ERR_TOO_LARGE), 413);
	/* every error has a row */
	for (int e = TRIB_ERR_CONFIG; e <= TRIB_OK; e++)
		ck_assert_uint_ge(http_status_of((trib_err_t)e), 201);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("http_route");
	TCase *t = tcase_create("parse");

	tcase_add_test(t, hub_route);
	tcase_add_test(t, partition_route);
	tcase_add_test(t, publisher_route);
	tcase_add_test(t, not_routes);
	tcase_add_test(t, partition_ids);
	suite_add_tcase(s, t);
	t = tcase_create("status");
	tcase_add_test(t, status_table);
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
