/*
 * Bob Jenkins' lookup3 hashlittle2 (public domain, 2006), byte-wise form
 * (no unaligned word reads), as the Event Hubs service and its SDKs use it:
 * seeds 0 and 0, result (int16)(c ^ b). Test vectors in
 * tests/unit/pkey_test.c were computed with @azure/event-hubs 6.0.4's
 * mapPartitionKeyToId.
 */
#include "pkey.h"

#include <stdlib.h>

#define ROT(x, k) (((x) << (k)) | ((x) >> (32 - (k))))

static uint32_t le32(const uint8_t *k)
{
	return (uint32_t)k[0] | (uint32_t)k[1] << 8 | (uint32_t)k[2] << 16 | (uint32_t)k[3] << 24;
}

static void mix(uint32_t *a, uint32_t *b, uint32_t *c)
{
	*a -= *c; *a ^= ROT(*c, 4);  *c += *b;
	*b -= *a; *b ^= ROT(*a, 6);  *a += *c;
	*c -= *b; *c ^= ROT(*b, 8);  *b += *a;
	*a -= *c; *a ^= ROT(*c, 16); *c += *b;
	*b -= *a; *b ^= ROT(*a, 19); *a += *c;
	*c -= *b; *c ^= ROT(*b, 4);  *b += *a;
}

static void final(uint32_t *a, uint32_t *b, uint32_t *c)
{
	*c ^= *b; *c -= ROT(*b, 14);
	*a ^= *c; *a -= ROT(*c, 11);
	*b ^= *a; *b -= ROT(*a, 25);
	*c ^= *b; *c -= ROT(*b, 16);
	*a ^= *c; *a -= ROT(*c, 4);
	*b ^= *a; *b -= ROT(*a, 14);
	*c ^= *b; *c -= ROT(*b, 24);
}

/* The tail of up to 12 bytes, added little-endian into a, b, c. */
static void add_tail(const uint8_t *k, size_t n, uint32_t *a, uint32_t *b, uint32_t *c)
{
	uint32_t *word[3] = {a, b, c};

	for (size_t i = 0; i < n; i++)
		*word[i / 4] += (uint32_t)k[i] << (8 * (i % 4));
}

int16_t pkey_hash(const void *key, size_t len)
{
	const uint8_t *k = key;
	uint32_t a, b, c;

	a = b = c = 0xdeadbeefu + (uint32_t)len;
	while (len > 12) {
		a += le32(k);
		b += le32(k + 4);
		c += le32(k + 8);
		mix(&a, &b, &c);
		len -= 12;
		k += 12;
	}
	if (len > 0) {
		add_tail(k, len, &a, &b, &c);
		final(&a, &b, &c);
	}
	return (int16_t)(uint16_t)(c ^ b);
}

int32_t pkey_partition(const void *key, size_t len, int32_t partition_count)
{
	return abs(pkey_hash(key, len) % partition_count);
}
