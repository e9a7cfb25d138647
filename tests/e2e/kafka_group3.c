/*
 * e2e helper: one librdkafka consumer-group member (subscribe), driven by
 * kafka_clients.py, which runs several of these processes to watch a group rebalance.
 *
 *   kafka_group3 BOOTSTRAP TOPIC GROUP [key=value ...]
 *
 * Trailing key=value arguments are librdkafka properties (SASL from harness.kafka_args,
 * session.timeout.ms...). Lines on stdout, flushed each:
 *   "ASSIGN p,p,..."   the group gave this member these partitions ("ASSIGN -" for none)
 *   "REVOKE"           its partitions were taken back (eager rebalance)
 *   "MSG p off value"  one record consumed
 *   "CLOSED"           rd_kafka_consumer_close returned (LeaveGroup sent)
 *   "ERR text"         a consumer error
 * The member runs until stdin reaches EOF, then closes cleanly (LeaveGroup) and exits 0.
 * Offsets are committed automatically (every 200 ms), so a partition that moves resumes
 * near where its previous owner stopped: records are delivered at least once.
 */
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <librdkafka/rdkafka.h>

/* Prints the assignment of a rebalance event and applies it (eager protocol). */
static void on_rebalance(rd_kafka_t *rk, rd_kafka_resp_err_t err,
	rd_kafka_topic_partition_list_t *parts, void *opaque)
{
	(void)opaque;
	if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
		printf("ASSIGN ");
		for (int i = 0; i < parts->cnt; i++)
			printf("%s%" PRId32, i ? "," : "", parts->elems[i].partition);
		printf("%s\n", parts->cnt ? "" : "-");
		fflush(stdout);
		rd_kafka_assign(rk, parts);
	} else {
		printf("REVOKE\n");
		fflush(stdout);
		rd_kafka_assign(rk, NULL);
	}
}

/* Sets each trailing "key=value" argument. */
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

static rd_kafka_t *make_consumer(const char *bootstrap, const char *group, char **extra,
	int nextra)
{
	char err[512];
	rd_kafka_conf_t *conf = rd_kafka_conf_new();
	rd_kafka_t *rk;

	if (rd_kafka_conf_set(conf, "bootstrap.servers", bootstrap, err, sizeof(err)) ||
	    rd_kafka_conf_set(conf, "group.id", group, err, sizeof(err)) ||
	    rd_kafka_conf_set(conf, "auto.offset.reset", "earliest", err, sizeof(err)) ||
	    rd_kafka_conf_set(conf, "enable.auto.commit", "true", err, sizeof(err)) ||
	    rd_kafka_conf_set(conf, "auto.commit.interval.ms", "200", err, sizeof(err)) ||
	    set_extra(conf, extra, nextra, err, sizeof(err))) {
		fprintf(stderr, "config: %s\n", err);
		rd_kafka_conf_destroy(conf);
		return NULL;
	}
	rd_kafka_conf_set_rebalance_cb(conf, on_rebalance);
	rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof(err));
	if (!rk) {
		fprintf(stderr, "rd_kafka_new: %s\n", err);
		return NULL;
	}
	rd_kafka_poll_set_consumer(rk);
	return rk;
}

static void print_message(const rd_kafka_message_t *m)
{
	if (m->err) {
		if (m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF)
			printf("ERR %s\n", rd_kafka_message_errstr(m));
		return;
	}
	printf("MSG %" PRId32 " %" PRId64 " %.*s\n", m->partition, m->offset, (int)m->len,
		(const char *)m->payload);
}

/* True once stdin is at EOF (the test's signal to leave the group). */
static int stdin_closed(void)
{
	struct pollfd pfd = { .fd = 0, .events = POLLIN };
	char buf[64];

	if (poll(&pfd, 1, 0) <= 0)
		return 0;
	return read(0, buf, sizeof(buf)) <= 0;
}

int main(int argc, char **argv)
{
	int npos = argc;
	rd_kafka_t *rk;
	rd_kafka_topic_partition_list_t *topics;

	while (npos > 1 && strchr(argv[npos - 1], '='))
		npos--;
	if (npos != 4) {
		fprintf(stderr, "usage: %s BOOTSTRAP TOPIC GROUP [key=value ...]\n", argv[0]);
		return 2;
	}
	rk = make_consumer(argv[1], argv[3], argv + npos, argc - npos);
	if (!rk)
		return 1;
	topics = rd_kafka_topic_partition_list_new(1);
	rd_kafka_topic_partition_list_add(topics, argv[2], RD_KAFKA_PARTITION_UA);
	if (rd_kafka_subscribe(rk, topics)) {
		fprintf(stderr, "subscribe failed\n");
		rd_kafka_topic_partition_list_destroy(topics);
		rd_kafka_destroy(rk);
		return 1;
	}
	rd_kafka_topic_partition_list_destroy(topics);
	while (!stdin_closed()) {
		rd_kafka_message_t *m = rd_kafka_consumer_poll(rk, 100);

		if (m) {
			print_message(m);
			rd_kafka_message_destroy(m);
			fflush(stdout);
		}
	}
	rd_kafka_consumer_close(rk);
	printf("CLOSED\n");
	fflush(stdout);
	rd_kafka_destroy(rk);
	return 0;
}
