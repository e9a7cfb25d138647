/*
 * kafka_server: the Kafka head over the real core and store in a temporary
 * directory. A raw-socket client checks the exact protocol behaviour
 * (pipelining, framing errors, version handling, each API's answers, long
 * polls, shutdown with work in flight); librdkafka checks that a real
 * client produces and consumes through it.
 */
#include "kafka_server.h"

#include <arpa/inet.h>
#include <check.h>
#include <librdkafka/rdkafka.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "hub.h"
#include "kafka_api.h"
#include "kafka_codec.h"
#include "kraw.h"
#include "mem.h"
#include "crc32c.h"
#include "part.h"
#include "pidm.h"
#include "rb.h"
#include "tcfg.h"
#include "wire.h"

#define MAX_REQUEST 65536 /* small frame limit so limit and limit+1 are cheap to send */
#define MAX_MESSAGE (16 * 1024) /* message.max.bytes of the server under test */

static char tmp[256];
static store_t *store;
static ns_t *ns;
static kafka_server_t *srv;
static hub_t *eh1;
static pidm_t *pids;

static void setup(void)
{
	store_opts_t so = {.dir = tmp};
	ns_opts_t no = {.name = "test", .auto_create = true, .default_partitions = 2};
	kafka_server_opts_t ko = {.host = "127.0.0.1", .port = 0, .node_id = 7,
				  .advertised_host = "127.0.0.1", .max_request_bytes = MAX_REQUEST,
				  .max_message_bytes = MAX_MESSAGE};

	strcpy(tmp, "/tmp/trib-kafka-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmp));
	ck_assert_int_eq(store_open(&so, &store), TRIB_OK);
	ck_assert_int_eq(ns_open(store, &no, &ns), TRIB_OK);
	ck_assert_int_eq(ns_hub_create(ns, &(ns_hub_spec_t){"eh1", 2, NULL, 0}, &eh1), TRIB_OK);
	ck_assert_int_eq(pidm_open(store, &pids), TRIB_OK);
	ko.producer_ids = pids;
	ck_assert_int_eq(kafka_server_start(ns, &ko, &srv), TRIB_OK);
	ck_assert_uint_gt(kafka_server_port(srv), 0);
}

static void teardown(void)
{
	char cmd[300];

	kafka_server_stop(&srv);
	ck_assert_ptr_null(srv);
	ck_assert_uint_eq(mem_used(MEM_KAFKA), 0);
	pidm_close(&pids);
	store_close(&store);
	ns_close(&ns);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmp);
	(void)!system(cmd);
}

/* ---- a raw Kafka client ---- */

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int dial(void)
{
	return kraw_dial(kafka_server_port(srv), 0);
}

/* A request body under construction (static storage is fine: tests run one at a time). */
typedef struct body {
	uint8_t buf[MAX_REQUEST * 2];
	wire_wr_t wr;
} body_t;

static body_t *body_new(void)
{
	body_t *b = calloc(1, sizeof(*b));

	wire_wr_init(&b->wr, b->buf, sizeof(b->buf));
	return b;
}

/* Builds a whole frame (size, header v1 or v2, body) into @out; returns its size. */
static size_t frame(uint8_t *out, size_t cap, int16_t key, int16_t ver, int32_t corr, bool flex,
		    const body_t *b)
{
	return kraw_frame(out, cap, key, ver, corr, flex, b ? b->buf : NULL, b ? b->wr.pos : 0);
}

static void send_req(int fd, int16_t key, int16_t ver, int32_t corr, bool flex, body_t *b)
{
	kraw_send_req(fd, key, ver, corr, flex, b ? b->buf : NULL, b ? b->wr.pos : 0);
	free(b);
}

/* The response to @corr, as a reader positioned after the (v0) header. */
typedef kraw_resp_t resp_t;

static resp_t expect_resp(int fd, int32_t corr)
{
	return kraw_expect(fd, corr, false);
}


/* A valid uncompressed batch of @n records "k<i>"/"v<i>" (MEM_CORE, mem_free). */
static uint8_t *batch(int n, size_t *len)
{
	rb_builder_t b;
	uint8_t *out;

	rb_builder_init(&b, 1000);
	for (int i = 0; i < n; i++) {
		char k[16], v[16];

		snprintf(k, sizeof(k), "k%d", i);
		snprintf(v, sizeof(v), "v%d", i);
		ck_assert_int_eq(rb_builder_add(&b, 1000 + i, slice_from_cstr(k),
						slice_from_cstr(v), NULL, 0),
				 TRIB_OK);
	}
	ck_assert_int_eq(rb_builder_finish(&b, &out, len), TRIB_OK);
	return out;
}

static body_t *produce_body(int16_t ver, int16_t acks, const char *topic, int32_t part,
			    const uint8_t *records, size_t len)
{
	body_t *b = body_new();

	if (ver >= 3)
		wire_wr_str16(&b->wr, TRIB_SLICE_NULL);
	wire_wr_i16(&b->wr, acks);
	wire_wr_i32(&b->wr, 5000);
	wire_wr_i32(&b->wr, 1);
	wire_wr_str16(&b->wr, slice_from_cstr(topic));
	wire_wr_i32(&b->wr, 1);
	wire_wr_i32(&b->wr, part);
	wire_wr_bytes32(&b->wr, (trib_slice_t){records, len});
	return b;
}

typedef struct produced {
	int16_t error;
	int64_t base_offset;
	int64_t append_time;
	int64_t log_start;
} produced_t;

/* Reads a one-topic one-partition Produce response at @ver (3..8). */
static produced_t read_produce(int fd, int32_t corr, int16_t ver)
{
	resp_t r = expect_resp(fd, corr);
	produced_t out = {0};

	ck_assert_int_eq(wire_rd_i32(&r.rd), 1);
	(void)wire_rd_str16(&r.rd);
	ck_assert_int_eq(wire_rd_i32(&r.rd), 1);
	(void)wire_rd_i32(&r.rd);
	out.error = wire_rd_i16(&r.rd);
	out.base_offset = wire_rd_i64(&r.rd);
	out.append_time = wire_rd_i64(&r.rd);
	if (ver >= 5)
		out.log_start = wire_rd_i64(&r.rd);
	if (ver >= 8) {
		ck_assert_int_eq(wire_rd_i32(&r.rd), 0);
		(void)wire_rd_str16(&r.rd);
	}
	ck_assert_int_eq(wire_rd_i32(&r.rd), 0); /* throttle */
	kraw_done(&r);
	return out;
}

static produced_t produce(int fd, int32_t corr, const char *topic, int32_t part, int n)
{
	size_t len;
	uint8_t *rec = batch(n, &len);
	produced_t out;

	send_req(fd, 0, 7, corr, false, produce_body(7, -1, topic, part, rec, len));
	mem_free(rec);
	out = read_produce(fd, corr, 7);
	return out;
}

static body_t *fetch_body(int16_t ver, int32_t max_wait, int32_t min_bytes, int32_t max_bytes,
			  const char *topic, int np, const int32_t *parts, const int64_t *offs,
			  int32_t pmax)
{
	body_t *b = body_new();

	wire_wr_i32(&b->wr, -1);
	wire_wr_i32(&b->wr, max_wait);
	wire_wr_i32(&b->wr, min_bytes);
	if (ver >= 3)
		wire_wr_i32(&b->wr, max_bytes);
	if (ver >= 4)
		wire_wr_i8(&b->wr, 0);
	if (ver >= 7) {
		wire_wr_i32(&b->wr, 0);
		wire_wr_i32(&b->wr, -1);
	}
	wire_wr_i32(&b->wr, 1);
	wire_wr_str16(&b->wr, slice_from_cstr(topic));
	wire_wr_i32(&b->wr, np);
	for (int i = 0; i < np; i++) {
		wire_wr_i32(&b->wr, parts[i]);
		if (ver >= 9)
			wire_wr_i32(&b->wr, -1);
		wire_wr_i64(&b->wr, offs[i]);
		if (ver >= 5)
			wire_wr_i64(&b->wr, -1);
		wire_wr_i32(&b->wr, pmax);
	}
	if (ver >= 7)
		wire_wr_i32(&b->wr, 0);
	if (ver >= 11)
		wire_wr_str16(&b->wr, slice_from_cstr(""));
	return b;
}

typedef struct fetched {
	int16_t error;
	int64_t hw;
	int64_t log_start;
	int32_t records_len;
	int records;  /* records decoded from the batches */
	int64_t first_offset;
} fetched_t;

/* Reads a one-topic Fetch response at @ver into @out (one entry per partition). */
static void read_fetch(int fd, int32_t corr, int16_t ver, int np, fetched_t *out)
{
	resp_t r = expect_resp(fd, corr);

	if (ver >= 1)
		ck_assert_int_eq(wire_rd_i32(&r.rd), 0);
	if (ver >= 7) {
		ck_assert_int_eq(wire_rd_i16(&r.rd), 0);
		ck_assert_int_eq(wire_rd_i32(&r.rd), 0);
	}
	ck_assert_int_eq(wire_rd_i32(&r.rd), 1);
	(void)wire_rd_str16(&r.rd);
	ck_assert_int_eq(wire_rd_i32(&r.rd), np);
	for (int i = 0; i < np; i++) {
		fetched_t *f = &out[i];
		trib_slice_t recs;
		size_t pos = 0;

		memset(f, 0, sizeof(*f));
		f->first_offset = -1;
		(void)wire_rd_i32(&r.rd);
		f->error = wire_rd_i16(&r.rd);
		f->hw = wire_rd_i64(&r.rd);
		if (ver >= 4)
			ck_assert_int_eq(wire_rd_i64(&r.rd), f->hw);
		if (ver >= 5)
			f->log_start = wire_rd_i64(&r.rd);
		if (ver >= 4)
			ck_assert_int_eq(wire_rd_i32(&r.rd), 0);
		if (ver >= 11)
			ck_assert_int_eq(wire_rd_i32(&r.rd), -1);
		recs = wire_rd_bytes32(&r.rd);
		ck_assert(wire_rd_ok(&r.rd));
		f->records_len = (int32_t)recs.len;
		while (pos < recs.len) {
			rb_header_t h;
			rb_iter_t it;
			rb_record_t rec;
			size_t size;

			ck_assert_int_eq(rb_header_parse(recs.ptr + pos, recs.len - pos, &h), TRIB_OK);
			size = rb_size(&h);
			ck_assert_int_eq(rb_check(recs.ptr + pos, size, &h), TRIB_OK);
			ck_assert_int_eq(rb_iter_init(&it, recs.ptr + pos, size), TRIB_OK);
			while (rb_iter_next(&it, &rec) == 1) {
				if (f->first_offset < 0)
					f->first_offset = rec.offset;
				f->records++;
			}
			rb_iter_free(&it); /* a compressed batch's records were decompressed */
			pos += size;
		}
	}
	kraw_done(&r);
}

/* ---- ApiVersions, framing, versions ---- */

/* ApiVersions lists the version table as is (the table is checked by kafka_schema). */
static void expect_api_keys(wire_rd_t *rd, bool compact)
{
	int32_t n = compact ? (int32_t)wire_rd_uvarint(rd) - 1 : wire_rd_i32(rd);

	ck_assert_int_eq(n, (int32_t)kafka_api_count());
	for (int i = 0; i < n; i++) {
		const kafka_api_t *api = kafka_api_at((size_t)i);

		ck_assert_int_eq(wire_rd_i16(rd), api->key);
		ck_assert_int_eq(wire_rd_i16(rd), api->min);
		ck_assert_int_eq(wire_rd_i16(rd), api->max);
		if (compact)
			ck_assert_int_eq(wire_rd_u8(rd), 0);
	}
}

START_TEST(api_versions_v0_v3)
{
	int fd = dial();
	body_t *b = body_new();
	resp_t r;

	send_req(fd, 18, 0, 1, false, NULL);
	r = expect_resp(fd, 1);
	ck_assert_int_eq(wire_rd_i16(&r.rd), 0);
	expect_api_keys(&r.rd, false);
	kraw_done(&r);

	wire_wr_compact_bytes(&b->wr, slice_from_cstr("librdkafka"));
	wire_wr_compact_bytes(&b->wr, slice_from_cstr("2.0.2"));
	wire_wr_empty_tags(&b->wr);
	send_req(fd, 18, 3, 2, true, b);
	r = expect_resp(fd, 2); /* response header v0: no tag buffer after the id */
	ck_assert_int_eq(wire_rd_i16(&r.rd), 0);
	expect_api_keys(&r.rd, true);
	ck_assert_int_eq(wire_rd_i32(&r.rd), 0);
	ck_assert_int_eq(wire_rd_u8(&r.rd), 0);
	kraw_done(&r);
	close(fd);
}
END_TEST

START_TEST(api_versions_unknown_version)
{
	int fd = dial();
	body_t *b = body_new();
	resp_t r;

	wire_wr_compact_bytes(&b->wr, slice_from_cstr("future"));
	wire_wr_compact_bytes(&b->wr, slice_from_cstr("9"));
	wire_wr_empty_tags(&b->wr);
	send_req(fd, 18, 5, 3, true, b);
	r = expect_resp(fd, 3); /* the v0 shape: error, int32 count, keys, nothing else */
	ck_assert_int_eq(wire_rd_i16(&r.rd), 35);
	expect_api_keys(&r.rd, false);
	kraw_done(&r);
	/* the connection stays usable: the client retries at a listed version */
	send_req(fd, 18, 2, 4, false, NULL);
	r = expect_resp(fd, 4);
	ck_assert_int_eq(wire_rd_i16(&r.rd), 0);
	expect_api_keys(&r.rd, false);
	ck_assert_int_eq(wire_rd_i32(&r.rd), 0);
	kraw_done(&r);
	close(fd);
}
END_TEST

START_TEST(api_versions_v4_software_checked)
{
	int fd = dial();
	body_t *b = body_new();
	resp_t r;

	/* v4 answers as v3 (no features listed); its header is v0 too (KIP-511) */
	wire_wr_compact_bytes(&b->wr, slice_from_cstr("confluent-kafka-python"));
	wire_wr_compact_bytes(&b->wr, slice_from_cstr("1.7.0-rdkafka-2.0.2"));
	wire_wr_empty_tags(&b->wr);
	send_req(fd, 18, 4, 1, true, b);
	r = expect_resp(fd, 1);
	ck_assert_int_eq(wire_rd_i16(&r.rd), 0);
	expect_api_keys(&r.rd, true);
	ck_assert_int_eq(wire_rd_i32(&r.rd), 0);
	ck_assert_int_eq(wire_rd_u8(&r.rd), 0);
	kraw_done(&r);
	/* a name Kafka refuses (KIP-511's pattern): INVALID_REQUEST, no keys, connection open */
	b = body_new();
	wire_wr_compact_bytes(&b->wr, slice_from_cstr("bad name!"));
	wire_wr_compact_bytes(&b->wr, slice_from_cstr("1.0"));
	wire_wr_empty_tags(&b->wr);
	send_req(fd, 18, 3, 2, true, b);
	r = expect_resp(fd, 2);
	ck_assert_int_eq(wire_rd_i16(&r.rd), 42);
	ck_assert_int_eq(wire_rd_u8(&r.rd), 1); /* compact array: 0 keys */
	ck_assert_int_eq(wire_rd_i32(&r.rd), 0);
	ck_assert_int_eq(wire_rd_u8(&r.rd), 0);
	kraw_done(&r);
	b = body_new();
	wire_wr_compact_bytes(&b->wr, slice_from_cstr("librdkafka"));
	wire_wr_compact_bytes(&b->wr, slice_from_cstr("-2.0"));
	wire_wr_empty_tags(&b->wr);
	send_req(fd, 18, 4, 3, true, b);
	r = expect_resp(fd, 3);
	ck_assert_int_eq(wire_rd_i16(&r.rd), 42);
	free(r.p);
	send_req(fd, 18, 0, 4, false, NULL);
	r = expect_resp(fd, 4);
	ck_assert_int_eq(wire_rd_i16(&r.rd), 0);
	expect_api_keys(&r.rd, false);
	kraw_done(&r);
	close(fd);
}
END_TEST

START_TEST(pipelined_in_order)
{
	/* kafka-python's bootstrap: ApiVersions v0 and Metadata v0 in one write */
	static uint8_t out[1024];
	int fd = dial();
	body_t *md = body_new();
	size_t n;
	resp_t r;

	wire_wr_i32(&md->wr, 0); /* v0: empty = all topics */
	n = frame(out, sizeof(out), 18, 0, 100, false, NULL);
	n += frame(out + n, sizeof(out) - n, 3, 0, 101, false, md);
	free(md);
	kraw_send_all(fd, out, n);
	r = expect_resp(fd, 100);
	ck_assert_int_eq(wire_rd_i16(&r.rd), 0);
	expect_api_keys(&r.rd, false);
	kraw_done(&r);
	r = expect_resp(fd, 101);
	ck_assert_int_eq(wire_rd_i32(&r.rd), 1);             /* one broker */
	ck_assert_int_eq(wire_rd_i32(&r.rd), 7);             /* node id */
	ck_assert(slice_eq_cstr(wire_rd_str16(&r.rd), "127.0.0.1", false));
	ck_assert_int_eq(wire_rd_i32(&r.rd), kafka_server_port(srv));
	ck_assert_int_eq(wire_rd_i32(&r.rd), 1);             /* topics: eh1 */
	ck_assert_int_eq(wire_rd_i16(&r.rd), 0);
	ck_assert(slice_eq_cstr(wire_rd_str16(&r.rd), "eh1", false));
	ck_assert_int_eq(wire_rd_i32(&r.rd), 2);
	for (int i = 0; i < 2; i++) {
		ck_assert_int_eq(wire_rd_i16(&r.rd), 0);
		ck_assert_int_eq(wire_rd_i32(&r.rd), i);
		ck_assert_int_eq(wire_rd_i32(&r.rd), 7);     /* leader */
		ck_assert_int_eq(wire_rd_i32(&r.rd), 1);     /* replicas [7] */
		ck_assert_int_eq(wire_rd_i32(&r.rd), 7);
		ck_assert_int_eq(wire_rd_i32(&r.rd), 1);     /* isr [7] */
		ck_assert_int_eq(wire_rd_i32(&r.rd), 7);
	}
	kraw_done(&r);
	close(fd);
}
END_TEST

START_TEST(pipelined_many_in_one_write)
{
	/* more than KAFKA_CONN_MAX_INFLIGHT at once: reading pauses and resumes, order holds */
	enum { N = 300 };
	static uint8_t out[N * 32];
	int fd = dial();
	size_t n = 0;

	for (int i = 0; i < N; i++)
		n += frame(out + n, sizeof(out) - n, 18, i % 3, 1000 + i, false, NULL);
	kraw_send_all(fd, out, n);
	for (int i = 0; i < N; i++) {
		resp_t r = expect_resp(fd, 1000 + i);

		ck_assert_int_eq(wire_rd_i16(&r.rd), 0);
		expect_api_keys(&r.rd, false);
		if (i % 3)
			ck_assert_int_eq(wire_rd_i32(&r.rd), 0);
		kraw_done(&r);
	}
	close(fd);
}
END_TEST

START_TEST(pipelined_slow_head_keeps_order)
{
	/* a long-poll Fetch, then ApiVersions: the second answer waits for the first */
	static uint8_t out[2048];
	int32_t parts[] = {0};
	int64_t offs[] = {0};
	int fd = dial();
	body_t *fb = fetch_body(11, 300, 1, 1 << 20, "eh1", 1, parts, offs, 1 << 20);
	fetched_t f;
	resp_t r;
	int64_t t0 = now_ms();
	size_t n = frame(out, sizeof(out), 1, 11, 1, false, fb);

	n += frame(out + n, sizeof(out) - n, 18, 0, 2, false, NULL);
	free(fb);
	kraw_send_all(fd, out, n);
	read_fetch(fd, 1, 11, 1, &f);
	ck_assert_int_ge(now_ms() - t0, 250);
	r = expect_resp(fd, 2);
	ck_assert_int_eq(wire_rd_i16(&r.rd), 0);
	expect_api_keys(&r.rd, false);
	kraw_done(&r);
	close(fd);
}
END_TEST

START_TEST(bad_frames_close_only_their_connection)
{
	static const uint8_t neg[] = {0xff, 0xff, 0xff, 0xff};
	static const uint8_t two_gib[] = {0x80, 0x00, 0x00, 0x00};
	static const uint8_t over[] = {0x00, 0x01, 0x00, 0x01}; /* MAX_REQUEST + 1 */
	int good = dial(), a = dial(), b = dial(), c = dial();
	resp_t r;

	kraw_send_all(a, neg, sizeof(neg));
	kraw_send_all(b, two_gib, sizeof(two_gib));
	kraw_send_all(c, over, sizeof(over));
	ck_assert(kraw_closed(a));
	ck_assert(kraw_closed(b));
	ck_assert(kraw_closed(c));
	send_req(good, 18, 0, 9, false, NULL);
	r = expect_resp(good, 9);
	ck_assert_int_eq(wire_rd_i16(&r.rd), 0);
	expect_api_keys(&r.rd, false);
	kraw_done(&r);
	close(a);
	close(b);
	close(c);
	close(good);
}
END_TEST

START_TEST(frame_at_limit_is_read)
{
	/* a Produce frame of exactly MAX_REQUEST bytes is taken (and its junk records refused) */
	static uint8_t out[MAX_REQUEST + 8];
	size_t hdr = 2 + 2 + 4 + 2 + 4; /* header v1 with client id "test" */
	size_t fixed = 2 + 2 + 4 + 4 + 2 + 3 + 4 + 4 + 4; /* produce body up to the records bytes */
	size_t junk = MAX_REQUEST - hdr - fixed;
	uint8_t *rec = calloc(1, junk);
	int fd = dial();
	size_t n;
	produced_t p;
	body_t *b = produce_body(3, 1, "eh1", 0, rec, junk);

	n = frame(out, sizeof(out), 0, 3, 5, false, b);
	ck_assert_uint_eq(n, MAX_REQUEST + 4);
	free(b);
	free(rec);
	kraw_send_all(fd, out, n);
	p = read_produce(fd, 5, 3);
	ck_assert_int_eq(p.error, 2); /* CORRUPT_MESSAGE */
	close(fd);
}
END_TEST

/* No response shape is known: the correlation id and UNSUPPORTED_VERSION, and the connection lives. */
static void expect_unsupported(int fd, int16_t key, int16_t ver, int32_t corr)
{
	resp_t r;

	send_req(fd, key, ver, corr, false, NULL);
	r = expect_resp(fd, corr);
	ck_assert_int_eq(wire_rd_i16(&r.rd), 35);
	ck_assert_uint_eq(wire_rd_left(&r.rd), 0);
	kraw_done(&r);
}

START_TEST(unknown_api_answered)
{
	int fd = dial();
	resp_t r;

	expect_unsupported(fd, 1000, 0, 1);
	expect_unsupported(fd, KAFKA_API_HEARTBEAT, 99, 2);
	send_req(fd, 18, 0, 3, false, NULL); /* the same connection still serves */
	r = expect_resp(fd, 3);
	ck_assert_int_eq(wire_rd_i16(&r.rd), 0);
	expect_api_keys(&r.rd, false);
	kraw_done(&r);
	close(fd);
}
END_TEST

START_TEST(malformed_body_closes)
{
	int fd = dial();
	body_t *b = body_new();

	wire_wr_i32(&b->wr, 5); /* Metadata v1 announcing 5 topics and carrying none */
	send_req(fd, 3, 1, 1, false, b);
	ck_assert(kraw_closed(fd));
	close(fd);
}
END_TEST

START_TEST(fetch_below_advertised_is_refused_per_item)
{
	int32_t parts[] = {0, 1};
	int64_t offs[] = {0, 0};
	int fd = dial();
	fetched_t f[2];

	send_req(fd, 1, 3, 8, false, fetch_body(3, 0, 1, 1 << 20, "eh1", 2, parts, offs, 1024));
	read_fetch(fd, 8, 3, 2, f);
	ck_assert_int_eq(f[0].error, 35);
	ck_assert_int_eq(f[1].error, 35);
	close(fd);
}
END_TEST

/* ---- Produce ---- */

START_TEST(produce_acks_all)
{
	int fd = dial();
	produced_t p = produce(fd, 1, "eh1", 0, 3);
	size_t len;
	uint8_t *rec;

	ck_assert_int_eq(p.error, 0);
	ck_assert_int_eq(p.base_offset, 0);
	ck_assert_int_gt(p.append_time, 1000000000000LL); /* LogAppendTime stamped by the core */
	ck_assert_int_eq(p.log_start, 0);
	ck_assert_int_eq(part_high_watermark(hub_partition(eh1, 0)), 3);
	/* v8 answer shape, acks=1 */
	rec = batch(2, &len);
	send_req(fd, 0, 8, 2, false, produce_body(8, 1, "eh1", 0, rec, len));
	mem_free(rec);
	p = read_produce(fd, 2, 8);
	ck_assert_int_eq(p.error, 0);
	ck_assert_int_eq(p.base_offset, 3);
	ck_assert_int_eq(part_high_watermark(hub_partition(eh1, 0)), 5);
	close(fd);
}
END_TEST

/* An idempotent batch of @n records: producer id, epoch and base sequence set, CRC redone. */
static uint8_t *idem_batch(int n, int64_t pid, int16_t epoch, int32_t seq, size_t *len)
{
	uint8_t *b = batch(n, len);

	wire_store_u64(b + 43, (uint64_t)pid);
	wire_store_u16(b + 51, (uint16_t)epoch);
	wire_store_u32(b + 53, (uint32_t)seq);
	wire_store_u32(b + 17, crc32c(0, b + 21, *len - 21));
	return b;
}

static produced_t produce_idem(int fd, int32_t corr, int64_t pid, int32_t seq)
{
	size_t len;
	uint8_t *rec = idem_batch(3, pid, 0, seq, &len);

	send_req(fd, 0, 7, corr, false, produce_body(7, -1, "eh1", 1, rec, len));
	mem_free(rec);
	return read_produce(fd, corr, 7);
}

/*
 * A client resending a batch with the same producer id and sequence (as a
 * producer retries after a lost answer) gets the first answer again and the
 * batch is not stored twice; a gap is refused.
 */
START_TEST(produce_idempotent_resend)
{
	int fd = dial();
	body_t *b = body_new();
	resp_t r;
	int64_t pid;
	produced_t first, again, next;

	wire_wr_str16(&b->wr, TRIB_SLICE_NULL); /* InitProducerId v1: no transactional id */
	wire_wr_i32(&b->wr, 60000);
	send_req(fd, 22, 1, 1, false, b);
	r = expect_resp(fd, 1);
	ck_assert_int_eq(wire_rd_i32(&r.rd), 0);
	ck_assert_int_eq(wire_rd_i16(&r.rd), 0);
	pid = wire_rd_i64(&r.rd);
	ck_assert_int_eq(wire_rd_i16(&r.rd), 0);
	kraw_done(&r);
	ck_assert_int_ge(pid, 0);

	first = produce_idem(fd, 2, pid, 0);
	ck_assert_int_eq(first.error, 0);
	again = produce_idem(fd, 3, pid, 0);
	ck_assert_int_eq(again.error, 0);
	ck_assert_int_eq(again.base_offset, first.base_offset);
	next = produce_idem(fd, 4, pid, 3);
	ck_assert_int_eq(next.error, 0);
	ck_assert_int_eq(next.base_offset, first.base_offset + 3); /* the resend stored nothing */
	ck_assert_int_eq(part_high_watermark(hub_partition(eh1, 1)), first.base_offset + 6);
	ck_assert_int_eq(produce_idem(fd, 5, pid, 10).error, 45); /* OUT_OF_ORDER_SEQUENCE_NUMBER */
	ck_assert_int_eq(produce_idem(fd, 6, pid + 1000, 0).error, 59); /* UNKNOWN_PRODUCER_ID */
	close(fd);
}
END_TEST

START_TEST(produce_acks0_sends_nothing)
{
	int fd = dial();
	size_t len;
	uint8_t *rec = batch(4, &len);
	resp_t r;

	send_req(fd, 0, 3, 1, false, produce_body(3, 0, "eh1", 1, rec, len));
	mem_free(rec);
	send_req(fd, 18, 0, 2, false, NULL);
	r = expect_resp(fd, 2); /* the first answer on the wire is ApiVersions' */
	ck_assert_int_eq(wire_rd_i16(&r.rd), 0);
	expect_api_keys(&r.rd, false);
	kraw_done(&r);
	for (int i = 0; i < 200 && part_high_watermark(hub_partition(eh1, 1)) < 4; i++)
		usleep(10000);
	ck_assert_int_eq(part_high_watermark(hub_partition(eh1, 1)), 4);
	close(fd);
}
END_TEST

static uint8_t *two_batches(bool second_bad, size_t *len)
{
	size_t l1, l2;
	uint8_t *b1 = batch(2, &l1), *b2 = batch(3, &l2);
	uint8_t *both = malloc(l1 + l2);

	memcpy(both, b1, l1);
	memcpy(both + l1, b2, l2);
	if (second_bad)
		both[l1 + l2 - 1] ^= 0xff; /* CRC no longer matches */
	mem_free(b1);
	mem_free(b2);
	*len = l1 + l2;
	return both;
}

START_TEST(produce_two_batches)
{
	int fd = dial();
	size_t len;
	uint8_t *rec = two_batches(false, &len);
	produced_t p;

	send_req(fd, 0, 5, 1, false, produce_body(5, -1, "eh1", 0, rec, len));
	free(rec);
	p = read_produce(fd, 1, 5);
	ck_assert_int_eq(p.error, 0);
	ck_assert_int_eq(p.base_offset, 0);
	ck_assert_int_eq(part_high_watermark(hub_partition(eh1, 0)), 5);
	close(fd);
}
END_TEST

/* A committed message set fixture (tests/fixtures/msgset, malloc'ed). */
static uint8_t *msgset_fixture(const char *name, size_t *len)
{
	char path[512];
	FILE *f;
	uint8_t *b = malloc(65536);

	snprintf(path, sizeof(path), "%s/%s", MSGSET_FIXTURE_DIR, name);
	f = fopen(path, "rb");
	ck_assert_msg(f != NULL, "no fixture %s", path);
	*len = fread(b, 1, 65536, f);
	fclose(f);
	ck_assert_uint_gt(*len, 0);
	return b;
}

/* Reads a one-partition Produce v0-2 answer: error, base offset and (v2) append time. */
static produced_t read_produce_old(int fd, int32_t corr, int16_t ver)
{
	resp_t r = expect_resp(fd, corr);
	produced_t out = {.append_time = -1};

	ck_assert_int_eq(wire_rd_i32(&r.rd), 1);
	(void)wire_rd_str16(&r.rd);
	ck_assert_int_eq(wire_rd_i32(&r.rd), 1);
	(void)wire_rd_i32(&r.rd);
	out.error = wire_rd_i16(&r.rd);
	out.base_offset = wire_rd_i64(&r.rd);
	if (ver >= 2)
		out.append_time = wire_rd_i64(&r.rd);
	if (ver >= 1)
		ck_assert_int_eq(wire_rd_i32(&r.rd), 0); /* throttle */
	kraw_done(&r);
	return out;
}

START_TEST(produce_message_sets)
{
	/* three messages each, captured from librdkafka and kafka-python (magic 0 and 1) */
	static const char *const sets[] = {"rdk-p0-gzip.bin", "kpy-p1-snappy.bin", "rdk-p2-lz4.bin",
					   "kpy-p2-none.bin"};
	static const int16_t vers[] = {0, 1, 2, 2};
	int32_t parts[] = {0};
	int64_t offs[] = {0};
	int fd = dial();
	fetched_t f;
	produced_t p;
	size_t len;
	uint8_t *rec;

	for (int i = 0; i < 4; i++) {
		rec = msgset_fixture(sets[i], &len);
		send_req(fd, 0, vers[i], 10 + i, false, produce_body(vers[i], -1, "eh1", 0, rec, len));
		free(rec);
		p = read_produce_old(fd, 10 + i, vers[i]);
		ck_assert_msg(p.error == 0, "%s: error %d", sets[i], p.error);
		ck_assert_int_eq(p.base_offset, 3 * i);
		if (vers[i] == 2)
			ck_assert_int_gt(p.append_time, 0); /* LogAppendTime, stamped at append */
	}
	/* stored as RecordBatch v2: a v4 Fetch reads every message */
	send_req(fd, 1, 4, 20, false, fetch_body(4, 0, 1, 1 << 20, "eh1", 1, parts, offs, 1 << 20));
	read_fetch(fd, 20, 4, 1, &f);
	ck_assert(f.error == 0 && f.hw == 12 && f.records == 12 && f.first_offset == 0);
	/* a bad CRC refuses the whole set: CORRUPT_MESSAGE, nothing appended */
	rec = msgset_fixture("rdk-p0-none.bin", &len);
	rec[len - 1] ^= 1;
	send_req(fd, 0, 0, 21, false, produce_body(0, 1, "eh1", 0, rec, len));
	free(rec);
	ck_assert_int_eq(read_produce_old(fd, 21, 0).error, 2);
	ck_assert_int_eq(part_high_watermark(hub_partition(eh1, 0)), 12);
	/* a v2 request already carrying a magic 2 batch is taken as one */
	rec = batch(2, &len);
	send_req(fd, 0, 2, 22, false, produce_body(2, 1, "eh1", 0, rec, len));
	mem_free(rec);
	p = read_produce_old(fd, 22, 2);
	ck_assert(p.error == 0 && p.base_offset == 12);
	close(fd);
}
END_TEST

/* Produce v9+ (flexible): one batch to eh1/0, answered with no tagged fields. */
START_TEST(produce_flexible)
{
	size_t len;
	uint8_t *rec = batch(3, &len);
	resp_t r;
	int fd = dial();

	for (int16_t ver = 9; ver <= 11; ver++) {
		body_t *b = body_new();

		wire_wr_uvarint(&b->wr, 0); /* transactional_id null */
		wire_wr_i16(&b->wr, -1);
		wire_wr_i32(&b->wr, 5000);
		wire_wr_uvarint(&b->wr, 2);
		wire_wr_compact_bytes(&b->wr, slice_from_cstr("eh1"));
		wire_wr_uvarint(&b->wr, 2);
		wire_wr_i32(&b->wr, 0);
		wire_wr_compact_bytes(&b->wr, (trib_slice_t){rec, len});
		wire_wr_empty_tags(&b->wr);
		wire_wr_empty_tags(&b->wr);
		wire_wr_empty_tags(&b->wr);
		send_req(fd, 0, ver, ver, true, b);
		r = expect_resp(fd, ver);
		ck_assert_int_eq(wire_rd_uvarint(&r.rd), 0); /* header tags */
		ck_assert_int_eq(wire_rd_uvarint(&r.rd), 2);
		ck_assert(slice_eq_cstr(wire_rd_compact_bytes(&r.rd), "eh1", false));
		ck_assert_int_eq(wire_rd_uvarint(&r.rd), 2);
		ck_assert_int_eq(wire_rd_i32(&r.rd), 0);
		ck_assert_int_eq(wire_rd_i16(&r.rd), 0);
		ck_assert_int_eq(wire_rd_i64(&r.rd), 3 * (ver - 9));
		ck_assert_int_gt(wire_rd_i64(&r.rd), 0); /* log append time */
		ck_assert_int_eq(wire_rd_i64(&r.rd), 0); /* log start */
		ck_assert_int_eq(wire_rd_uvarint(&r.rd), 1); /* record_errors [] */
		ck_assert_ptr_null(wire_rd_compact_bytes(&r.rd).ptr); /* error_message */
		ck_assert_int_eq(wire_rd_uvarint(&r.rd), 0); /* no current_leader */
		ck_assert_int_eq(wire_rd_uvarint(&r.rd), 0);
		ck_assert_int_eq(wire_rd_i32(&r.rd), 0); /* throttle */
		ck_assert_int_eq(wire_rd_uvarint(&r.rd), 0); /* no node_endpoints */
		kraw_done(&r);
	}
	mem_free(rec);
	ck_assert_int_eq(part_high_watermark(hub_partition(eh1, 0)), 9);
	close(fd);
}
END_TEST

START_TEST(produce_bad_batch_appends_nothing)
{
	int fd = dial();
	size_t len;
	uint8_t *rec = two_batches(true, &len);
	produced_t p;

	send_req(fd, 0, 5, 1, false, produce_body(5, -1, "eh1", 0, rec, len));
	free(rec);
	p = read_produce(fd, 1, 5);
	ck_assert_int_eq(p.error, 2); /* CORRUPT_MESSAGE */
	ck_assert_int_eq(p.base_offset, -1);
	ck_assert_int_eq(part_high_watermark(hub_partition(eh1, 0)), 0);
	/* trailing bytes that are not a whole batch */
	rec = batch(1, &len);
	send_req(fd, 0, 5, 2, false, produce_body(5, -1, "eh1", 0, rec, len - 1));
	mem_free(rec);
	ck_assert_int_eq(read_produce(fd, 2, 5).error, 2);
	ck_assert_int_eq(part_high_watermark(hub_partition(eh1, 0)), 0);
	close(fd);
}
END_TEST

START_TEST(produce_errors)
{
	int fd = dial();
	size_t len;
	uint8_t *rec = batch(1, &len);
	produced_t p;

	send_req(fd, 0, 3, 1, false, produce_body(3, 1, "nope", 0, rec, len));
	ck_assert_int_eq(read_produce(fd, 1, 3).error, 3);
	send_req(fd, 0, 3, 2, false, produce_body(3, 1, "eh1", 9, rec, len));
	ck_assert_int_eq(read_produce(fd, 2, 3).error, 3);
	send_req(fd, 0, 3, 3, false, produce_body(3, 2, "eh1", 0, rec, len));
	ck_assert_int_eq(read_produce(fd, 3, 3).error, 21); /* INVALID_REQUIRED_ACKS */
	/* codec 5: UNSUPPORTED_COMPRESSION_TYPE (the CRC is made valid again) */
	wire_store_u16(rec + 21, 5);
	rb_stamp_append_time(rec, len, 1000);
	send_req(fd, 0, 3, 4, false, produce_body(3, 1, "eh1", 0, rec, len));
	p = read_produce(fd, 4, 3);
	ck_assert_int_eq(p.error, 76);
	/* zstd before Produce v7: UNSUPPORTED_COMPRESSION_TYPE, as Kafka answers */
	wire_store_u16(rec + 21, 4);
	rb_stamp_append_time(rec, len, 1000);
	send_req(fd, 0, 3, 6, false, produce_body(3, 1, "eh1", 0, rec, len));
	ck_assert_int_eq(read_produce(fd, 6, 3).error, 76);
	/* gzip bits over records that are no gzip stream: CORRUPT_MESSAGE */
	wire_store_u16(rec + 21, 1);
	rb_stamp_append_time(rec, len, 1000);
	send_req(fd, 0, 3, 7, false, produce_body(3, 1, "eh1", 0, rec, len));
	ck_assert_int_eq(read_produce(fd, 7, 3).error, 2);
	mem_free(rec);
	/* a batch over message.max.bytes: MESSAGE_TOO_LARGE */
	rec = batch(MAX_MESSAGE / 8, &len);
	ck_assert_uint_gt(len, MAX_MESSAGE);
	send_req(fd, 0, 3, 5, false, produce_body(3, 1, "eh1", 0, rec, len));
	ck_assert_int_eq(read_produce(fd, 5, 3).error, 10);
	mem_free(rec);
	ck_assert_int_eq(part_high_watermark(hub_partition(eh1, 0)), 0);
	close(fd);
}
END_TEST

/* ---- Fetch ---- */

START_TEST(fetch_reads_back)
{
	int32_t parts[] = {0, 1};
	int64_t offs[] = {0, 0};
	int fd = dial();
	fetched_t f[2];

	ck_assert_int_eq(produce(fd, 1, "eh1", 0, 3).error, 0);
	ck_assert_int_eq(produce(fd, 2, "eh1", 0, 2).error, 0);
	send_req(fd, 1, 4, 3, false, fetch_body(4, 0, 1, 1 << 20, "eh1", 2, parts, offs, 1 << 20));
	read_fetch(fd, 3, 4, 2, f);
	ck_assert_int_eq(f[0].error, 0);
	ck_assert_int_eq(f[0].hw, 5);
	ck_assert_int_eq(f[0].records, 5);
	ck_assert_int_eq(f[0].first_offset, 0);
	ck_assert_int_eq(f[1].records, 0);
	ck_assert_int_eq(f[1].hw, 0);
	/* from the middle of the second batch: the whole batch comes back, as in Kafka */
	offs[0] = 4;
	send_req(fd, 1, 11, 4, false, fetch_body(11, 0, 1, 1 << 20, "eh1", 1, parts, offs, 1 << 20));
	read_fetch(fd, 4, 11, 1, f);
	ck_assert_int_eq(f[0].records, 2);
	ck_assert_int_eq(f[0].first_offset, 3);
	ck_assert_int_eq(f[0].log_start, 0);
	close(fd);
}
END_TEST

START_TEST(fetch_limits)
{
	int32_t parts[] = {0, 1};
	int64_t offs[] = {0, 0};
	int fd = dial();
	fetched_t f[2];

	ck_assert_int_eq(produce(fd, 1, "eh1", 0, 50).error, 0);
	ck_assert_int_eq(produce(fd, 2, "eh1", 0, 50).error, 0);
	ck_assert_int_eq(produce(fd, 3, "eh1", 1, 50).error, 0);
	/* partition_max_bytes of 1: still the first batch whole, and nothing from the second
	 * partition, which cannot fit */
	send_req(fd, 1, 11, 4, false, fetch_body(11, 0, 1, 1 << 20, "eh1", 2, parts, offs, 1));
	read_fetch(fd, 4, 11, 2, f);
	ck_assert_int_eq(f[0].records, 50);
	ck_assert_int_eq(f[1].records, 0);
	ck_assert_int_eq(f[1].hw, 50);
	/* max_bytes 1: only the first batch of the whole answer */
	send_req(fd, 1, 11, 5, false, fetch_body(11, 0, 1, 1, "eh1", 2, parts, offs, 1 << 20));
	read_fetch(fd, 5, 11, 2, f);
	ck_assert_int_eq(f[0].records, 50);
	ck_assert_int_eq(f[1].records, 0);
	/* both fit */
	send_req(fd, 1, 11, 6, false, fetch_body(11, 0, 1, 1 << 20, "eh1", 2, parts, offs, 1 << 20));
	read_fetch(fd, 6, 11, 2, f);
	ck_assert_int_eq(f[0].records, 100);
	ck_assert_int_eq(f[1].records, 50);
	close(fd);
}
END_TEST

START_TEST(fetch_out_of_range_and_unknown)
{
	int32_t parts[] = {0, 5};
	int64_t offs[] = {99, 0};
	int fd = dial();
	fetched_t f[2];
	int64_t t0 = now_ms();

	/* errors answer at once even with a long max_wait */
	send_req(fd, 1, 11, 1, false, fetch_body(11, 5000, 1, 1 << 20, "eh1", 2, parts, offs, 1024));
	read_fetch(fd, 1, 11, 2, f);
	ck_assert_int_lt(now_ms() - t0, 2000);
	ck_assert_int_eq(f[0].error, 1);  /* OFFSET_OUT_OF_RANGE */
	ck_assert_int_eq(f[0].hw, 0);
	ck_assert_int_eq(f[1].error, 3);  /* UNKNOWN_TOPIC_OR_PARTITION */
	ck_assert_int_eq(f[1].hw, -1);
	close(fd);
}
END_TEST

/* One partition of a flexible (v12+) Fetch: index, current and last fetched epochs, offset. */
typedef struct fpart {
	int32_t part;
	int32_t leader_epoch;
	int32_t last_epoch;
	int64_t offset;
} fpart_t;

/* A Fetch v12+ body for one topic (by name before v13, by @id from v13); answers at once. */
static body_t *fetch_flex_body(int16_t ver, const char *topic, const kafka_uuid_t *id, int np,
			       const fpart_t *ps)
{
	static const kafka_uuid_t dir = {{[0] = 7}};
	body_t *b = body_new();

	if (ver <= 14)
		wire_wr_i32(&b->wr, -1);
	wire_wr_i32(&b->wr, 0);
	wire_wr_i32(&b->wr, 1);
	wire_wr_i32(&b->wr, 1 << 20);
	wire_wr_i8(&b->wr, 0);
	wire_wr_i32(&b->wr, 0);
	wire_wr_i32(&b->wr, -1);
	wire_wr_uvarint(&b->wr, 2);
	if (ver >= 13)
		kafka_codec_wr_uuid(&b->wr, id);
	else
		wire_wr_compact_bytes(&b->wr, slice_from_cstr(topic));
	wire_wr_uvarint(&b->wr, (uint64_t)np + 1);
	for (int i = 0; i < np; i++) {
		wire_wr_i32(&b->wr, ps[i].part);
		wire_wr_i32(&b->wr, ps[i].leader_epoch);
		wire_wr_i64(&b->wr, ps[i].offset);
		wire_wr_i32(&b->wr, ps[i].last_epoch);
		wire_wr_i64(&b->wr, -1);
		wire_wr_i32(&b->wr, 1 << 20);
		if (ver >= 17) { /* replica_directory_id, a follower's field: ignored */
			wire_wr_uvarint(&b->wr, 1);
			wire_wr_uvarint(&b->wr, 0);
			wire_wr_uvarint(&b->wr, 16);
			kafka_codec_wr_uuid(&b->wr, &dir);
		} else {
			wire_wr_empty_tags(&b->wr);
		}
	}
	wire_wr_empty_tags(&b->wr);
	wire_wr_uvarint(&b->wr, 1); /* no forgotten topics */
	wire_wr_uvarint(&b->wr, 1); /* rack "" */
	wire_wr_empty_tags(&b->wr);
	return b;
}

typedef struct fflex {
	fetched_t f;
	int32_t div_epoch; /* diverging_epoch (tag 0), -1 when absent */
	int64_t div_end;
} fflex_t;

/* Reads a one-topic Fetch v12+ answer (header v1): @id gets the topic id from v13. */
static void read_fetch_flex(int fd, int32_t corr, int16_t ver, int np, fflex_t *out,
			    kafka_uuid_t *id)
{
	resp_t r = expect_resp(fd, corr);

	ck_assert_int_eq(wire_rd_uvarint(&r.rd), 0);
	ck_assert_int_eq(wire_rd_i32(&r.rd), 0);
	ck_assert_int_eq(wire_rd_i16(&r.rd), 0);
	ck_assert_int_eq(wire_rd_i32(&r.rd), 0);
	ck_assert_int_eq(wire_rd_uvarint(&r.rd), 2);
	if (ver >= 13)
		*id = kafka_codec_rd_uuid(&r.rd);
	else
		(void)wire_rd_compact_bytes(&r.rd);
	ck_assert_int_eq(wire_rd_uvarint(&r.rd), (uint64_t)np + 1);
	for (int i = 0; i < np; i++) {
		fflex_t *o = &out[i];
		trib_slice_t recs;
		uint64_t tags;

		memset(o, 0, sizeof(*o));
		o->f.first_offset = -1;
		o->div_epoch = -1;
		(void)wire_rd_i32(&r.rd);
		o->f.error = wire_rd_i16(&r.rd);
		o->f.hw = wire_rd_i64(&r.rd);
		ck_assert_int_eq(wire_rd_i64(&r.rd), o->f.hw);
		o->f.log_start = wire_rd_i64(&r.rd);
		ck_assert_int_eq(wire_rd_uvarint(&r.rd), 1); /* aborted_transactions [] */
		ck_assert_int_eq(wire_rd_i32(&r.rd), -1);
		recs = wire_rd_compact_bytes(&r.rd);
		ck_assert(wire_rd_ok(&r.rd) && recs.ptr);
		o->f.records_len = (int32_t)recs.len;
		for (size_t pos = 0; pos < recs.len;) {
			rb_header_t h;
			size_t size;

			ck_assert_int_eq(rb_header_parse(recs.ptr + pos, recs.len - pos, &h), TRIB_OK);
			size = rb_size(&h);
			ck_assert_uint_le(size, recs.len - pos);
			ck_assert_int_eq(rb_check(recs.ptr + pos, size, &h), TRIB_OK);
			if (o->f.first_offset < 0)
				o->f.first_offset = h.base_offset;
			o->f.records += h.last_offset_delta + 1;
			pos += rb_size(&h);
		}
		tags = wire_rd_uvarint(&r.rd);
		for (uint64_t t = 0; t < tags; t++) {
			ck_assert_int_eq(wire_rd_uvarint(&r.rd), 0); /* only diverging_epoch is sent */
			ck_assert_int_eq(wire_rd_uvarint(&r.rd), 13);
			o->div_epoch = wire_rd_i32(&r.rd);
			o->div_end = wire_rd_i64(&r.rd);
			ck_assert_int_eq(wire_rd_uvarint(&r.rd), 0);
		}
	}
	ck_assert_int_eq(wire_rd_uvarint(&r.rd), 0);
	ck_assert_int_eq(wire_rd_uvarint(&r.rd), 0);
	kraw_done(&r);
}

START_TEST(fetch_flexible)
{
	kafka_uuid_t eh1_id, got, unknown = {{[3] = 3}};
	fpart_t both[2] = {{0, -1, -1, 0}, {1, 0, 0, 0}};
	int fd = dial();
	fflex_t f[2];
	int64_t hw;

	memcpy(eh1_id.b, hub_topic_id(eh1), sizeof(eh1_id.b));
	/* six batches of 14 records of 1000 bytes: past the sendfile threshold (64 KiB) */
	for (int i = 0; i < 6; i++) {
		static char value[1000];
		rb_builder_t b;
		uint8_t *rec;
		size_t len;

		memset(value, 'a' + i, sizeof(value));
		rb_builder_init(&b, 1000);
		for (int k = 0; k < 14; k++)
			ck_assert_int_eq(rb_builder_add(&b, 1000, slice_from_cstr("k"),
							(trib_slice_t){(const uint8_t *)value,
								       sizeof(value)}, NULL, 0),
					 TRIB_OK);
		ck_assert_int_eq(rb_builder_finish(&b, &rec, &len), TRIB_OK);
		send_req(fd, 0, 7, 100 + i, false, produce_body(7, -1, "eh1", 0, rec, len));
		mem_free(rec);
		ck_assert_int_eq(read_produce(fd, 100 + i, 7).error, 0);
	}
	hw = part_high_watermark(hub_partition(eh1, 0));
	ck_assert_int_eq(hw, 84);
	for (int16_t ver = 12; ver <= 17; ver++) {
		send_req(fd, 1, ver, ver, true, fetch_flex_body(ver, "eh1", &eh1_id, 2, both));
		read_fetch_flex(fd, ver, ver, 2, f, &got);
		ck_assert_msg(f[0].f.error == 0 && f[0].f.records == 84 && f[0].f.first_offset == 0,
			      "v%d: error %d, %d records", ver, f[0].f.error, f[0].f.records);
		ck_assert(f[0].f.records_len > 64 * 1024 && f[0].div_epoch == -1);
		ck_assert(f[1].f.error == 0 && f[1].f.records == 0 && f[1].f.hw == 0);
		if (ver >= 13)
			ck_assert(!memcmp(got.b, eh1_id.b, 16));
	}
	/* an id nobody has: UNKNOWN_TOPIC_ID in every partition, the id echoed */
	send_req(fd, 1, 13, 30, true, fetch_flex_body(13, NULL, &unknown, 2, both));
	read_fetch_flex(fd, 30, 13, 2, f, &got);
	ck_assert(f[0].f.error == 100 && f[1].f.error == 100 && !memcmp(got.b, unknown.b, 16));
	/* last fetched epoch 0 (ours) and an offset past its end: diverging, no records */
	both[0] = (fpart_t){0, 0, 0, hw + 5};
	both[1] = (fpart_t){1, -1, 1, 0}; /* an epoch we never had */
	send_req(fd, 1, 12, 31, true, fetch_flex_body(12, "eh1", NULL, 2, both));
	read_fetch_flex(fd, 31, 12, 2, f, &got);
	ck_assert(f[0].f.error == 0 && f[0].f.records_len == 0);
	ck_assert(f[0].div_epoch == 0 && f[0].div_end == hw);
	ck_assert_int_eq(f[1].f.error, 1); /* OFFSET_OUT_OF_RANGE */
	/* current leader epoch fencing */
	both[0] = (fpart_t){0, 1, -1, 0};
	both[1] = (fpart_t){1, -2, -1, 0};
	send_req(fd, 1, 13, 32, true, fetch_flex_body(13, NULL, &eh1_id, 2, both));
	read_fetch_flex(fd, 32, 13, 2, f, &got);
	ck_assert_int_eq(f[0].f.error, 75); /* UNKNOWN_LEADER_EPOCH */
	ck_assert_int_eq(f[1].f.error, 74); /* FENCED_LEADER_EPOCH */
	close(fd);
}
END_TEST

START_TEST(fetch_long_poll_wakes_on_append)
{
	int32_t parts[] = {0, 1};
	int64_t offs[] = {0, 0};
	int cons = dial(), prod = dial();
	fetched_t f[2];
	int64_t t0, waited;

	send_req(cons, 1, 11, 1, false, fetch_body(11, 5000, 1, 1 << 20, "eh1", 2, parts, offs,
						   1 << 20));
	usleep(200000);
	t0 = now_ms();
	ck_assert_int_eq(produce(prod, 1, "eh1", 1, 4).error, 0);
	read_fetch(cons, 1, 11, 2, f);
	waited = now_ms() - t0;
	ck_assert_msg(waited < 1500, "long poll answered after %lld ms", (long long)waited);
	ck_assert_int_eq(f[1].records, 4);
	ck_assert_int_eq(f[1].hw, 4);
	close(cons);
	close(prod);
}
END_TEST

START_TEST(fetch_min_bytes_waits_for_enough)
{
	int32_t parts[] = {0};
	int64_t offs[] = {0};
	int cons = dial(), prod = dial();
	fetched_t f;
	size_t one_batch;
	uint8_t *b = batch(1, &one_batch);

	mem_free(b);
	/* min_bytes of two batches: the first append is not enough, the second is */
	send_req(cons, 1, 11, 1, false, fetch_body(11, 5000, (int32_t)(2 * one_batch), 1 << 20,
						   "eh1", 1, parts, offs, 1 << 20));
	usleep(100000);
	ck_assert_int_eq(produce(prod, 1, "eh1", 0, 1).error, 0);
	usleep(300000);
	ck_assert_int_eq(produce(prod, 2, "eh1", 0, 1).error, 0);
	read_fetch(cons, 1, 11, 1, &f);
	ck_assert_int_eq(f.records, 2);
	close(cons);
	close(prod);
}
END_TEST

START_TEST(fetch_deadline)
{
	int32_t parts[] = {0};
	int64_t offs[] = {0};
	int fd = dial();
	fetched_t f;
	int64_t t0 = now_ms(), took;

	send_req(fd, 1, 4, 1, false, fetch_body(4, 400, 1, 1 << 20, "eh1", 1, parts, offs, 1024));
	read_fetch(fd, 1, 4, 1, &f);
	took = now_ms() - t0;
	ck_assert_msg(took >= 350 && took < 2000, "answered after %lld ms", (long long)took);
	ck_assert_int_eq(f.error, 0);
	ck_assert_int_eq(f.records_len, 0);
	close(fd);
}
END_TEST

START_TEST(close_with_pending_fetch)
{
	int32_t parts[] = {0, 1};
	int64_t offs[] = {0, 0};
	int fd = dial(), prod = dial();

	send_req(fd, 1, 11, 1, false, fetch_body(11, 10000, 1, 1 << 20, "eh1", 2, parts, offs,
						 1 << 20));
	usleep(100000);
	close(fd); /* waiters must be disarmed: the append below must not wake freed memory */
	usleep(100000);
	ck_assert_int_eq(produce(prod, 1, "eh1", 0, 2).error, 0);
	ck_assert_int_eq(produce(prod, 2, "eh1", 1, 2).error, 0);
	close(prod);
}
END_TEST

START_TEST(close_with_pending_produce)
{
	static uint8_t out[20 * 1024];
	size_t baseline = mem_used(MEM_KAFKA); /* the idle server's own memory */
	int fd = dial();
	size_t len, n = 0;
	uint8_t *rec = batch(10, &len), drain[4096];
	part_t *p = hub_partition(eh1, 1);

	for (int i = 0; i < 20; i++) {
		body_t *b = produce_body(7, -1, "eh1", 1, rec, len);

		n += frame(out + n, sizeof(out) - n, 0, 7, i, false, b);
		free(b);
	}
	mem_free(rec);
	/*
	 * The server reads all 20 requests, then EOF, and closes the connection
	 * while appends are still completing. (A plain close() with answers
	 * unread would make this kernel send RST, losing unread requests.)
	 */
	kraw_send_all(fd, out, n);
	shutdown(fd, SHUT_WR);
	while (recv(fd, drain, sizeof(drain), 0) > 0)
		;
	close(fd);
	for (int i = 0; i < 500 && part_high_watermark(p) < 200; i++)
		usleep(10000);
	ck_assert_int_eq(part_high_watermark(p), 200);
	/* the connection and every request are freed once the last completion ran */
	for (int i = 0; i < 500 && mem_used(MEM_KAFKA) != baseline; i++)
		usleep(10000);
	ck_assert_uint_eq(mem_used(MEM_KAFKA), baseline);
}
END_TEST

START_TEST(stop_with_work_in_flight)
{
	int32_t parts[] = {0};
	int64_t offs[] = {0};
	int fd = dial(), cons = dial();
	size_t len;
	uint8_t *rec = batch(100, &len);

	send_req(cons, 1, 11, 1, false, fetch_body(11, 10000, 1 << 20, 1 << 20, "eh1", 1, parts,
						   offs, 1 << 20));
	for (int i = 0; i < 20; i++)
		send_req(fd, 0, 7, i, false, produce_body(7, -1, "eh1", 0, rec, len));
	mem_free(rec);
	/* teardown stops the server now: pending appends complete, the fetch is cancelled */
	kafka_server_stop(&srv);
	ck_assert_uint_eq(mem_used(MEM_KAFKA), 0);
	close(fd);
	close(cons);
}
END_TEST

/* ---- ListOffsets ---- */

static body_t *list_offsets_body(int16_t ver, const char *topic, int32_t part, int64_t ts)
{
	body_t *b = body_new();

	wire_wr_i32(&b->wr, -1);
	if (ver >= 2)
		wire_wr_i8(&b->wr, 0);
	wire_wr_i32(&b->wr, 1);
	wire_wr_str16(&b->wr, slice_from_cstr(topic));
	wire_wr_i32(&b->wr, 1);
	wire_wr_i32(&b->wr, part);
	if (ver >= 4)
		wire_wr_i32(&b->wr, -1);
	wire_wr_i64(&b->wr, ts);
	if (ver == 0)
		wire_wr_i32(&b->wr, 1);
	return b;
}

/* One-partition ListOffsets answer at @ver (1..5): error, timestamp, offset. */
static void read_list_offsets(int fd, int32_t corr, int16_t ver, int16_t *err, int64_t *ts,
			      int64_t *off)
{
	resp_t r = expect_resp(fd, corr);

	if (ver >= 2)
		ck_assert_int_eq(wire_rd_i32(&r.rd), 0);
	ck_assert_int_eq(wire_rd_i32(&r.rd), 1);
	(void)wire_rd_str16(&r.rd);
	ck_assert_int_eq(wire_rd_i32(&r.rd), 1);
	(void)wire_rd_i32(&r.rd);
	*err = wire_rd_i16(&r.rd);
	*ts = wire_rd_i64(&r.rd);
	*off = wire_rd_i64(&r.rd);
	if (ver >= 4)
		(void)wire_rd_i32(&r.rd);
	kraw_done(&r);
}

START_TEST(list_offsets)
{
	int fd = dial();
	int16_t err;
	int64_t ts, off, t_mid;
	produced_t p1, p2;
	resp_t r;

	p1 = produce(fd, 1, "eh1", 0, 3);
	usleep(20000);
	p2 = produce(fd, 2, "eh1", 0, 2);
	ck_assert_int_gt(p2.append_time, p1.append_time);
	send_req(fd, 2, 5, 3, false, list_offsets_body(5, "eh1", 0, -1));
	read_list_offsets(fd, 3, 5, &err, &ts, &off);
	ck_assert(err == 0 && off == 5 && ts == -1);
	send_req(fd, 2, 1, 4, false, list_offsets_body(1, "eh1", 0, -2));
	read_list_offsets(fd, 4, 1, &err, &ts, &off);
	ck_assert(err == 0 && off == 0);
	t_mid = p1.append_time + 1;
	send_req(fd, 2, 2, 5, false, list_offsets_body(2, "eh1", 0, t_mid));
	read_list_offsets(fd, 5, 2, &err, &ts, &off);
	ck_assert_int_eq(off, 3);
	ck_assert_int_eq(ts, p2.append_time);
	send_req(fd, 2, 4, 6, false, list_offsets_body(4, "eh1", 0, p2.append_time + 100000));
	read_list_offsets(fd, 6, 4, &err, &ts, &off);
	ck_assert(err == 0 && off == -1 && ts == -1); /* nothing at or after: Kafka's "none" */
	send_req(fd, 2, 3, 7, false, list_offsets_body(3, "eh1", 4, -1));
	read_list_offsets(fd, 7, 3, &err, &ts, &off);
	ck_assert_int_eq(err, 3);
	/* v0: old_style_offsets */
	send_req(fd, 2, 0, 8, false, list_offsets_body(0, "eh1", 0, -1));
	r = expect_resp(fd, 8);
	ck_assert_int_eq(wire_rd_i32(&r.rd), 1);
	(void)wire_rd_str16(&r.rd);
	ck_assert_int_eq(wire_rd_i32(&r.rd), 1);
	ck_assert_int_eq(wire_rd_i32(&r.rd), 0);
	ck_assert_int_eq(wire_rd_i16(&r.rd), 0);
	ck_assert_int_eq(wire_rd_i32(&r.rd), 1);
	ck_assert_int_eq(wire_rd_i64(&r.rd), 5);
	kraw_done(&r);
	close(fd);
}
END_TEST

/* A ListOffsets v6+ (flexible) body: one topic, one partition. */
static body_t *list_offsets_flex_body(int16_t ver, const char *topic, int32_t part, int64_t ts)
{
	body_t *b = body_new();

	wire_wr_i32(&b->wr, -1);
	wire_wr_i8(&b->wr, 1); /* READ_COMMITTED */
	wire_wr_uvarint(&b->wr, 2);
	wire_wr_compact_bytes(&b->wr, slice_from_cstr(topic));
	wire_wr_uvarint(&b->wr, 2);
	wire_wr_i32(&b->wr, part);
	wire_wr_i32(&b->wr, -1);
	wire_wr_i64(&b->wr, ts);
	wire_wr_empty_tags(&b->wr);
	wire_wr_empty_tags(&b->wr);
	if (ver >= 10)
		wire_wr_i32(&b->wr, 30000);
	wire_wr_empty_tags(&b->wr);
	return b;
}

typedef struct listed {
	int16_t err;
	int64_t ts, off;
	int32_t epoch;
} listed_t;

/* Sends a flexible ListOffsets (header v2) and reads its one-partition answer (header v1). */
static listed_t list_flex(int fd, int32_t corr, int16_t ver, const char *topic, int32_t part,
			  int64_t ts)
{
	listed_t out;
	resp_t r;

	send_req(fd, 2, ver, corr, true, list_offsets_flex_body(ver, topic, part, ts));
	r = expect_resp(fd, corr);
	ck_assert_int_eq(wire_rd_uvarint(&r.rd), 0); /* response header tags */
	ck_assert_int_eq(wire_rd_i32(&r.rd), 0);
	ck_assert_int_eq(wire_rd_uvarint(&r.rd), 2);
	(void)wire_rd_compact_bytes(&r.rd);
	ck_assert_int_eq(wire_rd_uvarint(&r.rd), 2);
	ck_assert_int_eq(wire_rd_i32(&r.rd), part);
	out.err = wire_rd_i16(&r.rd);
	out.ts = wire_rd_i64(&r.rd);
	out.off = wire_rd_i64(&r.rd);
	out.epoch = wire_rd_i32(&r.rd);
	for (int i = 0; i < 3; i++)
		ck_assert_int_eq(wire_rd_uvarint(&r.rd), 0);
	kraw_done(&r);
	return out;
}

/* A batch whose records carry @n timestamps @ts (CreateTime, as a producer sends them). */
static uint8_t *batch_at(const int64_t *ts, int n, size_t *len)
{
	rb_builder_t b;
	uint8_t *out;

	rb_builder_init(&b, ts[0]);
	for (int i = 0; i < n; i++)
		ck_assert_int_eq(rb_builder_add(&b, ts[i], slice_from_cstr("k"),
						slice_from_cstr("v"), NULL, 0),
				 TRIB_OK);
	ck_assert_int_eq(rb_builder_finish(&b, &out, len), TRIB_OK);
	return out;
}

START_TEST(list_offsets_specs)
{
	static const int64_t t_a[] = {1000, 1001}, t_b[] = {1000, 5000, 2000}, t_c[] = {3000};
	const int64_t *sets[] = {t_a, t_b, t_c};
	const int counts[] = {2, 3, 1};
	part_policy_t create_time = PART_POLICY_DEFAULT;
	int fd = dial();
	produced_t p1, p2;
	listed_t l;
	hub_t *empty;

	/* LogAppendTime (partition 0): the last batch holds the largest time, from its first record */
	p1 = produce(fd, 1, "eh1", 0, 3);
	usleep(20000);
	p2 = produce(fd, 2, "eh1", 0, 2);
	ck_assert_int_gt(p2.append_time, p1.append_time);
	l = list_flex(fd, 3, 7, "eh1", 0, -3);
	ck_assert(l.err == 0 && l.off == 3 && l.ts == p2.append_time);
	l = list_flex(fd, 4, 8, "eh1", 0, -4); /* earliest local: everything is local */
	ck_assert(l.err == 0 && l.off == 0 && l.ts == -1);
	l = list_flex(fd, 5, 9, "eh1", 0, -5); /* latest tiered: nothing is tiered */
	ck_assert(l.err == 0 && l.off == -1 && l.ts == -1 && l.epoch == -1);
	l = list_flex(fd, 6, 10, "eh1", 0, -1);
	ck_assert(l.err == 0 && l.off == 5 && l.ts == -1);
	l = list_flex(fd, 7, 6, "eh1", 0, p1.append_time + 1);
	ck_assert(l.err == 0 && l.off == 3 && l.ts == p2.append_time);
	/* CreateTime (partition 1): the largest time sits inside the middle batch, at offset 3 */
	create_time.timestamp_type = PART_TS_CREATE;
	part_set_policy(hub_partition(eh1, 1), &create_time);
	for (int i = 0; i < 3; i++) {
		size_t len;
		uint8_t *rec = batch_at(sets[i], counts[i], &len);

		send_req(fd, 0, 7, 10 + i, false, produce_body(7, -1, "eh1", 1, rec, len));
		mem_free(rec);
		ck_assert_int_eq(read_produce(fd, 10 + i, 7).error, 0);
	}
	l = list_flex(fd, 20, 10, "eh1", 1, -3);
	ck_assert(l.err == 0 && l.off == 3 && l.ts == 5000);
	l = list_flex(fd, 21, 10, "eh1", 1, 2500); /* first batch reaching 2500 */
	ck_assert(l.err == 0 && l.off == 2 && l.ts == 5000);
	/* an empty partition has no largest timestamp; an unknown one an error */
	ck_assert_int_eq(ns_hub_create(ns, &(ns_hub_spec_t){"eh2", 1, NULL, 0}, &empty), TRIB_OK);
	l = list_flex(fd, 22, 7, "eh2", 0, -3);
	ck_assert(l.err == 0 && l.off == -1 && l.ts == -1);
	l = list_flex(fd, 23, 10, "eh2", 5, -3);
	ck_assert_int_eq(l.err, 3);
	close(fd);
}
END_TEST

/* ---- Metadata and CreateTopics ---- */

static body_t *metadata_body(int16_t ver, const char *topic, bool allow)
{
	body_t *b = body_new();

	if (topic) {
		wire_wr_i32(&b->wr, 1);
		wire_wr_str16(&b->wr, slice_from_cstr(topic));
	} else {
		wire_wr_i32(&b->wr, ver == 0 ? 0 : -1);
	}
	if (ver >= 4)
		wire_wr_u8(&b->wr, allow);
	if (ver >= 8) {
		wire_wr_u8(&b->wr, 0);
		wire_wr_u8(&b->wr, 0);
	}
	return b;
}

/* Reads a Metadata v4 answer with one topic: its error and partition count. */
static void read_metadata_v4(int fd, int32_t corr, int16_t *err, int32_t *parts)
{
	resp_t r = expect_resp(fd, corr);

	ck_assert_int_eq(wire_rd_i32(&r.rd), 0);
	ck_assert_int_eq(wire_rd_i32(&r.rd), 1);
	(void)wire_rd_i32(&r.rd);
	(void)wire_rd_str16(&r.rd);
	(void)wire_rd_i32(&r.rd);
	ck_assert_ptr_null(wire_rd_str16(&r.rd).ptr); /* rack */
	ck_assert(slice_eq_cstr(wire_rd_str16(&r.rd), "tributary", false));
	ck_assert_int_eq(wire_rd_i32(&r.rd), 7);
	ck_assert_int_eq(wire_rd_i32(&r.rd), 1);
	*err = wire_rd_i16(&r.rd);
	(void)wire_rd_str16(&r.rd);
	ck_assert_int_eq(wire_rd_u8(&r.rd), 0);
	*parts = wire_rd_i32(&r.rd);
	for (int32_t i = 0; i < *parts; i++) {
		(void)wire_rd_i16(&r.rd);
		(void)wire_rd_i32(&r.rd);
		(void)wire_rd_i32(&r.rd);
		ck_assert_int_eq(wire_rd_i32(&r.rd), 1);
		(void)wire_rd_i32(&r.rd);
		ck_assert_int_eq(wire_rd_i32(&r.rd), 1);
		(void)wire_rd_i32(&r.rd);
	}
	kraw_done(&r);
}

START_TEST(metadata_auto_create)
{
	int fd = dial();
	int16_t err;
	int32_t parts;

	send_req(fd, 3, 4, 1, false, metadata_body(4, "fresh", false));
	read_metadata_v4(fd, 1, &err, &parts);
	ck_assert_int_eq(err, 3);
	ck_assert_ptr_null(ns_hub_find(ns, slice_from_cstr("fresh")));
	send_req(fd, 3, 4, 2, false, metadata_body(4, "fresh", true));
	read_metadata_v4(fd, 2, &err, &parts);
	ck_assert_int_eq(err, 0);
	ck_assert_int_eq(parts, 2);
	ck_assert_ptr_nonnull(ns_hub_find(ns, slice_from_cstr("fresh")));
	send_req(fd, 3, 4, 3, false, metadata_body(4, "bad/name", true));
	read_metadata_v4(fd, 3, &err, &parts);
	ck_assert_int_eq(err, 17);
	close(fd);
}
END_TEST

START_TEST(metadata_v8_all)
{
	int fd = dial();
	resp_t r;

	send_req(fd, 3, 8, 1, false, metadata_body(8, NULL, true));
	r = expect_resp(fd, 1);
	ck_assert_int_eq(wire_rd_i32(&r.rd), 0);
	ck_assert_int_eq(wire_rd_i32(&r.rd), 1);
	(void)wire_rd_i32(&r.rd);
	(void)wire_rd_str16(&r.rd);
	(void)wire_rd_i32(&r.rd);
	(void)wire_rd_str16(&r.rd);
	(void)wire_rd_str16(&r.rd);
	(void)wire_rd_i32(&r.rd);
	ck_assert_int_eq(wire_rd_i32(&r.rd), 1);
	ck_assert_int_eq(wire_rd_i16(&r.rd), 0);
	ck_assert(slice_eq_cstr(wire_rd_str16(&r.rd), "eh1", false));
	ck_assert_int_eq(wire_rd_u8(&r.rd), 0);
	ck_assert_int_eq(wire_rd_i32(&r.rd), 2);
	for (int i = 0; i < 2; i++) {
		ck_assert_int_eq(wire_rd_i16(&r.rd), 0);
		ck_assert_int_eq(wire_rd_i32(&r.rd), i);
		ck_assert_int_eq(wire_rd_i32(&r.rd), 7);
		ck_assert_int_eq(wire_rd_i32(&r.rd), 0); /* leader epoch */
		ck_assert_int_eq(wire_rd_i32(&r.rd), 1);
		(void)wire_rd_i32(&r.rd);
		ck_assert_int_eq(wire_rd_i32(&r.rd), 1);
		(void)wire_rd_i32(&r.rd);
		ck_assert_int_eq(wire_rd_i32(&r.rd), 0); /* offline replicas */
	}
	ck_assert_int_eq(wire_rd_i32(&r.rd), INT32_MIN);
	ck_assert_int_eq(wire_rd_i32(&r.rd), INT32_MIN);
	kraw_done(&r);
	close(fd);
}
END_TEST

/* A flexible (v9+) Metadata body asking for @n topics by @names (NULL = null name) and @ids. */
static body_t *metadata_flex_body(int16_t ver, int n, const char *const *names,
				  const kafka_uuid_t *ids)
{
	body_t *b = body_new();

	wire_wr_uvarint(&b->wr, n < 0 ? 0 : (uint64_t)n + 1);
	for (int i = 0; i < n; i++) {
		if (ver >= 10)
			kafka_codec_wr_uuid(&b->wr, &ids[i]);
		kafka_codec_wr_str(&b->wr, true, true,
				   names[i] ? slice_from_cstr(names[i]) : TRIB_SLICE_NULL);
		wire_wr_empty_tags(&b->wr);
	}
	wire_wr_u8(&b->wr, 0); /* no auto-creation */
	if (ver <= 10)
		wire_wr_u8(&b->wr, 1);
	wire_wr_u8(&b->wr, 0);
	wire_wr_empty_tags(&b->wr);
	return b;
}

typedef struct md_topic {
	int16_t err;
	char name[32]; /* "<null>" for a null name */
	kafka_uuid_t id;
	int32_t parts;
} md_topic_t;

/* Reads a flexible Metadata answer (header v1) into @ts (room for 8); returns the topic count. */
static int read_metadata_flex(int fd, int32_t corr, int16_t ver, md_topic_t *ts)
{
	resp_t r = expect_resp(fd, corr);
	int n;

	ck_assert_int_eq(wire_rd_uvarint(&r.rd), 0); /* header tags */
	ck_assert_int_eq(wire_rd_i32(&r.rd), 0);
	ck_assert_int_eq(wire_rd_uvarint(&r.rd), 2);
	ck_assert_int_eq(wire_rd_i32(&r.rd), 7);
	(void)wire_rd_compact_bytes(&r.rd);
	(void)wire_rd_i32(&r.rd);
	ck_assert_ptr_null(wire_rd_compact_bytes(&r.rd).ptr); /* rack */
	ck_assert_int_eq(wire_rd_uvarint(&r.rd), 0);
	ck_assert(slice_eq_cstr(wire_rd_compact_bytes(&r.rd), "tributary", false));
	ck_assert_int_eq(wire_rd_i32(&r.rd), 7);
	n = (int)wire_rd_uvarint(&r.rd) - 1;
	ck_assert(n >= 0 && n <= 8);
	for (int i = 0; i < n; i++) {
		trib_slice_t name;

		ts[i].err = wire_rd_i16(&r.rd);
		name = wire_rd_compact_bytes(&r.rd);
		snprintf(ts[i].name, sizeof(ts[i].name), "%.*s", name.ptr ? (int)name.len : 6,
			 name.ptr ? (const char *)name.ptr : "<null>");
		ts[i].id = ver >= 10 ? kafka_codec_rd_uuid(&r.rd) : (kafka_uuid_t){{0}};
		ck_assert_int_eq(wire_rd_u8(&r.rd), 0);
		ts[i].parts = (int32_t)wire_rd_uvarint(&r.rd) - 1;
		for (int32_t j = 0; j < ts[i].parts; j++) {
			ck_assert_int_eq(wire_rd_i16(&r.rd), 0);
			ck_assert_int_eq(wire_rd_i32(&r.rd), j);
			ck_assert_int_eq(wire_rd_i32(&r.rd), 7);
			ck_assert_int_eq(wire_rd_i32(&r.rd), 0);
			ck_assert_int_eq(wire_rd_uvarint(&r.rd), 2);
			ck_assert_int_eq(wire_rd_i32(&r.rd), 7);
			ck_assert_int_eq(wire_rd_uvarint(&r.rd), 2);
			ck_assert_int_eq(wire_rd_i32(&r.rd), 7);
			ck_assert_int_eq(wire_rd_uvarint(&r.rd), 1);
			ck_assert_int_eq(wire_rd_uvarint(&r.rd), 0);
		}
		ck_assert_int_eq(wire_rd_i32(&r.rd), INT32_MIN);
		ck_assert_int_eq(wire_rd_uvarint(&r.rd), 0);
	}
	if (ver <= 10)
		(void)wire_rd_i32(&r.rd); /* cluster authorized operations */
	ck_assert_int_eq(wire_rd_uvarint(&r.rd), 0);
	kraw_done(&r);
	return n;
}

START_TEST(metadata_topic_ids)
{
	const char *names[3] = {"eh1", NULL, NULL};
	kafka_uuid_t ids[3] = {{{0}}}, eh1_id, unknown = {{[0] = 1, [15] = 2}};
	md_topic_t ts[8];
	int fd = dial();

	memcpy(eh1_id.b, hub_topic_id(eh1), sizeof(eh1_id.b));
	ck_assert(!kafka_uuid_is_zero(&eh1_id));
	ids[1] = eh1_id;
	ids[2] = unknown;
	/* v12: by name, by id, and an id nobody has */
	send_req(fd, 3, 12, 1, true, metadata_flex_body(12, 3, names, ids));
	ck_assert_int_eq(read_metadata_flex(fd, 1, 12, ts), 3);
	ck_assert(ts[0].err == 0 && !strcmp(ts[0].name, "eh1") && ts[0].parts == 2);
	ck_assert(!memcmp(ts[0].id.b, eh1_id.b, 16));
	ck_assert(ts[1].err == 0 && !strcmp(ts[1].name, "eh1") && ts[1].parts == 2);
	ck_assert(!memcmp(ts[1].id.b, eh1_id.b, 16));
	ck_assert(ts[2].err == 100 && !strcmp(ts[2].name, "<null>") && ts[2].parts == 0);
	ck_assert(!memcmp(ts[2].id.b, unknown.b, 16));
	/* v10: every topic carries its id; ids in the request are refused (INVALID_REQUEST) */
	send_req(fd, 3, 10, 2, true, metadata_flex_body(10, 1, names, ids));
	ck_assert_int_eq(read_metadata_flex(fd, 2, 10, ts), 1);
	ck_assert(ts[0].err == 0 && !memcmp(ts[0].id.b, eh1_id.b, 16));
	send_req(fd, 3, 11, 3, true, metadata_flex_body(11, 2, names, ids));
	ck_assert_int_eq(read_metadata_flex(fd, 3, 11, ts), 2);
	ck_assert(ts[0].err == 42 && ts[1].err == 42 && ts[0].parts == 0);
	/* v11, every topic (null array): no cluster operations any more */
	send_req(fd, 3, 11, 4, true, metadata_flex_body(11, -1, names, ids));
	ck_assert_int_eq(read_metadata_flex(fd, 4, 11, ts), 1);
	ck_assert(ts[0].err == 0 && !strcmp(ts[0].name, "eh1"));
	ck_assert(!memcmp(ts[0].id.b, eh1_id.b, 16));
	/* v9 (flexible, no ids): an unknown name is not created (allow false) */
	names[0] = "nothere";
	send_req(fd, 3, 9, 5, true, metadata_flex_body(9, 1, names, ids));
	ck_assert_int_eq(read_metadata_flex(fd, 5, 9, ts), 1);
	ck_assert(ts[0].err == 3 && !strcmp(ts[0].name, "nothere"));
	close(fd);
}
END_TEST

static body_t *create_body(int16_t ver, const char *name, int32_t np, int16_t rf, bool assign,
			   bool validate)
{
	body_t *b = body_new();

	wire_wr_i32(&b->wr, 1);
	wire_wr_str16(&b->wr, slice_from_cstr(name));
	wire_wr_i32(&b->wr, np);
	wire_wr_i16(&b->wr, rf);
	wire_wr_i32(&b->wr, assign ? 1 : 0);
	if (assign) {
		wire_wr_i32(&b->wr, 0);
		wire_wr_i32(&b->wr, 1);
		wire_wr_i32(&b->wr, 7);
	}
	wire_wr_i32(&b->wr, 1);
	wire_wr_str16(&b->wr, slice_from_cstr("retention.ms"));
	wire_wr_str16(&b->wr, slice_from_cstr("1000"));
	wire_wr_i32(&b->wr, 1000);
	if (ver >= 1)
		wire_wr_u8(&b->wr, validate);
	return b;
}

static int16_t create_topic(int fd, int32_t corr, int16_t ver, const char *name, int32_t np,
			    int16_t rf, bool assign, bool validate)
{
	resp_t r;
	int16_t err;

	send_req(fd, 19, ver, corr, false, create_body(ver, name, np, rf, assign, validate));
	r = expect_resp(fd, corr);
	if (ver >= 2)
		ck_assert_int_eq(wire_rd_i32(&r.rd), 0);
	ck_assert_int_eq(wire_rd_i32(&r.rd), 1);
	ck_assert(slice_eq_cstr(wire_rd_str16(&r.rd), name, false));
	err = wire_rd_i16(&r.rd);
	if (ver >= 1) {
		trib_slice_t msg = wire_rd_str16(&r.rd);

		ck_assert(err ? msg.ptr != NULL : msg.ptr == NULL);
	}
	kraw_done(&r);
	return err;
}

START_TEST(create_topics)
{
	int fd = dial();
	hub_t *h;

	ck_assert_int_eq(create_topic(fd, 1, 4, "t1", 3, 1, false, true), 0); /* validate only */
	ck_assert_ptr_null(ns_hub_find(ns, slice_from_cstr("t1")));
	ck_assert_int_eq(create_topic(fd, 2, 4, "t1", 3, -1, false, false), 0);
	h = ns_hub_find(ns, slice_from_cstr("t1"));
	ck_assert_ptr_nonnull(h);
	ck_assert_int_eq(hub_partition_count(h), 3);
	ck_assert_int_eq(create_topic(fd, 3, 0, "t1", 3, 1, false, false), 36);
	ck_assert_int_eq(create_topic(fd, 4, 1, "t2", -1, 1, false, false), 0);
	ck_assert_int_eq(hub_partition_count(ns_hub_find(ns, slice_from_cstr("t2"))), 2);
	ck_assert_int_eq(create_topic(fd, 5, 2, "t3", 0, 1, false, false), 37);
	ck_assert_int_eq(create_topic(fd, 6, 3, "t3", HUB_MAX_PARTITIONS + 1, 1, false, false), 37);
	ck_assert_int_eq(create_topic(fd, 7, 4, "t3", 1, 3, false, false), 38);
	ck_assert_int_eq(create_topic(fd, 8, 4, "t3", -1, -1, true, false), 42);
	ck_assert_int_eq(create_topic(fd, 9, 4, "bad name", 1, 1, false, false), 17);
	ck_assert_ptr_null(ns_hub_find(ns, slice_from_cstr("t3")));
	close(fd);
}
END_TEST

/* CreatePartitions v2+ (flexible) of one topic; returns the error, *msg_null whether no message. */
static int16_t grow_flex(int fd, int32_t corr, int16_t ver, const char *name, int32_t count,
			 bool validate, bool *msg_null)
{
	body_t *b = body_new();
	resp_t r;
	int16_t err;

	wire_wr_uvarint(&b->wr, 2);
	wire_wr_compact_bytes(&b->wr, slice_from_cstr(name));
	wire_wr_i32(&b->wr, count);
	wire_wr_uvarint(&b->wr, 0); /* assignments: null */
	wire_wr_empty_tags(&b->wr);
	wire_wr_i32(&b->wr, 1000);
	wire_wr_u8(&b->wr, validate);
	wire_wr_empty_tags(&b->wr);
	send_req(fd, 37, ver, corr, true, b);
	r = expect_resp(fd, corr);
	ck_assert_int_eq(wire_rd_u8(&r.rd), 0); /* response header v1: no tags */
	ck_assert_int_eq(wire_rd_i32(&r.rd), 0);
	ck_assert_int_eq(wire_rd_uvarint(&r.rd), 2);
	ck_assert(slice_eq_cstr(wire_rd_compact_bytes(&r.rd), name, false));
	err = wire_rd_i16(&r.rd);
	*msg_null = wire_rd_compact_bytes(&r.rd).ptr == NULL;
	ck_assert_int_eq(wire_rd_u8(&r.rd), 0);
	ck_assert_int_eq(wire_rd_u8(&r.rd), 0);
	kraw_done(&r);
	return err;
}

/* DeleteRecords v2 (flexible) of one partition; returns the error, *low the low watermark. */
static int16_t delete_records_flex(int fd, int32_t corr, const char *name, int32_t part,
				   int64_t offset, int64_t *low)
{
	body_t *b = body_new();
	resp_t r;
	int16_t err;

	wire_wr_uvarint(&b->wr, 2);
	wire_wr_compact_bytes(&b->wr, slice_from_cstr(name));
	wire_wr_uvarint(&b->wr, 2);
	wire_wr_i32(&b->wr, part);
	wire_wr_i64(&b->wr, offset);
	wire_wr_empty_tags(&b->wr);
	wire_wr_empty_tags(&b->wr);
	wire_wr_i32(&b->wr, 1000);
	wire_wr_empty_tags(&b->wr);
	send_req(fd, 21, 2, corr, true, b);
	r = expect_resp(fd, corr);
	ck_assert_int_eq(wire_rd_u8(&r.rd), 0);
	ck_assert_int_eq(wire_rd_i32(&r.rd), 0);
	ck_assert_int_eq(wire_rd_uvarint(&r.rd), 2);
	ck_assert(slice_eq_cstr(wire_rd_compact_bytes(&r.rd), name, false));
	ck_assert_int_eq(wire_rd_uvarint(&r.rd), 2);
	ck_assert_int_eq(wire_rd_i32(&r.rd), part);
	*low = wire_rd_i64(&r.rd);
	err = wire_rd_i16(&r.rd);
	ck_assert_int_eq(wire_rd_u8(&r.rd), 0);
	ck_assert_int_eq(wire_rd_u8(&r.rd), 0);
	ck_assert_int_eq(wire_rd_u8(&r.rd), 0);
	kraw_done(&r);
	return err;
}

START_TEST(topic_admin_flexible)
{
	int fd = dial();
	bool msg_null;
	int64_t low;

	/* CreatePartitions v2/v3: validate_only leaves the count, then it grows */
	ck_assert_int_eq(grow_flex(fd, 1, 3, "eh1", 4, true, &msg_null), 0);
	ck_assert(msg_null);
	ck_assert_int_eq(hub_partition_count(eh1), 2);
	ck_assert_int_eq(grow_flex(fd, 2, 2, "eh1", 4, false, &msg_null), 0);
	ck_assert_int_eq(hub_partition_count(eh1), 4);
	ck_assert_int_eq(grow_flex(fd, 3, 3, "eh1", 3, false, &msg_null), 37);
	ck_assert(!msg_null);
	ck_assert_int_eq(grow_flex(fd, 4, 3, "nothere", 5, false, &msg_null), 3);
	/* DeleteRecords v2 */
	ck_assert_int_eq(produce(fd, 5, "eh1", 3, 5).error, 0);
	ck_assert_int_eq(delete_records_flex(fd, 6, "eh1", 3, 2, &low), 0);
	ck_assert_int_eq(low, 2);
	ck_assert_int_eq(part_log_start(hub_partition(eh1, 3)), 2);
	ck_assert_int_eq(delete_records_flex(fd, 7, "eh1", 3, 6, &low), 1);
	ck_assert_int_eq(low, -1);
	ck_assert_int_eq(delete_records_flex(fd, 8, "eh1", 3, -1, &low), 0);
	ck_assert_int_eq(low, 5);
	ck_assert_int_eq(delete_records_flex(fd, 9, "eh1", 9, 0, &low), 3);
	close(fd);
}
END_TEST

typedef struct created {
	int16_t err;
	bool msg_null;
	uint8_t id[16];
	int32_t partitions;
	int16_t replication;
	int32_t nconfigs;
	char retention[24];       /* retention.ms's value */
	int8_t retention_source;  /* and its config source */
	char ts_type[24];         /* message.timestamp.type's value */
} created_t;

/* CreateTopics v5+ of one topic with @nc configs (names[i], values[i]; NULL: a null value). */
static created_t create_flex(int fd, int32_t corr, int16_t ver, const char *name, int32_t np,
			     int nc, const char *const *names, const char *const *values,
			     bool validate)
{
	body_t *b = body_new();
	created_t c = {0};
	resp_t r;

	wire_wr_uvarint(&b->wr, 2);
	wire_wr_compact_bytes(&b->wr, slice_from_cstr(name));
	wire_wr_i32(&b->wr, np);
	wire_wr_i16(&b->wr, -1);
	wire_wr_uvarint(&b->wr, 1); /* no assignments */
	wire_wr_uvarint(&b->wr, (uint64_t)nc + 1);
	for (int i = 0; i < nc; i++) {
		wire_wr_compact_bytes(&b->wr, slice_from_cstr(names[i]));
		wire_wr_compact_bytes(&b->wr, values[i] ? slice_from_cstr(values[i])
							: TRIB_SLICE_NULL);
		wire_wr_empty_tags(&b->wr);
	}
	wire_wr_empty_tags(&b->wr);
	wire_wr_i32(&b->wr, 1000);
	wire_wr_u8(&b->wr, validate);
	wire_wr_empty_tags(&b->wr);
	send_req(fd, 19, ver, corr, true, b);
	r = expect_resp(fd, corr);
	ck_assert_int_eq(wire_rd_u8(&r.rd), 0);
	ck_assert_int_eq(wire_rd_i32(&r.rd), 0);
	ck_assert_int_eq(wire_rd_uvarint(&r.rd), 2);
	ck_assert(slice_eq_cstr(wire_rd_compact_bytes(&r.rd), name, false));
	if (ver >= 7)
		memcpy(c.id, wire_rd_raw(&r.rd, 16).ptr, 16);
	c.err = wire_rd_i16(&r.rd);
	c.msg_null = wire_rd_compact_bytes(&r.rd).ptr == NULL;
	c.partitions = wire_rd_i32(&r.rd);
	c.replication = wire_rd_i16(&r.rd);
	c.nconfigs = (int32_t)wire_rd_uvarint(&r.rd) - 1;
	for (int32_t i = 0; i < c.nconfigs; i++) {
		trib_slice_t k = wire_rd_compact_bytes(&r.rd), v = wire_rd_compact_bytes(&r.rd);
		char *dst = slice_eq_cstr(k, "retention.ms", false)		? c.retention
			    : slice_eq_cstr(k, "message.timestamp.type", false) ? c.ts_type
										 : NULL;

		ck_assert_int_eq(wire_rd_u8(&r.rd), 0); /* read_only */
		if (dst) {
			ck_assert(v.ptr && v.len < sizeof(c.retention));
			memcpy(dst, v.ptr, v.len);
		}
		if (dst == c.retention)
			c.retention_source = wire_rd_i8(&r.rd);
		else
			(void)wire_rd_i8(&r.rd);
		ck_assert_int_eq(wire_rd_u8(&r.rd), 0); /* is_sensitive */
		ck_assert_int_eq(wire_rd_u8(&r.rd), 0);
	}
	ck_assert_int_eq(wire_rd_u8(&r.rd), 0);
	ck_assert_int_eq(wire_rd_u8(&r.rd), 0);
	kraw_done(&r);
	return c;
}

START_TEST(create_topics_configs)
{
	static const char *const names[] = {"retention.ms", "message.timestamp.type"};
	static const char *const values[] = {"3600000", "CreateTime"};
	int fd = dial();
	created_t c;
	hub_t *h;
	tcfg_t cfg;

	/* v5 validate_only: the topic as it would be, nothing made */
	c = create_flex(fd, 1, 5, "c5", 3, 2, names, values, true);
	ck_assert(c.err == 0 && c.msg_null && c.partitions == 3 && c.replication == 1);
	ck_assert_int_eq(c.nconfigs, TCFG_COUNT);
	ck_assert_str_eq(c.retention, "3600000");
	ck_assert_int_eq(c.retention_source, TCFG_SOURCE_TOPIC);
	ck_assert_str_eq(c.ts_type, "CreateTime");
	ck_assert_ptr_null(ns_hub_find(ns, slice_from_cstr("c5")));
	/* v7: made with its configs; the answer has its topic id */
	c = create_flex(fd, 2, 7, "c7", -1, 2, names, values, false);
	h = ns_hub_find(ns, slice_from_cstr("c7"));
	ck_assert_ptr_nonnull(h);
	ck_assert(c.err == 0 && c.partitions == 2 && !memcmp(c.id, hub_topic_id(h), 16));
	ck_assert_str_eq(c.retention, "3600000");
	hub_config(h, &cfg);
	ck_assert_int_eq(cfg.retention_ms, 3600000);
	ck_assert_int_eq(hub_timestamp_type(h), TCFG_TS_CREATE_TIME);
	/* without configs: the defaults */
	c = create_flex(fd, 3, 6, "c6", 1, 0, NULL, NULL, false);
	ck_assert(c.err == 0 && c.partitions == 1);
	ck_assert_str_eq(c.retention, "604800000");
	ck_assert_int_ne(c.retention_source, TCFG_SOURCE_TOPIC);
	/* errors: existing, refused configs; -1, -1, no configs, zero id */
	c = create_flex(fd, 4, 7, "c7", 1, 0, NULL, NULL, false);
	ck_assert(c.err == 36 && !c.msg_null && c.partitions == -1 && c.replication == -1);
	ck_assert_int_eq(c.nconfigs, 0);
	for (int i = 0; i < 16; i++)
		ck_assert_int_eq(c.id[i], 0);
	c = create_flex(fd, 5, 7, "bad1", 1, 1, (const char *[]){"cleanup.policy"},
			(const char *[]){"compact"}, false);
	ck_assert(c.err == 40 && !c.msg_null);
	c = create_flex(fd, 6, 7, "bad2", 1, 1, (const char *[]){"no.such.config"},
			(const char *[]){"1"}, false);
	ck_assert(c.err == 40 && !c.msg_null);
	c = create_flex(fd, 7, 7, "bad3", 1, 1, (const char *[]){"retention.ms"},
			(const char *[]){"-2"}, true);
	ck_assert_int_eq(c.err, 40);
	c = create_flex(fd, 8, 7, "bad4", 1, 1, (const char *[]){"retention.ms"},
			(const char *[]){NULL}, false);
	ck_assert_int_eq(c.err, 40);
	ck_assert_ptr_null(ns_hub_find(ns, slice_from_cstr("bad1")));
	ck_assert_ptr_null(ns_hub_find(ns, slice_from_cstr("bad4")));
	close(fd);
}
END_TEST

typedef struct deleted {
	int16_t err;
	bool name_null;
	char name[32];
	uint8_t id[16];
	bool msg_null;
} deleted_t;

/* DeleteTopics v6 of @n entries (NULL name: by @ids[i]; a NULL id: zero); answers in @out. */
static void delete_v6(int fd, int32_t corr, int n, const char *const *names,
		      const uint8_t *const *ids, deleted_t *out)
{
	static const uint8_t zero[16];
	body_t *b = body_new();
	resp_t r;

	wire_wr_uvarint(&b->wr, (uint64_t)n + 1);
	for (int i = 0; i < n; i++) {
		wire_wr_compact_bytes(&b->wr, names[i] ? slice_from_cstr(names[i])
						       : TRIB_SLICE_NULL);
		wire_wr_raw(&b->wr, ids[i] ? ids[i] : zero, 16);
		wire_wr_empty_tags(&b->wr);
	}
	wire_wr_i32(&b->wr, 1000);
	wire_wr_empty_tags(&b->wr);
	send_req(fd, 20, 6, corr, true, b);
	r = expect_resp(fd, corr);
	ck_assert_int_eq(wire_rd_u8(&r.rd), 0);
	ck_assert_int_eq(wire_rd_i32(&r.rd), 0);
	ck_assert_int_eq(wire_rd_uvarint(&r.rd), (uint64_t)n + 1);
	for (int i = 0; i < n; i++) {
		trib_slice_t name = wire_rd_compact_bytes(&r.rd);

		out[i].name_null = name.ptr == NULL;
		ck_assert_uint_lt(name.len, sizeof(out[i].name));
		memcpy(out[i].name, name.ptr ? (const char *)name.ptr : "", name.len);
		out[i].name[name.len] = '\0';
		memcpy(out[i].id, wire_rd_raw(&r.rd, 16).ptr, 16);
		out[i].err = wire_rd_i16(&r.rd);
		out[i].msg_null = wire_rd_compact_bytes(&r.rd).ptr == NULL;
		ck_assert_int_eq(wire_rd_u8(&r.rd), 0);
	}
	ck_assert_int_eq(wire_rd_u8(&r.rd), 0);
	kraw_done(&r);
}

static hub_t *make_hub(const char *name)
{
	hub_t *h;

	ck_assert_int_eq(ns_hub_create(ns, &(ns_hub_spec_t){name, 1, NULL, 0}, &h), TRIB_OK);
	return h;
}

START_TEST(delete_topics_by_id)
{
	static const uint8_t unknown[16] = {9, 9, 9};
	int fd = dial();
	uint8_t id1[16], id2[16], id3[16];
	deleted_t d[4];
	body_t *b;
	resp_t r;

	memcpy(id1, hub_topic_id(make_hub("d1")), 16);
	memcpy(id2, hub_topic_id(make_hub("d2")), 16);
	memcpy(id3, hub_topic_id(make_hub("d3")), 16);
	/* by id, by name, an unknown id, neither */
	delete_v6(fd, 1, 4, (const char *[]){NULL, "d2", NULL, NULL},
		  (const uint8_t *[]){id1, NULL, unknown, NULL}, d);
	ck_assert(d[0].err == 0 && !strcmp(d[0].name, "d1") && !memcmp(d[0].id, id1, 16));
	ck_assert(d[0].msg_null);
	ck_assert(d[1].err == 0 && !strcmp(d[1].name, "d2") && !memcmp(d[1].id, id2, 16));
	ck_assert(d[2].err == 100 && d[2].name_null && !memcmp(d[2].id, unknown, 16));
	ck_assert(!d[2].msg_null);
	ck_assert(d[3].err == 42 && d[3].name_null);
	ck_assert_ptr_null(ns_hub_find(ns, slice_from_cstr("d1")));
	ck_assert_ptr_null(ns_hub_find(ns, slice_from_cstr("d2")));
	ck_assert_ptr_null(ns_hub_find_by_id(ns, id1));
	/* the same topic by name and by id: both refused, nothing deleted */
	delete_v6(fd, 2, 2, (const char *[]){"d3", NULL}, (const uint8_t *[]){NULL, id3}, d);
	ck_assert(d[0].err == 42 && d[1].err == 42 && !strcmp(d[1].name, "d3"));
	/* a name and an id in one entry: Kafka refuses the whole request */
	delete_v6(fd, 3, 2, (const char *[]){"d3", "eh1"}, (const uint8_t *[]){id3, NULL}, d);
	ck_assert(d[0].err == 42 && d[1].err == 42);
	ck_assert_ptr_nonnull(ns_hub_find(ns, slice_from_cstr("d3")));
	ck_assert_ptr_nonnull(ns_hub_find(ns, slice_from_cstr("eh1")));
	/* v5 (flexible, names only) deletes by name and answers an error message */
	b = body_new();
	wire_wr_uvarint(&b->wr, 3);
	wire_wr_compact_bytes(&b->wr, slice_from_cstr("d3"));
	wire_wr_compact_bytes(&b->wr, slice_from_cstr("d3"));
	wire_wr_i32(&b->wr, 1000);
	wire_wr_empty_tags(&b->wr);
	send_req(fd, 20, 5, 4, true, b);
	r = expect_resp(fd, 4);
	ck_assert_int_eq(wire_rd_u8(&r.rd), 0);
	ck_assert_int_eq(wire_rd_i32(&r.rd), 0);
	ck_assert_int_eq(wire_rd_uvarint(&r.rd), 3);
	for (int i = 0; i < 2; i++) {
		ck_assert(slice_eq_cstr(wire_rd_compact_bytes(&r.rd), "d3", false));
		ck_assert_int_eq(wire_rd_i16(&r.rd), 42); /* named twice */
		ck_assert_ptr_nonnull(wire_rd_compact_bytes(&r.rd).ptr);
		ck_assert_int_eq(wire_rd_u8(&r.rd), 0);
	}
	ck_assert_int_eq(wire_rd_u8(&r.rd), 0);
	kraw_done(&r);
	delete_v6(fd, 5, 1, (const char *[]){NULL}, (const uint8_t *[]){id3}, d);
	ck_assert(d[0].err == 0 && !strcmp(d[0].name, "d3"));
	close(fd);
}
END_TEST

/* ---- a real client: librdkafka ---- */

static void dr_cb(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
	int *ok = opaque;

	(void)rk;
	if (!m->err)
		(*ok)++;
}

START_TEST(librdkafka_round_trip)
{
	char bs[64], errstr[256];
	rd_kafka_conf_t *conf = rd_kafka_conf_new();
	rd_kafka_t *p, *c;
	int delivered = 0, got = 0;
	rd_kafka_topic_partition_list_t *tpl;

	snprintf(bs, sizeof(bs), "127.0.0.1:%u", kafka_server_port(srv));
	ck_assert_int_eq(rd_kafka_conf_set(conf, "bootstrap.servers", bs, errstr, sizeof(errstr)),
			 RD_KAFKA_CONF_OK);
	rd_kafka_conf_set(conf, "acks", "all", errstr, sizeof(errstr));
	rd_kafka_conf_set(conf, "linger.ms", "5", errstr, sizeof(errstr));
	rd_kafka_conf_set_dr_msg_cb(conf, dr_cb);
	rd_kafka_conf_set_opaque(conf, &delivered);
	p = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr));
	ck_assert_ptr_nonnull(p);
	for (int i = 0; i < 100; i++) {
		char k[16], v[16];

		snprintf(k, sizeof(k), "key%d", i);
		snprintf(v, sizeof(v), "value%d", i);
		ck_assert_int_eq(rd_kafka_producev(p, RD_KAFKA_V_TOPIC("rk"),
						   RD_KAFKA_V_KEY(k, strlen(k)),
						   RD_KAFKA_V_VALUE(v, strlen(v)),
						   RD_KAFKA_V_HEADER("h", "hv", 2),
						   RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
						   RD_KAFKA_V_END),
				 RD_KAFKA_RESP_ERR_NO_ERROR);
	}
	ck_assert_int_eq(rd_kafka_flush(p, 20000), RD_KAFKA_RESP_ERR_NO_ERROR);
	ck_assert_int_eq(delivered, 100);
	rd_kafka_destroy(p);

	conf = rd_kafka_conf_new();
	rd_kafka_conf_set(conf, "bootstrap.servers", bs, errstr, sizeof(errstr));
	rd_kafka_conf_set(conf, "group.id", "g", errstr, sizeof(errstr));
	rd_kafka_conf_set(conf, "enable.auto.commit", "false", errstr, sizeof(errstr));
	c = rd_kafka_new(RD_KAFKA_CONSUMER, conf, errstr, sizeof(errstr));
	ck_assert_ptr_nonnull(c);
	tpl = rd_kafka_topic_partition_list_new(2);
	rd_kafka_topic_partition_list_add(tpl, "rk", 0)->offset = RD_KAFKA_OFFSET_BEGINNING;
	rd_kafka_topic_partition_list_add(tpl, "rk", 1)->offset = RD_KAFKA_OFFSET_BEGINNING;
	ck_assert_int_eq(rd_kafka_assign(c, tpl), RD_KAFKA_RESP_ERR_NO_ERROR);
	rd_kafka_topic_partition_list_destroy(tpl);
	for (int64_t end = now_ms() + 20000; got < 100 && now_ms() < end;) {
		rd_kafka_message_t *m = rd_kafka_consumer_poll(c, 500);
		rd_kafka_headers_t *hdrs;
		const void *hv;
		size_t hl;

		if (!m)
			continue;
		if (!m->err) {
			ck_assert_int_eq(rd_kafka_message_headers(m, &hdrs), 0);
			ck_assert_int_eq(rd_kafka_header_get_last(hdrs, "h", &hv, &hl), 0);
			ck_assert(hl == 2 && memcmp(hv, "hv", 2) == 0);
			ck_assert(m->key_len >= 4 && memcmp(m->key, "key", 3) == 0);
			got++;
		}
		rd_kafka_message_destroy(m);
	}
	ck_assert_int_eq(got, 100);
	rd_kafka_consumer_close(c);
	rd_kafka_destroy(c);
}
END_TEST

static Suite *kafka_server_suite(void)
{
	Suite *s = suite_create("kafka_server");
	TCase *tc;

	tc = tcase_create("protocol");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, api_versions_v0_v3);
	tcase_add_test(tc, api_versions_unknown_version);
	tcase_add_test(tc, api_versions_v4_software_checked);
	tcase_add_test(tc, pipelined_in_order);
	tcase_add_test(tc, pipelined_many_in_one_write);
	tcase_add_test(tc, pipelined_slow_head_keeps_order);
	tcase_add_test(tc, bad_frames_close_only_their_connection);
	tcase_add_test(tc, frame_at_limit_is_read);
	tcase_add_test(tc, unknown_api_answered);
	tcase_add_test(tc, malformed_body_closes);
	tcase_add_test(tc, fetch_below_advertised_is_refused_per_item);
	suite_add_tcase(s, tc);

	tc = tcase_create("produce");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, produce_acks_all);
	tcase_add_test(tc, produce_acks0_sends_nothing);
	tcase_add_test(tc, produce_two_batches);
	tcase_add_test(tc, produce_bad_batch_appends_nothing);
	tcase_add_test(tc, produce_message_sets);
	tcase_add_test(tc, produce_flexible);
	tcase_add_test(tc, produce_errors);
	tcase_add_test(tc, produce_idempotent_resend);
	suite_add_tcase(s, tc);

	tc = tcase_create("fetch");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, fetch_reads_back);
	tcase_add_test(tc, fetch_limits);
	tcase_add_test(tc, fetch_out_of_range_and_unknown);
	tcase_add_test(tc, fetch_flexible);
	tcase_add_test(tc, fetch_long_poll_wakes_on_append);
	tcase_add_test(tc, fetch_min_bytes_waits_for_enough);
	tcase_add_test(tc, fetch_deadline);
	tcase_add_test(tc, close_with_pending_fetch);
	tcase_add_test(tc, close_with_pending_produce);
	tcase_add_test(tc, stop_with_work_in_flight);
	suite_add_tcase(s, tc);

	tc = tcase_create("admin");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, list_offsets);
	tcase_add_test(tc, list_offsets_specs);
	tcase_add_test(tc, metadata_auto_create);
	tcase_add_test(tc, metadata_v8_all);
	tcase_add_test(tc, metadata_topic_ids);
	tcase_add_test(tc, create_topics);
	tcase_add_test(tc, topic_admin_flexible);
	tcase_add_test(tc, delete_topics_by_id);
	tcase_add_test(tc, create_topics_configs);
	suite_add_tcase(s, tc);

	tc = tcase_create("librdkafka");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, librdkafka_round_trip);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(kafka_server_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
