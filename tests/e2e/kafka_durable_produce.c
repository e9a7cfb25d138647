/*
 * e2e helper for the durability test: produce without pause (acks=-1) and
 * print every acknowledged offset, until MAX records are acknowledged or the
 * process gets SIGTERM/SIGINT.
 *
 *   kafka_durable_produce BOOTSTRAP TOPIC PARTITION MAX [START]
 *
 * Records are numbered from START (default 0). Record number n has key "k<n>" and a value of durable_value_len(n) bytes:
 * "seq=<n, 8 digits>;" followed by letters 'a' + (n + j) % 26 — the test
 * recomputes it, so a record that comes back with the right offset but the
 * wrong bytes is caught. One request in flight keeps acknowledged records in
 * the order they were produced (no reordering on retry), so offsets grow
 * with n. stdout gets "ACK <n> <offset>" per acknowledged record, line-buffered
 * so the test sees each one as soon as the gateway confirms it; failures go to
 * stderr as "ERR <n> <error>".
 */
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <librdkafka/rdkafka.h>

#define VALUE_MAX 512

static volatile sig_atomic_t stop;
static long acked;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static size_t durable_value(long n, char *buf)
{
	size_t len = 64 + (size_t)(n % 7) * 61; /* 64..430 bytes: batches of mixed sizes */
	int head = snprintf(buf, VALUE_MAX, "seq=%08ld;", n);

	for (size_t j = (size_t)head; j < len; j++)
		buf[j] = (char)('a' + (n + (long)j) % 26);
	return len;
}

static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
	long n = (long)(intptr_t)m->_private;

	(void)rk;
	(void)opaque;
	if (m->err) {
		fprintf(stderr, "ERR %ld %s\n", n, rd_kafka_err2str(m->err));
		return;
	}
	acked++;
	printf("ACK %ld %" PRId64 "\n", n, m->offset);
}

/* Sets each trailing "key=value" argument (SASL settings from harness.kafka_args). */
static int set_extra(rd_kafka_conf_t *conf, char **kv, int n, char *err, size_t errlen)
{
	for (int i = 0; i < n; i++) {
		char name[128];
		const char *eq = strchr(kv[i], '=');
		size_t len = (size_t)(eq - kv[i]);

		if (len >= sizeof(name)) {
			snprintf(err, errlen, "property name too long: %s", kv[i]);
			return -1;
		}
		memcpy(name, kv[i], len);
		name[len] = '\0';
		if (rd_kafka_conf_set(conf, name, eq + 1, err, errlen))
			return -1;
	}
	return 0;
}

/* Positional arguments: those before the trailing "key=value" ones. */
static int positional(int argc, char **argv)
{
	while (argc > 1 && strchr(argv[argc - 1], '='))
		argc--;
	return argc;
}

static rd_kafka_t *make_producer(const char *bootstrap, char **extra, int nextra)
{
	static const char *const settings[][2] = {
		{ "acks", "-1" },
		{ "linger.ms", "2" },
		{ "max.in.flight.requests.per.connection", "1" },
		{ "queue.buffering.max.messages", "2000" },
		{ "message.timeout.ms", "60000" },
		{ "reconnect.backoff.ms", "50" },
		{ "reconnect.backoff.max.ms", "200" },
	};
	char err[512];
	rd_kafka_conf_t *conf = rd_kafka_conf_new();

	if (rd_kafka_conf_set(conf, "bootstrap.servers", bootstrap, err, sizeof(err)))
		goto fail;
	for (size_t i = 0; i < sizeof(settings) / sizeof(settings[0]); i++) {
		if (rd_kafka_conf_set(conf, settings[i][0], settings[i][1], err, sizeof(err)))
			goto fail;
	}
	if (set_extra(conf, extra, nextra, err, sizeof(err)))
		goto fail;
	rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
	rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof(err));
	if (!rk)
		fprintf(stderr, "rd_kafka_new: %s\n", err);
	return rk;
fail:
	fprintf(stderr, "config: %s\n", err);
	rd_kafka_conf_destroy(conf);
	return NULL;
}

/* Queue record n; 1 when the local queue is full (poll and retry), -1 on error. */
static int produce_one(rd_kafka_t *rk, const char *topic, int32_t partition, long n)
{
	char key[32], value[VALUE_MAX];
	size_t vlen = durable_value(n, value);

	snprintf(key, sizeof(key), "k%ld", n);
	rd_kafka_resp_err_t err = rd_kafka_producev(rk,
		RD_KAFKA_V_TOPIC(topic),
		RD_KAFKA_V_PARTITION(partition),
		RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
		RD_KAFKA_V_KEY(key, strlen(key)),
		RD_KAFKA_V_VALUE(value, vlen),
		RD_KAFKA_V_OPAQUE((void *)(intptr_t)n),
		RD_KAFKA_V_END);
	if (err == RD_KAFKA_RESP_ERR__QUEUE_FULL)
		return 1;
	if (err) {
		fprintf(stderr, "produce %ld: %s\n", n, rd_kafka_err2str(err));
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	int npos = positional(argc, argv);

	if (npos != 5 && npos != 6) {
		fprintf(stderr, "usage: %s BOOTSTRAP TOPIC PARTITION MAX [START] [PROPERTY=VALUE...]\n",
			argv[0]);
		return 2;
	}
	int32_t partition = (int32_t)atoi(argv[3]);
	long max = atol(argv[4]);
	long start = npos == 6 ? atol(argv[5]) : 0;
	rd_kafka_t *rk = make_producer(argv[1], argv + npos, argc - npos);

	if (!rk)
		return 1;
	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	long n = start;
	while (!stop && acked < max) {
		int r = n - start < max ? produce_one(rk, argv[2], partition, n) : 1;

		if (r < 0)
			break;
		if (r == 0)
			n++;
		rd_kafka_poll(rk, r ? 10 : 0);
	}
	/* Stopped (or done): drop what is still queued; report what is settled. */
	rd_kafka_purge(rk, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
	rd_kafka_flush(rk, 2000);
	rd_kafka_destroy(rk);
	fprintf(stderr, "produced %ld, acknowledged %ld\n", n - start, acked);
	return 0;
}
