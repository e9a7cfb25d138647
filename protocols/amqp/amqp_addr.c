/*
 * Address normalisation. The path is first reduced to "a/b/c" (scheme and
 * host dropped, query dropped, %XX decoded, leading and one trailing slash
 * removed), then split into segments and matched from the right, so a hub
 * named "a/b" still parses. Every slice in the result points into
 * out->path.
 */
#include "amqp_addr.h"

#include <string.h>

#define MAX_SEGMENTS 64

/* Finds "://" and returns the offset of the path after the host, or 0 when there is no scheme. */
static trib_err_t skip_url(trib_slice_t a, size_t *at, bool *is_url)
{
	const uint8_t *s = a.ptr;
	size_t i = 0;

	*is_url = false;
	*at = 0;
	while (i < a.len && (s[i] == '+' || s[i] == '-' || s[i] == '.' ||
			     (s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
			     (i > 0 && s[i] >= '0' && s[i] <= '9')))
		i++;
	if (i == 0 || i + 3 > a.len || memcmp(s + i, "://", 3) != 0)
		return TRIB_OK;
	i += 3;
	while (i < a.len && s[i] != '/')
		i++;
	if (i >= a.len)
		return TRIB_ERR_INVALID;
	*is_url = true;
	*at = i;
	return TRIB_OK;
}

/* Copies a.ptr[from..] into out->path, decoding %XX and stopping at '?' in URLs. */
static trib_err_t copy_path(trib_slice_t a, size_t from, bool is_url, amqp_addr_t *out,
			    size_t *len)
{
	size_t n = 0;

	while (from < a.len && a.ptr[from] == '/')
		from++;
	for (size_t i = from; i < a.len; i++) {
		uint8_t c = a.ptr[i];

		if (is_url && (c == '?' || c == '#'))
			break;
		if (c == '%') {
			int hi = i + 2 < a.len ? slice_hex_digit(a.ptr[i + 1]) : -1;
			int lo = i + 2 < a.len ? slice_hex_digit(a.ptr[i + 2]) : -1;

			if (hi < 0 || lo < 0)
				return TRIB_ERR_INVALID;
			c = (uint8_t)(hi << 4 | lo);
			i += 2;
		}
		if (c == '\0')
			return TRIB_ERR_INVALID;
		out->path[n++] = (char)c;
	}
	if (n > 0 && out->path[n - 1] == '/')
		n--;
	out->path[n] = '\0';
	*len = n;
	return n ? TRIB_OK : TRIB_ERR_INVALID;
}

static bool parse_partition(trib_slice_t s, int32_t *out)
{
	int32_t v = 0;

	if (s.len == 0 || s.len > 9)
		return false;
	for (size_t i = 0; i < s.len; i++) {
		if (s.ptr[i] < '0' || s.ptr[i] > '9')
			return false;
		v = v * 10 + (s.ptr[i] - '0');
	}
	*out = v;
	return true;
}

/* The bytes from the start of segment @p first to the end of segment @p last. */
static trib_slice_t join(const trib_slice_t *seg, size_t first, size_t last)
{
	const uint8_t *end = seg[last].ptr + seg[last].len;

	return (trib_slice_t){seg[first].ptr, (size_t)(end - seg[first].ptr)};
}

static bool nonempty(trib_slice_t s)
{
	return s.ptr && s.len > 0;
}

static trib_err_t classify(amqp_addr_t *out, const trib_slice_t *seg, size_t n)
{
	int32_t part;

	if (slice_eq_cstr(seg[n - 1], "$management", true)) {
		out->kind = AMQP_ADDR_MANAGEMENT;
		out->hub = n > 1 ? join(seg, 0, n - 2) : TRIB_SLICE_NULL;
		return TRIB_OK;
	}
	if (slice_eq_cstr(seg[n - 1], "$cbs", true)) {
		out->kind = AMQP_ADDR_CBS;
		return n == 1 ? TRIB_OK : TRIB_ERR_INVALID;
	}
	if (n >= 5 && slice_eq_cstr(seg[n - 2], "Partitions", true) &&
	    slice_eq_cstr(seg[n - 4], "ConsumerGroups", true) &&
	    parse_partition(seg[n - 1], &part)) {
		out->kind = AMQP_ADDR_CONSUMER;
		out->partition = part;
		out->consumer_group = seg[n - 3];
		out->hub = join(seg, 0, n - 5);
		return nonempty(out->hub) && nonempty(out->consumer_group) ? TRIB_OK
									   : TRIB_ERR_INVALID;
	}
	if (n >= 3 && slice_eq_cstr(seg[n - 2], "Partitions", true) &&
	    parse_partition(seg[n - 1], &part)) {
		out->kind = AMQP_ADDR_PARTITION;
		out->partition = part;
		out->hub = join(seg, 0, n - 3);
		return nonempty(out->hub) ? TRIB_OK : TRIB_ERR_INVALID;
	}
	if (n >= 3 && slice_eq_cstr(seg[n - 2], "Publishers", true)) {
		out->kind = AMQP_ADDR_PUBLISHER;
		out->publisher = seg[n - 1];
		out->hub = join(seg, 0, n - 3);
		return nonempty(out->hub) && nonempty(out->publisher) ? TRIB_OK
								      : TRIB_ERR_INVALID;
	}
	out->kind = AMQP_ADDR_HUB;
	out->hub = join(seg, 0, n - 1);
	return TRIB_OK;
}

trib_err_t amqp_addr_parse(trib_slice_t address, amqp_addr_t *out)
{
	trib_slice_t seg[MAX_SEGMENTS];
	size_t at, len, n = 0, start = 0;
	bool is_url;
	trib_err_t err;

	out->kind = AMQP_ADDR_HUB;
	out->hub = out->consumer_group = out->publisher = TRIB_SLICE_NULL;
	out->partition = -1;
	out->path[0] = '\0';
	if (!address.ptr || address.len == 0 || address.len > AMQP_ADDR_MAX_BYTES)
		return TRIB_ERR_INVALID;
	err = skip_url(address, &at, &is_url);
	if (!err)
		err = copy_path(address, at, is_url, out, &len);
	if (err)
		return err;
	for (size_t i = 0; i <= len; i++) {
		if (i < len && out->path[i] != '/')
			continue;
		if (n == MAX_SEGMENTS)
			return TRIB_ERR_INVALID;
		seg[n++] = (trib_slice_t){(const uint8_t *)out->path + start, i - start};
		start = i + 1;
	}
	return classify(out, seg, n);
}
