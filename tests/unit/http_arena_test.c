/* http_arena: per-request bump allocator with cleanup hooks. */
#include "http_arena.h"

#include <check.h>
#include <stdalign.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http_batch.h"
#include "mem.h"

static int order[8];
static int norder;

static void note(void *arg)
{
	order[norder++] = (int)(intptr_t)arg;
}

START_TEST(alloc_aligned_and_distinct)
{
	http_arena_t a;
	char *prev = NULL;

	http_arena_init(&a);
	for (size_t n = 0; n < 300; n++) {
		char *p = http_arena_alloc(&a, n % 37);

		ck_assert_ptr_nonnull(p);
		ck_assert_uint_eq((uintptr_t)p % alignof(max_align_t), 0);
		ck_assert_ptr_ne(p, prev);
		memset(p, 0xab, n % 37);
		prev = p;
	}
	ck_assert_uint_gt(mem_used(MEM_HTTP), 0);
	http_arena_free(&a);
	ck_assert_uint_eq(mem_used(MEM_HTTP), 0);
	ck_assert_uint_eq(a.bytes, 0);
}
END_TEST

START_TEST(big_blocks_keep_small_chunk)
{
	http_arena_t a;
	char *s1, *big, *s2;

	http_arena_init(&a);
	s1 = http_arena_alloc(&a, 16);
	big = http_arena_alloc(&a, 3 * HTTP_ARENA_CHUNK_BYTES);
	s2 = http_arena_alloc(&a, 16);
	ck_assert_ptr_nonnull(big);
	memset(big, 1, 3 * HTTP_ARENA_CHUNK_BYTES);
	/* the small allocations still share the first chunk */
	ck_assert_uint_lt((uintptr_t)(s2 - s1), HTTP_ARENA_CHUNK_BYTES);
	ck_assert_ptr_null(http_arena_alloc(&a, SIZE_MAX));
	http_arena_free(&a);
	ck_assert_uint_eq(mem_used(MEM_HTTP), 0);
}
END_TEST

START_TEST(dup)
{
	http_arena_t a;
	char *s;

	http_arena_init(&a);
	s = http_arena_dup(&a, "abc", 3);
	ck_assert_str_eq(s, "abc");
	s = http_arena_dup(&a, NULL, 0);
	ck_assert_str_eq(s, "");
	http_arena_free(&a);
}
END_TEST

START_TEST(cleanups_newest_first)
{
	http_arena_t a;

	norder = 0;
	http_arena_init(&a);
	ck_assert_int_eq(http_arena_on_free(&a, note, (void *)1), TRIB_OK);
	ck_assert_int_eq(http_arena_on_free(&a, note, (void *)2), TRIB_OK);
	ck_assert_int_eq(http_arena_on_free(&a, note, (void *)3), TRIB_OK);
	http_arena_free(&a);
	ck_assert_int_eq(norder, 3);
	ck_assert_int_eq(order[0], 3);
	ck_assert_int_eq(order[2], 1);
	/* reusable, and freeing twice (or NULL) is harmless */
	ck_assert_ptr_nonnull(http_arena_alloc(&a, 8));
	http_arena_free(&a);
	http_arena_free(&a);
	http_arena_free(NULL);
	ck_assert_int_eq(norder, 3);
}
END_TEST

START_TEST(memory_ceiling)
{
	http_arena_t a;
	http_event_t *evs;
	http_event_msg_t msg = {{0}};
	size_t n;
	const char *json = "[{\"Body\":\"a\",\"UserProperties\":{\"x\":1}}]";

	http_arena_init(&a);
	mem_set_limit(mem_used_total() + 64);
	ck_assert_ptr_null(http_arena_alloc(&a, 1));
	ck_assert_int_eq(http_arena_on_free(&a, note, NULL), TRIB_ERR_NOMEM);
	/* a parse that runs out of memory fails cleanly and leaks nothing */
	ck_assert_int_eq(http_batch_parse(&a, (const uint8_t *)json, strlen(json), &evs, &n, &msg),
			 TRIB_ERR_NOMEM);
	mem_set_limit(0);
	http_arena_free(&a);
	ck_assert_uint_eq(mem_used(MEM_HTTP), 0);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("http_arena");
	TCase *t = tcase_create("arena");

	tcase_add_test(t, alloc_aligned_and_distinct);
	tcase_add_test(t, big_blocks_keep_small_chunk);
	tcase_add_test(t, dup);
	tcase_add_test(t, cleanups_newest_first);
	tcase_add_test(t, memory_ceiling);
	suite_add_tcase(s, t);
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
