/* core: namespace, hubs and partitions over a real store in a temporary directory. */
#include "ns.h"

#include <check.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mem.h"
#include "rb.h"

static char tmp[256];
static store_t *store;
static ns_t *ns;

static void open_all(void)
{
	store_opts_t so = {.dir = tmp};
	ns_opts_t no = {.name = "test", .auto_create = true, .default_partitions = 3};

	ck_assert_int_eq(store_open(&so, &store), TRIB_OK);
	ck_assert_int_eq(ns_open(store, &no, &ns), TRIB_OK);
}

static void close_all(void)
{
	store_close(&store);
	ns_close(&ns);
}

static void setup(void)
{
	strcpy(tmp, "/tmp/trib-core-XXXXXX");
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

typedef struct sig {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int count;
	trib_err_t last;
} sig_t_;

static sig_t_ sig = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, TRIB_OK};

static void bump(void *arg, trib_err_t err)
{
	sig_t_ *s = arg;

	pthread_mutex_lock(&s->lock);
	s->count++;
	s->last = err;
	pthread_cond_broadcast(&s->cond);
	pthread_mutex_unlock(&s->lock);
}

static void woken(void *arg)
{
	bump(arg, TRIB_OK);
}

static void wait_count(int n)
{
	pthread_mutex_lock(&sig.lock);
	while (sig.count < n)
		pthread_cond_wait(&sig.cond, &sig.lock);
	pthread_mutex_unlock(&sig.lock);
}

static uint8_t *batch_of(const char *value, size_t *len)
{
	rb_builder_t b;
	uint8_t *out;

	rb_builder_init(&b, 1);
	ck_assert_int_eq(rb_builder_add(&b, 1, TRIB_SLICE_NULL, slice_from_cstr(value), NULL, 0),
			 TRIB_OK);
	ck_assert_int_eq(rb_builder_finish(&b, &out, len), TRIB_OK);
	return out;
}

START_TEST(hubs_created_and_persisted)
{
	const char *cgs[] = {"cg1"};
	ns_hub_spec_t spec = {"eh1", 4, cgs, 1};
	ns_hub_spec_t kafka = {"orders.v1", 2, NULL, 0};
	hub_t *h, *again;
	hub_t **list;
	size_t n;

	ck_assert_int_eq(ns_hub_declare(ns, &spec), TRIB_OK);
	ck_assert_int_eq(ns_hub_create(ns, &kafka, &h), TRIB_OK);
	ck_assert_int_eq(ns_hub_create(ns, &kafka, &again), TRIB_ERR_EXISTS);
	ck_assert_ptr_eq(h, again);
	h = ns_hub_find(ns, slice_from_cstr("eh1"));
	ck_assert_ptr_nonnull(h);
	ck_assert_int_eq(hub_partition_count(h), 4);
	ck_assert(hub_has_consumer_group(h, slice_from_cstr("$default")));
	ck_assert(hub_has_consumer_group(h, slice_from_cstr("CG1")));
	ck_assert(!hub_has_consumer_group(h, slice_from_cstr("cg2")));
	ck_assert_ptr_null(hub_partition(h, 4));
	ck_assert_ptr_null(ns_hub_find(ns, slice_from_cstr("EH1")));

	close_all();
	open_all();
	ck_assert_int_eq(ns_hub_list(ns, &list, &n), TRIB_OK);
	ck_assert_uint_eq(n, 2);
	ck_assert_str_eq(hub_name(list[0]), "eh1");
	ck_assert_str_eq(hub_name(list[1]), "orders.v1");
	ck_assert(hub_has_consumer_group(list[0], slice_from_cstr("cg1")));
	ck_assert_int_eq(hub_partition_count(list[1]), 2);
	mem_free(list);

	/* the config may grow a hub, never shrink it */
	spec.partitions = 6;
	ck_assert_int_eq(ns_hub_declare(ns, &spec), TRIB_OK);
	spec.partitions = 2;
	ck_assert_int_eq(ns_hub_declare(ns, &spec), TRIB_OK);
	ck_assert_int_eq(hub_partition_count(ns_hub_find(ns, slice_from_cstr("eh1"))), 6);
}
END_TEST

START_TEST(invalid_hubs_refused)
{
	static const char *bad[] = {"", "a/b", "..", "sp ace", "ü", "__internal"};
	hub_t *h;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ns_hub_spec_t spec = {bad[i], 1, NULL, 0};

		ck_assert_int_eq(ns_hub_create(ns, &spec, &h), TRIB_ERR_INVALID);
	}
	ck_assert_int_eq(ns_hub_create(ns, &(ns_hub_spec_t){"ok", 0, NULL, 0}, &h), TRIB_ERR_INVALID);
	ck_assert_int_eq(ns_hub_create(ns, &(ns_hub_spec_t){"ok", HUB_MAX_PARTITIONS + 1, NULL, 0}, &h),
			 TRIB_ERR_INVALID);
}
END_TEST

START_TEST(internal_hubs_hidden)
{
	hub_t *h, *again, **list;
	size_t n;

	ck_assert_int_eq(ns_internal_hub(ns, "user-name", 1, &h), TRIB_ERR_INVALID);
	ck_assert_int_eq(ns_internal_hub(ns, "__log", 1, &h), TRIB_OK);
	ck_assert_int_eq(ns_internal_hub(ns, "__log", 1, &again), TRIB_OK);
	ck_assert_ptr_eq(h, again);
	ck_assert_ptr_null(ns_hub_find(ns, slice_from_cstr("__log")));
	ck_assert_int_eq(ns_hub_list(ns, &list, &n), TRIB_OK);
	ck_assert_uint_eq(n, 0);
	mem_free(list);
}
END_TEST

START_TEST(append_wakes_waiter)
{
	hub_t *h;
	part_t *p;
	part_waiter_t w = {.wake = woken, .arg = &sig, .offset = 0};
	size_t len;
	uint8_t *b = batch_of("hello", &len);
	int64_t base;
	rb_header_t hdr;

	sig.count = 0;
	ck_assert_int_eq(ns_hub_create(ns, &(ns_hub_spec_t){"w", 1, NULL, 0}, &h), TRIB_OK);
	p = hub_partition(h, 0);
	ck_assert(part_wait(p, &w));
	ck_assert_int_eq(part_append(p, b, len, bump, &sig, &base), TRIB_OK);
	ck_assert_int_eq(base, 0);
	wait_count(2); /* the waiter and the completion */
	ck_assert(!w.armed);
	ck_assert_int_eq(part_high_watermark(p), 1);
	ck_assert(!part_wait(p, &w)); /* data past offset 0 is there now */
	w.offset = 1;
	ck_assert(part_wait(p, &w));
	part_unwait(p, &w);
	ck_assert(!w.armed);
	/* the core stamped LogAppendTime */
	ck_assert_int_eq(rb_check(b, len, &hdr), TRIB_OK);
	ck_assert(hdr.attributes & RB_ATTR_LOG_APPEND_TIME);
	ck_assert_int_ge(part_last_append_time(p), hdr.max_timestamp);
	mem_free(b);
}
END_TEST

START_TEST(bad_batches_refused)
{
	hub_t *h;
	part_t *p;
	size_t len;
	uint8_t *b = batch_of("hello", &len);
	int64_t base;

	ck_assert_int_eq(ns_hub_create(ns, &(ns_hub_spec_t){"bad", 1, NULL, 0}, &h), TRIB_OK);
	p = hub_partition(h, 0);
	b[len - 1] ^= 1;
	ck_assert_int_eq(part_append(p, b, len, bump, &sig, &base), TRIB_ERR_CORRUPT);
	b[len - 1] ^= 1;
	ck_assert_int_eq(part_append(p, b, len - 1, bump, &sig, &base), TRIB_ERR_INVALID);
	wire_store_u16(b + 21, 0x10); /* transactional */
	rb_stamp_append_time(b, len, 1);
	ck_assert_int_eq(part_append(p, b, len, bump, &sig, &base), TRIB_ERR_UNSUPPORTED);
	ck_assert_int_eq(part_high_watermark(p), 0);
	mem_free(b);
}
END_TEST

START_TEST(round_robin_and_keys)
{
	hub_t *h;
	int seen[4] = {0};

	ck_assert_int_eq(ns_hub_create(ns, &(ns_hub_spec_t){"rr", 4, NULL, 0}, &h), TRIB_OK);
	for (int i = 0; i < 8; i++)
		seen[hub_pick_partition(h, TRIB_SLICE_NULL)]++;
	for (int i = 0; i < 4; i++)
		ck_assert_int_eq(seen[i], 2);
	/* "hello world" -> 3 of 4 with the Event Hubs hash (pkey_test.c vectors) */
	ck_assert_int_eq(hub_pick_partition(h, slice_from_cstr("hello world")), 3);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("core");
	TCase *t = tcase_create("namespace");
	SRunner *r;
	int failed;

	tcase_add_checked_fixture(t, setup, teardown);
	tcase_add_test(t, hubs_created_and_persisted);
	tcase_add_test(t, invalid_hubs_refused);
	tcase_add_test(t, internal_hubs_hidden);
	tcase_add_test(t, append_wakes_waiter);
	tcase_add_test(t, bad_batches_refused);
	tcase_add_test(t, round_robin_and_keys);
	suite_add_tcase(s, t);
	r = srunner_create(s);
	srunner_run_all(r, CK_NORMAL);
	failed = srunner_ntests_failed(r);
	srunner_free(r);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
