/*
 * kafka_sasl: the Event Hubs connection-string parser, SASL PLAIN
 * splitting, the per-connection gate and handshake state machine, logins
 * against a real policy store (core/auth) and per-topic authorization.
 */
#include "kafka_sasl.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kafka_api.h"
#include "kafka_err.h"

#define NOW 1700000000

static const auth_policy_spec_t specs[] = {
	{AUTH_ROOT_POLICY, "rootkey", NULL, AUTH_MANAGE},
	{"send-only", "s3cr3t/Key+=", NULL, AUTH_SEND},
	{"eh1-send", "hubkey", "eh1", AUTH_SEND},
};

static auth_t *store;

static void setup(void)
{
	ck_assert_int_eq(auth_open(specs, sizeof(specs) / sizeof(specs[0]), &store), TRIB_OK);
}

static void teardown(void)
{
	auth_close(&store);
}

static trib_slice_t S(const char *s)
{
	return (trib_slice_t){(const uint8_t *)s, strlen(s)};
}

static bool eq(trib_slice_t s, const char *want)
{
	return s.ptr && s.len == strlen(want) && memcmp(s.ptr, want, s.len) == 0;
}

/* ---- connection strings ---- */

START_TEST(connstr_full)
{
	kafka_sasl_connstr_t cs;

	ck_assert_int_eq(kafka_sasl_connstr_parse(S("Endpoint=sb://h:9093/;SharedAccessKeyName=p;"
						    "SharedAccessKey=a=b+c/=;EntityPath=eh1"),
						  &cs),
			 TRIB_OK);
	ck_assert(eq(cs.endpoint, "sb://h:9093/"));
	ck_assert(eq(cs.key_name, "p"));
	ck_assert(eq(cs.key, "a=b+c/=")); /* '=' inside a value, base64 padding kept */
	ck_assert(eq(cs.entity_path, "eh1"));
}
END_TEST

START_TEST(connstr_case_spaces_order)
{
	kafka_sasl_connstr_t cs;

	ck_assert_int_eq(kafka_sasl_connstr_parse(S(" sharedaccesskey=k ; ENDPOINT=sb://h/;;"
						    "SharedAccessKeyNAME=n;Other=x;"),
						  &cs),
			 TRIB_OK);
	ck_assert(eq(cs.key, "k")); /* spaces around a part are not part of it */
	ck_assert(eq(cs.endpoint, "sb://h/"));
	ck_assert(eq(cs.key_name, "n"));
	ck_assert_ptr_null(cs.entity_path.ptr);
}
END_TEST

START_TEST(connstr_refused)
{
	static const char *bad[] = {
		"",
		"SharedAccessKeyName=n;SharedAccessKey=k",               /* no Endpoint */
		"Endpoint=sb://h/;SharedAccessKey=k",                    /* no key name */
		"Endpoint=sb://h/;SharedAccessKeyName=n",                /* no key */
		"Endpoint=sb://h/;SharedAccessKeyName=n;SharedAccessKey=", /* empty key */
		"Endpoint=sb://h/;SharedAccessKeyName=n;SharedAccessKey=k;junk",
		"Endpoint=sb://h/;SharedAccessKeyName=n;SharedAccessKey=k;sharedaccesskey=j",
	};
	kafka_sasl_connstr_t cs;
	char *big;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(kafka_sasl_connstr_parse(S(bad[i]), &cs) == TRIB_ERR_INVALID, "%s",
			      bad[i]);
	ck_assert_int_eq(kafka_sasl_connstr_parse(TRIB_SLICE_NULL, &cs), TRIB_ERR_INVALID);
	/* the named limit and one past it */
	big = malloc(KAFKA_SASL_MAX_CONNSTR + 2);
	ck_assert_ptr_nonnull(big);
	memset(big, ' ', KAFKA_SASL_MAX_CONNSTR + 1);
	memcpy(big, "Endpoint=e;SharedAccessKeyName=n;SharedAccessKey=k;", 51);
	big[KAFKA_SASL_MAX_CONNSTR] = '\0';
	ck_assert_int_eq(kafka_sasl_connstr_parse(S(big), &cs), TRIB_OK);
	big[KAFKA_SASL_MAX_CONNSTR] = ' ';
	big[KAFKA_SASL_MAX_CONNSTR + 1] = '\0';
	ck_assert_int_eq(kafka_sasl_connstr_parse(S(big), &cs), TRIB_ERR_INVALID);
	free(big);
}
END_TEST

/* ---- PLAIN ---- */

static trib_slice_t plain(char *buf, const char *authz, const char *user, const char *pass)
{
	size_t n = 0;

	n += (size_t)sprintf(buf + n, "%s", authz) + 1;
	n += (size_t)sprintf(buf + n, "%s", user) + 1;
	memcpy(buf + n, pass, strlen(pass));
	n += strlen(pass);
	return (trib_slice_t){(const uint8_t *)buf, n};
}

START_TEST(plain_split)
{
	char buf[256];
	trib_slice_t a, u, p;

	ck_assert_int_eq(kafka_sasl_plain_split(plain(buf, "", "user", "pw"), &a, &u, &p), TRIB_OK);
	ck_assert_uint_eq(a.len, 0);
	ck_assert(eq(u, "user"));
	ck_assert(eq(p, "pw"));
	ck_assert_int_eq(kafka_sasl_plain_split(plain(buf, "z", "u", ""), &a, &u, &p), TRIB_OK);
	ck_assert(eq(a, "z"));
	ck_assert_uint_eq(p.len, 0);
	ck_assert_int_eq(kafka_sasl_plain_split(S("user"), &a, &u, &p), TRIB_ERR_INVALID);
	ck_assert_int_eq(kafka_sasl_plain_split((trib_slice_t){(const uint8_t *)"\0u", 2}, &a, &u,
						&p),
			 TRIB_ERR_INVALID);
	ck_assert_int_eq(kafka_sasl_plain_split((trib_slice_t){(const uint8_t *)"\0\0p", 3}, &a, &u,
						&p),
			 TRIB_ERR_INVALID); /* empty username */
	ck_assert_int_eq(kafka_sasl_plain_split((trib_slice_t){(const uint8_t *)"\0u\0p\0q", 6}, &a,
						&u, &p),
			 TRIB_ERR_INVALID); /* a third NUL */
}
END_TEST

/* ---- gate and handshake ---- */

START_TEST(gate_before_login)
{
	kafka_sasl_t s = {0};

	ck_assert_int_eq(kafka_sasl_gate(&s, true, KAFKA_API_API_VERSIONS), KAFKA_SASL_SERVE);
	ck_assert_int_eq(kafka_sasl_gate(&s, true, KAFKA_API_SASL_HANDSHAKE), KAFKA_SASL_SERVE);
	ck_assert_int_eq(kafka_sasl_gate(&s, true, KAFKA_API_SASL_AUTHENTICATE), KAFKA_SASL_SERVE);
	ck_assert_int_eq(kafka_sasl_gate(&s, true, KAFKA_API_METADATA), KAFKA_SASL_CLOSE);
	ck_assert_int_eq(kafka_sasl_gate(&s, true, KAFKA_API_PRODUCE), KAFKA_SASL_CLOSE);
	ck_assert_int_eq(kafka_sasl_gate(&s, false, KAFKA_API_PRODUCE), KAFKA_SASL_SERVE);
	ck_assert_uint_eq(kafka_sasl_frame_limit(&s, true, 1u << 20), KAFKA_SASL_PREAUTH_MAX_BYTES);
	ck_assert_uint_eq(kafka_sasl_frame_limit(&s, false, 1u << 20), 1u << 20);
	ck_assert_uint_eq(kafka_sasl_frame_limit(&s, true, 100), 100);
	s.state = KAFKA_SASL_DONE;
	ck_assert_int_eq(kafka_sasl_gate(&s, true, KAFKA_API_PRODUCE), KAFKA_SASL_SERVE);
	ck_assert_uint_eq(kafka_sasl_frame_limit(&s, true, 1u << 20), 1u << 20);
	s.state = KAFKA_SASL_FAILED;
	ck_assert_int_eq(kafka_sasl_gate(&s, true, KAFKA_API_API_VERSIONS), KAFKA_SASL_CLOSE);
	ck_assert_int_eq(kafka_sasl_gate(&s, false, KAFKA_API_API_VERSIONS), KAFKA_SASL_CLOSE);
}
END_TEST

START_TEST(handshake_versions)
{
	kafka_sasl_t s = {0};

	ck_assert_int_eq(kafka_sasl_on_handshake(&s, 0, S("PLAIN"), true), 0);
	ck_assert_int_eq(s.state, KAFKA_SASL_WANT_RAW);
	/* whatever the next frame's first bytes say, it is the raw token */
	ck_assert_int_eq(kafka_sasl_gate(&s, true, KAFKA_API_PRODUCE), KAFKA_SASL_RAW);
	ck_assert_int_eq(kafka_sasl_gate(&s, false, KAFKA_API_API_VERSIONS), KAFKA_SASL_RAW);
	s = (kafka_sasl_t){0};
	ck_assert_int_eq(kafka_sasl_on_handshake(&s, 1, S("PLAIN"), true), 0);
	ck_assert_int_eq(s.state, KAFKA_SASL_WANT_AUTH);
	ck_assert_int_eq(kafka_sasl_gate(&s, true, KAFKA_API_METADATA), KAFKA_SASL_CLOSE);
	/* a second handshake */
	ck_assert_int_eq(kafka_sasl_on_handshake(&s, 1, S("PLAIN"), true),
			 KAFKA_ERR_ILLEGAL_SASL_STATE);
	ck_assert_int_eq(s.state, KAFKA_SASL_FAILED);
}
END_TEST

START_TEST(handshake_mechanisms)
{
	kafka_sasl_t s = {0};

	ck_assert_int_eq(kafka_sasl_on_handshake(&s, 1, S("SCRAM-SHA-256"), true),
			 KAFKA_ERR_UNSUPPORTED_SASL_MECHANISM);
	ck_assert_int_eq(s.state, KAFKA_SASL_START); /* may try another */
	ck_assert_int_eq(kafka_sasl_on_handshake(&s, 1, S("plain"), true),
			 KAFKA_ERR_UNSUPPORTED_SASL_MECHANISM); /* names are case-sensitive */
	ck_assert_int_eq(kafka_sasl_on_handshake(&s, 1, S("PLAIN"), false),
			 KAFKA_ERR_UNSUPPORTED_SASL_MECHANISM); /* no policy store */
	ck_assert_int_eq(kafka_sasl_on_handshake(&s, 1, S("PLAIN"), true), 0);
}
END_TEST

/* ---- logins ---- */

static trib_err_t login(kafka_sasl_t *s, const char *user, const char *pass, const char **why)
{
	static char buf[1024];

	*s = (kafka_sasl_t){.state = KAFKA_SASL_WANT_AUTH};
	return kafka_sasl_login(s, store, plain(buf, "", user, pass), why);
}

START_TEST(login_root)
{
	kafka_sasl_t s;
	const char *why = "x";

	ck_assert_int_eq(login(&s, "$ConnectionString",
			       "Endpoint=sb://localhost:9092/;SharedAccessKeyName="
			       "RootManageSharedAccessKey;SharedAccessKey=rootkey", &why),
			 TRIB_OK);
	ck_assert_ptr_null(why);
	ck_assert_int_eq(s.state, KAFKA_SASL_DONE);
	ck_assert_str_eq(s.grant.path, "");
	ck_assert(kafka_sasl_allows(&s, true, S("anything"), AUTH_SEND, NOW));
	ck_assert(kafka_sasl_allows(&s, true, S("anything"), AUTH_MANAGE, NOW));
}
END_TEST

START_TEST(login_refused)
{
	kafka_sasl_t s;
	const char *why = NULL;
	static const char *cs_ok = "Endpoint=sb://h/;SharedAccessKeyName=send-only;"
				   "SharedAccessKey=s3cr3t/Key+=";

	ck_assert_int_eq(login(&s, "send-only", "s3cr3t/Key+=", &why), TRIB_ERR_UNAUTHORIZED);
	ck_assert_ptr_nonnull(why);
	ck_assert_int_eq(s.state, KAFKA_SASL_FAILED);
	ck_assert(!kafka_sasl_allows(&s, true, S("eh1"), AUTH_SEND, NOW));
	ck_assert_int_eq(login(&s, "$connectionstring", cs_ok, &why), TRIB_ERR_UNAUTHORIZED);
	ck_assert_int_eq(login(&s, "$ConnectionString",
			       "Endpoint=sb://h/;SharedAccessKeyName=send-only;SharedAccessKey=bad",
			       &why),
			 TRIB_ERR_UNAUTHORIZED);
	ck_assert_int_eq(login(&s, "$ConnectionString",
			       "Endpoint=sb://h/;SharedAccessKeyName=nobody;SharedAccessKey=rootkey",
			       &why),
			 TRIB_ERR_UNAUTHORIZED);
	ck_assert_int_eq(login(&s, "$ConnectionString", "SharedAccessSignature sr=a&sig=b", &why),
			 TRIB_ERR_UNAUTHORIZED);
	ck_assert_int_eq(login(&s, "$ConnectionString", cs_ok, &why), TRIB_OK);
	/* no store: refused */
	s = (kafka_sasl_t){.state = KAFKA_SASL_WANT_AUTH};
	ck_assert_int_eq(kafka_sasl_login(&s, NULL, S("\0u\0p"), &why), TRIB_ERR_UNAUTHORIZED);
}
END_TEST

START_TEST(login_rights_and_scopes)
{
	kafka_sasl_t s;
	const char *why;

	ck_assert_int_eq(login(&s, "$ConnectionString",
			       "Endpoint=sb://h/;SharedAccessKeyName=send-only;"
			       "SharedAccessKey=s3cr3t/Key+=",
			       &why),
			 TRIB_OK);
	ck_assert(kafka_sasl_allows(&s, true, S("eh1"), AUTH_SEND, NOW));
	ck_assert(!kafka_sasl_allows(&s, true, S("eh1"), AUTH_LISTEN, NOW));
	ck_assert(!kafka_sasl_allows(&s, true, S("eh1"), AUTH_MANAGE, NOW));
	ck_assert(kafka_sasl_allows(&s, false, S("eh1"), AUTH_MANAGE, NOW)); /* not required */

	/* a hub policy: its hub only, case-insensitively; whole segments */
	ck_assert_int_eq(login(&s, "$ConnectionString",
			       "Endpoint=sb://h/;SharedAccessKeyName=eh1-send;SharedAccessKey=hubkey",
			       &why),
			 TRIB_OK);
	ck_assert_str_eq(s.grant.path, "eh1");
	ck_assert(kafka_sasl_allows(&s, true, S("eh1"), AUTH_SEND, NOW));
	ck_assert(kafka_sasl_allows(&s, true, S("EH1"), AUTH_SEND, NOW));
	ck_assert(!kafka_sasl_allows(&s, true, S("eh10"), AUTH_SEND, NOW));
	ck_assert(!kafka_sasl_allows(&s, true, S("eh2"), AUTH_SEND, NOW));
	/* its EntityPath must be its own hub */
	ck_assert_int_eq(login(&s, "$ConnectionString",
			       "Endpoint=sb://h/;SharedAccessKeyName=eh1-send;SharedAccessKey=hubkey;"
			       "EntityPath=EH1",
			       &why),
			 TRIB_OK);
	ck_assert_int_eq(login(&s, "$ConnectionString",
			       "Endpoint=sb://h/;SharedAccessKeyName=eh1-send;SharedAccessKey=hubkey;"
			       "EntityPath=eh2",
			       &why),
			 TRIB_ERR_UNAUTHORIZED);

	/* EntityPath narrows a namespace policy */
	ck_assert_int_eq(login(&s, "$ConnectionString",
			       "Endpoint=sb://h/;SharedAccessKeyName=RootManageSharedAccessKey;"
			       "SharedAccessKey=rootkey;EntityPath=eh2",
			       &why),
			 TRIB_OK);
	ck_assert(kafka_sasl_allows(&s, true, S("eh2"), AUTH_MANAGE, NOW));
	ck_assert(!kafka_sasl_allows(&s, true, S("eh1"), AUTH_SEND, NOW));
	ck_assert_int_eq(login(&s, "$ConnectionString",
			       "Endpoint=sb://h/;SharedAccessKeyName=RootManageSharedAccessKey;"
			       "SharedAccessKey=rootkey;EntityPath=a/b",
			       &why),
			 TRIB_ERR_UNAUTHORIZED);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("kafka_sasl");
	TCase *tc;
	SRunner *sr;
	int failed;

	tc = tcase_create("connstr");
	tcase_add_test(tc, connstr_full);
	tcase_add_test(tc, connstr_case_spaces_order);
	tcase_add_test(tc, connstr_refused);
	suite_add_tcase(s, tc);
	tc = tcase_create("plain");
	tcase_add_test(tc, plain_split);
	suite_add_tcase(s, tc);
	tc = tcase_create("gate");
	tcase_add_test(tc, gate_before_login);
	tcase_add_test(tc, handshake_versions);
	tcase_add_test(tc, handshake_mechanisms);
	suite_add_tcase(s, tc);
	tc = tcase_create("login");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, login_root);
	tcase_add_test(tc, login_refused);
	tcase_add_test(tc, login_rights_and_scopes);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
