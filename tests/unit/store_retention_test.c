/*
 * Retention, segment policy and CreateTime append times (storage/store.h
 * interface version 2, core/part.h part_set_policy): segments removed by
 * size and by age with an injected clock, the log start moving durably and
 * surviving a reopen and a crash in the middle of a removal, a range over a
 * removed segment still readable, removed files closed after their grace
 * period; CreateTime batches stored byte for byte with their append times
 * kept, synced and rebuilt; time lookups over non-monotonic timestamps.
 */
#include "store.h"

#include <check.h>
#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "mem.h"
#include "part.h"
#include "rb.h"
#include "wire.h"

static char tmp[256];
static _Atomic int64_t fake_now = 1000000;

static int64_t fake_clock(void *arg)
{
	(void)arg;
	return atomic_load(&fake_now);
}

static void setup(void)
{
	strcpy(tmp, "/tmp/trib-retention-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmp));
	atomic_store(&fake_now, 1000000);
}

static void teardown(void)
{
	char cmd[300];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmp);
	(void)!system(cmd);
}

static store_t *open_store(uint32_t grace_ms)
{
	store_opts_t o = {.dir = tmp, .sync_mode = STORE_SYNC_ALWAYS, .index_interval_bytes = 256,
			  .retention_check_ms = 10, .retired_grace_ms = grace_ms,
			  .clock = fake_clock};
	store_t *s;

	ck_assert_int_eq(store_open(&o, &s), TRIB_OK);
	return s;
}

static void set_policy(store_log_t *l, int64_t ret_ms, int64_t ret_bytes, uint64_t seg_bytes,
		       int64_t seg_ms)
{
	store_policy_t p = {ret_ms, ret_bytes, seg_bytes, seg_ms};

	store_log_set_policy(l, &p);
}

static uint8_t *make_batch(int n, const char *value, int64_t ts, size_t *len)
{
	rb_builder_t b;
	uint8_t *out;

	rb_builder_init(&b, ts);
	for (int i = 0; i < n; i++)
		ck_assert_int_eq(rb_builder_add(&b, ts, TRIB_SLICE_NULL, slice_from_cstr(value),
						NULL, 0),
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
	ck_assert_int_eq(acks.failed, 0);
	pthread_mutex_unlock(&acks.lock);
}

/* Appends one batch of n records stamped as asked; returns its base offset, *at its append time. */
static int64_t append(store_log_t *l, int n, int64_t ts, store_stamp_t stamp, int64_t *at)
{
	size_t len;
	uint8_t *b = make_batch(n, "a value of some forty bytes, give or take", ts, &len);
	int64_t base = -1, t = -1;

	ck_assert_int_eq(store_append_stamp(l, b, len, stamp, on_done, &acks, &base, &t), TRIB_OK);
	mem_free(b);
	if (at)
		*at = t;
	return base;
}

static void sleep_ms(int ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000};

	nanosleep(&ts, NULL);
}

/* Waits (up to 5 s) until the log start reaches at least @p want. */
static int64_t wait_start(store_log_t *l, int64_t want)
{
	for (int i = 0; i < 500 && store_start(l) < want; i++)
		sleep_ms(10);
	return store_start(l);
}

static char *part_dir(const char *hub, int part)
{
	static char dir[400];

	snprintf(dir, sizeof(dir), "%s/%s/%d", tmp, hub, part);
	return dir;
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

/* Base offsets of the segment files with extension @p ext in @p dir, sorted; returns how many. */
static size_t list_files(const char *dir, const char *ext, int64_t *bases, size_t max)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	size_t n = 0;

	ck_assert_ptr_nonnull(d);
	while ((e = readdir(d))) {
		char *end;
		long long v = strtoll(e->d_name, &end, 10);

		if (end != e->d_name && end[0] == '.' && strcmp(end + 1, ext) == 0 && n < max)
			bases[n++] = v;
	}
	closedir(d);
	qsort(bases, n, sizeof(*bases), cmp_i64);
	return n;
}

static off_t file_size(const char *dir, int64_t base, const char *ext)
{
	char path[600];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%020lld.%s", dir, (long long)base, ext);
	return stat(path, &st) == 0 ? st.st_size : -1;
}

/* Reads every record from @p from to the end, checking contiguity; returns the end. */
static int64_t read_all(store_log_t *l, int64_t from)
{
	int64_t next = from;

	for (;;) {
		store_range_t r;
		uint8_t *buf;
		size_t at = 0;

		ck_assert_int_eq(store_read(l, next, 4096, &r), TRIB_OK);
		if (r.len == 0)
			return next;
		buf = mem_alloc(MEM_CORE, r.len);
		ck_assert_int_eq(store_read_copy(&r, buf), TRIB_OK);
		while (at < r.len) {
			rb_header_t h;

			ck_assert_int_eq(rb_header_parse(buf + at, r.len - at, &h), TRIB_OK);
			ck_assert_int_eq(rb_check(buf + at, rb_size(&h), &h), TRIB_OK);
			ck_assert_int_le(h.base_offset, next);
			ck_assert_int_ge(h.base_offset + h.last_offset_delta, next);
			next = h.base_offset + h.last_offset_delta + 1;
			at += rb_size(&h);
		}
		mem_free(buf);
	}
}

START_TEST(retention_by_bytes)
{
	store_t *s = open_store(0);
	store_log_t *l;
	int64_t bases[256], end, start, total = 0;
	size_t n, m;
	store_range_t r;
	char *dir = part_dir("rb", 0);

	acks.done = acks.failed = 0;
	ck_assert_int_eq(store_log_open(s, "rb", 0, NULL, NULL, &l), TRIB_OK);
	set_policy(l, -1, -1, 1024, -1);
	for (int i = 0; i < 60; i++)
		append(l, 2, 1, STORE_STAMP_LOG_APPEND, NULL);
	wait_acks(60);
	end = store_durable_end(l);
	ck_assert_int_eq(end, 120);
	n = list_files(dir, "log", bases, 256);
	ck_assert_uint_gt(n, 4);
	sleep_ms(50);
	ck_assert_int_eq(store_start(l), 0); /* no limit: nothing goes */

	set_policy(l, -1, 2500, 1024, -1);
	start = wait_start(l, 1);
	ck_assert_int_gt(start, 0);
	sleep_ms(50); /* one pass removes all it may; later ones find nothing */
	ck_assert_int_eq(store_start(l), start);
	m = list_files(dir, "log", bases, 256);
	ck_assert_uint_lt(m, n);
	ck_assert_int_eq(bases[0], start);
	for (size_t i = 0; i < m; i++)
		total += file_size(dir, bases[i], "log");
	/* Kafka's rule: stop when removing the oldest would go below retention.bytes */
	ck_assert_int_ge(total, 2500);
	ck_assert_int_lt(total - file_size(dir, bases[0], "log"), 2500);
	ck_assert_int_eq(file_size(dir, 0, "log"), -1);
	ck_assert_int_eq(file_size(dir, 0, "idx"), -1);
	ck_assert_int_eq(store_read(l, start - 1, 100, &r), TRIB_ERR_OUT_OF_RANGE);
	ck_assert_int_eq(read_all(l, start), end);
	ck_assert_int_eq(store_offset_for_time(l, 0), start);
	store_close(&s);

	/* the start is durable */
	s = open_store(0);
	ck_assert_int_eq(store_log_open(s, "rb", 0, NULL, NULL, &l), TRIB_OK);
	ck_assert_int_eq(store_start(l), start);
	ck_assert_int_eq(store_durable_end(l), end);
	ck_assert_int_eq(read_all(l, start), end);
	store_close(&s);
}
END_TEST

START_TEST(retention_by_time)
{
	store_t *s = open_store(0);
	store_log_t *l;
	int64_t bases[256], at[40], end, start, cutoff, want = -1;
	size_t n;
	char *dir = part_dir("rt", 0);

	acks.done = acks.failed = 0;
	ck_assert_int_eq(store_log_open(s, "rt", 0, NULL, NULL, &l), TRIB_OK);
	set_policy(l, -1, -1, 1024, -1);
	for (int i = 0; i < 40; i++) {
		atomic_store(&fake_now, 1000000 + i * 10);
		ck_assert_int_eq(append(l, 1, 5, STORE_STAMP_LOG_APPEND, &at[i]), i);
		ck_assert_int_eq(at[i], 1000000 + i * 10);
	}
	wait_acks(40);
	end = store_durable_end(l);
	n = list_files(dir, "log", bases, 256);
	ck_assert_uint_gt(n, 3);
	ck_assert_int_eq(store_last_append_time(l), 1000390);

	/* a closed segment goes when its last batch was appended before now - retention_ms */
	atomic_store(&fake_now, 1000390 + 50);
	cutoff = 1000390 + 50 - 200;
	for (size_t i = 0; i + 1 < n && want < 0; i++)
		if (at[bases[i + 1] - 1] >= cutoff)
			want = bases[i];
	if (want < 0)
		want = bases[n - 1];
	ck_assert_int_gt(want, 0);
	set_policy(l, 200, -1, 1024, -1);
	start = wait_start(l, want);
	ck_assert_int_eq(start, want);
	sleep_ms(50);
	ck_assert_int_eq(store_start(l), want);
	ck_assert_int_eq(read_all(l, start), end);

	/* much later every closed segment goes, never the active one */
	atomic_store(&fake_now, 9000000);
	start = wait_start(l, bases[n - 1]);
	ck_assert_int_eq(start, bases[n - 1]);
	ck_assert_uint_eq(list_files(dir, "log", bases, 256), 1);
	ck_assert_int_eq(read_all(l, start), end);
	ck_assert_int_eq(store_offset_for_append_time(l, 0), start);
	ck_assert_int_eq(store_offset_for_append_time(l, 1000390), 39);
	ck_assert_int_eq(store_offset_for_append_time(l, 1000391), end);

	/* appends go on after the start */
	ck_assert_int_eq(append(l, 1, 5, STORE_STAMP_LOG_APPEND, NULL), end);
	wait_acks(41);
	store_close(&s);
}
END_TEST

START_TEST(segment_ms_rolls)
{
	store_t *s = open_store(0);
	store_log_t *l;
	int64_t bases[16];
	char *dir = part_dir("sm", 0);

	acks.done = acks.failed = 0;
	ck_assert_int_eq(store_log_open(s, "sm", 0, NULL, NULL, &l), TRIB_OK);
	set_policy(l, -1, -1, 0, 100);
	append(l, 1, 5, STORE_STAMP_LOG_APPEND, NULL);
	atomic_store(&fake_now, 1000099);
	append(l, 1, 5, STORE_STAMP_LOG_APPEND, NULL);
	ck_assert_uint_eq(list_files(dir, "log", bases, 16), 1);
	atomic_store(&fake_now, 1000100);
	ck_assert_int_eq(append(l, 1, 5, STORE_STAMP_LOG_APPEND, NULL), 2);
	ck_assert_uint_eq(list_files(dir, "log", bases, 16), 2);
	ck_assert_int_eq(bases[1], 2);
	/* the new segment's age counts from its own first batch */
	atomic_store(&fake_now, 1000150);
	append(l, 1, 5, STORE_STAMP_LOG_APPEND, NULL);
	ck_assert_uint_eq(list_files(dir, "log", bases, 16), 2);
	wait_acks(4);
	store_close(&s);

	/* the first append time of a segment is recovered: still old enough to roll */
	s = open_store(0);
	ck_assert_int_eq(store_log_open(s, "sm", 0, NULL, NULL, &l), TRIB_OK);
	set_policy(l, -1, -1, 0, 100);
	atomic_store(&fake_now, 1000200);
	ck_assert_int_eq(append(l, 1, 5, STORE_STAMP_LOG_APPEND, NULL), 4);
	ck_assert_uint_eq(list_files(dir, "log", bases, 16), 3);
	wait_acks(5);
	store_close(&s);
}
END_TEST

START_TEST(range_over_removed_segment)
{
	store_t *s = open_store(0);
	store_log_t *l;
	store_range_t r;
	uint8_t *before, *after;
	int64_t start;
	char *dir = part_dir("rr", 0);

	acks.done = acks.failed = 0;
	ck_assert_int_eq(store_log_open(s, "rr", 0, NULL, NULL, &l), TRIB_OK);
	set_policy(l, -1, -1, 512, -1);
	for (int i = 0; i < 20; i++)
		append(l, 1, 5, STORE_STAMP_CREATE, NULL);
	wait_acks(20);
	ck_assert_int_eq(store_read(l, 0, 100000, &r), TRIB_OK);
	ck_assert_uint_gt(r.len, 0);
	before = mem_alloc(MEM_CORE, r.len);
	after = mem_alloc(MEM_CORE, r.len);
	ck_assert_int_eq(store_read_copy(&r, before), TRIB_OK);

	set_policy(l, -1, 0, 512, -1);
	start = wait_start(l, 1);
	ck_assert_int_gt(start, 0);
	ck_assert_int_eq(file_size(dir, 0, "log"), -1);
	ck_assert_int_eq(file_size(dir, 0, "tix"), -1);
	/* the reader's range still reads the same bytes (unlinked, not closed) */
	ck_assert_int_eq(store_read_copy(&r, after), TRIB_OK);
	ck_assert_mem_eq(before, after, r.len);
	/* and the append time of a batch in it is still known */
	{
		int64_t ms;

		ck_assert_int_eq(store_batch_append_time(l, 0, &ms), TRIB_OK);
		ck_assert_int_eq(ms, 1000000);
	}
	ck_assert_int_eq(store_read(l, 0, 100, &r), TRIB_ERR_OUT_OF_RANGE);
	mem_free(before);
	mem_free(after);
	store_close(&s);
}
END_TEST

static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int n = 0;

	ck_assert_ptr_nonnull(d);
	while ((e = readdir(d)))
		n += e->d_name[0] != '.';
	closedir(d);
	return n;
}

START_TEST(removed_files_closed)
{
	store_t *s = open_store(30);
	store_log_t *l;
	store_range_t r;
	int64_t bases[64];
	size_t n;
	int fds;
	uint8_t *buf;

	acks.done = acks.failed = 0;
	ck_assert_int_eq(store_log_open(s, "fc", 0, NULL, NULL, &l), TRIB_OK);
	set_policy(l, -1, -1, 512, -1);
	for (int i = 0; i < 20; i++)
		append(l, 1, 5, STORE_STAMP_LOG_APPEND, NULL);
	wait_acks(20);
	n = list_files(part_dir("fc", 0), "log", bases, 64);
	ck_assert_uint_gt(n, 2);
	fds = count_fds();
	/* a held range keeps its segment open past the grace period */
	ck_assert_int_eq(store_read(l, 0, 100, &r), TRIB_OK);
	store_range_hold(&r);
	buf = mem_alloc(MEM_CORE, r.len);
	set_policy(l, -1, 0, 512, -1);
	ck_assert_int_eq(wait_start(l, bases[n - 1]), bases[n - 1]);
	sleep_ms(200); /* past the 30 ms grace: the retention thread closes the others */
	ck_assert_int_le(count_fds(), fds - 2 * (int)(n - 2));
	ck_assert_int_gt(count_fds(), fds - 2 * (int)(n - 1));
	ck_assert_int_eq(store_read_copy(&r, buf), TRIB_OK);
	ck_assert_int_eq((int64_t)wire_load_u64(buf), 0);
	store_range_release(&r);
	sleep_ms(100);
	ck_assert_int_le(count_fds(), fds - 2 * (int)(n - 1));
	mem_free(buf);
	store_close(&s);
}
END_TEST

START_TEST(crash_during_removal)
{
	store_t *s = open_store(0);
	store_log_t *l;
	int64_t bases[64], end;
	size_t n;
	char *dir = part_dir("cr", 0), path[600];
	FILE *f;

	acks.done = acks.failed = 0;
	ck_assert_int_eq(store_log_open(s, "cr", 0, NULL, NULL, &l), TRIB_OK);
	set_policy(l, -1, -1, 512, -1);
	for (int i = 0; i < 30; i++)
		append(l, 1, 5, STORE_STAMP_LOG_APPEND, NULL);
	wait_acks(30);
	end = store_durable_end(l);
	store_close(&s);
	n = list_files(dir, "log", bases, 64);
	ck_assert_uint_gt(n, 3);

	/* the start file was written, then only segment 1's log went before the crash */
	snprintf(path, sizeof(path), "%s/log-start", dir);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fprintf(f, "%lld\n", (long long)bases[2]);
	fclose(f);
	snprintf(path, sizeof(path), "%s/%020lld.log", dir, (long long)bases[1]);
	ck_assert_int_eq(unlink(path), 0);

	s = open_store(0);
	ck_assert_int_eq(store_log_open(s, "cr", 0, NULL, NULL, &l), TRIB_OK);
	ck_assert_int_eq(store_start(l), bases[2]);
	ck_assert_int_eq(store_durable_end(l), end);
	ck_assert_int_eq(read_all(l, bases[2]), end);
	ck_assert_int_eq(file_size(dir, bases[0], "log"), -1);
	ck_assert_int_eq(file_size(dir, bases[0], "idx"), -1);
	ck_assert_int_eq(file_size(dir, bases[1], "idx"), -1);
	store_close(&s);
}
END_TEST

typedef struct load {
	store_log_t *l;
	_Atomic bool stop;
	_Atomic int64_t read_batches;
} load_t;

/* Appends until told to stop, LogAppendTime and CreateTime in turns. */
static void *load_writer(void *arg)
{
	load_t *ld = arg;

	for (int i = 0; !atomic_load(&ld->stop); i++) {
		atomic_fetch_add(&fake_now, 1);
		append(ld->l, 1, i, i % 50 < 25 ? STORE_STAMP_LOG_APPEND : STORE_STAMP_CREATE, NULL);
		if (i % 64 == 0)
			sleep_ms(1);
	}
	return NULL;
}

/* Reads from the start to the end over and over; a removed range jumps to the new start. */
static void *load_reader(void *arg)
{
	load_t *ld = arg;
	int64_t next = 0;
	uint8_t *buf = mem_alloc(MEM_CORE, 1 << 16);

	while (!atomic_load(&ld->stop)) {
		store_range_t r;
		trib_err_t err = store_read(ld->l, next, 1 << 16, &r);
		rb_header_t h;
		int64_t ms;

		if (err == TRIB_ERR_OUT_OF_RANGE) {
			ck_assert_int_lt(next, store_start(ld->l));
			next = store_start(ld->l);
			continue;
		}
		ck_assert_int_eq(err, TRIB_OK);
		if (r.len == 0) {
			sleep_ms(1);
			continue;
		}
		ck_assert_uint_le(r.len, 1 << 16);
		ck_assert_int_eq(store_read_copy(&r, buf), TRIB_OK);
		ck_assert_int_eq(rb_header_parse(buf, r.len, &h), TRIB_OK);
		ck_assert_int_eq(rb_check(buf, rb_size(&h), &h), TRIB_OK);
		ck_assert_int_le(h.base_offset, next);
		err = store_batch_append_time(ld->l, h.base_offset, &ms);
		ck_assert(err == TRIB_OK || err == TRIB_ERR_NOT_FOUND);
		(void)store_offset_for_time(ld->l, h.max_timestamp);
		(void)store_offset_for_append_time(ld->l, atomic_load(&fake_now) - 10);
		next = h.base_offset + h.last_offset_delta + 1;
		atomic_fetch_add(&ld->read_batches, 1);
	}
	mem_free(buf);
	return NULL;
}

START_TEST(retention_under_load)
{
	store_t *s = open_store(0);
	load_t ld = {0};
	pthread_t w, rd[2];
	int64_t start = 0, got;

	acks.done = acks.failed = 0;
	ck_assert_int_eq(store_log_open(s, "ld", 0, NULL, NULL, &ld.l), TRIB_OK);
	set_policy(ld.l, 50, 4096, 1024, 20);
	ck_assert_int_eq(pthread_create(&w, NULL, load_writer, &ld), 0);
	for (int i = 0; i < 2; i++)
		ck_assert_int_eq(pthread_create(&rd[i], NULL, load_reader, &ld), 0);
	for (int i = 0; i < 30; i++) {
		int64_t end;

		sleep_ms(20);
		end = store_durable_end(ld.l);
		if (end < 3)
			continue;
		/* DeleteRecords racing with retention: the start only moves up */
		ck_assert_int_eq(store_set_start(ld.l, end - 3, &got), TRIB_OK);
		ck_assert_int_ge(got, start);
		start = got;
	}
	atomic_store(&ld.stop, true);
	pthread_join(w, NULL);
	for (int i = 0; i < 2; i++)
		pthread_join(rd[i], NULL);
	ck_assert_int_gt(atomic_load(&ld.read_batches), 0);
	set_policy(ld.l, -1, -1, 1024, -1);
	sleep_ms(50); /* a pass that had started is over */
	ck_assert_int_eq(read_all(ld.l, store_start(ld.l)), store_durable_end(ld.l));
	store_close(&s);
}
END_TEST

/* Builds a one-record CreateTime batch with producer timestamp @p ts. */
static uint8_t *producer_batch(int64_t ts, size_t *len)
{
	return make_batch(1, "from a producer", ts, len);
}

/* Reads the stored batch at @p offset (whole) into a new buffer. */
static uint8_t *stored_batch(store_log_t *l, int64_t offset, size_t *len)
{
	store_range_t r;
	rb_header_t h;
	uint8_t *buf;

	ck_assert_int_eq(store_read(l, offset, 1, &r), TRIB_OK);
	buf = mem_alloc(MEM_CORE, r.len);
	ck_assert_int_eq(store_read_copy(&r, buf), TRIB_OK);
	ck_assert_int_eq(rb_header_parse(buf, r.len, &h), TRIB_OK);
	ck_assert_int_eq(h.base_offset, offset);
	*len = rb_size(&h);
	return buf;
}

static void check_create_time(store_log_t *l, const int64_t *at)
{
	int64_t ms;

	for (int i = 0; i < 3; i++) {
		ck_assert_int_eq(store_batch_append_time(l, i, &ms), TRIB_OK);
		ck_assert_int_eq(ms, at[i]);
	}
	ck_assert_int_eq(store_batch_append_time(l, 3, &ms), TRIB_ERR_OUT_OF_RANGE);
	/* ListOffsets: the producer's timestamps, not monotonic (5000, 3000, 7000) */
	ck_assert_int_eq(store_offset_for_time(l, 0), 0);
	ck_assert_int_eq(store_offset_for_time(l, 4000), 0);
	ck_assert_int_eq(store_offset_for_time(l, 5001), 2);
	ck_assert_int_eq(store_offset_for_time(l, 7000), 2);
	ck_assert_int_eq(store_offset_for_time(l, 7001), 3);
	/* the enqueued-time filter: append times */
	ck_assert_int_eq(store_offset_for_append_time(l, 0), 0);
	ck_assert_int_eq(store_offset_for_append_time(l, at[0]), 0);
	ck_assert_int_eq(store_offset_for_append_time(l, at[0] + 1), 1);
	ck_assert_int_eq(store_offset_for_append_time(l, at[2]), 2);
	ck_assert_int_eq(store_offset_for_append_time(l, at[2] + 1), 3);
	ck_assert_int_eq(store_last_append_time(l), at[2]);
}

START_TEST(create_time_kept)
{
	static const int64_t ts[3] = {5000, 3000, 7000};
	store_t *s = open_store(0);
	store_log_t *l;
	uint8_t *sent[3];
	size_t len[3];
	int64_t at[3];
	char *dir = part_dir("ct", 0);

	acks.done = acks.failed = 0;
	ck_assert_int_eq(store_log_open(s, "ct", 0, NULL, NULL, &l), TRIB_OK);
	for (int i = 0; i < 3; i++) {
		uint8_t *b = producer_batch(ts[i], &len[i]);
		int64_t base;

		sent[i] = mem_alloc(MEM_CORE, len[i]);
		memcpy(sent[i], b, len[i]);
		atomic_store(&fake_now, 2000000 + i * 10);
		ck_assert_int_eq(store_append_stamp(l, b, len[i], STORE_STAMP_CREATE, on_done,
						    &acks, &base, &at[i]),
				 TRIB_OK);
		ck_assert_int_eq(base, i);
		ck_assert_int_eq(at[i], 2000000 + i * 10);
		mem_free(b);
	}
	wait_acks(3);
	for (int i = 0; i < 3; i++) {
		size_t got;
		uint8_t *b = stored_batch(l, i, &got);

		/* byte for byte from batchLength on: CRC, attributes and timestamps as sent */
		ck_assert_uint_eq(got, len[i]);
		ck_assert_mem_eq(b + 8, sent[i] + 8, len[i] - 8);
		ck_assert_int_eq((int64_t)wire_load_u64(b), i);
		mem_free(b);
	}
	check_create_time(l, at);
	store_close(&s);
	ck_assert_int_eq(file_size(dir, 0, "tix"), 3 * 16);

	/* the append times are on disk */
	s = open_store(0);
	ck_assert_int_eq(store_log_open(s, "ct", 0, NULL, NULL, &l), TRIB_OK);
	check_create_time(l, at);
	/* the clock going back does not make append times go back */
	atomic_store(&fake_now, 1);
	{
		int64_t t;

		append(l, 1, 5, STORE_STAMP_CREATE, &t);
		ck_assert_int_eq(t, at[2]);
		wait_acks(4);
	}
	store_close(&s);
	for (int i = 0; i < 3; i++)
		mem_free(sent[i]);
}
END_TEST

START_TEST(create_time_tail_rebuilt)
{
	store_t *s = open_store(0);
	store_log_t *l;
	int64_t at[3], ms;
	char *dir = part_dir("tr", 0), path[600];
	struct timespec times[2] = {{3000, 0}, {3000, 0}}; /* mtime 3000 s = 3000000 ms */
	int fd;
	static const uint8_t junk[16] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

	acks.done = acks.failed = 0;
	ck_assert_int_eq(store_log_open(s, "tr", 0, NULL, NULL, &l), TRIB_OK);
	for (int i = 0; i < 3; i++) {
		atomic_store(&fake_now, 2000000 + i * 10);
		append(l, 1, 5, STORE_STAMP_CREATE, &at[i]);
	}
	wait_acks(3);
	store_close(&s);

	/* a crash kept the last batch but not its .tix entry, and left junk after it */
	snprintf(path, sizeof(path), "%s/%020d.tix", dir, 0);
	ck_assert_int_eq(truncate(path, 2 * 16), 0);
	fd = open(path, O_WRONLY | O_APPEND);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, junk, sizeof(junk)), (ssize_t)sizeof(junk));
	close(fd);
	snprintf(path, sizeof(path), "%s/%020d.log", dir, 0);
	ck_assert_int_eq(utimensat(AT_FDCWD, path, times, 0), 0);

	s = open_store(0);
	ck_assert_int_eq(store_log_open(s, "tr", 0, NULL, NULL, &l), TRIB_OK);
	ck_assert_int_eq(store_batch_append_time(l, 0, &ms), TRIB_OK);
	ck_assert_int_eq(ms, at[0]);
	ck_assert_int_eq(store_batch_append_time(l, 1, &ms), TRIB_OK);
	ck_assert_int_eq(ms, at[1]);
	ck_assert_int_eq(store_batch_append_time(l, 2, &ms), TRIB_OK);
	ck_assert_int_eq(ms, 3000000); /* the log's mtime */
	ck_assert_int_eq(file_size(dir, 0, "tix"), 3 * 16);
	store_close(&s);

	/* an mtime older than the previous entry is raised to it */
	snprintf(path, sizeof(path), "%s/%020d.tix", dir, 0);
	ck_assert_int_eq(truncate(path, 2 * 16), 0);
	times[0].tv_sec = times[1].tv_sec = 1;
	snprintf(path, sizeof(path), "%s/%020d.log", dir, 0);
	ck_assert_int_eq(utimensat(AT_FDCWD, path, times, 0), 0);
	s = open_store(0);
	ck_assert_int_eq(store_log_open(s, "tr", 0, NULL, NULL, &l), TRIB_OK);
	ck_assert_int_eq(store_batch_append_time(l, 2, &ms), TRIB_OK);
	ck_assert_int_eq(ms, at[1]);
	store_close(&s);
}
END_TEST

START_TEST(kind_change_rolls)
{
	store_t *s = open_store(0);
	store_log_t *l;
	int64_t bases[16], ms, at;
	char *dir = part_dir("kc", 0);

	acks.done = acks.failed = 0;
	ck_assert_int_eq(store_log_open(s, "kc", 0, NULL, NULL, &l), TRIB_OK);
	append(l, 1, 5, STORE_STAMP_CREATE, NULL);
	append(l, 1, 5, STORE_STAMP_CREATE, NULL);
	ck_assert_int_eq(file_size(dir, 0, "tix"), 2 * 16);
	atomic_store(&fake_now, 1000500);
	ck_assert_int_eq(append(l, 1, 5, STORE_STAMP_LOG_APPEND, &at), 2);
	ck_assert_uint_eq(list_files(dir, "log", bases, 16), 2);
	ck_assert_int_eq(bases[1], 2);
	ck_assert_int_eq(file_size(dir, 2, "tix"), -1);
	ck_assert_int_eq(store_batch_append_time(l, 2, &ms), TRIB_ERR_NOT_FOUND);
	ck_assert_int_eq(store_batch_append_time(l, 1, &ms), TRIB_OK);
	ck_assert_int_eq(ms, 1000000);
	/* KEEP follows the active segment's kind; CreateTime again starts a timed one */
	append(l, 1, 1000600, STORE_STAMP_KEEP, NULL);
	ck_assert_uint_eq(list_files(dir, "log", bases, 16), 2);
	ck_assert_int_eq(append(l, 1, 5, STORE_STAMP_CREATE, NULL), 4);
	ck_assert_uint_eq(list_files(dir, "log", bases, 16), 3);
	ck_assert_int_eq(file_size(dir, 4, "tix"), 16);
	wait_acks(5);
	ck_assert_int_eq(store_offset_for_append_time(l, 1000001), 2);
	ck_assert_int_eq(store_offset_for_append_time(l, 1000501), 3);
	ck_assert_int_eq(store_offset_for_append_time(l, 1000601), 5);
	{
		size_t len;
		uint8_t *b = stored_batch(l, 2, &len);
		rb_header_t h;

		ck_assert_int_eq(rb_check(b, len, &h), TRIB_OK);
		ck_assert_int_ne(h.attributes & RB_ATTR_LOG_APPEND_TIME, 0);
		ck_assert_int_eq(h.max_timestamp, at);
		mem_free(b);
	}
	store_close(&s);
}
END_TEST

/* The first batch (offset order) whose max timestamp is >= ts, as ListOffsets wants it. */
static int64_t brute_offset_for_time(const int64_t *ts, int n, int64_t t)
{
	for (int i = 0; i < n; i++)
		if (ts[i] >= t)
			return i;
	return n;
}

START_TEST(unordered_timestamps_lookup)
{
	enum { N = 300 };
	store_t *s = open_store(0);
	store_log_t *l;
	int64_t ts[N];
	uint32_t x = 12345;

	acks.done = acks.failed = 0;
	ck_assert_int_eq(store_log_open(s, "ut", 0, NULL, NULL, &l), TRIB_OK);
	set_policy(l, -1, -1, 4096, -1);
	for (int i = 0; i < N; i++) {
		x = x * 1103515245u + 12345u;
		ts[i] = 100000 + (int64_t)((x >> 8) % 50000) + i * 20; /* rising, with jitter */
		ck_assert_int_eq(append(l, 1, ts[i], STORE_STAMP_CREATE, NULL), i);
	}
	wait_acks(N);
	for (int round = 0; round < 2; round++) {
		for (int64_t t = 90000; t < 170000; t += 997)
			ck_assert_int_eq(store_offset_for_time(l, t),
					 brute_offset_for_time(ts, N, t));
		store_close(&s);
		/* and again over the indexes read back from disk */
		s = open_store(0);
		ck_assert_int_eq(store_log_open(s, "ut", 0, NULL, NULL, &l), TRIB_OK);
	}
	store_close(&s);
}
END_TEST

/* ---- through the partition ---- */

static part_t *open_part(store_t *s, const char *hub)
{
	part_t *p;

	ck_assert_int_eq(part_open(s, hub, 0, 1u << 20, &p), TRIB_OK);
	return p;
}

START_TEST(part_policy_create_time)
{
	store_t *s = open_store(0);
	part_t *p = open_part(s, "pp");
	part_policy_t pol = PART_POLICY_DEFAULT;
	size_t len;
	uint8_t *b = producer_batch(4242, &len), *sent = mem_alloc(MEM_CORE, len), *got;
	int64_t base;
	store_range_t r;
	rb_header_t h;

	acks.done = acks.failed = 0;
	memcpy(sent, b, len);
	pol.timestamp_type = PART_TS_CREATE;
	part_set_policy(p, &pol);
	atomic_store(&fake_now, 5000000);
	ck_assert_int_eq(part_append(p, b, len, on_done, &acks, &base), TRIB_OK);
	ck_assert_int_eq(base, 0);
	/* the caller's copy is not stamped either: only the broker fields (offset, epoch) change */
	ck_assert_mem_eq(b + 16, sent + 16, len - 16);
	/* LogAppendTime again: stamped, in a segment of its own */
	pol.timestamp_type = PART_TS_LOG_APPEND;
	part_set_policy(p, &pol);
	atomic_store(&fake_now, 5000100);
	memcpy(b, sent, len);
	ck_assert_int_eq(part_append(p, b, len, on_done, &acks, &base), TRIB_OK);
	ck_assert_int_eq(base, 1);
	wait_acks(2);

	ck_assert_int_eq(part_read(p, 0, 1, &r), TRIB_OK);
	got = mem_alloc(MEM_CORE, r.len);
	ck_assert_int_eq(part_read_copy(p, &r, got), TRIB_OK);
	ck_assert_uint_eq(r.len, len);
	ck_assert_mem_eq(got + 16, sent + 16, len - 16); /* all but the offset and leader epoch */
	ck_assert_int_eq(rb_header_parse(got, r.len, &h), TRIB_OK);
	ck_assert_int_eq(h.max_timestamp, 4242);
	ck_assert_int_eq(part_batch_append_time(p, &h), 5000000);
	mem_free(got);

	ck_assert_int_eq(part_read(p, 1, 1, &r), TRIB_OK);
	got = mem_alloc(MEM_CORE, r.len);
	ck_assert_int_eq(part_read_copy(p, &r, got), TRIB_OK);
	ck_assert_int_eq(rb_check(got, r.len, &h), TRIB_OK);
	ck_assert_int_ne(h.attributes & RB_ATTR_LOG_APPEND_TIME, 0);
	ck_assert_int_eq(h.max_timestamp, 5000100);
	ck_assert_int_eq(part_batch_append_time(p, &h), 5000100);
	mem_free(got);

	ck_assert_int_eq(part_offset_for_time(p, 4242), 0);
	ck_assert_int_eq(part_offset_for_time(p, 4243), 1);
	ck_assert_int_eq(part_offset_for_append_time(p, 5000001), 1);
	ck_assert_int_eq(part_last_append_time(p), 5000100);
	store_close(&s); /* first: the flusher calls back into the partition */
	part_close(&p);
	mem_free(b);
	mem_free(sent);
}
END_TEST

START_TEST(part_policy_retention)
{
	store_t *s = open_store(0);
	part_t *p = open_part(s, "pr");
	part_policy_t pol = PART_POLICY_DEFAULT;

	acks.done = acks.failed = 0;
	pol.segment_bytes = 14; /* Kafka's minimum: every batch rolls */
	part_set_policy(p, &pol);
	for (int i = 0; i < 10; i++) {
		size_t len;
		uint8_t *b = producer_batch(1, &len);
		int64_t base;

		ck_assert_int_eq(part_append(p, b, len, on_done, &acks, &base), TRIB_OK);
		mem_free(b);
	}
	wait_acks(10);
	pol.retention_ms = 1000;
	part_set_policy(p, &pol);
	atomic_store(&fake_now, 1000000 + 1001);
	for (int i = 0; i < 500 && part_log_start(p) < 9; i++)
		sleep_ms(10);
	ck_assert_int_eq(part_log_start(p), 9); /* one batch per segment: only the active stays */
	store_close(&s); /* first: the flusher calls back into the partition */
	part_close(&p);
}
END_TEST

int main(void)
{
	Suite *su = suite_create("store_retention");
	TCase *ret = tcase_create("retention");
	TCase *ct = tcase_create("create_time");
	TCase *part = tcase_create("part");
	SRunner *r;
	int failed;

	tcase_add_checked_fixture(ret, setup, teardown);
	tcase_add_checked_fixture(ct, setup, teardown);
	tcase_add_checked_fixture(part, setup, teardown);
	tcase_set_timeout(ret, 60);
	tcase_set_timeout(ct, 60);
	tcase_set_timeout(part, 60);
	tcase_add_test(ret, retention_by_bytes);
	tcase_add_test(ret, retention_by_time);
	tcase_add_test(ret, segment_ms_rolls);
	tcase_add_test(ret, range_over_removed_segment);
	tcase_add_test(ret, removed_files_closed);
	tcase_add_test(ret, crash_during_removal);
	tcase_add_test(ret, retention_under_load);
	tcase_add_test(ct, create_time_kept);
	tcase_add_test(ct, create_time_tail_rebuilt);
	tcase_add_test(ct, kind_change_rolls);
	tcase_add_test(ct, unordered_timestamps_lookup);
	tcase_add_test(part, part_policy_create_time);
	tcase_add_test(part, part_policy_retention);
	suite_add_tcase(su, ret);
	suite_add_tcase(su, ct);
	suite_add_tcase(su, part);
	r = srunner_create(su);
	srunner_run_all(r, CK_NORMAL);
	failed = srunner_ntests_failed(r);
	srunner_free(r);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
