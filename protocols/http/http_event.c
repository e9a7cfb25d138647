/*
 * Event model of the HTTP head. Invariants: an event's slices never own
 * memory (they borrow the request body, its headers, JSON trees kept alive
 * by arena cleanups, or arena blocks); user-property values are stored
 * already AMQP-encoded so building records is a copy; record headers are
 * written in the order lib/evhdr.h fixes, because the AMQP head relies on
 * "everything after EVHDR_SRC is bookkeeping".
 */
#include "http_event.h"

#include <locale.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "amqpv.h"
#include "evhdr.h"
#include "mem.h"
#include "rb.h"
#include "wire.h"

static const char *const sys_headers[HTTP_EVENT_SYS_COUNT] = {
	[HTTP_EVENT_SYS_MESSAGE_ID] = "message-id",
	[HTTP_EVENT_SYS_TO] = "to",
	[HTTP_EVENT_SYS_SUBJECT] = "subject",
	[HTTP_EVENT_SYS_REPLY_TO] = "reply-to",
	[HTTP_EVENT_SYS_CORRELATION_ID] = "correlation-id",
	[HTTP_EVENT_SYS_CONTENT_TYPE] = "content-type",
};

/* Service Bus REST BrokerProperties names (case as the service spells them). */
static const char *const sys_broker_names[HTTP_EVENT_SYS_COUNT] = {
	[HTTP_EVENT_SYS_MESSAGE_ID] = "MessageId",
	[HTTP_EVENT_SYS_TO] = "To",
	[HTTP_EVENT_SYS_SUBJECT] = "Label",
	[HTTP_EVENT_SYS_REPLY_TO] = "ReplyTo",
	[HTTP_EVENT_SYS_CORRELATION_ID] = "CorrelationId",
	[HTTP_EVENT_SYS_CONTENT_TYPE] = "ContentType",
};

static const uint8_t empty_bytes[1];

void http_event_msg_set(http_event_msg_t *msg, const char *fmt, ...)
{
	va_list ap;

	if (!msg)
		return;
	va_start(ap, fmt);
	vsnprintf(msg->text, sizeof(msg->text), fmt, ap);
	va_end(ap);
}

/* At most this many bytes of a client-supplied name are quoted in an error text. */
#define QUOTE_MAX 64

static int quote_len(trib_slice_t s)
{
	return (int)(s.len > QUOTE_MAX ? QUOTE_MAX : s.len);
}

const char *http_event_sys_header(http_event_sys_t sys)
{
	return (unsigned)sys < HTTP_EVENT_SYS_COUNT ? sys_headers[sys] : "";
}

bool http_event_utf8_valid(const uint8_t *p, size_t n)
{
	size_t i = 0;

	while (i < n) {
		uint8_t c = p[i];
		size_t more;
		uint32_t cp, min;

		if (c < 0x80) {
			i++;
			continue;
		}
		if ((c & 0xe0) == 0xc0) {
			more = 1, cp = c & 0x1f, min = 0x80;
		} else if ((c & 0xf0) == 0xe0) {
			more = 2, cp = c & 0x0f, min = 0x800;
		} else if ((c & 0xf8) == 0xf0) {
			more = 3, cp = c & 0x07, min = 0x10000;
		} else {
			return false;
		}
		if (n - i - 1 < more)
			return false;
		for (size_t k = 1; k <= more; k++) {
			if ((p[i + k] & 0xc0) != 0x80)
				return false;
			cp = cp << 6 | (p[i + k] & 0x3f);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return false;
		i += more + 1;
	}
	return true;
}

static size_t skip_digits(trib_slice_t s, size_t i)
{
	while (i < s.len && s.ptr[i] >= '0' && s.ptr[i] <= '9')
		i++;
	return i;
}

/* [+-](digits[.digits]|.digits)([eE][+-]digits)? over the whole input. */
static bool float_syntax(trib_slice_t s)
{
	size_t i = 0, j;
	bool mant = false;

	if (i < s.len && (s.ptr[i] == '+' || s.ptr[i] == '-'))
		i++;
	j = skip_digits(s, i);
	mant = j > i;
	i = j;
	if (i < s.len && s.ptr[i] == '.') {
		j = skip_digits(s, i + 1);
		mant = mant || j > i + 1;
		i = j;
	}
	if (!mant)
		return false;
	if (i < s.len && (s.ptr[i] == 'e' || s.ptr[i] == 'E')) {
		i++;
		if (i < s.len && (s.ptr[i] == '+' || s.ptr[i] == '-'))
			i++;
		j = skip_digits(s, i);
		if (j == i)
			return false;
		i = j;
	}
	return i == s.len;
}

static locale_t c_locale;
static pthread_once_t c_locale_once = PTHREAD_ONCE_INIT;

static void c_locale_init(void)
{
	c_locale = newlocale(LC_ALL_MASK, "C", (locale_t)0);
}

/* strtod in the C locale (the process locale may use ',' for decimals). */
static bool parse_double(trib_slice_t s, double *out)
{
	char small[128];
	char *buf = small;
	bool ok;

	if (!float_syntax(s))
		return false;
	pthread_once(&c_locale_once, c_locale_init);
	if (!c_locale)
		return false;
	if (s.len >= sizeof(small)) {
		buf = mem_alloc(MEM_HTTP, s.len + 1);
		if (!buf)
			return false;
	}
	memcpy(buf, s.ptr, s.len);
	buf[s.len] = '\0';
	*out = strtod_l(buf, NULL, c_locale);
	ok = isfinite(*out);
	if (buf != small)
		mem_free(buf);
	return ok;
}

http_event_value_t http_event_type_text(trib_slice_t text)
{
	http_event_value_t v = {.type = HTTP_EVENT_STRING, .s = text};
	int64_t i;
	double d;

	if (!v.s.ptr)
		v.s = (trib_slice_t){empty_bytes, 0};
	if (slice_to_i64(text, &i)) {
		v.type = (i >= INT32_MIN && i <= INT32_MAX) ? HTTP_EVENT_INT : HTTP_EVENT_LONG;
		v.i = i;
	} else if (parse_double(text, &d)) {
		v.type = HTTP_EVENT_DOUBLE;
		v.d = d;
	} else if (slice_eq_cstr(text, "true", true) || slice_eq_cstr(text, "false", true)) {
		v.type = HTTP_EVENT_BOOL;
		v.b = text.len == 4;
	}
	return v;
}

static void write_value(wire_wr_t *wr, const http_event_value_t *v)
{
	switch (v->type) {
	case HTTP_EVENT_INT:
		amqpv_wr_int(wr, (int32_t)v->i);
		break;
	case HTTP_EVENT_LONG:
		amqpv_wr_long(wr, v->i);
		break;
	case HTTP_EVENT_DOUBLE:
		amqpv_wr_double(wr, v->d);
		break;
	case HTTP_EVENT_BOOL:
		amqpv_wr_bool(wr, v->b);
		break;
	case HTTP_EVENT_STRING:
		amqpv_wr_string(wr, v->s);
		break;
	}
}

trib_err_t http_event_encode(http_arena_t *a, const http_event_value_t *v, trib_slice_t *out)
{
	wire_wr_t wr;
	uint8_t *buf;

	if (v->type == HTTP_EVENT_STRING && v->s.len > UINT32_MAX)
		return TRIB_ERR_TOO_LARGE;
	wire_wr_init(&wr, NULL, 0);
	write_value(&wr, v);
	buf = http_arena_alloc(a, wr.pos);
	if (!buf)
		return TRIB_ERR_NOMEM;
	wire_wr_init(&wr, buf, wr.pos);
	write_value(&wr, v);
	*out = (trib_slice_t){buf, wr.pos};
	return TRIB_OK;
}

trib_err_t http_event_encode_json(http_arena_t *a, const json_t *j, const char *what,
				  trib_slice_t *out, http_event_msg_t *msg)
{
	http_event_value_t v = {0};

	switch (json_typeof(j)) {
	case JSON_INTEGER:
		v.i = json_integer_value(j);
		v.type = (v.i >= INT32_MIN && v.i <= INT32_MAX) ? HTTP_EVENT_INT : HTTP_EVENT_LONG;
		break;
	case JSON_REAL:
		v.type = HTTP_EVENT_DOUBLE;
		v.d = json_real_value(j);
		break;
	case JSON_TRUE:
	case JSON_FALSE:
		v.type = HTTP_EVENT_BOOL;
		v.b = json_is_true(j);
		break;
	case JSON_STRING:
		v.type = HTTP_EVENT_STRING;
		v.s = (trib_slice_t){(const uint8_t *)json_string_value(j), json_string_length(j)};
		break;
	case JSON_NULL:
		http_event_msg_set(msg, "%s: null values are not supported", what);
		return TRIB_ERR_INVALID;
	default:
		http_event_msg_set(msg, "%s: objects and arrays are not supported as property values", what);
		return TRIB_ERR_INVALID;
	}
	return http_event_encode(a, &v, out);
}

static trib_err_t broker_string(const json_t *obj, const char *name, const char *what,
				trib_slice_t *out, http_event_msg_t *msg)
{
	const json_t *v = json_object_get(obj, name);

	if (!v || json_is_null(v))
		return TRIB_OK;
	if (!json_is_string(v)) {
		http_event_msg_set(msg, "%s.%s must be a string", what, name);
		return TRIB_ERR_INVALID;
	}
	*out = (trib_slice_t){(const uint8_t *)json_string_value(v), json_string_length(v)};
	return TRIB_OK;
}

trib_err_t http_event_apply_broker(http_event_t *ev, const json_t *obj, const char *what,
				   http_event_msg_t *msg)
{
	trib_err_t err;

	if (!json_is_object(obj)) {
		http_event_msg_set(msg, "%s must be a JSON object", what);
		return TRIB_ERR_INVALID;
	}
	err = broker_string(obj, "PartitionKey", what, &ev->key, msg);
	for (int i = 0; err == TRIB_OK && i < HTTP_EVENT_SYS_COUNT; i++)
		err = broker_string(obj, sys_broker_names[i], what, &ev->sys[i], msg);
	return err;
}

static const char *const reserved_exact[] = {
	"host",
	"content-type",
	"content-length",
	"authorization",
	"user-agent",
	"connection",
	"expect",
	"transfer-encoding",
	"cookie",
	"brokerproperties",
	"origin",
	"referer",
	"te",
	"upgrade",
	"via",
	"cache-control",
	"pragma",
	"date",
	"keep-alive",
	"forwarded",
};

static const char *const reserved_prefix[] = {"accept", "x-ms-", "proxy-", "x-forwarded-"};

static bool has_prefix_nocase(trib_slice_t s, const char *prefix)
{
	size_t n = strlen(prefix);

	return s.len >= n && slice_eq_cstr((trib_slice_t){s.ptr, n}, prefix, true);
}

bool http_event_header_reserved(trib_slice_t name)
{
	for (size_t i = 0; i < sizeof(reserved_exact) / sizeof(reserved_exact[0]); i++)
		if (slice_eq_cstr(name, reserved_exact[i], true))
			return true;
	for (size_t i = 0; i < sizeof(reserved_prefix) / sizeof(reserved_prefix[0]); i++)
		if (has_prefix_nocase(name, reserved_prefix[i]))
			return true;
	return false;
}

static bool same_name_nocase(trib_slice_t a, trib_slice_t b)
{
	if (a.len != b.len)
		return false;
	for (size_t i = 0; i < a.len; i++) {
		uint8_t x = a.ptr[i], y = b.ptr[i];

		if (x >= 'A' && x <= 'Z')
			x = (uint8_t)(x + 32);
		if (y >= 'A' && y <= 'Z')
			y = (uint8_t)(y + 32);
		if (x != y)
			return false;
	}
	return true;
}

static void json_free_cb(void *arg)
{
	json_decref(arg);
}

/* Parses the BrokerProperties header into a tree kept alive by the arena. */
static trib_err_t broker_header(http_arena_t *a, trib_slice_t text, http_event_t *ev,
				http_event_msg_t *msg)
{
	json_error_t jerr;
	json_t *root = json_loadb((const char *)text.ptr, text.len, JSON_REJECT_DUPLICATES, &jerr);

	if (!root) {
		http_event_msg_set(msg, "BrokerProperties header is not valid JSON (line %d, column %d: %s)",
			jerr.line, jerr.column, jerr.text);
		return TRIB_ERR_INVALID;
	}
	if (http_arena_on_free(a, json_free_cb, root) != TRIB_OK) {
		json_decref(root);
		return TRIB_ERR_NOMEM;
	}
	return http_event_apply_broker(ev, root, "BrokerProperties header", msg);
}

static bool prop_seen(const http_event_t *ev, trib_slice_t name)
{
	for (size_t i = 0; i < ev->nprops; i++)
		if (same_name_nocase(ev->props[i].name, name))
			return true;
	return false;
}

static trib_err_t header_prop(http_arena_t *a, http_event_t *ev, const http_event_header_t *h,
			      http_event_msg_t *msg)
{
	http_event_value_t v;
	http_event_prop_t *p;
	trib_err_t err;

	if (!http_event_utf8_valid(h->name.ptr, h->name.len) ||
	    !http_event_utf8_valid(h->value.ptr, h->value.len)) {
		http_event_msg_set(msg, "header '%.*s' is not valid UTF-8", quote_len(h->name),
			(const char *)h->name.ptr);
		return TRIB_ERR_INVALID;
	}
	if (prop_seen(ev, h->name))
		return TRIB_OK;
	if (ev->nprops == HTTP_EVENT_MAX_PROPS) {
		http_event_msg_set(msg, "more than %d user properties", HTTP_EVENT_MAX_PROPS);
		return TRIB_ERR_TOO_LARGE;
	}
	v = http_event_type_text(h->value);
	p = &ev->props[ev->nprops];
	err = http_event_encode(a, &v, &p->value);
	if (err)
		return err;
	p->name = h->name;
	ev->nprops++;
	return TRIB_OK;
}

static void event_init(http_event_t *ev)
{
	memset(ev, 0, sizeof(*ev));
	ev->body = (trib_slice_t){empty_bytes, 0};
	ev->partition = -1;
}

trib_err_t http_event_from_request(http_arena_t *a, trib_slice_t body,
				   const http_event_header_t *hdrs, size_t nhdrs,
				   http_event_t **out, http_event_msg_t *msg)
{
	http_event_t *ev = http_arena_alloc(a, sizeof(*ev));
	bool broker_done = false;
	size_t cap = nhdrs < HTTP_EVENT_MAX_PROPS ? nhdrs : HTTP_EVENT_MAX_PROPS;
	trib_err_t err = TRIB_OK;

	if (!ev)
		return TRIB_ERR_NOMEM;
	event_init(ev);
	if (body.ptr)
		ev->body = body;
	ev->props = http_arena_alloc(a, cap * sizeof(*ev->props));
	if (!ev->props)
		return TRIB_ERR_NOMEM;
	for (size_t i = 0; err == TRIB_OK && i < nhdrs; i++) {
		const http_event_header_t *h = &hdrs[i];

		if (slice_eq_cstr(h->name, "BrokerProperties", true)) {
			if (!broker_done)
				err = broker_header(a, h->value, ev, msg);
			broker_done = true;
		} else if (!http_event_header_reserved(h->name)) {
			err = header_prop(a, ev, h, msg);
		}
	}
	if (err)
		return err;
	*out = ev;
	return TRIB_OK;
}

trib_err_t http_event_set_publisher(http_event_t *evs, size_t n, trib_slice_t publisher,
				    http_event_msg_t *msg)
{
	if (!publisher.ptr || !http_event_utf8_valid(publisher.ptr, publisher.len)) {
		http_event_msg_set(msg, "publisher name is not valid UTF-8");
		return TRIB_ERR_INVALID;
	}
	for (size_t i = 0; i < n; i++) {
		if (evs[i].key.ptr && !slice_eq(evs[i].key, publisher)) {
			http_event_msg_set(msg, "PartitionKey '%.*s' does not match publisher '%.*s'",
				quote_len(evs[i].key), (const char *)evs[i].key.ptr,
				quote_len(publisher), (const char *)publisher.ptr);
			return TRIB_ERR_INVALID;
		}
		evs[i].key = publisher;
		evs[i].publisher = publisher;
	}
	return TRIB_OK;
}

/* Sort key: partition first, then request order, so each group keeps the order events came in. */
typedef struct order {
	int32_t partition;
	size_t index;
} order_t;

static int order_cmp(const void *x, const void *y)
{
	const order_t *a = x, *b = y;

	if (a->partition != b->partition)
		return a->partition < b->partition ? -1 : 1;
	return a->index < b->index ? -1 : a->index > b->index;
}

static void batch_free_cb(void *arg)
{
	http_event_batch_release(arg);
}

void http_event_batch_release(http_event_batch_t *b)
{
	mem_free(b->bytes);
	b->bytes = NULL;
}

/* Fills @p kv with the record headers of @p ev in evhdr.h order; returns how many. */
static size_t record_headers(const http_event_t *ev, rb_kv_t *kv)
{
	size_t n = 0;

	for (size_t i = 0; i < ev->nprops; i++)
		kv[n++] = (rb_kv_t){ev->props[i].name, ev->props[i].value};
	kv[n++] = (rb_kv_t){slice_from_cstr(EVHDR_SRC), slice_from_cstr(HTTP_EVENT_SRC_VALUE)};
	if (ev->publisher.ptr)
		kv[n++] = (rb_kv_t){slice_from_cstr(EVHDR_PUBLISHER), ev->publisher};
	for (int i = 0; i < HTTP_EVENT_SYS_COUNT; i++)
		if (ev->sys[i].ptr)
			kv[n++] = (rb_kv_t){slice_from_cstr(sys_headers[i]), ev->sys[i]};
	return n;
}

static trib_err_t build_one(http_arena_t *a, const http_event_t *evs, const order_t *ord, size_t n,
			    int64_t ts_ms, rb_kv_t *kv, http_event_batch_t *out)
{
	rb_builder_t b;
	trib_err_t err = TRIB_OK;

	rb_builder_init(&b, ts_ms);
	for (size_t i = 0; err == TRIB_OK && i < n; i++) {
		const http_event_t *ev = &evs[ord[i].index];
		size_t nkv = record_headers(ev, kv);

		err = rb_builder_add(&b, ts_ms, ev->key, ev->body, kv, nkv);
	}
	if (err == TRIB_OK)
		err = rb_builder_finish(&b, &out->bytes, &out->len);
	rb_builder_free(&b);
	if (err)
		return err;
	out->partition = ord[0].partition;
	out->count = n;
	if (http_arena_on_free(a, batch_free_cb, out) != TRIB_OK) {
		http_event_batch_release(out);
		return TRIB_ERR_NOMEM;
	}
	return TRIB_OK;
}

trib_err_t http_event_build(http_arena_t *a, const http_event_t *evs, size_t n, int64_t ts_ms,
			    http_event_batch_t **out, size_t *nout)
{
	order_t *ord;
	rb_kv_t *kv;
	http_event_batch_t *batches;
	size_t groups = 0, maxprops = 0;

	if (n == 0)
		return TRIB_ERR_INVALID;
	if (n > RB_MAX_RECORDS)
		return TRIB_ERR_TOO_LARGE;
	ord = http_arena_alloc(a, n * sizeof(*ord));
	if (!ord)
		return TRIB_ERR_NOMEM;
	for (size_t i = 0; i < n; i++) {
		if (evs[i].partition < 0)
			return TRIB_ERR_INVALID;
		ord[i] = (order_t){evs[i].partition, i};
		if (evs[i].nprops > maxprops)
			maxprops = evs[i].nprops;
	}
	qsort(ord, n, sizeof(*ord), order_cmp);
	for (size_t i = 0; i < n; i++)
		groups += i == 0 || ord[i].partition != ord[i - 1].partition;
	batches = http_arena_alloc(a, groups * sizeof(*batches));
	kv = http_arena_alloc(a, (maxprops + 2 + HTTP_EVENT_SYS_COUNT) * sizeof(*kv));
	if (!batches || !kv)
		return TRIB_ERR_NOMEM;
	memset(batches, 0, groups * sizeof(*batches));
	for (size_t g = 0, start = 0; g < groups; g++) {
		size_t end = start + 1;
		trib_err_t err;

		while (end < n && ord[end].partition == ord[start].partition)
			end++;
		err = build_one(a, evs, ord + start, end - start, ts_ms, kv, &batches[g]);
		if (err)
			return err;
		start = end;
	}
	*out = batches;
	*nout = groups;
	return TRIB_OK;
}
