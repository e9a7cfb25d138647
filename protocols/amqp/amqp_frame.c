/*
 * Frame scanner. State: either collecting an 8-byte header (a protocol
 * header "AMQP" x y z w, or a frame header size/doff/type/channel) or
 * inside a frame body, where the extended header is skipped, up to
 * AMQP_FRAME_PREFIX_MAX performative bytes are copied and the rest is
 * passed over. AMQP frames (type 0) are decoded field by field from the
 * prefix, so a large attach (filters, properties) still yields its name,
 * handle and role; an attach longer than the prefix is collected whole
 * (up to AMQP_FRAME_ATTACH_MAX, in s->big, freed when decoded) because its
 * desired-capabilities come after the source. Of SASL frames (type 1) only
 * the descriptor is read, to count sasl-inits.
 *
 * Invariants: every delivery a client starts on a tracked link is queued
 * once, in wire order, which is the order Proton creates pn_delivery
 * objects on that link. A refused frame is found no later than its last
 * byte, and amqp_frame_feed keeps back the bytes of the step that found
 * it, so Proton never holds the whole frame.
 */
#include "amqp_frame.h"

#include <string.h>

#include "amqpv.h"
#include "mem.h"
#include "wire.h"

enum { S_HEADER, S_BODY };

enum { FRAME_AMQP = 0, FRAME_SASL = 1 };

enum {
	PERF_ATTACH = 0x12,
	PERF_TRANSFER = 0x14,
	PERF_DETACH = 0x16,
	PERF_END = 0x17,
	PERF_SASL_INIT = 0x41,
};

/* attach fields (AMQP 1.0 §2.7.3) */
enum { ATTACH_NAME, ATTACH_HANDLE, ATTACH_ROLE, ATTACH_DESIRED_CAPS = 12 };

static const struct {
	uint8_t code;
	const char *symbol;
} perf_symbols[] = {
	{PERF_ATTACH, "amqp:attach:list"},
	{PERF_TRANSFER, "amqp:transfer:list"},
	{PERF_DETACH, "amqp:detach:list"},
	{PERF_END, "amqp:end:list"},
	{PERF_SASL_INIT, "amqp:sasl-init:list"},
};

static const struct {
	uint32_t bit;
	const char *symbol;
} cap_symbols[] = {
	{AMQP_FRAME_CAP_RUNTIME_METRIC, AMQP_FRAME_SYM_RUNTIME_METRIC},
};

void amqp_frame_init(amqp_frame_scan_t *s)
{
	memset(s, 0, sizeof(*s));
	s->state = S_HEADER;
}

static void link_free(amqp_frame_link_t *l)
{
	mem_free(l->name);
	mem_free(l->q);
}

void amqp_frame_free(amqp_frame_scan_t *s)
{
	for (size_t i = 0; i < s->nlinks; i++)
		link_free(&s->links[i]);
	mem_free(s->links);
	mem_free(s->big);
	amqp_frame_init(s);
}

const char *amqp_frame_refusal(const amqp_frame_scan_t *s)
{
	return s->refused;
}

static void remove_link(amqp_frame_scan_t *s, size_t i)
{
	link_free(&s->links[i]);
	s->links[i] = s->links[--s->nlinks];
}

/* Link names are unique per direction (AMQP 1.0 §2.6.1): a sender and a receiver may share one. */
static amqp_frame_link_t *by_name(amqp_frame_scan_t *s, trib_slice_t name, bool receiver)
{
	for (size_t i = 0; i < s->nlinks; i++) {
		amqp_frame_link_t *l = &s->links[i];

		if (l->receiver == receiver && l->name_len == name.len &&
		    memcmp(l->name, name.ptr, name.len) == 0)
			return l;
	}
	return NULL;
}

static amqp_frame_link_t *by_handle(amqp_frame_scan_t *s, uint16_t channel, uint32_t handle)
{
	for (size_t i = 0; i < s->nlinks; i++) {
		if (s->links[i].channel == channel && s->links[i].handle == handle)
			return &s->links[i];
	}
	return NULL;
}

/* Client senders are always tracked; client receivers only when they asked for a capability. */
static void on_attach(amqp_frame_scan_t *s, trib_slice_t name, uint32_t handle, bool receiver,
		      uint32_t caps)
{
	amqp_frame_link_t *l = by_name(s, name, receiver);

	if (!l && receiver && !caps)
		return;
	if (!l) {
		if (s->nlinks == AMQP_FRAME_MAX_LINKS)
			return;
		if (s->nlinks == s->cap) {
			size_t cap = s->cap ? s->cap * 2 : 4;
			amqp_frame_link_t *nl = mem_realloc(MEM_AMQP, s->links, cap * sizeof(*nl));

			if (!nl)
				return;
			s->links = nl;
			s->cap = cap;
		}
		l = &s->links[s->nlinks];
		memset(l, 0, sizeof(*l));
		l->name = mem_alloc(MEM_AMQP, name.len ? name.len : 1);
		if (!l->name)
			return;
		memcpy(l->name, name.ptr, name.len);
		l->name_len = name.len;
		l->receiver = receiver;
		s->nlinks++;
	}
	l->caps = caps;
	l->channel = s->channel;
	l->handle = handle;
	l->more = false;
}

/* Detach or end: the handle is free again; the queue stays until Proton's deliveries are taken. */
static void unbind(amqp_frame_scan_t *s, amqp_frame_link_t *l)
{
	l->channel = -1;
	l->more = false;
	if (l->len == 0)
		remove_link(s, (size_t)(l - s->links));
}

static void push(amqp_frame_link_t *l, uint32_t format, trib_slice_t tag)
{
	amqp_frame_pending_t *e;

	if (l->len == l->cap) {
		uint32_t cap = l->cap ? l->cap * 2 : 8;
		amqp_frame_pending_t *nq;

		if (cap > AMQP_FRAME_MAX_QUEUED) {
			/* a client past its credit: forget the oldest */
			l->head = (l->head + 1) % l->cap;
			l->len--;
		} else {
			nq = mem_alloc(MEM_AMQP, cap * sizeof(*nq));
			if (!nq)
				return;
			for (uint32_t i = 0; i < l->len; i++)
				nq[i] = l->q[(l->head + i) % l->cap];
			mem_free(l->q);
			l->q = nq;
			l->cap = cap;
			l->head = 0;
		}
	}
	e = &l->q[(l->head + l->len) % l->cap];
	e->format = format;
	e->tag_len = (uint8_t)(tag.len <= AMQP_FRAME_TAG_MAX ? tag.len : 0);
	if (e->tag_len)
		memcpy(e->tag, tag.ptr, e->tag_len);
	l->len++;
}

typedef struct transfer {
	uint32_t handle;
	trib_slice_t tag;
	uint32_t format;
	bool more;
	bool aborted;
} transfer_t;

static void on_transfer(amqp_frame_scan_t *s, const transfer_t *t)
{
	amqp_frame_link_t *l = by_handle(s, s->channel, t->handle);

	if (!l || l->receiver)
		return;
	if (!l->more)
		push(l, t->format, t->tag);
	l->more = t->more && !t->aborted;
}

/* Reads the performative's list header: its field count, the reader left at field 0. */
static bool list_header(wire_rd_t *rd, uint32_t *count)
{
	uint8_t code = wire_rd_u8(rd);

	if (code == AMQPV_LIST0) {
		*count = 0;
	} else if (code == AMQPV_LIST8) {
		(void)wire_rd_u8(rd);
		*count = wire_rd_u8(rd);
	} else if (code == AMQPV_LIST32) {
		(void)wire_rd_u32(rd);
		*count = wire_rd_u32(rd);
	} else {
		return false;
	}
	return wire_rd_ok(rd);
}

static uint8_t perf_code(wire_rd_t *rd)
{
	amqpv_t d;
	uint64_t u;
	trib_slice_t sym;

	if (wire_rd_u8(rd) != AMQPV_DESCRIBED || !amqpv_rd(rd, &d))
		return 0;
	if (amqpv_get_u64(&d, &u))
		return u <= 0xff ? (uint8_t)u : 0;
	if (!amqpv_is_symbol(&d) || !amqpv_get_bytes(&d, &sym))
		return 0;
	for (size_t i = 0; i < sizeof(perf_symbols) / sizeof(perf_symbols[0]); i++) {
		if (slice_eq_cstr(sym, perf_symbols[i].symbol, false))
			return perf_symbols[i].code;
	}
	return 0;
}

/* Reads up to @p max fields into f[]; returns how many were read whole. */
static uint32_t read_fields(wire_rd_t *rd, uint32_t count, amqpv_t *f, uint32_t max)
{
	uint32_t n = 0;

	while (n < count && n < max && amqpv_rd(rd, &f[n]))
		n++;
	return n;
}

static bool field_u32(const amqpv_t *f, uint32_t n, uint32_t i, uint32_t *out)
{
	uint64_t u;

	if (i >= n || !amqpv_get_u64(&f[i], &u) || u > UINT32_MAX)
		return false;
	*out = (uint32_t)u;
	return true;
}

static bool field_bool(const amqpv_t *f, uint32_t n, uint32_t i)
{
	bool b = false;

	return i < n && amqpv_get_bool(&f[i], &b) && b;
}

static void decode_transfer(amqp_frame_scan_t *s, const amqpv_t *f, uint32_t n)
{
	transfer_t t = {0};

	if (!field_u32(f, n, 0, &t.handle))
		return;
	if (n > 2 && amqpv_is_binary(&f[2]))
		(void)amqpv_get_bytes(&f[2], &t.tag);
	(void)field_u32(f, n, 3, &t.format);
	t.more = field_bool(f, n, 5);
	t.aborted = field_bool(f, n, 9);
	on_transfer(s, &t);
}

/* One desired-capabilities symbol: its AMQP_FRAME_CAP_* bit, 0 when unknown. */
static uint32_t cap_bit(trib_slice_t sym)
{
	for (size_t i = 0; i < sizeof(cap_symbols) / sizeof(cap_symbols[0]); i++) {
		if (slice_eq_cstr(sym, cap_symbols[i].symbol, false))
			return cap_symbols[i].bit;
	}
	return 0;
}

/* Attach field 12: one symbol or an array of symbols (a multiple field, AMQP 1.0 §1.3). */
static uint32_t desired_caps(const amqpv_t *v)
{
	wire_rd_t rd;
	trib_slice_t sym;
	uint32_t caps = 0;

	if (amqpv_is_symbol(v))
		return amqpv_get_bytes(v, &sym) ? cap_bit(sym) : 0;
	if (v->code != AMQPV_ARRAY8 && v->code != AMQPV_ARRAY32)
		return 0;
	if (v->elem_code != AMQPV_SYM8 && v->elem_code != AMQPV_SYM32)
		return 0;
	/* amqpv_rd checked the array, so each element's length fits */
	wire_rd_init(&rd, v->data.ptr, v->data.len);
	for (uint32_t i = 0; i < v->count && wire_rd_ok(&rd); i++) {
		size_t len = v->elem_code == AMQPV_SYM8 ? wire_rd_u8(&rd) : wire_rd_u32(&rd);

		sym = wire_rd_raw(&rd, len);
		if (wire_rd_ok(&rd))
			caps |= cap_bit(sym);
	}
	return caps;
}

static void decode_attach(amqp_frame_scan_t *s, wire_rd_t *rd, uint32_t count)
{
	amqpv_t f[3], v;
	uint32_t n = read_fields(rd, count, f, 3), handle, caps = 0;
	trib_slice_t name;
	bool receiver;

	if (n < 3 || !amqpv_get_bytes(&f[ATTACH_NAME], &name) ||
	    !field_u32(f, n, ATTACH_HANDLE, &handle) || !amqpv_get_bool(&f[ATTACH_ROLE], &receiver))
		return;
	/* skip to field 12; a prefix cut short just leaves no capabilities */
	for (n = 3; n < count && n < ATTACH_DESIRED_CAPS && amqpv_rd(rd, &v); n++)
		;
	if (n == ATTACH_DESIRED_CAPS && n < count && amqpv_rd(rd, &v))
		caps = desired_caps(&v);
	on_attach(s, name, handle, receiver, caps);
}

static void decode_amqp(amqp_frame_scan_t *s, wire_rd_t *rd, uint8_t code, uint32_t count)
{
	amqpv_t f[10];
	uint32_t n, handle;
	amqp_frame_link_t *l;

	switch (code) {
	case PERF_ATTACH:
		decode_attach(s, rd, count);
		break;
	case PERF_TRANSFER:
		n = read_fields(rd, count, f, 10);
		decode_transfer(s, f, n);
		break;
	case PERF_DETACH:
		n = read_fields(rd, count, f, 1);
		if (field_u32(f, n, 0, &handle) && (l = by_handle(s, s->channel, handle)))
			unbind(s, l);
		break;
	case PERF_END:
		for (size_t i = s->nlinks; i-- > 0;) {
			if (s->links[i].channel == s->channel)
				unbind(s, &s->links[i]);
		}
		break;
	default:
		break;
	}
}

/* Proton reads SASL frames in either layer (after the AMQP header too): count them all. */
static void decode_sasl(amqp_frame_scan_t *s, uint8_t code)
{
	if (code != PERF_SASL_INIT)
		return;
	if (++s->sasl_inits > 1)
		s->refused = "A second sasl-init on one connection.";
}

static void decode_performative(amqp_frame_scan_t *s, const uint8_t *p, size_t len)
{
	wire_rd_t rd;
	uint32_t count;
	uint8_t code;

	wire_rd_init(&rd, p, len);
	code = perf_code(&rd);
	if (!code)
		return;
	if (s->type == FRAME_SASL) {
		decode_sasl(s, code);
		return;
	}
	if (list_header(&rd, &count))
		decode_amqp(s, &rd, code, count);
}

/*
 * The performative bytes wanted are in (prefix or big). An attach cut
 * short by the prefix is collected whole first: returns without decoding
 * after raising s->want.
 */
static void collected(amqp_frame_scan_t *s)
{
	wire_rd_t rd;

	if (!s->big && s->want < s->perf_len && s->type == FRAME_AMQP &&
	    s->perf_len <= AMQP_FRAME_ATTACH_MAX) {
		wire_rd_init(&rd, s->prefix, s->prefix_len);
		if (perf_code(&rd) == PERF_ATTACH && (s->big = mem_alloc(MEM_AMQP, s->perf_len))) {
			memcpy(s->big, s->prefix, s->prefix_len);
			s->want = s->perf_len;
			return;
		}
	}
	decode_performative(s, s->big ? s->big : s->prefix, s->prefix_len);
	mem_free(s->big);
	s->big = NULL;
}

/* A complete 8-byte header is in s->hdr. */
static void on_header(amqp_frame_scan_t *s)
{
	uint32_t size;
	uint8_t doff;

	s->hdr_len = 0;
	if (memcmp(s->hdr, "AMQP", 4) == 0) {
		/* protocol id 2 is TLS: the rest is opaque to us */
		s->dead = s->hdr[4] == 2;
		return;
	}
	size = wire_load_u32(s->hdr);
	doff = s->hdr[4];
	if (size < 8 || doff < 2 || (uint32_t)doff * 4 > size) {
		s->dead = true;
		return;
	}
	s->type = s->hdr[5];
	s->channel = wire_load_u16(s->hdr + 6);
	s->body_left = size - 8;
	s->skip = (size_t)doff * 4 - 8;
	s->perf_len = s->body_left - s->skip;
	s->prefix_len = 0;
	s->want = 0;
	if (s->type == FRAME_AMQP || s->type == FRAME_SASL) {
		s->want = s->perf_len;
		if (s->want > AMQP_FRAME_PREFIX_MAX)
			s->want = AMQP_FRAME_PREFIX_MAX;
	}
	if (s->body_left)
		s->state = S_BODY;
}

/* Consumes body bytes; returns how many of @p n were used. */
static size_t body_bytes(amqp_frame_scan_t *s, const uint8_t *p, size_t n)
{
	size_t take = n < s->body_left ? n : s->body_left;
	size_t used = 0, k;

	k = take < s->skip ? take : s->skip;
	s->skip -= k;
	used += k;
	/* a loop: collected() may raise want for an attach cut short */
	while (s->prefix_len < s->want && used < take) {
		k = s->want - s->prefix_len;
		if (k > take - used)
			k = take - used;
		memcpy((s->big ? s->big : s->prefix) + s->prefix_len, p + used, k);
		s->prefix_len += k;
		used += k;
		if (s->prefix_len == s->want)
			collected(s);
	}
	s->body_left -= take;
	if (s->body_left == 0)
		s->state = S_HEADER;
	return take;
}

size_t amqp_frame_feed(amqp_frame_scan_t *s, const uint8_t *p, size_t n)
{
	size_t done = 0;

	if (s->refused)
		return 0;
	while (done < n && !s->dead) {
		size_t left = n - done, k;

		if (s->state == S_BODY) {
			k = body_bytes(s, p, left);
		} else {
			k = 8 - s->hdr_len;
			if (k > left)
				k = left;
			memcpy(s->hdr + s->hdr_len, p, k);
			s->hdr_len += k;
			if (s->hdr_len == 8)
				on_header(s);
		}
		if (s->refused)
			return done;
		p += k;
		done += k;
	}
	return n;
}

static bool tag_matches(const amqp_frame_pending_t *e, trib_slice_t tag)
{
	if (tag.len > AMQP_FRAME_TAG_MAX || e->tag_len == 0)
		return true; /* not comparable: trust the order */
	return e->tag_len == tag.len && memcmp(e->tag, tag.ptr, tag.len) == 0;
}

uint32_t amqp_frame_take_format(amqp_frame_scan_t *s, trib_slice_t link_name, trib_slice_t tag)
{
	amqp_frame_link_t *l = by_name(s, link_name, false);

	while (l && l->len > 0) {
		amqp_frame_pending_t e = l->q[l->head];

		l->head = (l->head + 1) % l->cap;
		l->len--;
		if (tag_matches(&e, tag)) {
			if (l->len == 0 && l->channel < 0)
				remove_link(s, (size_t)(l - s->links));
			return e.format;
		}
	}
	return 0;
}

uint32_t amqp_frame_take_caps(amqp_frame_scan_t *s, trib_slice_t link_name, bool receiver)
{
	amqp_frame_link_t *l = by_name(s, link_name, receiver);
	uint32_t caps;

	if (!l)
		return 0;
	caps = l->caps;
	if (receiver)
		remove_link(s, (size_t)(l - s->links));
	return caps;
}

void amqp_frame_forget(amqp_frame_scan_t *s, trib_slice_t link_name)
{
	amqp_frame_link_t *l = by_name(s, link_name, false);

	if (l)
		remove_link(s, (size_t)(l - s->links));
}
