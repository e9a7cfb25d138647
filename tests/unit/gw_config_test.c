/* gw_config: defaults, the emulator's Config.json, the Tributary section, errors naming the key. */
#include "gw_config.h"

#include <sys/stat.h>

#include "mem.h"

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
	ck_assert(cfg.emulator_config); /* its root key is the emulator's SAS_KEY_VALUE */
	cleanup(&cfg);
}
END_TEST

/* A UserConfig next to a Tributary section is our own file: no public emulator key. */
START_TEST(own_config_is_not_emulator)
{
	gw_config_t cfg;
	char *argv[] = {"tributary", "--config",
			(char *)write_config("{\"UserConfig\": {\"NamespaceConfig\": [{\"Entities\": "
					     "[{\"Name\": \"eh1\", \"PartitionCount\": 2}]}]}, "
					     "\"Tributary\": {\"log_level\": \"warn\"}}"),
			NULL};

	ck_assert_int_eq(load(&cfg, 3, argv), TRIB_OK);
	ck_assert_uint_eq(cfg.hub_count, 1);
	ck_assert(!cfg.emulator_config);
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

static const char policies[] =
	"{\"Tributary\": {\"auth\": {\"required\": true, \"policies\": ["
	"{\"name\": \"sender\", \"key\": \"s3cr3t-one\", \"rights\": [\"Send\"]},"
	"{\"name\": \"reader\", \"key\": \"s3cr3t-two\", \"rights\": [\"listen\", \"Send\"], "
	"\"hub\": \"eh1\"},"
	"{\"name\": \"sender\", \"key\": \"s3cr3t-three\", \"rights\": [\"Manage\"], "
	"\"hub\": \"eh2\", \"unused\": 1}]}}}";

START_TEST(auth_defaults)
{
	gw_config_t cfg;
	char *argv[] = {"tributary", NULL};

	ck_assert_int_eq(load(&cfg, 1, argv), TRIB_OK);
	ck_assert(cfg.auth_required); /* secure by default */
	ck_assert_str_eq(cfg.auth_root_key, "");
	ck_assert_uint_eq(cfg.policy_count, 0);
	ck_assert(!cfg.root_policy_defined);
	ck_assert(!cfg.emulator_config);
	cleanup(&cfg);
}
END_TEST

START_TEST(auth_policies)
{
	gw_config_t cfg;
	char *argv[] = {"tributary", "--config", (char *)write_config(policies), NULL};
	char *argv2[] = {"tributary", "--config", NULL, "--set", "auth.required=true", "--set",
			 "auth.root_key=k3y", NULL};

	/* an unknown field inside a policy is refused, naming it */
	ck_assert_int_eq(load(&cfg, 3, argv), TRIB_ERR_CONFIG);
	ck_assert_ptr_nonnull(strstr(errtext, "Tributary.auth.policies[2].unused: unknown field"));
	cleanup(&cfg);
	{
		char text[sizeof(policies)];
		char *cut;

		strcpy(text, policies);
		cut = strstr(text, ", \"unused\": 1");
		memmove(cut, cut + strlen(", \"unused\": 1"), strlen(cut + strlen(", \"unused\": 1")) + 1);
		argv[2] = (char *)write_config(text);
	}
	ck_assert_int_eq(load(&cfg, 3, argv), TRIB_OK);
	ck_assert(cfg.auth_required);
	ck_assert_uint_eq(cfg.policy_count, 3);
	ck_assert_str_eq(cfg.policies[0].name, "sender");
	ck_assert_str_eq(cfg.policies[0].key, "s3cr3t-one");
	ck_assert_ptr_null(cfg.policies[0].hub);
	ck_assert_uint_eq(cfg.policies[0].rights, AUTH_SEND);
	ck_assert_str_eq(cfg.policies[1].hub, "eh1");
	ck_assert_uint_eq(cfg.policies[1].rights, AUTH_SEND | AUTH_LISTEN);
	ck_assert_uint_eq(cfg.policies[2].rights, AUTH_MANAGE);
	ck_assert(!cfg.root_policy_defined);
	ck_assert(!cfg.emulator_config);
	cleanup(&cfg);

	argv2[2] = (char *)write_config(emulator); /* write_config reuses one path buffer */
	ck_assert_int_eq(load(&cfg, 7, argv2), TRIB_OK);
	ck_assert(cfg.auth_required);
	ck_assert(cfg.emulator_config);
	ck_assert_str_eq(cfg.auth_root_key, "k3y");
	cleanup(&cfg);
}
END_TEST

START_TEST(print_redacts_keys)
{
	gw_config_t cfg;
	char *argv[] = {"tributary", "--config",
			(char *)write_config("{\"Tributary\": {\"auth\": {\"policies\": [{\"name\": "
					     "\"p\", \"key\": \"TOPSECRET1\", \"rights\": "
					     "[\"Listen\"], \"hub\": \"eh1\"}]}}}"),
			"--set", "auth.root_key=TOPSECRET2", NULL};
	char *text = NULL;
	size_t len = 0;
	FILE *f;

	ck_assert_int_eq(load(&cfg, 5, argv), TRIB_OK);
	f = open_memstream(&text, &len);
	gw_config_print(&cfg, f);
	fclose(f);
	ck_assert_ptr_null(strstr(text, "TOPSECRET"));
	ck_assert_ptr_nonnull(strstr(text, "\"root_key\": \"<redacted>\""));
	ck_assert_ptr_nonnull(strstr(text, "\"key\": \"<redacted>\""));
	ck_assert_ptr_nonnull(strstr(text, "\"Listen\""));
	ck_assert_ptr_nonnull(strstr(text, "\"hub\": \"eh1\""));
	free(text);
	cleanup(&cfg);
}
END_TEST

static char *policy_list(const char *entries)
{
	static char text[8192];

	snprintf(text, sizeof(text), "{\"Tributary\": {\"auth\": {\"policies\": [%s]}}}", entries);
	return text;
}

START_TEST(auth_errors)
{
	char many[4096] = "";

	expect_error(policy_list("{\"key\": \"k\", \"rights\": [\"Send\"]}"),
		     "Tributary.auth.policies[0].name: is required");
	expect_error(policy_list("{\"name\": \"n\", \"key\": \"\", \"rights\": [\"Send\"]}"),
		     "Tributary.auth.policies[0].key: is required");
	expect_error(policy_list("{\"name\": \"n\", \"key\": \"k\", \"rights\": []}"),
		     "Tributary.auth.policies[0].rights: must be a non-empty array");
	expect_error(policy_list("{\"name\": \"n\", \"key\": \"k\", \"rights\": [\"Read\"]}"),
		     "Tributary.auth.policies[0].rights: [0] must be");
	expect_error(policy_list("{\"name\": \"n\", \"key\": \"k\", \"rights\": [\"Send\"], "
				 "\"hub\": \"a/b\"}"),
		     "Tributary.auth.policies[0].hub: must be an event hub name");
	expect_error(policy_list("{\"name\": \"n\", \"key\": \"k\", \"rights\": [\"Send\"], "
				 "\"hub\": \"eh1\"}, {\"name\": \"n\", \"key\": \"k2\", "
				 "\"rights\": [\"Send\"], \"hub\": \"EH1\"}"),
		     "Tributary.auth.policies[1]: policy \"n\" is defined twice in the event hub EH1");
	expect_error("{\"Tributary\": {\"auth\": {\"policies\": {}}}}",
		     "Tributary.auth.policies: must be an array");
	expect_error("{\"Tributary\": {\"auth\": {\"required\": \"yes\"}}}",
		     "auth.required: must be true or false");
	/* 11 more namespace policies fit next to the root policy; 12 do not */
	for (int i = 0; i < 12; i++)
		snprintf(many + strlen(many), sizeof(many) - strlen(many),
			 "%s{\"name\": \"p%d\", \"key\": \"k\", \"rights\": [\"Send\"]}",
			 i ? ", " : "", i);
	expect_error(policy_list(many), "more than 12 policies in the namespace");
	strcpy(strrchr(many, '{'), "{\"name\": \"" AUTH_ROOT_POLICY "\", \"key\": \"k\", "
				     "\"rights\": [\"Manage\"]}");
	{
		gw_config_t cfg;
		char *argv[] = {"tributary", "--config", (char *)write_config(policy_list(many)),
				"--set", "auth.root_key=x", NULL};

		ck_assert_int_eq(load(&cfg, 3, argv), TRIB_OK);
		ck_assert(cfg.root_policy_defined);
		ck_assert_uint_eq(cfg.policy_count, 12);
		cleanup(&cfg);
		argv[2] = (char *)write_config(policy_list(many));
		ck_assert_int_eq(load(&cfg, 5, argv), TRIB_ERR_CONFIG);
		ck_assert_ptr_nonnull(strstr(errtext, "auth.root_key: cannot be set"));
		cleanup(&cfg);
	}
}
END_TEST

static store_t *open_tmp_store(char *dir)
{
	store_opts_t so = {.dir = dir, .sync_mode = STORE_SYNC_ALWAYS, .sync_interval_ms = 1000,
			   .segment_bytes = 1 << 20, .index_interval_bytes = 4096};
	store_t *st = NULL;

	ck_assert_int_eq(store_open(&so, &st), TRIB_OK);
	return st;
}

START_TEST(root_key_resolution)
{
	gw_config_t cfg;
	char dir[] = "/tmp/trib-rootkey-XXXXXX", file[128];
	char *argv[] = {"tributary", NULL, NULL, NULL};
	char *key = NULL, *again = NULL;
	bool generated = true;
	store_t *st;
	struct stat sb;
	FILE *f;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	st = open_tmp_store(dir);
	/* set explicitly */
	argv[1] = "--set";
	argv[2] = "auth.root_key=given";
	ck_assert_int_eq(load(&cfg, 3, argv), TRIB_OK);
	ck_assert_int_eq(gw_config_root_key(&cfg, st, &key, &generated), TRIB_OK);
	ck_assert_str_eq(key, "given");
	ck_assert(!generated);
	mem_free(key);
	cleanup(&cfg);
	/* an emulator Config.json */
	argv[1] = "--config";
	argv[2] = (char *)write_config(emulator);
	ck_assert_int_eq(load(&cfg, 3, argv), TRIB_OK);
	ck_assert_int_eq(gw_config_root_key(&cfg, st, &key, &generated), TRIB_OK);
	ck_assert_str_eq(key, AUTH_EMULATOR_KEY);
	ck_assert(!generated);
	mem_free(key);
	cleanup(&cfg);
	/* neither: generated once, kept (mode 0600), the same after a restart */
	ck_assert_int_eq(load(&cfg, 1, argv), TRIB_OK);
	ck_assert_int_eq(gw_config_root_key(&cfg, st, &key, &generated), TRIB_OK);
	ck_assert(generated);
	ck_assert_uint_eq(strlen(key), 44);
	store_close(&st);
	st = open_tmp_store(dir);
	ck_assert_int_eq(gw_config_root_key(&cfg, st, &again, &generated), TRIB_OK);
	ck_assert(!generated);
	ck_assert_str_eq(key, again);
	snprintf(file, sizeof(file), "%s/." GW_CONFIG_ROOT_KEY_FILE, dir);
	ck_assert_int_eq(stat(file, &sb), 0);
	ck_assert_uint_eq(sb.st_mode & 0777, 0600);
	mem_free(again);
	/* a damaged kept key is an error, never silently replaced */
	f = fopen(file, "w");
	fputs("\n", f);
	fclose(f);
	ck_assert_int_eq(gw_config_root_key(&cfg, st, &again, &generated), TRIB_ERR_CORRUPT);
	ck_assert_ptr_null(again);
	mem_free(key);
	cleanup(&cfg);
	store_close(&st);
	unlink(file);
	snprintf(file, sizeof(file), "%s/.lock", dir);
	unlink(file);
	ck_assert_int_eq(rmdir(dir), 0);
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
	tcase_add_test(t, own_config_is_not_emulator);
	tcase_add_test(t, tributary_section_and_overrides);
	tcase_add_test(t, errors_name_file_and_key);
	tcase_add_test(t, missing_file);
	tcase_add_test(t, auth_defaults);
	tcase_add_test(t, auth_policies);
	tcase_add_test(t, print_redacts_keys);
	tcase_add_test(t, auth_errors);
	tcase_add_test(t, root_key_resolution);
	tcase_add_test(t, bad_option_values);
	tcase_add_test(t, doc_matches_table);
	suite_add_tcase(s, t);
	r = srunner_create(s);
	srunner_run_all(r, CK_NORMAL);
	failed = srunner_ntests_failed(r);
	srunner_free(r);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
