/*
 * rdr: the reader registry's rules (reference/eventhubs-surface.md §1.8):
 * the limit of 5 readers without epoch, epoch higher / equal / lower,
 * non-epoch against an epoch holder, release on close, steal callbacks.
 * Partitions are compared by identity, so the tests use fake addresses.
 */
#include "rdr.h"

#include <check.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char fake_parts[2];
#define P0 ((const part_t *)&fake_parts[0])
#define P1 ((const part_t *)&fake_parts[1])

typedef struct {
	rdr_reader_t rd;
	char name[32];
	int stolen;
} reader_t;

static void on_stolen(void *arg)
{
	reader_t *x = arg;

	x->stolen++;
}

static void reader_init(reader_t *x, const char *name, bool has_epoch, int64_t epoch)
{
	memset(x, 0, sizeof(*x));
	if (name) {
		snprintf(x->name, sizeof(x->name), "%s", name);
		x->rd.name = x->name;
	}
	x->rd.stolen = on_stolen;
	x->rd.arg = x;
	x->rd.has_epoch = has_epoch;
	x->rd.epoch = epoch;
}

static rdr_verdict_t add(rdr_t *r, const part_t *p, const char *cg, reader_t *x, char *why)
{
	rdr_verdict_t v;

	ck_assert_int_eq(rdr_add(r, p, slice_from_cstr(cg), &x->rd, &v, why, RDR_WHY_MAX),
			 TRIB_OK);
	return v;
}

START_TEST(limit_at_five_and_six)
{
	rdr_t *r = rdr_new();
	reader_t x[7];
	char why[RDR_WHY_MAX];
	size_t ne;

	for (int i = 0; i < 5; i++) {
		char name[16];

		snprintf(name, sizeof(name), "r%d", i);
		reader_init(&x[i], i == 2 ? NULL : name, false, 0);
		ck_assert_int_eq(add(r, P0, "$Default", &x[i], why), RDR_ADMITTED);
	}
	ck_assert_uint_eq(rdr_count(r, P0, slice_from_cstr("$Default"), &ne), 5);
	ck_assert_uint_eq(ne, 5);
	reader_init(&x[5], "r5", false, 0);
	ck_assert_int_eq(add(r, P0, "$default", &x[5], why), RDR_REFUSED_LIMIT);
	ck_assert_ptr_nonnull(strstr(why, "Exceeded the maximum number of allowed receivers per "
					  "partition in a consumer group which is 5. List of "
					  "connected receivers - "));
	ck_assert_ptr_nonnull(strstr(why, "r0"));
	ck_assert_ptr_nonnull(strstr(why, "r4"));
	ck_assert_ptr_nonnull(strstr(why, "nil"));
	ck_assert_ptr_null(strstr(why, "r5"));
	/* other groups and other partitions count apart */
	reader_init(&x[6], "other", false, 0);
	ck_assert_int_eq(add(r, P1, "$Default", &x[6], why), RDR_ADMITTED);
	rdr_remove(r, &x[6].rd);
	ck_assert_int_eq(add(r, P0, "cg2", &x[6], why), RDR_ADMITTED);
	/* a close frees a place */
	rdr_remove(r, &x[3].rd);
	ck_assert_int_eq(add(r, P0, "$Default", &x[5], why), RDR_ADMITTED);
	for (int i = 0; i < 7; i++) {
		rdr_remove(r, &x[i].rd);
		ck_assert_int_eq(x[i].stolen, 0);
	}
	ck_assert_uint_eq(rdr_count(r, P0, slice_from_cstr("$Default"), NULL), 0);
	rdr_free(&r);
	ck_assert_ptr_null(r);
}
END_TEST

START_TEST(epoch_higher_steals_all)
{
	rdr_t *r = rdr_new();
	reader_t a, b, e1, e2;
	char why[RDR_WHY_MAX];
	size_t ne;

	reader_init(&a, "a", false, 0);
	reader_init(&b, NULL, false, 0);
	reader_init(&e1, "e1", true, 1);
	reader_init(&e2, "e2", true, 2);
	ck_assert_int_eq(add(r, P0, "$Default", &a, why), RDR_ADMITTED);
	ck_assert_int_eq(add(r, P0, "$Default", &b, why), RDR_ADMITTED);
	ck_assert_int_eq(add(r, P0, "$Default", &e1, why), RDR_ADMITTED);
	ck_assert_int_eq(a.stolen, 1);
	ck_assert_int_eq(b.stolen, 1);
	ck_assert_ptr_nonnull(strstr(a.rd.why, "New receiver 'e1' with higher epoch of '1' is "
					       "created hence current receiver 'a'"));
	ck_assert_uint_eq(rdr_count(r, P0, slice_from_cstr("$Default"), &ne), 1);
	ck_assert_uint_eq(ne, 0);
	ck_assert_int_eq(add(r, P0, "$DEFAULT", &e2, why), RDR_ADMITTED);
	ck_assert_int_eq(e1.stolen, 1);
	ck_assert_ptr_nonnull(strstr(e1.rd.why, "New receiver 'e2' with higher epoch of '2' is "
						"created hence current receiver 'e1' with "
						"epoch '1' is getting disconnected"));
	/* removing stolen readers is a no-op; they can attach again (and be refused) */
	rdr_remove(r, &a.rd);
	rdr_remove(r, &e1.rd);
	ck_assert_uint_eq(rdr_count(r, P0, slice_from_cstr("$Default"), NULL), 1);
	rdr_remove(r, &e2.rd);
	ck_assert_int_eq(e2.stolen, 0);
	rdr_free(&r);
}
END_TEST

START_TEST(epoch_equal_steals)
{
	rdr_t *r = rdr_new();
	reader_t e1, e2;
	char why[RDR_WHY_MAX];

	reader_init(&e1, "first", true, 0);
	reader_init(&e2, "second", true, 0);
	ck_assert_int_eq(add(r, P0, "$Default", &e1, why), RDR_ADMITTED);
	ck_assert_int_eq(add(r, P0, "$Default", &e2, why), RDR_ADMITTED);
	ck_assert_int_eq(e1.stolen, 1);
	ck_assert_int_eq(e2.stolen, 0);
	ck_assert_uint_eq(rdr_count(r, P0, slice_from_cstr("$Default"), NULL), 1);
	rdr_remove(r, &e2.rd);
	rdr_free(&r);
}
END_TEST

START_TEST(epoch_lower_refused)
{
	rdr_t *r = rdr_new();
	reader_t hi, lo;
	char why[RDR_WHY_MAX];

	reader_init(&hi, "hi", true, 7);
	reader_init(&lo, "lo", true, 6);
	ck_assert_int_eq(add(r, P0, "$Default", &hi, why), RDR_ADMITTED);
	ck_assert_int_eq(add(r, P0, "$Default", &lo, why), RDR_REFUSED_LOWER_EPOCH);
	ck_assert_str_eq(why, "Receiver 'hi' with a higher epoch '7' already exists. Receiver "
			      "'lo' with epoch 6 cannot be created. Make sure you are creating "
			      "receiver with increasing epoch value to ensure connectivity, or "
			      "ensure all old epoch receivers are closed or disconnected.");
	ck_assert_int_eq(hi.stolen, 0);
	/* refused readers are not registered: remove is harmless */
	rdr_remove(r, &lo.rd);
	ck_assert_uint_eq(rdr_count(r, P0, slice_from_cstr("$Default"), NULL), 1);
	/* once the holder leaves, any epoch (or none) may attach */
	rdr_remove(r, &hi.rd);
	ck_assert_int_eq(add(r, P0, "$Default", &lo, why), RDR_ADMITTED);
	rdr_remove(r, &lo.rd);
	rdr_free(&r);
}
END_TEST

START_TEST(non_epoch_vs_epoch_holder)
{
	rdr_t *r = rdr_new();
	reader_t e, n;
	char why[RDR_WHY_MAX];

	reader_init(&e, "owner", true, 3);
	reader_init(&n, "plain", false, 0);
	ck_assert_int_eq(add(r, P0, "$Default", &e, why), RDR_ADMITTED);
	ck_assert_int_eq(add(r, P0, "$Default", &n, why), RDR_REFUSED_EPOCH_HELD);
	ck_assert_str_eq(why, "At least one receiver for the endpoint is created with epoch of "
			      "'3', and so non-epoch receiver is not allowed. Either reconnect "
			      "with a higher epoch, or make sure all epoch receivers are closed "
			      "or disconnected.");
	ck_assert_int_eq(e.stolen, 0);
	/* another group is free */
	ck_assert_int_eq(add(r, P0, "cg2", &n, why), RDR_ADMITTED);
	rdr_remove(r, &n.rd);
	rdr_remove(r, &e.rd);
	ck_assert_int_eq(add(r, P0, "$Default", &n, why), RDR_ADMITTED);
	rdr_remove(r, &n.rd);
	rdr_free(&r);
}
END_TEST

START_TEST(bad_group)
{
	rdr_t *r = rdr_new();
	reader_t x;
	rdr_verdict_t v;
	char why[RDR_WHY_MAX];
	char big[RDR_CG_MAX + 2];

	reader_init(&x, "x", false, 0);
	ck_assert_int_eq(rdr_add(r, P0, slice_from_cstr(""), &x.rd, &v, why, sizeof(why)),
			 TRIB_ERR_INVALID);
	memset(big, 'g', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	ck_assert_int_eq(rdr_add(r, P0, slice_from_cstr(big), &x.rd, &v, why, sizeof(why)),
			 TRIB_ERR_INVALID);
	big[RDR_CG_MAX] = '\0';
	ck_assert_int_eq(rdr_add(r, P0, slice_from_cstr(big), &x.rd, &v, why, sizeof(why)),
			 TRIB_OK);
	ck_assert_int_eq(v, RDR_ADMITTED);
	rdr_remove(r, &x.rd);
	rdr_free(&r);
	rdr_free(NULL);
}
END_TEST

/* Threads race epoch attaches and removes: at the end exactly the registered ones remain. */
typedef struct {
	rdr_t *r;
	int id;
} racer_t;

static void on_stolen_atomic(void *arg)
{
	atomic_fetch_add((atomic_int *)arg, 1);
}

static void *racer(void *arg)
{
	racer_t *rc = arg;
	atomic_int stolen = 0;
	rdr_reader_t rd;
	rdr_verdict_t v;
	char why[RDR_WHY_MAX];
	int admitted = 0;

	for (int i = 0; i < 2000; i++) {
		memset(&rd, 0, sizeof(rd));
		rd.stolen = on_stolen_atomic;
		rd.arg = &stolen;
		rd.has_epoch = (i % 3) != 0;
		rd.epoch = i;
		if (rdr_add(rc->r, P0, slice_from_cstr("$Default"), &rd, &v, why, sizeof(why)))
			continue;
		admitted += v == RDR_ADMITTED;
		rdr_remove(rc->r, &rd);
	}
	return (void *)(intptr_t)(admitted > 0);
}

START_TEST(threads)
{
	rdr_t *r = rdr_new();
	pthread_t t[4];
	racer_t rc[4];
	void *ok;

	for (int i = 0; i < 4; i++) {
		rc[i] = (racer_t){r, i};
		pthread_create(&t[i], NULL, racer, &rc[i]);
	}
	for (int i = 0; i < 4; i++) {
		pthread_join(t[i], &ok);
		ck_assert_ptr_nonnull(ok);
	}
	ck_assert_uint_eq(rdr_count(r, P0, slice_from_cstr("$Default"), NULL), 0);
	rdr_free(&r);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("rdr");
	TCase *t = tcase_create("rules");
	SRunner *sr;
	int failed;

	tcase_add_test(t, limit_at_five_and_six);
	tcase_add_test(t, epoch_higher_steals_all);
	tcase_add_test(t, epoch_equal_steals);
	tcase_add_test(t, epoch_lower_refused);
	tcase_add_test(t, non_epoch_vs_epoch_holder);
	tcase_add_test(t, bad_group);
	tcase_add_test(t, threads);
	suite_add_tcase(s, t);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
