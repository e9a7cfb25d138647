/*
 * Fetch answers whose records go from the segment files with sendfile(2)
 * (kafka_conn file runs, fetch_handle place_records), over the real core and
 * store in a temporary directory. Batches are appended straight to the
 * partitions (part_append) so they can be larger than the sendfile
 * thresholds (ranges of 64 KiB, answers holding 4 MiB of such ranges) and
 * compared byte for byte with what a raw-socket client gets:
 * ranges sent from files and ranges copied in one answer, a run at the very
 * end of an answer, a reader too slow for the socket (sendfile stops on a full
 * socket and resumes), pipelined answers after one with file runs, a client
 * that goes away with an answer half sent (no descriptor left open), records
 * whose segment was removed by DeleteRecords after the read, and the copy
 * path when SIGPIPE is not ignored (no sendfile then).
 */
#include "kafka_server.h"

#include <arpa/inet.h>
#include <check.h>
#include <dirent.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "hub.h"
#include "kraw.h"
#include "mem.h"
#include "part.h"
#include "rb.h"
#include "wire.h"

#define VALUE_BYTES 1000
#define BIG_RECORDS 100 /* a ~100 KB batch: over the 64 KiB sendfile threshold */
#define BIG_ANSWER 45   /* big batches making an answer of ~4.5 MB: sent with sendfile */
#define MAX_STORED (16 * 1024 * 1024)
#define NPART 3

static char tmp[256];
static store_t *store;
static ns_t *ns;
static kafka_server_t *srv;
static hub_t *eh1;

/* What was appended per partition, as stored (part_append stamps the header in place). */
static uint8_t *stored[NPART];
static size_t stored_len[NPART];

static void setup_with(uint64_t segment_bytes)
{
	store_opts_t so = {.dir = tmp, .segment_bytes = segment_bytes};
	ns_opts_t no = {.name = "test", .auto_create = false, .default_partitions = 2};
	kafka_server_opts_t ko = {.host = "127.0.0.1", .port = 0, .node_id = 7,
				  .advertised_host = "127.0.0.1", .max_request_bytes = 1 << 20,
				  .max_message_bytes = 1 << 20};

	strcpy(tmp, "/tmp/trib-ksendfile-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmp));
	ck_assert_int_eq(store_open(&so, &store), TRIB_OK);
	ck_assert_int_eq(ns_open(store, &no, &ns), TRIB_OK);
	ck_assert_int_eq(ns_hub_create(ns, &(ns_hub_spec_t){.name = "eh1", .partitions = NPART},
				       &eh1),
			 TRIB_OK);
	ck_assert_int_eq(kafka_server_start(ns, &ko, &srv), TRIB_OK);
	for (int i = 0; i < NPART; i++) {
		stored[i] = malloc(MAX_STORED);
		stored_len[i] = 0;
		ck_assert_ptr_nonnull(stored[i]);
	}
}

static void setup(void)
{
	setup_with(0);
}

/* 6 MiB segments: DeleteRecords can remove a whole one that still fills a sendfile answer. */
static void setup_small_segments(void)
{
	setup_with(6 * 1024 * 1024);
}

static void teardown(void)
{
	char cmd[300];

	kafka_server_stop(&srv);
	ck_assert_uint_eq(mem_used(MEM_KAFKA), 0);
	store_close(&store);
	ns_close(&ns);
	for (int i = 0; i < NPART; i++)
		free(stored[i]);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmp);
	(void)!system(cmd);
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Open descriptors of this process. */
static int open_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	int n = 0;

	ck_assert_ptr_nonnull(d);
	while (readdir(d))
		n++;
	closedir(d);
	return n;
}

static void on_durable(void *arg, trib_err_t err)
{
	(void)arg;
	ck_assert_int_eq(err, TRIB_OK);
}

/*
 * Appends a batch of @n records with @p value_bytes values to partition @p pi;
 * keeps its bytes; returns its size.
 */
static size_t append(int pi, int n, size_t value_bytes)
{
	static char value[VALUE_BYTES];
	part_t *p = hub_partition(eh1, pi);
	rb_builder_t b;
	uint8_t *out;
	size_t len;
	int64_t base, t0 = now_ms();

	rb_builder_init(&b, 1000);
	for (int i = 0; i < n; i++) {
		char k[16];

		memset(value, 'a' + (i + (int)stored_len[pi]) % 26, sizeof(value));
		snprintf(k, sizeof(k), "k%d", i);
		ck_assert_int_eq(rb_builder_add(&b, 1000 + i, slice_from_cstr(k),
						(trib_slice_t){(const uint8_t *)value, value_bytes},
						NULL, 0),
				 TRIB_OK);
	}
	ck_assert_int_eq(rb_builder_finish(&b, &out, &len), TRIB_OK);
	ck_assert_int_eq(part_append(p, out, len, on_durable, NULL, &base), TRIB_OK);
	ck_assert_uint_le(stored_len[pi] + len, MAX_STORED);
	memcpy(stored[pi] + stored_len[pi], out, len);
	stored_len[pi] += len;
	mem_free(out);
	while (part_high_watermark(p) <= base) {
		ck_assert_int_lt(now_ms() - t0, 10000);
		usleep(1000);
	}
	return len;
}

/* Waits until this process has @p n descriptors open again (the server closes asynchronously). */
static void wait_fds(int n)
{
	int64_t t0 = now_ms();

	while (open_fds() != n) {
		ck_assert_msg(now_ms() - t0 < 5000, "%d descriptors open, %d expected",
			      open_fds(), n);
		usleep(10 * 1000);
	}
}

/* ---- a raw client ---- */

static int dial(int rcvbuf)
{
	return kraw_dial(kafka_server_port(srv), rcvbuf);
}

/* Sends a request frame: header v1 and @p body (@p blen bytes). */
static void send_req(int fd, int16_t key, int16_t ver, int32_t corr, const uint8_t *body,
		     size_t blen)
{
	kraw_send_req(fd, key, ver, corr, false, body, blen);
}

/* A Fetch of eh1 partitions @p parts from @p offs at @p ver (4..11), no wait. */
static void send_fetch(int fd, int32_t corr, int16_t ver, int np, const int32_t *parts,
		       const int64_t *offs, int32_t pmax)
{
	uint8_t body[1024];
	wire_wr_t wr;

	wire_wr_init(&wr, body, sizeof(body));
	wire_wr_i32(&wr, -1);
	wire_wr_i32(&wr, 0);       /* max_wait_ms */
	wire_wr_i32(&wr, 1);       /* min_bytes */
	wire_wr_i32(&wr, 64 << 20); /* max_bytes */
	wire_wr_i8(&wr, 0);
	if (ver >= 7) {
		wire_wr_i32(&wr, 0);
		wire_wr_i32(&wr, -1);
	}
	wire_wr_i32(&wr, 1);
	wire_wr_str16(&wr, slice_from_cstr("eh1"));
	wire_wr_i32(&wr, np);
	for (int i = 0; i < np; i++) {
		wire_wr_i32(&wr, parts[i]);
		if (ver >= 9)
			wire_wr_i32(&wr, -1);
		wire_wr_i64(&wr, offs[i]);
		if (ver >= 5)
			wire_wr_i64(&wr, -1);
		wire_wr_i32(&wr, pmax);
	}
	if (ver >= 7)
		wire_wr_i32(&wr, 0);
	if (ver >= 11)
		wire_wr_str16(&wr, slice_from_cstr(""));
	ck_assert(wire_wr_fits(&wr));
	send_req(fd, 1, ver, corr, body, wr.pos);
}

static void recv_all(int fd, uint8_t *p, size_t n)
{
	for (size_t got = 0; got < n;) {
		ssize_t r = recv(fd, p + got, n - got, 0);

		ck_assert_msg(r > 0, "connection ended or timed out after %zu of %zu bytes", got,
			      n);
		got += (size_t)r;
	}
}

/* Reads one response frame for @p corr; returns its payload after the correlation id. */
static uint8_t *recv_resp(int fd, int32_t corr, size_t *len)
{
	uint8_t hdr[8];
	uint8_t *p;
	size_t n;

	recv_all(fd, hdr, sizeof(hdr));
	n = wire_load_u32(hdr);
	ck_assert_uint_ge(n, 4);
	ck_assert_int_eq((int32_t)wire_load_u32(hdr + 4), corr);
	p = malloc(n);
	ck_assert_ptr_nonnull(p);
	recv_all(fd, p, n - 4);
	*len = n - 4;
	return p;
}

typedef struct got {
	int16_t error;
	int64_t hw;
	trib_slice_t records; /* into the response */
} got_t;

/* Parses a one-topic Fetch response at @p ver into @p out (one per partition). */
static void parse_fetch(const uint8_t *p, size_t len, int16_t ver, int np, got_t *out)
{
	wire_rd_t rd;

	wire_rd_init(&rd, p, len);
	ck_assert_int_eq(wire_rd_i32(&rd), 0); /* throttle */
	if (ver >= 7) {
		ck_assert_int_eq(wire_rd_i16(&rd), 0);
		ck_assert_int_eq(wire_rd_i32(&rd), 0);
	}
	ck_assert_int_eq(wire_rd_i32(&rd), 1);
	(void)wire_rd_str16(&rd);
	ck_assert_int_eq(wire_rd_i32(&rd), np);
	for (int i = 0; i < np; i++) {
		(void)wire_rd_i32(&rd);
		out[i].error = wire_rd_i16(&rd);
		out[i].hw = wire_rd_i64(&rd);
		(void)wire_rd_i64(&rd); /* last stable offset */
		if (ver >= 5)
			(void)wire_rd_i64(&rd);
		ck_assert_int_eq(wire_rd_i32(&rd), 0); /* aborted transactions */
		if (ver >= 11)
			ck_assert_int_eq(wire_rd_i32(&rd), -1);
		out[i].records = wire_rd_bytes32(&rd);
	}
	ck_assert(wire_rd_ok(&rd));
	ck_assert_uint_eq(wire_rd_left(&rd), 0);
}

/* The records of @p g are the stored bytes of partition @p pi from byte @p from, @p len of them. */
static void expect_bytes(const got_t *g, int pi, size_t from, size_t len)
{
	ck_assert_int_eq(g->error, 0);
	ck_assert_uint_eq(g->records.len, len);
	ck_assert_uint_le(from + len, stored_len[pi]);
	ck_assert_msg(memcmp(g->records.ptr, stored[pi] + from, len) == 0,
		      "partition %d: records differ from the stored bytes", pi);
}

static void send_fetch_both(int fd, int32_t corr, int16_t ver)
{
	int32_t parts[] = {0, 1};
	int64_t offs[] = {0, 0};

	send_fetch(fd, corr, ver, 2, parts, offs, 16 << 20);
}

/* Reads the answer to send_fetch_both and checks every byte. */
static void check_both(int fd, int32_t corr, int16_t ver)
{
	got_t g[2];
	size_t len;
	uint8_t *p = recv_resp(fd, corr, &len);

	parse_fetch(p, len, ver, 2, g);
	expect_bytes(&g[0], 0, 0, stored_len[0]);
	expect_bytes(&g[1], 1, 0, stored_len[1]);
	free(p);
}

/* Fetches both partitions from offset 0 at @p ver and checks every byte. */
static void fetch_both_and_check(int fd, int32_t corr, int16_t ver)
{
	send_fetch_both(fd, corr, ver);
	check_both(fd, corr, ver);
}

static void ignore_sigpipe(void)
{
	/* as gateway/main.c does: the connection may sendfile only then */
	signal(SIGPIPE, SIG_IGN);
}

/* ---- tests ---- */

START_TEST(large_and_small_ranges_in_one_answer)
{
	int fd, fds0;
	size_t small;

	ignore_sigpipe();
	/* partition 0: one small batch then big ones (one range, over the threshold);
	 * partition 1: big, so an answer can end with a file run; partition 2: small
	 * (copied into the answer between runs) */
	small = append(0, 3, 10);
	for (int i = 0; i < BIG_ANSWER; i++)
		append(0, BIG_RECORDS, VALUE_BYTES);
	append(1, BIG_RECORDS, VALUE_BYTES);
	append(2, 5, 100);
	fds0 = open_fds();
	fd = dial(0);
	for (int16_t ver = 4; ver <= 11; ver++)
		fetch_both_and_check(fd, ver, ver);
	/* a small range alone (copied) and a big one from the middle */
	{
		int32_t parts[] = {1, 0};
		int64_t offs[] = {0, 3};
		got_t g[2];
		size_t len;
		uint8_t *p;

		send_fetch(fd, 20, 11, 2, parts, offs, 16 << 20);
		p = recv_resp(fd, 20, &len);
		parse_fetch(p, len, 11, 2, g);
		expect_bytes(&g[0], 1, 0, stored_len[1]);
		expect_bytes(&g[1], 0, small, stored_len[0] - small);
		free(p);
	}
	/* file run, copied range, file run at the end; then a small answer, copied whole */
	{
		int32_t parts[] = {0, 2, 1};
		int64_t offs[] = {0, 0, 0};
		got_t g[3];
		size_t len;
		uint8_t *p;

		for (int k = 0; k < 2; k++) {
			send_fetch(fd, 21 + k, 11, 3 - k, parts + k, offs, 16 << 20);
			p = recv_resp(fd, 21 + k, &len);
			parse_fetch(p, len, 11, 3 - k, g);
			for (int i = 0; i < 3 - k; i++)
				expect_bytes(&g[i], parts[k + i], 0, stored_len[parts[k + i]]);
			free(p);
		}
	}
	close(fd);
	wait_fds(fds0);
}
END_TEST

START_TEST(slow_reader_gets_everything_in_order)
{
	int32_t parts[] = {0};
	int64_t offs[] = {0};
	got_t g;
	size_t len;
	uint8_t *p;
	int fd;

	ignore_sigpipe();
	for (int i = 0; i < BIG_ANSWER + 5; i++)
		append(0, BIG_RECORDS, VALUE_BYTES); /* ~5 MB */
	append(1, BIG_RECORDS, VALUE_BYTES);
	fd = dial(16 * 1024); /* a small window: sendfile meets a full socket many times */
	send_fetch(fd, 1, 11, 1, parts, offs, 16 << 20);
	send_req(fd, 18, 0, 2, NULL, 0); /* pipelined behind the big answer */
	send_fetch_both(fd, 3, 11);      /* and a third, with two file runs */
	usleep(200 * 1000);              /* let the server fill the socket and wait */
	p = recv_resp(fd, 1, &len);
	parse_fetch(p, len, 11, 1, &g);
	expect_bytes(&g, 0, 0, stored_len[0]);
	free(p);
	p = recv_resp(fd, 2, &len);
	ck_assert_int_eq((int16_t)wire_load_u16(p), 0); /* ApiVersions error_code */
	free(p);
	check_both(fd, 3, 11); /* recv_resp checks correlation ids: the order is checked too */
	close(fd);
}
END_TEST

START_TEST(client_gone_mid_answer_leaves_no_descriptor)
{
	int32_t parts[] = {0, 1};
	int64_t offs[] = {0, 0};
	int fds0, fd;

	ignore_sigpipe();
	for (int i = 0; i < 100; i++)
		append(0, BIG_RECORDS, VALUE_BYTES); /* ~10 MB: more than the sockets hold */
	append(1, BIG_RECORDS, VALUE_BYTES);   /* a second run, never started */
	fds0 = open_fds();
	fd = dial(16 * 1024);
	send_fetch(fd, 1, 11, 2, parts, offs, 16 << 20);
	usleep(200 * 1000); /* the answer is queued, its runs hold duplicated descriptors */
	close(fd);
	/* the server sees the reset and closes its side and the runs' descriptors */
	wait_fds(fds0);
	/* and it still serves others */
	fd = dial(0);
	fetch_both_and_check(fd, 2, 11);
	close(fd);
}
END_TEST

START_TEST(records_of_a_removed_segment_still_arrive)
{
	int32_t parts[] = {0};
	int64_t offs[] = {0};
	got_t g;
	size_t len;
	uint8_t *p;
	int64_t start;
	int fd;

	ignore_sigpipe();
	for (int i = 0; i < 2 * BIG_ANSWER + 10; i++)
		append(0, BIG_RECORDS, VALUE_BYTES); /* two 6 MiB segments */
	fd = dial(16 * 1024);
	send_fetch(fd, 1, 11, 1, parts, offs, 16 << 20); /* the first segment's batches */
	usleep(200 * 1000);
	/* its segment goes while the answer is still being written */
	ck_assert_int_eq(part_delete_records(hub_partition(eh1, 0), -1, &start), TRIB_OK);
	p = recv_resp(fd, 1, &len);
	parse_fetch(p, len, 11, 1, &g);
	ck_assert_uint_gt(g.records.len, 4 * 1024 * 1024);
	expect_bytes(&g, 0, 0, g.records.len);
	free(p);
	close(fd);
}
END_TEST

START_TEST(copy_path_without_ignored_sigpipe)
{
	int fd;

	signal(SIGPIPE, SIG_DFL);
	for (int i = 0; i < BIG_ANSWER; i++)
		append(0, BIG_RECORDS, VALUE_BYTES); /* big enough for sendfile, were it allowed */
	append(1, 3, 10);
	fd = dial(16 * 1024);
	fetch_both_and_check(fd, 1, 11);
	fetch_both_and_check(fd, 2, 4);
	close(fd);
}
END_TEST

static Suite *kafka_sendfile_suite(void)
{
	Suite *s = suite_create("kafka_sendfile");
	TCase *tc = tcase_create("fetch");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, large_and_small_ranges_in_one_answer);
	tcase_add_test(tc, slow_reader_gets_everything_in_order);
	tcase_add_test(tc, client_gone_mid_answer_leaves_no_descriptor);
	tcase_add_test(tc, copy_path_without_ignored_sigpipe);
	suite_add_tcase(s, tc);
	tc = tcase_create("segments");
	tcase_add_checked_fixture(tc, setup_small_segments, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, records_of_a_removed_segment_still_arrive);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(kafka_sendfile_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
