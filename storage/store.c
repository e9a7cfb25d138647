/*
 * The store: partition logs made of segments, and one flusher thread doing
 * group commit. Invariants:
 *   - appends are serialised by the log lock; write(2) happens under it so
 *     offsets and file positions advance together;
 *   - durable_end only grows, and only the flusher moves it, after an
 *     fdatasync that covered every byte below it (relaxed mode: after the
 *     write, with syncs on a timer);
 *   - a completion fires exactly once, on the flusher thread, after the
 *     append call returned;
 *   - a segment is synced before the log rolls to the next one, so only the
 *     active segment can have unsynced bytes;
 *   - a seg_t handed to a reader (store_range_t.seg) lives at least
 *     retired_grace_ms after it leaves the log: segments below the log start
 *     (store_set_start, retention) move to the retired list with their files
 *     unlinked, and the retention thread closes and frees them once the
 *     grace period has passed; a deleted hub's logs stay in s->logs,
 *     refusing appends, until store_close;
 *   - the log start only moves up, under the log's start_lock, and the
 *     "log-start" file is durable before the new start is visible or any
 *     segment below it is unlinked; at open, segments wholly below the
 *     saved start are removed before the offsets are checked for gaps, so
 *     a crash in the middle of a removal leaves a prefix-trimmed log;
 *   - append times never go backwards in offset order: the stamp is taken
 *     under the log lock, raised to the previous one when the clock is late.
 * Retention runs on its own thread, not the flusher's: removing segments
 * costs unlinks and two fsyncs (the log-start file and its directory) that
 * must not delay a group commit. Every retention_check_ms it looks at each
 * log (policy, sizes and append times under the log lock, the file write
 * outside it) and frees retired segments whose grace period is over.
 * Deletion is durable in one step: the hub directory is renamed to a
 * ".deleted.*" tombstone (store_hub_list skips dot names) before its files
 * are removed; store_open removes tombstones a crash left behind.
 */
#include "store.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "log.h"
#include "mem.h"
#include "rb.h"
#include "seg.h"

typedef struct pending {
	int64_t end; /* durable once durable_end >= end */
	store_done_fn done;
	void *arg;
} pending_t;

struct store_log {
	store_t *store;
	pthread_mutex_t lock;
	pthread_mutex_t start_lock; /* taken before lock: one mover of the log start at a time */
	store_policy_t pol;
	char *dir;
	char *name;           /* "hub/partition" for messages */
	char *hub;            /* hub name, for store_hub_delete */
	seg_t **segs;         /* sorted by base offset; the last one is active */
	size_t nsegs;
	seg_t **retired;      /* segments below the log start, files unlinked */
	size_t nretired;
	int64_t start;        /* log start offset (DeleteRecords), >= segs[0] base */
	bool deleted;         /* its hub was deleted: refuse appends */
	int64_t written_end;  /* next offset to assign */
	int64_t last_append;  /* append time of the last written batch, -1 none */
	_Atomic int64_t durable_end;
	_Atomic int64_t last_time;
	uint64_t durable_pos; /* durable bytes of the active segment */
	pending_t *pend;      /* ring of completions waiting for a sync */
	size_t pend_head, pend_count, pend_cap;
	bool dirty;           /* on the store's dirty list */
	bool failed;          /* a sync failed: refuse appends */
	store_log_t *dirty_next;
	store_durable_fn on_durable;
	void *durable_arg;
};

struct store {
	store_opts_t opts;
	char *dir;
	int lock_fd;
	pthread_t flusher;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	store_log_t *dirty_head;
	store_log_t **round;  /* the logs of one flush round (flusher only) */
	size_t round_cap;
	_Atomic bool stopping;
	store_log_t **logs;
	size_t nlogs;
	pthread_t retainer;   /* retention thread */
	pthread_cond_t rcond; /* wakes it early at store_close */
};

static int64_t wall_ms(const store_t *s)
{
	return s->opts.clock ? s->opts.clock(s->opts.clock_arg) : clock_wall_ms();
}

static char *dup_str(const char *s)
{
	size_t n = strlen(s) + 1;
	char *p = mem_alloc(MEM_STORAGE, n);

	if (p)
		memcpy(p, s, n);
	return p;
}

/* snprintf into a path buffer; non-zero when the path does not fit. */
static int path_fmt(char *out, size_t cap, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(out, cap, fmt, ap);
	va_end(ap);
	return n < 0 || (size_t)n >= cap;
}

static bool safe_char(char c, bool first)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '-' || (c == '.' && !first);
}

/* Hub names become one directory name: unsafe bytes as %XX. */
static void escape_name(const char *name, char *out, size_t cap)
{
	size_t o = 0;

	for (size_t i = 0; name[i] && o + 4 < cap; i++) {
		if (safe_char(name[i], i == 0))
			out[o++] = name[i];
		else
			o += (size_t)snprintf(out + o, cap - o, "%%%02X", (unsigned char)name[i]);
	}
	out[o] = '\0';
}

static bool unescape_name(const char *in, char *out, size_t cap)
{
	size_t o = 0;

	for (size_t i = 0; in[i]; i++) {
		unsigned v;

		if (o + 1 >= cap)
			return false;
		if (in[i] == '%') {
			if (sscanf(in + i + 1, "%2x", &v) != 1)
				return false;
			out[o++] = (char)v;
			i += 2;
		} else {
			out[o++] = in[i];
		}
	}
	out[o] = '\0';
	return o > 0;
}

static trib_err_t make_dir(const char *path)
{
	if (mkdir(path, 0755) == 0 || errno == EEXIST)
		return TRIB_OK;
	log_error("storage: cannot create %s: %s", path, strerror(errno));
	return TRIB_ERR_IO;
}

static trib_err_t sync_dir(const char *path)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int rc;

	if (fd < 0)
		return TRIB_ERR_IO;
	rc = fsync(fd);
	close(fd);
	return rc == 0 ? TRIB_OK : TRIB_ERR_IO;
}

static void remove_tombstones(store_t *s);
static void *retainer_main(void *arg);

/* ---- completions ---- */

static trib_err_t pend_push(store_log_t *l, pending_t p)
{
	if (l->pend_count == l->pend_cap) {
		size_t ncap = l->pend_cap ? l->pend_cap * 2 : 64;
		pending_t *np = mem_alloc(MEM_STORAGE, ncap * sizeof(*np));

		if (!np)
			return TRIB_ERR_NOMEM;
		for (size_t i = 0; i < l->pend_count; i++)
			np[i] = l->pend[(l->pend_head + i) % l->pend_cap];
		mem_free(l->pend);
		l->pend = np;
		l->pend_cap = ncap;
		l->pend_head = 0;
	}
	l->pend[(l->pend_head + l->pend_count) % l->pend_cap] = p;
	l->pend_count++;
	return TRIB_OK;
}

/* Moves the completions covered by end (all when end < 0) into out[]. */
static size_t pend_take(store_log_t *l, int64_t end, pending_t **out)
{
	size_t n = 0;

	while (n < l->pend_count && (end < 0 || l->pend[(l->pend_head + n) % l->pend_cap].end <= end))
		n++;
	*out = NULL;
	if (n == 0)
		return 0;
	*out = mem_alloc(MEM_STORAGE, n * sizeof(**out));
	if (!*out)
		return 0; /* retried on the next flush */
	for (size_t i = 0; i < n; i++)
		(*out)[i] = l->pend[(l->pend_head + i) % l->pend_cap];
	l->pend_head = (l->pend_head + n) % l->pend_cap;
	l->pend_count -= n;
	return n;
}

static void pend_fire(pending_t *p, size_t n, trib_err_t err)
{
	for (size_t i = 0; i < n; i++)
		p[i].done(p[i].arg, err);
	mem_free(p);
}

/* ---- flusher ---- */

static void mark_dirty(store_log_t *l)
{
	store_t *s = l->store;

	pthread_mutex_lock(&s->lock);
	if (!l->dirty) {
		l->dirty = true;
		l->dirty_next = s->dirty_head;
		s->dirty_head = l;
		pthread_cond_signal(&s->cond);
	}
	pthread_mutex_unlock(&s->lock);
}

/* One group commit for one log: sync what was written, then publish it. */
static void flush_log(store_log_t *l, bool do_sync)
{
	seg_t *seg;
	int64_t end, ts = -1;
	uint64_t pos;
	pending_t *done = NULL;
	size_t n;
	bool tix;
	trib_err_t err = TRIB_OK;

	pthread_mutex_lock(&l->lock);
	seg = l->segs[l->nsegs - 1];
	end = l->written_end;
	pos = seg->size;
	ts = seg->last_append;
	tix = seg->tix_dirty && do_sync;
	if (tix)
		seg->tix_dirty = false;
	pthread_mutex_unlock(&l->lock);

	/* the .tix is synced with the log: an acknowledged CreateTime batch keeps its time */
	if (do_sync && seg_sync(seg, tix) != TRIB_OK) {
		log_error("storage: fdatasync of %s failed: %s; the log refuses appends from now on",
			  l->name, strerror(errno));
		err = TRIB_ERR_IO;
	}

	pthread_mutex_lock(&l->lock);
	if (err) {
		l->failed = true;
		n = pend_take(l, -1, &done);
	} else {
		if (end > atomic_load(&l->durable_end)) {
			atomic_store(&l->durable_end, end);
			if (ts >= 0)
				atomic_store(&l->last_time, ts);
			if (seg == l->segs[l->nsegs - 1])
				l->durable_pos = pos;
		}
		n = pend_take(l, end, &done);
	}
	pthread_mutex_unlock(&l->lock);

	if (!err && l->on_durable)
		l->on_durable(l->durable_arg, end);
	pend_fire(done, n, err);
}

/* Waits for written logs and moves them to s->round; returns how many. */
static size_t take_dirty(store_t *s, bool *timed_out)
{
	struct timespec until;
	size_t n = 0;

	pthread_mutex_lock(&s->lock);
	*timed_out = false;
	if (s->opts.sync_mode == STORE_SYNC_RELAXED) {
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += s->opts.sync_interval_ms / 1000;
		until.tv_nsec += (long)(s->opts.sync_interval_ms % 1000) * 1000000;
		if (until.tv_nsec >= 1000000000) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000;
		}
	}
	while (!s->dirty_head && !s->stopping && !*timed_out) {
		if (s->opts.sync_mode == STORE_SYNC_RELAXED)
			*timed_out = pthread_cond_timedwait(&s->cond, &s->lock, &until) == ETIMEDOUT;
		else
			pthread_cond_wait(&s->cond, &s->lock);
	}
	/* copied out under the lock: an append may put a log back on the list at once */
	for (store_log_t *l = s->dirty_head; l; l = l->dirty_next) {
		if (n == s->round_cap) {
			size_t ncap = s->round_cap ? s->round_cap * 2 : 16;
			store_log_t **nr = mem_realloc(MEM_STORAGE, s->round, ncap * sizeof(*nr));

			if (!nr)
				break; /* the rest stay dirty for the next round */
			s->round = nr;
			s->round_cap = ncap;
		}
		s->round[n++] = l;
	}
	for (size_t i = 0; i < n; i++)
		s->round[i]->dirty = false;
	s->dirty_head = n ? s->round[n - 1]->dirty_next : s->dirty_head;
	pthread_mutex_unlock(&s->lock);
	return n;
}

static void sync_all(store_t *s)
{
	pthread_mutex_lock(&s->lock);
	for (size_t i = 0; i < s->nlogs; i++) {
		store_log_t *l = s->logs[i];

		pthread_mutex_unlock(&s->lock);
		flush_log(l, true);
		pthread_mutex_lock(&s->lock);
	}
	pthread_mutex_unlock(&s->lock);
}

static void *flusher_main(void *arg)
{
	store_t *s = arg;
	bool relaxed = s->opts.sync_mode == STORE_SYNC_RELAXED;
	int64_t last_sync = clock_mono_ms();

	for (;;) {
		bool timed_out;
		size_t n = take_dirty(s, &timed_out);

		for (size_t i = 0; i < n; i++)
			flush_log(s->round[i], !relaxed);
		if (relaxed && (timed_out || clock_mono_ms() - last_sync >= s->opts.sync_interval_ms)) {
			sync_all(s);
			last_sync = clock_mono_ms();
		}
		pthread_mutex_lock(&s->lock);
		if (s->stopping && !s->dirty_head) {
			pthread_mutex_unlock(&s->lock);
			break;
		}
		pthread_mutex_unlock(&s->lock);
	}
	sync_all(s);
	return NULL;
}

/* ---- store ---- */

trib_err_t store_open(const store_opts_t *opts, store_t **out)
{
	store_t *s = mem_calloc(MEM_STORAGE, 1, sizeof(*s));
	char path[4096];

	if (!s)
		return TRIB_ERR_NOMEM;
	s->opts = *opts;
	if (!s->opts.segment_bytes || s->opts.segment_bytes > SEG_MAX_BYTES)
		s->opts.segment_bytes = 1024u * 1024 * 1024;
	if (!s->opts.index_interval_bytes)
		s->opts.index_interval_bytes = 4096;
	if (!s->opts.sync_interval_ms)
		s->opts.sync_interval_ms = 1000;
	if (!s->opts.retention_check_ms)
		s->opts.retention_check_ms = 1000;
	if (!s->opts.retired_grace_ms)
		s->opts.retired_grace_ms = STORE_RETIRED_GRACE_MS;
	s->lock_fd = -1;
	s->dir = dup_str(opts->dir);
	if (!s->dir || make_dir(s->dir) != TRIB_OK) {
		trib_err_t err = s->dir ? TRIB_ERR_IO : TRIB_ERR_NOMEM;

		mem_free(s->dir);
		mem_free(s);
		return err;
	}
	snprintf(path, sizeof(path), "%s/.lock", s->dir);
	s->lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (s->lock_fd < 0 || flock(s->lock_fd, LOCK_EX | LOCK_NB) != 0) {
		log_error("storage: data directory %s is in use by another process or unwritable",
			  s->dir);
		if (s->lock_fd >= 0)
			close(s->lock_fd);
		mem_free(s->dir);
		mem_free(s);
		return TRIB_ERR_IO;
	}
	remove_tombstones(s);
	pthread_mutex_init(&s->lock, NULL);
	pthread_cond_init(&s->cond, NULL);
	pthread_cond_init(&s->rcond, NULL);
	if (pthread_create(&s->flusher, NULL, flusher_main, s) != 0) {
		close(s->lock_fd);
		mem_free(s->dir);
		mem_free(s);
		return TRIB_ERR_NOMEM;
	}
	if (pthread_create(&s->retainer, NULL, retainer_main, s) != 0) {
		pthread_mutex_lock(&s->lock);
		s->stopping = true;
		pthread_cond_signal(&s->cond);
		pthread_mutex_unlock(&s->lock);
		pthread_join(s->flusher, NULL);
		close(s->lock_fd);
		mem_free(s->dir);
		mem_free(s);
		return TRIB_ERR_NOMEM;
	}
	*out = s;
	return TRIB_OK;
}

static void log_free(store_log_t *l)
{
	for (size_t i = 0; i < l->nsegs; i++)
		seg_close(&l->segs[i]);
	for (size_t i = 0; i < l->nretired; i++)
		seg_close(&l->retired[i]);
	mem_free(l->segs);
	mem_free(l->retired);
	mem_free(l->hub);
	mem_free(l->pend);
	mem_free(l->dir);
	mem_free(l->name);
	pthread_mutex_destroy(&l->lock);
	pthread_mutex_destroy(&l->start_lock);
	mem_free(l);
}

void store_close(store_t **sp)
{
	store_t *s = sp ? *sp : NULL;

	if (!s)
		return;
	pthread_mutex_lock(&s->lock);
	s->stopping = true;
	pthread_cond_signal(&s->cond);
	pthread_cond_signal(&s->rcond);
	pthread_mutex_unlock(&s->lock);
	pthread_join(s->retainer, NULL);
	pthread_join(s->flusher, NULL);
	for (size_t i = 0; i < s->nlogs; i++) {
		pending_t *left;
		size_t n;

		pthread_mutex_lock(&s->logs[i]->lock);
		n = pend_take(s->logs[i], -1, &left);
		pthread_mutex_unlock(&s->logs[i]->lock);
		pend_fire(left, n, TRIB_ERR_CLOSED);
		log_free(s->logs[i]);
	}
	mem_free(s->logs);
	mem_free(s->round);
	pthread_mutex_destroy(&s->lock);
	pthread_cond_destroy(&s->cond);
	pthread_cond_destroy(&s->rcond);
	close(s->lock_fd);
	mem_free(s->dir);
	mem_free(s);
	*sp = NULL;
}

trib_err_t store_hub_list(store_t *s, int (*fn)(void *arg, const char *name, const char *meta),
			  void *arg)
{
	DIR *d = opendir(s->dir);
	struct dirent *e;
	trib_err_t err = TRIB_OK;

	if (!d)
		return TRIB_ERR_IO;
	while (!err && (e = readdir(d))) {
		char path[4096], name[1024];
		char *meta;
		FILE *f;
		long len;

		if (e->d_name[0] == '.' || !unescape_name(e->d_name, name, sizeof(name)))
			continue;
		snprintf(path, sizeof(path), "%s/%s/hub.json", s->dir, e->d_name);
		f = fopen(path, "rb");
		if (!f)
			continue; /* not a hub directory */
		fseek(f, 0, SEEK_END);
		len = ftell(f);
		fseek(f, 0, SEEK_SET);
		meta = len >= 0 && len < (1 << 20) ? mem_alloc(MEM_STORAGE, (size_t)len + 1) : NULL;
		if (!meta || fread(meta, 1, (size_t)len, f) != (size_t)len) {
			log_error("storage: cannot read %s", path);
			err = meta ? TRIB_ERR_IO : TRIB_ERR_NOMEM;
		} else {
			meta[len] = '\0';
			err = (trib_err_t)fn(arg, name, meta);
		}
		mem_free(meta);
		fclose(f);
	}
	closedir(d);
	return err;
}

static trib_err_t write_file_mode(const char *dir, const char *file, const char *text,
				  mode_t mode)
{
	char tmp[4096], path[4096];
	size_t len = strlen(text);
	int fd;
	bool ok;

	if (path_fmt(tmp, sizeof(tmp), "%s/.%s.tmp", dir, file) ||
	    path_fmt(path, sizeof(path), "%s/%s", dir, file))
		return TRIB_ERR_INVALID;
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (fd < 0)
		return TRIB_ERR_IO;
	ok = write(fd, text, len) == (ssize_t)len && fsync(fd) == 0;
	ok = (close(fd) == 0) && ok;
	if (!ok || rename(tmp, path) != 0) {
		unlink(tmp);
		return TRIB_ERR_IO;
	}
	return sync_dir(dir);
}

static trib_err_t write_file_durably(const char *dir, const char *file, const char *text)
{
	return write_file_mode(dir, file, text, 0644);
}

/*
 * Private files are ".<name>": hub directories never start with '.'
 * (escape_name writes a leading '.' as %2E), and store_hub_list skips them.
 */
static bool private_name_ok(const char *name)
{
	size_t n = strlen(name);

	if (n == 0 || n > 64)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!safe_char(name[i], i == 0))
			return false;
	return true;
}

trib_err_t store_file_save(store_t *s, const char *name, const char *text)
{
	char file[80];
	trib_err_t err;

	if (!private_name_ok(name))
		return TRIB_ERR_INVALID;
	snprintf(file, sizeof(file), ".%s", name);
	err = write_file_mode(s->dir, file, text, 0600);
	if (err)
		log_error("storage: cannot save %s/%s", s->dir, file);
	return err;
}

trib_err_t store_file_load(store_t *s, const char *name, char **text)
{
	char path[4096];
	struct stat st;
	char *buf;
	ssize_t got;
	int fd;

	*text = NULL;
	if (!private_name_ok(name) || path_fmt(path, sizeof(path), "%s/.%s", s->dir, name))
		return TRIB_ERR_INVALID;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? TRIB_ERR_NOT_FOUND : TRIB_ERR_IO;
	if (fstat(fd, &st) != 0) {
		close(fd);
		return TRIB_ERR_IO;
	}
	if (st.st_size > STORE_FILE_MAX_BYTES) {
		close(fd);
		return TRIB_ERR_TOO_LARGE;
	}
	buf = mem_alloc(MEM_STORAGE, (size_t)st.st_size + 1);
	if (!buf) {
		close(fd);
		return TRIB_ERR_NOMEM;
	}
	got = read(fd, buf, (size_t)st.st_size);
	close(fd);
	if (got != (ssize_t)st.st_size) {
		mem_free(buf);
		return TRIB_ERR_IO;
	}
	buf[got] = '\0';
	*text = buf;
	return TRIB_OK;
}

static void hub_dir(const store_t *s, const char *hub, char *out, size_t cap)
{
	char esc[1024];

	escape_name(hub, esc, sizeof(esc));
	snprintf(out, cap, "%s/%s", s->dir, esc);
}

trib_err_t store_hub_save(store_t *s, const char *name, const char *meta)
{
	char dir[4096];
	trib_err_t err;

	if (!name[0] || strlen(name) > 255)
		return TRIB_ERR_INVALID;
	hub_dir(s, name, dir, sizeof(dir));
	err = make_dir(dir);
	if (!err)
		err = sync_dir(s->dir);
	if (!err)
		err = write_file_durably(dir, "hub.json", meta);
	if (err)
		log_error("storage: cannot save metadata of event hub %s in %s", name, dir);
	return err;
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

/* Base offsets of the segments in dir, sorted; *n = 0 for a new partition. */
static trib_err_t list_segments(const char *dir, int64_t **bases, size_t *n)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	size_t cap = 0;

	*bases = NULL;
	*n = 0;
	if (!d)
		return TRIB_ERR_IO;
	while ((e = readdir(d))) {
		char *end;
		long long base = strtoll(e->d_name, &end, 10);

		if (end == e->d_name || strcmp(end, ".log") != 0 || base < 0)
			continue;
		if (*n == cap) {
			int64_t *nb = mem_realloc(MEM_STORAGE, *bases, (cap = cap ? cap * 2 : 8) * 8);

			if (!nb) {
				closedir(d);
				return TRIB_ERR_NOMEM;
			}
			*bases = nb;
		}
		(*bases)[(*n)++] = base;
	}
	closedir(d);
	if (*n)
		qsort(*bases, *n, sizeof(**bases), cmp_i64);
	return TRIB_OK;
}

/*
 * Removes .idx and .tix files without their .log: a removal unlinks the
 * log last, so these are what a crash left of one (a new segment creates
 * its log first). @p bases: the sorted logs.
 */
static void remove_orphans(const store_log_t *l, const int64_t *bases, size_t n)
{
	DIR *d = opendir(l->dir);
	struct dirent *e;

	if (!d)
		return;
	while ((e = readdir(d))) {
		char *end;
		long long base = strtoll(e->d_name, &end, 10);

		if (end == e->d_name || base < 0 ||
		    (strcmp(end, ".idx") != 0 && strcmp(end, ".tix") != 0))
			continue;
		if (n && bsearch(&(int64_t){base}, bases, n, sizeof(*bases), cmp_i64))
			continue;
		log_info("storage: %s: removing %s, left without its log", l->name, e->d_name);
		seg_unlink_base(l->dir, base);
	}
	closedir(d);
}

static trib_err_t add_segment(store_log_t *l, int64_t base, bool timed)
{
	seg_t **ns = mem_realloc(MEM_STORAGE, l->segs, (l->nsegs + 1) * sizeof(*ns));
	trib_err_t err;

	if (!ns)
		return TRIB_ERR_NOMEM;
	l->segs = ns;
	err = seg_open(l->dir, l->name, base, l->store->opts.index_interval_bytes, timed,
		       &ns[l->nsegs]);
	if (!err)
		l->nsegs++;
	return err;
}

#define START_FILE "log-start" /* the log start offset, decimal text */

/* The saved log start, -1 when none was saved. */
static trib_err_t read_start(const store_log_t *l, int64_t *start)
{
	char path[4096], text[32] = {0};
	long long v;
	ssize_t got;
	char *tail;
	int fd;

	*start = -1;
	if (path_fmt(path, sizeof(path), "%s/" START_FILE, l->dir))
		return TRIB_ERR_INVALID;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? TRIB_OK : TRIB_ERR_IO;
	got = read(fd, text, sizeof(text) - 1);
	close(fd);
	v = got > 0 ? strtoll(text, &tail, 10) : -1;
	if (got <= 0 || tail == text || v < 0) {
		log_error("storage: %s: unreadable %s", l->name, path);
		return TRIB_ERR_CORRUPT;
	}
	*start = v;
	return TRIB_OK;
}

/*
 * Opens every segment and checks that their offsets follow each other.
 * Segments wholly below the saved log start (the next one's base is at or
 * below it) are what a crash left of a removal: their files go first, so a
 * gap among them is no error.
 */
static trib_err_t recover_segments(store_log_t *l, int64_t saved_start)
{
	int64_t *bases;
	size_t n, first = 0;
	trib_err_t err = list_segments(l->dir, &bases, &n);

	if (!err)
		remove_orphans(l, bases, n);
	while (!err && first + 1 < n && bases[first + 1] <= saved_start) {
		log_info("storage: %s: removing segment %020" PRId64
			 ", below the log start %" PRId64, l->name, bases[first], saved_start);
		seg_unlink_base(l->dir, bases[first++]);
	}
	for (size_t i = first; !err && i < n; i++) {
		err = add_segment(l, bases[i], false);
		if (!err && i > first && l->segs[l->nsegs - 2]->next_offset != bases[i]) {
			log_error("storage: %s: segment %020" PRId64 " ends at offset %" PRId64
				  " but the next one starts at %" PRId64 "; refusing to guess",
				  l->name, l->segs[l->nsegs - 2]->base_offset,
				  l->segs[l->nsegs - 2]->next_offset, bases[i]);
			err = TRIB_ERR_CORRUPT;
		}
	}
	if (!err && l->nsegs == 0)
		err = add_segment(l, 0, false);
	mem_free(bases);
	return err;
}

/*
 * Moves the segments wholly below the log start (never the active one) to
 * the retired list and unlinks their files; readers holding one keep it
 * for the grace period (free_retired). Caller holds the log lock (or owns
 * the log alone).
 */
static void retire_below(store_log_t *l)
{
	size_t k = 0;
	seg_t **nr;
	int64_t now = clock_mono_ms();

	while (k + 1 < l->nsegs && l->segs[k + 1]->base_offset <= l->start)
		k++;
	if (k == 0)
		return;
	nr = mem_realloc(MEM_STORAGE, l->retired, (l->nretired + k) * sizeof(*nr));
	if (!nr)
		return; /* kept for now; the next retention pass or open retires them */
	l->retired = nr;
	for (size_t i = 0; i < k; i++) {
		seg_unlink(l->segs[i], l->dir);
		l->segs[i]->retired_at = now > 0 ? now : 1;
		nr[l->nretired++] = l->segs[i];
	}
	memmove(l->segs, l->segs + k, (l->nsegs - k) * sizeof(*l->segs));
	l->nsegs -= k;
}

/* Closes and frees the retired segments whose grace period is over. Caller holds the log lock. */
static void free_retired(store_log_t *l, int64_t now_mono)
{
	size_t kept = 0;

	for (size_t i = 0; i < l->nretired; i++) {
		seg_t *seg = l->retired[i];

		if (now_mono - seg->retired_at >= (int64_t)l->store->opts.retired_grace_ms &&
		    atomic_load(&seg->holds) == 0)
			seg_close(&seg);
		else
			l->retired[kept++] = seg;
	}
	l->nretired = kept;
}

/* Sets the log start from the saved one (none: the first segment's base), clamped to the log. */
static void apply_start(store_log_t *l, int64_t saved)
{
	int64_t first = l->segs[0]->base_offset, end = l->segs[l->nsegs - 1]->next_offset;

	if (saved > end) {
		log_warn("storage: %s: log start %" PRId64 " is past the recovered end %" PRId64
			 "; using the end", l->name, saved, end);
		saved = end;
	}
	l->start = saved > first ? saved : first;
	retire_below(l);
}

/* The append time of the last batch of the log, -1 when it is empty. */
static int64_t last_append_of(const store_log_t *l)
{
	for (size_t i = l->nsegs; i > 0; i--)
		if (l->segs[i - 1]->last_append >= 0)
			return l->segs[i - 1]->last_append;
	return -1;
}

trib_err_t store_log_open(store_t *s, const char *hub, int32_t partition,
			  store_durable_fn on_durable, void *arg, store_log_t **out)
{
	store_log_t *l = mem_calloc(MEM_STORAGE, 1, sizeof(*l));
	store_log_t **nl;
	char dir[4096], name[1100];
	seg_t *active;
	int64_t saved_start = -1;
	trib_err_t err;

	if (!l)
		return TRIB_ERR_NOMEM;
	hub_dir(s, hub, dir, sizeof(dir));
	err = make_dir(dir);
	snprintf(dir + strlen(dir), sizeof(dir) - strlen(dir), "/%d", (int)partition);
	snprintf(name, sizeof(name), "%s/%d", hub, (int)partition);
	pthread_mutex_init(&l->lock, NULL);
	pthread_mutex_init(&l->start_lock, NULL);
	l->store = s;
	l->pol = STORE_POLICY_DEFAULT;
	l->on_durable = on_durable;
	l->durable_arg = arg;
	l->dir = dup_str(dir);
	l->name = dup_str(name);
	l->hub = dup_str(hub);
	if (!err)
		err = (!l->dir || !l->name || !l->hub) ? TRIB_ERR_NOMEM : make_dir(dir);
	if (!err)
		err = read_start(l, &saved_start);
	if (!err)
		err = recover_segments(l, saved_start);
	if (!err)
		apply_start(l, saved_start);
	nl = err ? NULL : mem_realloc(MEM_STORAGE, s->logs, (s->nlogs + 1) * sizeof(*nl));
	if (!err && !nl)
		err = TRIB_ERR_NOMEM;
	if (err) {
		log_free(l);
		return err;
	}
	active = l->segs[l->nsegs - 1];
	l->written_end = active->next_offset;
	l->last_append = last_append_of(l);
	atomic_store(&l->durable_end, active->next_offset);
	atomic_store(&l->last_time, l->last_append);
	l->durable_pos = active->size;
	pthread_mutex_lock(&s->lock);
	nl[s->nlogs++] = l;
	s->logs = nl;
	pthread_mutex_unlock(&s->lock);
	*out = l;
	return TRIB_OK;
}

void store_log_set_policy(store_log_t *l, const store_policy_t *pol)
{
	pthread_mutex_lock(&l->lock);
	l->pol = *pol;
	pthread_mutex_unlock(&l->lock);
}

static uint64_t segment_limit(const store_log_t *l)
{
	uint64_t max = l->pol.segment_bytes ? l->pol.segment_bytes : l->store->opts.segment_bytes;

	return max > SEG_MAX_BYTES ? SEG_MAX_BYTES : max;
}

/*
 * Starts a new segment when the active one is full, too old (segment_ms),
 * or of the other kind (timed: CreateTime); syncs the old one first, so
 * only the active segment ever holds unsynced bytes. An empty active
 * segment just changes kind.
 */
static trib_err_t maybe_roll(store_log_t *l, size_t len, bool timed, int64_t now)
{
	seg_t *active = l->segs[l->nsegs - 1];
	bool old = l->pol.segment_ms > 0 && active->first_append >= 0 &&
		   now - active->first_append >= l->pol.segment_ms;
	trib_err_t err;

	if (active->size == 0)
		return seg_set_timed(active, l->dir, timed);
	if (active->size + len <= segment_limit(l) && !old && active->timed == timed)
		return TRIB_OK;
	if (seg_sync(active, active->timed) != TRIB_OK)
		return TRIB_ERR_IO;
	active->tix_dirty = false;
	err = add_segment(l, l->written_end, timed);
	if (!err)
		l->durable_pos = 0;
	return err;
}

/* The append time of the next batch and whether its segment must be timed. Log lock held. */
static int64_t next_append_time(const store_log_t *l, store_stamp_t stamp, const rb_header_t *h,
				int64_t now, bool *timed)
{
	if (stamp == STORE_STAMP_KEEP) {
		*timed = l->segs[l->nsegs - 1]->timed;
		return h->max_timestamp;
	}
	*timed = stamp == STORE_STAMP_CREATE;
	return now > l->last_append ? now : l->last_append;
}

trib_err_t store_append(store_log_t *l, uint8_t *batch, size_t len, store_done_fn done, void *arg,
			int64_t *base_offset)
{
	return store_append_stamp(l, batch, len, STORE_STAMP_KEEP, done, arg, base_offset, NULL);
}

trib_err_t store_append_stamp(store_log_t *l, uint8_t *batch, size_t len, store_stamp_t stamp,
			      store_done_fn done, void *arg, int64_t *base_offset,
			      int64_t *append_ms)
{
	rb_header_t h;
	trib_err_t err;
	int64_t base, at, now;
	bool timed;

	if (len > STORE_MAX_BATCH_BYTES)
		return TRIB_ERR_TOO_LARGE;
	err = rb_header_parse(batch, len, &h);
	if (err)
		return err;
	now = wall_ms(l->store);
	pthread_mutex_lock(&l->lock);
	if (l->failed || l->store->stopping || l->deleted) {
		pthread_mutex_unlock(&l->lock);
		return l->deleted ? TRIB_ERR_NOT_FOUND : l->failed ? TRIB_ERR_IO : TRIB_ERR_CLOSED;
	}
	base = l->written_end;
	rb_set_base_offset(batch, base);
	at = next_append_time(l, stamp, &h, now, &timed);
	err = maybe_roll(l, len, timed, now);
	if (!err && stamp == STORE_STAMP_LOG_APPEND) {
		rb_stamp_append_time(batch, len, at);
		h.max_timestamp = at;
	}
	if (!err)
		err = pend_push(l, (pending_t){base + h.last_offset_delta + 1, done, arg});
	if (!err) {
		err = seg_append(l->segs[l->nsegs - 1], batch, len, base + h.last_offset_delta,
				 h.max_timestamp, at);
		if (err)
			l->pend_count--; /* the entry just pushed */
	}
	if (!err) {
		l->written_end = base + h.last_offset_delta + 1;
		at = l->segs[l->nsegs - 1]->last_append;
		if (at > l->last_append)
			l->last_append = at;
	}
	pthread_mutex_unlock(&l->lock);
	if (err)
		return err;
	*base_offset = base;
	if (append_ms)
		*append_ms = at;
	mark_dirty(l);
	return TRIB_OK;
}

int64_t store_durable_end(const store_log_t *l)
{
	return atomic_load(&l->durable_end);
}

int64_t store_start(store_log_t *l)
{
	int64_t start;

	pthread_mutex_lock(&l->lock);
	start = l->start;
	pthread_mutex_unlock(&l->lock);
	return start;
}

int64_t store_last_append_time(const store_log_t *l)
{
	return atomic_load(&l->last_time);
}

/* The segment holding offset: the last one whose base is <= offset. */
static size_t seg_for(const store_log_t *l, int64_t offset)
{
	size_t lo = 0, hi = l->nsegs;

	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;

		if (l->segs[mid]->base_offset <= offset)
			lo = mid;
		else
			hi = mid;
	}
	return lo;
}

/* Bytes of segment i that readers may see. */
static uint64_t readable_limit(const store_log_t *l, size_t i)
{
	return i == l->nsegs - 1 ? l->durable_pos : l->segs[i]->size;
}

trib_err_t store_read(store_log_t *l, int64_t offset, size_t max_bytes, store_range_t *range)
{
	int64_t end = atomic_load(&l->durable_end);
	uint64_t from, limit;
	size_t first_len;
	seg_t *seg;
	trib_err_t err;

	memset(range, 0, sizeof(*range));
	range->fd = -1;
	range->first_offset = offset;
	/* under the lock only what appends change; the walk reads immutable bytes below limit */
	pthread_mutex_lock(&l->lock);
	if (offset < l->start || offset > end) {
		pthread_mutex_unlock(&l->lock);
		return TRIB_ERR_OUT_OF_RANGE;
	}
	if (offset == end) {
		pthread_mutex_unlock(&l->lock);
		return TRIB_OK;
	}
	{
		size_t i = seg_for(l, offset);

		seg = l->segs[i];
		limit = readable_limit(l, i);
		from = seg_index_pos(seg, offset);
	}
	pthread_mutex_unlock(&l->lock);
	err = seg_find(seg, from, offset, limit, &range->pos, &first_len);
	if (err)
		return err;
	range->len = seg_span(seg, range->pos, first_len, max_bytes, limit);
	range->seg = seg;
	range->fd = seg->fd;
	if (range->len >= 8) {
		uint8_t b[8];

		if (seg_pread(seg, range->pos, b, sizeof(b)) == TRIB_OK)
			range->first_offset = (int64_t)wire_load_u64(b);
	}
	return TRIB_OK;
}

trib_err_t store_read_copy(const store_range_t *range, uint8_t *dst)
{
	return range->len ? seg_pread(range->seg, range->pos, dst, range->len) : TRIB_OK;
}

void store_range_hold(const store_range_t *range)
{
	if (range->seg)
		atomic_fetch_add(&((seg_t *)range->seg)->holds, 1);
}

void store_range_release(const store_range_t *range)
{
	if (range->seg)
		atomic_fetch_sub(&((seg_t *)range->seg)->holds, 1);
}

/* Offsets below the log start are gone: a time lookup answers the start instead. */
static int64_t clamp_start(store_log_t *l, int64_t offset)
{
	int64_t start = store_start(l);

	return offset < start ? start : offset;
}

/*
 * The first segment (in the log now) whose base is above @p after, with
 * the bytes readers may see of it; NULL when there is none. Log lock held.
 * Looking segments up by base rather than by position keeps a walk right
 * while retention removes segments in front of it.
 */
static seg_t *seg_after(const store_log_t *l, int64_t after, uint64_t *limit)
{
	size_t lo = 0, hi = l->nsegs;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (l->segs[mid]->base_offset > after)
			hi = mid;
		else
			lo = mid + 1;
	}
	if (lo == l->nsegs)
		return NULL;
	*limit = readable_limit(l, lo);
	return l->segs[lo];
}

int64_t store_offset_for_time(store_log_t *l, int64_t ts_ms)
{
	int64_t after = INT64_MIN;

	for (;;) {
		seg_t *seg;
		uint64_t from, limit = 0;
		int64_t found;

		pthread_mutex_lock(&l->lock);
		seg = seg_after(l, after, &limit);
		if (!seg) {
			pthread_mutex_unlock(&l->lock);
			return atomic_load(&l->durable_end);
		}
		after = seg->base_offset;
		/* a segment whose largest timestamp is older than ts cannot hold it */
		if (seg->max_ts < ts_ms) {
			pthread_mutex_unlock(&l->lock);
			continue;
		}
		from = seg_index_pos_for_time(seg, ts_ms);
		pthread_mutex_unlock(&l->lock);
		found = seg_offset_for_time(seg, from, ts_ms, limit);
		if (found >= 0)
			return clamp_start(l, found);
	}
}

int64_t store_offset_for_append_time(store_log_t *l, int64_t ts_ms)
{
	int64_t after = INT64_MIN;

	for (;;) {
		int64_t end = atomic_load(&l->durable_end);
		seg_t *seg;
		uint64_t from, limit = 0;
		int64_t found;

		pthread_mutex_lock(&l->lock);
		seg = seg_after(l, after, &limit);
		if (!seg) {
			pthread_mutex_unlock(&l->lock);
			return end;
		}
		after = seg->base_offset;
		if (seg->last_append < ts_ms) {
			pthread_mutex_unlock(&l->lock);
			continue;
		}
		if (seg->timed) {
			found = seg_offset_for_append_time(seg, ts_ms);
			pthread_mutex_unlock(&l->lock);
			/* a step may name a batch not durable yet: nothing durable is as new */
			if (found >= 0)
				return clamp_start(l, found < end ? found : end);
			continue;
		}
		/* untimed: each batch's append time is its max timestamp */
		from = seg_index_pos_for_time(seg, ts_ms);
		pthread_mutex_unlock(&l->lock);
		found = seg_offset_for_time(seg, from, ts_ms, limit);
		if (found >= 0)
			return clamp_start(l, found);
	}
}

/* The segment holding @p offset, also among the retired ones, or NULL. Log lock held. */
static const seg_t *seg_holding(const store_log_t *l, int64_t offset)
{
	if (l->nsegs && offset >= l->segs[0]->base_offset)
		return l->segs[seg_for(l, offset)];
	for (size_t i = l->nretired; i > 0; i--) {
		const seg_t *seg = l->retired[i - 1];

		if (offset >= seg->base_offset && offset < seg->next_offset)
			return seg;
	}
	return NULL;
}

trib_err_t store_batch_append_time(store_log_t *l, int64_t base_offset, int64_t *append_ms)
{
	const seg_t *seg;
	trib_err_t err;

	pthread_mutex_lock(&l->lock);
	seg = base_offset >= 0 && base_offset < l->written_end ? seg_holding(l, base_offset) : NULL;
	err = seg ? seg_append_time(seg, base_offset, append_ms) : TRIB_ERR_OUT_OF_RANGE;
	pthread_mutex_unlock(&l->lock);
	return err;
}

/*
 * Moves the log start up to @p offset: the file first (durable), then the
 * start readers see, then the segments wholly below it. Caller holds
 * l->start_lock, not l->lock, and checked that offset is above the start.
 */
static trib_err_t move_start(store_log_t *l, int64_t offset)
{
	char text[32];
	trib_err_t err;

	snprintf(text, sizeof(text), "%" PRId64 "\n", offset);
	err = write_file_durably(l->dir, START_FILE, text);
	pthread_mutex_lock(&l->lock);
	if (!err) {
		l->start = offset;
		retire_below(l);
	} else if (!l->deleted) {
		log_error("storage: %s: cannot save the log start %" PRId64, l->name, offset);
	}
	pthread_mutex_unlock(&l->lock);
	return err;
}

trib_err_t store_set_start(store_log_t *l, int64_t offset, int64_t *start)
{
	int64_t end = atomic_load(&l->durable_end);
	trib_err_t err = TRIB_OK;

	if (offset == -1)
		offset = end;
	pthread_mutex_lock(&l->start_lock);
	pthread_mutex_lock(&l->lock);
	if (l->deleted)
		err = TRIB_ERR_NOT_FOUND;
	else if (offset < 0 || offset > end)
		err = TRIB_ERR_OUT_OF_RANGE;
	else if (offset <= l->start)
		offset = -1; /* nothing to do */
	pthread_mutex_unlock(&l->lock);
	if (!err && offset >= 0)
		err = move_start(l, offset);
	*start = store_start(l);
	pthread_mutex_unlock(&l->start_lock);
	return err;
}

/* ---- retention ---- */

/* Whether the oldest closed segment may go by time; @p total is the log's bytes. */
static bool expired(const store_log_t *l, const seg_t *seg, uint64_t total, int64_t now)
{
	const store_policy_t *p = &l->pol;

	if (p->retention_ms >= 0 && seg->last_append < now - p->retention_ms)
		return true;
	return p->retention_bytes >= 0 && total - seg->size >= (uint64_t)p->retention_bytes;
}

/*
 * The log start retention asks for: the base of the first segment to keep,
 * or -1 when nothing goes. Only whole closed segments holding durable
 * offsets go, oldest first, while the oldest is expired. Log lock held.
 */
static int64_t retention_start(const store_log_t *l, int64_t now)
{
	int64_t durable = atomic_load(&l->durable_end);
	uint64_t total = 0;
	size_t k = 0;

	if (l->deleted || (l->pol.retention_ms < 0 && l->pol.retention_bytes < 0))
		return -1;
	for (size_t i = 0; i < l->nsegs; i++)
		total += l->segs[i]->size;
	while (k + 1 < l->nsegs && l->segs[k]->next_offset <= durable &&
	       expired(l, l->segs[k], total, now)) {
		total -= l->segs[k]->size;
		k++;
	}
	return k > 0 && l->segs[k]->base_offset > l->start ? l->segs[k]->base_offset : -1;
}

/* One retention pass over one log; also frees retired segments past their grace. */
static void retain_log(store_log_t *l, int64_t now, int64_t now_mono)
{
	int64_t start;

	pthread_mutex_lock(&l->start_lock);
	pthread_mutex_lock(&l->lock);
	start = retention_start(l, now);
	pthread_mutex_unlock(&l->lock);
	if (start >= 0 && move_start(l, start) == TRIB_OK)
		log_info("storage: %s: retention removed the segments below offset %" PRId64,
			 l->name, start);
	pthread_mutex_unlock(&l->start_lock);
	pthread_mutex_lock(&l->lock);
	free_retired(l, now_mono);
	pthread_mutex_unlock(&l->lock);
}

static void retention_round(store_t *s)
{
	int64_t now = wall_ms(s), now_mono = clock_mono_ms();

	pthread_mutex_lock(&s->lock);
	for (size_t i = 0; i < s->nlogs && !s->stopping; i++) {
		store_log_t *l = s->logs[i];

		/* logs are only freed by store_close, after this thread stopped */
		pthread_mutex_unlock(&s->lock);
		retain_log(l, now, now_mono);
		pthread_mutex_lock(&s->lock);
	}
	pthread_mutex_unlock(&s->lock);
}

static void *retainer_main(void *arg)
{
	store_t *s = arg;
	struct timespec until;

	pthread_mutex_lock(&s->lock);
	while (!s->stopping) {
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += s->opts.retention_check_ms / 1000;
		until.tv_nsec += (long)(s->opts.retention_check_ms % 1000) * 1000000;
		if (until.tv_nsec >= 1000000000) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000;
		}
		(void)pthread_cond_timedwait(&s->rcond, &s->lock, &until);
		if (s->stopping)
			break;
		pthread_mutex_unlock(&s->lock);
		retention_round(s);
		pthread_mutex_lock(&s->lock);
	}
	pthread_mutex_unlock(&s->lock);
	return NULL;
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	if (remove(path) != 0 && errno != ENOENT)
		log_warn("storage: cannot remove %s: %s", path, strerror(errno));
	return 0;
}

/* Removes a directory tree; failures are logged, the walk goes on. */
static void remove_tree(const char *path)
{
	if (nftw(path, remove_entry, 16, FTW_DEPTH | FTW_PHYS) != 0 && errno != ENOENT)
		log_warn("storage: cannot remove %s: %s", path, strerror(errno));
}

#define TOMBSTONE_PREFIX ".deleted."

/* Removes the tombstones a crash in store_hub_delete left behind. */
static void remove_tombstones(store_t *s)
{
	DIR *d = opendir(s->dir);
	struct dirent *e;
	char path[4096];

	if (!d)
		return;
	while ((e = readdir(d))) {
		if (strncmp(e->d_name, TOMBSTONE_PREFIX, sizeof(TOMBSTONE_PREFIX) - 1) == 0 &&
		    path_fmt(path, sizeof(path), "%s/%s", s->dir, e->d_name) == 0)
			remove_tree(path);
	}
	closedir(d);
}

trib_err_t store_hub_delete(store_t *s, const char *name)
{
	static _Atomic uint64_t seq;
	char dir[4096], tomb[4096], esc[1024];
	struct stat st;

	if (!name[0] || strlen(name) > 255)
		return TRIB_ERR_INVALID;
	hub_dir(s, name, dir, sizeof(dir));
	escape_name(name, esc, sizeof(esc));
	if (path_fmt(tomb, sizeof(tomb), "%s/" TOMBSTONE_PREFIX "%s.%" PRId64 ".%" PRIu64, s->dir,
		     esc, clock_wall_ms(), atomic_fetch_add(&seq, 1)))
		return TRIB_ERR_INVALID;
	if (stat(dir, &st) != 0)
		return errno == ENOENT ? TRIB_ERR_NOT_FOUND : TRIB_ERR_IO;
	if (rename(dir, tomb) != 0) {
		log_error("storage: cannot delete event hub %s (%s): %s", name, dir, strerror(errno));
		return TRIB_ERR_IO;
	}
	/* appends racing with the rename land in the tombstone, which goes next */
	pthread_mutex_lock(&s->lock);
	for (size_t i = 0; i < s->nlogs; i++) {
		store_log_t *l = s->logs[i];

		pthread_mutex_lock(&l->lock);
		if (strcmp(l->hub, name) == 0)
			l->deleted = true;
		pthread_mutex_unlock(&l->lock);
	}
	pthread_mutex_unlock(&s->lock);
	if (sync_dir(s->dir) != TRIB_OK)
		log_warn("storage: cannot sync %s after deleting event hub %s", s->dir, name);
	remove_tree(tomb);
	return TRIB_OK;
}
