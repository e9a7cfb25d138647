/* gw_config: defaults, the emulator's Config.json, the Tributary section, errors naming the key. */
#include "gw_config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char path[64];
static char *errtext;
static size_t errlen;

static const char *write_config(const char *text)
{
	FILE *f;

	strcpy(path, "/tmp/trib-config-XXXXXX");
	close(mkstemp(path));
	f = fopen(path, "w");
	fputs(text, f);
	fclose(f);
	return path;
}

static trib_err_t load(gw_config_t *cfg, int argc, char **argv)
{
	FILE *err = open_memstream(&errtext, &errlen);
	gw_parse_t what;
	trib_err_t rc = gw_config_load(cfg, argc, argv, err, &what);

	fclose(err);
	return rc;
}

static void cleanup(gw_config_t *cfg)
{
	gw_config_free(cfg);
	free(errtext);
	errtext = NULL;
	if (path[0])
		unlink(path);
	path[0] = '\0';
}

START_TEST(defaults)
{
	gw_config_t cfg;
	char *argv[] = {"tributary", NULL};

	ck_assert_int_eq(load(&cfg, 1, argv), TRIB_OK);
	ck_assert_str_eq(cfg.data_dir, "./data");
	ck_assert_int_eq(cfg.kafka_port, 9092);
	ck_assert_int_eq(cfg.amqp_port, 5672);
	ck_assert_int_eq(cfg.http_port, 8080);
	ck_assert(cfg.kafka_auto_create);
	ck_assert_uint_eq(cfg.hub_count, 1);
	ck_assert_str_eq(cfg.hubs[0].name, "eh1");
	ck_assert_int_eq(cfg.hubs[0].partitions, 4);
	ck_assert_uint_eq(cfg.hubs[0].consumer_group_count, 1);
	ck_assert_str_eq(cfg.hubs[0].consumer_groups[0], "cg1");
	cleanup(&cfg);
}
END_TEST

/* The Azure Event Hubs emulator's own sample Config.json (EMU Config.json). */
static const char emulator[] =
	"{\n  \"UserConfig\": {\n    \"NamespaceConfig\": [\n      {\n        \"Type\": \"EventHub\",\n"
	"        \"Name\": \"emulatorNs1\",\n        \"Entities\": [\n          {\n"
	"            \"Name\": \"eh1\",\n            \"PartitionCount\": \"2\",\n"
	"            \"ConsumerGroups\": [\n              {\n                \"Name\": \"cg1\"\n"
	"              }\n            ]\n          }\n        ]\n      }\n    ],\n"
	"    \"LoggingConfig\": {\n      \"Type\": \"File\"\n    }\n  }\n}\n";

START_TEST(emulator_config_loads)
{
	gw_config_t cfg;
	char *argv[] = {"tributary", "--config", (char *)write_config(emulator), "--kafka-port",
			"19092", NULL};

	ck_assert_int_eq(load(&cfg, 5, argv), TRIB_OK);
	ck_assert_uint_eq(cfg.hub_count, 1);
	ck_assert_str_eq(cfg.hubs[0].name, "eh1");
	ck_assert_int_eq(cfg.hubs[0].partitions, 2);
	ck_assert_str_eq(cfg.namespace_name, "emulatorNs1");
	ck_assert_int_eq(cfg.kafka_port, 19092);
	cleanup(&cfg);
}
END_TEST

START_TEST(tributary_section_and_overrides)
{
	gw_config_t cfg;
	char *argv[] = {"tributary", "--config",
			(char *)write_config("{\"Tributary\": {\"data_dir\": \"/var/x\", \"kafka\": "
					     "{\"port\": 1234, \"auto_create_topics\": false}, "
					     "\"storage\": {\"durability\": \"relaxed\"}}}"),
			"--data-dir", "/srv/y", "--set", "amqp.port=5000", NULL};

	ck_assert_int_eq(load(&cfg, 7, argv), TRIB_OK);
	ck_assert_str_eq(cfg.data_dir, "/srv/y");
	ck_assert_int_eq(cfg.kafka_port, 1234);
	ck_assert_int_eq(cfg.amqp_port, 5000);
	ck_assert(!cfg.kafka_auto_create);
	ck_assert_str_eq(cfg.durability, "relaxed");
	ck_assert_uint_eq(cfg.hub_count, 0); /* a config without UserConfig declares no hub */
	cleanup(&cfg);
}
END_TEST

static void expect_error(const char *text, const char *needle)
{
	gw_config_t cfg;
	char *argv[] = {"tributary", "--config", (char *)write_config(text), NULL};

	ck_assert_int_eq(load(&cfg, 3, argv), TRIB_ERR_CONFIG);
	ck_assert_ptr_nonnull(strstr(errtext, path));
	if (!strstr(errtext, needle))
		ck_abort_msg("expected \"%s\" in \"%s\"", needle, errtext);
	cleanup(&cfg);
}

START_TEST(errors_name_file_and_key)
{
	expect_error("{\"UserConfig\": ", ":1:");
	expect_error("{\"UserConfig\": {\"NamespaceConfig\": [{\"Entities\": [{\"Name\": \"eh1\", "
		     "\"PartitionCount\": \"abc\"}]}]}}",
		     "UserConfig.NamespaceConfig[0].Entities[0].PartitionCount: must be an integer");
	expect_error("{\"UserConfig\": {\"NamespaceConfig\": [{\"Entities\": [{\"Name\": \"a b\", "
		     "\"PartitionCount\": 1}]}]}}",
		     "Entities[0].Name");
	expect_error("{\"UserConfig\": {\"NamespaceConfig\": [{\"Entities\": []}]}}", "Entities");
	expect_error("{\"Tributary\": {\"kafka\": {\"prot\": 1}}}", "Tributary.kafka.prot: unknown setting");
	expect_error("{\"Tributary\": {\"kafka\": {\"port\": 70000}}}", "kafka.port: must be an integer from 1 to 65535");
	expect_error("{\"Tributary\": {\"storage\": {\"durability\": \"never\"}}}", "one of sync|relaxed");
	expect_error("[1]", "must be a JSON object");
}
END_TEST

START_TEST(missing_file)
{
	gw_config_t cfg;
	char *argv[] = {"tributary", "--config", "/nonexistent/config.json", NULL};

	ck_assert_int_eq(load(&cfg, 3, argv), TRIB_ERR_CONFIG);
	ck_assert_ptr_nonnull(strstr(errtext, "/nonexistent/config.json"));
	cleanup(&cfg);
}
END_TEST

START_TEST(bad_option_values)
{
	gw_config_t cfg;
	char *argv[] = {"tributary", "--kafka-port", "x", NULL};

	ck_assert_int_eq(load(&cfg, 3, argv), TRIB_ERR_CONFIG);
	ck_assert_ptr_nonnull(strstr(errtext, "command line: kafka.port"));
	cleanup(&cfg);
}
END_TEST

START_TEST(doc_matches_table)
{
	char *text = NULL, *want = NULL;
	size_t len = 0, wlen = 0;
	FILE *f = open_memstream(&text, &len);
	FILE *doc = fopen(DOCS_DIR "/config.md", "r");

	gw_config_doc(f);
	fclose(f);
	ck_assert_ptr_nonnull(doc);
	ck_assert_int_ne(getdelim(&want, &wlen, '\0', doc), -1);
	fclose(doc);
	if (strcmp(text, want) != 0)
		ck_abort_msg("docs/config.md is stale: regenerate with tributary --config-doc");
	free(text);
	free(want);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("gw_config");
	TCase *t = tcase_create("load");
	SRunner *r;
	int failed;

	tcase_add_test(t, defaults);
	tcase_add_test(t, emulator_config_loads);
	tcase_add_test(t, tributary_section_and_overrides);
	tcase_add_test(t, errors_name_file_and_key);
	tcase_add_test(t, missing_file);
	tcase_add_test(t, bad_option_values);
	tcase_add_test(t, doc_matches_table);
	suite_add_tcase(s, t);
	r = srunner_create(s);
	srunner_run_all(r, CK_NORMAL);
	failed = srunner_ntests_failed(r);
	srunner_free(r);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
