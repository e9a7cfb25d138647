/*
 * core + storage under concurrency (run under ThreadSanitizer by
 * scripts/test.sh): appenders on several threads, readers following the
 * high watermark with waiters, and waiters armed and disarmed while the
 * flusher fires them.
 */
#include "ns.h"

#include <check.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mem.h"
#include "rb.h"

#define THREADS 4
#define BATCHES 300

static char tmp[256];
static store_t *store;
static ns_t *ns;
static hub_t *hub;
static _Atomic int acked;
static _Atomic int failed;

static void on_done(void *arg, trib_err_t err)
{
	(void)arg;
	if (err)
		atomic_fetch_add(&failed, 1);
	atomic_fetch_add(&acked, 1);
}

static void *appender(void *arg)
{
	int id = (int)(intptr_t)arg;

	for (int i = 0; i < BATCHES; i++) {
		rb_builder_t b;
		uint8_t *buf;
		size_t len;
		int64_t base;
		char value[32];
		trib_err_t err;

		snprintf(value, sizeof(value), "t%d-%d", id, i);
		rb_builder_init(&b, 1);
		err = rb_builder_add(&b, 1, TRIB_SLICE_NULL, slice_from_cstr(value), NULL, 0);
		if (!err)
			err = rb_builder_finish(&b, &buf, &len);
		ck_assert_int_eq(err, TRIB_OK);
		/* two threads share partition 0, the others have their own */
		ck_assert_int_eq(part_append(hub_partition(hub, id < 2 ? 0 : id - 1), buf, len, on_done,
					     NULL, &base), TRIB_OK);
		mem_free(buf);
	}
	return NULL;
}

typedef struct follower {
	part_t *part;
	int64_t want;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool woken;
	part_waiter_t w;
} follower_t;

static void wake(void *arg)
{
	follower_t *f = arg;

	pthread_mutex_lock(&f->lock);
	f->woken = true;
	pthread_cond_signal(&f->cond);
	pthread_mutex_unlock(&f->lock);
}

/* Reads partition 0 to the end with waiters, as a Kafka fetch or AMQP link would. */
static void *reader(void *arg)
{
	follower_t *f = arg;
	int64_t next = 0;

	while (next < f->want) {
		store_range_t r;

		ck_assert_int_eq(part_read(f->part, next, 4096, &r), TRIB_OK);
		if (r.len) {
			uint8_t *buf = mem_alloc(MEM_CORE, r.len);
			size_t at = 0;

			ck_assert_int_eq(part_read_copy(f->part, &r, buf), TRIB_OK);
			while (at < r.len) {
				rb_header_t h;

				ck_assert_int_eq(rb_header_parse(buf + at, r.len - at, &h), TRIB_OK);
				next = h.base_offset + h.last_offset_delta + 1;
				at += rb_size(&h);
			}
			mem_free(buf);
			continue;
		}
		f->w.offset = next - 1;
		pthread_mutex_lock(&f->lock);
		f->woken = false;
		pthread_mutex_unlock(&f->lock);
		if (!part_wait(f->part, &f->w))
			continue;
		pthread_mutex_lock(&f->lock);
		while (!f->woken)
			pthread_cond_wait(&f->cond, &f->lock);
		pthread_mutex_unlock(&f->lock);
	}
	return NULL;
}

/* Arms and disarms a waiter as fast as it can: the close path of a head. */
static void *churner(void *arg)
{
	part_t *p = arg;
	part_waiter_t w = {.wake = wake, .offset = INT64_MAX - 1};
	follower_t dummy = {.lock = PTHREAD_MUTEX_INITIALIZER, .cond = PTHREAD_COND_INITIALIZER};

	w.arg = &dummy;
	while (atomic_load(&acked) < THREADS * BATCHES) {
		w.offset = part_high_watermark(p);
		(void)part_wait(p, &w);
		part_unwait(p, &w);
	}
	return NULL;
}

START_TEST(appenders_readers_waiters)
{
	store_opts_t so = {.dir = tmp};
	ns_opts_t no = {.name = "t"};
	pthread_t th[THREADS], rd, ch;
	follower_t f = {.lock = PTHREAD_MUTEX_INITIALIZER, .cond = PTHREAD_COND_INITIALIZER};

	strcpy(tmp, "/tmp/trib-conc-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmp));
	ck_assert_int_eq(store_open(&so, &store), TRIB_OK);
	ck_assert_int_eq(ns_open(store, &no, &ns), TRIB_OK);
	ck_assert_int_eq(ns_hub_create(ns, &(ns_hub_spec_t){"c", THREADS - 1, NULL, 0}, &hub),
			 TRIB_OK);
	f.part = hub_partition(hub, 0);
	f.want = 2 * BATCHES;
	f.w.wake = wake;
	f.w.arg = &f;
	pthread_create(&rd, NULL, reader, &f);
	pthread_create(&ch, NULL, churner, hub_partition(hub, 1));
	for (int i = 0; i < THREADS; i++)
		pthread_create(&th[i], NULL, appender, (void *)(intptr_t)i);
	for (int i = 0; i < THREADS; i++)
		pthread_join(th[i], NULL);
	pthread_join(rd, NULL);
	pthread_join(ch, NULL);
	while (atomic_load(&acked) < THREADS * BATCHES)
		usleep(1000);
	ck_assert_int_eq(atomic_load(&failed), 0);
	ck_assert_int_eq(part_high_watermark(hub_partition(hub, 0)), 2 * BATCHES);
	ck_assert_int_eq(part_high_watermark(hub_partition(hub, 2)), BATCHES);
	store_close(&store);
	ns_close(&ns);
	{
		char cmd[300];

		snprintf(cmd, sizeof(cmd), "rm -rf %s", tmp);
		(void)!system(cmd);
	}
}
END_TEST

int main(void)
{
	Suite *s = suite_create("concurrency");
	TCase *t = tcase_create("core+storage");
	SRunner *r;
	int failed_tests;

	tcase_set_timeout(t, 120);
	tcase_add_test(t, appenders_readers_waiters);
	suite_add_tcase(s, t);
	r = srunner_create(s);
	srunner_run_all(r, CK_NORMAL);
	failed_tests = srunner_ntests_failed(r);
	srunner_free(r);
	return failed_tests ? EXIT_FAILURE : EXIT_SUCCESS;
}
