/*
 * e2e helper: a librdkafka producer that writes keyed records with headers and
 * prints where each one landed, so a test can look for it with another
 * protocol.
 *
 *   kafka_produce BOOTSTRAP TOPIC COUNT [PARTITION]
 *
 * Record i (0-based) has key "key-<i>", value "value-<i>" and three headers:
 *   "h-str" = "hello-<i>"  (text), "h-bin" = 00 01 fe ff <i & 0xff>  (binary,
 *   with a NUL byte on purpose), "h-empty" = zero bytes.
 * Without PARTITION librdkafka's default partitioner picks one from the key.
 * Each successful delivery prints "DR <i> <partition> <offset>" on stdout; a
 * failed one prints "ERR <i> <error>" on stderr. Exit status 0 only when every
 * record was acknowledged (acks=-1).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <librdkafka/rdkafka.h>

static int delivered;
static int failed;

static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
	int i = (int)(intptr_t)m->_private;

	(void)rk;
	(void)opaque;
	if (m->err) {
		failed++;
		fprintf(stderr, "ERR %d %s\n", i, rd_kafka_err2str(m->err));
		return;
	}
	delivered++;
	printf("DR %d %" PRId32 " %" PRId64 "\n", i, m->partition, m->offset);
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
	char err[512];
	rd_kafka_conf_t *conf = rd_kafka_conf_new();

	if (rd_kafka_conf_set(conf, "bootstrap.servers", bootstrap, err, sizeof(err)) ||
	    rd_kafka_conf_set(conf, "acks", "-1", err, sizeof(err)) ||
	    rd_kafka_conf_set(conf, "linger.ms", "5", err, sizeof(err)) ||
	    rd_kafka_conf_set(conf, "message.timeout.ms", "30000", err, sizeof(err)) ||
	    set_extra(conf, extra, nextra, err, sizeof(err))) {
		fprintf(stderr, "config: %s\n", err);
		rd_kafka_conf_destroy(conf);
		return NULL;
	}
	rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
	rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof(err));
	if (!rk)
		fprintf(stderr, "rd_kafka_new: %s\n", err);
	return rk;
}

static int produce_one(rd_kafka_t *rk, const char *topic, int32_t partition, int i)
{
	char key[32], value[32], hstr[32];
	unsigned char hbin[5] = { 0x00, 0x01, 0xfe, 0xff, (unsigned char)(i & 0xff) };

	snprintf(key, sizeof(key), "key-%d", i);
	snprintf(value, sizeof(value), "value-%d", i);
	snprintf(hstr, sizeof(hstr), "hello-%d", i);
	rd_kafka_resp_err_t err = rd_kafka_producev(rk,
		RD_KAFKA_V_TOPIC(topic),
		RD_KAFKA_V_PARTITION(partition),
		RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
		RD_KAFKA_V_KEY(key, strlen(key)),
		RD_KAFKA_V_VALUE(value, strlen(value)),
		RD_KAFKA_V_HEADER("h-str", hstr, (ssize_t)strlen(hstr)),
		RD_KAFKA_V_HEADER("h-bin", hbin, (ssize_t)sizeof(hbin)),
		RD_KAFKA_V_HEADER("h-empty", "", 0),
		RD_KAFKA_V_OPAQUE((void *)(intptr_t)i),
		RD_KAFKA_V_END);
	if (err) {
		fprintf(stderr, "produce %d: %s\n", i, rd_kafka_err2str(err));
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	int npos = positional(argc, argv);

	if (npos < 4 || npos > 5) {
		fprintf(stderr, "usage: %s BOOTSTRAP TOPIC COUNT [PARTITION] [PROPERTY=VALUE...]\n",
			argv[0]);
		return 2;
	}
	int count = atoi(argv[3]);
	int32_t partition = npos == 5 ? (int32_t)atoi(argv[4]) : RD_KAFKA_PARTITION_UA;
	rd_kafka_t *rk = make_producer(argv[1], argv + npos, argc - npos);

	if (!rk)
		return 1;
	setvbuf(stdout, NULL, _IOLBF, 0);
	for (int i = 0; i < count; i++) {
		if (produce_one(rk, argv[2], partition, i))
			failed++;
	}
	rd_kafka_resp_err_t ferr = rd_kafka_flush(rk, 60000);
	if (ferr)
		fprintf(stderr, "flush: %s\n", rd_kafka_err2str(ferr));
	rd_kafka_destroy(rk);
	fprintf(stderr, "delivered %d of %d, %d failed\n", delivered, count, failed);
	return delivered == count && !failed ? 0 : 1;
}
