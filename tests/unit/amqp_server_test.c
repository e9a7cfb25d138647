/*
 * amqp_server: the AMQP head over a real store and namespace, driven by a
 * real Proton client (a pn_connection_driver_t over a blocking loopback
 * socket). The client can rewrite the message-format of its transfer
 * frames, which Proton 0.37 cannot set, to send Event Hubs batches
 * (0x80013700), and the desired-capabilities of its receivers' attach
 * frames (Proton 0.37 has no link capabilities either).
 */
#include "amqp_server.h"

#include <arpa/inet.h>
#include <check.h>
#include <ctype.h>
#include <netinet/in.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <poll.h>
#include <proton/codec.h>
#include <proton/condition.h>
#include <proton/connection.h>
#include <proton/connection_driver.h>
#include <proton/delivery.h>
#include <proton/link.h>
#include <proton/message.h>
#include <proton/sasl.h>
#include <proton/session.h>
#include <proton/terminus.h>
#include <proton/transport.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "amqpv.h"
#include "auth.h"
#include "hub.h"
#include "mem.h"
#include "ns.h"
#include "store.h"

#define BATCH_FORMAT 0x80013700u
#define SELECTOR "apache.org:selector-filter:string"

static char tmp[256];
static store_t *store;
static ns_t *ns;
static amqp_server_t *srv;
static auth_t *test_auth;      /* the auth fixture's policies, else NULL */
static bool test_auth_required;

static void start(uint32_t max_message, uint32_t max_frame)
{
	store_opts_t so = {.dir = tmp};
	ns_opts_t no = {.name = "test", .auto_create = false, .default_partitions = 2};
	const char *cgs[] = {"cg1"};
	ns_hub_spec_t spec = {.name = "eh1", .partitions = 2, .consumer_groups = cgs,
			      .consumer_group_count = 1};
	amqp_server_opts_t ao = {.host = "127.0.0.1", .port = 0, .max_message_bytes = max_message,
				 .max_frame_bytes = max_frame, .container_id = "tributary-test",
				 .auth = test_auth, .auth_required = test_auth_required};
	hub_t *hub;

	strcpy(tmp, "/tmp/trib-amqp-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmp));
	ck_assert_int_eq(store_open(&so, &store), TRIB_OK);
	ck_assert_int_eq(ns_open(store, &no, &ns), TRIB_OK);
	ck_assert_int_eq(ns_hub_create(ns, &spec, &hub), TRIB_OK);
	ck_assert_int_eq(amqp_server_start(ns, &ao, &srv), TRIB_OK);
	ck_assert_uint_gt(amqp_server_port(srv), 0);
}

static void setup(void)
{
	start(1048576, 262144);
}

static void teardown(void)
{
	char cmd[300];

	amqp_server_stop(&srv);
	ck_assert_ptr_null(srv);
	store_close(&store);
	ns_close(&ns);
	auth_close(&test_auth);
	test_auth_required = false;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmp);
	(void)!system(cmd);
}

/* ---- a synchronous test client ---- */

typedef struct cli {
	int fd;
	pn_connection_driver_t d;
	pn_connection_t *c;
	uint32_t format; /* non-zero: written into every outgoing transfer */
	const char *desire; /* non-NULL: desired-capabilities symbol of receiver attaches */
	uint8_t *obuf;   /* output not yet written (whole frames are rewritten) */
	size_t olen, ocap;
	uint8_t carry[256]; /* payload bytes moved to the next transfer frame */
	size_t carry_len;
} cli_t;

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void cli_open(cli_t *k, bool sasl)
{
	struct sockaddr_in a = {.sin_family = AF_INET};
	pn_transport_t *t = pn_transport();

	memset(k, 0, sizeof(*k));
	a.sin_port = htons(amqp_server_port(srv));
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	k->fd = socket(AF_INET, SOCK_STREAM, 0);
	ck_assert_int_ge(k->fd, 0);
	ck_assert_int_eq(connect(k->fd, (struct sockaddr *)&a, sizeof(a)), 0);
	if (sasl)
		pn_sasl_allowed_mechs(pn_sasl(t), "ANONYMOUS");
	ck_assert_int_eq(pn_connection_driver_init(&k->d, NULL, t), 0);
	k->c = k->d.connection;
	pn_connection_set_container(k->c, "test-client");
	pn_connection_set_hostname(k->c, "localhost");
	pn_connection_open(k->c);
}

static void cli_close(cli_t *k)
{
	pn_connection_driver_destroy(&k->d);
	close(k->fd);
	free(k->obuf);
}

/*
 * Re-encodes a transfer frame with message-format k->format. The field
 * makes the frame longer; when that passes the server's max frame size
 * the last payload bytes are carried into the delivery's next frame.
 */
static size_t patch_transfer(cli_t *k, const uint8_t *f, size_t n, uint8_t *out)
{
	wire_rd_t rd;
	wire_wr_t body, w;
	amqpv_t fields[11];
	uint8_t code, carry[256];
	uint32_t count, i, max = pn_transport_get_remote_max_frame(k->d.transport);
	uint8_t buf[512];
	size_t head, payload, excess, carried = k->carry_len;
	bool more;

	wire_rd_init(&rd, f + 8, n - 8);
	(void)wire_rd_raw(&rd, 3); /* 0x00 0x53 0x14 */
	code = wire_rd_u8(&rd);
	if (code == AMQPV_LIST8) {
		(void)wire_rd_u8(&rd);
		count = wire_rd_u8(&rd);
	} else {
		ck_assert_int_eq(code, AMQPV_LIST32);
		(void)wire_rd_u32(&rd);
		count = wire_rd_u32(&rd);
	}
	ck_assert_uint_le(count, 11);
	for (i = 0; i < count; i++)
		ck_assert(amqpv_rd(&rd, &fields[i]));
	more = count > 5 && amqpv_get_bool(&fields[5], &more) && more;
	wire_wr_init(&body, buf, sizeof(buf));
	for (i = 0; i < count || i < 4; i++) {
		if (i == 3 && count > 1 && !amqpv_is_null(&fields[1]))
			amqpv_wr_uint(&body, k->format); /* only a delivery's first frame has it */
		else if (i < count)
			wire_wr_raw(&body, fields[i].raw.ptr, fields[i].raw.len);
		else
			amqpv_wr_null(&body);
	}
	ck_assert(wire_wr_fits(&body));
	memcpy(carry, k->carry, carried);
	wire_wr_init(&w, out, 300 * 1024);
	wire_wr_u32(&w, 0);
	wire_wr_raw(&w, f + 4, 4);
	wire_wr_raw(&w, "\x00\x53\x14", 3);
	amqpv_wr_list_header(&w, body.pos, i);
	wire_wr_raw(&w, buf, body.pos);
	head = w.pos;
	wire_wr_raw(&w, carry, carried);
	wire_wr_raw(&w, rd.p, wire_rd_left(&rd)); /* payload */
	ck_assert(wire_wr_fits(&w));
	payload = w.pos - head;
	excess = max && w.pos > max ? w.pos - max : 0;
	ck_assert_uint_le(excess, sizeof(k->carry));
	ck_assert(excess == 0 || (more && excess <= payload));
	memcpy(k->carry, out + w.pos - excess, excess);
	k->carry_len = excess;
	wire_store_u32(out, (uint32_t)(w.pos - excess));
	return w.pos - excess;
}

static void send_all(int fd, const uint8_t *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);

		ck_assert_int_gt(w, 0);
		p += w;
		n -= (size_t)w;
	}
}

/* Re-encodes a receiver's attach frame with desired-capabilities (field 12) = k->desire. */
static size_t patch_attach(cli_t *k, const uint8_t *f, size_t n, uint8_t *out)
{
	wire_rd_t rd;
	wire_wr_t body, w;
	amqpv_t fields[14];
	uint8_t code, buf[4096];
	uint32_t count, i;

	wire_rd_init(&rd, f + 8, n - 8);
	(void)wire_rd_raw(&rd, 3); /* 0x00 0x53 0x12 */
	code = wire_rd_u8(&rd);
	if (code == AMQPV_LIST8) {
		(void)wire_rd_u8(&rd);
		count = wire_rd_u8(&rd);
	} else {
		ck_assert_int_eq(code, AMQPV_LIST32);
		(void)wire_rd_u32(&rd);
		count = wire_rd_u32(&rd);
	}
	ck_assert_uint_le(count, 14);
	for (i = 0; i < count; i++)
		ck_assert(amqpv_rd(&rd, &fields[i]));
	wire_wr_init(&body, buf, sizeof(buf));
	for (i = 0; i < count || i < 13; i++) {
		if (i == 12)
			amqpv_wr_symbol(&body, slice_from_cstr(k->desire));
		else if (i < count)
			wire_wr_raw(&body, fields[i].raw.ptr, fields[i].raw.len);
		else
			amqpv_wr_null(&body);
	}
	ck_assert(wire_wr_fits(&body));
	wire_wr_init(&w, out, 300 * 1024);
	wire_wr_u32(&w, 0);
	wire_wr_raw(&w, f + 4, 4);
	wire_wr_raw(&w, "\x00\x53\x12", 3);
	amqpv_wr_list_header(&w, body.pos, i);
	wire_wr_raw(&w, buf, body.pos);
	ck_assert(wire_wr_fits(&w));
	wire_store_u32(out, (uint32_t)w.pos);
	return w.pos;
}

/* True for an attach frame (doff 2, code 0x12) whose role is receiver. */
static bool receiver_attach(const uint8_t *p, size_t n)
{
	wire_rd_t rd;
	amqpv_t v;
	bool role = false;

	if (n < 12 || p[5] != 0 || p[8] != 0 || p[10] != 0x12)
		return false;
	wire_rd_init(&rd, p + 11, n - 11);
	if (!amqpv_rd(&rd, &v) || !amqpv_elements(&v, &rd))
		return false;
	amqpv_rd_skip(&rd); /* name */
	amqpv_rd_skip(&rd); /* handle */
	return amqpv_rd(&rd, &v) && amqpv_get_bool(&v, &role) && role;
}

/* Writes the driver's output, rewriting whole transfer / attach frames when asked. */
static void cli_flush(cli_t *k)
{
	pn_bytes_t out;
	static uint8_t patched[300 * 1024];
	size_t at = 0;

	while ((out = pn_connection_driver_write_buffer(&k->d)).size > 0) {
		if (k->olen + out.size > k->ocap) {
			k->ocap = (k->olen + out.size) * 2;
			k->obuf = realloc(k->obuf, k->ocap);
			ck_assert_ptr_nonnull(k->obuf);
		}
		memcpy(k->obuf + k->olen, out.start, out.size);
		k->olen += out.size;
		pn_connection_driver_write_done(&k->d, out.size);
	}
	while (at < k->olen) {
		const uint8_t *p = k->obuf + at;
		size_t n;

		if (!k->format && !k->desire) {
			n = k->olen - at;
			send_all(k->fd, p, n);
		} else {
			if (k->olen - at < 8)
				break;
			n = memcmp(p, "AMQP", 4) == 0 ? 8 : wire_load_u32(p);
			if (k->olen - at < n)
				break; /* a partial frame: wait for the rest */
			if (k->format && n > 11 && p[5] == 0 && p[8] == 0 && p[10] == 0x14)
				send_all(k->fd, patched, patch_transfer(k, p, n, patched));
			else if (k->desire && receiver_attach(p, n))
				send_all(k->fd, patched, patch_attach(k, p, n, patched));
			else
				send_all(k->fd, p, n);
		}
		at += n;
	}
	memmove(k->obuf, k->obuf + at, k->olen - at);
	k->olen -= at;
}

/* One round of I/O: flush, then read what arrives within @p ms. */
static void cli_io(cli_t *k, int ms)
{
	struct pollfd pfd = {.fd = k->fd, .events = POLLIN};
	pn_event_t *e;

	while ((e = pn_connection_driver_next_event(&k->d)))
		;
	pn_transport_tick(k->d.transport, now_ms());
	cli_flush(k);
	if (poll(&pfd, 1, ms) > 0) {
		pn_rwbytes_t in = pn_connection_driver_read_buffer(&k->d);
		ssize_t n = in.size ? read(k->fd, in.start, in.size) : 0;

		if (n > 0)
			pn_connection_driver_read_done(&k->d, (size_t)n);
		else if (in.size)
			pn_connection_driver_read_close(&k->d);
	}
	while ((e = pn_connection_driver_next_event(&k->d)))
		;
	cli_flush(k);
}

typedef bool (*cond_fn)(void *arg);

static bool cli_wait(cli_t *k, cond_fn cond, void *arg, int timeout_ms)
{
	int64_t until = now_ms() + timeout_ms;

	while (!cond(arg)) {
		if (now_ms() > until)
			return false;
		cli_io(k, 20);
	}
	return true;
}

static bool link_answered(void *arg)
{
	return pn_link_state(arg) & (PN_REMOTE_ACTIVE | PN_REMOTE_CLOSED);
}

static bool link_closed(void *arg)
{
	return pn_link_state(arg) & PN_REMOTE_CLOSED;
}

static bool has_credit(void *arg)
{
	return pn_link_credit(arg) > 0;
}

static bool settled(void *arg)
{
	return pn_delivery_remote_state(arg) != 0 && pn_delivery_settled(arg);
}

static bool conn_closed(void *arg)
{
	return pn_connection_state(arg) & PN_REMOTE_CLOSED;
}

static pn_link_t *cli_sender(cli_t *k, const char *name, const char *address)
{
	pn_session_t *ssn = pn_session(k->c);
	pn_link_t *l;

	pn_session_open(ssn);
	l = pn_sender(ssn, name);
	pn_terminus_set_address(pn_link_target(l), address);
	pn_terminus_set_address(pn_link_source(l), name);
	pn_link_open(l);
	ck_assert(cli_wait(k, link_answered, l, 5000));
	return l;
}

/* A receiver with an optional selector (numeric descriptor when @p numeric). */
static pn_link_t *cli_receiver(cli_t *k, const char *address, const char *selector, bool numeric)
{
	pn_session_t *ssn = pn_session(k->c);
	pn_link_t *l;

	pn_session_open(ssn);
	l = pn_receiver(ssn, "r1");
	pn_terminus_set_address(pn_link_source(l), address);
	pn_terminus_set_address(pn_link_target(l), "client-r1");
	if (selector) {
		pn_data_t *f = pn_terminus_filter(pn_link_source(l));

		pn_data_put_map(f);
		pn_data_enter(f);
		pn_data_put_symbol(f, pn_bytes(strlen(SELECTOR), SELECTOR));
		pn_data_put_described(f);
		pn_data_enter(f);
		if (numeric)
			pn_data_put_ulong(f, 0x0000468C00000004ull);
		else
			pn_data_put_symbol(f, pn_bytes(strlen(SELECTOR), SELECTOR));
		pn_data_put_string(f, pn_bytes(strlen(selector), selector));
		pn_data_exit(f);
		pn_data_exit(f);
	}
	pn_link_open(l);
	ck_assert(cli_wait(k, link_answered, l, 5000));
	return l;
}

static size_t encode_msg(char *buf, size_t cap, const char *body, const char *pkey, int prop)
{
	pn_message_t *m = pn_message();
	pn_data_t *d;
	size_t n = cap;

	if (pkey) {
		d = pn_message_annotations(m);
		pn_data_put_map(d);
		pn_data_enter(d);
		pn_data_put_symbol(d, pn_bytes(19, "x-opt-partition-key"));
		pn_data_put_string(d, pn_bytes(strlen(pkey), pkey));
		pn_data_exit(d);
	}
	d = pn_message_properties(m);
	pn_data_put_map(d);
	pn_data_enter(d);
	pn_data_put_string(d, pn_bytes(1, "n"));
	pn_data_put_int(d, prop);
	pn_data_exit(d);
	pn_message_set_inferred(m, true);
	pn_data_put_binary(pn_message_body(m), pn_bytes(strlen(body), body));
	ck_assert_int_eq(pn_message_encode(m, buf, &n), 0);
	pn_message_free(m);
	return n;
}

/* Sends @p n bytes as one unsettled delivery and waits for its outcome. */
static uint64_t send_bytes(cli_t *k, pn_link_t *l, const char *p, size_t n, pn_delivery_t **out)
{
	static int tag;
	char t[16];
	pn_delivery_t *d;

	ck_assert(cli_wait(k, has_credit, l, 5000));
	snprintf(t, sizeof(t), "t%d", tag++);
	d = pn_delivery(l, pn_dtag(t, strlen(t)));
	ck_assert_int_eq(pn_link_send(l, p, n), (ssize_t)n);
	pn_link_advance(l);
	ck_assert(cli_wait(k, settled, d, 10000));
	if (out)
		*out = d;
	return pn_delivery_remote_state(d);
}

static uint64_t send_msg(cli_t *k, pn_link_t *l, const char *body, const char *pkey, int prop)
{
	char buf[4096];
	size_t n = encode_msg(buf, sizeof(buf), body, pkey, prop);

	return send_bytes(k, l, buf, n, NULL);
}

typedef struct got {
	cli_t *k;
	pn_link_t *l;
	int want;
	int n;
	pn_message_t *msgs[16];
} got_t;

static bool take_messages(void *arg)
{
	got_t *g = arg;
	pn_delivery_t *d;

	while (g->n < g->want && (d = pn_link_current(g->l)) && !pn_delivery_partial(d)) {
		char buf[8192];
		ssize_t n = pn_link_recv(g->l, buf, sizeof(buf));

		ck_assert_int_gt(n, 0);
		g->msgs[g->n] = pn_message();
		ck_assert_int_eq(pn_message_decode(g->msgs[g->n], buf, (size_t)n), 0);
		g->n++;
		pn_link_advance(g->l);
		pn_delivery_update(d, PN_ACCEPTED);
		pn_delivery_settle(d);
	}
	return g->n >= g->want;
}

static void got_free(got_t *g)
{
	for (int i = 0; i < g->n; i++)
		pn_message_free(g->msgs[i]);
}

static bool annotation(pn_message_t *m, const char *key, pn_data_t **at)
{
	pn_data_t *d = pn_message_annotations(m);
	size_t n;

	pn_data_rewind(d);
	if (!pn_data_next(d) || pn_data_type(d) != PN_MAP)
		return false;
	n = pn_data_get_map(d);
	pn_data_enter(d);
	for (size_t i = 0; i < n / 2; i++) {
		pn_bytes_t k;

		pn_data_next(d);
		k = pn_data_get_symbol(d);
		pn_data_next(d);
		if (k.size == strlen(key) && memcmp(k.start, key, k.size) == 0) {
			*at = d;
			return true;
		}
	}
	return false;
}

static int64_t seqno(pn_message_t *m)
{
	pn_data_t *d;

	ck_assert(annotation(m, "x-opt-sequence-number", &d));
	ck_assert_int_eq(pn_data_type(d), PN_LONG);
	return pn_data_get_long(d);
}

static void body_is(pn_message_t *m, const char *want)
{
	pn_data_t *b = pn_message_body(m);
	pn_bytes_t s;

	pn_data_rewind(b);
	ck_assert(pn_data_next(b));
	s = pn_data_get_binary(b);
	ck_assert_uint_eq(s.size, strlen(want));
	ck_assert(memcmp(s.start, want, s.size) == 0);
}

static void receive(cli_t *k, pn_link_t *l, int credit, got_t *g)
{
	memset(g, 0, sizeof(*g));
	g->k = k;
	g->l = l;
	g->want = credit;
	pn_link_flow(l, credit);
	ck_assert(cli_wait(k, take_messages, g, 5000));
}

static void remote_error(pn_link_t *l, const char *cond)
{
	pn_condition_t *c = pn_link_remote_condition(l);

	ck_assert(link_closed(l));
	ck_assert_str_eq(pn_condition_get_name(c), cond);
}

/* ---- tests ---- */

START_TEST(send_then_receive)
{
	cli_t k;
	pn_link_t *s, *r;
	got_t g;
	pn_data_t *d;

	cli_open(&k, true);
	s = cli_sender(&k, "s1", "eh1/Partitions/0");
	ck_assert(pn_link_state(s) & PN_REMOTE_ACTIVE);
	ck_assert_uint_eq(pn_link_remote_max_message_size(s), 1048576);
	ck_assert_str_eq(pn_terminus_get_address(pn_link_remote_target(s)), "eh1/Partitions/0");
	for (int i = 0; i < 3; i++) {
		char body[16];

		snprintf(body, sizeof(body), "event-%d", i);
		ck_assert_int_eq(send_msg(&k, s, body, NULL, i), PN_ACCEPTED);
	}
	r = cli_receiver(&k, "/eh1/ConsumerGroups/$Default/Partitions/0",
			 "amqp.annotation.x-opt-offset > '-1'", false);
	ck_assert(pn_link_state(r) & PN_REMOTE_ACTIVE);
	/* the reply echoes the source with its filter */
	ck_assert_uint_gt(pn_data_size(pn_terminus_filter(pn_link_remote_source(r))), 0);
	receive(&k, r, 3, &g);
	for (int i = 0; i < 3; i++) {
		char body[16];

		snprintf(body, sizeof(body), "event-%d", i);
		ck_assert_int_eq(seqno(g.msgs[i]), i);
		body_is(g.msgs[i], body);
		ck_assert(annotation(g.msgs[i], "x-opt-offset", &d));
		ck_assert(annotation(g.msgs[i], "x-opt-enqueued-time", &d));
		ck_assert_int_eq(pn_data_type(d), PN_TIMESTAMP);
		ck_assert(!annotation(g.msgs[i], "x-opt-partition-key", &d));
	}
	got_free(&g);
	cli_close(&k);
}
END_TEST

/* Delivery annotation @p key of @p m (Proton calls the section "instructions"). */
static bool delivery_annotation(pn_message_t *m, const char *key, pn_data_t **at)
{
	pn_data_t *d = pn_message_instructions(m);
	size_t n;

	pn_data_rewind(d);
	if (!pn_data_next(d) || pn_data_type(d) != PN_MAP)
		return false;
	n = pn_data_get_map(d);
	pn_data_enter(d);
	for (size_t i = 0; i < n / 2; i++) {
		pn_bytes_t k;

		pn_data_next(d);
		ck_assert_int_eq(pn_data_type(d), PN_SYMBOL);
		k = pn_data_get_symbol(d);
		pn_data_next(d);
		if (k.size == strlen(key) && memcmp(k.start, key, k.size) == 0) {
			*at = d;
			return true;
		}
	}
	return false;
}

static int64_t wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The runtime-metric annotations of @p m: last sequence number @p last, times in range. */
static void runtime_info_is(pn_message_t *m, int64_t last, int64_t t0, int64_t t1)
{
	pn_data_t *d;
	pn_bytes_t s;
	char want[24];
	int64_t enq;

	ck_assert_uint_eq(pn_data_size(pn_message_instructions(m)), 9); /* a map of 4 entries */
	ck_assert(delivery_annotation(m, "last_enqueued_sequence_number", &d));
	ck_assert_int_eq(pn_data_type(d), PN_LONG);
	ck_assert_int_eq(pn_data_get_long(d), last);
	ck_assert(delivery_annotation(m, "last_enqueued_offset", &d));
	ck_assert_int_eq(pn_data_type(d), PN_STRING);
	s = pn_data_get_string(d);
	snprintf(want, sizeof(want), "%lld", (long long)last);
	ck_assert_uint_eq(s.size, strlen(want));
	ck_assert(memcmp(s.start, want, s.size) == 0);
	ck_assert(delivery_annotation(m, "last_enqueued_time_utc", &d));
	ck_assert_int_eq(pn_data_type(d), PN_TIMESTAMP);
	enq = pn_data_get_timestamp(d);
	ck_assert_int_ge(enq, t0);
	ck_assert_int_le(enq, t1);
	ck_assert(delivery_annotation(m, "runtime_info_retrieval_time_utc", &d));
	ck_assert_int_eq(pn_data_type(d), PN_TIMESTAMP);
	ck_assert_int_ge(pn_data_get_timestamp(d), enq);
	ck_assert_int_le(pn_data_get_timestamp(d), wall_ms());
}

/*
 * com.microsoft:enable-receiver-runtime-metric in a receiver's attach: each
 * delivery carries the partition's last event (reference §1.5) in
 * delivery annotations; a receiver that did not ask gets none.
 */
START_TEST(receiver_runtime_metric)
{
	cli_t k, plain;
	pn_link_t *s, *r, *r2;
	got_t g;
	pn_data_t *d;
	int64_t t0 = wall_ms(), t1;

	cli_open(&k, true);
	s = cli_sender(&k, "s1", "eh1/Partitions/1");
	for (int i = 0; i < 3; i++)
		ck_assert_int_eq(send_msg(&k, s, "ev", NULL, i), PN_ACCEPTED);
	t1 = wall_ms();
	k.desire = "com.microsoft:enable-receiver-runtime-metric";
	r = cli_receiver(&k, "eh1/ConsumerGroups/$Default/Partitions/1",
			 "amqp.annotation.x-opt-offset > '-1'", false);
	k.desire = NULL;
	ck_assert(pn_link_state(r) & PN_REMOTE_ACTIVE);
	receive(&k, r, 3, &g);
	for (int i = 0; i < 3; i++) {
		ck_assert_int_eq(seqno(g.msgs[i]), i);
		runtime_info_is(g.msgs[i], 2, t0, t1);
		body_is(g.msgs[i], "ev");
	}
	got_free(&g);
	/* a newer event moves the figures of the next delivery */
	t0 = wall_ms();
	ck_assert_int_eq(send_msg(&k, s, "ev", NULL, 3), PN_ACCEPTED);
	receive(&k, r, 1, &g);
	ck_assert_int_eq(seqno(g.msgs[0]), 3);
	runtime_info_is(g.msgs[0], 3, t0, wall_ms());
	got_free(&g);
	/* the same link name on another connection, without the capability */
	cli_open(&plain, true);
	r2 = cli_receiver(&plain, "eh1/ConsumerGroups/$Default/Partitions/1",
			  "amqp.annotation.x-opt-offset > '-1'", false);
	receive(&plain, r2, 4, &g);
	for (int i = 0; i < 4; i++) {
		ck_assert_uint_eq(pn_data_size(pn_message_instructions(g.msgs[i])), 0);
		ck_assert(!delivery_annotation(g.msgs[i], "last_enqueued_sequence_number", &d));
	}
	got_free(&g);
	cli_close(&plain);
	cli_close(&k);
}
END_TEST

/* A sasl-init frame (AMQP 1.0 §5.3.3.2) choosing @p mech, no initial response. */
static size_t sasl_init_frame(uint8_t *f, const char *mech)
{
	size_t ml = strlen(mech), n = 8;

	f[4] = 2, f[5] = 1, f[6] = 0, f[7] = 0; /* doff, SASL frame, channel */
	f[n++] = 0x00, f[n++] = 0x53, f[n++] = 0x41;
	f[n++] = 0xc0, f[n++] = (uint8_t)(1 + 2 + ml), f[n++] = 1;
	f[n++] = 0xa3, f[n++] = (uint8_t)ml;
	memcpy(f + n, mech, ml);
	n += ml;
	wire_store_u32(f, (uint32_t)n);
	return n;
}

/* Reads until the server closes the socket; false after @p ms without that. */
static bool read_to_eof(int fd, int ms)
{
	int64_t until = now_ms() + ms;
	uint8_t buf[4096];

	while (now_ms() < until) {
		struct pollfd pfd = {.fd = fd, .events = POLLIN};
		ssize_t n;

		if (poll(&pfd, 1, 50) <= 0)
			continue;
		n = read(fd, buf, sizeof(buf));
		if (n <= 0)
			return true;
	}
	return false;
}

/*
 * A client repeating sasl-init (after the AMQP header, where Proton still
 * reads SASL frames) is disconnected before Proton reads the second one
 * (its pn_do_init would leak: the ASan build checks), in one write and
 * split byte by byte; the server goes on serving others.
 */
START_TEST(second_sasl_init_disconnects)
{
	struct sockaddr_in a = {.sin_family = AF_INET};
	uint8_t in[256];
	size_t n = 0;
	cli_t k;
	pn_link_t *s;

	memcpy(in, "AMQP\x03\x01\x00\x00", 8);
	n = 8;
	n += sasl_init_frame(in + n, "ANONYMOUS");
	memcpy(in + n, "AMQP\x00\x01\x00\x00", 8);
	n += 8;
	n += sasl_init_frame(in + n, "ANONYMOUS");
	a.sin_port = htons(amqp_server_port(srv));
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	for (int split = 0; split < 2; split++) {
		int fd = socket(AF_INET, SOCK_STREAM, 0);

		ck_assert_int_ge(fd, 0);
		ck_assert_int_eq(connect(fd, (struct sockaddr *)&a, sizeof(a)), 0);
		if (split) {
			for (size_t i = 0; i < n; i++) {
				send_all(fd, in + i, 1);
				usleep(1000);
			}
		} else {
			send_all(fd, in, n);
		}
		ck_assert(read_to_eof(fd, 5000));
		close(fd);
	}
	cli_open(&k, true);
	s = cli_sender(&k, "s1", "eh1");
	ck_assert(pn_link_state(s) & PN_REMOTE_ACTIVE);
	ck_assert_int_eq(send_msg(&k, s, "after", NULL, 0), PN_ACCEPTED);
	cli_close(&k);
}
END_TEST

/* An envelope of @p n data sections, each a complete message, key on the envelope too. */
static size_t envelope(char *out, size_t cap, int n, const char *pkey, bool bad_last)
{
	wire_wr_t w;
	char inner[1024];

	wire_wr_init(&w, out, cap);
	for (int i = 0; i < n; i++) {
		char body[16];
		size_t len;

		snprintf(body, sizeof(body), "b-%d", i);
		len = encode_msg(inner, sizeof(inner), body, pkey, 100 + i);
		if (bad_last && i == n - 1)
			len = (size_t)snprintf(inner, sizeof(inner), "not an AMQP message");
		if (i == 0 && pkey) {
			/* the envelope carries the first message's annotations (the SDKs do) */
			wire_wr_t m;

			wire_wr_init(&m, NULL, 0);
			amqpv_wr_symbol(&m, slice_from_cstr("x-opt-partition-key"));
			amqpv_wr_string(&m, slice_from_cstr(pkey));
			amqpv_wr_descriptor(&w, 0x72);
			amqpv_wr_map_header(&w, m.pos, 2);
			amqpv_wr_symbol(&w, slice_from_cstr("x-opt-partition-key"));
			amqpv_wr_string(&w, slice_from_cstr(pkey));
		}
		amqpv_wr_descriptor(&w, 0x75);
		amqpv_wr_binary(&w, (trib_slice_t){(const uint8_t *)inner, len});
	}
	ck_assert(wire_wr_fits(&w));
	return w.pos;
}

START_TEST(batch_to_hub_by_key)
{
	cli_t k;
	pn_link_t *s, *r;
	got_t g;
	char buf[8192];
	size_t n;
	hub_t *hub = ns_hub_find(ns, slice_from_cstr("eh1"));
	int32_t p = hub_pick_partition(hub, slice_from_cstr("key-7"));
	char addr[64];
	pn_data_t *d;
	pn_bytes_t key;

	cli_open(&k, true);
	k.format = BATCH_FORMAT;
	s = cli_sender(&k, "eh1", "eh1");
	n = envelope(buf, sizeof(buf), 3, "key-7", false);
	ck_assert_int_eq(send_bytes(&k, s, buf, n, NULL), PN_ACCEPTED);
	ck_assert_int_eq(part_high_watermark(hub_partition(hub, p)), 3);
	ck_assert_int_eq(part_high_watermark(hub_partition(hub, 1 - p)), 0);
	k.format = 0;
	snprintf(addr, sizeof(addr), "eh1/ConsumerGroups/cg1/Partitions/%d", p);
	r = cli_receiver(&k, addr, "amqp.annotation.x-opt-sequence-number >= '1'", true);
	receive(&k, r, 2, &g);
	ck_assert_int_eq(seqno(g.msgs[0]), 1);
	body_is(g.msgs[0], "b-1");
	ck_assert_int_eq(seqno(g.msgs[1]), 2);
	body_is(g.msgs[1], "b-2");
	ck_assert(annotation(g.msgs[1], "x-opt-partition-key", &d));
	key = pn_data_get_string(d);
	ck_assert(key.size == 5 && memcmp(key.start, "key-7", 5) == 0);
	got_free(&g);
	cli_close(&k);
}
END_TEST

START_TEST(malformed_batch_rejected)
{
	cli_t k;
	pn_link_t *s;
	pn_delivery_t *d;
	char buf[8192];
	size_t n;
	hub_t *hub = ns_hub_find(ns, slice_from_cstr("eh1"));

	cli_open(&k, true);
	k.format = BATCH_FORMAT;
	s = cli_sender(&k, "s1", "eh1/Partitions/1");
	n = envelope(buf, sizeof(buf), 3, NULL, true);
	ck_assert_int_eq(send_bytes(&k, s, buf, n, &d), PN_REJECTED);
	ck_assert_str_eq(pn_condition_get_name(pn_disposition_condition(pn_delivery_remote(d))),
			 "amqp:decode-error");
	ck_assert_int_eq(part_high_watermark(hub_partition(hub, 1)), 0);
	cli_close(&k);
}
END_TEST

START_TEST(refusals)
{
	cli_t k;
	pn_link_t *l;
	pn_condition_t *c;

	cli_open(&k, true);
	l = cli_sender(&k, "s1", "nohub");
	ck_assert(cli_wait(&k, link_closed, l, 5000));
	ck_assert_ptr_null(pn_terminus_get_address(pn_link_remote_target(l)));
	remote_error(l, "amqp:not-found");
	c = pn_link_remote_condition(l);
	ck_assert_str_eq(pn_condition_get_description(c),
			 "The messaging entity 'nohub' could not be found.");
	l = cli_sender(&k, "s2", "eh1/Partitions/2");
	ck_assert(cli_wait(&k, link_closed, l, 5000));
	remote_error(l, "amqp:not-found");
	l = cli_receiver(&k, "eh1/ConsumerGroups/nope/Partitions/0", NULL, false);
	ck_assert(cli_wait(&k, link_closed, l, 5000));
	remote_error(l, "amqp:not-found");
	l = cli_receiver(&k, "eh1/ConsumerGroups/$default/Partitions/0",
			 "amqp.annotation.x-opt-sequence-number > '5'", false);
	ck_assert(cli_wait(&k, link_closed, l, 5000));
	remote_error(l, "com.microsoft:argument-out-of-range");
	l = cli_receiver(&k, "eh1/ConsumerGroups/$Default/Partitions/0", "garbage", true);
	ck_assert(cli_wait(&k, link_closed, l, 5000));
	remote_error(l, "amqp:decode-error");
	/* the connection still works */
	l = cli_sender(&k, "s3", "eh1/Partitions/0");
	ck_assert_int_eq(send_msg(&k, l, "ok", NULL, 1), PN_ACCEPTED);
	cli_close(&k);
}
END_TEST

START_TEST(latest_then_wake)
{
	cli_t k;
	pn_link_t *s, *r;
	got_t g;

	cli_open(&k, false); /* no SASL layer at all */
	s = cli_sender(&k, "s1", "eh1/Partitions/1");
	ck_assert_int_eq(send_msg(&k, s, "old", NULL, 0), PN_ACCEPTED);
	r = cli_receiver(&k, "eh1/ConsumerGroups/$Default/Partitions/1",
			 "amqp.annotation.x-opt-offset > @latest", true);
	pn_link_flow(r, 10);
	for (int i = 0; i < 10; i++)
		cli_io(&k, 10);
	ck_assert_int_eq(pn_link_queued(r), 0);
	ck_assert_int_eq(send_msg(&k, s, "new", NULL, 1), PN_ACCEPTED);
	memset(&g, 0, sizeof(g));
	g.k = &k;
	g.l = r;
	g.want = 1;
	ck_assert(cli_wait(&k, take_messages, &g, 5000)); /* delivered through the waiter */
	ck_assert_int_eq(seqno(g.msgs[0]), 1);
	body_is(g.msgs[0], "new");
	got_free(&g);
	cli_close(&k);
}
END_TEST

START_TEST(credit_is_respected)
{
	cli_t k;
	pn_link_t *s, *r;
	got_t g;

	cli_open(&k, true);
	s = cli_sender(&k, "s1", "eh1/Partitions/0");
	for (int i = 0; i < 5; i++)
		ck_assert_int_eq(send_msg(&k, s, "x", NULL, i), PN_ACCEPTED);
	r = cli_receiver(&k, "eh1/ConsumerGroups/$Default/Partitions/0", NULL, false);
	receive(&k, r, 2, &g);
	for (int i = 0; i < 10; i++)
		cli_io(&k, 10);
	ck_assert_int_eq(pn_link_queued(r), 0); /* nothing beyond the credit */
	got_free(&g);
	receive(&k, r, 3, &g);
	ck_assert_int_eq(seqno(g.msgs[0]), 2);
	ck_assert_int_eq(seqno(g.msgs[2]), 4);
	got_free(&g);
	cli_close(&k);
}
END_TEST

START_TEST(stop_closes_connections)
{
	cli_t k;
	pn_link_t *s;

	cli_open(&k, true);
	s = cli_sender(&k, "s1", "eh1/Partitions/0");
	ck_assert_int_eq(send_msg(&k, s, "x", NULL, 0), PN_ACCEPTED);
	amqp_server_stop(&srv);
	ck_assert(cli_wait(&k, conn_closed, k.c, 5000));
	ck_assert_str_eq(pn_condition_get_name(pn_connection_remote_condition(k.c)),
			 "amqp:connection:forced");
	cli_close(&k);
}
END_TEST

static void setup_small(void)
{
	start(4096, 512);
}

START_TEST(oversize_and_multiframe)
{
	cli_t k;
	pn_link_t *s;
	pn_delivery_t *d;
	char big[6000];
	char buf[8192];
	size_t n;

	cli_open(&k, true);
	s = cli_sender(&k, "s1", "eh1/Partitions/0");
	ck_assert_uint_eq(pn_link_remote_max_message_size(s), 4096);
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	n = encode_msg(buf, sizeof(buf), big, NULL, 1);
	ck_assert_int_eq(send_bytes(&k, s, buf, n, &d), PN_REJECTED);
	ck_assert_str_eq(pn_condition_get_name(pn_disposition_condition(pn_delivery_remote(d))),
			 "amqp:link:message-size-exceeded");
	/* 3000 bytes over 512-byte frames: reassembled and stored */
	big[3000] = '\0';
	n = encode_msg(buf, sizeof(buf), big, NULL, 2);
	ck_assert_int_eq(send_bytes(&k, s, buf, n, NULL), PN_ACCEPTED);
	ck_assert_int_eq(
		part_high_watermark(hub_partition(ns_hub_find(ns, slice_from_cstr("eh1")), 0)), 1);
	cli_close(&k);
}
END_TEST


/* A request to @p node (app properties as key/value pairs) and its response. */
static pn_message_t *request(cli_t *k, pn_link_t *s, pn_link_t *r, uint64_t id,
			     const char *const *kv, size_t nkv)
{
	pn_message_t *m = pn_message();
	pn_atom_t mid = {.type = PN_ULONG, .u.as_ulong = id};
	pn_data_t *d = pn_message_properties(m);
	char buf[2048];
	size_t n = sizeof(buf);
	got_t g;

	pn_message_set_id(m, mid);
	pn_message_set_reply_to(m, "reply-1");
	pn_data_put_map(d);
	pn_data_enter(d);
	for (size_t i = 0; i < nkv; i++)
		pn_data_put_string(d, pn_bytes(strlen(kv[i]), kv[i]));
	pn_data_exit(d);
	ck_assert_int_eq(pn_message_encode(m, buf, &n), 0);
	pn_message_free(m);
	ck_assert_int_eq(send_bytes(k, s, buf, n, NULL), PN_ACCEPTED);
	memset(&g, 0, sizeof(g));
	g.k = k;
	g.l = r;
	g.want = 1;
	ck_assert(cli_wait(k, take_messages, &g, 5000));
	return g.msgs[0];
}

static int32_t status_code(pn_message_t *m, uint64_t id)
{
	pn_data_t *d = pn_message_properties(m);
	pn_atom_t cid = pn_message_get_correlation_id(m);
	size_t n;

	ck_assert_int_eq(cid.type, PN_ULONG);
	ck_assert_int_eq(cid.u.as_ulong, id);
	pn_data_rewind(d);
	ck_assert(pn_data_next(d));
	n = pn_data_get_map(d);
	pn_data_enter(d);
	for (size_t i = 0; i < n / 2; i++) {
		pn_bytes_t key;

		pn_data_next(d);
		key = pn_data_get_string(d);
		pn_data_next(d);
		if (key.size == 11 && memcmp(key.start, "status-code", 11) == 0)
			return pn_data_get_int(d);
	}
	ck_abort_msg("no status-code");
	return 0;
}

/* The body map's entry @p key, the cursor left on its value. */
static pn_data_t *body_entry(pn_message_t *m, const char *key)
{
	pn_data_t *d = pn_message_body(m);
	size_t n;

	pn_data_rewind(d);
	ck_assert(pn_data_next(d));
	ck_assert_int_eq(pn_data_type(d), PN_MAP);
	n = pn_data_get_map(d);
	pn_data_enter(d);
	for (size_t i = 0; i < n / 2; i++) {
		pn_bytes_t k;

		pn_data_next(d);
		k = pn_data_get_string(d);
		pn_data_next(d);
		if (k.size == strlen(key) && memcmp(k.start, key, k.size) == 0)
			return d;
	}
	ck_abort_msg("no %s", key);
	return NULL;
}

START_TEST(management_and_cbs)
{
	cli_t k;
	pn_link_t *s, *r, *cs, *cr, *p;
	pn_message_t *m;
	pn_data_t *d;
	const char *hub_req[] = {"operation", "READ", "type", "com.microsoft:eventhub",
				 "name", "eh1"};
	const char *part_req[] = {"operation", "READ", "type", "com.microsoft:partition",
				  "name", "eh1", "partition", "1"};
	const char *missing[] = {"operation", "READ", "type", "com.microsoft:eventhub",
				 "name", "x"};
	const char *token[] = {"operation", "put-token", "type", "servicebus.windows.net:sastoken",
			       "name", "sb://localhost/eh1"};

	cli_open(&k, true);
	p = cli_sender(&k, "data", "eh1/Partitions/1");
	ck_assert_int_eq(send_msg(&k, p, "x", NULL, 0), PN_ACCEPTED);
	s = cli_sender(&k, "mgmt-s", "$management");
	r = cli_receiver(&k, "$management", NULL, false);
	ck_assert(pn_link_state(r) & PN_REMOTE_ACTIVE);
	pn_link_flow(r, 10);

	m = request(&k, s, r, 42, hub_req, 6);
	ck_assert_int_eq(status_code(m, 42), 200);
	d = body_entry(m, "partition_ids");
	ck_assert_int_eq(pn_data_type(d), PN_ARRAY);
	ck_assert_int_eq(pn_data_get_array(d), 2);
	ck_assert_int_eq(pn_data_get_array_type(d), PN_STRING);
	d = body_entry(m, "created_at");
	ck_assert_int_eq(pn_data_type(d), PN_TIMESTAMP);
	pn_message_free(m);

	m = request(&k, s, r, 43, part_req, 8);
	ck_assert_int_eq(status_code(m, 43), 200);
	d = body_entry(m, "last_enqueued_sequence_number");
	ck_assert_int_eq(pn_data_get_long(d), 0);
	d = body_entry(m, "is_partition_empty");
	ck_assert(!pn_data_get_bool(d));
	pn_message_free(m);

	m = request(&k, s, r, 44, missing, 6);
	ck_assert_int_eq(status_code(m, 44), 404);
	pn_message_free(m);

	cs = cli_sender(&k, "cbs-s", "$cbs");
	cr = cli_receiver(&k, "$cbs", NULL, false);
	pn_link_flow(cr, 10);
	m = request(&k, cs, cr, 45, token, 6);
	ck_assert_int_eq(status_code(m, 45), 202);
	pn_message_free(m);
	cli_close(&k);
}
END_TEST

START_TEST(time_filter_and_publisher)
{
	cli_t k;
	pn_link_t *s, *r;
	got_t g;
	pn_data_t *d;
	int64_t t0;
	char sel[128];
	pn_bytes_t pub;
	hub_t *hub = ns_hub_find(ns, slice_from_cstr("eh1"));
	int32_t p = hub_pick_partition(hub, slice_from_cstr("dev-1"));
	char addr[64];

	cli_open(&k, true);
	s = cli_sender(&k, "pub", "eh1/Publishers/dev-1");
	ck_assert_int_eq(send_msg(&k, s, "first", NULL, 0), PN_ACCEPTED);
	usleep(20000);
	ck_assert_int_eq(send_msg(&k, s, "second", NULL, 1), PN_ACCEPTED);
	ck_assert_int_eq(part_high_watermark(hub_partition(hub, p)), 2);
	snprintf(addr, sizeof(addr), "eh1/ConsumerGroups/$Default/Partitions/%d", p);
	r = cli_receiver(&k, addr, NULL, false);
	receive(&k, r, 2, &g);
	ck_assert(annotation(g.msgs[0], "x-opt-enqueued-time", &d));
	t0 = pn_data_get_timestamp(d);
	ck_assert(annotation(g.msgs[0], "x-opt-publisher", &d));
	pub = pn_data_get_string(d);
	ck_assert(pub.size == 5 && memcmp(pub.start, "dev-1", 5) == 0);
	got_free(&g);
	/* strictly after the first event's enqueue time: only the second */
	snprintf(sel, sizeof(sel), "amqp.annotation.x-opt-enqueued-time > %lld", (long long)t0);
	r = cli_receiver(&k, addr, sel, false);
	receive(&k, r, 1, &g);
	body_is(g.msgs[0], "second");
	ck_assert_int_eq(seqno(g.msgs[0]), 1);
	got_free(&g);
	/* at or after it: both */
	snprintf(sel, sizeof(sel), "amqp.annotation.x-opt-enqueued-time >= '%lld'", (long long)t0);
	r = cli_receiver(&k, addr, sel, true);
	receive(&k, r, 2, &g);
	body_is(g.msgs[0], "first");
	got_free(&g);
	cli_close(&k);
}
END_TEST

static void setup_big(void)
{
	start(16 * 1048576, 262144);
}

/* A batch whose records pass the hub's stored-batch limit is stored as several batches. */
START_TEST(batch_over_hub_limit_splits)
{
	cli_t k;
	pn_link_t *s, *r;
	size_t cap = 10 * 1048576, n = 0, len;
	char *env = malloc(cap), inner[2048], body[1100];
	wire_wr_t w;
	hub_t *hub = ns_hub_find(ns, slice_from_cstr("eh1"));
	got_t g;
	const int events = 8000;

	memset(body, 'e', sizeof(body) - 1);
	body[sizeof(body) - 1] = '\0';
	wire_wr_init(&w, env, cap);
	for (int i = 0; i < events; i++) {
		len = encode_msg(inner, sizeof(inner), body, NULL, i);
		amqpv_wr_descriptor(&w, 0x75);
		amqpv_wr_binary(&w, (trib_slice_t){(const uint8_t *)inner, len});
	}
	ck_assert(wire_wr_fits(&w));
	n = w.pos;
	ck_assert_uint_gt(n, HUB_DEFAULT_MAX_BATCH_BYTES);
	cli_open(&k, true);
	k.format = BATCH_FORMAT;
	s = cli_sender(&k, "s1", "eh1/Partitions/1");
	ck_assert_int_eq(send_bytes(&k, s, env, n, NULL), PN_ACCEPTED);
	ck_assert_int_eq(part_high_watermark(hub_partition(hub, 1)), events);
	k.format = 0;
	r = cli_receiver(&k, "eh1/ConsumerGroups/$Default/Partitions/1",
			 "amqp.annotation.x-opt-sequence-number >= 7995", false);
	receive(&k, r, 5, &g);
	ck_assert_int_eq(seqno(g.msgs[0]), 7995);
	ck_assert_int_eq(seqno(g.msgs[4]), 7999);
	got_free(&g);
	free(env);
	cli_close(&k);
}
END_TEST


/* ---- authorisation (auth_required with SAS policies) ---- */

#define ROOT_KEY "dGVzdC1yb290LWtleQ=="

static void setup_auth(void)
{
	auth_policy_spec_t specs[] = {
		{.name = AUTH_ROOT_POLICY, .key = ROOT_KEY, .hub = NULL, .rights = AUTH_MANAGE},
		{.name = "listen-eh1", .key = "l-key", .hub = "eh1", .rights = AUTH_LISTEN},
	};

	ck_assert_int_eq(auth_open(specs, 2, &test_auth), TRIB_OK);
	test_auth_required = true;
	start(1048576, 262144);
}

/* Python's urllib.parse.quote_plus(s, safe=''), as the Python SDK encodes sr and sig. */
static void quote_plus(const char *s, char *out, size_t cap)
{
	size_t n = 0;

	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;

		ck_assert_uint_lt(n + 4, cap);
		if (isalnum(ch) || ch == '-' || ch == '_' || ch == '.' || ch == '~')
			out[n++] = (char)ch;
		else if (ch == ' ')
			out[n++] = '+';
		else
			n += (size_t)snprintf(out + n, cap - n, "%%%02X", ch);
	}
	out[n] = '\0';
}

/* A SAS token for @p uri signed with @p policy / @p key, expiring at Unix @p se. */
static void sas_token(char *out, size_t cap, const char *uri, const char *policy, const char *key,
		      int64_t se)
{
	char sr[512], in[600], b64[64], sig[128];
	unsigned char mac[EVP_MAX_MD_SIZE];
	unsigned int maclen = 0;

	quote_plus(uri, sr, sizeof(sr));
	snprintf(in, sizeof(in), "%s\n%lld", sr, (long long)se);
	ck_assert_ptr_nonnull(HMAC(EVP_sha256(), key, (int)strlen(key), (const unsigned char *)in,
				   strlen(in), mac, &maclen));
	EVP_EncodeBlock((unsigned char *)b64, mac, (int)maclen);
	quote_plus(b64, sig, sizeof(sig));
	snprintf(out, cap, "SharedAccessSignature sr=%s&sig=%s&se=%lld&skn=%s", sr, sig,
		 (long long)se, policy);
}

/* A request whose body is the amqp-value string @p body (NULL: none). */
static pn_message_t *request_body(cli_t *k, pn_link_t *s, pn_link_t *r, uint64_t id,
				  const char *const *kv, size_t nkv, const char *body)
{
	pn_message_t *m = pn_message();
	pn_atom_t mid = {.type = PN_ULONG, .u.as_ulong = id};
	pn_data_t *d = pn_message_properties(m);
	char buf[4096];
	size_t n = sizeof(buf);
	got_t g;

	pn_message_set_id(m, mid);
	pn_message_set_reply_to(m, "reply-1");
	pn_data_put_map(d);
	pn_data_enter(d);
	for (size_t i = 0; i < nkv; i++)
		pn_data_put_string(d, pn_bytes(strlen(kv[i]), kv[i]));
	pn_data_exit(d);
	if (body)
		pn_data_put_string(pn_message_body(m), pn_bytes(strlen(body), body));
	ck_assert_int_eq(pn_message_encode(m, buf, &n), 0);
	pn_message_free(m);
	ck_assert_int_eq(send_bytes(k, s, buf, n, NULL), PN_ACCEPTED);
	memset(&g, 0, sizeof(g));
	g.k = k;
	g.l = r;
	g.want = 1;
	ck_assert(cli_wait(k, take_messages, &g, 5000));
	return g.msgs[0];
}

static int64_t wall_s(void)
{
	return (int64_t)time(NULL);
}

/* Puts @p token on $cbs (links @p cs / @p cr) and returns the status code. */
static int32_t put_token(cli_t *k, pn_link_t *cs, pn_link_t *cr, uint64_t id, const char *aud,
			 const char *token)
{
	const char *kv[] = {"operation", "put-token", "type", "servicebus.windows.net:sastoken",
			    "name", aud};
	pn_message_t *m = request_body(k, cs, cr, id, kv, 6, token);
	int32_t code = status_code(m, id);

	pn_message_free(m);
	return code;
}

static void open_cbs(cli_t *k, pn_link_t **cs, pn_link_t **cr)
{
	*cs = cli_sender(k, "cbs-s", "$cbs");
	*cr = cli_receiver(k, "$cbs", NULL, false);
	ck_assert(pn_link_state(*cr) & PN_REMOTE_ACTIVE);
	pn_link_flow(*cr, 20);
}

START_TEST(auth_link_needs_token)
{
	cli_t k;
	pn_link_t *l, *cs, *cr;
	char tok[1024];

	cli_open(&k, true);
	/* no token: refused before the entity is looked up (unknown hub too) */
	l = cli_sender(&k, "s1", "eh1");
	ck_assert(cli_wait(&k, link_closed, l, 5000));
	ck_assert_ptr_null(pn_terminus_get_address(pn_link_remote_target(l)));
	remote_error(l, "amqp:unauthorized-access");
	l = cli_sender(&k, "s2", "nohub");
	ck_assert(cli_wait(&k, link_closed, l, 5000));
	remote_error(l, "amqp:unauthorized-access");
	l = cli_receiver(&k, "eh1/ConsumerGroups/$Default/Partitions/0", NULL, false);
	ck_assert(cli_wait(&k, link_closed, l, 5000));
	remote_error(l, "amqp:unauthorized-access");

	open_cbs(&k, &cs, &cr);
	/* wrong key, expired beyond the skew, no token at all: 401 */
	sas_token(tok, sizeof(tok), "sb://localhost/eh1", AUTH_ROOT_POLICY, "wrong",
		  wall_s() + 600);
	ck_assert_int_eq(put_token(&k, cs, cr, 1, "sb://localhost/eh1", tok), 401);
	sas_token(tok, sizeof(tok), "sb://localhost/eh1", AUTH_ROOT_POLICY, ROOT_KEY,
		  wall_s() - AUTH_CLOCK_SKEW_S - 60);
	ck_assert_int_eq(put_token(&k, cs, cr, 2, "sb://localhost/eh1", tok), 401);
	ck_assert_int_eq(put_token(&k, cs, cr, 3, "sb://localhost/eh1", NULL), 401);
	l = cli_sender(&k, "s3", "eh1");
	ck_assert(cli_wait(&k, link_closed, l, 5000));
	remote_error(l, "amqp:unauthorized-access");

	/* a good hub token: senders anywhere under eh1, receivers too (Manage) */
	sas_token(tok, sizeof(tok), "sb://localhost/EH1/", AUTH_ROOT_POLICY, ROOT_KEY,
		  wall_s() + 600);
	ck_assert_int_eq(put_token(&k, cs, cr, 4, "sb://localhost/eh1", tok), 202);
	l = cli_sender(&k, "s4", "amqps://localhost/eh1/Partitions/1");
	ck_assert(pn_link_state(l) & PN_REMOTE_ACTIVE);
	ck_assert_int_eq(send_msg(&k, l, "authorised", NULL, 1), PN_ACCEPTED);
	l = cli_receiver(&k, "eh1/ConsumerGroups/$Default/Partitions/1", NULL, false);
	ck_assert(pn_link_state(l) & PN_REMOTE_ACTIVE);
	ck_assert(!(pn_link_state(l) & PN_REMOTE_CLOSED));
	cli_close(&k);
}
END_TEST

START_TEST(auth_rights_and_scope)
{
	cli_t k;
	pn_link_t *l, *cs, *cr;
	char tok[1024];
	pn_condition_t *c;

	cli_open(&k, true);
	open_cbs(&k, &cs, &cr);
	/* a Listen-only hub policy: receivers yes, senders no */
	sas_token(tok, sizeof(tok), "sb://localhost/eh1", "listen-eh1", "l-key", wall_s() + 600);
	ck_assert_int_eq(put_token(&k, cs, cr, 1, "sb://localhost/eh1", tok), 202);
	l = cli_receiver(&k, "eh1/ConsumerGroups/$Default/Partitions/0", NULL, false);
	ck_assert(!(pn_link_state(l) & PN_REMOTE_CLOSED));
	l = cli_sender(&k, "s1", "eh1");
	ck_assert(cli_wait(&k, link_closed, l, 5000));
	remote_error(l, "amqp:unauthorized-access");
	c = pn_link_remote_condition(l);
	ck_assert_ptr_nonnull(strstr(pn_condition_get_description(c), "'Send' claim"));
	/* a partition-scoped token does not cover another partition */
	sas_token(tok, sizeof(tok), "sb://localhost/eh1/Partitions/0", AUTH_ROOT_POLICY, ROOT_KEY,
		  wall_s() + 600);
	ck_assert_int_eq(put_token(&k, cs, cr, 2, "sb://localhost/eh1/Partitions/0", tok), 202);
	l = cli_sender(&k, "s2", "eh1/Partitions/0");
	ck_assert(!(pn_link_state(l) & PN_REMOTE_CLOSED));
	l = cli_sender(&k, "s3", "eh1/Partitions/1");
	ck_assert(cli_wait(&k, link_closed, l, 5000));
	remote_error(l, "amqp:unauthorized-access");
	cli_close(&k);
}
END_TEST

START_TEST(auth_expiry_detaches)
{
	cli_t k;
	pn_link_t *l, *cs, *cr;
	char tok[1024];

	cli_open(&k, true);
	open_cbs(&k, &cs, &cr);
	/* expired, but within the clock skew for about two more seconds */
	sas_token(tok, sizeof(tok), "sb://localhost/eh1", AUTH_ROOT_POLICY, ROOT_KEY,
		  wall_s() - AUTH_CLOCK_SKEW_S + 2);
	ck_assert_int_eq(put_token(&k, cs, cr, 1, "sb://localhost/eh1", tok), 202);
	l = cli_sender(&k, "s1", "eh1");
	ck_assert(pn_link_state(l) & PN_REMOTE_ACTIVE);
	ck_assert(!(pn_link_state(l) & PN_REMOTE_CLOSED));
	ck_assert(cli_wait(&k, link_closed, l, 8000));
	remote_error(l, "amqp:unauthorized-access");
	/* the $cbs links stay */
	ck_assert(!(pn_link_state(cs) & PN_REMOTE_CLOSED));
	cli_close(&k);
}
END_TEST

START_TEST(auth_management_token)
{
	cli_t k;
	pn_link_t *s, *r;
	pn_message_t *m;
	char tok[1024];
	const char *no_token[] = {"operation", "READ", "type", "com.microsoft:eventhub",
				  "name", "eh1"};
	const char *with_token[] = {"operation", "READ", "type", "com.microsoft:eventhub",
				    "name", "eh1", "security_token", tok};
	const char *unknown[] = {"operation", "READ", "type", "com.microsoft:eventhub",
				 "name", "nohub", "security_token", tok};
	const char *bad[] = {"operation", "READ", "type", "com.microsoft:eventhub",
			     "name", "eh1", "security_token", "SharedAccessSignature sr=x"};

	cli_open(&k, true);
	s = cli_sender(&k, "mgmt-s", "$management");
	r = cli_receiver(&k, "$management", NULL, false);
	pn_link_flow(r, 10);
	m = request(&k, s, r, 1, no_token, 6);
	ck_assert_int_eq(status_code(m, 1), 401);
	pn_message_free(m);
	m = request(&k, s, r, 2, bad, 8);
	ck_assert_int_eq(status_code(m, 2), 401);
	pn_message_free(m);
	sas_token(tok, sizeof(tok), "sb://localhost/", AUTH_ROOT_POLICY, ROOT_KEY, wall_s() + 600);
	m = request(&k, s, r, 3, with_token, 8);
	ck_assert_int_eq(status_code(m, 3), 200);
	pn_message_free(m);
	m = request(&k, s, r, 4, unknown, 8);
	ck_assert_int_eq(status_code(m, 4), 404);
	pn_message_free(m);
	/* a hub token for eh1 is no authority over another hub: 401 before 404 */
	sas_token(tok, sizeof(tok), "sb://localhost/eh1", AUTH_ROOT_POLICY, ROOT_KEY,
		  wall_s() + 600);
	m = request(&k, s, r, 5, unknown, 8);
	ck_assert_int_eq(status_code(m, 5), 401);
	pn_message_free(m);
	cli_close(&k);
}
END_TEST

START_TEST(auth_sasl_plain)
{
	cli_t k;
	pn_link_t *l;

	/* cli_open with SASL PLAIN: user = policy name, password = key */
	cli_open(&k, false);
	pn_sasl_allowed_mechs(pn_sasl(k.d.transport), "PLAIN");
	pn_sasl_set_allow_insecure_mechs(pn_sasl(k.d.transport), true);
	pn_connection_set_user(k.c, AUTH_ROOT_POLICY);
	pn_connection_set_password(k.c, ROOT_KEY);
	l = cli_sender(&k, "s1", "eh1");
	ck_assert(!(pn_link_state(l) & PN_REMOTE_CLOSED));
	ck_assert_int_eq(send_msg(&k, l, "plain", NULL, 1), PN_ACCEPTED);
	l = cli_receiver(&k, "eh1/ConsumerGroups/$Default/Partitions/0", NULL, false);
	ck_assert(!(pn_link_state(l) & PN_REMOTE_CLOSED));
	cli_close(&k);
}
END_TEST

START_TEST(auth_sasl_plain_wrong_key)
{
	cli_t k;

	cli_open(&k, false);
	pn_sasl_allowed_mechs(pn_sasl(k.d.transport), "PLAIN");
	pn_sasl_set_allow_insecure_mechs(pn_sasl(k.d.transport), true);
	pn_connection_set_user(k.c, AUTH_ROOT_POLICY);
	pn_connection_set_password(k.c, "wrong");
	for (int i = 0; i < 100 && pn_sasl_outcome(pn_sasl(k.d.transport)) == PN_SASL_NONE; i++)
		cli_io(&k, 20);
	ck_assert_int_eq(pn_sasl_outcome(pn_sasl(k.d.transport)), PN_SASL_AUTH);
	cli_close(&k);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("amqp_server");
	TCase *tc = tcase_create("server");
	TCase *small = tcase_create("small_limits");
	TCase *big = tcase_create("big_limits");
	TCase *au = tcase_create("auth");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, send_then_receive);
	tcase_add_test(tc, batch_to_hub_by_key);
	tcase_add_test(tc, malformed_batch_rejected);
	tcase_add_test(tc, refusals);
	tcase_add_test(tc, latest_then_wake);
	tcase_add_test(tc, credit_is_respected);
	tcase_add_test(tc, stop_closes_connections);
	tcase_add_test(tc, management_and_cbs);
	tcase_add_test(tc, time_filter_and_publisher);
	tcase_add_test(tc, receiver_runtime_metric);
	tcase_add_test(tc, second_sasl_init_disconnects);
	tcase_add_checked_fixture(small, setup_small, teardown);
	tcase_set_timeout(small, 30);
	tcase_add_test(small, oversize_and_multiframe);
	tcase_add_checked_fixture(big, setup_big, teardown);
	tcase_set_timeout(big, 60);
	tcase_add_test(big, batch_over_hub_limit_splits);
	suite_add_tcase(s, tc);
	suite_add_tcase(s, small);
	tcase_add_checked_fixture(au, setup_auth, teardown);
	tcase_set_timeout(au, 30);
	tcase_add_test(au, auth_link_needs_token);
	tcase_add_test(au, auth_rights_and_scope);
	tcase_add_test(au, auth_expiry_detaches);
	tcase_add_test(au, auth_management_token);
	tcase_add_test(au, auth_sasl_plain);
	tcase_add_test(au, auth_sasl_plain_wrong_key);
	suite_add_tcase(s, big);
	suite_add_tcase(s, au);
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
