/*
 * The Kafka head checked against Apache Kafka's own message schemas
 * (../shared/reference/kafka-protocol/message/<Name>.json, STYLE.md §9), field
 * by field and version by version:
 *  - the version table: advertised and codec ranges inside validVersions,
 *    flex_min equal to the schema's first flexible version, no advertised
 *    minimum above what the reference clients need (clients.md §3);
 *  - requests: for every version in the codec range a request body is
 *    generated from the schema (one element in every array, every field
 *    present) and our decoder must take it and consume every byte;
 *  - responses: a model with one element in every array is encoded at every
 *    version, and a walker driven by the schema must consume exactly those
 *    bytes, finding one element in every array it expects.
 * Exits 77 (skipped) when the schemas are not there.
 */
#include <check.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "kafka_api.h"
#include "kafka_frame.h"
#include "kafka_msg_cases.h"
#include "mem.h"

#ifndef SCHEMA_DIR
#define SCHEMA_DIR "../shared/reference/kafka-protocol/message"
#endif

/* ---- reading the schemas ---- */

/* Drops // comments outside strings so jansson can parse the file. */
static char *strip_comments(const char *in)
{
	size_t n = strlen(in);
	char *out = malloc(n + 1), *o = out;
	bool str = false;

	for (size_t i = 0; i < n; i++) {
		if (str) {
			*o++ = in[i];
			if (in[i] == '\\' && i + 1 < n)
				*o++ = in[++i];
			else if (in[i] == '"')
				str = false;
		} else if (in[i] == '"') {
			str = true;
			*o++ = in[i];
		} else if (in[i] == '/' && i + 1 < n && in[i + 1] == '/') {
			while (i < n && in[i] != '\n')
				i++;
			*o++ = '\n';
		} else {
			*o++ = in[i];
		}
	}
	*o = '\0';
	return out;
}

static json_t *load_schema(const char *name)
{
	char path[512];
	FILE *f;
	long n;
	char *text, *clean;
	json_t *j;
	json_error_t e;

	snprintf(path, sizeof(path), "%s/%s.json", SCHEMA_DIR, name);
	f = fopen(path, "rb");
	ck_assert_msg(f != NULL, "cannot open %s", path);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	text = malloc((size_t)n + 1);
	ck_assert_uint_eq(fread(text, 1, (size_t)n, f), (size_t)n);
	text[n] = '\0';
	fclose(f);
	clean = strip_comments(text);
	j = json_loads(clean, 0, &e);
	ck_assert_msg(j != NULL, "%s: %s (line %d)", path, e.text, e.line);
	free(text);
	free(clean);
	return j;
}

/* Whether version @v is in a schema range: "N+", "N-M", "N", "none" (absent = @dflt). */
static bool in_range(const json_t *r, int v, bool dflt)
{
	const char *s = json_string_value(r);
	int lo, hi;

	if (!s)
		return dflt;
	if (strcmp(s, "none") == 0)
		return false;
	if (strchr(s, '+'))
		return sscanf(s, "%d", &lo) == 1 && v >= lo;
	if (sscanf(s, "%d-%d", &lo, &hi) == 2)
		return v >= lo && v <= hi;
	return sscanf(s, "%d", &lo) == 1 && v == lo;
}

static int range_low(const json_t *r)
{
	int lo = -1;

	if (strcmp(json_string_value(r), "none") == 0)
		return INT16_MAX; /* never flexible */
	ck_assert(sscanf(json_string_value(r), "%d", &lo) == 1);
	return lo;
}

static int range_high(const json_t *r)
{
	const char *s = json_string_value(r);
	int lo, hi;

	if (sscanf(s, "%d-%d", &lo, &hi) == 2)
		return hi;
	ck_assert(sscanf(s, "%d", &lo) == 1);
	return strchr(s, '+') ? 1000 : lo;
}

/* A field is on the wire in its regular place at @v: present and not tagged. */
static bool field_on_wire(const json_t *f, int v)
{
	if (!in_range(json_object_get(f, "versions"), v, false))
		return false;
	return !in_range(json_object_get(f, "taggedVersions"), v, false);
}

static bool nullable(const json_t *f, int v)
{
	return in_range(json_object_get(f, "nullableVersions"), v, false);
}

/* ---- generating requests from a schema ---- */

static void gen_fields(wire_wr_t *wr, const json_t *fields, int v, bool flex);

static void gen_prim(wire_wr_t *wr, const char *t, bool flex)
{
	static const uint8_t zeros[16];

	if (!strcmp(t, "int8") || !strcmp(t, "bool"))
		wire_wr_u8(wr, 0);
	else if (!strcmp(t, "int16") || !strcmp(t, "uint16"))
		wire_wr_i16(wr, 0);
	else if (!strcmp(t, "int32") || !strcmp(t, "uint32"))
		wire_wr_i32(wr, 0);
	else if (!strcmp(t, "int64") || !strcmp(t, "float64"))
		wire_wr_i64(wr, 0);
	else if (!strcmp(t, "uuid"))
		wire_wr_raw(wr, zeros, 16);
	else if (!strcmp(t, "string"))
		flex ? wire_wr_compact_bytes(wr, slice_from_cstr("x"))
		     : wire_wr_str16(wr, slice_from_cstr("x"));
	else if (!strcmp(t, "bytes") || !strcmp(t, "records"))
		flex ? wire_wr_compact_bytes(wr, slice_from_cstr(""))
		     : wire_wr_bytes32(wr, slice_from_cstr(""));
	else
		ck_abort_msg("unknown schema type %s", t);
}

static void gen_field(wire_wr_t *wr, const json_t *f, int v, bool flex)
{
	const char *t = json_string_value(json_object_get(f, "type"));
	const json_t *sub = json_object_get(f, "fields");

	if (!strncmp(t, "[]", 2)) {
		flex ? wire_wr_uvarint(wr, 2) : wire_wr_i32(wr, 1);
		if (sub)
			gen_fields(wr, sub, v, flex);
		else
			gen_prim(wr, t + 2, flex);
	} else if (sub) {
		gen_fields(wr, sub, v, flex);
	} else {
		gen_prim(wr, t, flex);
	}
}

static void gen_fields(wire_wr_t *wr, const json_t *fields, int v, bool flex)
{
	size_t i;
	json_t *f;

	json_array_foreach(fields, i, f) {
		if (field_on_wire(f, v))
			gen_field(wr, f, v, flex);
	}
	if (flex)
		wire_wr_empty_tags(wr);
}

/* ---- walking responses with a schema ---- */

static void walk_fields(wire_rd_t *rd, const json_t *fields, int v, bool flex, const char *path);

static void walk_prim(wire_rd_t *rd, const json_t *f, const char *t, int v, bool flex,
		      const char *path)
{
	trib_slice_t s;

	if (!strcmp(t, "int8") || !strcmp(t, "bool"))
		(void)wire_rd_u8(rd);
	else if (!strcmp(t, "int16") || !strcmp(t, "uint16"))
		(void)wire_rd_i16(rd);
	else if (!strcmp(t, "int32") || !strcmp(t, "uint32"))
		(void)wire_rd_i32(rd);
	else if (!strcmp(t, "int64") || !strcmp(t, "float64"))
		(void)wire_rd_i64(rd);
	else if (!strcmp(t, "uuid"))
		(void)wire_rd_raw(rd, 16);
	else if (!strcmp(t, "string") || !strcmp(t, "bytes") || !strcmp(t, "records")) {
		if (!strcmp(t, "string"))
			s = flex ? wire_rd_compact_bytes(rd) : wire_rd_str16(rd);
		else
			s = flex ? wire_rd_compact_bytes(rd) : wire_rd_bytes32(rd);
		ck_assert_msg(!wire_rd_ok(rd) || s.ptr || (f && nullable(f, v)),
			      "%s v%d: null in a non-nullable field", path, v);
	} else {
		ck_abort_msg("unknown schema type %s", t);
	}
	ck_assert_msg(wire_rd_ok(rd), "%s v%d: short at a %s", path, v, t);
}

static void walk_field(wire_rd_t *rd, const json_t *f, int v, bool flex, const char *parent)
{
	const char *t = json_string_value(json_object_get(f, "type"));
	const json_t *sub = json_object_get(f, "fields");
	char path[256];

	snprintf(path, sizeof(path), "%s.%s", parent,
		 json_string_value(json_object_get(f, "name")));
	if (!strncmp(t, "[]", 2)) {
		bool is_null = false;
		int32_t n = flex ? wire_rd_compact_array_len(rd, 100000, 0, &is_null)
				 : wire_rd_array_len(rd, 100000, 0, &is_null);

		ck_assert_msg(wire_rd_ok(rd), "%s v%d: short at the array count", path, v);
		ck_assert_msg(!is_null || nullable(f, v), "%s v%d: null array", path, v);
		for (int32_t i = 0; i < n; i++) {
			if (sub)
				walk_fields(rd, sub, v, flex, path);
			else
				walk_prim(rd, NULL, t + 2, v, flex, path);
		}
	} else if (sub) {
		walk_fields(rd, sub, v, flex, path);
	} else {
		walk_prim(rd, f, t, v, flex, path);
	}
}

static void walk_fields(wire_rd_t *rd, const json_t *fields, int v, bool flex, const char *path)
{
	size_t i;
	json_t *f;

	json_array_foreach(fields, i, f) {
		if (field_on_wire(f, v))
			walk_field(rd, f, v, flex, path);
	}
	if (flex) {
		wire_rd_skip_tags(rd);
		ck_assert_msg(wire_rd_ok(rd), "%s v%d: bad tag buffer", path, v);
	}
}

/* ---- the checks ---- */

typedef struct api_case {
	int16_t key;
	const char *req;
	const char *resp;
} api_case_t;

/* the generated APIs (kafka_msg_cases), ordered by key */
static api_case_t cases[128];
static size_t ncases;

static const kafka_msg_case_t *gen_case(int16_t key)
{
	size_t n;
	const kafka_msg_case_t *g = kafka_msg_cases(&n);

	for (size_t i = 0; i < n; i++) {
		if (g[i].key == key)
			return &g[i];
	}
	return NULL;
}

static int by_key(const void *a, const void *b)
{
	return ((const api_case_t *)a)->key - ((const api_case_t *)b)->key;
}

static void collect_cases(void)
{
	static char names[64][2][64];
	size_t n;
	const kafka_msg_case_t *g = kafka_msg_cases(&n);

	for (size_t i = 0; i < n && i < 64; i++) {
		snprintf(names[i][0], sizeof(names[i][0]), "%sRequest", g[i].name);
		snprintf(names[i][1], sizeof(names[i][1]), "%sResponse", g[i].name);
		cases[ncases++] = (api_case_t){g[i].key, names[i][0], names[i][1]};
	}
	qsort(cases, ncases, sizeof(cases[0]), by_key);
}

/* The versions the reference clients send first (clients.md §3): no minimum may pass them. */
static int16_t client_floor(int16_t key)
{
	switch (key) {
	case KAFKA_API_PRODUCE: return 3;      /* librdkafka MsgVer2 needs Produce 3 */
	case KAFKA_API_FETCH: return 4;        /* librdkafka MsgVer2 needs Fetch 4; kafka-python v4 */
	case KAFKA_API_LIST_OFFSETS: return 0; /* kafka-python v1, librdkafka up to 2 */
	case KAFKA_API_METADATA: return 0;     /* kafka-python bootstrap probe v0 */
	case KAFKA_API_API_VERSIONS: return 0; /* kafka-python v0, kafkajs v0 fallback */
	case KAFKA_API_CREATE_TOPICS: return 0;
	default: return 0;
	}
}

START_TEST(version_table)
{
	ck_assert_uint_eq(kafka_api_count(), ncases);
	for (size_t i = 0; i < ncases; i++) {
		const kafka_api_t *api = kafka_api_find(cases[i].key);
		const char *names[2] = {cases[i].req, cases[i].resp};

		ck_assert_ptr_nonnull(api);
		ck_assert_ptr_eq(kafka_api_at(i), api); /* ordered by key */
		for (int k = 0; k < 2; k++) {
			json_t *j = load_schema(names[k]);
			json_t *valid = json_object_get(j, "validVersions");
			json_t *flex = json_object_get(j, "flexibleVersions");

			ck_assert_int_eq(json_integer_value(json_object_get(j, "apiKey")), api->key);
			ck_assert_int_ge(api->codec_min, range_low(valid));
			ck_assert_int_le(api->codec_max, range_high(valid));
			ck_assert_msg(api->flex_min == range_low(flex), "%s: flexible from %d, table %d",
				      names[k], range_low(flex), api->flex_min);
			json_decref(j);
		}
		ck_assert(api->codec_min <= api->min && api->max <= api->codec_max);
		ck_assert_msg(api->min <= client_floor(api->key), "%s: minimum %d above clients' %d",
			      api->name, api->min, client_floor(api->key));
		ck_assert_ptr_nonnull(gen_case(api->key)); /* every codec is generated */
	}
}
END_TEST

static trib_err_t decode(int16_t key, wire_rd_t *rd, int16_t v, kafka_arena_t *a)
{
	const kafka_msg_case_t *g = gen_case(key);

	return g ? g->decode(rd, v, a) : TRIB_ERR_UNSUPPORTED;
}

START_TEST(requests_match_schemas)
{
	for (size_t i = 0; i < ncases; i++) {
		const kafka_api_t *api = kafka_api_find(cases[i].key);
		json_t *j = load_schema(cases[i].req);

		for (int16_t v = api->codec_min; v <= api->codec_max; v++) {
			static uint8_t buf[8192];
			bool flex = kafka_api_flexible(api, v);
			wire_wr_t wr;
			wire_rd_t rd;
			kafka_arena_t a;

			wire_wr_init(&wr, buf, sizeof(buf));
			gen_fields(&wr, json_object_get(j, "fields"), v, flex);
			ck_assert(wire_wr_fits(&wr));
			wire_rd_init(&rd, buf, wr.pos);
			kafka_arena_init(&a);
			ck_assert_msg(decode(api->key, &rd, v, &a) == TRIB_OK,
				      "%s v%d: a schema-made request (%zu bytes) does not decode",
				      cases[i].req, v, wr.pos);
			/* one byte short must fail: every field is read */
			if (wr.pos > 0) {
				wire_rd_init(&rd, buf, wr.pos - 1);
				ck_assert_msg(decode(api->key, &rd, v, &a) != TRIB_OK,
					      "%s v%d: decodes one byte short", cases[i].req, v);
			}
			kafka_arena_free(&a);
		}
		json_decref(j);
	}
}
END_TEST

/* The generated sample response: one element in every array. */
static void encode(int16_t key, int16_t v, uint8_t **out, size_t *len)
{
	const kafka_msg_case_t *g = gen_case(key);
	kafka_arena_t a;

	ck_assert_ptr_nonnull(g);
	kafka_arena_init(&a);
	/* header v0 for every response here: only the body is walked */
	ck_assert_int_eq(kafka_frame_response(1, 0, g->write, v, g->sample(&a), out, len), TRIB_OK);
	kafka_arena_free(&a);
}

START_TEST(responses_match_schemas)
{
	for (size_t i = 0; i < ncases; i++) {
		const kafka_api_t *api = kafka_api_find(cases[i].key);
		json_t *j = load_schema(cases[i].resp);

		for (int16_t v = api->codec_min; v <= api->codec_max; v++) {
			uint8_t *out;
			size_t len;
			wire_rd_t rd;

			encode(api->key, v, &out, &len);
			wire_rd_init(&rd, out + 8, len - 8); /* size prefix, correlation id */
			walk_fields(&rd, json_object_get(j, "fields"), v, kafka_api_flexible(api, v),
				    cases[i].resp);
			ck_assert_msg(wire_rd_ok(&rd) && wire_rd_left(&rd) == 0,
				      "%s v%d: %zu bytes left after the schema's fields",
				      cases[i].resp, v, wire_rd_left(&rd));
			mem_free(out);
		}
		json_decref(j);
	}
}
END_TEST

int main(void)
{
	struct stat st;
	Suite *s;
	TCase *tc;
	SRunner *sr;
	int failed;

	if (stat(SCHEMA_DIR, &st) != 0) {
		printf("skipped: no Kafka schemas at %s\n", SCHEMA_DIR);
		return 77;
	}
	collect_cases();
	s = suite_create("kafka_schema");
	tc = tcase_create("schemas");
	tcase_add_test(tc, version_table);
	tcase_add_test(tc, requests_match_schemas);
	tcase_add_test(tc, responses_match_schemas);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
