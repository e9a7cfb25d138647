/*
 * produce_bench: how close does an acks=-1 Kafka produce come to what the disk
 * can sync? (DESIGN.md §4: group commit means produce throughput should not
 * be bounded by the fsync rate.)
 *
 * In one run it measures, on the file system of the gateway's data directory,
 * the rate of 1 MiB write + fdatasync (before and after the produce phase;
 * the mean is reported), and produces 1 KiB records with
 * librdkafka (acks=-1, linger.ms 5, batch.size ~1 MB, librdkafka's default
 * in-flight limit so batches fill while earlier ones wait for their sync)
 * for a time or byte budget, and prints:
 *   records/s, MB/s (record values), the disk's MB/s, the ratio of the two,
 *   and the gateway's peak resident memory (VmHWM of --pid).
 * --codec sets librdkafka's compression.type; librdkafka 2.0.2 only compresses
 * zstd for us (it sends gzip, snappy and lz4 uncompressed to a broker whose
 * Produce starts at v3), so after the run the topic's segment files under
 * --data-dir (docs/storage.md: whole RecordBatch v2 back to back) are walked
 * and the codecs really stored (attributes & 7) and their bytes are printed.
 * MB = 10^6 bytes throughout. Only acknowledged records count.
 *
 *   produce_bench --bootstrap HOST:PORT --data-dir DIR --pid PID
 *                 [--topic eh1] [--seconds 30] [--bytes 1073741824]
 *                 [--record-bytes 1024] [--disk-seconds 5] [--codec none]
 *                 [--property librdkafka.key=value ...]
 */
#include <errno.h>
#include <dirent.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <librdkafka/rdkafka.h>

#define MIB (1024 * 1024)
#define MB 1e6

typedef struct bench_opts {
	const char *bootstrap;
	const char *topic;
	const char *data_dir;
	long pid;
	double seconds;
	int64_t max_bytes;
	size_t record_bytes;
	double disk_seconds;
	const char *sasl_password; /* Event Hubs connection string: SASL PLAIN as $ConnectionString */
	const char *codec;         /* librdkafka compression.type */
	const char *props[16];     /* extra librdkafka "k=v" (--property), borrowed from argv */
	int nprops;
} bench_opts_t;

typedef struct bench_counts {
	int64_t acked;
	int64_t acked_bytes;
	int64_t failed;
	rd_kafka_resp_err_t first_err;
} bench_counts_t;

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* MB/s of 1 MiB write + fdatasync in dir, for about `seconds`; < 0 on error. */
static double disk_sync_rate(const char *dir, double seconds)
{
	char path[4096];
	char *buf = malloc(MIB);
	int64_t written = 0;

	if (!buf)
		return -1;
	for (size_t i = 0; i < MIB; i++)
		buf[i] = (char)(i * 131 + 7);
	snprintf(path, sizeof(path), "%s/.produce_bench_sync.XXXXXX", dir);
	int fd = mkstemp(path);
	if (fd < 0) {
		fprintf(stderr, "produce_bench: cannot create a file in %s: %s\n", dir, strerror(errno));
		free(buf);
		return -1;
	}
	unlink(path);
	double t0 = now_s(), t = t0;
	while (t - t0 < seconds && written < (int64_t)4096 * MIB) {
		if (write(fd, buf, MIB) != MIB || fdatasync(fd) != 0) {
			fprintf(stderr, "produce_bench: write+fdatasync: %s\n", strerror(errno));
			written = -1;
			break;
		}
		written += MIB;
		t = now_s();
	}
	close(fd);
	free(buf);
	return written < 0 ? -1 : (double)written / MB / (t - t0);
}

/* Peak resident set of pid in KiB (VmHWM), or -1. */
static long vm_hwm_kib(long pid)
{
	char path[64], line[256];
	long kib = -1;

	snprintf(path, sizeof(path), "/proc/%ld/status", pid);
	FILE *f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, "VmHWM:", 6) == 0) {
			kib = strtol(line + 6, NULL, 10);
			break;
		}
	}
	fclose(f);
	return kib;
}

/* Batches and bytes per stored codec (RecordBatch v2 attributes & 7: 0 none .. 4 zstd). */
typedef struct stored_codecs {
	int64_t batches[8];
	int64_t bytes[8];
	int64_t records;
} stored_codecs_t;

/* Walks one segment file's batch headers; -1 when one is cut short or not magic 2. */
static int scan_segment(const char *path, stored_codecs_t *sc)
{
	unsigned char h[61]; /* v2 header up to and including the record count */
	int fd = open(path, O_RDONLY);
	off_t pos = 0;

	if (fd < 0)
		return -1;
	for (;;) {
		ssize_t n = pread(fd, h, sizeof(h), pos);
		if (n == 0)
			break;
		if (n != (ssize_t)sizeof(h) || h[16] != 2) {
			close(fd);
			return -1;
		}
		uint32_t len = (uint32_t)h[8] << 24 | (uint32_t)h[9] << 16 | (uint32_t)h[10] << 8 | h[11];
		unsigned codec = h[22] & 7;
		sc->batches[codec]++;
		sc->bytes[codec] += 12 + (int64_t)len;
		sc->records += (int64_t)((uint32_t)h[57] << 24 | (uint32_t)h[58] << 16 |
					 (uint32_t)h[59] << 8 | h[60]);
		pos += 12 + (off_t)len;
	}
	close(fd);
	return 0;
}

/* Every <data>/<topic>/<partition>/<base>.log; -1 when nothing was readable. */
static int scan_topic(const char *data_dir, const char *topic, stored_codecs_t *sc)
{
	char path[4096];
	int segs = 0;

	snprintf(path, sizeof(path), "%s/%s", data_dir, topic);
	DIR *hub = opendir(path);
	if (!hub)
		return -1;
	for (struct dirent *p; (p = readdir(hub));) {
		if (p->d_name[0] < '0' || p->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "%s/%s/%s", data_dir, topic, p->d_name);
		DIR *part = opendir(path);
		if (!part)
			continue;
		for (struct dirent *f; (f = readdir(part));) {
			size_t l = strlen(f->d_name);
			if (l < 5 || strcmp(f->d_name + l - 4, ".log") != 0)
				continue;
			snprintf(path, sizeof(path), "%s/%s/%s/%s", data_dir, topic, p->d_name,
				 f->d_name);
			if (scan_segment(path, sc) == 0)
				segs++;
		}
		closedir(part);
	}
	closedir(hub);
	return segs ? 0 : -1;
}

static void print_stored(const bench_opts_t *o, const bench_counts_t *c)
{
	static const char *const names[8] = { "none", "gzip", "snappy", "lz4", "zstd", "5", "6",
					      "7" };
	stored_codecs_t sc = { 0 };

	if (scan_topic(o->data_dir, o->topic, &sc)) {
		printf("stored codec:           unknown (no segment readable under %s/%s)\n",
		       o->data_dir, o->topic);
		return;
	}
	int64_t total = 0;
	printf("stored codec:          ");
	for (int i = 0; i < 8; i++) {
		if (!sc.batches[i])
			continue;
		total += sc.bytes[i];
		printf(" %s: %" PRId64 " batches, %.1f MB;", names[i], sc.batches[i],
		       (double)sc.bytes[i] / MB);
	}
	printf(" %" PRId64 " records\n", sc.records);
	printf("stored/value bytes:     %.3f (%.1f MB of batches for %.1f MB of values, "
	       "compression.type=%s)\n",
	       c->acked_bytes ? (double)total / (double)c->acked_bytes : 0, (double)total / MB,
	       (double)c->acked_bytes / MB, o->codec);
}

static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
	bench_counts_t *c = opaque;

	(void)rk;
	if (m->err) {
		if (!c->failed)
			c->first_err = m->err;
		c->failed++;
		return;
	}
	c->acked++;
	c->acked_bytes += (int64_t)m->len;
}

static rd_kafka_t *make_producer(const bench_opts_t *o, bench_counts_t *counts)
{
	static const char *const settings[][2] = {
		{ "acks", "-1" },
		{ "linger.ms", "5" },
		{ "batch.size", "1000000" },
		{ "queue.buffering.max.messages", "1000000" },
		{ "queue.buffering.max.kbytes", "1048576" },
		{ "message.timeout.ms", "120000" },
	};
	char err[512];
	rd_kafka_conf_t *conf = rd_kafka_conf_new();

	if (rd_kafka_conf_set(conf, "bootstrap.servers", o->bootstrap, err, sizeof(err)))
		goto fail;
	for (size_t i = 0; i < sizeof(settings) / sizeof(settings[0]); i++) {
		if (rd_kafka_conf_set(conf, settings[i][0], settings[i][1], err, sizeof(err)))
			goto fail;
	}
	if (o->sasl_password &&
	    (rd_kafka_conf_set(conf, "security.protocol", "SASL_PLAINTEXT", err, sizeof(err)) ||
	     rd_kafka_conf_set(conf, "sasl.mechanisms", "PLAIN", err, sizeof(err)) ||
	     rd_kafka_conf_set(conf, "sasl.username", "$ConnectionString", err, sizeof(err)) ||
	     rd_kafka_conf_set(conf, "sasl.password", o->sasl_password, err, sizeof(err))))
		goto fail;
	if (rd_kafka_conf_set(conf, "compression.type", o->codec, err, sizeof(err)))
		goto fail;
	for (int i = 0; i < o->nprops; i++) {
		char k[256];
		const char *eq = strchr(o->props[i], '=');
		size_t klen = eq ? (size_t)(eq - o->props[i]) : sizeof(k);

		if (klen >= sizeof(k)) {
			snprintf(err, sizeof(err), "not key=value: %s", o->props[i]);
			goto fail;
		}
		memcpy(k, o->props[i], klen);
		k[klen] = '\0';
		if (rd_kafka_conf_set(conf, k, eq + 1, err, sizeof(err)))
			goto fail;
	}
	rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
	rd_kafka_conf_set_opaque(conf, counts);
	rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof(err));
	if (!rk)
		fprintf(stderr, "produce_bench: rd_kafka_new: %s\n", err);
	return rk;
fail:
	fprintf(stderr, "produce_bench: config: %s\n", err);
	rd_kafka_conf_destroy(conf);
	return NULL;
}

/*
 * Produces `value` (record_bytes, borrowed: librdkafka points at it without a
 * copy, so it must outlive rd_kafka_destroy) until the time or byte budget is
 * used; returns the elapsed seconds up to the last acknowledgement.
 */
static double produce(rd_kafka_t *rk, const bench_opts_t *o, const char *value, bench_counts_t *c)
{
	int64_t queued_bytes = 0;
	double t0 = now_s();
	while (now_s() - t0 < o->seconds && queued_bytes < o->max_bytes && !c->failed) {
		rd_kafka_resp_err_t err = rd_kafka_producev(rk,
			RD_KAFKA_V_TOPIC(o->topic),
			RD_KAFKA_V_VALUE((void *)value, o->record_bytes),
			RD_KAFKA_V_END);

		if (err == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
			rd_kafka_poll(rk, 1);
			continue;
		}
		if (err) {
			fprintf(stderr, "produce_bench: produce: %s\n", rd_kafka_err2str(err));
			break;
		}
		queued_bytes += (int64_t)o->record_bytes;
		rd_kafka_poll(rk, 0);
	}
	if (rd_kafka_flush(rk, 120000) != RD_KAFKA_RESP_ERR_NO_ERROR)
		fprintf(stderr, "produce_bench: flush timed out; %d records outstanding\n",
			rd_kafka_outq_len(rk));
	double elapsed = now_s() - t0;
	rd_kafka_purge(rk, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
	rd_kafka_poll(rk, 0);
	return elapsed;
}

static int parse_args(int argc, char **argv, bench_opts_t *o)
{
	static const struct option longs[] = {
		{ "bootstrap", required_argument, NULL, 'b' },
		{ "topic", required_argument, NULL, 't' },
		{ "data-dir", required_argument, NULL, 'd' },
		{ "pid", required_argument, NULL, 'p' },
		{ "seconds", required_argument, NULL, 's' },
		{ "bytes", required_argument, NULL, 'n' },
		{ "record-bytes", required_argument, NULL, 'r' },
		{ "disk-seconds", required_argument, NULL, 'D' },
		{ "sasl-password", required_argument, NULL, 'P' },
		{ "codec", required_argument, NULL, 'c' },
		{ "property", required_argument, NULL, 'o' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	*o = (bench_opts_t){ .topic = "eh1", .seconds = 30, .max_bytes = (int64_t)1024 * MIB,
			     .record_bytes = 1024, .disk_seconds = 5, .codec = "none" };
	while ((c = getopt_long(argc, argv, "", longs, NULL)) != -1) {
		switch (c) {
		case 'b': o->bootstrap = optarg; break;
		case 't': o->topic = optarg; break;
		case 'd': o->data_dir = optarg; break;
		case 'p': o->pid = strtol(optarg, NULL, 10); break;
		case 's': o->seconds = strtod(optarg, NULL); break;
		case 'n': o->max_bytes = strtoll(optarg, NULL, 10); break;
		case 'r': o->record_bytes = (size_t)strtoul(optarg, NULL, 10); break;
		case 'D': o->disk_seconds = strtod(optarg, NULL); break;
		case 'P': o->sasl_password = optarg; break;
		case 'c': o->codec = optarg; break;
		case 'o':
			if (o->nprops == (int)(sizeof(o->props) / sizeof(o->props[0])))
				return -1;
			o->props[o->nprops++] = optarg;
			break;
		default: return -1;
		}
	}
	if (!o->bootstrap || !o->data_dir || o->pid <= 0 || o->record_bytes == 0 ||
	    o->seconds <= 0 || o->max_bytes <= 0)
		return -1;
	return 0;
}

int main(int argc, char **argv)
{
	bench_opts_t o;
	bench_counts_t c = { 0 };

	if (parse_args(argc, argv, &o)) {
		fprintf(stderr, "usage: %s --bootstrap HOST:PORT --data-dir DIR --pid PID [--topic T]\n"
				"       [--seconds S] [--bytes N] [--record-bytes N] [--disk-seconds S]\n"
				"       [--sasl-password CONNECTION_STRING] [--codec none|gzip|snappy|lz4|zstd]\n"
				"       [--property KEY=VALUE ...]\n",
			argv[0]);
		return 2;
	}
	double disk = disk_sync_rate(o.data_dir, o.disk_seconds);
	if (disk <= 0)
		return 1;
	double disk_before = disk;
	char *value = malloc(o.record_bytes);
	rd_kafka_t *rk = value ? make_producer(&o, &c) : NULL;
	if (!rk) {
		free(value);
		return 1;
	}
	for (size_t i = 0; i < o.record_bytes; i++)
		value[i] = (char)('a' + i % 26);
	double elapsed = produce(rk, &o, value, &c);
	rd_kafka_destroy(rk);
	free(value);
	/* Again after the run: a shared or cached disk drifts; the ratio uses the mean. */
	double disk_after = disk_sync_rate(o.data_dir, o.disk_seconds);
	if (disk_after > 0)
		disk = (disk + disk_after) / 2;
	long hwm = vm_hwm_kib(o.pid);

	double rps = (double)c.acked / elapsed;
	double mbps = (double)c.acked_bytes / MB / elapsed;
	printf("records acknowledged:   %" PRId64 " of %zu bytes in %.1f s (%" PRId64 " failed%s%s)\n",
	       c.acked, o.record_bytes, elapsed, c.failed, c.failed ? ": " : "",
	       c.failed ? rd_kafka_err2str(c.first_err) : "");
	printf("records/s:              %.0f\n", rps);
	printf("produce MB/s:           %.1f\n", mbps);
	printf("disk MB/s:              %.1f (1 MiB write+fdatasync in %s; %.1f before, %.1f after)\n",
	       disk, o.data_dir, disk_before, disk_after);
	printf("ratio produce/disk:     %.2f\n", mbps / disk);
	print_stored(&o, &c);
	if (hwm >= 0)
		printf("gateway VmHWM:          %.1f MiB (pid %ld)\n", (double)hwm / 1024, o.pid);
	else
		printf("gateway VmHWM:          unknown (pid %ld not readable)\n", o.pid);
	return c.failed || c.acked == 0 ? 1 : 0;
}
