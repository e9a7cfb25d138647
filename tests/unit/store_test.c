/*
 * store/seg: append, group-commit completions, reads, segment rolls,
 * time lookups and recovery from the committed corrupt fixtures in
 * tests/fixtures/segments (see make_fixtures.py there).
 */
#include "store.h"

#include <check.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mem.h"
#include "rb.h"

static char tmp[256];

static void setup(void)
{
	strcpy(tmp, "/tmp/trib-store-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmp));
}

static void teardown(void)
{
	char cmd[300];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmp);
	(void)!system(cmd);
}

static store_t *open_store(uint64_t segment_bytes, store_sync_mode_t mode)
{
	store_opts_t o = {.dir = tmp, .sync_mode = mode, .sync_interval_ms = 10,
			  .segment_bytes = segment_bytes, .index_interval_bytes = 256};
	store_t *s;

	ck_assert_int_eq(store_open(&o, &s), TRIB_OK);
	return s;
}

static uint8_t *make_batch(int n, const char *value, int64_t ts, size_t *len)
{
	rb_builder_t b;
	uint8_t *out;

	rb_builder_init(&b, ts);
	for (int i = 0; i < n; i++)
		ck_assert_int_eq(rb_builder_add(&b, ts, TRIB_SLICE_NULL, slice_from_cstr(value), NULL, 0),
				 TRIB_OK);
	ck_assert_int_eq(rb_builder_finish(&b, &out, len), TRIB_OK);
	return out;
}

typedef struct acks {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int done;
	int failed;
} acks_t;

static acks_t acks = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, 0};

static void on_done(void *arg, trib_err_t err)
{
	acks_t *a = arg;

	pthread_mutex_lock(&a->lock);
	a->done++;
	a->failed += err != TRIB_OK;
	pthread_cond_broadcast(&a->cond);
	pthread_mutex_unlock(&a->lock);
}

static void wait_acks(int n)
{
	pthread_mutex_lock(&acks.lock);
	while (acks.done < n)
		pthread_cond_wait(&acks.cond, &acks.lock);
	pthread_mutex_unlock(&acks.lock);
}

static int64_t append(store_log_t *l, int n, const char *value, int64_t ts)
{
	size_t len;
	uint8_t *b = make_batch(n, value, ts, &len);
	int64_t base = -1;

	ck_assert_int_eq(store_append(l, b, len, on_done, &acks, &base), TRIB_OK);
	mem_free(b);
	return base;
}

/* Reads every record from offset `from`, checking offsets are contiguous. */
static int64_t read_all(store_log_t *l, int64_t from)
{
	int64_t next = from;

	for (;;) {
		store_range_t r;
		uint8_t *buf;
		size_t at = 0;

		ck_assert_int_eq(store_read(l, next, 1000, &r), TRIB_OK);
		if (r.len == 0)
			return next;
		buf = mem_alloc(MEM_CORE, r.len);
		ck_assert_int_eq(store_read_copy(&r, buf), TRIB_OK);
		while (at < r.len) {
			rb_header_t h;

			ck_assert_int_eq(rb_check(buf + at, rb_size(&(rb_header_t){.batch_length =
				(int32_t)wire_load_u32(buf + at + 8)}), &h), TRIB_OK);
			ck_assert_int_le(h.base_offset, next);
			ck_assert_int_ge(h.base_offset + h.last_offset_delta, next);
			next = h.base_offset + h.last_offset_delta + 1;
			at += rb_size(&h);
		}
		mem_free(buf);
	}
}

START_TEST(append_ack_read)
{
	store_t *s = open_store(0, STORE_SYNC_ALWAYS);
	store_log_t *l;

	acks.done = acks.failed = 0;
	ck_assert_int_eq(store_log_open(s, "hub", 0, NULL, NULL, &l), TRIB_OK);
	ck_assert_int_eq(store_durable_end(l), 0);
	for (int i = 0; i < 50; i++)
		ck_assert_int_eq(append(l, 3, "payload", 1000 + i), i * 3);
	wait_acks(50);
	ck_assert_int_eq(acks.failed, 0);
	ck_assert_int_eq(store_durable_end(l), 150);
	ck_assert_int_eq(read_all(l, 0), 150);
	ck_assert_int_eq(read_all(l, 77), 150);
	{
		store_range_t r;

		ck_assert_int_eq(store_read(l, 151, 100, &r), TRIB_ERR_OUT_OF_RANGE);
		ck_assert_int_eq(store_read(l, -1, 100, &r), TRIB_ERR_OUT_OF_RANGE);
		ck_assert_int_eq(store_read(l, 150, 100, &r), TRIB_OK);
		ck_assert_uint_eq(r.len, 0);
		/* at least one whole batch even when max_bytes is smaller */
		ck_assert_int_eq(store_read(l, 4, 1, &r), TRIB_OK);
		ck_assert_int_eq(r.first_offset, 3);
		ck_assert_uint_gt(r.len, 1);
	}
	ck_assert_int_eq(store_offset_for_time(l, 1010), 30);
	ck_assert_int_eq(store_offset_for_time(l, 0), 0);
	ck_assert_int_eq(store_offset_for_time(l, 99999), 150);
	store_close(&s);
	ck_assert_ptr_null(s);

	/* everything acknowledged is there after reopening */
	s = open_store(0, STORE_SYNC_ALWAYS);
	ck_assert_int_eq(store_log_open(s, "hub", 0, NULL, NULL, &l), TRIB_OK);
	ck_assert_int_eq(store_durable_end(l), 150);
	ck_assert_int_eq(read_all(l, 0), 150);
	ck_assert_int_eq(append(l, 1, "after", 5000), 150);
	store_close(&s);
}
END_TEST

START_TEST(segments_roll_and_recover)
{
	store_t *s = open_store(2048, STORE_SYNC_ALWAYS);
	store_log_t *l;
	char path[400];
	struct stat st;

	acks.done = acks.failed = 0;
	ck_assert_int_eq(store_log_open(s, "roll", 2, NULL, NULL, &l), TRIB_OK);
	for (int i = 0; i < 200; i++)
		append(l, 2, "a value long enough to roll segments quickly", 1000 + i);
	wait_acks(200);
	ck_assert_int_eq(store_durable_end(l), 400);
	ck_assert_int_eq(read_all(l, 0), 400);
	ck_assert_int_eq(read_all(l, 333), 400);
	ck_assert_int_eq(store_offset_for_time(l, 1150), 300);
	store_close(&s);
	snprintf(path, sizeof(path), "%s/roll/2/00000000000000000000.log", tmp);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_uint_le((uint64_t)st.st_size, 2048 + 200);

	s = open_store(2048, STORE_SYNC_ALWAYS);
	ck_assert_int_eq(store_log_open(s, "roll", 2, NULL, NULL, &l), TRIB_OK);
	ck_assert_int_eq(store_durable_end(l), 400);
	ck_assert_int_eq(read_all(l, 0), 400);
	store_close(&s);
}
END_TEST

START_TEST(relaxed_mode_acks)
{
	store_t *s = open_store(0, STORE_SYNC_RELAXED);
	store_log_t *l;

	acks.done = acks.failed = 0;
	ck_assert_int_eq(store_log_open(s, "relaxed", 0, NULL, NULL, &l), TRIB_OK);
	for (int i = 0; i < 10; i++)
		append(l, 1, "x", 1);
	wait_acks(10);
	ck_assert_int_eq(store_durable_end(l), 10);
	store_close(&s);
}
END_TEST

static void copy_file(const char *from, const char *to)
{
	char cmd[1024];

	snprintf(cmd, sizeof(cmd), "cp %s/%s %s", FIXTURE_DIR, from, to);
	ck_assert_int_eq(system(cmd), 0);
}

/* Puts fixture `name` in place as segment 0 of hub "fx" partition 0, opens it. */
static store_log_t *open_fixture(store_t **s, const char *log, const char *idx)
{
	char dir[400], path[500];
	store_log_t *l;

	snprintf(dir, sizeof(dir), "%s/fx", tmp);
	mkdir(dir, 0755);
	snprintf(dir, sizeof(dir), "%s/fx/0", tmp);
	mkdir(dir, 0755);
	snprintf(path, sizeof(path), "%s/00000000000000000000.log", dir);
	copy_file(log, path);
	if (idx) {
		snprintf(path, sizeof(path), "%s/00000000000000000000.idx", dir);
		copy_file(idx, path);
	}
	*s = open_store(0, STORE_SYNC_ALWAYS);
	ck_assert_int_eq(store_log_open(*s, "fx", 0, NULL, NULL, &l), TRIB_OK);
	return l;
}

static off_t log_size(void)
{
	char path[400];
	struct stat st;

	snprintf(path, sizeof(path), "%s/fx/0/00000000000000000000.log", tmp);
	ck_assert_int_eq(stat(path, &st), 0);
	return st.st_size;
}

START_TEST(recover_good)
{
	store_t *s;
	store_log_t *l = open_fixture(&s, "good.log", NULL);

	ck_assert_int_eq(store_durable_end(l), 4);
	ck_assert_int_eq(read_all(l, 0), 4);
	ck_assert_int_eq(log_size(), 234);
	store_close(&s);
}
END_TEST

START_TEST(recover_torn_tail)
{
	store_t *s;
	store_log_t *l = open_fixture(&s, "torn-tail.log", NULL);

	ck_assert_int_eq(store_durable_end(l), 4);
	ck_assert_int_eq(log_size(), 234);
	ck_assert_int_eq(read_all(l, 0), 4);
	acks.done = 0;
	ck_assert_int_eq(append(l, 1, "new", 5), 4); /* appends continue where the good data ends */
	wait_acks(1);
	ck_assert_int_eq(read_all(l, 0), 5);
	store_close(&s);
}
END_TEST

START_TEST(recover_bad_crc)
{
	store_t *s;
	store_log_t *l = open_fixture(&s, "bad-crc.log", NULL);

	ck_assert_int_eq(store_durable_end(l), 4);
	ck_assert_int_eq(log_size(), 234);
	store_close(&s);
}
END_TEST

START_TEST(recover_truncated_index)
{
	store_t *s;
	store_log_t *l = open_fixture(&s, "torn-tail.log", "truncated-index.idx");

	ck_assert_int_eq(store_durable_end(l), 4);
	ck_assert_int_eq(read_all(l, 2), 4);
	store_close(&s);
}
END_TEST

static int count_hubs(void *arg, const char *name, const char *meta)
{
	int *n = arg;

	ck_assert_str_eq(name, "my.hub-1");
	ck_assert_str_eq(meta, "{\"partitions\": 2}");
	(*n)++;
	return 0;
}

START_TEST(hub_metadata)
{
	store_t *s = open_store(0, STORE_SYNC_ALWAYS);
	int n = 0;

	ck_assert_int_eq(store_hub_save(s, "my.hub-1", "{\"partitions\": 1}"), TRIB_OK);
	ck_assert_int_eq(store_hub_save(s, "my.hub-1", "{\"partitions\": 2}"), TRIB_OK);
	ck_assert_int_eq(store_hub_list(s, count_hubs, &n), TRIB_OK);
	ck_assert_int_eq(n, 1);
	store_close(&s);
}
END_TEST

START_TEST(second_process_refused)
{
	store_t *s = open_store(0, STORE_SYNC_ALWAYS), *s2 = NULL;
	store_opts_t o = {.dir = tmp};

	/* flock is per open file description: a second open in one process conflicts too */
	ck_assert_int_eq(store_open(&o, &s2), TRIB_ERR_IO);
	store_close(&s);
}
END_TEST

int main(void)
{
	Suite *su = suite_create("store");
	TCase *t = tcase_create("log");
	TCase *rec = tcase_create("recovery");
	SRunner *r;
	int failed;

	tcase_add_checked_fixture(t, setup, teardown);
	tcase_add_checked_fixture(rec, setup, teardown);
	tcase_set_timeout(t, 60);
	tcase_add_test(t, append_ack_read);
	tcase_add_test(t, segments_roll_and_recover);
	tcase_add_test(t, relaxed_mode_acks);
	tcase_add_test(t, hub_metadata);
	tcase_add_test(t, second_process_refused);
	tcase_add_test(rec, recover_good);
	tcase_add_test(rec, recover_torn_tail);
	tcase_add_test(rec, recover_bad_crc);
	tcase_add_test(rec, recover_truncated_index);
	suite_add_tcase(su, t);
	suite_add_tcase(su, rec);
	r = srunner_create(su);
	srunner_run_all(r, CK_NORMAL);
	failed = srunner_ntests_failed(r);
	srunner_free(r);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
