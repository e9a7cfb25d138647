/*
 * Idempotent producers: the producer-state rules (core/pstate), and
 * part_append over a real store: a retry gets the original offset with
 * nothing appended, a gap and an old epoch are refused, and the state is
 * rebuilt from the log when the partition is opened again.
 */
#include "pstate.h"

#include <check.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "crc32c.h"
#include "hub.h"
#include "mem.h"
#include "ns.h"
#include "part.h"
#include "rb.h"
#include "wire.h"

static rb_header_t hdr(int64_t pid, int16_t epoch, int32_t seq, int32_t records)
{
	rb_header_t h = {0};

	h.producer_id = pid;
	h.producer_epoch = epoch;
	h.base_sequence = seq;
	h.last_offset_delta = records - 1;
	h.records_count = records;
	return h;
}

/* Checks then records, as part_append does; returns the check's result. */
static trib_err_t put(pstate_t *ps, int64_t pid, int16_t epoch, int32_t seq, int32_t n,
		      int64_t base)
{
	rb_header_t h = hdr(pid, epoch, seq, n);
	pstate_batch_t dup;
	trib_err_t err = pstate_check(ps, &h, &dup);

	if (err)
		return err;
	ck_assert_int_eq(pstate_reserve(ps, pid), TRIB_OK);
	pstate_record(ps, &h, base, 1000 + base);
	return TRIB_OK;
}

START_TEST(test_sequence_rules)
{
	pstate_t *ps = NULL;
	pstate_batch_t dup;
	rb_header_t h;

	ck_assert_int_eq(pstate_new(&ps), TRIB_OK);
	/* an unknown producer must start at 0 */
	ck_assert_int_eq(put(ps, 7, 0, 3, 1, 0), TRIB_ERR_UNKNOWN_PRODUCER);
	ck_assert_int_eq(put(ps, 7, 0, 0, 3, 0), TRIB_OK);  /* seq 0-2 at 0 */
	ck_assert_int_eq(put(ps, 7, 0, 3, 2, 3), TRIB_OK);  /* seq 3-4 at 3 */
	/* the exact retry of 0-2 is a duplicate of offset 0 */
	h = hdr(7, 0, 0, 3);
	ck_assert_int_eq(pstate_check(ps, &h, &dup), TRIB_ERR_EXISTS);
	ck_assert_int_eq(dup.base_offset, 0);
	ck_assert_int_eq(dup.last_offset_delta, 2);
	ck_assert_int_eq(dup.append_time, 1000);
	/* same first sequence, different length: not a duplicate, out of order */
	h = hdr(7, 0, 0, 2);
	ck_assert_int_eq(pstate_check(ps, &h, &dup), TRIB_ERR_SEQUENCE);
	/* a gap */
	ck_assert_int_eq(put(ps, 7, 0, 6, 1, 5), TRIB_ERR_SEQUENCE);
	/* next in order */
	ck_assert_int_eq(put(ps, 7, 0, 5, 1, 5), TRIB_OK);
	/* an older epoch is fenced, a newer one must restart at 0 */
	ck_assert_int_eq(put(ps, 7, 1, 6, 1, 6), TRIB_ERR_SEQUENCE);
	ck_assert_int_eq(put(ps, 7, 1, 0, 1, 6), TRIB_OK);
	ck_assert_int_eq(put(ps, 7, 0, 6, 1, 7), TRIB_ERR_FENCED);
	/* the new epoch forgot the old batches */
	h = hdr(7, 1, 0, 3);
	ck_assert_int_eq(pstate_check(ps, &h, &dup), TRIB_ERR_SEQUENCE);
	/* negative epoch or sequence */
	h = hdr(8, -1, 0, 1);
	ck_assert_int_eq(pstate_check(ps, &h, &dup), TRIB_ERR_INVALID);
	h = hdr(8, 0, -1, 1);
	ck_assert_int_eq(pstate_check(ps, &h, &dup), TRIB_ERR_INVALID);
	ck_assert_uint_eq(pstate_count(ps), 1);
	pstate_free(&ps);
	ck_assert_ptr_null(ps);
	pstate_free(&ps);
}
END_TEST

START_TEST(test_last_five)
{
	pstate_t *ps = NULL;
	pstate_batch_t dup;
	rb_header_t h;

	ck_assert_int_eq(pstate_new(&ps), TRIB_OK);
	for (int32_t i = 0; i < 7; i++)
		ck_assert_int_eq(put(ps, 1, 0, i, 1, 100 + i), TRIB_OK);
	/* batches 2..6 are remembered, 0 and 1 are not */
	for (int32_t i = 2; i < 7; i++) {
		h = hdr(1, 0, i, 1);
		ck_assert_int_eq(pstate_check(ps, &h, &dup), TRIB_ERR_EXISTS);
		ck_assert_int_eq(dup.base_offset, 100 + i);
	}
	h = hdr(1, 0, 1, 1);
	ck_assert_int_eq(pstate_check(ps, &h, &dup), TRIB_ERR_SEQUENCE);
	pstate_free(&ps);
}
END_TEST

START_TEST(test_wrap_and_many)
{
	pstate_t *ps = NULL;
	rb_header_t h;
	pstate_batch_t dup;

	ck_assert_int_eq(pstate_last_seq(INT32_MAX - 1, 3), 1);
	ck_assert_int_eq(pstate_last_seq(INT32_MAX, 0), INT32_MAX);
	ck_assert_int_eq(pstate_new(&ps), TRIB_OK);
	/* replay may record any sequence: the sequence wraps to 0 after INT32_MAX */
	h = hdr(3, 0, INT32_MAX - 1, 2);
	ck_assert_int_eq(pstate_reserve(ps, 3), TRIB_OK);
	pstate_record(ps, &h, 0, 0);
	ck_assert_int_eq(put(ps, 3, 0, 0, 1, 2), TRIB_OK);
	/* thousands of producers: the table grows and finds each */
	for (int64_t pid = 100; pid < 5100; pid++)
		ck_assert_int_eq(put(ps, pid, 0, 0, 1, pid), TRIB_OK);
	for (int64_t pid = 100; pid < 5100; pid++) {
		h = hdr(pid, 0, 0, 1);
		ck_assert_int_eq(pstate_check(ps, &h, &dup), TRIB_ERR_EXISTS);
		ck_assert_int_eq(dup.base_offset, pid);
	}
	ck_assert_uint_eq(pstate_count(ps), 5001);
	pstate_free(&ps);
}
END_TEST

/* ---- part_append over a real store ---- */

static char tmp[256];
static store_t *store;
static ns_t *ns;
static part_t *part0;

static void open_all(void)
{
	store_opts_t so = {.dir = tmp};
	ns_opts_t no = {.name = "test", .auto_create = true, .default_partitions = 1};
	ns_hub_spec_t spec = {"idem", 1, NULL, 0};

	ck_assert_int_eq(store_open(&so, &store), TRIB_OK);
	ck_assert_int_eq(ns_open(store, &no, &ns), TRIB_OK);
	ck_assert_int_eq(ns_hub_declare(ns, &spec), TRIB_OK);
	part0 = hub_partition(ns_hub_find(ns, slice_from_cstr("idem")), 0);
	ck_assert_ptr_nonnull(part0);
}

static void close_all(void)
{
	store_close(&store);
	ns_close(&ns);
}

static void setup(void)
{
	strcpy(tmp, "/tmp/trib-pstate-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmp));
	open_all();
}

static void teardown(void)
{
	char cmd[300];

	close_all();
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmp);
	(void)!system(cmd);
}

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static int done_count;

static void on_done(void *arg, trib_err_t err)
{
	(void)arg;
	pthread_mutex_lock(&mu);
	if (!err)
		done_count++; /* a failed append never completes the wait: the test times out */
	pthread_cond_broadcast(&cv);
	pthread_mutex_unlock(&mu);
}

static void wait_done(int n)
{
	pthread_mutex_lock(&mu);
	while (done_count < n)
		pthread_cond_wait(&cv, &mu);
	pthread_mutex_unlock(&mu);
}

/* A batch of @n records from producer @pid/@epoch from sequence @seq; owned by the caller. */
static uint8_t *idem_batch(int64_t pid, int16_t epoch, int32_t seq, int n, size_t *len)
{
	rb_builder_t b;
	uint8_t *out;

	rb_builder_init(&b, 1000);
	for (int i = 0; i < n; i++) {
		char v[16];

		snprintf(v, sizeof(v), "v%d", seq + i);
		ck_assert_int_eq(rb_builder_add(&b, 1000, (trib_slice_t){NULL, 0},
						slice_from_cstr(v), NULL, 0),
				 TRIB_OK);
	}
	ck_assert_int_eq(rb_builder_finish(&b, &out, len), TRIB_OK);
	wire_store_u64(out + 43, (uint64_t)pid);
	wire_store_u16(out + 51, (uint16_t)epoch);
	wire_store_u32(out + 53, (uint32_t)seq);
	wire_store_u32(out + 17, crc32c(0, out + RB_CRC_START, *len - RB_CRC_START));
	return out;
}

/* Appends and waits for durability when the append was accepted. */
static trib_err_t append(int64_t pid, int16_t epoch, int32_t seq, int n, int64_t *base)
{
	size_t len;
	uint8_t *b = idem_batch(pid, epoch, seq, n, &len);
	int before = done_count;
	trib_err_t err = part_append(part0, b, len, on_done, NULL, base);

	if (!err)
		wait_done(before + 1);
	mem_free(b);
	return err;
}

START_TEST(test_part_retry)
{
	int64_t base = -1;

	ck_assert_int_eq(append(42, 0, 0, 3, &base), TRIB_OK);
	ck_assert_int_eq(base, 0);
	ck_assert_int_eq(append(42, 0, 3, 2, &base), TRIB_OK);
	ck_assert_int_eq(base, 3);
	/* the retry of the first batch: its offset, nothing appended */
	base = -1;
	ck_assert_int_eq(append(42, 0, 0, 3, &base), TRIB_ERR_EXISTS);
	ck_assert_int_eq(base, 0);
	ck_assert_int_eq(part_high_watermark(part0), 5);
	/* a gap, an old epoch after a new one */
	ck_assert_int_eq(append(42, 0, 9, 1, &base), TRIB_ERR_SEQUENCE);
	ck_assert_int_eq(append(42, 1, 0, 1, &base), TRIB_OK);
	ck_assert_int_eq(base, 5);
	ck_assert_int_eq(append(42, 0, 5, 1, &base), TRIB_ERR_FENCED);
	ck_assert_int_eq(append(43, 0, 4, 1, &base), TRIB_ERR_UNKNOWN_PRODUCER);
	ck_assert_int_eq(part_high_watermark(part0), 6);
}
END_TEST

START_TEST(test_part_replay)
{
	int64_t base = -1;
	size_t len;
	uint8_t *b;

	ck_assert_int_eq(append(42, 0, 0, 3, &base), TRIB_OK);
	ck_assert_int_eq(append(77, 2, 0, 1, &base), TRIB_OK);
	ck_assert_int_eq(append(42, 0, 3, 1, &base), TRIB_OK);
	ck_assert_int_eq(base, 4);
	close_all();
	open_all();
	/* the state came back from the log */
	ck_assert_int_eq(append(42, 0, 3, 1, &base), TRIB_ERR_EXISTS);
	ck_assert_int_eq(base, 4);
	/* the duplicate's header now equals the stored one */
	b = idem_batch(42, 0, 0, 3, &len);
	ck_assert_int_eq(part_append(part0, b, len, on_done, NULL, &base), TRIB_ERR_EXISTS);
	ck_assert_int_eq(base, 0);
	ck_assert_int_eq((int64_t)wire_load_u64(b), 0);
	ck_assert_int_eq(rb_check(b, len, &(rb_header_t){0}), TRIB_OK);
	mem_free(b);
	ck_assert_int_eq(append(77, 1, 1, 1, &base), TRIB_ERR_FENCED);
	ck_assert_int_eq(append(42, 0, 5, 1, &base), TRIB_ERR_SEQUENCE);
	ck_assert_int_eq(append(42, 0, 4, 1, &base), TRIB_OK);
	ck_assert_int_eq(base, 5);
	ck_assert_int_eq(part_high_watermark(part0), 6);
}
END_TEST

/* Threads sending the same batch at once: the check and the append are one step. */
typedef struct racer {
	pthread_t t;
	trib_err_t err;
	int64_t base;
} racer_t;

static void *race(void *arg)
{
	racer_t *r = arg;
	size_t len;
	uint8_t *b = idem_batch(9, 0, 0, 2, &len);

	r->base = -1;
	r->err = part_append(part0, b, len, on_done, NULL, &r->base);
	mem_free(b);
	return NULL;
}

START_TEST(test_part_concurrent_retries)
{
	racer_t r[8];
	int appended = 0;

	for (int i = 0; i < 8; i++)
		ck_assert_int_eq(pthread_create(&r[i].t, NULL, race, &r[i]), 0);
	for (int i = 0; i < 8; i++) {
		ck_assert_int_eq(pthread_join(r[i].t, NULL), 0);
		/* one append; the others see it durable (EXISTS) or in flight (AGAIN) */
		ck_assert(r[i].err == TRIB_OK || r[i].err == TRIB_ERR_EXISTS ||
			  r[i].err == TRIB_ERR_AGAIN);
		if (r[i].err == TRIB_OK)
			appended++;
		if (r[i].err != TRIB_ERR_AGAIN)
			ck_assert_int_eq(r[i].base, 0);
	}
	ck_assert_int_eq(appended, 1);
	wait_done(1);
	ck_assert_int_eq(part_high_watermark(part0), 2);
}
END_TEST

static Suite *pstate_suite(void)
{
	Suite *s = suite_create("pstate");
	TCase *rules = tcase_create("rules");
	TCase *part = tcase_create("part_append");

	tcase_add_test(rules, test_sequence_rules);
	tcase_add_test(rules, test_last_five);
	tcase_add_test(rules, test_wrap_and_many);
	suite_add_tcase(s, rules);
	tcase_add_checked_fixture(part, setup, teardown);
	tcase_add_test(part, test_part_retry);
	tcase_add_test(part, test_part_replay);
	tcase_add_test(part, test_part_concurrent_retries);
	suite_add_tcase(s, part);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(pstate_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
