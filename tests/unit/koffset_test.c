/* koffset: commits become durable records, are visible once durable, and replay after reopen. */
#include "koffset.h"

#include <check.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hub.h"
#include "mem.h"

static char tmp[256];
static store_t *store;
static ns_t *ns;
static koffset_t *ko;

static void open_all(void)
{
	store_opts_t so = {.dir = tmp};
	ns_opts_t no = {.name = "test", .auto_create = true, .default_partitions = 1};

	ck_assert_int_eq(store_open(&so, &store), TRIB_OK);
	ck_assert_int_eq(ns_open(store, &no, &ns), TRIB_OK);
	ck_assert_int_eq(koffset_open(ns, &ko), TRIB_OK);
}

static void close_all(void)
{
	store_close(&store);
	koffset_close(&ko);
	ns_close(&ns);
}

static void setup(void)
{
	strcpy(tmp, "/tmp/trib-koffset-XXXXXX");
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
static trib_err_t done_err;

static void on_done(void *arg, trib_err_t err)
{
	(void)arg;
	pthread_mutex_lock(&mu);
	done_count++;
	done_err = err;
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

static koffset_commit_t mk(const char *g, const char *t, int32_t p, int64_t off, const char *meta)
{
	koffset_commit_t c = {slice_from_cstr(g), slice_from_cstr(t), p, off, 7,
			      meta ? slice_from_cstr(meta) : (trib_slice_t){NULL, 0}};
	return c;
}

static void commit_wait(const koffset_commit_t *c, size_t n)
{
	int before;

	pthread_mutex_lock(&mu);
	before = done_count;
	pthread_mutex_unlock(&mu);
	ck_assert_int_eq(koffset_commit(ko, c, n, on_done, NULL), TRIB_OK);
	wait_done(before + 1);
	ck_assert_int_eq(done_err, TRIB_OK);
}

static bool get(const char *g, const char *t, int32_t p, koffset_val_t *v)
{
	static uint8_t meta[KOFFSET_METADATA_MAX];

	return koffset_get(ko, slice_from_cstr(g), slice_from_cstr(t), p, v, meta);
}

static bool count_cb(void *arg, trib_slice_t topic, int32_t partition, const koffset_val_t *val)
{
	(void)topic;
	(void)partition;
	(void)val;
	(*(int *)arg)++;
	return true;
}

START_TEST(commit_then_get)
{
	koffset_commit_t c[3] = {mk("g1", "t", 0, 10, "m0"), mk("g1", "t", 1, 20, NULL),
				 mk("g2", "t", 0, 30, "")};
	koffset_val_t v;
	int n = 0;

	ck_assert(!get("g1", "t", 0, &v));
	commit_wait(c, 3);
	ck_assert(get("g1", "t", 0, &v));
	ck_assert_int_eq(v.offset, 10);
	ck_assert_int_eq(v.leader_epoch, 7);
	ck_assert_uint_eq(v.metadata.len, 2);
	ck_assert(memcmp(v.metadata.ptr, "m0", 2) == 0);
	ck_assert(get("g1", "t", 1, &v));
	ck_assert_ptr_null(v.metadata.ptr);
	ck_assert(get("g2", "t", 0, &v));
	ck_assert_ptr_nonnull(v.metadata.ptr);
	ck_assert_uint_eq(v.metadata.len, 0);
	ck_assert(!get("g3", "t", 0, &v));
	koffset_list(ko, slice_from_cstr("g1"), count_cb, &n);
	ck_assert_int_eq(n, 2);
	ck_assert_uint_eq(koffset_count(ko), 3);
	/* the internal hub exists with one partition, hidden from every head */
	ck_assert_ptr_null(ns_hub_find(ns, slice_from_cstr(KOFFSET_HUB)));
	{
		hub_t *h;

		ck_assert_int_eq(ns_internal_hub(ns, KOFFSET_HUB, 1, &h), TRIB_OK);
		ck_assert_int_eq(hub_partition_count(h), 1);
	}
}
END_TEST

START_TEST(replay_after_reopen)
{
	char meta[KOFFSET_METADATA_MAX + 1];
	koffset_val_t v;

	for (int i = 0; i < 50; i++) {
		koffset_commit_t c = mk("grp", "topic", i % 5, i, "x");

		commit_wait(&c, 1);
	}
	close_all();
	open_all();
	ck_assert_uint_eq(koffset_count(ko), 5);
	for (int p = 0; p < 5; p++) {
		ck_assert(get("grp", "topic", p, &v));
		ck_assert_int_eq(v.offset, 45 + p); /* the last commit wins */
	}
	/* limits: metadata at the limit is kept, one more byte refused */
	memset(meta, 'm', sizeof(meta) - 1);
	meta[KOFFSET_METADATA_MAX] = 0;
	{
		koffset_commit_t c = mk("grp", "topic", 0, 99, meta);

		commit_wait(&c, 1);
	}
	meta[KOFFSET_METADATA_MAX - 1] = 'm';
	{
		koffset_commit_t c = mk("grp", "topic", 0, 100, meta);
		char big[KOFFSET_METADATA_MAX + 2];

		memset(big, 'm', sizeof(big) - 1);
		big[sizeof(big) - 1] = 0;
		c.metadata = slice_from_cstr(big);
		ck_assert_int_eq(koffset_commit(ko, &c, 1, on_done, NULL), TRIB_ERR_TOO_LARGE);
		c = mk("grp", "topic", -1, 1, NULL);
		ck_assert_int_eq(koffset_commit(ko, &c, 1, on_done, NULL), TRIB_ERR_INVALID);
		ck_assert_int_eq(koffset_commit(ko, &c, 0, on_done, NULL), TRIB_ERR_INVALID);
	}
	close_all();
	open_all();
	ck_assert(get("grp", "topic", 0, &v));
	ck_assert_int_eq(v.offset, 99);
	ck_assert_uint_eq(v.metadata.len, KOFFSET_METADATA_MAX);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("koffset");
	TCase *t = tcase_create("koffset");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(t, setup, teardown);
	tcase_add_test(t, commit_then_get);
	tcase_add_test(t, replay_after_reopen);
	suite_add_tcase(s, t);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
