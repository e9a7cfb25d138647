/*
 * amqp_frame: the incoming-stream scanner finds each delivery's
 * message-format in hand-built frames (any byte split, SASL layer,
 * multi-frame transfers, several links and channels), and keeps in step
 * with a real Proton client talking to a real Proton server transport.
 */
#include "amqp_frame.h"

#include <check.h>
#include <proton/connection.h>
#include <proton/delivery.h>
#include <proton/event.h>
#include <proton/link.h>
#include <proton/sasl.h>
#include <proton/session.h>
#include <proton/transport.h>
#include <stdio.h>
#include <string.h>

#include "amqpv.h"
#include "mem.h"
#include "wire.h"

static uint8_t stream[65536];
static wire_wr_t out;

static void frame(uint8_t type, uint16_t channel, const uint8_t *body, size_t n)
{
	wire_wr_u32(&out, (uint32_t)(8 + n));
	wire_wr_u8(&out, 2);
	wire_wr_u8(&out, type);
	wire_wr_u16(&out, channel);
	wire_wr_raw(&out, body, n);
}

/* A performative with @p n fields written by @p fields into a scratch writer. */
static void performative(uint16_t channel, uint8_t code, const uint8_t *fields, size_t len,
			 uint32_t count, const char *payload)
{
	uint8_t body[1024];
	wire_wr_t w;

	wire_wr_init(&w, body, sizeof(body));
	amqpv_wr_descriptor(&w, code);
	amqpv_wr_list_header(&w, len, count);
	wire_wr_raw(&w, fields, len);
	if (payload)
		wire_wr_raw(&w, payload, strlen(payload));
	ck_assert(wire_wr_fits(&w));
	frame(0, channel, body, w.pos);
}

static void attach(uint16_t channel, const char *name, uint32_t handle, bool role)
{
	uint8_t f[256];
	wire_wr_t w;

	wire_wr_init(&w, f, sizeof(f));
	amqpv_wr_string(&w, slice_from_cstr(name));
	amqpv_wr_uint(&w, handle);
	amqpv_wr_bool(&w, role);
	performative(channel, 0x12, f, w.pos, 3, NULL);
}

static void transfer(uint16_t channel, uint32_t handle, const char *tag, uint32_t format,
		     bool more, const char *payload)
{
	uint8_t f[256];
	wire_wr_t w;

	wire_wr_init(&w, f, sizeof(f));
	amqpv_wr_uint(&w, handle);
	if (tag) {
		amqpv_wr_uint(&w, 0);
		amqpv_wr_binary(&w, slice_from_cstr(tag));
		amqpv_wr_uint(&w, format);
	} else {
		amqpv_wr_null(&w);
		amqpv_wr_null(&w);
		amqpv_wr_null(&w);
	}
	amqpv_wr_bool(&w, false);
	amqpv_wr_bool(&w, more);
	performative(channel, 0x14, f, w.pos, 6, payload);
}

static void detach(uint16_t channel, uint32_t handle)
{
	uint8_t f[8];
	wire_wr_t w;

	wire_wr_init(&w, f, sizeof(f));
	amqpv_wr_uint(&w, handle);
	performative(channel, 0x16, f, w.pos, 1, NULL);
}

static uint32_t take(amqp_frame_scan_t *s, const char *link, const char *tag)
{
	return amqp_frame_take_format(s, slice_from_cstr(link), slice_from_cstr(tag));
}

static void build_session(void)
{
	wire_wr_init(&out, stream, sizeof(stream));
	wire_wr_raw(&out, "AMQP\x03\x01\x00\x00", 8);
	frame(1, 0, (const uint8_t *)"\x00\x53\x41\x45", 4); /* a SASL frame: skipped */
	wire_wr_raw(&out, "AMQP\x00\x01\x00\x00", 8);
	frame(0, 0, NULL, 0); /* heartbeat */
	attach(0, "s1", 0, false);
	attach(1, "s2", 0, false);   /* same handle, other session */
	attach(0, "recv", 1, true);  /* a client receiver: not tracked */
	transfer(0, 0, "a", 0x80013700u, false, "x");
	transfer(1, 0, "z", 7, false, "x");
	transfer(0, 0, "b", 0, false, "x");
	transfer(0, 0, "c", 0x80013700u, true, "part1");
	transfer(0, 0, NULL, 0, true, "part2");
	transfer(0, 0, NULL, 0, false, "part3");
	transfer(0, 0, "d", 5, false, "x");
	ck_assert(wire_wr_fits(&out));
}

static void check_session(amqp_frame_scan_t *s)
{
	ck_assert(!s->dead);
	ck_assert_uint_eq(take(s, "s1", "a"), 0x80013700u);
	ck_assert_uint_eq(take(s, "s2", "z"), 7);
	ck_assert_uint_eq(take(s, "s1", "b"), 0);
	ck_assert_uint_eq(take(s, "s1", "c"), 0x80013700u); /* one delivery over three frames */
	ck_assert_uint_eq(take(s, "s1", "d"), 5);
	ck_assert_uint_eq(take(s, "s1", "e"), 0);
	ck_assert_uint_eq(take(s, "recv", "a"), 0);
}

START_TEST(formats_in_one_read)
{
	amqp_frame_scan_t s;

	build_session();
	amqp_frame_init(&s);
	amqp_frame_feed(&s, stream, out.pos);
	check_session(&s);
	amqp_frame_free(&s);
}
END_TEST

START_TEST(formats_byte_by_byte)
{
	amqp_frame_scan_t s;

	build_session();
	amqp_frame_init(&s);
	for (size_t i = 0; i < out.pos; i++)
		amqp_frame_feed(&s, stream + i, 1);
	check_session(&s);
	amqp_frame_free(&s);
}
END_TEST

START_TEST(tags_resync_and_detach)
{
	amqp_frame_scan_t s;

	wire_wr_init(&out, stream, sizeof(stream));
	wire_wr_raw(&out, "AMQP\x00\x01\x00\x00", 8);
	attach(0, "s1", 3, false);
	transfer(0, 3, "a", 1, false, "x");
	transfer(0, 3, "b", 2, false, "x");
	transfer(0, 3, "c", 3, false, "x");
	detach(0, 3);
	transfer(0, 3, "q", 9, false, "x"); /* after detach: unknown handle, ignored */
	amqp_frame_init(&s);
	amqp_frame_feed(&s, stream, out.pos);
	/* Proton skipped "a" (say, aborted and settled): "b" still matches */
	ck_assert_uint_eq(take(&s, "s1", "b"), 2);
	ck_assert_uint_eq(s.nlinks, 1); /* detached, but "c" is still queued */
	ck_assert_uint_eq(take(&s, "s1", "c"), 3);
	ck_assert_uint_eq(s.nlinks, 0);
	ck_assert_uint_eq(take(&s, "s1", "q"), 0);
	amqp_frame_free(&s);
}
END_TEST

START_TEST(forget_and_garbage)
{
	amqp_frame_scan_t s;
	static const uint8_t junk[] = {0, 0, 0, 4, 9, 9, 9, 9, 1, 2, 3};

	wire_wr_init(&out, stream, sizeof(stream));
	wire_wr_raw(&out, "AMQP\x00\x01\x00\x00", 8);
	attach(0, "s1", 0, false);
	transfer(0, 0, "a", 1, false, "x");
	amqp_frame_init(&s);
	amqp_frame_feed(&s, stream, out.pos);
	amqp_frame_forget(&s, slice_from_cstr("s1"));
	ck_assert_uint_eq(take(&s, "s1", "a"), 0);
	amqp_frame_feed(&s, junk, sizeof(junk)); /* size 4 < 8: the scanner stops */
	ck_assert(s.dead);
	amqp_frame_feed(&s, stream, out.pos);
	ck_assert_uint_eq(s.nlinks, 0);
	amqp_frame_free(&s);
}
END_TEST

/* ---- desired-capabilities (attach field 12) ---- */

#define METRIC AMQP_FRAME_SYM_RUNTIME_METRIC
#define GEO "com.microsoft:georeplication"

enum { CAPS_NONE, CAPS_SYMBOL, CAPS_ARRAY, CAPS_ARRAY_OTHER };

static uint8_t big_body[16384];

/* An attach as SDKs send it: a source with address (padded to @p source_bytes) and filter. */
static void attach_caps(uint16_t channel, const char *name, uint32_t handle, bool role,
			size_t source_bytes, int caps)
{
	static char addr[8192];
	uint8_t f[12288], src[8192];
	wire_wr_t w, sw, bw;
	size_t alen = source_bytes < sizeof(addr) ? source_bytes : sizeof(addr) - 1;

	memset(addr, 'a', alen);
	addr[alen] = '\0';
	wire_wr_init(&sw, src, sizeof(src));
	amqpv_wr_string(&sw, slice_from_cstr(addr)); /* address */
	amqpv_wr_null(&sw);
	amqpv_wr_null(&sw);
	amqpv_wr_null(&sw);
	amqpv_wr_null(&sw);
	amqpv_wr_null(&sw);
	amqpv_wr_null(&sw); /* filter: skipped like any value */
	wire_wr_init(&w, f, sizeof(f));
	amqpv_wr_string(&w, slice_from_cstr(name));
	amqpv_wr_uint(&w, handle);
	amqpv_wr_bool(&w, role);
	wire_wr_u8(&w, AMQPV_UBYTE);
	wire_wr_u8(&w, 2); /* snd-settle-mode mixed */
	wire_wr_u8(&w, AMQPV_UBYTE);
	wire_wr_u8(&w, 0);
	amqpv_wr_descriptor(&w, 0x28); /* source */
	amqpv_wr_list_header(&w, sw.pos, 7);
	wire_wr_raw(&w, src, sw.pos);
	amqpv_wr_descriptor(&w, 0x29); /* target */
	amqpv_wr_list_header(&w, 0, 0);
	amqpv_wr_null(&w); /* unsettled */
	amqpv_wr_bool(&w, false);
	amqpv_wr_null(&w); /* initial-delivery-count */
	amqpv_wr_ulong(&w, 1048576); /* max-message-size */
	amqpv_wr_null(&w); /* offered-capabilities */
	if (caps == CAPS_SYMBOL) {
		amqpv_wr_symbol(&w, slice_from_cstr(METRIC));
	} else if (caps == CAPS_ARRAY || caps == CAPS_ARRAY_OTHER) {
		const char *syms[2] = {GEO, caps == CAPS_ARRAY ? METRIC : "x:other"};
		size_t body = 1 + 1; /* count + element constructor */

		for (int i = 0; i < 2; i++)
			body += 1 + strlen(syms[i]);
		wire_wr_u8(&w, AMQPV_ARRAY8);
		wire_wr_u8(&w, (uint8_t)body);
		wire_wr_u8(&w, 2);
		wire_wr_u8(&w, AMQPV_SYM8);
		for (int i = 0; i < 2; i++) {
			wire_wr_u8(&w, (uint8_t)strlen(syms[i]));
			wire_wr_raw(&w, syms[i], strlen(syms[i]));
		}
	} else {
		amqpv_wr_null(&w);
	}
	amqpv_wr_null(&w); /* properties */
	ck_assert(wire_wr_fits(&w));
	wire_wr_init(&bw, big_body, sizeof(big_body));
	amqpv_wr_descriptor(&bw, 0x12);
	amqpv_wr_list_header(&bw, w.pos, 14);
	wire_wr_raw(&bw, f, w.pos);
	ck_assert(wire_wr_fits(&bw));
	frame(0, channel, big_body, bw.pos);
}

static uint32_t caps_of(amqp_frame_scan_t *s, const char *name, bool receiver)
{
	return amqp_frame_take_caps(s, slice_from_cstr(name), receiver);
}

static void build_caps(void)
{
	wire_wr_init(&out, stream, sizeof(stream));
	wire_wr_raw(&out, "AMQP\x00\x01\x00\x00", 8);
	attach_caps(0, "r1", 0, true, 20, CAPS_SYMBOL);
	attach_caps(0, "r2", 1, true, 20, CAPS_ARRAY);
	attach_caps(0, "r3", 2, true, 20, CAPS_ARRAY_OTHER);
	attach_caps(0, "r4", 3, true, 20, CAPS_NONE);
	/* a source past the prefix: field 12 comes after 3000 bytes */
	attach_caps(1, "big", 0, true, 3000, CAPS_ARRAY);
	attach_caps(0, "s1", 4, false, 20, CAPS_SYMBOL);
	attach_caps(0, "shared", 5, false, 20, CAPS_NONE);
	attach_caps(0, "shared", 6, true, 20, CAPS_SYMBOL);
	attach_caps(0, "gone", 7, true, 20, CAPS_SYMBOL);
	detach(0, 7); /* detached before its attach was handled: forgotten */
	transfer(0, 4, "a", 3, false, "x");
	ck_assert(wire_wr_fits(&out));
}

static void check_caps(amqp_frame_scan_t *s)
{
	ck_assert(!s->dead);
	ck_assert_ptr_null(amqp_frame_refusal(s));
	ck_assert_ptr_null(s->big);
	ck_assert_uint_eq(caps_of(s, "r1", true), AMQP_FRAME_CAP_RUNTIME_METRIC);
	ck_assert_uint_eq(caps_of(s, "r1", true), 0); /* taken */
	ck_assert_uint_eq(caps_of(s, "r2", true), AMQP_FRAME_CAP_RUNTIME_METRIC);
	ck_assert_uint_eq(caps_of(s, "r3", true), 0);
	ck_assert_uint_eq(caps_of(s, "r4", true), 0);
	ck_assert_uint_eq(caps_of(s, "big", true), AMQP_FRAME_CAP_RUNTIME_METRIC);
	ck_assert_uint_eq(caps_of(s, "gone", true), 0);
	ck_assert_uint_eq(caps_of(s, "shared", false), 0);
	ck_assert_uint_eq(caps_of(s, "s1", true), 0); /* s1 is a sender */
	ck_assert_uint_eq(caps_of(s, "shared", true), AMQP_FRAME_CAP_RUNTIME_METRIC);
	/* senders keep their entry (and their formats) */
	ck_assert_uint_eq(caps_of(s, "s1", false), AMQP_FRAME_CAP_RUNTIME_METRIC);
	ck_assert_uint_eq(caps_of(s, "s1", false), AMQP_FRAME_CAP_RUNTIME_METRIC);
	ck_assert_uint_eq(take(s, "s1", "a"), 3);
	ck_assert_uint_eq(take(s, "shared", "a"), 0);
	ck_assert_uint_eq(s->nlinks, 2); /* s1 and the sender "shared" */
}

START_TEST(caps_in_one_read)
{
	amqp_frame_scan_t s;

	build_caps();
	amqp_frame_init(&s);
	ck_assert_uint_eq(amqp_frame_feed(&s, stream, out.pos), out.pos);
	check_caps(&s);
	amqp_frame_free(&s);
}
END_TEST

START_TEST(caps_byte_by_byte)
{
	amqp_frame_scan_t s;
	size_t before = mem_used(MEM_AMQP);

	build_caps();
	amqp_frame_init(&s);
	for (size_t i = 0; i < out.pos; i++)
		ck_assert_uint_eq(amqp_frame_feed(&s, stream + i, 1), 1);
	check_caps(&s);
	amqp_frame_free(&s);
	ck_assert_uint_eq(mem_used(MEM_AMQP), before);
}
END_TEST

/* An attach cut short by its frame: decoded from what there is, nothing kept allocated. */
START_TEST(caps_truncated_attach)
{
	amqp_frame_scan_t s;
	size_t before = mem_used(MEM_AMQP);
	size_t len;

	wire_wr_init(&out, stream, sizeof(stream));
	wire_wr_raw(&out, "AMQP\x00\x01\x00\x00", 8);
	attach_caps(0, "r1", 0, true, 3000, CAPS_SYMBOL);
	len = out.pos;
	/* the frame says 40 bytes fewer: the list runs past the performative */
	wire_store_u32(stream + 8, wire_load_u32(stream + 8) - 40);
	amqp_frame_init(&s);
	ck_assert_uint_eq(amqp_frame_feed(&s, stream, len - 40), len - 40);
	ck_assert_ptr_null(s.big);
	ck_assert_uint_eq(caps_of(&s, "r1", true), 0);
	amqp_frame_free(&s);
	ck_assert_uint_eq(mem_used(MEM_AMQP), before);
}
END_TEST

/* ---- SASL: a second sasl-init never reaches Proton ---- */

static void sasl_init_frame(const char *mech)
{
	uint8_t f[64];
	wire_wr_t w;

	wire_wr_init(&w, f, sizeof(f));
	amqpv_wr_descriptor(&w, 0x41);
	amqpv_wr_list_header(&w, 1 + 1 + strlen(mech), 1);
	amqpv_wr_symbol(&w, slice_from_cstr(mech));
	frame(1, 0, f, w.pos);
}

/* Builds header, init, AMQP header, init, attach; *second_at / *second_end bound the 2nd init. */
static void build_double_init(size_t *second_at, size_t *second_end)
{
	wire_wr_init(&out, stream, sizeof(stream));
	wire_wr_raw(&out, "AMQP\x03\x01\x00\x00", 8);
	sasl_init_frame("ANONYMOUS");
	wire_wr_raw(&out, "AMQP\x00\x01\x00\x00", 8);
	*second_at = out.pos;
	sasl_init_frame("MSSBCBS");
	*second_end = out.pos;
	attach(0, "s1", 0, false);
	ck_assert(wire_wr_fits(&out));
}

START_TEST(second_sasl_init_refused)
{
	amqp_frame_scan_t s;
	size_t at, end, kept;

	build_double_init(&at, &end);
	amqp_frame_init(&s);
	kept = amqp_frame_feed(&s, stream, out.pos);
	ck_assert_uint_ge(kept, at);
	ck_assert_uint_lt(kept, end);
	ck_assert_str_eq(amqp_frame_refusal(&s), "A second sasl-init on one connection.");
	ck_assert_uint_eq(amqp_frame_feed(&s, stream, out.pos), 0);
	ck_assert_uint_eq(s.nlinks, 0); /* nothing after the refused frame is read */
	amqp_frame_free(&s);
}
END_TEST

START_TEST(second_sasl_init_byte_by_byte)
{
	amqp_frame_scan_t s;
	size_t at, end, kept = 0, i;

	build_double_init(&at, &end);
	amqp_frame_init(&s);
	for (i = 0; i < out.pos && !amqp_frame_refusal(&s); i++)
		kept += amqp_frame_feed(&s, stream + i, 1);
	ck_assert_ptr_nonnull(amqp_frame_refusal(&s));
	ck_assert_uint_eq(kept, end - 1); /* found on the frame's last byte, which is kept back */
	ck_assert_uint_eq(amqp_frame_feed(&s, stream + i, out.pos - i), 0);
	amqp_frame_free(&s);
}
END_TEST

START_TEST(one_sasl_init_accepted)
{
	amqp_frame_scan_t s;

	wire_wr_init(&out, stream, sizeof(stream));
	wire_wr_raw(&out, "AMQP\x03\x01\x00\x00", 8);
	sasl_init_frame("PLAIN");
	frame(1, 0, (const uint8_t *)"\x00\x53\x44\x45", 4); /* sasl-outcome: not an init */
	wire_wr_raw(&out, "AMQP\x00\x01\x00\x00", 8);
	attach(0, "s1", 0, false);
	amqp_frame_init(&s);
	ck_assert_uint_eq(amqp_frame_feed(&s, stream, out.pos), out.pos);
	ck_assert_ptr_null(amqp_frame_refusal(&s));
	ck_assert_uint_eq(s.sasl_inits, 1);
	ck_assert_uint_eq(s.nlinks, 1);
	amqp_frame_free(&s);
}
END_TEST

/* ---- a real Proton client and server transport, bytes pumped in memory ---- */

typedef struct peer {
	pn_connection_t *c;
	pn_transport_t *t;
	pn_collector_t *ev;
} peer_t;

static void peer_init(peer_t *p, bool server)
{
	p->c = pn_connection();
	p->t = pn_transport();
	p->ev = pn_collector();
	if (server) {
		pn_transport_set_server(p->t);
		pn_transport_set_max_frame(p->t, 512);
		pn_sasl_allowed_mechs(pn_sasl(p->t), "ANONYMOUS");
	} else {
		pn_sasl_allowed_mechs(pn_sasl(p->t), "ANONYMOUS");
	}
	pn_connection_collect(p->c, p->ev);
	pn_transport_bind(p->t, p->c);
}

static void peer_free(peer_t *p)
{
	pn_transport_unbind(p->t);
	pn_transport_free(p->t);
	pn_connection_free(p->c);
	pn_collector_free(p->ev);
}

/* Moves pending output of @p from to @p to; returns bytes moved. */
static size_t pump(peer_t *from, peer_t *to, amqp_frame_scan_t *scan)
{
	ssize_t n = pn_transport_pending(from->t);

	if (n <= 0)
		return 0;
	if (scan)
		amqp_frame_feed(scan, (const uint8_t *)pn_transport_head(from->t), (size_t)n);
	ck_assert_int_eq(pn_transport_push(to->t, pn_transport_head(from->t), (size_t)n), n);
	pn_transport_pop(from->t, (size_t)n);
	return (size_t)n;
}

/* Server side: open what the client opens, grant credit, take deliveries. */
static size_t got;

static int serve(peer_t *srv, amqp_frame_scan_t *scan, int *received)
{
	pn_event_t *e;

	while ((e = pn_collector_peek(srv->ev))) {
		pn_link_t *l;
		pn_delivery_t *d;

		switch (pn_event_type(e)) {
		case PN_CONNECTION_REMOTE_OPEN:
			pn_connection_open(pn_event_connection(e));
			break;
		case PN_SESSION_REMOTE_OPEN:
			pn_session_open(pn_event_session(e));
			break;
		case PN_LINK_REMOTE_OPEN:
			l = pn_event_link(e);
			pn_link_open(l);
			pn_link_flow(l, 10);
			break;
		case PN_DELIVERY:
			/* events can name deliveries already taken: work on the current ones */
			l = pn_delivery_link(pn_event_delivery(e));
			while ((d = pn_link_current(l))) {
				char buf[4096];
				ssize_t n;

				while ((n = pn_link_recv(l, buf, sizeof(buf))) > 0)
					got += (size_t)n;
				if (pn_delivery_partial(d))
					break;
				pn_delivery_tag_t tag = pn_delivery_tag(d);
				trib_slice_t name = slice_from_cstr(pn_link_name(l));
				trib_slice_t t = {(const uint8_t *)tag.start, tag.size};

				ck_assert_uint_eq(amqp_frame_take_format(scan, name, t), 0);
				ck_assert_uint_eq(got, 2000);
				got = 0;
				/* advance first: settling the current delivery advances too */
				pn_link_advance(l);
				pn_delivery_update(d, PN_ACCEPTED);
				pn_delivery_settle(d);
				(*received)++;
			}
			break;
		default:
			break;
		}
		pn_collector_pop(srv->ev);
	}
	return 0;
}

START_TEST(real_proton_client)
{
	peer_t cli, srv;
	amqp_frame_scan_t scan;
	pn_session_t *ssn;
	pn_link_t *snd;
	char payload[2000];
	int received = 0, sent = 0;

	memset(payload, 'p', sizeof(payload));
	peer_init(&cli, false);
	peer_init(&srv, true);
	amqp_frame_init(&scan);
	pn_connection_open(cli.c);
	ssn = pn_session(cli.c);
	pn_session_open(ssn);
	snd = pn_sender(ssn, "sender-1");
	pn_terminus_set_address(pn_link_target(snd), "eh1");
	pn_link_open(snd);
	for (int round = 0; round < 200 && received < 5; round++) {
		while (sent < 5 && pn_link_credit(snd) > 0) {
			char tag[8];
			int n = snprintf(tag, sizeof(tag), "t%d", sent);

			pn_delivery(snd, pn_dtag(tag, (size_t)n));
			ck_assert_int_eq(pn_link_send(snd, payload, sizeof(payload)), 2000);
			pn_link_advance(snd);
			sent++;
		}
		pump(&cli, &srv, &scan);
		serve(&srv, &scan, &received);
		pump(&srv, &cli, NULL);
		while (pn_collector_peek(cli.ev))
			pn_collector_pop(cli.ev);
	}
	ck_assert_int_eq(received, 5);
	ck_assert(!scan.dead);
	ck_assert_uint_eq(scan.nlinks, 1);
	ck_assert_uint_eq(scan.links[0].len, 0); /* every delivery was matched */
	amqp_frame_free(&scan);
	peer_free(&cli);
	peer_free(&srv);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("amqp_frame");
	TCase *tc = tcase_create("scan");

	tcase_add_test(tc, formats_in_one_read);
	tcase_add_test(tc, formats_byte_by_byte);
	tcase_add_test(tc, tags_resync_and_detach);
	tcase_add_test(tc, forget_and_garbage);
	tcase_add_test(tc, real_proton_client);
	tcase_add_test(tc, caps_in_one_read);
	tcase_add_test(tc, caps_byte_by_byte);
	tcase_add_test(tc, caps_truncated_attach);
	tcase_add_test(tc, second_sasl_init_refused);
	tcase_add_test(tc, second_sasl_init_byte_by_byte);
	tcase_add_test(tc, one_sasl_init_accepted);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
