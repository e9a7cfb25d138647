/*
 * e2e helper for kafka_idempotent.py: an idempotent librdkafka producer
 * (enable.idempotence=true: InitProducerId, then producer id, epoch and
 * per-partition sequences on every batch; acks=all and up to 5 requests in
 * flight) writes COUNT records "idem-<n>" (n from 0) to one partition and
 * waits until every one is delivered or failed.
 *
 *   kafka_idempotent BOOTSTRAP TOPIC PARTITION COUNT [PAUSE_EVERY]
 *
 * With PAUSE_EVERY, the producer sleeps 20 ms after every PAUSE_EVERY records
 * so a test can restart the gateway while batches are in flight (librdkafka
 * then retries them with the same producer id and sequences).
 * stdout: "DONE <delivered> <failed> <first offset> <last offset> <in order 0/1>";
 * stderr: each failure and a fatal error if one was raised. Exit 0 when every
 * record was delivered, in order, with no fatal error.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <librdkafka/rdkafka.h>

static long delivered, failed;
static int64_t first_offset = -1, last_offset = -1;
static int in_order = 1;

static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
	long n = (long)(intptr_t)m->_private;

	(void)rk;
	(void)opaque;
	if (m->err) {
		if (failed++ < 10)
			fprintf(stderr, "ERR %ld %s\n", n, rd_kafka_err2str(m->err));
		return;
	}
	if (first_offset < 0)
		first_offset = m->offset;
	/* record n must land at first + n: nothing lost, duplicated or reordered */
	if (m->offset != first_offset + n || (last_offset >= 0 && m->offset != last_offset + 1))
		in_order = 0;
	last_offset = m->offset;
	delivered++;
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
		{"enable.idempotence", "true"},
		{"linger.ms", "5"},
		{"batch.num.messages", "50"},
		{"message.timeout.ms", "120000"},
		{"retry.backoff.ms", "50"},
		{"reconnect.backoff.ms", "50"},
		{"reconnect.backoff.max.ms", "200"},
	};
	char err[512];
	rd_kafka_conf_t *conf = rd_kafka_conf_new();
	rd_kafka_t *rk;

	if (rd_kafka_conf_set(conf, "bootstrap.servers", bootstrap, err, sizeof(err)) != 0 ||
	    set_extra(conf, extra, nextra, err, sizeof(err)) != 0) {
		fprintf(stderr, "config: %s\n", err);
		rd_kafka_conf_destroy(conf);
		return NULL;
	}
	for (size_t i = 0; i < sizeof(settings) / sizeof(settings[0]); i++) {
		if (rd_kafka_conf_set(conf, settings[i][0], settings[i][1], err, sizeof(err))) {
			fprintf(stderr, "config: %s\n", err);
			rd_kafka_conf_destroy(conf);
			return NULL;
		}
	}
	rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
	rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof(err));
	if (!rk)
		fprintf(stderr, "rd_kafka_new: %s\n", err);
	return rk;
}

static int produce_one(rd_kafka_t *rk, const char *topic, int32_t partition, long n)
{
	char value[64];
	int len = snprintf(value, sizeof(value), "idem-%ld", n);
	rd_kafka_resp_err_t err = rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(topic),
						    RD_KAFKA_V_PARTITION(partition),
						    RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
						    RD_KAFKA_V_VALUE(value, (size_t)len),
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
	char fatal[512];
	rd_kafka_resp_err_t ferr;
	rd_kafka_t *rk;
	long count, pause_every, n = 0;
	int32_t partition;

	int npos = positional(argc, argv);

	if (npos != 5 && npos != 6) {
		fprintf(stderr, "usage: %s BOOTSTRAP TOPIC PARTITION COUNT [PAUSE_EVERY] "
			"[PROPERTY=VALUE...]\n", argv[0]);
		return 2;
	}
	partition = (int32_t)atoi(argv[3]);
	count = atol(argv[4]);
	pause_every = npos == 6 ? atol(argv[5]) : 0;
	rk = make_producer(argv[1], argv + npos, argc - npos);
	if (!rk)
		return 1;
	setvbuf(stdout, NULL, _IOLBF, 0);
	while (n < count) {
		int r = produce_one(rk, argv[2], partition, n);

		if (r < 0)
			break;
		if (r == 0)
			n++;
		rd_kafka_poll(rk, r ? 10 : 0);
		if (r == 0 && pause_every > 0 && n % pause_every == 0) {
			struct timespec ts = {0, 20 * 1000 * 1000};

			nanosleep(&ts, NULL);
		}
	}
	rd_kafka_flush(rk, 150000);
	ferr = rd_kafka_fatal_error(rk, fatal, sizeof(fatal));
	if (ferr)
		fprintf(stderr, "FATAL %s: %s\n", rd_kafka_err2name(ferr), fatal);
	printf("DONE %ld %ld %" PRId64 " %" PRId64 " %d\n", delivered, failed, first_offset,
	       last_offset, in_order);
	rd_kafka_destroy(rk);
	return delivered == count && !failed && in_order && !ferr ? 0 : 1;
}
