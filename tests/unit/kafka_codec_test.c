/*
 * Kafka head codecs: framing and request headers, every API's request
 * decoder and response encoder at its lowest and highest version (bytes
 * written out by hand from the schemas in reference/kafka-protocol), named
 * limits at limit and limit+1, the error table, topic names, the arena and
 * the cross-thread mailbox.
 */
#include <check.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api_versions.h"
#include "api/create_topics.h"
#include "api/fetch.h"
#include "api/list_offsets.h"
#include "api/metadata.h"
#include "api/produce.h"
#include "kafka_api.h"
#include "kafka_arena.h"
#include "kafka_err.h"
#include "kafka_frame.h"
#include "kafka_topic.h"
#include "kafka_wake.h"
#include "mem.h"

/* ---- helpers ---- */

typedef struct hexbuf {
	uint8_t b[4096];
	size_t n;
} hexbuf_t;

/* Bytes from hex text; spaces and '|' separate fields for the reader. */
static hexbuf_t hex(const char *s)
{
	hexbuf_t h = {.n = 0};

	while (*s) {
		unsigned v;

		if (*s == ' ' || *s == '|' || *s == '\n') {
			s++;
			continue;
		}
		ck_assert_msg(sscanf(s, "%2x", &v) == 1, "bad hex at %s", s);
		ck_assert(h.n < sizeof(h.b));
		h.b[h.n++] = (uint8_t)v;
		s += 2;
	}
	return h;
}

static void dump(const char *what, const uint8_t *p, size_t n)
{
	fprintf(stderr, "%s (%zu):", what, n);
	for (size_t i = 0; i < n; i++)
		fprintf(stderr, "%s%02x", i % 4 ? "" : " ", p[i]);
	fprintf(stderr, "\n");
}

static void expect_bytes(const uint8_t *got, size_t n, const char *want_hex)
{
	hexbuf_t w = hex(want_hex);

	if (n != w.n || memcmp(got, w.b, n) != 0) {
		dump("got ", got, n);
		dump("want", w.b, w.n);
		ck_abort_msg("bytes differ");
	}
}

/* Encodes @body with @fn at @version (measure, then store) and compares. */
static void expect_body(kafka_body_fn fn, int16_t version, const void *body, const char *want)
{
	wire_wr_t wr;
	uint8_t *buf;
	size_t n;

	wire_wr_init(&wr, NULL, 0);
	fn(&wr, version, body);
	n = wr.pos;
	buf = malloc(n ? n : 1);
	wire_wr_init(&wr, buf, n);
	fn(&wr, version, body);
	ck_assert_uint_eq(wr.pos, n);
	expect_bytes(buf, n, want);
	free(buf);
}

static wire_rd_t reader(const hexbuf_t *h)
{
	wire_rd_t rd;

	wire_rd_init(&rd, h->b, h->n);
	return rd;
}

static trib_slice_t S(const char *s)
{
	return slice_from_cstr(s);
}

static bool eq(trib_slice_t a, const char *s)
{
	return slice_eq_cstr(a, s, false);
}

/* ---- framing and headers ---- */

START_TEST(frame_peek)
{
	hexbuf_t h = hex("0000000a 0012 0000 00000007 ffff");
	uint32_t n = 0;

	ck_assert_int_eq(kafka_frame_peek(h.b, 3, 100, &n), KAFKA_FRAME_NEED_MORE);
	ck_assert_int_eq(kafka_frame_peek(h.b, 4, 100, &n), KAFKA_FRAME_NEED_MORE);
	ck_assert_uint_eq(n, 10); /* size known before the bytes: the buffer may grow for it */
	ck_assert_int_eq(kafka_frame_peek(h.b, 13, 100, &n), KAFKA_FRAME_NEED_MORE);
	ck_assert_int_eq(kafka_frame_peek(h.b, 14, 100, &n), KAFKA_FRAME_READY);
	ck_assert_int_eq(kafka_frame_peek(h.b, 14, 10, &n), KAFKA_FRAME_READY); /* at limit */
	ck_assert_int_eq(kafka_frame_peek(h.b, 14, 9, &n), KAFKA_FRAME_BAD);    /* limit+1 */
}
END_TEST

START_TEST(frame_peek_bad_sizes)
{
	uint32_t n;
	hexbuf_t neg = hex("ffffffff"), big = hex("80000000"), huge = hex("7fffffff"),
		 small = hex("00000007");
	const uint32_t max = KAFKA_FRAME_DEFAULT_MAX;

	ck_assert_int_eq(kafka_frame_peek(neg.b, neg.n, max, &n), KAFKA_FRAME_BAD);
	ck_assert_int_eq(kafka_frame_peek(big.b, big.n, max, &n), KAFKA_FRAME_BAD);
	ck_assert_int_eq(kafka_frame_peek(huge.b, huge.n, max, &n), KAFKA_FRAME_BAD);
	ck_assert_int_eq(kafka_frame_peek(small.b, small.n, max, &n), KAFKA_FRAME_BAD);
}
END_TEST

START_TEST(header_v1)
{
	hexbuf_t h = hex("0003 0004 0000002a 0003 6b6b6b | 01");
	wire_rd_t rd = reader(&h);
	kafka_hdr_t hdr;
	int16_t k, v;
	int32_t c;

	kafka_frame_ids(h.b, h.n, &k, &v, &c);
	ck_assert_int_eq(k, 3);
	ck_assert_int_eq(v, 4);
	ck_assert_int_eq(c, 42);
	ck_assert_int_eq(kafka_frame_hdr_decode(&rd, 1, &hdr), TRIB_OK);
	ck_assert_int_eq(hdr.api_key, 3);
	ck_assert_int_eq(hdr.api_version, 4);
	ck_assert_int_eq(hdr.correlation_id, 42);
	ck_assert(eq(hdr.client_id, "kkk"));
	ck_assert_uint_eq(wire_rd_left(&rd), 1); /* at the body */
}
END_TEST

START_TEST(header_v1_null_client)
{
	hexbuf_t h = hex("0012 0000 00000001 ffff");
	wire_rd_t rd = reader(&h);
	kafka_hdr_t hdr;

	ck_assert_int_eq(kafka_frame_hdr_decode(&rd, 1, &hdr), TRIB_OK);
	ck_assert_ptr_null(hdr.client_id.ptr);
	ck_assert_uint_eq(wire_rd_left(&rd), 0);
}
END_TEST

START_TEST(header_v2)
{
	/* ClientId stays an int16 string in v2; then a tag buffer with one tagged field */
	hexbuf_t h = hex("0012 0003 00000009 0002 6162 | 01 05 02 aabb | 07");
	wire_rd_t rd = reader(&h);
	kafka_hdr_t hdr;

	ck_assert_int_eq(kafka_frame_hdr_decode(&rd, 2, &hdr), TRIB_OK);
	ck_assert_int_eq(hdr.version, 2);
	ck_assert(eq(hdr.client_id, "ab"));
	ck_assert_uint_eq(wire_rd_left(&rd), 1);
	ck_assert_int_eq(wire_rd_u8(&rd), 7);
}
END_TEST

START_TEST(header_short)
{
	hexbuf_t h = hex("0012 0003 00000009 0005 6162");
	wire_rd_t rd = reader(&h);
	kafka_hdr_t hdr;

	ck_assert_int_eq(kafka_frame_hdr_decode(&rd, 1, &hdr), TRIB_ERR_INVALID);
	rd = reader(&h);
	ck_assert_int_eq(kafka_frame_hdr_decode(&rd, 3, &hdr), TRIB_ERR_INVALID);
}
END_TEST

START_TEST(header_versions)
{
	ck_assert_int_eq(kafka_frame_req_hdr_version(false), 1);
	ck_assert_int_eq(kafka_frame_req_hdr_version(true), 2);
	ck_assert_int_eq(kafka_frame_resp_hdr_version(KAFKA_API_API_VERSIONS, true), 0);
	ck_assert_int_eq(kafka_frame_resp_hdr_version(KAFKA_API_METADATA, true), 1);
	ck_assert_int_eq(kafka_frame_resp_hdr_version(KAFKA_API_METADATA, false), 0);
}
END_TEST

static void body_two_bytes(wire_wr_t *wr, int16_t version, const void *body)
{
	(void)body;
	wire_wr_u8(wr, (uint8_t)version);
	wire_wr_u8(wr, 0xee);
}

START_TEST(response_frames)
{
	uint8_t *out = NULL;
	size_t len = 0;

	ck_assert_int_eq(kafka_frame_response(7, 0, body_two_bytes, 3, NULL, &out, &len), TRIB_OK);
	expect_bytes(out, len, "00000006 00000007 03ee");
	mem_free(out);
	ck_assert_int_eq(kafka_frame_response(7, 1, body_two_bytes, 9, NULL, &out, &len), TRIB_OK);
	expect_bytes(out, len, "00000007 00000007 00 09ee");
	mem_free(out);
}
END_TEST

/* ---- ApiVersions ---- */

static kafka_api_versions_key_t av_keys[] = {{0, 3, 8}, {18, 0, 3}};

START_TEST(api_versions_req)
{
	hexbuf_t v0 = hex(""), v3 = hex("0b 6c696272646b61666b61 | 06 322e302e32 | 00"),
		 v3_extra = hex("02 61 02 62 00 ff"), v3_null = hex("00 02 62 00");
	kafka_api_versions_req_t q;
	kafka_arena_t a;
	wire_rd_t rd = reader(&v0);

	kafka_arena_init(&a);
	ck_assert_int_eq(kafka_api_versions_req_decode(&rd, 0, &a, &q), TRIB_OK);
	rd = reader(&v0);
	ck_assert_int_eq(kafka_api_versions_req_decode(&rd, 2, &a, &q), TRIB_OK);
	rd = reader(&v3);
	ck_assert_int_eq(kafka_api_versions_req_decode(&rd, 3, &a, &q), TRIB_OK);
	ck_assert(eq(q.client_software_name, "librdkafka"));
	ck_assert(eq(q.client_software_version, "2.0.2"));
	rd = reader(&v3);
	ck_assert_int_eq(kafka_api_versions_req_decode(&rd, 4, &a, &q), TRIB_OK);
	rd = reader(&v3_extra);
	ck_assert_int_eq(kafka_api_versions_req_decode(&rd, 3, &a, &q), TRIB_ERR_INVALID);
	rd = reader(&v3_null);
	ck_assert_int_eq(kafka_api_versions_req_decode(&rd, 3, &a, &q), TRIB_ERR_INVALID);
	rd = reader(&v3);
	ck_assert_int_eq(kafka_api_versions_req_decode(&rd, 5, &a, &q), TRIB_ERR_INVALID);
	kafka_arena_free(&a);
}
END_TEST

START_TEST(api_versions_resp)
{
	kafka_api_versions_resp_t r = {.api_keys_count = 2, .api_keys = av_keys,
				       .finalized_features_epoch = -1};
	kafka_api_versions_feature_t f = {S("f"), 0, 1};

	expect_body(kafka_api_versions_resp_write, 0, &r,
		    "0000 | 00000002 | 0000 0003 0008 | 0012 0000 0003");
	expect_body(kafka_api_versions_resp_write, 1, &r,
		    "0000 | 00000002 | 0000 0003 0008 | 0012 0000 0003 | 00000000");
	expect_body(kafka_api_versions_resp_write, 3, &r,
		    "0000 | 03 | 0000 0003 0008 00 | 0012 0000 0003 00 | 00000000 | 00");
	expect_body(kafka_api_versions_resp_write, 4, &r,
		    "0000 | 03 | 0000 0003 0008 00 | 0012 0000 0003 00 | 00000000 | 00");
	/* a feature is a tagged field (tag 0): absent below v3 */
	r.supported_features_count = 1;
	r.supported_features = &f;
	expect_body(kafka_api_versions_resp_write, 1, &r,
		    "0000 | 00000002 | 0000 0003 0008 | 0012 0000 0003 | 00000000");
	expect_body(kafka_api_versions_resp_write, 4, &r,
		    "0000 | 03 | 0000 0003 0008 00 | 0012 0000 0003 00 | 00000000 |"
		    "01 | 00 08 | 02 02 66 0000 0001 00");
}
END_TEST

START_TEST(api_versions_unsupported_shape)
{
	/* KIP-511: an unknown version is answered in the v0 shape, header v0, error 35 */
	kafka_api_versions_resp_t r = {.error_code = KAFKA_ERR_UNSUPPORTED_VERSION,
				       .api_keys_count = 2, .api_keys = av_keys,
				       .finalized_features_epoch = -1};
	uint8_t *out;
	size_t len;

	ck_assert_int_eq(kafka_frame_response(99, kafka_frame_resp_hdr_version(18, true),
					      kafka_api_versions_resp_write, 0, &r, &out, &len),
			 TRIB_OK);
	expect_bytes(out, len,
		     "00000016 | 00000063 | 0023 | 00000002 | 0000 0003 0008 | 0012 0000 0003");
	mem_free(out);
}
END_TEST

/* ---- Metadata ---- */

START_TEST(metadata_req)
{
	kafka_arena_t a;
	kafka_metadata_req_t q;
	hexbuf_t v0 = hex("00000002 0002 6162 0001 63"), v0_all = hex("00000000"),
		 v0_null = hex("ffffffff"), v1_null = hex("ffffffff"), v1_none = hex("00000000"),
		 v4 = hex("00000001 0001 74 | 00"), v8 = hex("ffffffff | 01 | 01 | 00"),
		 v8_short = hex("ffffffff 01 01");
	/* flexible: one topic by id (null name), one by name; no cluster operations from v11 */
	hexbuf_t v12 = hex("03 | 000102030405060708090a0b0c0d0e0f 00 00 |"
			   "00000000000000000000000000000000 0274 00 | 00 | 01 | 00");
	wire_rd_t rd;

	kafka_arena_init(&a);
	rd = reader(&v0);
	ck_assert_int_eq(kafka_metadata_req_decode(&rd, 0, &a, &q), TRIB_OK);
	ck_assert_int_eq(q.topics_count, 2);
	ck_assert(eq(q.topics[0].name, "ab") && eq(q.topics[1].name, "c"));
	ck_assert(q.allow_auto_topic_creation);
	rd = reader(&v0_all);
	ck_assert_int_eq(kafka_metadata_req_decode(&rd, 0, &a, &q), TRIB_OK);
	ck_assert_int_eq(q.topics_count, 0); /* every topic at v0 */
	rd = reader(&v0_null);
	ck_assert_int_eq(kafka_metadata_req_decode(&rd, 0, &a, &q), TRIB_ERR_INVALID);
	rd = reader(&v1_null);
	ck_assert_int_eq(kafka_metadata_req_decode(&rd, 1, &a, &q), TRIB_OK);
	ck_assert_int_eq(q.topics_count, -1);
	rd = reader(&v1_none);
	ck_assert_int_eq(kafka_metadata_req_decode(&rd, 1, &a, &q), TRIB_OK);
	ck_assert_int_eq(q.topics_count, 0);
	rd = reader(&v4);
	ck_assert_int_eq(kafka_metadata_req_decode(&rd, 4, &a, &q), TRIB_OK);
	ck_assert(!q.allow_auto_topic_creation);
	rd = reader(&v8);
	ck_assert_int_eq(kafka_metadata_req_decode(&rd, 8, &a, &q), TRIB_OK);
	ck_assert(q.topics_count == -1 && q.allow_auto_topic_creation);
	ck_assert(q.include_cluster_authorized_operations);
	ck_assert(!q.include_topic_authorized_operations);
	rd = reader(&v8_short);
	ck_assert_int_eq(kafka_metadata_req_decode(&rd, 8, &a, &q), TRIB_ERR_INVALID);
	rd = reader(&v4); /* a v4 body read as v3 leaves a byte over */
	ck_assert_int_eq(kafka_metadata_req_decode(&rd, 3, &a, &q), TRIB_ERR_INVALID);
	rd = reader(&v12);
	ck_assert_int_eq(kafka_metadata_req_decode(&rd, 12, &a, &q), TRIB_OK);
	ck_assert_int_eq(q.topics_count, 2);
	ck_assert_int_eq(q.topics[0].topic_id.b[15], 15);
	ck_assert_ptr_null(q.topics[0].name.ptr);
	ck_assert(kafka_uuid_is_zero(&q.topics[1].topic_id) && eq(q.topics[1].name, "t"));
	ck_assert(!q.allow_auto_topic_creation && q.include_topic_authorized_operations);
	rd = reader(&v12); /* v10 still has include_cluster_authorized_operations */
	ck_assert_int_eq(kafka_metadata_req_decode(&rd, 10, &a, &q), TRIB_ERR_INVALID);
	kafka_arena_free(&a);
}
END_TEST

static int32_t node0[] = {0};

static kafka_metadata_resp_t md_model(kafka_metadata_broker_t *b, kafka_metadata_topic_t *t,
				      kafka_metadata_partition_t *p)
{
	*b = (kafka_metadata_broker_t){0, S("h"), 9092, TRIB_SLICE_NULL};
	*p = (kafka_metadata_partition_t){.replica_nodes = node0, .replica_nodes_count = 1,
		.isr_nodes = node0, .isr_nodes_count = 1, .offline_replicas = node0};
	*t = (kafka_metadata_topic_t){.name = S("t"), .topic_id = {{[15] = 0x2a}},
		.partitions_count = 1, .partitions = p, .topic_authorized_operations = INT32_MIN};
	return (kafka_metadata_resp_t){.brokers_count = 1, .brokers = b, .cluster_id = S("c"),
		.topics_count = 1, .topics = t, .cluster_authorized_operations = INT32_MIN};
}

START_TEST(metadata_resp)
{
	kafka_metadata_broker_t b;
	kafka_metadata_topic_t t;
	kafka_metadata_partition_t p;
	kafka_metadata_resp_t r = md_model(&b, &t, &p);

	expect_body(kafka_metadata_resp_write, 0, &r,
		    "00000001 | 00000000 0001 68 00002384 |"
		    "00000001 | 0000 0001 74 | 00000001 | 0000 00000000 00000000 |"
		    "00000001 00000000 | 00000001 00000000");
	expect_body(kafka_metadata_resp_write, 8, &r,
		    "00000000 | 00000001 | 00000000 0001 68 00002384 ffff | 0001 63 | 00000000 |"
		    "00000001 | 0000 0001 74 00 | 00000001 |"
		    "0000 00000000 00000000 00000000 | 00000001 00000000 | 00000001 00000000 |"
		    "00000000 | 80000000 | 80000000");
	expect_body(kafka_metadata_resp_write, 10, &r,
		    "00000000 | 02 | 00000000 0268 00002384 00 00 | 0263 | 00000000 |"
		    "02 | 0000 0274 0000000000000000000000000000002a 00 | 02 |"
		    "0000 00000000 00000000 00000000 | 02 00000000 | 02 00000000 | 01 | 00 |"
		    "80000000 00 | 80000000 | 00");
	/* v12: no cluster operations; a topic unknown by id has a null name */
	t.name = TRIB_SLICE_NULL;
	t.partitions_count = 0;
	expect_body(kafka_metadata_resp_write, 12, &r,
		    "00000000 | 02 | 00000000 0268 00002384 00 00 | 0263 | 00000000 |"
		    "02 | 0000 00 0000000000000000000000000000002a 00 | 01 | 80000000 00 | 00");
}
END_TEST

/* ---- Produce ---- */

START_TEST(produce_req)
{
	kafka_arena_t a;
	kafka_produce_req_t q;
	hexbuf_t v3 = hex("ffff | ffff | 00007530 | 00000001 | 0001 74 | 00000002 |"
			  "00000000 00000003 010203 | 00000001 ffffffff");
	hexbuf_t v0 = hex("0001 | 000003e8 | 00000001 | 0001 74 | 00000001 | 00000005 00000000");
	/* flexible: compact strings, arrays and records, a tag buffer after each struct */
	hexbuf_t v9 = hex("00 | ffff | 00007530 | 02 0274 03 | 00000000 04 010203 00 |"
			  "00000001 00 00 | 00 | 00");
	wire_rd_t rd;

	kafka_arena_init(&a);
	rd = reader(&v3);
	ck_assert_int_eq(kafka_produce_req_decode(&rd, 3, &a, &q), TRIB_OK);
	ck_assert_ptr_null(q.transactional_id.ptr);
	ck_assert_int_eq(q.acks, -1);
	ck_assert_int_eq(q.timeout_ms, 30000);
	ck_assert_int_eq(q.topic_data_count, 1);
	ck_assert(eq(q.topic_data[0].name, "t"));
	ck_assert_int_eq(q.topic_data[0].partition_data_count, 2);
	ck_assert_uint_eq(q.topic_data[0].partition_data[0].records.len, 3);
	ck_assert_int_eq(q.topic_data[0].partition_data[1].index, 1);
	ck_assert_ptr_null(q.topic_data[0].partition_data[1].records.ptr);
	rd = reader(&v3); /* v8 has the same request shape */
	ck_assert_int_eq(kafka_produce_req_decode(&rd, 8, &a, &q), TRIB_OK);
	rd = reader(&v0);
	ck_assert_int_eq(kafka_produce_req_decode(&rd, 0, &a, &q), TRIB_OK);
	ck_assert_int_eq(q.acks, 1);
	ck_assert_int_eq(q.topic_data[0].partition_data[0].index, 5);
	rd = reader(&v0);
	ck_assert_int_eq(kafka_produce_req_decode(&rd, 3, &a, &q), TRIB_ERR_INVALID);
	rd = reader(&v9);
	ck_assert_int_eq(kafka_produce_req_decode(&rd, 11, &a, &q), TRIB_OK);
	ck_assert_ptr_null(q.transactional_id.ptr);
	ck_assert_int_eq(q.topic_data[0].partition_data_count, 2);
	ck_assert_uint_eq(q.topic_data[0].partition_data[0].records.len, 3);
	ck_assert_ptr_null(q.topic_data[0].partition_data[1].records.ptr);
	rd = reader(&v9);
	ck_assert_int_eq(kafka_produce_req_decode(&rd, 8, &a, &q), TRIB_ERR_INVALID);
	kafka_arena_free(&a);
}
END_TEST

START_TEST(produce_resp)
{
	kafka_produce_partition_resp_t p = {.base_offset = 5, .log_append_time_ms = 100,
		.current_leader = {-1, -1}};
	kafka_produce_topic_resp_t t = {S("t"), 1, &p};
	kafka_produce_resp_t r = {1, &t, 0, 0, NULL};

	expect_body(kafka_produce_resp_write, 0, &r,
		    "00000001 0001 74 00000001 | 00000000 0000 0000000000000005");
	expect_body(kafka_produce_resp_write, 3, &r,
		    "00000001 0001 74 00000001 | 00000000 0000 0000000000000005 0000000000000064 |"
		    "00000000");
	p.error_code = KAFKA_ERR_CORRUPT_MESSAGE;
	p.error_message = S("x");
	expect_body(kafka_produce_resp_write, 8, &r,
		    "00000001 0001 74 00000001 | 00000000 0002 0000000000000005 0000000000000064 |"
		    "0000000000000000 | 00000000 | 0001 78 | 00000000");
	/* v10: current_leader is a tagged field, written only when set (KIP-951) */
	expect_body(kafka_produce_resp_write, 10, &r,
		    "02 0274 02 | 00000000 0002 0000000000000005 0000000000000064 |"
		    "0000000000000000 | 01 | 0278 | 00 | 00 | 00000000 00");
	p.current_leader = (kafka_produce_current_leader_t){7, 3};
	expect_body(kafka_produce_resp_write, 11, &r,
		    "02 0274 02 | 00000000 0002 0000000000000005 0000000000000064 |"
		    "0000000000000000 | 01 | 0278 | 01 00 09 00000007 00000003 00 | 00 | 00000000 00");
}
END_TEST

/* ---- Fetch ---- */

START_TEST(fetch_req)
{
	kafka_arena_t a;
	kafka_fetch_req_t q;
	hexbuf_t v4 = hex("ffffffff 000001f4 00000001 00100000 00 |"
			  "00000001 0001 74 00000001 | 00000000 0000000000000007 00010000");
	hexbuf_t v11 = hex("ffffffff 000001f4 00000001 00100000 01 00000000 ffffffff |"
			   "00000001 0001 74 00000001 |"
			   "00000000 00000005 0000000000000007 ffffffffffffffff 00010000 |"
			   "00000001 0001 74 00000002 00000001 00000002 | 0000");
	/* v17: topic ids, no replica_id; tagged cluster_id, replica_state, replica_directory_id */
	hexbuf_t v17 = hex("000001f4 00000001 00100000 00 00000000 ffffffff |"
			   "02 000102030405060708090a0b0c0d0e0f 02 |"
			   "00000000 00000005 0000000000000007 00000000 ffffffffffffffff 00010000 |"
			   "01 00 10 ffffffffffffffffffffffffffffffff | 00 | 01 | 01 |"
			   "02 | 00 02 0263 | 01 0d 00000003 0000000000000009 00");
	/* the same with an unknown tag 9 after the known ones: skipped (KIP-482) */
	hexbuf_t v17u = hex("000001f4 00000001 00100000 00 00000000 ffffffff |"
			    "02 000102030405060708090a0b0c0d0e0f 02 |"
			    "00000000 00000005 0000000000000007 00000000 ffffffffffffffff 00010000 |"
			    "01 00 10 ffffffffffffffffffffffffffffffff | 00 | 01 | 01 |"
			    "03 | 00 02 0263 | 01 0d 00000003 0000000000000009 00 | 09 02 abcd");
	/* a known tag whose size holds a byte more than its value */
	hexbuf_t v17b = hex("000001f4 00000001 00100000 00 00000000 ffffffff |"
			    "02 000102030405060708090a0b0c0d0e0f 02 |"
			    "00000000 00000005 0000000000000007 00000000 ffffffffffffffff 00010000 |"
			    "01 00 10 ffffffffffffffffffffffffffffffff | 00 | 01 | 01 |"
			    "01 | 00 03 0263 ff");
	wire_rd_t rd;

	kafka_arena_init(&a);
	rd = reader(&v4);
	ck_assert_int_eq(kafka_fetch_req_decode(&rd, 4, &a, &q), TRIB_OK);
	ck_assert_int_eq(q.max_wait_ms, 500);
	ck_assert_int_eq(q.min_bytes, 1);
	ck_assert_int_eq(q.max_bytes, 1 << 20);
	ck_assert_int_eq(q.session_epoch, -1);
	ck_assert_int_eq(q.topics[0].partitions[0].fetch_offset, 7);
	ck_assert_int_eq(q.topics[0].partitions[0].partition_max_bytes, 65536);
	ck_assert_int_eq(q.topics[0].partitions[0].current_leader_epoch, -1);
	ck_assert_int_eq(q.topics[0].partitions[0].last_fetched_epoch, -1);
	rd = reader(&v11);
	ck_assert_int_eq(kafka_fetch_req_decode(&rd, 11, &a, &q), TRIB_OK);
	ck_assert_int_eq(q.isolation_level, 1);
	ck_assert_int_eq(q.topics[0].partitions[0].current_leader_epoch, 5);
	ck_assert_int_eq(q.topics[0].partitions[0].log_start_offset, -1);
	ck_assert_int_eq(q.forgotten_topics_data_count, 1);
	ck_assert_int_eq(q.forgotten_topics_data[0].partitions[1], 2);
	ck_assert(q.rack_id.ptr && q.rack_id.len == 0);
	rd = reader(&v11);
	ck_assert_int_eq(kafka_fetch_req_decode(&rd, 10, &a, &q), TRIB_ERR_INVALID);
	rd = reader(&v17);
	ck_assert_int_eq(kafka_fetch_req_decode(&rd, 17, &a, &q), TRIB_OK);
	ck_assert_int_eq(q.replica_id, -1);
	ck_assert(eq(q.cluster_id, "c"));
	ck_assert_int_eq(q.replica_state.replica_id, 3);
	ck_assert_int_eq(q.replica_state.replica_epoch, 9);
	ck_assert_int_eq(q.topics[0].topic_id.b[15], 15);
	ck_assert_int_eq(q.topics[0].partitions[0].last_fetched_epoch, 0);
	ck_assert_int_eq(q.topics[0].partitions[0].replica_directory_id.b[0], 0xff);
	rd = reader(&v17u);
	ck_assert_int_eq(kafka_fetch_req_decode(&rd, 17, &a, &q), TRIB_OK);
	ck_assert(eq(q.cluster_id, "c"));
	ck_assert_int_eq(q.replica_state.replica_epoch, 9);
	rd = reader(&v17b);
	ck_assert_int_eq(kafka_fetch_req_decode(&rd, 17, &a, &q), TRIB_ERR_INVALID);
	rd = reader(&v17); /* v14 still has replica_id */
	ck_assert_int_eq(kafka_fetch_req_decode(&rd, 14, &a, &q), TRIB_ERR_INVALID);
	kafka_arena_free(&a);
}
END_TEST

static void copy_abc(const kafka_records_t *r, uint8_t *dst)
{
	(*(int *)r->ctx)++;
	memcpy(dst, "\xaa\xbb\xcc", r->len);
}

START_TEST(fetch_resp)
{
	static const uint8_t rec[] = {1, 2, 3};
	int copies = 0;
	kafka_fetch_partition_resp_t p = {.high_watermark = 10, .last_stable_offset = 10,
		.diverging_epoch = {-1, -1}, .current_leader = {-1, -1}, .snapshot_id = {-1, -1},
		.preferred_read_replica = -1, .records = {rec, 3, copy_abc, NULL, &copies}};
	kafka_fetch_topic_resp_t t = {.topic = S("t"), .topic_id = {{[15] = 0x2a}},
		.partitions_count = 1, .partitions = &p};
	kafka_fetch_resp_t r = {.responses_count = 1, .responses = &t};

	expect_body(kafka_fetch_resp_write, 4, &r,
		    "00000000 | 00000001 0001 74 00000001 |"
		    "00000000 0000 000000000000000a 000000000000000a 00000000 | 00000003 010203");
	p.records.ptr = NULL; /* from storage: the copy callback writes in place, storing pass */
	expect_body(kafka_fetch_resp_write, 11, &r,
		    "00000000 0000 00000000 | 00000001 0001 74 00000001 |"
		    "00000000 0000 000000000000000a 000000000000000a 0000000000000000 00000000"
		    "ffffffff | 00000003 aabbcc");
	ck_assert_int_eq(copies, 1);
	expect_body(kafka_fetch_resp_write, 0, &r,
		    "00000001 0001 74 00000001 | 00000000 0000 000000000000000a | 00000003 aabbcc");
	/* v12: compact, no tags when unset; v13: the topic id replaces the name */
	expect_body(kafka_fetch_resp_write, 12, &r,
		    "00000000 0000 00000000 | 02 0274 02 |"
		    "00000000 0000 000000000000000a 000000000000000a 0000000000000000 01 ffffffff |"
		    "04 aabbcc 00 | 00 | 00");
	p.diverging_epoch = (kafka_fetch_epoch_end_offset_t){0, 5};
	expect_body(kafka_fetch_resp_write, 13, &r,
		    "00000000 0000 00000000 | 02 0000000000000000000000000000002a 02 |"
		    "00000000 0000 000000000000000a 000000000000000a 0000000000000000 01 ffffffff |"
		    "04 aabbcc 01 00 0d 00000000 0000000000000005 00 | 00 | 00");
}
END_TEST

/* ---- ListOffsets ---- */

START_TEST(list_offsets_req)
{
	kafka_arena_t a;
	kafka_list_offsets_req_t q;
	hexbuf_t v0 = hex("ffffffff 00000001 0001 74 00000001 |"
			  "00000000 ffffffffffffffff 00000001");
	hexbuf_t v5 = hex("ffffffff 00 00000001 0001 74 00000001 |"
			  "00000003 ffffffff fffffffffffffffe");
	/* flexible: compact lengths (n+1) and a tag buffer after each struct */
	hexbuf_t v10 = hex("ffffffff 01 02 | 0274 02 | 00000001 00000007 fffffffffffffffd 00 | 00 |"
			   "00000bb8 00");
	wire_rd_t rd;

	kafka_arena_init(&a);
	rd = reader(&v0);
	ck_assert_int_eq(kafka_list_offsets_req_decode(&rd, 0, &a, &q), TRIB_OK);
	ck_assert_int_eq(q.topics[0].partitions[0].timestamp, -1);
	ck_assert_int_eq(q.topics[0].partitions[0].max_num_offsets, 1);
	rd = reader(&v5);
	ck_assert_int_eq(kafka_list_offsets_req_decode(&rd, 5, &a, &q), TRIB_OK);
	ck_assert_int_eq(q.topics[0].partitions[0].partition_index, 3);
	ck_assert_int_eq(q.topics[0].partitions[0].current_leader_epoch, -1);
	ck_assert_int_eq(q.topics[0].partitions[0].timestamp, -2);
	ck_assert_int_eq(q.topics[0].partitions[0].max_num_offsets, 1);
	rd = reader(&v5);
	ck_assert_int_eq(kafka_list_offsets_req_decode(&rd, 1, &a, &q), TRIB_ERR_INVALID);
	rd = reader(&v10);
	ck_assert_int_eq(kafka_list_offsets_req_decode(&rd, 10, &a, &q), TRIB_OK);
	ck_assert_int_eq(q.isolation_level, 1);
	ck_assert_int_eq(q.topics_count, 1);
	ck_assert_int_eq(q.topics[0].partitions[0].current_leader_epoch, 7);
	ck_assert_int_eq(q.topics[0].partitions[0].timestamp, -3);
	ck_assert_int_eq(q.timeout_ms, 3000);
	rd = reader(&v10);
	ck_assert_int_eq(kafka_list_offsets_req_decode(&rd, 9, &a, &q), TRIB_ERR_INVALID);
	kafka_arena_free(&a);
}
END_TEST

START_TEST(list_offsets_resp)
{
	int64_t offs[] = {42};
	kafka_list_offsets_partition_resp_t p = {.old_style_offsets = offs,
		.old_style_offsets_count = 1, .timestamp = -1, .offset = 42};
	kafka_list_offsets_topic_resp_t t = {S("t"), 1, &p};
	kafka_list_offsets_resp_t r = {0, 1, &t};

	expect_body(kafka_list_offsets_resp_write, 0, &r,
		    "00000001 0001 74 00000001 | 00000000 0000 00000001 000000000000002a");
	expect_body(kafka_list_offsets_resp_write, 1, &r,
		    "00000001 0001 74 00000001 | 00000000 0000 ffffffffffffffff 000000000000002a");
	expect_body(kafka_list_offsets_resp_write, 5, &r,
		    "00000000 | 00000001 0001 74 00000001 |"
		    "00000000 0000 ffffffffffffffff 000000000000002a 00000000");
	expect_body(kafka_list_offsets_resp_write, 6, &r,
		    "00000000 | 02 0274 02 |"
		    "00000000 0000 ffffffffffffffff 000000000000002a 00000000 00 | 00 | 00");
}
END_TEST

/* ---- CreateTopics ---- */

START_TEST(create_topics_req)
{
	kafka_arena_t a;
	kafka_create_topics_req_t q;
	hexbuf_t v0 = hex("00000001 | 0001 74 00000003 0001 | 00000000 | 00000001 0001 61 ffff |"
			  "00007530");
	hexbuf_t v4 = hex("00000001 | 0001 74 ffffffff ffff | 00000001 00000000 00000001 00000000 |"
			  "00000000 | 00007530 | 01");
	wire_rd_t rd;

	kafka_arena_init(&a);
	rd = reader(&v0);
	ck_assert_int_eq(kafka_create_topics_req_decode(&rd, 0, &a, &q), TRIB_OK);
	ck_assert(eq(q.topics[0].name, "t"));
	ck_assert_int_eq(q.topics[0].num_partitions, 3);
	ck_assert_int_eq(q.topics[0].replication_factor, 1);
	ck_assert_int_eq(q.topics[0].assignments_count, 0);
	ck_assert_int_eq(q.topics[0].configs_count, 1);
	ck_assert(eq(q.topics[0].configs[0].name, "a"));
	ck_assert_ptr_null(q.topics[0].configs[0].value.ptr);
	ck_assert_int_eq(q.timeout_ms, 30000);
	ck_assert(!q.validate_only);
	rd = reader(&v4);
	ck_assert_int_eq(kafka_create_topics_req_decode(&rd, 4, &a, &q), TRIB_OK);
	ck_assert_int_eq(q.topics[0].num_partitions, -1);
	ck_assert_int_eq(q.topics[0].replication_factor, -1);
	ck_assert_int_eq(q.topics[0].assignments_count, 1);
	ck_assert_int_eq(q.topics[0].assignments[0].broker_ids_count, 1);
	ck_assert(q.validate_only);
	rd = reader(&v0);
	ck_assert_int_eq(kafka_create_topics_req_decode(&rd, 1, &a, &q), TRIB_ERR_INVALID);
	kafka_arena_free(&a);
}
END_TEST

START_TEST(create_topics_resp)
{
	kafka_create_topics_result_config_t c = {S("k"), S("v"), false, 5, false};
	kafka_create_topics_result_t t = {.name = S("t"),
					  .error_code = KAFKA_ERR_TOPIC_ALREADY_EXISTS,
					  .error_message = S("abc"), .num_partitions = -1,
					  .replication_factor = -1};
	kafka_create_topics_resp_t r = {.topics_count = 1, .topics = &t};

	expect_body(kafka_create_topics_resp_write, 0, &r, "00000001 0001 74 0024");
	expect_body(kafka_create_topics_resp_write, 1, &r, "00000001 0001 74 0024 0003 616263");
	expect_body(kafka_create_topics_resp_write, 4, &r,
		    "00000000 | 00000001 0001 74 0024 0003 616263");
	/* v5+: partitions, replication factor, configs; a topic config error is tag 0 */
	expect_body(kafka_create_topics_resp_write, 5, &r,
		    "00000000 | 02 | 02 74 0024 04 616263 ffffffff ffff 01 | 00 | 00");
	t = (kafka_create_topics_result_t){.name = S("t"), .num_partitions = 3,
					   .replication_factor = 1, .configs_count = 1,
					   .configs = &c, .topic_config_error_code = -1};
	for (int i = 0; i < 16; i++)
		t.topic_id.b[i] = (uint8_t)(i + 1);
	expect_body(kafka_create_topics_resp_write, 6, &r,
		    "00000000 | 02 | 02 74 0000 00 00000003 0001 | 02 02 6b 02 76 00 05 00 00 |"
		    "01 00 02 ffff | 00");
	t.topic_config_error_code = 0;
	expect_body(kafka_create_topics_resp_write, 7, &r,
		    "00000000 | 02 | 02 74 0102030405060708090a0b0c0d0e0f10 0000 00 00000003 0001 |"
		    "02 02 6b 02 76 00 05 00 00 | 00 | 00");
}
END_TEST

/* ---- named limits ---- */

/* A Metadata v1 body naming @n one-letter topics. */
static uint8_t *metadata_topics(int32_t n, size_t *len)
{
	uint8_t *b = malloc(4 + (size_t)n * 3);
	wire_wr_t wr;

	wire_wr_init(&wr, b, 4 + (size_t)n * 3);
	wire_wr_i32(&wr, n);
	for (int32_t i = 0; i < n; i++)
		wire_wr_str16(&wr, S("a"));
	*len = wr.pos;
	return b;
}

START_TEST(limit_topics)
{
	kafka_arena_t a;
	kafka_metadata_req_t q;
	size_t len;
	uint8_t *b;
	wire_rd_t rd;

	kafka_arena_init(&a);
	b = metadata_topics(KAFKA_MAX_TOPICS, &len);
	wire_rd_init(&rd, b, len);
	ck_assert_int_eq(kafka_metadata_req_decode(&rd, 1, &a, &q), TRIB_OK);
	ck_assert_int_eq(q.topics_count, KAFKA_MAX_TOPICS);
	free(b);
	b = metadata_topics(KAFKA_MAX_TOPICS + 1, &len);
	wire_rd_init(&rd, b, len);
	ck_assert_int_eq(kafka_metadata_req_decode(&rd, 1, &a, &q), TRIB_ERR_INVALID);
	free(b);
	kafka_arena_free(&a);
}
END_TEST

/* A Produce v3 body with one topic of @n partitions with null records. */
static uint8_t *produce_partitions(int32_t n, size_t *len)
{
	size_t cap = 32 + (size_t)n * 8;
	uint8_t *b = malloc(cap);
	wire_wr_t wr;

	wire_wr_init(&wr, b, cap);
	wire_wr_str16(&wr, TRIB_SLICE_NULL);
	wire_wr_i16(&wr, 1);
	wire_wr_i32(&wr, 1000);
	wire_wr_i32(&wr, 1);
	wire_wr_str16(&wr, S("t"));
	wire_wr_i32(&wr, n);
	for (int32_t i = 0; i < n; i++) {
		wire_wr_i32(&wr, i);
		wire_wr_bytes32(&wr, TRIB_SLICE_NULL);
	}
	*len = wr.pos;
	return b;
}

START_TEST(limit_partitions)
{
	kafka_arena_t a;
	kafka_produce_req_t q;
	size_t len;
	uint8_t *b;
	wire_rd_t rd;

	kafka_arena_init(&a);
	b = produce_partitions(KAFKA_MAX_PARTITIONS, &len);
	wire_rd_init(&rd, b, len);
	ck_assert_int_eq(kafka_produce_req_decode(&rd, 3, &a, &q), TRIB_OK);
	ck_assert_int_eq(q.topic_data[0].partition_data_count, KAFKA_MAX_PARTITIONS);
	free(b);
	b = produce_partitions(KAFKA_MAX_PARTITIONS + 1, &len);
	wire_rd_init(&rd, b, len);
	ck_assert_int_eq(kafka_produce_req_decode(&rd, 3, &a, &q), TRIB_ERR_INVALID);
	free(b);
	kafka_arena_free(&a);
}
END_TEST

/* A CreateTopics v0 body with one topic carrying @n configs. */
static uint8_t *create_configs(int32_t n, size_t *len)
{
	size_t cap = 64 + (size_t)n * 6;
	uint8_t *b = malloc(cap);
	wire_wr_t wr;

	wire_wr_init(&wr, b, cap);
	wire_wr_i32(&wr, 1);
	wire_wr_str16(&wr, S("t"));
	wire_wr_i32(&wr, 1);
	wire_wr_i16(&wr, 1);
	wire_wr_i32(&wr, 0);
	wire_wr_i32(&wr, n);
	for (int32_t i = 0; i < n; i++) {
		wire_wr_str16(&wr, S("k"));
		wire_wr_str16(&wr, S("v"));
	}
	wire_wr_i32(&wr, 1000);
	*len = wr.pos;
	return b;
}

START_TEST(limit_configs)
{
	kafka_arena_t a;
	kafka_create_topics_req_t q;
	size_t len;
	uint8_t *b;
	wire_rd_t rd;

	kafka_arena_init(&a);
	b = create_configs(KAFKA_MAX_CONFIGS, &len);
	wire_rd_init(&rd, b, len);
	ck_assert_int_eq(kafka_create_topics_req_decode(&rd, 0, &a, &q), TRIB_OK);
	ck_assert_int_eq(q.topics[0].configs_count, KAFKA_MAX_CONFIGS);
	free(b);
	b = create_configs(KAFKA_MAX_CONFIGS + 1, &len);
	wire_rd_init(&rd, b, len);
	ck_assert_int_eq(kafka_create_topics_req_decode(&rd, 0, &a, &q), TRIB_ERR_INVALID);
	free(b);
	kafka_arena_free(&a);
}
END_TEST

START_TEST(limit_count_vs_bytes)
{
	/* a count within the limit but larger than the bytes present fails before allocating */
	hexbuf_t h = hex("00002710 0001 61");
	kafka_arena_t a;
	kafka_metadata_req_t q;
	wire_rd_t rd = reader(&h);

	kafka_arena_init(&a);
	ck_assert_int_eq(kafka_metadata_req_decode(&rd, 1, &a, &q), TRIB_ERR_INVALID);
	ck_assert_uint_eq(a.used, 0);
	kafka_arena_free(&a);
}
END_TEST

/* ---- error table, names, arena, mailbox ---- */

START_TEST(err_table)
{
	ck_assert_int_eq(kafka_err_from_trib(TRIB_OK, KAFKA_CTX_RECORDS), 0);
	ck_assert_int_eq(kafka_err_from_trib(TRIB_ERR_CORRUPT, KAFKA_CTX_RECORDS), 2);
	ck_assert_int_eq(kafka_err_from_trib(TRIB_ERR_INVALID, KAFKA_CTX_RECORDS), 2);
	ck_assert_int_eq(kafka_err_from_trib(TRIB_ERR_UNSUPPORTED, KAFKA_CTX_RECORDS), 76);
	ck_assert_int_eq(kafka_err_from_trib(TRIB_ERR_TOO_LARGE, KAFKA_CTX_RECORDS), 10);
	ck_assert_int_eq(kafka_err_from_trib(TRIB_ERR_NOT_FOUND, KAFKA_CTX_RECORDS), 3);
	ck_assert_int_eq(kafka_err_from_trib(TRIB_ERR_OUT_OF_RANGE, KAFKA_CTX_RECORDS), 1);
	ck_assert_int_eq(kafka_err_from_trib(TRIB_ERR_IO, KAFKA_CTX_RECORDS), 56);
	ck_assert_int_eq(kafka_err_from_trib(TRIB_ERR_NOMEM, KAFKA_CTX_RECORDS), -1);
	ck_assert_int_eq(kafka_err_from_trib(TRIB_ERR_EXISTS, KAFKA_CTX_TOPIC), 36);
	ck_assert_int_eq(kafka_err_from_trib(TRIB_ERR_INVALID, KAFKA_CTX_TOPIC), 17);
	ck_assert_int_eq(kafka_err_from_trib((trib_err_t)-99, KAFKA_CTX_TOPIC), -1);
	ck_assert_int_eq(kafka_err_from_trib((trib_err_t)5, KAFKA_CTX_TOPIC), -1);
	ck_assert_str_eq(kafka_err_name(3), "UNKNOWN_TOPIC_OR_PARTITION");
	ck_assert_str_eq(kafka_err_name(12345), "UNKNOWN");
}
END_TEST

START_TEST(topic_names)
{
	char long_name[251];

	ck_assert(kafka_topic_name_valid(S("eh1")));
	ck_assert(kafka_topic_name_valid(S("a.b_c-D9")));
	ck_assert(!kafka_topic_name_valid(S("")));
	ck_assert(!kafka_topic_name_valid(TRIB_SLICE_NULL));
	ck_assert(!kafka_topic_name_valid(S(".")));
	ck_assert(!kafka_topic_name_valid(S("..")));
	ck_assert(kafka_topic_name_valid(S("...")));
	ck_assert(!kafka_topic_name_valid(S("a/b")));
	ck_assert(!kafka_topic_name_valid(S("a b")));
	memset(long_name, 'x', sizeof(long_name));
	long_name[249] = '\0';
	ck_assert(kafka_topic_name_valid(S(long_name)));
	long_name[249] = 'x';
	long_name[250] = '\0';
	ck_assert(!kafka_topic_name_valid(S(long_name)));
}
END_TEST

START_TEST(arena)
{
	kafka_arena_t a;
	size_t before = mem_used(MEM_KAFKA);
	uint8_t *p, *q, *big;

	kafka_arena_init(&a);
	p = kafka_arena_alloc(&a, 3);
	q = kafka_arena_alloc(&a, 0);
	ck_assert_ptr_nonnull(p);
	ck_assert_ptr_nonnull(q);
	ck_assert_ptr_ne(p, q);
	ck_assert_uint_eq((uintptr_t)p % 16, 0);
	ck_assert_uint_eq((uintptr_t)q % 16, 0);
	big = kafka_arena_alloc(&a, 1u << 20);
	ck_assert_ptr_nonnull(big);
	for (size_t i = 0; i < (1u << 20); i++)
		ck_assert(big[i] == 0);
	ck_assert_ptr_null(kafka_arena_calloc(&a, SIZE_MAX / 2, 4));
	ck_assert(mem_used(MEM_KAFKA) > before);
	kafka_arena_free(&a);
	ck_assert_uint_eq(mem_used(MEM_KAFKA), before);
	kafka_arena_free(NULL);
}
END_TEST

typedef struct wake_probe {
	kafka_wake_t w;
	int runs;
	trib_err_t last;
} wake_probe_t;

static void probe_run(kafka_wake_t *w)
{
	wake_probe_t *p = (wake_probe_t *)w;

	p->runs++;
	p->last = w->err;
}

static void *poster(void *arg)
{
	wake_probe_t *p = arg;

	for (int i = 0; i < 1000; i++)
		kafka_wake_post(&p[i % 4].w, TRIB_ERR_IO);
	return NULL;
}

START_TEST(mailbox)
{
	kafka_wakeq_t q;
	wake_probe_t p[4];
	pthread_t th;
	size_t ran = 0;

	ck_assert_int_eq(kafka_wakeq_init(&q), TRIB_OK);
	for (int i = 0; i < 4; i++) {
		memset(&p[i], 0, sizeof(p[i]));
		kafka_wake_init(&p[i].w, &q, probe_run);
	}
	/* a node is queued once however often it is posted */
	kafka_wake_post(&p[0].w, TRIB_OK);
	kafka_wake_post(&p[0].w, TRIB_ERR_CLOSED);
	ck_assert(kafka_wake_cancel(&p[0].w));
	ck_assert(!kafka_wake_cancel(&p[0].w));
	ck_assert_uint_eq(kafka_wakeq_run(&q), 0);
	kafka_wake_post(&p[1].w, TRIB_ERR_CLOSED);
	ck_assert_uint_eq(kafka_wakeq_run(&q), 1);
	ck_assert_int_eq(p[1].runs, 1);
	ck_assert_int_eq(p[1].last, TRIB_ERR_CLOSED);
	/* posts from another thread all arrive (each node at least once after its last post) */
	ck_assert_int_eq(pthread_create(&th, NULL, poster, p), 0);
	pthread_join(th, NULL);
	ran = kafka_wakeq_run(&q);
	ck_assert(ran >= 1 && ran <= 4);
	for (int i = 0; i < 4; i++)
		ck_assert_int_eq(p[i].last, TRIB_ERR_IO);
	kafka_wakeq_destroy(&q);
}
END_TEST

static Suite *kafka_codec_suite(void)
{
	Suite *s = suite_create("kafka_codec");
	TCase *tc;

	tc = tcase_create("frame");
	tcase_add_test(tc, frame_peek);
	tcase_add_test(tc, frame_peek_bad_sizes);
	tcase_add_test(tc, header_v1);
	tcase_add_test(tc, header_v1_null_client);
	tcase_add_test(tc, header_v2);
	tcase_add_test(tc, header_short);
	tcase_add_test(tc, header_versions);
	tcase_add_test(tc, response_frames);
	suite_add_tcase(s, tc);

	tc = tcase_create("api_versions");
	tcase_add_test(tc, api_versions_req);
	tcase_add_test(tc, api_versions_resp);
	tcase_add_test(tc, api_versions_unsupported_shape);
	suite_add_tcase(s, tc);

	tc = tcase_create("metadata");
	tcase_add_test(tc, metadata_req);
	tcase_add_test(tc, metadata_resp);
	suite_add_tcase(s, tc);

	tc = tcase_create("produce");
	tcase_add_test(tc, produce_req);
	tcase_add_test(tc, produce_resp);
	suite_add_tcase(s, tc);

	tc = tcase_create("fetch");
	tcase_add_test(tc, fetch_req);
	tcase_add_test(tc, fetch_resp);
	suite_add_tcase(s, tc);

	tc = tcase_create("list_offsets");
	tcase_add_test(tc, list_offsets_req);
	tcase_add_test(tc, list_offsets_resp);
	suite_add_tcase(s, tc);

	tc = tcase_create("create_topics");
	tcase_add_test(tc, create_topics_req);
	tcase_add_test(tc, create_topics_resp);
	suite_add_tcase(s, tc);

	tc = tcase_create("limits");
	tcase_add_test(tc, limit_topics);
	tcase_add_test(tc, limit_partitions);
	tcase_add_test(tc, limit_configs);
	tcase_add_test(tc, limit_count_vs_bytes);
	suite_add_tcase(s, tc);

	tc = tcase_create("support");
	tcase_add_test(tc, err_table);
	tcase_add_test(tc, topic_names);
	tcase_add_test(tc, arena);
	tcase_add_test(tc, mailbox);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(kafka_codec_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
