/*
 * kafka_admin_api: DescribeCluster, OffsetForLeaderEpoch and
 * DescribeProducers over a raw socket against the real Kafka head, core and
 * store in a temporary directory (no Debian client sends these requests).
 * Requests are written byte by byte from the protocol guide, not with our
 * generated codec, so the test checks the codec as well as the handlers:
 * every version, flexible ones with header v2 and compact encodings.
 */
#include "kafka_server.h"

#include <arpa/inet.h>
#include <check.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "crc32c.h"
#include "hub.h"
#include "mem.h"
#include "part.h"
#include "rb.h"
#include "wire.h"

#define NODE_ID 7
#define CLUSTER_ID "tributary"
#define BUF_MAX 65536

static char tmp[256];
static store_t *store;
static ns_t *ns;
static kafka_server_t *srv;

static void setup(void)
{
	store_opts_t so = {.dir = tmp};
	ns_opts_t no = {.name = "test", .auto_create = false, .default_partitions = 2};
	kafka_server_opts_t ko = {.host = "127.0.0.1", .port = 0, .node_id = NODE_ID,
				  .advertised_host = "127.0.0.1"};
	hub_t *h;

	strcpy(tmp, "/tmp/trib-kadmin-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmp));
	ck_assert_int_eq(store_open(&so, &store), TRIB_OK);
	ck_assert_int_eq(ns_open(store, &no, &ns), TRIB_OK);
	ck_assert_int_eq(ns_hub_create(ns, &(ns_hub_spec_t){"eh1", 2, NULL, 0}, &h), TRIB_OK);
	ck_assert_int_eq(kafka_server_start(ns, &ko, &srv), TRIB_OK);
}

static void teardown(void)
{
	char cmd[300];

	kafka_server_stop(&srv);
	ck_assert_uint_eq(mem_used(MEM_KAFKA), 0);
	store_close(&store);
	ns_close(&ns);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmp);
	(void)!system(cmd);
}

/* ---- a raw Kafka client ---- */

static int dial(void)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(kafka_server_port(srv))};
	struct timeval tv = {.tv_sec = 10};
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(connect(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	return fd;
}

/* A request under construction: body bytes and whether its version is flexible. */
typedef struct req {
	uint8_t buf[BUF_MAX];
	wire_wr_t wr;
	bool flex;
} req_t;

static req_t *req_new(bool flex)
{
	req_t *q = calloc(1, sizeof(*q));

	wire_wr_init(&q->wr, q->buf, sizeof(q->buf));
	q->flex = flex;
	return q;
}

static void put_str(req_t *q, const char *s)
{
	trib_slice_t v = s ? slice_from_cstr(s) : TRIB_SLICE_NULL;

	if (q->flex)
		wire_wr_compact_bytes(&q->wr, v);
	else
		wire_wr_str16(&q->wr, v);
}

static void put_count(req_t *q, int32_t n)
{
	if (q->flex)
		wire_wr_uvarint(&q->wr, n < 0 ? 0 : (uint64_t)n + 1);
	else
		wire_wr_i32(&q->wr, n);
}

static void put_tags(req_t *q)
{
	if (q->flex)
		wire_wr_empty_tags(&q->wr);
}

/* Sends @q (freed) as API @key v@ver with correlation id @corr: header v2 when flexible. */
static void send_req(int fd, int16_t key, int16_t ver, int32_t corr, req_t *q)
{
	static uint8_t out[BUF_MAX + 64];
	wire_wr_t wr;
	size_t hlen = 2 + 2 + 4 + 2 + 4 + (q->flex ? 1 : 0);

	wire_wr_init(&wr, out, sizeof(out));
	wire_wr_i32(&wr, (int32_t)(hlen + q->wr.pos));
	wire_wr_i16(&wr, key);
	wire_wr_i16(&wr, ver);
	wire_wr_i32(&wr, corr);
	wire_wr_str16(&wr, slice_from_cstr("test"));
	if (q->flex)
		wire_wr_empty_tags(&wr);
	wire_wr_raw(&wr, q->buf, q->wr.pos);
	ck_assert(wire_wr_fits(&wr));
	for (size_t off = 0; off < wr.pos;) {
		ssize_t w = send(fd, out + off, wr.pos - off, MSG_NOSIGNAL);

		ck_assert_int_gt(w, 0);
		off += (size_t)w;
	}
	free(q);
}

/* A response: the payload and a reader after its header (v1 when @flex). */
typedef struct resp {
	uint8_t *p;
	wire_rd_t rd;
	bool flex;
} resp_t;

static bool recv_all(int fd, uint8_t *p, size_t n)
{
	for (size_t got = 0; got < n;) {
		ssize_t r = recv(fd, p + got, n - got, 0);

		if (r <= 0)
			return false;
		got += (size_t)r;
	}
	return true;
}

static resp_t expect_resp(int fd, int32_t corr, bool flex)
{
	uint8_t hdr[4];
	resp_t r = {.flex = flex};
	size_t n;

	ck_assert_msg(recv_all(fd, hdr, 4), "no response to %d", corr);
	n = wire_load_u32(hdr);
	r.p = malloc(n ? n : 1);
	ck_assert(recv_all(fd, r.p, n));
	wire_rd_init(&r.rd, r.p, n);
	ck_assert_int_eq(wire_rd_i32(&r.rd), corr);
	if (flex)
		wire_rd_skip_tags(&r.rd);
	return r;
}

static void resp_done(resp_t *r)
{
	ck_assert(wire_rd_ok(&r->rd));
	ck_assert_uint_eq(wire_rd_left(&r->rd), 0);
	free(r->p);
}

static trib_slice_t get_str(resp_t *r)
{
	return r->flex ? wire_rd_compact_bytes(&r->rd) : wire_rd_str16(&r->rd);
}

static int32_t get_count(resp_t *r)
{
	return r->flex ? (int32_t)wire_rd_uvarint(&r->rd) - 1 : wire_rd_i32(&r->rd);
}

static void get_tags(resp_t *r)
{
	if (r->flex)
		ck_assert_int_eq(wire_rd_uvarint(&r->rd), 0);
}

static bool str_is(trib_slice_t s, const char *want)
{
	return s.ptr && s.len == strlen(want) && memcmp(s.ptr, want, s.len) == 0;
}

/* ---- producing through the head ---- */

/* A batch of @n records; producer @pid >= 0 makes it idempotent from sequence @seq. */
static uint8_t *batch(int n, int64_t pid, int16_t epoch, int32_t seq, size_t *len)
{
	rb_builder_t b;
	uint8_t *out;

	rb_builder_init(&b, 1000);
	for (int i = 0; i < n; i++)
		ck_assert_int_eq(rb_builder_add(&b, 1000 + i, TRIB_SLICE_NULL, slice_from_cstr("v"),
						NULL, 0),
				 TRIB_OK);
	ck_assert_int_eq(rb_builder_finish(&b, &out, len), TRIB_OK);
	if (pid >= 0) {
		wire_store_u64(out + 43, (uint64_t)pid);
		wire_store_u16(out + 51, (uint16_t)epoch);
		wire_store_u32(out + 53, (uint32_t)seq);
		wire_store_u32(out + 17, crc32c(0, out + RB_CRC_START, *len - RB_CRC_START));
	}
	return out;
}

/* Produce v3, acks=-1, to @topic/@part; returns the base offset (error must be 0). */
static int64_t produce(int fd, int32_t corr, const char *topic, int32_t part, int n, int64_t pid,
		       int16_t epoch, int32_t seq)
{
	req_t *q = req_new(false);
	size_t len;
	uint8_t *rec = batch(n, pid, epoch, seq, &len);
	resp_t r;
	int64_t base;

	put_str(q, NULL);
	wire_wr_i16(&q->wr, -1);
	wire_wr_i32(&q->wr, 5000);
	put_count(q, 1);
	put_str(q, topic);
	put_count(q, 1);
	wire_wr_i32(&q->wr, part);
	wire_wr_bytes32(&q->wr, (trib_slice_t){rec, len});
	mem_free(rec);
	send_req(fd, 0, 3, corr, q);
	r = expect_resp(fd, corr, false);
	ck_assert_int_eq(get_count(&r), 1);
	(void)get_str(&r);
	ck_assert_int_eq(get_count(&r), 1);
	ck_assert_int_eq(wire_rd_i32(&r.rd), part);
	ck_assert_int_eq(wire_rd_i16(&r.rd), 0);
	base = wire_rd_i64(&r.rd);
	(void)wire_rd_i64(&r.rd);
	ck_assert_int_eq(wire_rd_i32(&r.rd), 0);
	resp_done(&r);
	return base;
}

/* ---- DescribeCluster ---- */

static void describe_cluster(int fd, int16_t ver, int32_t corr, bool ops, int8_t type)
{
	req_t *q = req_new(true);

	wire_wr_u8(&q->wr, ops);
	if (ver >= 1)
		wire_wr_i8(&q->wr, type);
	put_tags(q);
	send_req(fd, 60, ver, corr, q);
}

START_TEST(describe_cluster_versions)
{
	int fd = dial();

	for (int16_t v = 0; v <= 1; v++) {
		for (int ops = 0; ops <= 1; ops++) {
			int32_t corr = v * 10 + ops;
			resp_t r;
			trib_slice_t host;

			describe_cluster(fd, v, corr, ops, 1);
			r = expect_resp(fd, corr, true);
			ck_assert_int_eq(wire_rd_i32(&r.rd), 0);    /* throttle */
			ck_assert_int_eq(wire_rd_i16(&r.rd), 0);    /* error */
			ck_assert_ptr_null(get_str(&r).ptr);        /* error message */
			if (v >= 1)
				ck_assert_int_eq(wire_rd_i8(&r.rd), 1); /* endpoint type */
			ck_assert(str_is(get_str(&r), CLUSTER_ID));
			ck_assert_int_eq(wire_rd_i32(&r.rd), NODE_ID); /* controller */
			ck_assert_int_eq(get_count(&r), 1);
			ck_assert_int_eq(wire_rd_i32(&r.rd), NODE_ID);
			host = get_str(&r);
			ck_assert(str_is(host, "127.0.0.1"));
			ck_assert_int_eq(wire_rd_i32(&r.rd), kafka_server_port(srv));
			ck_assert_ptr_null(get_str(&r).ptr); /* rack */
			get_tags(&r);
			ck_assert_int_eq(wire_rd_i32(&r.rd), ops ? (1 << 5) | (1 << 8) : INT32_MIN);
			get_tags(&r);
			resp_done(&r);
		}
	}
	close(fd);
}
END_TEST

/* v1 asks for controllers (2) or an unknown type: the errors a Kafka broker gives. */
START_TEST(describe_cluster_endpoint_types)
{
	static const struct {
		int8_t type;
		int16_t code;
	} cases[] = {{2, 114}, {0, 115}, {3, 115}, {-1, 115}};
	int fd = dial();

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		resp_t r;

		describe_cluster(fd, 1, (int32_t)i, true, cases[i].type);
		r = expect_resp(fd, (int32_t)i, true);
		ck_assert_int_eq(wire_rd_i32(&r.rd), 0);
		ck_assert_int_eq(wire_rd_i16(&r.rd), cases[i].code);
		ck_assert_ptr_nonnull(get_str(&r).ptr);
		ck_assert_int_eq(wire_rd_i8(&r.rd), 1);
		ck_assert_uint_eq(get_str(&r).len, 0);       /* cluster id: the default */
		ck_assert_int_eq(wire_rd_i32(&r.rd), -1);   /* controller */
		ck_assert_int_eq(get_count(&r), 0);
		ck_assert_int_eq(wire_rd_i32(&r.rd), INT32_MIN);
		get_tags(&r);
		resp_done(&r);
	}
	close(fd);
}
END_TEST

/* Metadata v2 names the same cluster id: admin clients compare them. */
START_TEST(describe_cluster_same_id_as_metadata)
{
	int fd = dial();
	req_t *q = req_new(false);
	resp_t r;

	put_count(q, 0); /* no topics */
	send_req(fd, 3, 2, 1, q);
	r = expect_resp(fd, 1, false);
	ck_assert_int_eq(get_count(&r), 1);
	ck_assert_int_eq(wire_rd_i32(&r.rd), NODE_ID);
	(void)get_str(&r);
	(void)wire_rd_i32(&r.rd);
	(void)get_str(&r);
	ck_assert(str_is(get_str(&r), CLUSTER_ID));
	ck_assert_int_eq(wire_rd_i32(&r.rd), NODE_ID);
	ck_assert_int_eq(get_count(&r), 0);
	resp_done(&r);
	close(fd);
}
END_TEST

/* ---- OffsetForLeaderEpoch ---- */

typedef struct ofle_part {
	int32_t partition;
	int32_t current; /* current_leader_epoch (v2+) */
	int32_t epoch;   /* leader_epoch asked */
	int16_t error;   /* expected answer */
	int32_t leader_epoch;
	int64_t end_offset;
} ofle_part_t;

static void ofle(int fd, int16_t ver, int32_t corr, const char *topic, const ofle_part_t *ps,
		 int n)
{
	req_t *q = req_new(ver >= 4);
	resp_t r;

	if (ver >= 3)
		wire_wr_i32(&q->wr, -1); /* replica id: a consumer */
	put_count(q, 1);
	put_str(q, topic);
	put_count(q, n);
	for (int i = 0; i < n; i++) {
		wire_wr_i32(&q->wr, ps[i].partition);
		if (ver >= 2)
			wire_wr_i32(&q->wr, ps[i].current);
		wire_wr_i32(&q->wr, ps[i].epoch);
		put_tags(q);
	}
	put_tags(q);
	put_tags(q);
	send_req(fd, 23, ver, corr, q);
	r = expect_resp(fd, corr, ver >= 4);
	if (ver >= 2)
		ck_assert_int_eq(wire_rd_i32(&r.rd), 0);
	ck_assert_int_eq(get_count(&r), 1);
	ck_assert(str_is(get_str(&r), topic));
	ck_assert_int_eq(get_count(&r), n);
	for (int i = 0; i < n; i++) {
		ck_assert_msg(wire_rd_i16(&r.rd) == ps[i].error, "v%d partition %d: error", ver, i);
		ck_assert_int_eq(wire_rd_i32(&r.rd), ps[i].partition);
		if (ver >= 1)
			ck_assert_msg(wire_rd_i32(&r.rd) == ps[i].leader_epoch,
				      "v%d partition %d: epoch", ver, i);
		ck_assert_msg(wire_rd_i64(&r.rd) == ps[i].end_offset, "v%d partition %d: offset",
			      ver, i);
		get_tags(&r);
	}
	get_tags(&r);
	get_tags(&r);
	resp_done(&r);
}

START_TEST(ofle_end_offsets)
{
	int fd = dial();

	ck_assert_int_eq(produce(fd, 1, "eh1", 0, 3, -1, 0, 0), 0);
	ck_assert_int_eq(produce(fd, 2, "eh1", 0, 2, -1, 0, 0), 3);
	for (int16_t v = 0; v <= 4; v++) {
		const ofle_part_t ps[] = {
			{0, -1, 0, 0, 0, 5},   /* our epoch: the high watermark */
			{1, -1, 0, 0, 0, 0},   /* an empty partition */
			{0, -1, 1, 0, -1, -1}, /* an epoch after ours: none */
			{0, -1, -1, 0, -1, -1}, /* UNDEFINED */
			{0, -1, -3, 0, -3, 0}, /* before ours: the first epoch's start */
			{9, -1, 0, 3, -1, -1}, /* unknown partition */
		};

		ofle(fd, v, 10 + v, "eh1", ps, 6);
	}
	close(fd);
}
END_TEST

/* v2+ current_leader_epoch fences: older FENCED_LEADER_EPOCH, newer UNKNOWN_LEADER_EPOCH. */
START_TEST(ofle_fencing)
{
	int fd = dial();

	ck_assert_int_eq(produce(fd, 1, "eh1", 1, 4, -1, 0, 0), 0);
	for (int16_t v = 2; v <= 4; v++) {
		const ofle_part_t ps[] = {
			{1, 0, 0, 0, 0, 4},
			{1, -1, 0, 0, 0, 4},
			{1, 1, 0, 75, -1, -1},
			{1, -2, 0, 74, -1, -1},
		};

		ofle(fd, v, v, "eh1", ps, 4);
	}
	close(fd);
}
END_TEST

START_TEST(ofle_unknown_topic)
{
	int fd = dial();
	const ofle_part_t ps[] = {{0, -1, 0, 3, -1, -1}};

	for (int16_t v = 0; v <= 4; v++)
		ofle(fd, v, v, "nope", ps, 1);
	close(fd);
}
END_TEST

/* ---- DescribeProducers ---- */

typedef struct producer {
	int64_t id;
	int32_t epoch;
	int32_t last_seq;
	int64_t last_ts;
} producer_t;

/* DescribeProducers of @topic partitions @parts: each partition's error and producers. */
static void describe_producers(int fd, int32_t corr, const char *topic, const int32_t *parts,
			       int n, int16_t *errors, producer_t out[][4], int *counts)
{
	req_t *q = req_new(true);
	resp_t r;

	put_count(q, 1);
	put_str(q, topic);
	put_count(q, n);
	for (int i = 0; i < n; i++)
		wire_wr_i32(&q->wr, parts[i]);
	put_tags(q);
	put_tags(q);
	send_req(fd, 61, 0, corr, q);
	r = expect_resp(fd, corr, true);
	ck_assert_int_eq(wire_rd_i32(&r.rd), 0);
	ck_assert_int_eq(get_count(&r), 1);
	ck_assert(str_is(get_str(&r), topic));
	ck_assert_int_eq(get_count(&r), n);
	for (int i = 0; i < n; i++) {
		ck_assert_int_eq(wire_rd_i32(&r.rd), parts[i]);
		errors[i] = wire_rd_i16(&r.rd);
		ck_assert_ptr_null(get_str(&r).ptr);
		counts[i] = get_count(&r);
		ck_assert_int_le(counts[i], 4);
		for (int j = 0; j < counts[i]; j++) {
			out[i][j].id = wire_rd_i64(&r.rd);
			out[i][j].epoch = wire_rd_i32(&r.rd);
			out[i][j].last_seq = wire_rd_i32(&r.rd);
			out[i][j].last_ts = wire_rd_i64(&r.rd);
			ck_assert_int_eq(wire_rd_i32(&r.rd), -1); /* coordinator epoch */
			ck_assert_int_eq(wire_rd_i64(&r.rd), -1); /* current txn start */
			get_tags(&r);
		}
		get_tags(&r);
	}
	get_tags(&r);
	get_tags(&r);
	resp_done(&r);
}

static const producer_t *find_producer(const producer_t *ps, int n, int64_t id)
{
	for (int i = 0; i < n; i++) {
		if (ps[i].id == id)
			return &ps[i];
	}
	return NULL;
}

START_TEST(describe_producers_state)
{
	int fd = dial();
	const int32_t parts[] = {0, 1, 5};
	producer_t got[3][4];
	int16_t errors[3];
	int counts[3];
	const producer_t *p;

	describe_producers(fd, 1, "eh1", parts, 3, errors, got, counts);
	ck_assert_int_eq(errors[0], 0);
	ck_assert_int_eq(counts[0], 0);
	ck_assert_int_eq(errors[2], 3);
	ck_assert_int_eq(counts[2], 0);

	ck_assert_int_eq(produce(fd, 2, "eh1", 0, 3, 1000, 2, 0), 0);  /* seq 0-2 */
	ck_assert_int_eq(produce(fd, 3, "eh1", 0, 2, 1000, 2, 3), 3);  /* seq 3-4 */
	ck_assert_int_eq(produce(fd, 4, "eh1", 0, 1, 2000, 0, 0), 5);
	ck_assert_int_eq(produce(fd, 5, "eh1", 0, 1, -1, 0, 0), 6);    /* not idempotent */
	ck_assert_int_eq(produce(fd, 6, "eh1", 1, 4, 1000, 3, 0), 0);  /* a newer epoch */
	describe_producers(fd, 7, "eh1", parts, 3, errors, got, counts);
	ck_assert_int_eq(errors[0], 0);
	ck_assert_int_eq(counts[0], 2);
	p = find_producer(got[0], counts[0], 1000);
	ck_assert_ptr_nonnull(p);
	ck_assert_int_eq(p->epoch, 2);
	ck_assert_int_eq(p->last_seq, 4);
	ck_assert_int_ge(p->last_ts, 1000);
	p = find_producer(got[0], counts[0], 2000);
	ck_assert_ptr_nonnull(p);
	ck_assert_int_eq(p->epoch, 0);
	ck_assert_int_eq(p->last_seq, 0);
	ck_assert_int_eq(errors[1], 0);
	ck_assert_int_eq(counts[1], 1);
	ck_assert_int_eq(got[1][0].id, 1000);
	ck_assert_int_eq(got[1][0].epoch, 3);
	ck_assert_int_eq(got[1][0].last_seq, 3);

	describe_producers(fd, 8, "nope", parts, 1, errors, got, counts);
	ck_assert_int_eq(errors[0], 3);
	close(fd);
}
END_TEST

/* State is rebuilt from the log at open: the same answer after a restart. */
START_TEST(describe_producers_after_restart)
{
	int fd = dial();
	const int32_t parts[] = {1};
	producer_t got[1][4];
	int16_t errors[1];
	int counts[1];
	store_opts_t so = {.dir = tmp};
	ns_opts_t no = {.name = "test", .default_partitions = 2};
	kafka_server_opts_t ko = {.host = "127.0.0.1", .node_id = NODE_ID};

	ck_assert_int_eq(produce(fd, 1, "eh1", 1, 2, 77, 1, 0), 0);
	close(fd);
	kafka_server_stop(&srv);
	store_close(&store);
	ns_close(&ns);
	ck_assert_int_eq(store_open(&so, &store), TRIB_OK);
	ck_assert_int_eq(ns_open(store, &no, &ns), TRIB_OK);
	ck_assert_int_eq(kafka_server_start(ns, &ko, &srv), TRIB_OK);
	fd = dial();
	describe_producers(fd, 2, "eh1", parts, 1, errors, got, counts);
	ck_assert_int_eq(errors[0], 0);
	ck_assert_int_eq(counts[0], 1);
	ck_assert_int_eq(got[0][0].id, 77);
	ck_assert_int_eq(got[0][0].epoch, 1);
	ck_assert_int_eq(got[0][0].last_seq, 1);
	close(fd);
}
END_TEST

/* ---- versions outside the served range, unreadable bodies ---- */

/* A DescribeCluster body with a byte too many is unreadable: the connection closes. */
START_TEST(trailing_bytes_close)
{
	int fd = dial();
	req_t *q = req_new(true);
	uint8_t b;

	wire_wr_u8(&q->wr, 0);
	put_tags(q);
	wire_wr_u8(&q->wr, 0);
	send_req(fd, 60, 0, 1, q);
	ck_assert_int_eq(recv(fd, &b, 1, 0), 0);
	close(fd);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("kafka_admin_api");
	TCase *c = tcase_create("cluster");

	tcase_add_checked_fixture(c, setup, teardown);
	tcase_set_timeout(c, 30);
	tcase_add_test(c, describe_cluster_versions);
	tcase_add_test(c, describe_cluster_endpoint_types);
	tcase_add_test(c, describe_cluster_same_id_as_metadata);
	tcase_add_test(c, trailing_bytes_close);
	suite_add_tcase(s, c);
	c = tcase_create("offset_for_leader_epoch");
	tcase_add_checked_fixture(c, setup, teardown);
	tcase_set_timeout(c, 30);
	tcase_add_test(c, ofle_end_offsets);
	tcase_add_test(c, ofle_fencing);
	tcase_add_test(c, ofle_unknown_topic);
	suite_add_tcase(s, c);
	c = tcase_create("describe_producers");
	tcase_add_checked_fixture(c, setup, teardown);
	tcase_set_timeout(c, 30);
	tcase_add_test(c, describe_producers_state);
	tcase_add_test(c, describe_producers_after_restart);
	suite_add_tcase(s, c);
	return s;
}

int main(void)
{
	SRunner *r = srunner_create(suite());
	int failed;

	srunner_run_all(r, CK_NORMAL);
	failed = srunner_ntests_failed(r);
	srunner_free(r);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
