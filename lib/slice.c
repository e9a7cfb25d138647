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
