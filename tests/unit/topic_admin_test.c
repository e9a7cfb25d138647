/*
 * Topic administration in the core and storage: hub deletion (ns_hub_delete,
 * store_hub_delete), partition growth (ns_hub_add_partitions) and the log
 * start offset (part_delete_records, store_set_start), over a real store in a
 * temporary directory, with reopening to check what is durable.
 */
#include "ns.h"

#include <check.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mem.h"
#include "rb.h"

static char tmp[256];
static store_t *store;
static ns_t *ns;

static void open_all(void)
{
	/* tiny segments: every batch rolls a new one, so DeleteRecords can drop whole segments */
	store_opts_t so = {.dir = tmp, .segment_bytes = 64};
	ns_opts_t no = {.name = "test", .auto_create = true, .default_partitions = 1};

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
	strcpy(tmp, "/tmp/trib-topicadmin-XXXXXX");
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

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static int done_count;

static void done(void *arg, trib_err_t err)
{
	(void)arg;
	pthread_mutex_lock(&lock);
	if (err == TRIB_OK)
		done_count++;
	pthread_cond_broadcast(&cond);
	pthread_mutex_unlock(&lock);
}

/* Appends one single-record batch and waits until it is durable; returns its offset. */
static int64_t append_one(part_t *p, const char *value)
{
	rb_builder_t b;
	uint8_t *batch;
	size_t len;
	int64_t base = -1;
	int want;

	rb_builder_init(&b, 1);
	ck_assert_int_eq(rb_builder_add(&b, 1, TRIB_SLICE_NULL, slice_from_cstr(value), NULL, 0),
			 TRIB_OK);
	ck_assert_int_eq(rb_builder_finish(&b, &batch, &len), TRIB_OK);
	pthread_mutex_lock(&lock);
	want = done_count + 1;
	pthread_mutex_unlock(&lock);
	ck_assert_int_eq(part_append(p, batch, len, done, NULL, &base), TRIB_OK);
	pthread_mutex_lock(&lock);
	while (done_count < want)
		pthread_cond_wait(&cond, &lock);
	pthread_mutex_unlock(&lock);
	mem_free(batch);
	return base;
}

static trib_err_t append_err(part_t *p)
{
	rb_builder_t b;
	uint8_t *batch;
	size_t len;
	int64_t base;
	trib_err_t err;

	rb_builder_init(&b, 1);
	ck_assert_int_eq(rb_builder_add(&b, 1, TRIB_SLICE_NULL, slice_from_cstr("x"), NULL, 0),
			 TRIB_OK);
	ck_assert_int_eq(rb_builder_finish(&b, &batch, &len), TRIB_OK);
	err = part_append(p, batch, len, done, NULL, &base);
	mem_free(batch);
	return err;
}

static bool path_exists(const char *rel)
{
	char path[512];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", tmp, rel);
	return stat(path, &st) == 0;
}

static hub_t *create(const char *name, int32_t partitions)
{
	ns_hub_spec_t spec = {name, partitions, NULL, 0};
	hub_t *h = NULL;

	ck_assert_int_eq(ns_hub_create(ns, &spec, &h), TRIB_OK);
	return h;
}

START_TEST(delete_hub)
{
	hub_t *h = create("orders", 2), *again;
	part_t *old = hub_partition(h, 0);
	store_range_t r;
	hub_t **list;
	size_t n;

	ck_assert_int_eq(append_one(old, "a"), 0);
	ck_assert(path_exists("orders/0"));
	ck_assert_int_eq(ns_hub_delete(ns, slice_from_cstr("orders")), TRIB_OK);
	ck_assert_ptr_null(ns_hub_find(ns, slice_from_cstr("orders")));
	ck_assert_int_eq(ns_hub_list(ns, &list, &n), TRIB_OK);
	ck_assert_uint_eq(n, 0);
	mem_free(list);
	ck_assert(!path_exists("orders"));
	ck_assert_int_eq(ns_hub_delete(ns, slice_from_cstr("orders")), TRIB_ERR_NOT_FOUND);

	/* a head still holding the old partition: appends refused, stored data still readable */
	ck_assert_int_eq(append_err(old), TRIB_ERR_NOT_FOUND);
	ck_assert_int_eq(part_read(old, 0, 1024, &r), TRIB_OK);
	ck_assert_uint_gt(r.len, 0);

	/* the name is free again, for a new empty hub */
	again = create("orders", 1);
	ck_assert_ptr_ne(again, h);
	ck_assert_int_eq(part_high_watermark(hub_partition(again, 0)), 0);
	ck_assert_int_eq(append_one(hub_partition(again, 0), "b"), 0);

	close_all();
	open_all();
	again = ns_hub_find(ns, slice_from_cstr("orders"));
	ck_assert_ptr_nonnull(again);
	ck_assert_int_eq(hub_partition_count(again), 1);
	ck_assert_int_eq(part_high_watermark(hub_partition(again, 0)), 1);
	ck_assert_int_eq(ns_hub_delete(ns, slice_from_cstr("orders")), TRIB_OK);
	close_all();
	open_all();
	ck_assert_ptr_null(ns_hub_find(ns, slice_from_cstr("orders")));
}
END_TEST

START_TEST(delete_refuses_internal_and_unknown)
{
	hub_t *h;

	ck_assert_int_eq(ns_internal_hub(ns, "__offsets", 1, &h), TRIB_OK);
	ck_assert_int_eq(ns_hub_delete(ns, slice_from_cstr("__offsets")), TRIB_ERR_NOT_FOUND);
	ck_assert_int_eq(ns_hub_delete(ns, slice_from_cstr("nope")), TRIB_ERR_NOT_FOUND);
	ck_assert(path_exists("__offsets/hub.json"));
}
END_TEST

/* A crash after the rename leaves a tombstone: never loaded, removed at the next open. */
START_TEST(tombstone_removed_at_open)
{
	char cmd[600];

	create("t1", 1);
	close_all();
	snprintf(cmd, sizeof(cmd), "mv %s/t1 %s/.deleted.t1.1.0", tmp, tmp);
	ck_assert_int_eq(system(cmd), 0);
	open_all();
	ck_assert_ptr_null(ns_hub_find(ns, slice_from_cstr("t1")));
	ck_assert(!path_exists(".deleted.t1.1.0"));
}
END_TEST

START_TEST(add_partitions)
{
	hub_t *h = create("grow", 2);

	ck_assert_int_eq(ns_hub_add_partitions(ns, h, 2), TRIB_ERR_INVALID);
	ck_assert_int_eq(ns_hub_add_partitions(ns, h, 1), TRIB_ERR_INVALID);
	ck_assert_int_eq(ns_hub_add_partitions(ns, h, HUB_MAX_PARTITIONS + 1), TRIB_ERR_INVALID);
	ck_assert_int_eq(hub_partition_count(h), 2);
	ck_assert_ptr_null(hub_partition(h, 2));
	ck_assert_int_eq(ns_hub_add_partitions(ns, h, 5), TRIB_OK);
	ck_assert_int_eq(hub_partition_count(h), 5);
	ck_assert_int_eq(part_id(hub_partition(h, 4)), 4);
	ck_assert_int_eq(append_one(hub_partition(h, 4), "p4"), 0);
	ck_assert_int_lt(hub_pick_partition(h, TRIB_SLICE_NULL), 5);

	close_all();
	open_all();
	h = ns_hub_find(ns, slice_from_cstr("grow"));
	ck_assert_int_eq(hub_partition_count(h), 5);
	ck_assert_int_eq(part_high_watermark(hub_partition(h, 4)), 1);
	ck_assert_int_eq(ns_hub_add_partitions(ns, h, 40), TRIB_OK);
	ck_assert_ptr_nonnull(hub_partition(h, 39));

	/* a deleted hub cannot grow */
	ck_assert_int_eq(ns_hub_delete(ns, slice_from_cstr("grow")), TRIB_OK);
	ck_assert_int_eq(ns_hub_add_partitions(ns, h, 41), TRIB_ERR_NOT_FOUND);
}
END_TEST

START_TEST(delete_records)
{
	hub_t *h = create("dr", 1);
	part_t *p = hub_partition(h, 0);
	store_range_t r;
	int64_t start = -5;

	for (int i = 0; i < 5; i++)
		ck_assert_int_eq(append_one(p, "v"), i);
	ck_assert(path_exists("dr/0/00000000000000000000.log"));
	ck_assert_int_eq(part_delete_records(p, 6, &start), TRIB_ERR_OUT_OF_RANGE);
	ck_assert_int_eq(start, 0);
	ck_assert_int_eq(part_delete_records(p, -2, &start), TRIB_ERR_OUT_OF_RANGE);
	ck_assert_int_eq(part_delete_records(p, 3, &start), TRIB_OK);
	ck_assert_int_eq(start, 3);
	ck_assert_int_eq(part_log_start(p), 3);
	ck_assert_int_eq(part_read(p, 2, 1024, &r), TRIB_ERR_OUT_OF_RANGE);
	ck_assert_int_eq(part_read(p, 3, 1024, &r), TRIB_OK);
	ck_assert_int_eq(r.first_offset, 3);
	ck_assert_int_eq(part_offset_for_time(p, 0), 3);
	ck_assert(!path_exists("dr/0/00000000000000000000.log"));
	ck_assert(!path_exists("dr/0/00000000000000000002.log"));
	ck_assert(path_exists("dr/0/00000000000000000003.log"));
	/* lower than the start: nothing changes */
	ck_assert_int_eq(part_delete_records(p, 1, &start), TRIB_OK);
	ck_assert_int_eq(start, 3);

	close_all();
	open_all();
	p = hub_partition(ns_hub_find(ns, slice_from_cstr("dr")), 0);
	ck_assert_int_eq(part_log_start(p), 3);
	ck_assert_int_eq(part_high_watermark(p), 5);
	ck_assert_int_eq(part_read(p, 2, 1024, &r), TRIB_ERR_OUT_OF_RANGE);
	ck_assert_int_eq(part_delete_records(p, -1, &start), TRIB_OK);
	ck_assert_int_eq(start, 5);
	ck_assert_int_eq(part_read(p, 5, 1024, &r), TRIB_OK);
	ck_assert_uint_eq(r.len, 0);
	ck_assert_int_eq(append_one(p, "after"), 5);
	ck_assert_int_eq(part_read(p, 5, 1024, &r), TRIB_OK);
	ck_assert_uint_gt(r.len, 0);
}
END_TEST

/* The log-start file is written before segments go: a crash between them is finished at open. */
START_TEST(delete_records_start_file_recovered)
{
	hub_t *h = create("dr2", 1);
	part_t *p = hub_partition(h, 0);
	char path[512];
	FILE *f;

	for (int i = 0; i < 3; i++)
		append_one(p, "v");
	close_all();
	snprintf(path, sizeof(path), "%s/dr2/0/log-start", tmp);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs("2\n", f);
	fclose(f);
	open_all();
	p = hub_partition(ns_hub_find(ns, slice_from_cstr("dr2")), 0);
	ck_assert_int_eq(part_log_start(p), 2);
	ck_assert(!path_exists("dr2/0/00000000000000000000.log"));
	ck_assert(path_exists("dr2/0/00000000000000000002.log"));

	/* a start past the recovered end (a torn tail) is clamped to the end */
	close_all();
	f = fopen(path, "w");
	fputs("99\n", f);
	fclose(f);
	open_all();
	p = hub_partition(ns_hub_find(ns, slice_from_cstr("dr2")), 0);
	ck_assert_int_eq(part_log_start(p), 3);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("topic_admin");
	TCase *tc = tcase_create("delete");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, delete_hub);
	tcase_add_test(tc, delete_refuses_internal_and_unknown);
	tcase_add_test(tc, tombstone_removed_at_open);
	suite_add_tcase(s, tc);
	tc = tcase_create("partitions");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, add_partitions);
	suite_add_tcase(s, tc);
	tc = tcase_create("records");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, delete_records);
	tcase_add_test(tc, delete_records_start_file_recovered);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
