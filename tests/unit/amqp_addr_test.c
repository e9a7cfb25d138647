/* amqp_addr: every address spelling Event Hubs clients send (eventhubs-surface.md §1.2). */
#include "amqp_addr.h"

#include <check.h>
#include <string.h>

static amqp_addr_t a;

static trib_err_t parse(const char *s)
{
	return amqp_addr_parse(slice_from_cstr(s), &a);
}

START_TEST(hub_forms)
{
	const char *forms[] = {"eh1", "/eh1", "amqps://ns.servicebus.windows.net/eh1",
			       "sb://localhost:5672/eh1/", "amqp://127.0.0.1/eh1?timeout=5"};

	for (size_t i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
		ck_assert_int_eq(parse(forms[i]), TRIB_OK);
		ck_assert_int_eq(a.kind, AMQP_ADDR_HUB);
		ck_assert(slice_eq_cstr(a.hub, "eh1", false));
		ck_assert_int_eq(a.partition, -1);
	}
}
END_TEST

START_TEST(partition_forms)
{
	const char *forms[] = {"eh1/Partitions/3", "/eh1/partitions/3", "eh1/PARTITIONS/3",
			       "amqps://host/eh1/Partitions/3"};

	for (size_t i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
		ck_assert_int_eq(parse(forms[i]), TRIB_OK);
		ck_assert_int_eq(a.kind, AMQP_ADDR_PARTITION);
		ck_assert(slice_eq_cstr(a.hub, "eh1", false));
		ck_assert_int_eq(a.partition, 3);
	}
}
END_TEST

START_TEST(consumer_forms)
{
	const char *forms[] = {
		"eh1/ConsumerGroups/$Default/Partitions/12",
		"/eh1/ConsumerGroups/$Default/Partitions/12",
		"eh1/consumergroups/$Default/partitions/12",
		"amqps://ns.servicebus.windows.net/eh1/ConsumerGroups/$Default/Partitions/12",
		"sb://h/eh1/ConsumerGroups/%24Default/Partitions/12"};

	for (size_t i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
		ck_assert_int_eq(parse(forms[i]), TRIB_OK);
		ck_assert_int_eq(a.kind, AMQP_ADDR_CONSUMER);
		ck_assert(slice_eq_cstr(a.hub, "eh1", false));
		ck_assert(slice_eq_cstr(a.consumer_group, "$Default", false));
		ck_assert_int_eq(a.partition, 12);
	}
}
END_TEST

START_TEST(special_and_publisher)
{
	ck_assert_int_eq(parse("$management"), TRIB_OK);
	ck_assert_int_eq(a.kind, AMQP_ADDR_MANAGEMENT);
	ck_assert_int_eq(parse("eh1/$management"), TRIB_OK);
	ck_assert_int_eq(a.kind, AMQP_ADDR_MANAGEMENT);
	ck_assert(slice_eq_cstr(a.hub, "eh1", false));
	ck_assert_int_eq(parse("$cbs"), TRIB_OK);
	ck_assert_int_eq(a.kind, AMQP_ADDR_CBS);
	ck_assert_int_eq(parse("eh1/Publishers/dev-7"), TRIB_OK);
	ck_assert_int_eq(a.kind, AMQP_ADDR_PUBLISHER);
	ck_assert(slice_eq_cstr(a.publisher, "dev-7", false));
	ck_assert(slice_eq_cstr(a.hub, "eh1", false));
}
END_TEST

START_TEST(hub_with_slash)
{
	ck_assert_int_eq(parse("team/orders/ConsumerGroups/cg/Partitions/0"), TRIB_OK);
	ck_assert_int_eq(a.kind, AMQP_ADDR_CONSUMER);
	ck_assert(slice_eq_cstr(a.hub, "team/orders", false));
	ck_assert_int_eq(parse("team/orders"), TRIB_OK);
	ck_assert(slice_eq_cstr(a.hub, "team/orders", false));
	/* a non-numeric partition leaves the words in the hub name (then not found) */
	ck_assert_int_eq(parse("eh1/Partitions/x"), TRIB_OK);
	ck_assert_int_eq(a.kind, AMQP_ADDR_HUB);
	ck_assert(slice_eq_cstr(a.hub, "eh1/Partitions/x", false));
}
END_TEST

START_TEST(bad)
{
	char big[AMQP_ADDR_MAX_BYTES + 2];

	ck_assert_int_eq(amqp_addr_parse(TRIB_SLICE_NULL, &a), TRIB_ERR_INVALID);
	ck_assert_int_eq(parse(""), TRIB_ERR_INVALID);
	ck_assert_int_eq(parse("/"), TRIB_ERR_INVALID);
	ck_assert_int_eq(parse("amqps://host"), TRIB_ERR_INVALID);
	ck_assert_int_eq(parse("amqps://host/"), TRIB_ERR_INVALID);
	ck_assert_int_eq(parse("eh1/ConsumerGroups/%2/Partitions/0"), TRIB_ERR_INVALID);
	ck_assert_int_eq(parse("eh1/x%00y"), TRIB_ERR_INVALID);
	ck_assert_int_eq(parse("/Partitions/0"), TRIB_OK); /* a hub named "Partitions/0" */
	ck_assert_int_eq(a.kind, AMQP_ADDR_HUB);
	ck_assert_int_eq(parse("x/Publishers/"), TRIB_OK); /* trailing slash: hub "x/Publishers" */
	ck_assert_int_eq(parse("/ConsumerGroups/cg/Partitions/0"), TRIB_OK);
	/* hub "ConsumerGroups/cg": not found later */
	ck_assert_int_eq(a.kind, AMQP_ADDR_PARTITION);
	ck_assert_int_eq(parse("eh1/ConsumerGroups//Partitions/0"), TRIB_ERR_INVALID);
	ck_assert_int_eq(parse("eh1/Partitions/1234567890"), TRIB_OK); /* 10 digits: a hub name */
	ck_assert_int_eq(a.kind, AMQP_ADDR_HUB);
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	ck_assert_int_eq(parse(big), TRIB_ERR_INVALID);
	big[AMQP_ADDR_MAX_BYTES] = '\0';
	ck_assert_int_eq(parse(big), TRIB_OK);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("amqp_addr");
	TCase *tc = tcase_create("parse");

	tcase_add_test(tc, hub_forms);
	tcase_add_test(tc, partition_forms);
	tcase_add_test(tc, consumer_forms);
	tcase_add_test(tc, special_and_publisher);
	tcase_add_test(tc, hub_with_slash);
	tcase_add_test(tc, bad);
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
