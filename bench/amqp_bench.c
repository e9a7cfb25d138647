/*
 * amqp_bench: AMQP 1.0 ingest benchmark and idle-connection memory probe (bench/README.md).
 *
 * Send mode: one Proton-C proactor connection, one session, one sender link to --address;
 * every event is one unsettled delivery holding a header section (durable=true, so a broker
 * persists it) and one data section of --size bytes. At most --inflight deliveries are
 * unsettled at any time, and never more than the link credit allows. Events are counted when
 * the peer settles them with `accepted`; anything else (rejected, released, modified) is an
 * error. Sending stops after --seconds (or --count events); the figure is accepted events
 * divided by the time from the first send to the last disposition.
 *
 * Idle mode (--idle N --pid PID): opens N connections, each with SASL done, open and one
 * session begun (remote begin seen), reads VmRSS of PID before and after, prints KiB per
 * connection, and closes them all.
 *
 * Invariants: a single proactor thread runs every handler, so the counters need no locks;
 * the encoded message is built once and every delivery copies it (Proton owns the copy).
 */
#include <errno.h>
#include <inttypes.h>
#include <proton/condition.h>
#include <proton/connection.h>
#include <proton/delivery.h>
#include <proton/event.h>
#include <proton/link.h>
#include <proton/proactor.h>
#include <proton/sasl.h>
#include <proton/session.h>
#include <proton/terminus.h>
#include <proton/transport.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#define BENCH_MAX_SIZE (16u * 1024u * 1024u)
#define BENCH_MAX_IDLE 100000

typedef struct {
	const char *host;
	const char *port;
	const char *address;
	const char *user;
	const char *password;
	const char *mechs;
	double seconds;
	uint64_t count;
	size_t size;
	int inflight;
	int idle;
	long pid;
} opts_t;

typedef struct {
	opts_t o;
	pn_proactor_t *proactor;
	char *msg; /* encoded header + data section, built once */
	size_t msg_len;
	pn_link_t *sender;
	uint64_t sent, accepted, refused;
	int unsettled;
	bool stop_sending;
	bool done;
	double t_first, t_last, t_deadline;
	/* idle mode */
	int idle_ready; /* connections whose session the peer has begun */
	int idle_closed;
	bool idle_closing;
	int failed;
	char error[512];
} bench_t;

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: amqp_bench [--host H] [--port P] [--address A] [--seconds S] [--count N]\n"
		"                  [--size BYTES] [--inflight N] [--user U --password P] [--mechs M]\n"
		"       amqp_bench --idle N --pid PID [--host H] [--port P] [--user U --password P]\n");
	exit(2);
}

static int parse_opts(int argc, char **argv, opts_t *o)
{
	*o = (opts_t){.host = "127.0.0.1", .port = "5672", .address = "eh1", .seconds = 20,
		      .size = 1024, .inflight = 1000};
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!v)
			usage();
		i++;
		if (!strcmp(a, "--host"))
			o->host = v;
		else if (!strcmp(a, "--port"))
			o->port = v;
		else if (!strcmp(a, "--address"))
			o->address = v;
		else if (!strcmp(a, "--user"))
			o->user = v;
		else if (!strcmp(a, "--password"))
			o->password = v;
		else if (!strcmp(a, "--mechs"))
			o->mechs = v;
		else if (!strcmp(a, "--seconds"))
			o->seconds = atof(v);
		else if (!strcmp(a, "--count"))
			o->count = strtoull(v, NULL, 10);
		else if (!strcmp(a, "--size"))
			o->size = strtoul(v, NULL, 10);
		else if (!strcmp(a, "--inflight"))
			o->inflight = atoi(v);
		else if (!strcmp(a, "--idle"))
			o->idle = atoi(v);
		else if (!strcmp(a, "--pid"))
			o->pid = atol(v);
		else
			usage();
	}
	if (o->size == 0 || o->size > BENCH_MAX_SIZE || o->inflight < 1 || o->idle < 0 ||
	    o->idle > BENCH_MAX_IDLE || (o->idle && o->pid <= 0) || o->seconds <= 0)
		usage();
	return 0;
}

/* header {durable: true} then one data section (binary, 4-byte length form) */
static int build_message(bench_t *b)
{
	static const unsigned char header[] = {0x00, 0x53, 0x70, 0xc0, 0x02, 0x01, 0x41};
	size_t n = b->o.size;
	unsigned char *p;

	b->msg_len = sizeof(header) + 3 + 5 + n;
	b->msg = malloc(b->msg_len);
	if (!b->msg)
		return -1;
	p = (unsigned char *)b->msg;
	memcpy(p, header, sizeof(header));
	p += sizeof(header);
	*p++ = 0x00;
	*p++ = 0x53;
	*p++ = 0x75;
	*p++ = 0xb0;
	*p++ = (unsigned char)(n >> 24);
	*p++ = (unsigned char)(n >> 16);
	*p++ = (unsigned char)(n >> 8);
	*p++ = (unsigned char)n;
	for (size_t i = 0; i < n; i++)
		p[i] = (unsigned char)('a' + i % 26);
	return 0;
}

static void configure(bench_t *b, pn_connection_t *c, pn_transport_t *t, int idx)
{
	char id[64];
	pn_sasl_t *sasl = pn_sasl(t);

	snprintf(id, sizeof(id), "amqp-bench-%d", idx);
	pn_connection_set_container(c, id);
	pn_connection_set_hostname(c, b->o.host);
	if (b->o.user) {
		pn_connection_set_user(c, b->o.user);
		pn_connection_set_password(c, b->o.password ? b->o.password : "");
	}
	pn_sasl_allowed_mechs(sasl, b->o.mechs ? b->o.mechs : b->o.user ? "PLAIN" : "ANONYMOUS");
	pn_sasl_set_allow_insecure_mechs(sasl, true);
}

static void connect_one(bench_t *b, int idx)
{
	char addr[PN_MAX_ADDR];
	pn_connection_t *c = pn_connection();
	pn_transport_t *t = pn_transport();

	configure(b, c, t, idx);
	pn_proactor_addr(addr, sizeof(addr), b->o.host, b->o.port);
	pn_proactor_connect2(b->proactor, c, t, addr);
}

static void send_more(bench_t *b)
{
	pn_link_t *l = b->sender;

	while (!b->stop_sending && pn_link_credit(l) > 0 && b->unsettled < b->o.inflight) {
		char tag[24];
		int n = snprintf(tag, sizeof(tag), "%" PRIu64, b->sent);
		pn_delivery_t *d = pn_delivery(l, pn_dtag(tag, (size_t)n));

		pn_link_send(l, b->msg, b->msg_len);
		pn_link_advance(l);
		(void)d;
		if (b->sent == 0)
			b->t_first = now_s();
		b->sent++;
		b->unsettled++;
		if ((b->o.count && b->sent >= b->o.count) || (b->sent % 64 == 0 && now_s() > b->t_deadline))
			b->stop_sending = true;
	}
}

static void fail(bench_t *b, const char *what, pn_condition_t *cond)
{
	if (!b->failed)
		snprintf(b->error, sizeof(b->error), "%s: %s: %s", what,
			 cond && pn_condition_is_set(cond) ? pn_condition_get_name(cond) : "(none)",
			 cond && pn_condition_get_description(cond) ? pn_condition_get_description(cond)
								    : "");
	b->failed++;
}

static void on_delivery(bench_t *b, pn_delivery_t *d)
{
	uint64_t state;

	if (!pn_delivery_updated(d) || !pn_delivery_remote_state(d))
		return;
	state = pn_delivery_remote_state(d);
	if (state == PN_ACCEPTED) {
		b->accepted++;
	} else {
		if (!b->refused)
			fail(b, "delivery not accepted",
			     pn_disposition_condition(pn_delivery_remote(d)));
		b->refused++;
	}
	b->t_last = now_s();
	pn_delivery_settle(d);
	b->unsettled--;
	if (b->stop_sending && b->unsettled == 0 && !b->done) {
		b->done = true;
		pn_connection_close(pn_session_connection(pn_link_session(b->sender)));
	} else {
		send_more(b);
	}
}

static void send_event(bench_t *b, pn_event_t *e)
{
	switch (pn_event_type(e)) {
	case PN_CONNECTION_INIT: {
		pn_connection_t *c = pn_event_connection(e);
		pn_session_t *s = pn_session(c);
		pn_link_t *l = pn_sender(s, "amqp-bench");

		pn_connection_open(c);
		pn_session_open(s);
		pn_terminus_set_address(pn_link_target(l), b->o.address);
		pn_terminus_set_durability(pn_link_target(l), PN_NONDURABLE);
		pn_terminus_set_address(pn_link_source(l), "amqp-bench");
		pn_link_set_snd_settle_mode(l, PN_SND_UNSETTLED);
		pn_link_set_rcv_settle_mode(l, PN_RCV_FIRST);
		pn_link_open(l);
		b->sender = l;
		b->t_deadline = now_s() + b->o.seconds;
		break;
	}
	case PN_LINK_FLOW:
		if (pn_event_link(e) == b->sender)
			send_more(b);
		break;
	case PN_DELIVERY:
		on_delivery(b, pn_event_delivery(e));
		break;
	case PN_LINK_REMOTE_CLOSE:
	case PN_LINK_REMOTE_DETACH:
		fail(b, "link closed by the peer", pn_link_remote_condition(pn_event_link(e)));
		pn_connection_close(pn_event_connection(e));
		break;
	case PN_CONNECTION_REMOTE_CLOSE:
		if (!b->done)
			fail(b, "connection closed by the peer",
			     pn_connection_remote_condition(pn_event_connection(e)));
		pn_connection_close(pn_event_connection(e));
		break;
	case PN_TRANSPORT_ERROR:
		if (!b->done)
			fail(b, "transport error", pn_transport_condition(pn_event_transport(e)));
		break;
	case PN_PROACTOR_INACTIVE:
		return;
	default:
		break;
	}
}

static long vm_rss_kib(long pid)
{
	char path[64], line[256];
	long kib = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%ld/status", pid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "VmRSS: %ld kB", &kib) == 1)
			break;
	fclose(f);
	return kib;
}

static void idle_event(bench_t *b, pn_event_t *e)
{
	switch (pn_event_type(e)) {
	case PN_CONNECTION_INIT: {
		pn_connection_t *c = pn_event_connection(e);

		pn_connection_open(c);
		pn_session_open(pn_session(c));
		break;
	}
	case PN_SESSION_REMOTE_OPEN:
		b->idle_ready++;
		break;
	case PN_CONNECTION_REMOTE_CLOSE:
		if (!b->idle_closing)
			fail(b, "connection closed by the peer",
			     pn_connection_remote_condition(pn_event_connection(e)));
		pn_connection_close(pn_event_connection(e));
		break;
	case PN_TRANSPORT_ERROR:
		if (!b->idle_closing)
			fail(b, "transport error", pn_transport_condition(pn_event_transport(e)));
		break;
	case PN_TRANSPORT_CLOSED:
		b->idle_closed++;
		break;
	default:
		break;
	}
}

/* Runs proactor batches until pred(b) or the deadline; returns pred(b). */
static bool run_until(bench_t *b, bool (*pred)(const bench_t *), double deadline, bool idle)
{
	while (!pred(b) && now_s() < deadline) {
		pn_event_batch_t *batch;
		pn_event_t *e;

		/* a PN_PROACTOR_TIMEOUT wakes the wait so the deadline is seen without traffic */
		pn_proactor_set_timeout(b->proactor, 100);
		batch = pn_proactor_wait(b->proactor);
		while ((e = pn_event_batch_next(batch))) {
			if (idle)
				idle_event(b, e);
			else
				send_event(b, e);
		}
		pn_proactor_done(b->proactor, batch);
	}
	return pred(b);
}

static bool idle_all_ready(const bench_t *b)
{
	return b->idle_ready >= b->o.idle || b->failed;
}

static bool idle_all_closed(const bench_t *b)
{
	return b->idle_closed >= b->o.idle;
}

static bool never(const bench_t *b)
{
	(void)b;
	return false;
}

static bool send_finished(const bench_t *b)
{
	return b->done || b->failed;
}

static void raise_fd_limit(void)
{
	struct rlimit r;

	if (getrlimit(RLIMIT_NOFILE, &r) == 0 && r.rlim_cur < r.rlim_max) {
		r.rlim_cur = r.rlim_max;
		setrlimit(RLIMIT_NOFILE, &r);
	}
}

static int run_idle(bench_t *b)
{
	long before, after;
	double t0;

	raise_fd_limit();
	before = vm_rss_kib(b->o.pid);
	if (before < 0) {
		fprintf(stderr, "amqp_bench: cannot read /proc/%ld/status\n", b->o.pid);
		return 1;
	}
	t0 = now_s();
	for (int i = 0; i < b->o.idle; i++)
		connect_one(b, i);
	if (!run_until(b, idle_all_ready, t0 + 120, true) || b->failed) {
		fprintf(stderr, "amqp_bench: %d of %d connections ready: %s\n", b->idle_ready, b->o.idle,
			b->failed ? b->error : "timed out");
		return 1;
	}
	printf("idle connections: %d (SASL %s, open, one session) in %.2f s\n", b->o.idle,
	       b->o.user ? "PLAIN" : "ANONYMOUS", now_s() - t0);
	/* let the gateway finish any lazy allocation, then measure */
	run_until(b, never, now_s() + 1.0, true);
	after = vm_rss_kib(b->o.pid);
	printf("gateway VmRSS: %ld KiB before, %ld KiB after: %.1f KiB per idle connection\n", before,
	       after, (double)(after - before) / b->o.idle);
	b->idle_closing = true;
	pn_proactor_disconnect(b->proactor, NULL);
	run_until(b, idle_all_closed, now_s() + 30, true);
	return 0;
}

static int run_send(bench_t *b)
{
	double elapsed;

	if (build_message(b) != 0)
		return 1;
	connect_one(b, 0);
	run_until(b, send_finished, now_s() + b->o.seconds + 120, false);
	if (b->failed) {
		fprintf(stderr, "amqp_bench: %s (after %" PRIu64 " accepted)\n", b->error, b->accepted);
		return 1;
	}
	if (!b->done || b->accepted == 0) {
		fprintf(stderr, "amqp_bench: no result (sent %" PRIu64 ", accepted %" PRIu64 ")\n",
			b->sent, b->accepted);
		return 1;
	}
	elapsed = b->t_last - b->t_first;
	printf("address %s: %" PRIu64 " events of %zu bytes accepted in %.2f s, %d in flight max\n",
	       b->o.address, b->accepted, b->o.size, elapsed, b->o.inflight);
	printf("events/s: %.0f  (%.1f MiB/s of payload)\n", (double)b->accepted / elapsed,
	       (double)b->accepted * (double)b->o.size / elapsed / (1024.0 * 1024.0));
	return 0;
}

int main(int argc, char **argv)
{
	bench_t b = {0};
	int rc;

	parse_opts(argc, argv, &b.o);
	b.proactor = pn_proactor();
	if (!b.proactor) {
		fprintf(stderr, "amqp_bench: no proactor\n");
		return 1;
	}
	rc = b.o.idle ? run_idle(&b) : run_send(&b);
	pn_proactor_free(b.proactor);
	free(b.msg);
	return rc;
}
