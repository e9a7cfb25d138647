/*
 * auth: SAS policies, SASL PLAIN keys, SAS tokens, grants.
 *
 * The "sdk" vectors were produced by the SDKs' own code with the clock fixed
 * at 1700000000 (expiry 1700003600):
 *  - JS: @azure/event-hubs 6.0.4's @azure/core-amqp createSasTokenProvider
 *    ({sharedAccessKeyName, sharedAccessKey}).getToken(audience) under Node.js;
 *  - Python: azure-eventhub's _pyamqp/utils.py generate_sas_token, re-run
 *    with the standard library (hmac, base64, urllib.parse quote_plus and
 *    urlencode) exactly as that function is written.
 * The other tokens are built here by make_token (HMAC over the encoded sr).
 */
#include "auth.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#define NOW 1700000000
#define SE 1700003600

static const auth_policy_spec_t specs[] = {
	{AUTH_ROOT_POLICY, AUTH_EMULATOR_KEY, NULL, AUTH_MANAGE},
	{"send-only", "s3cr3t/Key+=", NULL, AUTH_SEND},
	{"listen-eh1", "k\xc3\xa9y-\xc3\xbc", "eh1", AUTH_LISTEN},
	{"hubroot", "hubkey", "EH1", AUTH_SEND | AUTH_LISTEN},
	{"hubroot", "otherkey", "eh10", AUTH_SEND}, /* same name, another scope */
};

static auth_t *store;

static void setup(void)
{
	ck_assert_int_eq(auth_open(specs, sizeof(specs) / sizeof(specs[0]), &store), TRIB_OK);
}

static void teardown(void)
{
	auth_close(&store);
	ck_assert_ptr_null(store);
}

/* URL-encodes like encodeURIComponent (the JS SDK). */
static void encode(const char *in, char *out, size_t cap)
{
	size_t o = 0;

	for (; *in && o + 4 < cap; in++) {
		unsigned char c = (unsigned char)*in;

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    strchr("-_.!~*'()", c))
			out[o++] = (char)c;
		else
			o += (size_t)snprintf(out + o, cap - o, "%%%02X", c);
	}
	out[o] = '\0';
}

/* "SharedAccessSignature sr=<enc uri>&sig=<enc b64>&se=<se>&skn=<name>". */
static void make_token(const char *key, const char *uri, long long se, const char *skn,
		       char *out, size_t cap)
{
	char sr[2048], msg[2100], b64[64], sig[128];
	unsigned char mac[32];
	unsigned mac_len = 0;

	encode(uri, sr, sizeof(sr));
	snprintf(msg, sizeof(msg), "%s\n%lld", sr, se);
	HMAC(EVP_sha256(), key, (int)strlen(key), (const unsigned char *)msg, strlen(msg), mac,
	     &mac_len);
	EVP_EncodeBlock((unsigned char *)b64, mac, (int)mac_len);
	encode(b64, sig, sizeof(sig));
	ck_assert_int_lt(snprintf(out, cap, "SharedAccessSignature sr=%s&sig=%s&se=%lld&skn=%s", sr,
				  sig, se, skn),
			 (int)cap);
}

static trib_err_t check(const char *token, int64_t now, auth_grant_t *g, const char **why)
{
	return auth_check_token(store, slice_from_cstr(token), now, g, why);
}

/* ---- auth_open ---- */

START_TEST(open_rejects_bad_specs)
{
	auth_t *a = (auth_t *)1;
	auth_policy_spec_t s[AUTH_MAX_POLICIES + 1];
	char names[AUTH_MAX_POLICIES + 1][16];

	auth_policy_spec_t empty_name = {"", "k", NULL, AUTH_SEND};
	auth_policy_spec_t empty_key = {"n", "", NULL, AUTH_SEND};
	auth_policy_spec_t no_rights = {"n", "k", NULL, 0};
	auth_policy_spec_t bad_rights = {"n", "k", NULL, 8};
	auth_policy_spec_t bad_hub = {"n", "k", "a/b", AUTH_SEND};
	auth_policy_spec_t dup[2] = {{"n", "k", "eh1", AUTH_SEND}, {"n", "k2", "EH1", AUTH_LISTEN}};
	auth_policy_spec_t ok2[2] = {{"n", "k", "eh1", AUTH_SEND}, {"n", "k2", NULL, AUTH_LISTEN}};

	ck_assert_int_eq(auth_open(&empty_name, 1, &a), TRIB_ERR_INVALID);
	ck_assert_ptr_null(a);
	ck_assert_int_eq(auth_open(&empty_key, 1, &a), TRIB_ERR_INVALID);
	ck_assert_int_eq(auth_open(&no_rights, 1, &a), TRIB_ERR_INVALID);
	ck_assert_int_eq(auth_open(&bad_rights, 1, &a), TRIB_ERR_INVALID);
	ck_assert_int_eq(auth_open(&bad_hub, 1, &a), TRIB_ERR_INVALID);
	ck_assert_int_eq(auth_open(dup, 2, &a), TRIB_ERR_INVALID);
	ck_assert_int_eq(auth_open(ok2, 2, &a), TRIB_OK);
	auth_close(&a);
	for (int i = 0; i <= AUTH_MAX_POLICIES; i++) {
		snprintf(names[i], sizeof(names[i]), "p%d", i);
		s[i] = (auth_policy_spec_t){names[i], "k", NULL, AUTH_SEND};
	}
	ck_assert_int_eq(auth_open(s, AUTH_MAX_POLICIES, &a), TRIB_OK);
	auth_close(&a);
	ck_assert_int_eq(auth_open(s, AUTH_MAX_POLICIES + 1, &a), TRIB_ERR_INVALID);
	ck_assert_int_eq(auth_open(NULL, 0, &a), TRIB_OK);
	auth_close(&a);
	auth_close(NULL);
}
END_TEST

/* ---- SASL PLAIN ---- */

START_TEST(key_check)
{
	auth_grant_t g;

	ck_assert_int_eq(auth_check_key(store, slice_from_cstr(AUTH_ROOT_POLICY),
					slice_from_cstr("SAS_KEY_VALUE"), &g),
			 TRIB_OK);
	ck_assert_uint_eq(g.rights, AUTH_SEND | AUTH_LISTEN | AUTH_MANAGE);
	ck_assert_str_eq(g.path, "");
	ck_assert_int_eq(g.expires_at, INT64_MAX);
	ck_assert_str_eq(g.policy, AUTH_ROOT_POLICY);
	ck_assert_int_eq(auth_check_key(store, slice_from_cstr(AUTH_ROOT_POLICY),
					slice_from_cstr("SAS_KEY_VALUF"), &g),
			 TRIB_ERR_UNAUTHORIZED);
	ck_assert_int_eq(auth_check_key(store, slice_from_cstr(AUTH_ROOT_POLICY),
					slice_from_cstr("SAS_KEY_VALUE "), &g),
			 TRIB_ERR_UNAUTHORIZED);
	ck_assert_int_eq(auth_check_key(store, slice_from_cstr("nobody"),
					slice_from_cstr("SAS_KEY_VALUE"), &g),
			 TRIB_ERR_UNAUTHORIZED);
	ck_assert_int_eq(auth_check_key(store, slice_from_cstr("rootmanagesharedaccesskey"),
					slice_from_cstr("SAS_KEY_VALUE"), &g),
			 TRIB_ERR_UNAUTHORIZED);
	/* one name in two scopes: the key picks the policy */
	ck_assert_int_eq(auth_check_key(store, slice_from_cstr("hubroot"),
					slice_from_cstr("otherkey"), &g),
			 TRIB_OK);
	ck_assert_str_eq(g.path, "eh10");
	ck_assert_uint_eq(g.rights, AUTH_SEND);
	ck_assert_int_eq(auth_check_key(store, slice_from_cstr("hubroot"), slice_from_cstr("hubkey"),
					&g),
			 TRIB_OK);
	ck_assert_str_eq(g.path, "eh1");
	ck_assert(auth_allows(&g, "eh1/consumergroups/$default/partitions/0", AUTH_LISTEN, NOW));
	ck_assert(!auth_allows(&g, "eh10", AUTH_SEND, NOW));
}
END_TEST

/* ---- tokens ---- */

static const struct {
	const char *token;
	const char *path;
	unsigned rights;
} sdk_vectors[] = {
	/* JS, audience sb://127.0.0.1:5672/eh1 */
	{"SharedAccessSignature sr=sb%3A%2F%2F127.0.0.1%3A5672%2Feh1&sig=jSgUeox8Q9syawJQlFRhoQ3tAEyB"
	 "HZrm72%2B89pPCfkc%3D&se=1700003600&skn=RootManageSharedAccessKey",
	 "eh1", AUTH_SEND | AUTH_LISTEN | AUTH_MANAGE},
	/* JS, audience sb://localhost/EH1/Publishers/dev-1, key with '/', '+', '=' */
	{"SharedAccessSignature sr=sb%3A%2F%2Flocalhost%2FEH1%2FPublishers%2Fdev-1&sig=vkfEtjFku4Qhq"
	 "wbrJNX8p23QOoryfx1ufQgkcsytCUo%3D&se=1700003600&skn=send-only",
	 "eh1/publishers/dev-1", AUTH_SEND},
	/* JS, namespace audience sb://127.0.0.1:5672/ */
	{"SharedAccessSignature sr=sb%3A%2F%2F127.0.0.1%3A5672%2F&sig=deZDVVzrrjPisGdXewMIuBfdsfEtSUf"
	 "KNmThn8O5Eog%3D&se=1700003600&skn=RootManageSharedAccessKey",
	 "", AUTH_SEND | AUTH_LISTEN | AUTH_MANAGE},
	/* Python, .NET-style amqps:// audience of a receiver */
	{"SharedAccessSignature sr=amqps%3A%2F%2Flocalhost%2Feh1%2Fconsumergroups%2F%24default%2Fpar"
	 "titions%2F0&sig=zaI8LZ1%2F%2BKqAO0elIcf6zZrUwD17GMSgbQN5LgMd91Q%3D&se=1700003600&skn=RootMa"
	 "nageSharedAccessKey",
	 "eh1/consumergroups/$default/partitions/0", AUTH_SEND | AUTH_LISTEN | AUTH_MANAGE},
	/* Python, hub-scoped policy with a non-ASCII key (HMAC over its UTF-8 bytes) */
	{"SharedAccessSignature sr=sb%3A%2F%2Flocalhost%3A5672%2Feh1&sig=KY6HiutRchB%2BM73ZSvr5XBOnrQ"
	 "q0cWDC3RYcAFQo2WM%3D&se=1700003600&skn=listen-eh1",
	 "eh1", AUTH_LISTEN},
};

START_TEST(sdk_tokens)
{
	auth_grant_t g;
	const char *why = "unset";

	ck_assert_int_eq(check(sdk_vectors[_i].token, NOW, &g, &why), TRIB_OK);
	ck_assert_ptr_null(why);
	ck_assert_str_eq(g.path, sdk_vectors[_i].path);
	ck_assert_uint_eq(g.rights, sdk_vectors[_i].rights);
	ck_assert_int_eq(g.expires_at, SE);
}
END_TEST

START_TEST(wrong_key)
{
	char tok[1024];
	auth_grant_t g;
	const char *why = NULL;

	make_token("SAS_KEY_VALUX", "sb://localhost/eh1", SE, AUTH_ROOT_POLICY, tok, sizeof(tok));
	ck_assert_int_eq(check(tok, NOW, &g, &why), TRIB_ERR_UNAUTHORIZED);
	ck_assert_ptr_nonnull(why);
	ck_assert(strstr(why, "signature"));
	/* a signed token altered after signing: another sr, another se */
	make_token("SAS_KEY_VALUE", "sb://localhost/eh1", SE, AUTH_ROOT_POLICY, tok, sizeof(tok));
	ck_assert_int_eq(check(tok, NOW, &g, NULL), TRIB_OK);
	*strstr(tok, "eh1") = 'E';
	ck_assert_int_eq(check(tok, NOW, &g, NULL), TRIB_ERR_UNAUTHORIZED);
	make_token("SAS_KEY_VALUE", "sb://localhost/eh1", SE, AUTH_ROOT_POLICY, tok, sizeof(tok));
	*strstr(tok, "1700003600") = '2';
	ck_assert_int_eq(check(tok, NOW, &g, NULL), TRIB_ERR_UNAUTHORIZED);
	/* sig not URL-encoded at all, and sig of the wrong length */
	ck_assert_int_eq(check("SharedAccessSignature sr=a&sig=short&se=1&skn=send-only", NOW, &g,
			       &why),
			 TRIB_ERR_UNAUTHORIZED);
}
END_TEST

START_TEST(expiry_and_skew)
{
	char tok[1024];
	auth_grant_t g;
	const char *why = NULL;

	make_token("SAS_KEY_VALUE", "sb://localhost/eh1", NOW - AUTH_CLOCK_SKEW_S, AUTH_ROOT_POLICY,
		   tok, sizeof(tok));
	ck_assert_int_eq(check(tok, NOW, &g, &why), TRIB_OK); /* expired, within the skew */
	ck_assert(auth_allows(&g, "eh1", AUTH_SEND, NOW));
	ck_assert(!auth_allows(&g, "eh1", AUTH_SEND, NOW + 1));
	make_token("SAS_KEY_VALUE", "sb://localhost/eh1", NOW - AUTH_CLOCK_SKEW_S - 1,
		   AUTH_ROOT_POLICY, tok, sizeof(tok));
	ck_assert_int_eq(check(tok, NOW, &g, &why), TRIB_ERR_UNAUTHORIZED);
	ck_assert_str_eq(why, "the token has expired");
	/* the SDK vectors expire at SE */
	ck_assert_int_eq(check(sdk_vectors[0].token, SE + AUTH_CLOCK_SKEW_S, &g, NULL), TRIB_OK);
	ck_assert_int_eq(check(sdk_vectors[0].token, SE + AUTH_CLOCK_SKEW_S + 1, &g, NULL),
			 TRIB_ERR_UNAUTHORIZED);
	/* an enormous expiry does not overflow */
	make_token("SAS_KEY_VALUE", "sb://localhost/eh1", 9223372036854775807LL, AUTH_ROOT_POLICY,
		   tok, sizeof(tok));
	ck_assert_int_eq(check(tok, NOW, &g, NULL), TRIB_OK);
	ck_assert(auth_allows(&g, "eh1", AUTH_SEND, NOW));
}
END_TEST

START_TEST(resource_prefix)
{
	char tok[1024];
	auth_grant_t g;

	/* namespace token for an entity */
	make_token("SAS_KEY_VALUE", "sb://localhost/", SE, AUTH_ROOT_POLICY, tok, sizeof(tok));
	ck_assert_int_eq(check(tok, NOW, &g, NULL), TRIB_OK);
	ck_assert(auth_allows(&g, "eh1", AUTH_SEND, NOW));
	ck_assert(auth_allows(&g, "eh1/consumergroups/$default/partitions/3", AUTH_LISTEN, NOW));
	/* entity token covers sub-paths, not siblings with a longer name */
	make_token("SAS_KEY_VALUE", "sb://localhost/eh1", SE, AUTH_ROOT_POLICY, tok, sizeof(tok));
	ck_assert_int_eq(check(tok, NOW, &g, NULL), TRIB_OK);
	ck_assert(auth_allows(&g, "eh1", AUTH_SEND, NOW));
	ck_assert(auth_allows(&g, "eh1/publishers/dev-1", AUTH_SEND, NOW));
	ck_assert(auth_allows(&g, "eh1/partitions/0", AUTH_SEND, NOW));
	ck_assert(!auth_allows(&g, "eh10", AUTH_SEND, NOW));
	ck_assert(!auth_allows(&g, "eh", AUTH_SEND, NOW));
	ck_assert(!auth_allows(&g, "", AUTH_SEND, NOW));
	/* publisher token: that publisher only */
	make_token("s3cr3t/Key+=", "sb://localhost/eh1/publishers/dev-1", SE, "send-only", tok,
		   sizeof(tok));
	ck_assert_int_eq(check(tok, NOW, &g, NULL), TRIB_OK);
	ck_assert(auth_allows(&g, "eh1/publishers/dev-1", AUTH_SEND, NOW));
	ck_assert(!auth_allows(&g, "eh1/publishers/dev-2", AUTH_SEND, NOW));
	ck_assert(!auth_allows(&g, "eh1", AUTH_SEND, NOW));
	ck_assert(!auth_allows(&g, "eh1/publishers/dev-1", AUTH_LISTEN, NOW));
}
END_TEST

START_TEST(normalisation)
{
	static const char *const uris[] = {
		"sb://localhost/eh1",         "sb://LOCALHOST:5672/EH1/",  "amqps://localhost/eh1",
		"https://ns.example.net/Eh1", "amqp://127.0.0.1:5672//eh1//", "wss://h/eh1/",
		"localhost/eh1",              "http://h:8080/EH1",
	};
	char tok[1024];
	auth_grant_t g;

	for (size_t i = 0; i < sizeof(uris) / sizeof(uris[0]); i++) {
		make_token("SAS_KEY_VALUE", uris[i], SE, AUTH_ROOT_POLICY, tok, sizeof(tok));
		ck_assert_msg(check(tok, NOW, &g, NULL) == TRIB_OK, "%s", uris[i]);
		ck_assert_msg(strcmp(g.path, "eh1") == 0, "%s -> %s", uris[i], g.path);
	}
}
END_TEST

START_TEST(normalize_path)
{
	static const struct {
		const char *in, *out;
	} v[] = {
		{"eh1", "eh1"},
		{"/eh1/ConsumerGroups/$Default/Partitions/0", "eh1/consumergroups/$default/partitions/0"},
		{"amqps://host.example/EH1/Partitions/2/", "eh1/partitions/2"},
		{"sb://h:5672/eh1", "eh1"},
		{"sb://h", ""},
		{"sb://h/", ""},
		{"", ""},
		{"/", ""},
		{"eh1/Publishers/a%20b", "eh1/publishers/a b"},
		{"eh1%2Fpartitions%2F0", "eh1/partitions/0"},
		{"eh1//partitions", "eh1/partitions"},
		{"$cbs", "$cbs"},
		{"eh1/publishers/\xc3\x84", "eh1/publishers/\xc3\x84"},
		{"a+b", "a+b"},
	};
	static const char *const bad[] = {"eh1%", "eh1%zz", "eh1%00", "eh1/\xff", "\xc3", "%c3"};
	char out[512];

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		ck_assert_msg(auth_normalize_path(slice_from_cstr(v[i].in), out, sizeof(out)), "%s",
			      v[i].in);
		ck_assert_str_eq(out, v[i].out);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(!auth_normalize_path(slice_from_cstr(bad[i]), out, sizeof(out)), "%s",
			      bad[i]);
	ck_assert(auth_normalize_path(slice_from_cstr("abc"), out, 4));
	ck_assert(!auth_normalize_path(slice_from_cstr("abcd"), out, 4));
	ck_assert(!auth_normalize_path(slice_from_cstr("abc"), out, 0));
}
END_TEST

START_TEST(policy_scopes)
{
	char tok[1024];
	auth_grant_t g;
	const char *why = NULL;

	make_token("nokey", "sb://localhost/eh1", SE, "nobody", tok, sizeof(tok));
	ck_assert_int_eq(check(tok, NOW, &g, &why), TRIB_ERR_UNAUTHORIZED);
	ck_assert_str_eq(why, "unknown policy (skn)");
	/* hub policy, used on its hub, below it, outside it, for the namespace */
	make_token("hubkey", "sb://localhost/eh1/partitions/1", SE, "hubroot", tok, sizeof(tok));
	ck_assert_int_eq(check(tok, NOW, &g, NULL), TRIB_OK);
	ck_assert_str_eq(g.path, "eh1/partitions/1");
	make_token("hubkey", "sb://localhost/eh2", SE, "hubroot", tok, sizeof(tok));
	ck_assert_int_eq(check(tok, NOW, &g, &why), TRIB_ERR_UNAUTHORIZED);
	ck_assert_str_eq(why, "the token's resource is outside the policy's scope");
	make_token("hubkey", "sb://localhost/eh10", SE, "hubroot", tok, sizeof(tok));
	ck_assert_int_eq(check(tok, NOW, &g, NULL), TRIB_ERR_UNAUTHORIZED);
	make_token("hubkey", "sb://localhost/", SE, "hubroot", tok, sizeof(tok));
	ck_assert_int_eq(check(tok, NOW, &g, NULL), TRIB_ERR_UNAUTHORIZED);
	/* the same name on eh10 with its own key */
	make_token("otherkey", "sb://localhost/eh10", SE, "hubroot", tok, sizeof(tok));
	ck_assert_int_eq(check(tok, NOW, &g, NULL), TRIB_OK);
	ck_assert_str_eq(g.path, "eh10");
	ck_assert_uint_eq(g.rights, AUTH_SEND);
	/* rights */
	make_token("k\xc3\xa9y-\xc3\xbc", "sb://localhost/eh1", SE, "listen-eh1", tok, sizeof(tok));
	ck_assert_int_eq(check(tok, NOW, &g, NULL), TRIB_OK);
	ck_assert(auth_allows(&g, "eh1/consumergroups/$default/partitions/0", AUTH_LISTEN, NOW));
	ck_assert(!auth_allows(&g, "eh1", AUTH_SEND, NOW));
	ck_assert(!auth_allows(&g, "eh1", AUTH_MANAGE, NOW));
	ck_assert(!auth_allows(NULL, "eh1", AUTH_LISTEN, NOW));
}
END_TEST

START_TEST(field_forms)
{
	char tok[1024], alt[1200], sr[512], sig[128], se[32], skn[64];
	auth_grant_t g;

	make_token("SAS_KEY_VALUE", "sb://localhost/eh1", SE, AUTH_ROOT_POLICY, tok, sizeof(tok));
	ck_assert_int_eq(sscanf(tok, "SharedAccessSignature sr=%511[^&]&sig=%127[^&]&se=%31[^&]&skn=%63s",
				sr, sig, se, skn),
			 4);
	/* other order, key case, spaces, trailing and doubled '&', unknown fields */
	snprintf(alt, sizeof(alt), "  SharedAccessSignature skn=%s&SE=%s&&Sig=%s&x=1&SR=%s& ", skn, se,
		 sig, sr);
	ck_assert_int_eq(check(alt, NOW, &g, NULL), TRIB_OK);
	snprintf(alt, sizeof(alt), "sharedaccesssignature se=%s&skn=%s&sr=%s&sig=%s", se, skn, sr,
		 sig);
	ck_assert_int_eq(check(alt, NOW, &g, NULL), TRIB_OK);
	/* '+' left unencoded in sig */
	ck_assert_int_eq(check(sdk_vectors[1].token, NOW, &g, NULL), TRIB_OK);
	{
		char raw[512];
		const char *p = strstr(sdk_vectors[0].token, "%2B");

		ck_assert_ptr_nonnull(p);
		snprintf(raw, sizeof(raw), "%.*s+%s", (int)(p - sdk_vectors[0].token),
			 sdk_vectors[0].token, p + 3);
		ck_assert_int_eq(check(raw, NOW, &g, NULL), TRIB_OK);
	}
	/* skn URL-encoded */
	snprintf(alt, sizeof(alt), "SharedAccessSignature sr=%s&sig=%s&se=%s&skn=RootManage%%53haredAccessKey",
		 sr, sig, se);
	ck_assert_int_eq(check(alt, NOW, &g, NULL), TRIB_OK);
}
END_TEST

START_TEST(malformed)
{
	static const char *const bad[] = {
		"",
		"SharedAccessSignature",
		"SharedAccessSignature ",
		"SharedAccessSignaturesr=a&sig=b&se=1&skn=c",
		"Bearer sr=a&sig=b&se=1&skn=c",
		"SharedAccessSignature sr=a&sig=b&se=1",
		"SharedAccessSignature sr=a&sig=b&skn=c",
		"SharedAccessSignature sig=b&se=1&skn=c",
		"SharedAccessSignature sr=&sig=b&se=1&skn=c",
		"SharedAccessSignature sr=a&sig=b&se=x1&skn=c",
		"SharedAccessSignature sr=a&sig=b&se=-1&skn=c",
		"SharedAccessSignature sr=a&sig=b&se=99999999999999999999&skn=c",
		"SharedAccessSignature sr=a&sr=a&sig=b&se=1&skn=c",
		"SharedAccessSignature sr=a&sig&se=1&skn=c",
		"SharedAccessSignature sr=a%zz&sig=b&se=1&skn=c",
		"SharedAccessSignature sr=sb%3A%2F%2Fh%2Fa%00b&sig=b&se=1&skn=c",
	};
	auth_grant_t g;
	const char *why;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		why = NULL;
		ck_assert_msg(check(bad[i], NOW, &g, &why) == TRIB_ERR_INVALID, "%s", bad[i]);
		ck_assert_ptr_nonnull(why);
	}
	ck_assert_int_eq(auth_check_token(store, TRIB_SLICE_NULL, NOW, &g, NULL),
			 TRIB_ERR_UNAUTHORIZED);
	ck_assert_int_eq(auth_check_token(NULL, slice_from_cstr(sdk_vectors[0].token), NOW, &g, NULL),
			 TRIB_ERR_UNAUTHORIZED);
}
END_TEST

/* A valid token padded with an unknown field to exactly @p len bytes. */
static char *padded_token(size_t len)
{
	char tok[1024];
	char *out = malloc(len + 1);
	size_t n;

	make_token("SAS_KEY_VALUE", "sb://localhost/eh1", SE, AUTH_ROOT_POLICY, tok, sizeof(tok));
	n = strlen(tok);
	ck_assert_uint_ge(len, n + 4);
	memcpy(out, tok, n);
	memcpy(out + n, "&x=", 3);
	memset(out + n + 3, 'a', len - n - 3);
	out[len] = '\0';
	return out;
}

START_TEST(size_limit)
{
	char *at = padded_token(AUTH_MAX_TOKEN_BYTES), *over = padded_token(AUTH_MAX_TOKEN_BYTES + 1);
	auth_grant_t g;
	const char *why = NULL;

	ck_assert_int_eq(check(at, NOW, &g, NULL), TRIB_OK);
	ck_assert_int_eq(check(over, NOW, &g, &why), TRIB_ERR_INVALID);
	ck_assert(strstr(why, "4096"));
	free(at);
	free(over);
}
END_TEST

static void add(Suite *s, const char *name, const TTest *t, bool fixture)
{
	TCase *tc = tcase_create(name);

	if (fixture)
		tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, t);
	suite_add_tcase(s, tc);
}

int main(void)
{
	Suite *s = suite_create("auth");
	TCase *tc = tcase_create("sdk_tokens");
	SRunner *r;
	int failed;

	add(s, "open", open_rejects_bad_specs, false);
	add(s, "check_key", key_check, true);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, sdk_tokens, 0, (int)(sizeof(sdk_vectors) / sizeof(sdk_vectors[0])));
	suite_add_tcase(s, tc);
	add(s, "wrong_key", wrong_key, true);
	add(s, "expiry", expiry_and_skew, true);
	add(s, "resource_prefix", resource_prefix, true);
	add(s, "normalisation", normalisation, true);
	add(s, "normalize_path", normalize_path, false);
	add(s, "policy_scopes", policy_scopes, true);
	add(s, "field_forms", field_forms, true);
	add(s, "malformed", malformed, true);
	add(s, "size_limit", size_limit, true);
	r = srunner_create(s);
	srunner_run_all(r, CK_NORMAL);
	failed = srunner_ntests_failed(r);
	srunner_free(r);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
