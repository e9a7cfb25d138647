/*
 * Selector parsing. The filter-set is walked with the checked AMQP value
 * reader; the expression is a tiny fixed grammar matched by hand (no
 * regex, no allocation). Numbers are parsed with overflow checks; the only
 * negative value accepted is -1, which every SDK uses for "start".
 */
#include "amqp_filter.h"

#include <string.h>

#include "amqpv.h"

#define PREFIX "amqp.annotation."

typedef struct cursor {
	const uint8_t *p;
	const uint8_t *end;
} cursor_t;

static void skip_ws(cursor_t *c)
{
	while (c->p < c->end && (*c->p == ' ' || *c->p == '\t' || *c->p == '\r' || *c->p == '\n'))
		c->p++;
}

/* Consumes @p word (ASCII case ignored) when it is next. */
static bool take_word(cursor_t *c, const char *word)
{
	size_t n = strlen(word);

	if ((size_t)(c->end - c->p) < n)
		return false;
	for (size_t i = 0; i < n; i++) {
		uint8_t a = c->p[i], b = (uint8_t)word[i];

		if (a >= 'A' && a <= 'Z')
			a = (uint8_t)(a - 'A' + 'a');
		if (a != b)
			return false;
	}
	c->p += n;
	return true;
}

static bool parse_i64(trib_slice_t s, int64_t *out)
{
	bool neg = false;
	uint64_t v = 0;
	size_t i = 0;

	if (s.len > 0 && s.ptr[0] == '-') {
		neg = true;
		i = 1;
	} else if (s.len > 0 && s.ptr[0] == '+') {
		i = 1;
	}
	if (i == s.len)
		return false;
	for (; i < s.len; i++) {
		if (s.ptr[i] < '0' || s.ptr[i] > '9')
			return false;
		if (v > ((uint64_t)INT64_MAX - (s.ptr[i] - '0')) / 10)
			return false;
		v = v * 10 + (uint64_t)(s.ptr[i] - '0');
	}
	*out = neg ? -(int64_t)v : (int64_t)v;
	return true;
}

/* The value token: quoted '...' or bare up to whitespace. */
static bool take_value(cursor_t *c, trib_slice_t *out)
{
	const uint8_t *start;

	if (c->p < c->end && *c->p == '\'') {
		start = ++c->p;
		while (c->p < c->end && *c->p != '\'')
			c->p++;
		if (c->p == c->end)
			return false;
		*out = (trib_slice_t){start, (size_t)(c->p - start)};
		c->p++;
		return true;
	}
	start = c->p;
	while (c->p < c->end && *c->p != ' ' && *c->p != '\t' && *c->p != '\r' && *c->p != '\n')
		c->p++;
	*out = (trib_slice_t){start, (size_t)(c->p - start)};
	return out->len > 0;
}

trib_err_t amqp_filter_parse_expr(trib_slice_t expr, amqp_filter_t *out)
{
	cursor_t c = {expr.ptr, expr.ptr + expr.len};
	trib_slice_t val;
	bool is_offset = false;

	if (!expr.ptr || expr.len > AMQP_FILTER_MAX_EXPR)
		return TRIB_ERR_INVALID;
	out->value = 0;
	skip_ws(&c);
	if (!take_word(&c, PREFIX))
		return TRIB_ERR_INVALID;
	if (take_word(&c, "x-opt-offset")) {
		out->kind = AMQP_FILTER_OFFSET;
		is_offset = true;
	} else if (take_word(&c, "x-opt-sequence-number")) {
		out->kind = AMQP_FILTER_OFFSET;
	} else if (take_word(&c, "x-opt-enqueued-time")) {
		out->kind = AMQP_FILTER_TIME;
	} else {
		return TRIB_ERR_INVALID;
	}
	skip_ws(&c);
	if (take_word(&c, ">="))
		out->inclusive = true;
	else if (take_word(&c, ">"))
		out->inclusive = false;
	else
		return TRIB_ERR_INVALID;
	skip_ws(&c);
	if (!take_value(&c, &val))
		return TRIB_ERR_INVALID;
	skip_ws(&c);
	if (c.p != c.end)
		return TRIB_ERR_INVALID;
	if (is_offset && slice_eq_cstr(val, "@latest", true)) {
		out->kind = AMQP_FILTER_LATEST;
		return TRIB_OK;
	}
	if (!parse_i64(val, &out->value) || out->value < -1)
		return TRIB_ERR_INVALID;
	if (out->value == -1) {
		if (out->kind != AMQP_FILTER_OFFSET)
			return TRIB_ERR_INVALID;
		/* "> -1" is the start of the stream; ">= -1" reads the same way */
		out->kind = AMQP_FILTER_START;
		out->value = 0;
	}
	return TRIB_OK;
}

/* A described selector: the expression in *expr, or false when @p v is not one. */
static bool selector_expr(const amqpv_t *v, trib_slice_t *expr)
{
	if (!amqpv_descriptor_is(v, AMQP_FILTER_CODE, AMQP_FILTER_SELECTOR) &&
	    !amqpv_descriptor_is(v, AMQP_FILTER_CODE_NET, NULL))
		return false;
	return amqpv_is_string(v) && amqpv_get_bytes(v, expr);
}

trib_err_t amqp_filter_parse(const uint8_t *p, size_t len, amqp_filter_t *out)
{
	wire_rd_t rd, el;
	amqpv_t map, key, val;
	trib_slice_t expr;

	out->kind = AMQP_FILTER_START;
	out->inclusive = false;
	out->value = 0;
	if (len == 0)
		return TRIB_OK;
	wire_rd_init(&rd, p, len);
	if (!amqpv_rd(&rd, &map) || wire_rd_left(&rd) != 0)
		return TRIB_ERR_INVALID;
	if (amqpv_is_null(&map))
		return TRIB_OK;
	if (!amqpv_is_map(&map) || !amqpv_elements(&map, &el))
		return TRIB_ERR_INVALID;
	for (uint32_t i = 0; i < map.count / 2; i++) {
		if (!amqpv_rd(&el, &key) || !amqpv_rd(&el, &val))
			return TRIB_ERR_INVALID;
		if (selector_expr(&val, &expr))
			return amqp_filter_parse_expr(expr, out);
	}
	return TRIB_OK;
}

trib_err_t amqp_filter_start(const amqp_filter_t *f, int64_t log_start, int64_t hwm,
			     int64_t *offset)
{
	int64_t at;

	switch (f->kind) {
	case AMQP_FILTER_START:
		at = log_start;
		break;
	case AMQP_FILTER_LATEST:
		at = hwm;
		break;
	case AMQP_FILTER_OFFSET:
		if (!f->inclusive && f->value == INT64_MAX)
			return TRIB_ERR_OUT_OF_RANGE;
		at = f->inclusive ? f->value : f->value + 1;
		break;
	default:
		return TRIB_ERR_INVALID;
	}
	if (at > hwm)
		return TRIB_ERR_OUT_OF_RANGE;
	*offset = at < log_start ? log_start : at;
	return TRIB_OK;
}
