/*
 * pkey: Event Hubs partition-key hashing. Every vector below was computed
 * with the Azure SDK's own code: @azure/event-hubs 6.0.4,
 * dist/commonjs/impl/partitionKeyToIdMapper.js (hashPartitionKey,
 * mapPartitionKeyToId), run under Node.js 20.
 */
#include "pkey.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

static const struct {
	const char *key;
	int16_t hash;
	int32_t p2, p4, p32;
} vectors[] = {
	{"", 0, 0, 0, 0},
	{"a", -16220, 0, 0, 28},
	{"ab", 2093, 1, 1, 13},
	{"abc", -14161, 1, 1, 17},
	{"abcd", 23398, 0, 2, 6},
	{"hello world", 24431, 1, 3, 15},
	{"7", -15263, 1, 3, 31},
	{"twelve bytes", 6222, 0, 2, 14},
	{"thirteen byte", -13793, 1, 1, 1},
	{"partition-key-123", -22103, 1, 3, 23},
	{"\xc3\x84\xc3\x96\xc3\x9c unicode \xe2\x9c\x93", 24219, 1, 3, 27},
	{"k1", 23816, 0, 0, 8},
	{"device-0042", -31687, 1, 3, 7},
	{"The quick brown fox jumps over the lazy dog", -31937, 1, 1, 1},
};

START_TEST(sdk_vectors)
{
	const char *k = vectors[_i].key;
	size_t n = strlen(k);

	ck_assert_int_eq(pkey_hash(k, n), vectors[_i].hash);
	ck_assert_int_eq(pkey_partition(k, n, 2), vectors[_i].p2);
	ck_assert_int_eq(pkey_partition(k, n, 4), vectors[_i].p4);
	ck_assert_int_eq(pkey_partition(k, n, 32), vectors[_i].p32);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("pkey");
	TCase *t = tcase_create("hash");
	SRunner *r;
	int failed;

	tcase_add_loop_test(t, sdk_vectors, 0, (int)(sizeof(vectors) / sizeof(vectors[0])));
	suite_add_tcase(s, t);
	r = srunner_create(s);
	srunner_run_all(r, CK_NORMAL);
	failed = srunner_ntests_failed(r);
	srunner_free(r);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
