/* Slices never own memory; slice_dup_cstr is the one place that copies. */
#include "slice.h"

#include <string.h>
#include <strings.h>

#include "mem.h"

trib_slice_t slice_from_cstr(const char *s)
{
	if (!s)
		return TRIB_SLICE_NULL;
	return (trib_slice_t){(const uint8_t *)s, strlen(s)};
}

bool slice_eq(trib_slice_t a, trib_slice_t b)
{
	if (!a.ptr || !b.ptr)
		return !a.ptr && !b.ptr;
	return a.len == b.len && (a.len == 0 || memcmp(a.ptr, b.ptr, a.len) == 0);
}

bool slice_eq_cstr(trib_slice_t a, const char *s, bool nocase)
{
	size_t n = strlen(s);

	if (!a.ptr || a.len != n)
		return false;
	if (n == 0)
		return true;
	return nocase ? strncasecmp((const char *)a.ptr, s, n) == 0
		      : memcmp(a.ptr, s, n) == 0;
}

char *slice_dup_cstr(trib_slice_t s)
{
	char *out;

	if (!s.ptr)
		return NULL;
	out = mem_alloc(MEM_CORE, s.len + 1);
	if (!out)
		return NULL;
	if (s.len)
		memcpy(out, s.ptr, s.len);
	out[s.len] = '\0';
	return out;
}

bool slice_to_i64(trib_slice_t s, int64_t *out)
{
	size_t i = 0;
	bool neg = false;
	uint64_t v = 0, limit;

	if (s.len && (s.ptr[0] == '-' || s.ptr[0] == '+')) {
		neg = s.ptr[0] == '-';
		i = 1;
	}
	if (i == s.len)
		return false;
	limit = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
	for (; i < s.len; i++) {
		unsigned d = (unsigned)s.ptr[i] - '0';

		if (d > 9 || v > (limit - d) / 10)
			return false;
		v = v * 10 + d;
	}
	*out = neg ? (int64_t)(0 - v) : (int64_t)v;
	return true;
}

int slice_hex_digit(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}
