/*
 * consume_bench: how fast does a consumer group read a topic that is already
 * on disk, next to what loopback TCP can move on the same machine in the same
 * run? (issue 3: a group of 3 reading 1 GiB should reach at least 50 % of the
 * loopback limit.)
 *
 * One run:
 *   1. loopback limit: a sender thread writes --loopback-bytes through one
 *      127.0.0.1 TCP connection in 1 MiB write(2)s to a receiver thread that
 *      reads it in 1 MiB read(2)s; MB/s from connect to the receiver's last byte.
 *   2. the topic's size: metadata and each partition's low/high watermark
 *      (ListOffsets) give the number of records to read.
 *   3. --consumers librdkafka consumers (one rd_kafka_t per thread, same
 *      group.id, subscribe(), auto.offset.reset=earliest) poll until the group
 *      has seen that many records. Each consumer pauses the partitions it is
 *      assigned until the group is complete (every consumer holds partitions
 *      and together they hold the topic's), then all resume at once: without
 *      an initial rebalance delay (kafka.group_initial_rebalance_delay_ms 0)
 *      the first member to join gets every partition and reads alone until
 *      the others' join completes at its next heartbeat (up to
 *      heartbeat.interval.ms, 3 s), which measured one consumer instead of
 *      the group in some runs. --no-barrier reads at
 *      once (the plain client behaviour). Two figures: from the moment the threads
 *      start (includes joining the group) and from the first record to the last.
 *      Per consumer a timeline: its last assignment (several mean a rebalance
 *      moved partitions mid-read), first and last record (the clock is read
 *      every 1024th record, so a consumer's own "last" is approximate; the
 *      group's last record is stamped exactly).
 *   4. the loopback limit again (a shared machine drifts); the ratio uses the mean.
 * MB = 10^6 bytes; consumed MB counts record values only (keys, headers and
 * protocol framing are extra bytes on the wire, so the ratio is conservative).
 * The group id is fresh per run unless --group is given, so no committed
 * offsets shorten the read.
 *
 *   consume_bench --bootstrap HOST:PORT --topic T [--consumers 3] [--group G]
 *                 [--loopback-bytes 1073741824] [--timeout 600] [--no-barrier]
 *                 [--sasl-password CONNECTION_STRING] [property=value ...]
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <librdkafka/rdkafka.h>

#define MIB (1024 * 1024)
#define MB 1e6
#define MAX_CONSUMERS 64
#define MAX_PROPS 32

typedef struct bench_opts {
	const char *bootstrap;
	const char *topic;
	const char *group;
	const char *sasl_password; /* Event Hubs connection string: SASL PLAIN as $ConnectionString */
	int consumers;
	int64_t loopback_bytes;
	double timeout_s;
	const char *props[MAX_PROPS]; /* extra librdkafka "k=v", borrowed from argv */
	int nprops;
	bool no_barrier;
} bench_opts_t;

/* Shared by the consumer threads; counters only grow. */
typedef struct group_run {
	const bench_opts_t *o;
	char group[128];
	int64_t want;             /* records to read in all */
	atomic_int_fast64_t records;
	atomic_int_fast64_t bytes;
	atomic_bool stop;
	double t_start;
	int partitions;           /* of the topic */
	atomic_bool go;           /* the group is complete: fetch */
	double t_go;
} group_run_t;

typedef struct consumer_thr {
	group_run_t *run;
	int idx;
	pthread_t thr;
	int64_t records;
	int64_t bytes;
	double t_first; /* 0 until its first record */
	double t_last;
	int assigned;   /* partitions in its last assignment (kept across the final revoke) */
	int assignments; /* received: more than one means a rebalance moved partitions */
	double t_assign; /* its last assignment (0: none) */
	atomic_int current; /* partitions assigned now (0 after a revoke) */
	bool resumed;       /* its held partitions were resumed after go */
	char err[256];  /* first error, empty when none */
} consumer_thr_t;

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double tv_s(struct timeval tv)
{
	return (double)tv.tv_sec + (double)tv.tv_usec / 1e6;
}

/* ---- loopback TCP limit ---- */

typedef struct loop_rx {
	int lfd;
	int64_t want;
	int64_t got;
	double t_end;
	int err;
} loop_rx_t;

static void *loop_receive(void *arg)
{
	loop_rx_t *rx = arg;
	char *buf = malloc(MIB);
	int fd = accept(rx->lfd, NULL, NULL);

	if (!buf || fd < 0) {
		rx->err = errno ? errno : ENOMEM;
		free(buf);
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	while (rx->got < rx->want) {
		ssize_t n = read(fd, buf, MIB);
		if (n <= 0) {
			rx->err = n < 0 ? errno : EPIPE;
			break;
		}
		rx->got += n;
	}
	rx->t_end = now_s();
	close(fd);
	free(buf);
	return NULL;
}

/* MB/s of `bytes` through one 127.0.0.1 TCP connection between two threads; < 0 on error. */
static double loopback_rate(int64_t bytes)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t salen = sizeof(sa);
	loop_rx_t rx = { .want = bytes };
	pthread_t thr;
	double rate = -1;
	char *buf = malloc(MIB);
	int fd = -1;

	rx.lfd = socket(AF_INET, SOCK_STREAM, 0);
	if (!buf || rx.lfd < 0 || bind(rx.lfd, (struct sockaddr *)&sa, sizeof(sa)) ||
	    listen(rx.lfd, 1) || getsockname(rx.lfd, (struct sockaddr *)&sa, &salen)) {
		perror("consume_bench: loopback listener");
		goto out;
	}
	memset(buf, 0x5a, MIB);
	if (pthread_create(&thr, NULL, loop_receive, &rx)) {
		fprintf(stderr, "consume_bench: pthread_create failed\n");
		goto out;
	}
	fd = socket(AF_INET, SOCK_STREAM, 0);
	double t0 = now_s();
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		perror("consume_bench: loopback connect");
		shutdown(rx.lfd, SHUT_RDWR);
	} else {
		for (int64_t sent = 0; sent < bytes;) {
			size_t chunk = bytes - sent < MIB ? (size_t)(bytes - sent) : MIB;
			ssize_t n = write(fd, buf, chunk);
			if (n <= 0) {
				perror("consume_bench: loopback write");
				break;
			}
			sent += n;
		}
	}
	pthread_join(thr, NULL);
	if (rx.err == 0 && rx.got == bytes)
		rate = (double)bytes / MB / (rx.t_end - t0);
	else
		fprintf(stderr, "consume_bench: loopback receiver: %s (%" PRId64 " bytes)\n",
			strerror(rx.err), rx.got);
out:
	if (fd >= 0)
		close(fd);
	if (rx.lfd >= 0)
		close(rx.lfd);
	free(buf);
	return rate;
}

/* ---- librdkafka ---- */

static int set_conf(rd_kafka_conf_t *conf, const char *k, const char *v)
{
	char err[512];

	if (rd_kafka_conf_set(conf, k, v, err, sizeof(err)) == RD_KAFKA_CONF_OK)
		return 0;
	fprintf(stderr, "consume_bench: config %s: %s\n", k, err);
	return -1;
}

/* A consumer config: bootstrap, SASL PLAIN, group settings, then the user's properties. */
static rd_kafka_conf_t *make_conf(const bench_opts_t *o, const char *group)
{
	/*
	 * Fetch sizes stay librdkafka's defaults (fetch.max.bytes 50 MiB,
	 * max.partition.fetch.bytes 1 MiB, queued.max.messages.kbytes 64 MiB): with
	 * 4 MiB per partition and 256 MiB queues the consumers faulted in ~330 MB of
	 * fresh memory per GiB read (83 k page faults against 11 k) and used up to
	 * 25 % more CPU, on the CPUs the gateway shares with them.
	 */
	static const char *const settings[][2] = {
		{ "auto.offset.reset", "earliest" },
		{ "enable.partition.eof", "false" },
		{ "session.timeout.ms", "30000" },
	};
	rd_kafka_conf_t *conf = rd_kafka_conf_new();
	int bad = set_conf(conf, "bootstrap.servers", o->bootstrap) ||
		  set_conf(conf, "group.id", group);

	for (size_t i = 0; !bad && i < sizeof(settings) / sizeof(settings[0]); i++)
		bad = set_conf(conf, settings[i][0], settings[i][1]);
	if (!bad && o->sasl_password)
		bad = set_conf(conf, "security.protocol", "SASL_PLAINTEXT") ||
		      set_conf(conf, "sasl.mechanisms", "PLAIN") ||
		      set_conf(conf, "sasl.username", "$ConnectionString") ||
		      set_conf(conf, "sasl.password", o->sasl_password);
	for (int i = 0; !bad && i < o->nprops; i++) {
		char k[256];
		const char *eq = strchr(o->props[i], '=');
		size_t klen = eq ? (size_t)(eq - o->props[i]) : 0;
		if (!eq || klen >= sizeof(k)) {
			fprintf(stderr, "consume_bench: not property=value: %s\n", o->props[i]);
			bad = 1;
			break;
		}
		memcpy(k, o->props[i], klen);
		k[klen] = '\0';
		bad = set_conf(conf, k, eq + 1);
	}
	if (bad) {
		rd_kafka_conf_destroy(conf);
		return NULL;
	}
	return conf;
}

static rd_kafka_t *make_consumer(const bench_opts_t *o, const char *group,
				 void (*rebalance)(rd_kafka_t *, rd_kafka_resp_err_t,
						   rd_kafka_topic_partition_list_t *, void *),
				 void *opaque)
{
	char err[512];
	rd_kafka_conf_t *conf = make_conf(o, group);

	if (!conf)
		return NULL;
	if (rebalance)
		rd_kafka_conf_set_rebalance_cb(conf, rebalance);
	rd_kafka_conf_set_opaque(conf, opaque);
	rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof(err));
	if (!rk)
		fprintf(stderr, "consume_bench: rd_kafka_new: %s\n", err);
	return rk;
}

/* Records in the topic (sum of high - low watermarks) and its partition count; -1 on error. */
static int64_t topic_records(const bench_opts_t *o, int *partitions)
{
	const struct rd_kafka_metadata *md = NULL;
	int64_t total = -1;
	rd_kafka_t *rk = make_consumer(o, "consume-bench-size", NULL, NULL);

	if (!rk)
		return -1;
	rd_kafka_topic_t *rkt = rd_kafka_topic_new(rk, o->topic, NULL);
	rd_kafka_resp_err_t err = rd_kafka_metadata(rk, 0, rkt, &md, 10000);
	if (err || md->topic_cnt != 1 || md->topics[0].err) {
		fprintf(stderr, "consume_bench: metadata of %s: %s\n", o->topic,
			rd_kafka_err2str(err ? err : md->topic_cnt ? md->topics[0].err : 0));
		goto out;
	}
	*partitions = md->topics[0].partition_cnt;
	total = 0;
	printf("records per partition: ");
	for (int i = 0; i < md->topics[0].partition_cnt; i++) {
		int64_t lo, hi;
		err = rd_kafka_query_watermark_offsets(rk, o->topic, md->topics[0].partitions[i].id,
						       &lo, &hi, 10000);
		if (err) {
			fprintf(stderr, "consume_bench: watermarks of %s/%d: %s\n", o->topic,
				md->topics[0].partitions[i].id, rd_kafka_err2str(err));
			total = -1;
			break;
		}
		total += hi - lo;
		printf(" %" PRId64, hi - lo);
	}
	printf("\n");
out:
	if (md)
		rd_kafka_metadata_destroy(md);
	rd_kafka_topic_destroy(rkt);
	rd_kafka_destroy(rk);
	return total;
}

static void on_rebalance(rd_kafka_t *rk, rd_kafka_resp_err_t err,
			 rd_kafka_topic_partition_list_t *parts, void *opaque)
{
	consumer_thr_t *c = opaque;

	if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
		c->assigned = parts->cnt;
		c->assignments++;
		c->t_assign = now_s();
		rd_kafka_assign(rk, parts);
		if (!atomic_load(&c->run->go))
			rd_kafka_pause_partitions(rk, parts); /* held until the group is complete */
		atomic_store(&c->current, parts->cnt);
	} else {
		atomic_store(&c->current, 0);
		rd_kafka_assign(rk, NULL); /* keeps `assigned`: the close revokes everything */
	}
}

static void *consume_thread(void *arg)
{
	consumer_thr_t *c = arg;
	group_run_t *run = c->run;
	rd_kafka_t *rk = make_consumer(run->o, run->group, on_rebalance, c);

	if (!rk) {
		snprintf(c->err, sizeof(c->err), "cannot create the consumer");
		atomic_store(&run->stop, true);
		return NULL;
	}
	rd_kafka_poll_set_consumer(rk);
	rd_kafka_topic_partition_list_t *sub = rd_kafka_topic_partition_list_new(1);
	rd_kafka_topic_partition_list_add(sub, run->o->topic, RD_KAFKA_PARTITION_UA);
	rd_kafka_resp_err_t err = rd_kafka_subscribe(rk, sub);
	rd_kafka_topic_partition_list_destroy(sub);
	if (err) {
		snprintf(c->err, sizeof(c->err), "subscribe: %s", rd_kafka_err2str(err));
		atomic_store(&run->stop, true);
	}
	while (!atomic_load(&run->stop)) {
		if (!c->resumed && atomic_load(&run->go)) {
			rd_kafka_topic_partition_list_t *held = NULL;
			if (!rd_kafka_assignment(rk, &held)) {
				rd_kafka_resume_partitions(rk, held);
				rd_kafka_topic_partition_list_destroy(held);
			}
			c->resumed = true;
		}
		rd_kafka_message_t *m = rd_kafka_consumer_poll(rk, c->resumed ? 100 : 5);
		if (!m) {
			if (now_s() - run->t_start > run->o->timeout_s)
				atomic_store(&run->stop, true);
			continue;
		}
		if (m->err) {
			if (!c->err[0])
				snprintf(c->err, sizeof(c->err), "%s", rd_kafka_message_errstr(m));
			rd_kafka_message_destroy(m);
			continue;
		}
		int64_t seq = atomic_fetch_add(&run->records, 1) + 1; /* in the whole group */
		if (seq > run->want) {
			/* polled after the group's last record: not part of the read */
			rd_kafka_message_destroy(m);
			continue;
		}
		/*
		 * A clock read per record was ~9 % of all CPU samples in a profile
		 * (1 M records on 2 vCPUs shared with the gateway): read it for a
		 * consumer's first record, every 1024th, and the group's last record,
		 * which ends the measured read exactly.
		 */
		c->records++;
		if (c->records == 1)
			c->t_first = c->t_last = now_s();
		else if (seq == run->want || (c->records & 1023) == 0)
			c->t_last = now_s();
		c->bytes += (int64_t)m->len;
		atomic_fetch_add(&run->bytes, (int64_t)m->len);
		if (seq == run->want)
			atomic_store(&run->stop, true);
		rd_kafka_message_destroy(m);
	}
	rd_kafka_consumer_close(rk);
	rd_kafka_destroy(rk);
	return NULL;
}

/* ---- main ---- */

static int parse_args(int argc, char **argv, bench_opts_t *o)
{
	static const struct option longs[] = {
		{ "bootstrap", required_argument, NULL, 'b' },
		{ "topic", required_argument, NULL, 't' },
		{ "group", required_argument, NULL, 'g' },
		{ "consumers", required_argument, NULL, 'c' },
		{ "loopback-bytes", required_argument, NULL, 'l' },
		{ "timeout", required_argument, NULL, 'T' },
		{ "sasl-password", required_argument, NULL, 'P' },
		{ "no-barrier", no_argument, NULL, 'B' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	*o = (bench_opts_t){ .consumers = 3, .loopback_bytes = (int64_t)1024 * MIB,
			     .timeout_s = 600 };
	while ((c = getopt_long(argc, argv, "", longs, NULL)) != -1) {
		switch (c) {
		case 'b': o->bootstrap = optarg; break;
		case 't': o->topic = optarg; break;
		case 'g': o->group = optarg; break;
		case 'c': o->consumers = atoi(optarg); break;
		case 'l': o->loopback_bytes = strtoll(optarg, NULL, 10); break;
		case 'T': o->timeout_s = strtod(optarg, NULL); break;
		case 'P': o->sasl_password = optarg; break;
		case 'B': o->no_barrier = true; break;
		default: return -1;
		}
	}
	for (; optind < argc; optind++) {
		if (o->nprops == MAX_PROPS)
			return -1;
		o->props[o->nprops++] = argv[optind];
	}
	if (!o->bootstrap || !o->topic || o->consumers < 1 || o->consumers > MAX_CONSUMERS ||
	    o->loopback_bytes <= 0 || o->timeout_s <= 0)
		return -1;
	return 0;
}

/* Runs the group; prints its figures; returns the first-to-last MB/s or -1. */
/* Whether every consumer holds partitions and together exactly the topic's (one generation). */
static bool group_complete(const consumer_thr_t *thr, int n, int partitions)
{
	int sum = 0;

	for (int i = 0; i < n; i++) {
		int cur = atomic_load(&thr[i].current);
		if (cur == 0)
			return false;
		sum += cur;
	}
	return sum == partitions;
}

/* Lets the consumers fetch once the group is complete (or at once with --no-barrier). */
static void release_group(group_run_t *run, const consumer_thr_t *thr, int started)
{
	if (!run->o->no_barrier) {
		while (!atomic_load(&run->stop) && !group_complete(thr, started, run->partitions)) {
			if (now_s() - run->t_start > run->o->timeout_s)
				atomic_store(&run->stop, true);
			usleep(2000);
		}
	}
	run->t_go = now_s();
	atomic_store(&run->go, true);
}

static double run_group(const bench_opts_t *o, int64_t want, int partitions)
{
	static consumer_thr_t thr[MAX_CONSUMERS];
	static group_run_t run;

	run = (group_run_t){ .o = o, .want = want, .partitions = partitions };
	if (o->group)
		snprintf(run.group, sizeof(run.group), "%s", o->group);
	else
		snprintf(run.group, sizeof(run.group), "consume-bench-%ld-%ld", (long)getpid(),
			 (long)time(NULL));
	run.t_start = now_s();
	int started = 0;
	for (int i = 0; i < o->consumers; i++, started++) {
		thr[i] = (consumer_thr_t){ .run = &run, .idx = i };
		if (pthread_create(&thr[i].thr, NULL, consume_thread, &thr[i])) {
			fprintf(stderr, "consume_bench: pthread_create failed\n");
			atomic_store(&run.stop, true);
			break;
		}
	}
	release_group(&run, thr, started);
	for (int i = 0; i < started; i++)
		pthread_join(thr[i].thr, NULL);

	if (o->no_barrier)
		printf("group:                  fetching at once (--no-barrier)\n");
	else
		printf("group complete:         %.2f s after start: fetching held until then\n",
		       run.t_go - run.t_start);
	double first = 0, last = 0;
	int failed = 0;
	for (int i = 0; i < started; i++) {
		consumer_thr_t *c = &thr[i];
		if (c->records && (first == 0 || c->t_first < first))
			first = c->t_first;
		if (c->t_last > last)
			last = c->t_last;
		printf("consumer %d:             %" PRId64 " records, %.1f MB, %d partitions%s%s\n",
		       i, c->records, (double)c->bytes / MB, c->assigned,
		       c->err[0] ? ", error: " : "", c->err);
		/* when a late member makes the group rebalance, the read stalls in the middle */
		printf("  timeline (s):         assigned %.2f (%d assignment%s), "
		       "first record %.2f, last %.2f\n",
		       c->t_assign ? c->t_assign - run.t_start : -1, c->assignments,
		       c->assignments == 1 ? "" : "s", c->records ? c->t_first - run.t_start : -1,
		       c->records ? c->t_last - run.t_start : -1);
		failed |= c->err[0] != 0;
	}
	int64_t records = atomic_load(&run.records), bytes = atomic_load(&run.bytes);

	if (records > want)
		records = want; /* extra records polled after the last one are not counted */
	printf("group %s: %" PRId64 " of %" PRId64 " records, %.1f MB of values\n", run.group,
	       records, want, (double)bytes / MB);
	if (records < want || first == 0 || last <= first) {
		fprintf(stderr, "consume_bench: the group did not read the whole topic%s\n",
			failed ? "" : " before --timeout");
		return -1;
	}
	double with_join = (double)bytes / MB / (last - run.t_start);
	double steady = (double)bytes / MB / (last - first);
	printf("join + read:            %.2f s, %.1f MB/s (threads start to last record)\n",
	       last - run.t_start, with_join);
	printf("read:                   %.2f s, %.1f MB/s (first record to last)\n", last - first,
	       steady);
	return steady;
}

int main(int argc, char **argv)
{
	bench_opts_t o;
	int partitions = 0;

	if (parse_args(argc, argv, &o)) {
		fprintf(stderr, "usage: %s --bootstrap HOST:PORT --topic T [--consumers 3] [--group G]\n"
				"       [--loopback-bytes N] [--timeout S] [--no-barrier]\n"
				"       [--sasl-password CONNECTION_STRING] [property=value ...]\n",
			argv[0]);
		return 2;
	}
	double lo_before = loopback_rate(o.loopback_bytes);
	if (lo_before <= 0)
		return 1;
	printf("loopback TCP (before):  %.1f MB/s (%" PRId64 " bytes, 1 connection, 1 MiB I/O)\n",
	       lo_before, o.loopback_bytes);
	int64_t want = topic_records(&o, &partitions);
	if (want <= 0) {
		fprintf(stderr, "consume_bench: topic %s has no records to read\n", o.topic);
		return 1;
	}
	printf("topic %s:  %d partitions, %" PRId64 " records; %d consumers in one group\n",
	       o.topic, partitions, want, o.consumers);
	struct rusage ru0, ru1;
	getrusage(RUSAGE_SELF, &ru0);
	double steady = run_group(&o, want, partitions);
	getrusage(RUSAGE_SELF, &ru1);
	/* the clients' share of the 2 CPUs: what is left for the gateway is the difference */
	printf("consumers' CPU:         %.2f s user + %.2f s system (join and read)\n",
	       tv_s(ru1.ru_utime) - tv_s(ru0.ru_utime), tv_s(ru1.ru_stime) - tv_s(ru0.ru_stime));
	double lo_after = loopback_rate(o.loopback_bytes);
	if (lo_after > 0)
		printf("loopback TCP (after):   %.1f MB/s\n", lo_after);
	double limit = lo_after > 0 ? (lo_before + lo_after) / 2 : lo_before;
	if (steady < 0)
		return 1;
	printf("loopback TCP (mean):    %.1f MB/s\n", limit);
	printf("ratio read/loopback:    %.2f (target >= 0.50)\n", steady / limit);
	return 0;
}
