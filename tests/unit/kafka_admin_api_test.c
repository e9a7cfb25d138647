/*
 * kafka_admin_api: DescribeCluster, OffsetForLeaderEpoch, DescribeProducers,
 * DescribeConfigs, AlterConfigs and IncrementalAlterConfigs over a raw
 * socket against the real Kafka head, core and store in a temporary
 * directory (no Debian client sends most of these requests, none at every
 * version).
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
#include "kraw.h"
#include "mem.h"
#include "part.h"
#include "rb.h"
#include "tcfg.h"
#include "wire.h"

#define NODE_ID 7
#define CLUSTER_ID "tributary"
#define BUF_MAX 65536
#define MAX_MESSAGE 4096 /* the server's message.max.bytes, and the topics' default */

static char tmp[256];
static store_t *store;
static ns_t *ns;
static kafka_server_t *srv;

static void setup(void)
{
	store_opts_t so = {.dir = tmp};
	ns_opts_t no = {.name = "test", .auto_create = false, .default_partitions = 2,
			.topic_defaults = {.max_message_bytes = MAX_MESSAGE}};
	kafka_server_opts_t ko = {.host = "127.0.0.1", .port = 0, .node_id = NODE_ID,
				  .advertised_host = "127.0.0.1", .max_message_bytes = MAX_MESSAGE};
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
	return kraw_dial(kafka_server_port(srv), 0);
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
	kraw_send_req(fd, key, ver, corr, q->flex, q->buf, q->wr.pos);
	free(q);
}

typedef kraw_resp_t resp_t;

/* The response to @corr, positioned after its header (v1 when @flex). */
static resp_t expect_resp(int fd, int32_t corr, bool flex)
{
	return kraw_expect(fd, corr, flex);
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

/* Produce v3, acks=-1, of @n records to @topic/@part: the error code, *base the offset. */
static int16_t produce_err(int fd, int32_t corr, const char *topic, int32_t part, int n,
			   int64_t pid, int16_t epoch, int32_t seq, int64_t *base)
{
	req_t *q = req_new(false);
	size_t len;
	uint8_t *rec = batch(n, pid, epoch, seq, &len);
	resp_t r;
	int16_t err;

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
	err = wire_rd_i16(&r.rd);
	*base = wire_rd_i64(&r.rd);
	(void)wire_rd_i64(&r.rd);
	ck_assert_int_eq(wire_rd_i32(&r.rd), 0);
	kraw_done(&r);
	return err;
}

/* As produce_err, for a produce that must succeed: the base offset. */
static int64_t produce(int fd, int32_t corr, const char *topic, int32_t part, int n, int64_t pid,
		       int16_t epoch, int32_t seq)
{
	int64_t base;

	ck_assert_int_eq(produce_err(fd, corr, topic, part, n, pid, epoch, seq, &base), 0);
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
			kraw_done(&r);
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
		kraw_done(&r);
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
	kraw_done(&r);
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
	kraw_done(&r);
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
	kraw_done(&r);
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
	ns_opts_t no = {.name = "test", .default_partitions = 2,
			.topic_defaults = {.max_message_bytes = MAX_MESSAGE}};
	kafka_server_opts_t ko = {.host = "127.0.0.1", .node_id = NODE_ID,
				  .max_message_bytes = MAX_MESSAGE};

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

/* ---- DescribeConfigs ---- */

typedef struct dc_entry {
	char name[64];
	char value[64];
	bool null_value;
	bool read_only;
	bool is_default; /* v0 */
	int8_t source;   /* v1+ */
	int nsyn;
	char syn_name[2][64];
	char syn_value[2][64];
	int8_t syn_source[2];
	int8_t type;  /* v3+ */
	bool has_doc; /* v3+ */
} dc_entry_t;

typedef struct dc_result {
	int16_t error;
	char message[256];
	int n;
	dc_entry_t e[16];
} dc_result_t;

static void copy_str(char *out, size_t cap, trib_slice_t s)
{
	snprintf(out, cap, "%.*s", (int)s.len, s.ptr ? (const char *)s.ptr : "");
}

/* DescribeConfigs of one resource (@keys NULL: all; else @nkeys names) into *out. */
static void describe_configs(int fd, int16_t ver, int32_t corr, int8_t type, const char *name,
			     const char *const *keys, int nkeys, bool synonyms, bool docs,
			     dc_result_t *out)
{
	req_t *q = req_new(ver >= 4);
	resp_t r;

	put_count(q, 1);
	wire_wr_i8(&q->wr, type);
	put_str(q, name);
	put_count(q, keys ? nkeys : -1);
	for (int i = 0; keys && i < nkeys; i++)
		put_str(q, keys[i]);
	put_tags(q);
	if (ver >= 1)
		wire_wr_u8(&q->wr, synonyms);
	if (ver >= 3)
		wire_wr_u8(&q->wr, docs);
	put_tags(q);
	send_req(fd, 32, ver, corr, q);
	r = expect_resp(fd, corr, ver >= 4);
	memset(out, 0, sizeof(*out));
	ck_assert_int_eq(wire_rd_i32(&r.rd), 0);
	ck_assert_int_eq(get_count(&r), 1);
	out->error = wire_rd_i16(&r.rd);
	copy_str(out->message, sizeof(out->message), get_str(&r));
	ck_assert_int_eq(wire_rd_i8(&r.rd), type);
	ck_assert(str_is(get_str(&r), name));
	out->n = get_count(&r);
	ck_assert_int_le(out->n, 16);
	for (int i = 0; i < out->n; i++) {
		dc_entry_t *e = &out->e[i];
		trib_slice_t v;

		copy_str(e->name, sizeof(e->name), get_str(&r));
		v = get_str(&r);
		e->null_value = !v.ptr;
		copy_str(e->value, sizeof(e->value), v);
		e->read_only = wire_rd_u8(&r.rd);
		if (ver == 0)
			e->is_default = wire_rd_u8(&r.rd);
		else
			e->source = wire_rd_i8(&r.rd);
		ck_assert_int_eq(wire_rd_u8(&r.rd), 0); /* sensitive */
		if (ver >= 1) {
			e->nsyn = get_count(&r);
			ck_assert_int_le(e->nsyn, 2);
			for (int j = 0; j < e->nsyn; j++) {
				copy_str(e->syn_name[j], sizeof(e->syn_name[j]), get_str(&r));
				copy_str(e->syn_value[j], sizeof(e->syn_value[j]), get_str(&r));
				e->syn_source[j] = wire_rd_i8(&r.rd);
				get_tags(&r);
			}
		}
		if (ver >= 3) {
			e->type = wire_rd_i8(&r.rd);
			e->has_doc = get_str(&r).ptr != NULL;
		}
		get_tags(&r);
	}
	get_tags(&r);
	get_tags(&r);
	kraw_done(&r);
}

static const dc_entry_t *entry(const dc_result_t *d, const char *name)
{
	for (int i = 0; i < d->n; i++) {
		if (strcmp(d->e[i].name, name) == 0)
			return &d->e[i];
	}
	return NULL;
}

START_TEST(describe_configs_topic_defaults)
{
	static const char *const names[] = {"cleanup.policy", "max.message.bytes",
					    "message.timestamp.type", "retention.bytes",
					    "retention.ms", "segment.bytes", "segment.ms"};
	int fd = dial();
	dc_result_t d;

	for (int16_t v = 0; v <= 4; v++) {
		const dc_entry_t *e;

		describe_configs(fd, v, v, 2, "eh1", NULL, 0, true, true, &d);
		ck_assert_int_eq(d.error, 0);
		ck_assert_int_eq(d.n, 7);
		for (int i = 0; i < 7; i++) {
			ck_assert_str_eq(d.e[i].name, names[i]);
			ck_assert(!d.e[i].read_only && !d.e[i].null_value);
			if (v == 0)
				ck_assert(d.e[i].is_default);
			if (v >= 3)
				ck_assert(d.e[i].has_doc);
		}
		e = entry(&d, "retention.ms");
		ck_assert_str_eq(e->value, "604800000");
		e = entry(&d, "max.message.bytes");
		ck_assert_str_eq(e->value, "4096");
		if (v >= 1) {
			/* a default from a gateway setting: STATIC_BROKER_CONFIG, the broker key */
			ck_assert_int_eq(e->source, 4);
			ck_assert_int_eq(e->nsyn, 1);
			ck_assert_str_eq(e->syn_name[0], "message.max.bytes");
			ck_assert_str_eq(e->syn_value[0], "4096");
			e = entry(&d, "retention.ms");
			ck_assert_int_eq(e->source, 5);
			ck_assert_str_eq(e->syn_name[0], "log.retention.ms");
			ck_assert_int_eq(e->syn_source[0], 5);
		}
		if (v >= 3) {
			ck_assert_int_eq(entry(&d, "retention.ms")->type, 5);   /* LONG */
			ck_assert_int_eq(entry(&d, "cleanup.policy")->type, 7); /* LIST */
			ck_assert_int_eq(entry(&d, "segment.bytes")->type, 3);  /* INT */
		}
	}
	/* synonyms and documentation only when asked */
	describe_configs(fd, 3, 10, 2, "eh1", NULL, 0, false, false, &d);
	ck_assert_int_eq(d.e[0].nsyn, 0);
	ck_assert(!d.e[0].has_doc);
	close(fd);
}
END_TEST

START_TEST(describe_configs_keys_and_errors)
{
	static const char *const keys[] = {"retention.ms", "no.such.key", "segment.ms"};
	int fd = dial();
	dc_result_t d;

	describe_configs(fd, 2, 1, 2, "eh1", keys, 3, false, false, &d);
	ck_assert_int_eq(d.error, 0);
	ck_assert_int_eq(d.n, 2);
	ck_assert_str_eq(d.e[0].name, "retention.ms");
	ck_assert_str_eq(d.e[1].name, "segment.ms");
	describe_configs(fd, 2, 2, 2, "eh1", keys, 0, false, false, &d); /* empty list: none */
	ck_assert_int_eq(d.n, 0);
	describe_configs(fd, 4, 3, 2, "nope", NULL, 0, false, false, &d);
	ck_assert_int_eq(d.error, 3);
	ck_assert_int_eq(d.n, 0);
	describe_configs(fd, 4, 4, 2, "__consumer_offsets", NULL, 0, false, false, &d);
	ck_assert_int_eq(d.error, 3);
	describe_configs(fd, 1, 5, 4, "8", NULL, 0, false, false, &d); /* another broker */
	ck_assert_int_eq(d.error, 42);
	ck_assert_ptr_nonnull(strstr(d.message, "Unexpected broker id"));
	describe_configs(fd, 1, 6, 1, "x", NULL, 0, false, false, &d); /* UNKNOWN type */
	ck_assert_int_eq(d.error, 42);
	describe_configs(fd, 1, 7, 8, "7", NULL, 0, false, false, &d); /* BROKER_LOGGER */
	ck_assert_int_eq(d.error, 42);
	close(fd);
}
END_TEST

START_TEST(describe_configs_broker)
{
	static const struct {
		const char *name, *value;
		int8_t source, type;
	} want[] = {
		{"auto.create.topics.enable", "false", 4, 1},
		{"broker.id", "7", 4, 3},
		{"default.replication.factor", "1", 5, 3},
		{"log.retention.ms", "604800000", 5, 5},
		{"message.max.bytes", "4096", 4, 3},
		{"min.insync.replicas", "1", 5, 3},
		{"num.partitions", "2", 4, 3},
		{"offsets.topic.replication.factor", "1", 5, 4},
	};
	int fd = dial();
	dc_result_t d;

	for (int16_t v = 0; v <= 4; v++) {
		describe_configs(fd, v, v, 4, v % 2 ? "7" : "", NULL, 0, true, true, &d);
		ck_assert_int_eq(d.error, 0);
		ck_assert_int_eq(d.n, 8);
		for (int i = 0; i < 8; i++) {
			const dc_entry_t *e = &d.e[i];

			ck_assert_str_eq(e->name, want[i].name);
			ck_assert_str_eq(e->value, want[i].value);
			ck_assert(e->read_only);
			if (v == 0)
				ck_assert(e->is_default == (want[i].source == 5));
			else
				ck_assert_int_eq(e->source, want[i].source);
			if (v >= 3)
				ck_assert_int_eq(e->type, want[i].type);
		}
	}
	close(fd);
}
END_TEST

/* ---- AlterConfigs and IncrementalAlterConfigs ---- */

typedef struct cfg_op {
	const char *name;
	const char *value; /* NULL: a null value */
	int8_t op;         /* IncrementalAlterConfigs only */
} cfg_op_t;

typedef struct alter_res {
	int8_t type;
	const char *name;
	const cfg_op_t *ops;
	int nops;
} alter_res_t;

/* AlterConfigs (@incremental false, key 33) or IncrementalAlterConfigs (key 44): codes out. */
static void alter(int fd, bool incremental, int16_t ver, int32_t corr, const alter_res_t *rs,
		  int n, bool validate_only, int16_t *codes, char msgs[][256])
{
	bool flex = incremental ? ver >= 1 : ver >= 2;
	req_t *q = req_new(flex);
	resp_t r;

	put_count(q, n);
	for (int i = 0; i < n; i++) {
		wire_wr_i8(&q->wr, rs[i].type);
		put_str(q, rs[i].name);
		put_count(q, rs[i].nops);
		for (int j = 0; j < rs[i].nops; j++) {
			put_str(q, rs[i].ops[j].name);
			if (incremental)
				wire_wr_i8(&q->wr, rs[i].ops[j].op);
			put_str(q, rs[i].ops[j].value);
			put_tags(q);
		}
		put_tags(q);
	}
	wire_wr_u8(&q->wr, validate_only);
	put_tags(q);
	send_req(fd, incremental ? 44 : 33, ver, corr, q);
	r = expect_resp(fd, corr, flex);
	ck_assert_int_eq(wire_rd_i32(&r.rd), 0);
	ck_assert_int_eq(get_count(&r), n);
	for (int i = 0; i < n; i++) {
		codes[i] = wire_rd_i16(&r.rd);
		copy_str(msgs[i], 256, get_str(&r));
		ck_assert_int_eq(wire_rd_i8(&r.rd), rs[i].type);
		ck_assert(str_is(get_str(&r), rs[i].name));
		get_tags(&r);
	}
	get_tags(&r);
	kraw_done(&r);
}

/* One resource; returns its code, its message in @msg. */
static int16_t alter1(int fd, bool incremental, int16_t ver, const char *topic,
		      const cfg_op_t *ops, int nops, bool validate_only, char *msg)
{
	static int32_t corr = 1000;
	alter_res_t res = {2, topic, ops, nops};
	char msgs[1][256];
	int16_t code;

	alter(fd, incremental, ver, corr++, &res, 1, validate_only, &code, msgs);
	if (msg)
		strcpy(msg, msgs[0]);
	return code;
}

static tcfg_t config_of(const char *topic)
{
	hub_t *h = ns_hub_find(ns, slice_from_cstr(topic));
	tcfg_t c;

	ck_assert_ptr_nonnull(h);
	hub_config(h, &c);
	return c;
}

START_TEST(alter_configs_replaces)
{
	int fd = dial();
	dc_result_t d;
	char msg[256];

	for (int16_t v = 0; v <= 2; v++) {
		const cfg_op_t set[] = {{"retention.ms", "1000", 0},
					{"message.timestamp.type", "CreateTime", 0}};
		const cfg_op_t only[] = {{"segment.ms", "5000", 0}};
		const dc_entry_t *e;
		tcfg_t c;

		ck_assert_int_eq(alter1(fd, false, v, "eh1", set, 2, false, msg), 0);
		c = config_of("eh1");
		ck_assert_int_eq(c.retention_ms, 1000);
		ck_assert_int_eq(c.timestamp_type, TCFG_TS_CREATE_TIME);
		describe_configs(fd, 1, 1, 2, "eh1", NULL, 0, true, false, &d);
		e = entry(&d, "retention.ms");
		ck_assert_str_eq(e->value, "1000");
		ck_assert_int_eq(e->source, 1); /* TOPIC_CONFIG */
		ck_assert_int_eq(e->nsyn, 2);   /* the override, then the default it hides */
		ck_assert_str_eq(e->syn_name[0], "retention.ms");
		ck_assert_int_eq(e->syn_source[0], 1);
		ck_assert_str_eq(e->syn_name[1], "log.retention.ms");
		ck_assert_str_eq(e->syn_value[1], "604800000");
		describe_configs(fd, 0, 2, 2, "eh1", NULL, 0, false, false, &d);
		ck_assert(!entry(&d, "retention.ms")->is_default);
		/* the whole set is replaced: keys left out go back to their defaults */
		ck_assert_int_eq(alter1(fd, false, v, "eh1", only, 1, false, msg), 0);
		c = config_of("eh1");
		ck_assert_int_eq(c.retention_ms, TCFG_DEFAULT_RETENTION_MS);
		ck_assert_int_eq(c.timestamp_type, TCFG_TS_LOG_APPEND_TIME);
		ck_assert_int_eq(c.segment_ms, 5000);
		ck_assert_uint_eq(c.overrides, 1u << TCFG_SEGMENT_MS);
		/* validate_only changes nothing */
		ck_assert_int_eq(alter1(fd, false, v, "eh1", set, 2, true, msg), 0);
		ck_assert_int_eq(config_of("eh1").retention_ms, TCFG_DEFAULT_RETENTION_MS);
		ck_assert_int_eq(alter1(fd, false, v, "eh1", NULL, 0, false, msg), 0);
		ck_assert_uint_eq(config_of("eh1").overrides, 0);
	}
	close(fd);
}
END_TEST

START_TEST(alter_configs_errors)
{
	const cfg_op_t bad_value[] = {{"retention.ms", "-2", 0}};
	const cfg_op_t unknown[] = {{"no.such.key", "1", 0}};
	const cfg_op_t null_value[] = {{"retention.ms", NULL, 0}};
	const cfg_op_t twice[] = {{"retention.ms", "1", 0}, {"retention.ms", "2", 0}};
	const cfg_op_t compact[] = {{"cleanup.policy", "compact", 0}};
	const cfg_op_t good[] = {{"retention.ms", "5", 0}};
	const alter_res_t rs[] = {{2, "eh1", good, 1}, {2, "EH1", good, 1}, {4, "", good, 1},
				  {2, "eh2", good, 1}};
	int fd = dial();
	char msg[256];
	char msgs[4][256];
	int16_t codes[4];
	hub_t *eh2;

	ck_assert_int_eq(alter1(fd, false, 1, "eh1", bad_value, 1, false, msg), 40);
	ck_assert_ptr_nonnull(strstr(msg, "retention.ms"));
	ck_assert_int_eq(alter1(fd, false, 1, "eh1", unknown, 1, false, msg), 40);
	ck_assert_ptr_nonnull(strstr(msg, "no.such.key"));
	ck_assert_int_eq(alter1(fd, false, 1, "eh1", null_value, 1, false, msg), 42);
	ck_assert_int_eq(alter1(fd, false, 1, "eh1", twice, 2, false, msg), 42);
	ck_assert_int_eq(alter1(fd, false, 2, "eh1", compact, 1, false, msg), 40);
	ck_assert_int_eq(alter1(fd, false, 0, "nope", good, 1, false, msg), 3);
	ck_assert_uint_eq(config_of("eh1").overrides, 0);
	/* a resource named twice (case ignored, as hub names) is refused in both places; the
	 * broker is read-only; the other resources are answered on their own */
	ck_assert_int_eq(ns_hub_create(ns, &(ns_hub_spec_t){"eh2", 1, NULL, 0}, &eh2), TRIB_OK);
	alter(fd, false, 1, 1, rs, 4, false, codes, msgs);
	ck_assert_int_eq(codes[0], 42);
	ck_assert_int_eq(codes[1], 42);
	ck_assert_str_eq(msgs[1], "Duplicate resource");
	ck_assert_int_eq(codes[2], 42);
	ck_assert_int_eq(codes[3], 0);
	ck_assert_str_eq(msgs[3], ""); /* a null message on success */
	ck_assert_uint_eq(config_of("eh1").overrides, 0);
	ck_assert_int_eq(config_of("eh2").retention_ms, 5);
	close(fd);
}
END_TEST

START_TEST(incremental_alter_configs_ops)
{
	int fd = dial();
	char msg[256];

	for (int16_t v = 0; v <= 1; v++) {
		const cfg_op_t set[] = {{"retention.ms", "1000", 0}, {"segment.ms", "2000", 0}};
		const cfg_op_t del[] = {{"retention.ms", NULL, 1}};
		const cfg_op_t append_ok[] = {{"cleanup.policy", "delete", 2}};
		const cfg_op_t append_compact[] = {{"cleanup.policy", "compact", 2}};
		const cfg_op_t append_num[] = {{"retention.ms", "5", 2}};
		const cfg_op_t subtract_num[] = {{"segment.ms", "5", 3}};
		const cfg_op_t subtract_all[] = {{"cleanup.policy", "delete", 3}};
		const cfg_op_t bad_op[] = {{"retention.ms", "5", 7}};
		const cfg_op_t set_null[] = {{"retention.ms", NULL, 0}};
		const cfg_op_t twice[] = {{"segment.ms", "1", 0}, {"segment.ms", NULL, 1}};
		const cfg_op_t del_unknown[] = {{"no.such.key", NULL, 1}};
		tcfg_t c;

		ck_assert_int_eq(alter1(fd, true, v, "eh1", set, 2, false, msg), 0);
		c = config_of("eh1");
		ck_assert_int_eq(c.retention_ms, 1000);
		ck_assert_int_eq(c.segment_ms, 2000);
		/* DELETE: back to the default, the other key kept */
		ck_assert_int_eq(alter1(fd, true, v, "eh1", del, 1, false, msg), 0);
		c = config_of("eh1");
		ck_assert_int_eq(c.retention_ms, TCFG_DEFAULT_RETENTION_MS);
		ck_assert_int_eq(c.segment_ms, 2000);
		ck_assert_int_eq(alter1(fd, true, v, "eh1", append_ok, 1, false, msg), 0);
		ck_assert_int_eq(alter1(fd, true, v, "eh1", append_compact, 1, false, msg), 40);
		ck_assert_int_eq(alter1(fd, true, v, "eh1", append_num, 1, false, msg), 40);
		ck_assert_str_eq(msg, "Config value append is not allowed for config key: "
				      "retention.ms");
		ck_assert_int_eq(alter1(fd, true, v, "eh1", subtract_num, 1, false, msg), 40);
		ck_assert_int_eq(alter1(fd, true, v, "eh1", subtract_all, 1, false, msg), 40);
		ck_assert_int_eq(alter1(fd, true, v, "eh1", bad_op, 1, false, msg), 42);
		ck_assert_int_eq(alter1(fd, true, v, "eh1", set_null, 1, false, msg), 42);
		ck_assert_int_eq(alter1(fd, true, v, "eh1", twice, 2, false, msg), 42);
		ck_assert_int_eq(alter1(fd, true, v, "eh1", del_unknown, 1, false, msg), 40);
		ck_assert_int_eq(alter1(fd, true, v, "nope", set, 2, false, msg), 3);
		/* validate_only changes nothing; refusals changed nothing either */
		ck_assert_int_eq(alter1(fd, true, v, "eh1", set, 2, true, msg), 0);
		c = config_of("eh1");
		ck_assert_int_eq(c.retention_ms, TCFG_DEFAULT_RETENTION_MS);
		ck_assert_int_eq(c.segment_ms, 2000);
		ck_assert(c.overrides & (1u << TCFG_CLEANUP_POLICY));
		/* clean up for the next version */
		ck_assert_int_eq(alter1(fd, false, 0, "eh1", NULL, 0, false, msg), 0);
	}
	close(fd);
}
END_TEST

/* max.message.bytes acts on the next produce, and survives a restart. */
START_TEST(configs_act_and_persist)
{
	const cfg_op_t small[] = {{"max.message.bytes", "200", 0}};
	int fd = dial();
	store_opts_t so = {.dir = tmp};
	ns_opts_t no = {.name = "test", .default_partitions = 2,
			.topic_defaults = {.max_message_bytes = MAX_MESSAGE}};
	kafka_server_opts_t ko = {.host = "127.0.0.1", .node_id = NODE_ID,
				  .max_message_bytes = MAX_MESSAGE};
	dc_result_t d;
	int64_t base;

	ck_assert_int_eq(produce_err(fd, 1, "eh1", 0, 30, -1, 0, 0, &base), 0);
	ck_assert_int_eq(alter1(fd, true, 1, "eh1", small, 1, false, NULL), 0);
	ck_assert_int_eq(produce_err(fd, 2, "eh1", 0, 30, -1, 0, 0, &base), 10);
	ck_assert_int_eq(produce_err(fd, 3, "eh1", 0, 1, -1, 0, 0, &base), 0);
	close(fd);
	kafka_server_stop(&srv);
	store_close(&store);
	ns_close(&ns);
	ck_assert_int_eq(store_open(&so, &store), TRIB_OK);
	ck_assert_int_eq(ns_open(store, &no, &ns), TRIB_OK);
	ck_assert_int_eq(kafka_server_start(ns, &ko, &srv), TRIB_OK);
	fd = dial();
	describe_configs(fd, 4, 4, 2, "eh1", NULL, 0, false, false, &d);
	ck_assert_str_eq(entry(&d, "max.message.bytes")->value, "200");
	ck_assert_int_eq(entry(&d, "max.message.bytes")->source, 1);
	ck_assert_int_eq(produce_err(fd, 5, "eh1", 0, 30, -1, 0, 0, &base), 10);
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
	c = tcase_create("configs");
	tcase_add_checked_fixture(c, setup, teardown);
	tcase_set_timeout(c, 30);
	tcase_add_test(c, describe_configs_topic_defaults);
	tcase_add_test(c, describe_configs_keys_and_errors);
	tcase_add_test(c, describe_configs_broker);
	tcase_add_test(c, alter_configs_replaces);
	tcase_add_test(c, alter_configs_errors);
	tcase_add_test(c, incremental_alter_configs_ops);
	tcase_add_test(c, configs_act_and_persist);
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
