/* pidm: producer ids are unique, survive a restart, and an unreadable file is refused. */
#include "pidm.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mem.h"

static char tmp[256];
static store_t *store;

static void setup(void)
{
	store_opts_t so = {.dir = tmp};

	strcpy(tmp, "/tmp/trib-pidm-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmp));
	ck_assert_int_eq(store_open(&so, &store), TRIB_OK);
}

static void teardown(void)
{
	char cmd[300];

	store_close(&store);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmp);
	(void)!system(cmd);
}

static int64_t next_id(pidm_t *m)
{
	int64_t id = -1;
	int16_t epoch = -1;

	ck_assert_int_eq(pidm_next(m, &id, &epoch), TRIB_OK);
	ck_assert_int_eq(epoch, 0);
	return id;
}

START_TEST(test_unique_across_restarts)
{
	pidm_t *m = NULL;
	int64_t last = -1;
	char *text = NULL;

	ck_assert_int_eq(pidm_open(store, &m), TRIB_OK);
	ck_assert(!pidm_issued(m, 0));
	/* more than one block: a second reservation on the way */
	for (int i = 0; i < PIDM_BLOCK + 5; i++) {
		int64_t id = next_id(m);

		ck_assert_int_eq(id, last + 1);
		last = id;
	}
	ck_assert(pidm_issued(m, 0));
	ck_assert(pidm_issued(m, last));
	ck_assert(!pidm_issued(m, last + 1));
	ck_assert(!pidm_issued(m, -1));
	ck_assert_int_eq(store_file_load(store, PIDM_FILE, &text), TRIB_OK);
	ck_assert_str_eq(text, "2000\n");
	mem_free(text);
	pidm_close(&m);
	ck_assert_ptr_null(m);

	/* a restart continues after the reserved block: nothing is reused */
	ck_assert_int_eq(pidm_open(store, &m), TRIB_OK);
	ck_assert(pidm_issued(m, last));
	ck_assert_int_eq(next_id(m), 2000);
	pidm_close(&m);
	pidm_close(&m);
}
END_TEST

START_TEST(test_corrupt_file)
{
	pidm_t *m = NULL;

	ck_assert_int_eq(store_file_save(store, PIDM_FILE, "12x\n"), TRIB_OK);
	ck_assert_int_eq(pidm_open(store, &m), TRIB_ERR_CORRUPT);
	ck_assert_ptr_null(m);
	ck_assert_int_eq(store_file_save(store, PIDM_FILE, "-5\n"), TRIB_OK);
	ck_assert_int_eq(pidm_open(store, &m), TRIB_ERR_CORRUPT);
	ck_assert_int_eq(store_file_save(store, PIDM_FILE, "7\n"), TRIB_OK);
	ck_assert_int_eq(pidm_open(store, &m), TRIB_OK);
	ck_assert_int_eq(next_id(m), 7);
	pidm_close(&m);
}
END_TEST

static Suite *pidm_suite(void)
{
	Suite *s = suite_create("pidm");
	TCase *tc = tcase_create("ids");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_unique_across_restarts);
	tcase_add_test(tc, test_corrupt_file);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(pidm_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
