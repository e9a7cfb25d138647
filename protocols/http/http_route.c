/*
 * Path router. Invariant: a route's slices always point into the given
 * path; the path is never copied or modified. The last segments decide the
 * route; whatever comes before them is the hub name.
 */
#include "http_route.h"

#include <string.h>

static trib_slice_t seg(const char *p, size_t a, size_t b)
{
	return (trib_slice_t){(const uint8_t *)p + a, b - a};
}

/* Start of the segment that ends at @p end (exclusive): just after the '/' before it. */
static size_t seg_start(const char *p, size_t end)
{
	size_t i = end;

	while (i > 0 && p[i - 1] != '/')
		i--;
	return i;
}

void http_route_parse(const char *path, size_t len, http_route_t *r)
{
	size_t end = len, s_last, s_arg, s_word;

	memset(r, 0, sizeof(*r));
	r->kind = HTTP_ROUTE_NONE;
	if (len < 2 || path[0] != '/')
		return;
	if (path[end - 1] == '/')
		end--;
	for (size_t i = 1; i < end; i++)
		if (path[i] == '/' && path[i - 1] == '/')
			return;
	s_last = seg_start(path, end);
	if (s_last < 2 || !slice_eq_cstr(seg(path, s_last, end), "messages", true))
		return;
	r->kind = HTTP_ROUTE_HUB;
	r->hub = seg(path, 1, s_last - 1);
	/* /<hub>/<word>/<arg>/messages needs at least 3 segments before "messages" */
	s_arg = seg_start(path, s_last - 1);
	if (s_arg < 2)
		return;
	s_word = seg_start(path, s_arg - 1);
	if (s_word < 2)
		return;
	if (slice_eq_cstr(seg(path, s_word, s_arg - 1), "partitions", true))
		r->kind = HTTP_ROUTE_PARTITION;
	else if (slice_eq_cstr(seg(path, s_word, s_arg - 1), "publishers", true) ||
		 slice_eq_cstr(seg(path, s_word, s_arg - 1), "publisher", true))
		r->kind = HTTP_ROUTE_PUBLISHER;
	else
		return;
	r->hub = seg(path, 1, s_word - 1);
	r->arg = seg(path, s_arg, s_last - 1);
}

bool http_route_partition_id(trib_slice_t s, int32_t *id)
{
	int64_t v = 0;

	if (!s.ptr || s.len == 0 || s.len > 10)
		return false;
	for (size_t i = 0; i < s.len; i++) {
		if (s.ptr[i] < '0' || s.ptr[i] > '9')
			return false;
		v = v * 10 + (s.ptr[i] - '0');
	}
	if (v > INT32_MAX)
		return false;
	*id = (int32_t)v;
	return true;
}
