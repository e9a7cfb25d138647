/*
 * Message sections and the record mapping.
 *
 * Decoding reads each section once with the checked value reader (so every
 * nested value is bounds-checked before any slice is kept) and enforces the
 * §3.2 order: header, delivery-annotations, message-annotations,
 * properties, application-properties, body (data+ | amqp-sequence+ |
 * amqp-value), footer. A batch is checked completely (every inner message
 * decoded) before its first event goes into the builder, so a malformed
 * batch adds nothing.
 *
 * Record layout (lib/evhdr.h): application properties (name = key, value =
 * the value's full encoding), EVHDR_SRC "amqp", then bookkeeping:
 * EVHDR_PROPS (raw properties section) and its fields as UTF-8 text
 * headers, EVHDR_ANNOTATIONS (a rebuilt message-annotations section with
 * the entries the service does not stamp itself), EVHDR_BODY (raw body
 * sections, when the body is not exactly one data section; empty when the
 * message had no body), EVHDR_PUBLISHER. Text renderings: strings and
 * symbols as they are, numbers and timestamps in decimal, uuids in the
 * 8-4-4-4-12 form, user-id's bytes as they are, other binary ids in
 * lowercase hex.
 *
 * Encoding measures before writing: every compound's size comes from a
 * first pass with a measuring writer, never from patching.
 */
#include "amqp_msg.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "evhdr.h"
#include "mem.h"

#define BODY_RANK 5
/* nesting of a map entry in a section: described section (0), its map (1), the entry (2) */
#define SECTION_ENTRY_DEPTH 2
/* headers besides application properties: marker, props, 10 fields, annotations, body, publisher */
#define EXTRA_HEADERS 16
#define PROP_FIELDS 10

static const struct {
	uint8_t code;
	const char *symbol;
} section_symbols[] = {
	{AMQP_SEC_HEADER, "amqp:header:list"},
	{AMQP_SEC_DELIVERY_ANNOTATIONS, "amqp:delivery-annotations:map"},
	{AMQP_SEC_MESSAGE_ANNOTATIONS, "amqp:message-annotations:map"},
	{AMQP_SEC_PROPERTIES, "amqp:properties:list"},
	{AMQP_SEC_APPLICATION_PROPERTIES, "amqp:application-properties:map"},
	{AMQP_SEC_DATA, "amqp:data:binary"},
	{AMQP_SEC_SEQUENCE, "amqp:amqp-sequence:list"},
	{AMQP_SEC_VALUE, "amqp:amqp-value:*"},
	{AMQP_SEC_FOOTER, "amqp:footer:map"},
};

/* Properties-section fields that become text headers (NULL: kept only in EVHDR_PROPS). */
static const char *const prop_names[PROP_FIELDS] = {
	"message-id", "user-id", "to", "subject", "reply-to", "correlation-id",
	"content-type", "content-encoding", NULL, "creation-time",
};

/* Annotations the service stamps on delivery; never kept from a sender. */
static const char *const stamped[] = {
	"x-opt-partition-key", "x-opt-sequence-number", "x-opt-offset",
	"x-opt-enqueued-time", "x-opt-publisher",
};

static const uint8_t empty_byte[1];

static uint8_t section_code(const amqpv_t *v)
{
	wire_rd_t rd;
	amqpv_t d;
	uint64_t u;
	trib_slice_t s;

	if (!v->descriptor.ptr)
		return 0;
	wire_rd_init(&rd, v->descriptor.ptr, v->descriptor.len);
	if (!amqpv_rd(&rd, &d))
		return 0;
	if (amqpv_get_u64(&d, &u))
		return u >= AMQP_SEC_HEADER && u <= AMQP_SEC_FOOTER ? (uint8_t)u : 0;
	if (!amqpv_is_symbol(&d) || !amqpv_get_bytes(&d, &s))
		return 0;
	for (size_t i = 0; i < sizeof(section_symbols) / sizeof(section_symbols[0]); i++) {
		if (slice_eq_cstr(s, section_symbols[i].symbol, false))
			return section_symbols[i].code;
	}
	return 0;
}

static bool section_type_ok(uint8_t code, const amqpv_t *v)
{
	switch (code) {
	case AMQP_SEC_HEADER:
	case AMQP_SEC_PROPERTIES:
	case AMQP_SEC_SEQUENCE:
		return amqpv_is_list(v);
	case AMQP_SEC_DATA:
		return amqpv_is_binary(v);
	case AMQP_SEC_VALUE:
		return true;
	default:
		return amqpv_is_map(v);
	}
}

static int section_rank(uint8_t code)
{
	if (code >= AMQP_SEC_DATA && code <= AMQP_SEC_VALUE)
		return BODY_RANK;
	return code == AMQP_SEC_FOOTER ? BODY_RANK + 1 : code - AMQP_SEC_HEADER;
}

/* Reads one section; false when it is not a known, well-typed section. */
static bool read_section(wire_rd_t *rd, amqpv_t *s, uint8_t *code)
{
	if (!amqpv_rd(rd, s))
		return false;
	*code = section_code(s);
	return *code != 0 && section_type_ok(*code, s);
}

/* The value of a described section without its descriptor. */
static amqpv_t undescribed(const amqpv_t *s)
{
	amqpv_t v = *s;
	const uint8_t *from = s->descriptor.ptr + s->descriptor.len;

	v.raw = (trib_slice_t){from, (size_t)(s->raw.ptr + s->raw.len - from)};
	v.descriptor = TRIB_SLICE_NULL;
	return v;
}

static trib_err_t add_body(amqp_msg_t *m, uint8_t code, const amqpv_t *s)
{
	amqp_msg_body_t kind = code == AMQP_SEC_DATA	   ? AMQP_BODY_DATA
			       : code == AMQP_SEC_SEQUENCE ? AMQP_BODY_SEQUENCE
							   : AMQP_BODY_VALUE;

	if (m->body_kind == AMQP_BODY_NONE) {
		m->body_kind = kind;
		m->body = s->raw;
		if (kind == AMQP_BODY_DATA)
			m->data = s->data;
		else if (kind == AMQP_BODY_VALUE)
			m->value = undescribed(s);
	} else {
		if (kind != m->body_kind || kind == AMQP_BODY_VALUE)
			return TRIB_ERR_INVALID;
		m->body.len = (size_t)(s->raw.ptr + s->raw.len - m->body.ptr);
	}
	m->body_sections++;
	return TRIB_OK;
}

static trib_err_t keep_section(amqp_msg_t *m, uint8_t code, const amqpv_t *s)
{
	switch (code) {
	case AMQP_SEC_HEADER:
		m->header = s->raw;
		return TRIB_OK;
	case AMQP_SEC_DELIVERY_ANNOTATIONS:
		m->delivery_annotations = s->raw;
		return TRIB_OK;
	case AMQP_SEC_MESSAGE_ANNOTATIONS:
		m->message_annotations = s->raw;
		m->annotations = *s;
		return TRIB_OK;
	case AMQP_SEC_PROPERTIES:
		m->properties = s->raw;
		m->props = *s;
		return TRIB_OK;
	case AMQP_SEC_APPLICATION_PROPERTIES:
		m->application_properties = s->raw;
		m->app_props = *s;
		return TRIB_OK;
	case AMQP_SEC_FOOTER:
		m->footer = s->raw;
		return TRIB_OK;
	default:
		return add_body(m, code, s);
	}
}

static bool is_text_key(const amqpv_t *k)
{
	return amqpv_is_string(k) || amqpv_is_symbol(k);
}

static trib_err_t check_app_props(const amqpv_t *map)
{
	wire_rd_t el;
	amqpv_t k, v;

	if (map->count / 2 > AMQP_MSG_MAX_PROPERTIES || !amqpv_elements(map, &el))
		return TRIB_ERR_INVALID;
	for (uint32_t i = 0; i < map->count / 2; i++) {
		if (!amqpv_rd(&el, &k) || !amqpv_rd(&el, &v) || !is_text_key(&k))
			return TRIB_ERR_INVALID;
	}
	return TRIB_OK;
}

static bool key_is(const amqpv_t *k, const char *name)
{
	trib_slice_t s;

	return is_text_key(k) && amqpv_get_bytes(k, &s) && slice_eq_cstr(s, name, false);
}

static void find_partition_key(amqp_msg_t *m)
{
	wire_rd_t el;
	amqpv_t k, v;

	if (!amqpv_elements(&m->annotations, &el))
		return;
	for (uint32_t i = 0; i < m->annotations.count / 2; i++) {
		if (!amqpv_rd(&el, &k) || !amqpv_rd(&el, &v))
			return;
		if (key_is(&k, "x-opt-partition-key") && amqpv_is_string(&v)) {
			m->partition_key = v.data;
			return;
		}
	}
}

trib_err_t amqp_msg_decode(const uint8_t *p, size_t len, amqp_msg_t *m)
{
	wire_rd_t rd;
	amqpv_t s;
	uint8_t code;
	int last = -1, rank;
	trib_err_t err;

	memset(m, 0, sizeof(*m));
	if (len == 0)
		return TRIB_ERR_INVALID;
	wire_rd_init(&rd, p, len);
	while (wire_rd_left(&rd) > 0) {
		if (!read_section(&rd, &s, &code))
			return TRIB_ERR_INVALID;
		rank = section_rank(code);
		if (rank < last || (rank == last && rank != BODY_RANK))
			return TRIB_ERR_INVALID;
		last = rank;
		err = keep_section(m, code, &s);
		if (err)
			return err;
	}
	if (!wire_rd_ok(&rd))
		return TRIB_ERR_INVALID;
	if (m->application_properties.ptr && check_app_props(&m->app_props) != TRIB_OK)
		return TRIB_ERR_INVALID;
	if (m->message_annotations.ptr)
		find_partition_key(m);
	return TRIB_OK;
}

/* ---- text renderings of properties fields ---- */

static void wr_text(wire_wr_t *wr, const char *s, size_t n)
{
	wire_wr_raw(wr, s, n);
}

static void wr_u64_text(wire_wr_t *wr, uint64_t v)
{
	char buf[24];
	int n = snprintf(buf, sizeof(buf), "%" PRIu64, v);

	wr_text(wr, buf, (size_t)n);
}

static void wr_i64_text(wire_wr_t *wr, int64_t v)
{
	char buf[24];
	int n = snprintf(buf, sizeof(buf), "%" PRId64, v);

	wr_text(wr, buf, (size_t)n);
}

static void wr_hex(wire_wr_t *wr, const uint8_t *p, size_t n)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		char two[2] = {digits[p[i] >> 4], digits[p[i] & 15]};

		wr_text(wr, two, 2);
	}
}

static void wr_uuid_text(wire_wr_t *wr, const uint8_t *u)
{
	wr_hex(wr, u, 4);
	wr_text(wr, "-", 1);
	wr_hex(wr, u + 4, 2);
	wr_text(wr, "-", 1);
	wr_hex(wr, u + 6, 2);
	wr_text(wr, "-", 1);
	wr_hex(wr, u + 8, 2);
	wr_text(wr, "-", 1);
	wr_hex(wr, u + 10, 6);
}

/* Writes field @p field's value as text; false when it has no text form (null included). */
static bool render_text(wire_wr_t *wr, int field, const amqpv_t *v)
{
	uint64_t u;
	int64_t i;
	bool b;

	if (amqpv_is_string(v) || amqpv_is_symbol(v) || (amqpv_is_binary(v) && field == 1)) {
		wire_wr_raw(wr, v->data.ptr, v->data.len);
		return true;
	}
	if (amqpv_is_binary(v)) {
		wr_hex(wr, v->data.ptr, v->data.len);
		return true;
	}
	if (v->code == AMQPV_UUID) {
		wr_uuid_text(wr, v->data.ptr);
		return true;
	}
	if (amqpv_get_u64(v, &u)) {
		wr_u64_text(wr, u);
		return true;
	}
	if (amqpv_get_i64(v, &i)) {
		wr_i64_text(wr, i);
		return true;
	}
	if (amqpv_get_bool(v, &b)) {
		wr_text(wr, b ? "true" : "false", b ? 4 : 5);
		return true;
	}
	return false;
}

/*
 * Adds the text headers for the properties list @p props to h[*n...].
 * *text receives the buffer the values point into (owned by the caller).
 */
static trib_err_t add_prop_texts(const amqpv_t *props, rb_kv_t *h, size_t *n, uint8_t **text)
{
	wire_wr_t wr;
	wire_rd_t el;
	amqpv_t f;
	size_t need;

	for (int pass = 0; pass < 2; pass++) {
		if (pass == 0) {
			wire_wr_init(&wr, NULL, 0);
		} else {
			need = wr.pos;
			*text = mem_alloc(MEM_AMQP, need ? need : 1);
			if (!*text)
				return TRIB_ERR_NOMEM;
			wire_wr_init(&wr, *text, need);
		}
		if (!amqpv_elements(props, &el))
			return TRIB_ERR_INVALID;
		for (uint32_t i = 0; i < props->count && i < PROP_FIELDS; i++) {
			size_t at = wr.pos;

			if (!amqpv_rd(&el, &f))
				return TRIB_ERR_INVALID;
			if (!prop_names[i] || !render_text(&wr, (int)i, &f) || pass == 0)
				continue;
			h[(*n)++] = (rb_kv_t){slice_from_cstr(prop_names[i]),
					      (trib_slice_t){*text + at, wr.pos - at}};
		}
	}
	return TRIB_OK;
}

static bool is_stamped(const amqpv_t *k)
{
	for (size_t i = 0; i < sizeof(stamped) / sizeof(stamped[0]); i++) {
		if (key_is(k, stamped[i]))
			return true;
	}
	return false;
}

/* Writes the annotation entries the service does not stamp; *count gets keys + values. */
static void kept_annotations(wire_wr_t *wr, const amqpv_t *map, uint32_t *count)
{
	wire_rd_t el;
	amqpv_t k, v;

	*count = 0;
	if (!amqpv_elements(map, &el))
		return;
	for (uint32_t i = 0; i < map->count / 2; i++) {
		if (!amqpv_rd(&el, &k) || !amqpv_rd(&el, &v))
			return;
		if (is_stamped(&k))
			continue;
		wire_wr_raw(wr, k.raw.ptr, k.raw.len);
		wire_wr_raw(wr, v.raw.ptr, v.raw.len);
		*count += 2;
	}
}

/* A message-annotations section with the kept entries in *out (owned), or NULL when none. */
static trib_err_t extra_annotations(const amqpv_t *map, uint8_t **out, size_t *len)
{
	wire_wr_t wr;
	uint32_t count;
	size_t body;

	*out = NULL;
	*len = 0;
	wire_wr_init(&wr, NULL, 0);
	kept_annotations(&wr, map, &count);
	if (count == 0)
		return TRIB_OK;
	body = wr.pos;
	wire_wr_init(&wr, NULL, 0);
	amqpv_wr_descriptor(&wr, AMQP_SEC_MESSAGE_ANNOTATIONS);
	amqpv_wr_map_header(&wr, body, count);
	*len = wr.pos + body;
	*out = mem_alloc(MEM_AMQP, *len);
	if (!*out)
		return TRIB_ERR_NOMEM;
	wire_wr_init(&wr, *out, *len);
	amqpv_wr_descriptor(&wr, AMQP_SEC_MESSAGE_ANNOTATIONS);
	amqpv_wr_map_header(&wr, body, count);
	kept_annotations(&wr, map, &count);
	return TRIB_OK;
}

/* The record value for a body that is not exactly one data section. */
static trib_slice_t body_value(const amqp_msg_t *m)
{
	trib_slice_t s;

	switch (m->body_kind) {
	case AMQP_BODY_VALUE:
		if ((amqpv_is_string(&m->value) || amqpv_is_binary(&m->value)) &&
		    amqpv_get_bytes(&m->value, &s))
			return s;
		return m->value.raw;
	case AMQP_BODY_NONE:
		return TRIB_SLICE_NULL;
	default:
		return m->body;
	}
}

static void add_app_props(const amqp_msg_t *m, rb_kv_t *h, size_t *n)
{
	wire_rd_t el;
	amqpv_t k, v;
	trib_slice_t name;

	if (!m->application_properties.ptr || !amqpv_elements(&m->app_props, &el))
		return;
	for (uint32_t i = 0; i < m->app_props.count / 2; i++) {
		if (!amqpv_rd(&el, &k) || !amqpv_rd(&el, &v) || !amqpv_get_bytes(&k, &name))
			return;
		h[(*n)++] = (rb_kv_t){name, v.raw};
	}
}

void amqp_msg_out_init(amqp_msg_out_t *o, size_t max_bytes, int64_t ts_ms)
{
	memset(o, 0, sizeof(*o));
	o->max_bytes = max_bytes;
	o->ts_ms = ts_ms;
}

void amqp_msg_out_free(amqp_msg_out_t *o)
{
	for (size_t i = 0; i < o->n; i++)
		rb_builder_free(&o->batches[i]);
	mem_free(o->batches);
	amqp_msg_out_init(o, o->max_bytes, o->ts_ms);
}

static size_t varbytes_size(trib_slice_t s)
{
	return wire_varint_size(s.ptr ? (int64_t)s.len : -1) + s.len;
}

/*
 * Bytes a record at offset delta @p delta takes (Kafka protocol guide,
 * "Record"); every record of a delivery has the batch's timestamp, so the
 * timestamp delta is 0.
 */
static size_t record_size(int32_t delta, trib_slice_t key, trib_slice_t value, const rb_kv_t *h,
			  size_t nh)
{
	size_t body = 1 + wire_varint_size(0) + wire_varint_size(delta);

	body += varbytes_size(key) + varbytes_size(value) + wire_varint_size((int64_t)nh);
	for (size_t i = 0; i < nh; i++)
		body += varbytes_size(h[i].name) + varbytes_size(h[i].value);
	return wire_varint_size((int64_t)body) + body;
}

/* The builder the next record of @p size bytes goes to: the last one, or a new one. */
static rb_builder_t *builder_for(amqp_msg_out_t *o, size_t size)
{
	rb_builder_t *last = o->n ? &o->batches[o->n - 1] : NULL;

	if (last && (!o->max_bytes || last->count == 0 || last->wr.pos + size <= o->max_bytes))
		return last;
	if (o->n == o->cap) {
		size_t cap = o->cap ? o->cap * 2 : 1;
		rb_builder_t *nb = mem_realloc(MEM_AMQP, o->batches, cap * sizeof(*nb));

		if (!nb)
			return NULL;
		o->batches = nb;
		o->cap = cap;
	}
	last = &o->batches[o->n++];
	rb_builder_init(last, o->ts_ms);
	return last;
}

static trib_err_t add_event(amqp_msg_out_t *o, const amqp_msg_t *m, trib_slice_t publisher)
{
	size_t napp = m->application_properties.ptr ? m->app_props.count / 2 : 0;
	rb_kv_t *h = mem_calloc(MEM_AMQP, napp + EXTRA_HEADERS, sizeof(*h));
	uint8_t *text = NULL, *ann = NULL;
	size_t n = 0, ann_len = 0;
	trib_slice_t value;
	rb_builder_t *b;
	size_t size;
	trib_err_t err = TRIB_OK;

	if (!h)
		return TRIB_ERR_NOMEM;
	add_app_props(m, h, &n);
	h[n++] = (rb_kv_t){slice_from_cstr(EVHDR_SRC), slice_from_cstr("amqp")};
	if (m->properties.ptr) {
		h[n++] = (rb_kv_t){slice_from_cstr(EVHDR_PROPS), m->properties};
		err = add_prop_texts(&m->props, h, &n, &text);
	}
	if (!err && m->message_annotations.ptr)
		err = extra_annotations(&m->annotations, &ann, &ann_len);
	if (ann)
		h[n++] = (rb_kv_t){slice_from_cstr(EVHDR_ANNOTATIONS), (trib_slice_t){ann, ann_len}};
	if (m->body_kind == AMQP_BODY_DATA && m->body_sections == 1) {
		value = m->data;
	} else {
		value = body_value(m);
		h[n++] = (rb_kv_t){slice_from_cstr(EVHDR_BODY),
				   m->body.ptr ? m->body : (trib_slice_t){empty_byte, 0}};
	}
	if (publisher.ptr)
		h[n++] = (rb_kv_t){slice_from_cstr(EVHDR_PUBLISHER), publisher};
	if (!err) {
		/* sized as the last batch's next record; in a new batch it is no larger */
		size = record_size(o->n ? o->batches[o->n - 1].count : 0, m->partition_key, value,
				   h, n);
		b = builder_for(o, size);
		err = b ? rb_builder_add(b, o->ts_ms, m->partition_key, value, h, n)
			: TRIB_ERR_NOMEM;
	}
	mem_free(ann);
	mem_free(text);
	mem_free(h);
	return err;
}

/* Calls decode on every data section of the batch envelope; adds events when @p o is set. */
static trib_err_t walk_batch(const amqp_msg_t *env, amqp_msg_out_t *o, trib_slice_t publisher,
			     trib_slice_t *first_key)
{
	wire_rd_t rd;
	amqpv_t s;
	amqp_msg_t inner;
	uint8_t code;
	trib_err_t err;

	wire_rd_init(&rd, env->body.ptr, env->body.len);
	for (uint32_t i = 0; i < env->body_sections; i++) {
		if (!read_section(&rd, &s, &code) || code != AMQP_SEC_DATA)
			return TRIB_ERR_INVALID;
		err = amqp_msg_decode(s.data.ptr, s.data.len, &inner);
		if (err)
			return err;
		if (i == 0 && inner.partition_key.ptr)
			*first_key = inner.partition_key;
		if (o) {
			err = add_event(o, &inner, publisher);
			if (err)
				return err;
		}
	}
	return TRIB_OK;
}

trib_err_t amqp_msg_add_delivery(amqp_msg_out_t *o, const uint8_t *p, size_t len, uint32_t format,
				 trib_slice_t publisher, trib_slice_t *first_key, int32_t *count)
{
	amqp_msg_t env;
	trib_err_t err;

	*count = 0;
	*first_key = TRIB_SLICE_NULL;
	err = amqp_msg_decode(p, len, &env);
	if (err)
		return err;
	if (format != AMQP_MSG_FORMAT_BATCH) {
		*first_key = env.partition_key;
		err = add_event(o, &env, publisher);
		if (!err)
			*count = 1;
		return err;
	}
	if (env.body_kind != AMQP_BODY_DATA || env.body_sections > AMQP_MSG_MAX_BATCH_EVENTS)
		return TRIB_ERR_INVALID;
	*first_key = env.partition_key;
	err = walk_batch(&env, NULL, publisher, first_key);
	if (!err)
		err = walk_batch(&env, o, publisher, first_key);
	if (!err)
		*count = (int32_t)env.body_sections;
	return err;
}

/* ---- record -> message ---- */

typedef struct rec_view {
	bool marked;           /* EVHDR_SRC present: written by AMQP or HTTP */
	trib_slice_t props;    /* a well-formed properties section, or null */
	trib_slice_t text[PROP_FIELDS];
	amqpv_t annotations;   /* a well-formed message-annotations section */
	bool has_annotations;
	trib_slice_t body;     /* well-formed body sections (maybe empty), or null */
	trib_slice_t publisher;
} rec_view_t;

/* True when @p raw is exactly one section with code @p code. */
static bool one_section(trib_slice_t raw, uint8_t code, amqpv_t *s)
{
	wire_rd_t rd;
	uint8_t got;

	if (!raw.ptr)
		return false;
	wire_rd_init(&rd, raw.ptr, raw.len);
	return read_section(&rd, s, &got) && got == code && wire_rd_left(&rd) == 0;
}

/* True when @p raw holds only body sections (or nothing at all). */
static bool only_body(trib_slice_t raw)
{
	amqp_msg_t m;

	if (!raw.ptr)
		return false;
	if (raw.len == 0)
		return true;
	if (amqp_msg_decode(raw.ptr, raw.len, &m) != TRIB_OK)
		return false;
	return m.body_kind != AMQP_BODY_NONE && !m.header.ptr && !m.delivery_annotations.ptr &&
	       !m.message_annotations.ptr && !m.properties.ptr && !m.application_properties.ptr &&
	       !m.footer.ptr;
}

static void view_bookkeeping(rec_view_t *v, trib_slice_t name, trib_slice_t value)
{
	amqpv_t s;

	if (slice_eq_cstr(name, EVHDR_PROPS, false)) {
		if (one_section(value, AMQP_SEC_PROPERTIES, &s))
			v->props = value;
	} else if (slice_eq_cstr(name, EVHDR_ANNOTATIONS, false)) {
		v->has_annotations =
			one_section(value, AMQP_SEC_MESSAGE_ANNOTATIONS, &v->annotations);
	} else if (slice_eq_cstr(name, EVHDR_BODY, false)) {
		if (only_body(value))
			v->body = value;
	} else if (slice_eq_cstr(name, EVHDR_PUBLISHER, false)) {
		v->publisher = value;
	} else {
		for (int i = 0; i < PROP_FIELDS; i++) {
			if (prop_names[i] && slice_eq_cstr(name, prop_names[i], false))
				v->text[i] = value;
		}
	}
}

static void view_record(const rb_record_t *r, rec_view_t *v)
{
	wire_rd_t rd;
	trib_slice_t name, value;

	memset(v, 0, sizeof(*v));
	wire_rd_init(&rd, r->headers.ptr, r->headers.len);
	while (rb_headers_next(&rd, &name, &value)) {
		if (!v->marked) {
			v->marked = slice_eq_cstr(name, EVHDR_SRC, false);
			continue;
		}
		view_bookkeeping(v, name, value);
	}
}

static void wr_symbol(wire_wr_t *wr, const char *s)
{
	amqpv_wr_symbol(wr, slice_from_cstr(s));
}

static void annotation_entries(wire_wr_t *wr, const rb_record_t *r, const rec_view_t *v,
			       uint32_t *count)
{
	char off[24];
	int n = snprintf(off, sizeof(off), "%" PRId64, r->offset);
	uint32_t kept = 0;

	wr_symbol(wr, "x-opt-sequence-number");
	amqpv_wr_long(wr, r->offset);
	wr_symbol(wr, "x-opt-offset");
	amqpv_wr_string(wr, (trib_slice_t){(const uint8_t *)off, (size_t)n});
	wr_symbol(wr, "x-opt-enqueued-time");
	amqpv_wr_timestamp(wr, r->timestamp);
	*count = 6;
	if (r->key.ptr) {
		wr_symbol(wr, v->marked ? "x-opt-partition-key" : "x-opt-kafka-key");
		if (v->marked)
			amqpv_wr_string(wr, r->key);
		else
			amqpv_wr_binary(wr, r->key);
		*count += 2;
	}
	if (v->marked && v->publisher.ptr) {
		wr_symbol(wr, "x-opt-publisher");
		amqpv_wr_string(wr, v->publisher);
		*count += 2;
	}
	if (v->marked && v->has_annotations) {
		kept_annotations(wr, &v->annotations, &kept);
		*count += kept;
	}
}

static void write_annotations(wire_wr_t *wr, const rb_record_t *r, const rec_view_t *v)
{
	wire_wr_t m;
	uint32_t count;

	wire_wr_init(&m, NULL, 0);
	annotation_entries(&m, r, v, &count);
	amqpv_wr_descriptor(wr, AMQP_SEC_MESSAGE_ANNOTATIONS);
	amqpv_wr_map_header(wr, m.pos, count);
	annotation_entries(wr, r, v, &count);
}

static bool parse_ms(trib_slice_t s, int64_t *out)
{
	int64_t v = 0;
	bool neg = s.len > 0 && s.ptr[0] == '-';

	if (!s.ptr || s.len == (size_t)neg || s.len > 20)
		return false;
	for (size_t i = neg; i < s.len; i++) {
		if (s.ptr[i] < '0' || s.ptr[i] > '9' || v > (INT64_MAX - 9) / 10)
			return false;
		v = v * 10 + (s.ptr[i] - '0');
	}
	*out = neg ? -v : v;
	return true;
}

/* Writes properties field @p i from its text header (null when absent). */
static void text_field(wire_wr_t *wr, const rec_view_t *v, int i)
{
	trib_slice_t t = v->text[i];
	int64_t ms;

	if (!t.ptr) {
		amqpv_wr_null(wr);
	} else if (i == 1) {
		amqpv_wr_binary(wr, t);
	} else if (i == 6 || i == 7) {
		amqpv_wr_symbol(wr, t);
	} else if (i == 9) {
		if (parse_ms(t, &ms))
			amqpv_wr_timestamp(wr, ms);
		else
			amqpv_wr_null(wr);
	} else {
		amqpv_wr_string(wr, t);
	}
}

/* A properties section rebuilt from text headers (records written by HTTP). */
static void write_properties(wire_wr_t *wr, const rec_view_t *v)
{
	wire_wr_t m;
	int last = -1;

	if (v->props.ptr) {
		wire_wr_raw(wr, v->props.ptr, v->props.len);
		return;
	}
	for (int i = 0; i < PROP_FIELDS; i++) {
		if (prop_names[i] && v->text[i].ptr)
			last = i;
	}
	if (last < 0)
		return;
	wire_wr_init(&m, NULL, 0);
	for (int i = 0; i <= last; i++)
		text_field(&m, v, i);
	amqpv_wr_descriptor(wr, AMQP_SEC_PROPERTIES);
	amqpv_wr_list_header(wr, m.pos, (uint32_t)last + 1);
	for (int i = 0; i <= last; i++)
		text_field(wr, v, i);
}

/* True when @p raw is exactly one AMQP value that still reads back as a map entry of a section. */
static bool one_value(trib_slice_t raw)
{
	wire_rd_t rd;
	amqpv_t v;

	wire_rd_init(&rd, raw.ptr, raw.len);
	return raw.ptr && amqpv_rd_at(&rd, &v, SECTION_ENTRY_DEPTH) && wire_rd_left(&rd) == 0;
}

static void app_entries(wire_wr_t *wr, const rb_record_t *r, bool marked, uint32_t *count)
{
	wire_rd_t rd;
	trib_slice_t name, value;

	*count = 0;
	wire_rd_init(&rd, r->headers.ptr, r->headers.len);
	while (rb_headers_next(&rd, &name, &value)) {
		if (marked && slice_eq_cstr(name, EVHDR_SRC, false))
			break;
		amqpv_wr_string(wr, name);
		if (!value.ptr)
			amqpv_wr_null(wr);
		else if (marked && one_value(value))
			wire_wr_raw(wr, value.ptr, value.len);
		else
			amqpv_wr_binary(wr, value);
		*count += 2;
	}
}

static void write_app_props(wire_wr_t *wr, const rb_record_t *r, const rec_view_t *v)
{
	wire_wr_t m;
	uint32_t count;

	wire_wr_init(&m, NULL, 0);
	app_entries(&m, r, v->marked, &count);
	if (count == 0)
		return;
	amqpv_wr_descriptor(wr, AMQP_SEC_APPLICATION_PROPERTIES);
	amqpv_wr_map_header(wr, m.pos, count);
	app_entries(wr, r, v->marked, &count);
}

static void write_body(wire_wr_t *wr, const rb_record_t *r, const rec_view_t *v)
{
	if (v->marked && v->body.ptr) {
		wire_wr_raw(wr, v->body.ptr, v->body.len);
	} else if (!r->value.ptr) {
		amqpv_wr_descriptor(wr, AMQP_SEC_VALUE);
		amqpv_wr_null(wr);
	} else {
		amqpv_wr_descriptor(wr, AMQP_SEC_DATA);
		amqpv_wr_binary(wr, r->value);
	}
}

size_t amqp_msg_encode_record(const rb_record_t *r, wire_wr_t *wr)
{
	size_t start = wr->pos;
	rec_view_t v;

	view_record(r, &v);
	write_annotations(wr, r, &v);
	if (v.marked)
		write_properties(wr, &v);
	write_app_props(wr, r, &v);
	write_body(wr, r, &v);
	return wr->pos - start;
}
