/*
 * Segment files. Invariants: the log holds only whole batches with
 * contiguous offsets from base_offset to next_offset - 1; size is the end of
 * the last whole batch; the in-memory index is sorted by offset and position
 * and every entry points at the first byte of a batch, its max_ts the
 * largest batch max timestamp up to that batch (so it never decreases, also
 * under CreateTime). Recovery trusts the log, never the index: it walks back
 * from the last index entry until one points at a batch that passes its
 * CRC, then scans forward.
 *
 * Append times. A timed segment (CreateTime) has a .tix entry for every
 * batch, written after the batch and synced with it (seg_sync) before the
 * batch is acknowledged; append times never decrease in offset order. In
 * memory only the changes of time are kept (steps[]), so a busy partition
 * costs at most one step per millisecond. At open the .tix is cut to the
 * entries that are ordered and point at batches still in the log, and a
 * batch without an entry (only an unacknowledged tail can lose it) gets
 * its max timestamp when it is LogAppendTime-stamped, else the log file's
 * mtime (logged), never before the previous batch's.
 */
#include "seg.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "crc32c.h"
#include "log.h"
#include "mem.h"
#include "rb.h"
#include "store.h"
#include "wire.h"

/* Moves all len bytes at pos, retrying short transfers and EINTR. */
static trib_err_t io_all(int fd, void *buf, size_t len, uint64_t pos, bool write)
{
	uint8_t *p = buf;

	while (len > 0) {
		ssize_t n = write ? pwrite(fd, p, len, (off_t)pos) : pread(fd, p, len, (off_t)pos);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return TRIB_ERR_IO;
		p += n;
		pos += (uint64_t)n;
		len -= (size_t)n;
	}
	return TRIB_OK;
}

static trib_err_t pread_all(int fd, void *buf, size_t len, uint64_t pos)
{
	return io_all(fd, buf, len, pos, false);
}

trib_err_t seg_pread(const seg_t *s, uint64_t pos, void *buf, size_t len)
{
	return pread_all(s->fd, buf, len, pos);
}

static trib_err_t pwrite_all(int fd, const void *buf, size_t len, uint64_t pos)
{
	return io_all(fd, (void *)(uintptr_t)buf, len, pos, true);
}

/* Reads and parses the header of the batch at pos; checks it fits below limit. */
static trib_err_t read_header(int fd, uint64_t pos, uint64_t limit, rb_header_t *h)
{
	uint8_t buf[RB_HEADER_SIZE];
	trib_err_t err;

	if (pos + RB_HEADER_SIZE > limit)
		return TRIB_ERR_OUT_OF_RANGE;
	err = pread_all(fd, buf, sizeof(buf), pos);
	if (err)
		return err;
	err = rb_header_parse(buf, sizeof(buf), h);
	if (err)
		return err;
	if (rb_size(h) > STORE_MAX_BATCH_BYTES || pos + rb_size(h) > limit)
		return TRIB_ERR_CORRUPT;
	return TRIB_OK;
}

/* Reads the whole batch at pos into *buf (grown as needed) and checks its CRC. */
static trib_err_t check_batch(int fd, uint64_t pos, uint64_t limit, rb_header_t *h,
			      uint8_t **buf, size_t *cap)
{
	trib_err_t err = read_header(fd, pos, limit, h);
	size_t len;

	if (err)
		return err;
	len = rb_size(h);
	if (len > *cap) {
		uint8_t *nb = mem_realloc(MEM_STORAGE, *buf, len);

		if (!nb)
			return TRIB_ERR_NOMEM;
		*buf = nb;
		*cap = len;
	}
	err = pread_all(fd, *buf, len, pos);
	if (err)
		return err;
	if (crc32c(0, *buf + RB_CRC_START, len - RB_CRC_START) != h->crc)
		return TRIB_ERR_CORRUPT;
	return TRIB_OK;
}

static trib_err_t index_push(seg_t *s, seg_entry_t e)
{
	if (s->nindex == s->cap) {
		size_t ncap = s->cap ? s->cap * 2 : 64;
		seg_entry_t *ni = mem_realloc(MEM_STORAGE, s->index, ncap * sizeof(*ni));

		if (!ni)
			return TRIB_ERR_NOMEM;
		s->index = ni;
		s->cap = ncap;
	}
	s->index[s->nindex++] = e;
	s->last_entry_pos = e.pos;
	return TRIB_OK;
}

static void index_write(seg_t *s, size_t i)
{
	uint8_t b[SEG_INDEX_ENTRY_BYTES];

	wire_store_u32(b, s->index[i].rel_offset);
	wire_store_u32(b + 4, s->index[i].pos);
	wire_store_u64(b + 8, (uint64_t)s->index[i].max_ts);
	/* the index is a rebuildable hint: a failed write only costs a longer scan */
	if (pwrite_all(s->idx_fd, b, sizeof(b), (uint64_t)i * SEG_INDEX_ENTRY_BYTES) != TRIB_OK)
		log_warn("storage: index write failed: %s", strerror(errno));
}

/* Records the batch at pos in the index when the interval has passed; max_ts so far. */
static trib_err_t maybe_index(seg_t *s, uint64_t pos, int64_t base, int64_t max_ts)
{
	seg_entry_t e = {(uint32_t)(base - s->base_offset), (uint32_t)pos, max_ts};
	trib_err_t err;

	if (s->nindex > 0 && pos - s->last_entry_pos < s->index_interval)
		return TRIB_OK;
	err = index_push(s, e);
	if (!err)
		index_write(s, s->nindex - 1);
	return err;
}

/* Loads the index file, keeping the entries that are ordered and inside the log. */
static trib_err_t load_index(seg_t *s, uint64_t log_size)
{
	struct stat st;
	size_t n;
	uint8_t *raw;
	trib_err_t err = TRIB_OK;

	if (fstat(s->idx_fd, &st) != 0)
		return TRIB_ERR_IO;
	n = (size_t)st.st_size / SEG_INDEX_ENTRY_BYTES;
	if (n == 0)
		return TRIB_OK;
	raw = mem_alloc(MEM_STORAGE, n * SEG_INDEX_ENTRY_BYTES);
	if (!raw)
		return TRIB_ERR_NOMEM;
	if (pread_all(s->idx_fd, raw, n * SEG_INDEX_ENTRY_BYTES, 0) != TRIB_OK)
		n = 0;
	for (size_t i = 0; i < n && !err; i++) {
		const uint8_t *p = raw + i * SEG_INDEX_ENTRY_BYTES;
		seg_entry_t e = {wire_load_u32(p), wire_load_u32(p + 4), (int64_t)wire_load_u64(p + 8)};

		/* the first entry is always the first batch */
		if (e.pos >= log_size || (!s->nindex && (e.pos != 0 || e.rel_offset != 0)) ||
		    (s->nindex && (e.pos <= s->index[s->nindex - 1].pos ||
				   e.rel_offset <= s->index[s->nindex - 1].rel_offset)))
			break;
		/* files from before the running maximum hold each batch's own: make it one */
		if (s->nindex && e.max_ts < s->index[s->nindex - 1].max_ts)
			e.max_ts = s->index[s->nindex - 1].max_ts;
		err = index_push(s, e);
	}
	mem_free(raw);
	return err;
}

/* Drops index entries from the end until one points at a valid batch; returns where to scan. */
static trib_err_t trust_point(seg_t *s, uint64_t log_size, uint8_t **buf, size_t *cap,
			      uint64_t *pos, int64_t *next)
{
	while (s->nindex > 0) {
		seg_entry_t *e = &s->index[s->nindex - 1];
		rb_header_t h;
		trib_err_t err = check_batch(s->fd, e->pos, log_size, &h, buf, cap);

		if (err == TRIB_ERR_NOMEM)
			return err;
		if (!err && h.base_offset == s->base_offset + e->rel_offset) {
			*pos = e->pos;
			*next = h.base_offset;
			s->last_entry_pos = e->pos;
			s->max_ts = e->max_ts;
			return TRIB_OK;
		}
		s->nindex--;
	}
	*pos = 0;
	*next = s->base_offset;
	return TRIB_OK;
}

/* Scans batches from pos; truncates the log at the first bad one. */
static trib_err_t scan_tail(seg_t *s, const char *name, uint64_t log_size, uint64_t pos,
			    int64_t next, uint8_t **buf, size_t *cap)
{
	trib_err_t err = TRIB_OK;
	rb_header_t h;

	while (pos < log_size) {
		err = check_batch(s->fd, pos, log_size, &h, buf, cap);
		if (err == TRIB_ERR_NOMEM)
			return err;
		if (!err && h.base_offset != next)
			err = TRIB_ERR_CORRUPT;
		if (err)
			break;
		if (h.max_timestamp > s->max_ts)
			s->max_ts = h.max_timestamp;
		if (pos != s->last_entry_pos || s->nindex == 0) {
			err = maybe_index(s, pos, h.base_offset, s->max_ts);
			if (err)
				return err;
		}
		next = h.base_offset + h.last_offset_delta + 1;
		pos += rb_size(&h);
	}
	if (pos < log_size) {
		log_warn("storage: %s segment %020" PRId64 ": %s batch at byte %" PRIu64
			 ", truncating %" PRIu64 " bytes (offsets from %" PRId64 ")",
			 name, s->base_offset,
			 err == TRIB_ERR_OUT_OF_RANGE ? "torn" : err == TRIB_ERR_CORRUPT ? "bad" : "unreadable",
			 pos, log_size - pos, next);
		if (ftruncate(s->fd, (off_t)pos) != 0 || fsync(s->fd) != 0)
			return TRIB_ERR_IO;
	}
	s->size = pos;
	s->next_offset = next;
	/* keep the index file equal to the entries we trust */
	if (ftruncate(s->idx_fd, (off_t)(s->nindex * SEG_INDEX_ENTRY_BYTES)) != 0)
		return TRIB_ERR_IO;
	return TRIB_OK;
}

/* ---- append times (.tix) ---- */

static trib_err_t step_push(seg_t *s, uint32_t rel, int64_t ms)
{
	if (s->nsteps && s->steps[s->nsteps - 1].append_ms == ms)
		return TRIB_OK;
	if (s->nsteps == s->steps_cap) {
		size_t ncap = s->steps_cap ? s->steps_cap * 2 : 64;
		seg_step_t *ns = mem_realloc(MEM_STORAGE, s->steps, ncap * sizeof(*ns));

		if (!ns)
			return TRIB_ERR_NOMEM;
		s->steps = ns;
		s->steps_cap = ncap;
	}
	s->steps[s->nsteps++] = (seg_step_t){rel, ms};
	return TRIB_OK;
}

/* Records one batch's append time: in memory, then as .tix entry number tix_entries. */
static trib_err_t tix_add(seg_t *s, uint32_t rel, uint32_t pos, int64_t ms)
{
	uint8_t b[SEG_TIX_ENTRY_BYTES];
	size_t had = s->nsteps;
	trib_err_t err = step_push(s, rel, ms);

	if (err)
		return err;
	wire_store_u32(b, rel);
	wire_store_u32(b + 4, pos);
	wire_store_u64(b + 8, (uint64_t)ms);
	err = pwrite_all(s->tix_fd, b, sizeof(b), s->tix_entries * SEG_TIX_ENTRY_BYTES);
	if (err) {
		s->nsteps = had;
		return err;
	}
	s->tix_entries++;
	s->tix_dirty = true;
	return TRIB_OK;
}

typedef struct tix_entry {
	uint32_t rel_offset;
	uint32_t pos;
	int64_t append_ms;
} tix_entry_t;

/* Reads the .tix entries that are ordered and inside the log; *n gets how many. */
static trib_err_t tix_load(seg_t *s, tix_entry_t **out, size_t *n)
{
	struct stat st;
	size_t max;
	uint8_t *raw;
	tix_entry_t *e;

	*out = NULL;
	*n = 0;
	if (fstat(s->tix_fd, &st) != 0)
		return TRIB_ERR_IO;
	max = (size_t)st.st_size / SEG_TIX_ENTRY_BYTES;
	if (max == 0)
		return TRIB_OK;
	raw = mem_alloc(MEM_STORAGE, max * SEG_TIX_ENTRY_BYTES);
	e = mem_alloc(MEM_STORAGE, max * sizeof(*e));
	if (!raw || !e) {
		mem_free(raw);
		mem_free(e);
		return TRIB_ERR_NOMEM;
	}
	if (pread_all(s->tix_fd, raw, max * SEG_TIX_ENTRY_BYTES, 0) != TRIB_OK)
		max = 0;
	for (size_t i = 0; i < max; i++) {
		const uint8_t *p = raw + i * SEG_TIX_ENTRY_BYTES;
		tix_entry_t t = {wire_load_u32(p), wire_load_u32(p + 4),
				 (int64_t)wire_load_u64(p + 8)};

		if (t.pos >= s->size || (int64_t)t.rel_offset >= s->next_offset - s->base_offset ||
		    (*n && (t.pos <= e[*n - 1].pos || t.rel_offset <= e[*n - 1].rel_offset ||
			    t.append_ms < e[*n - 1].append_ms)))
			break;
		e[(*n)++] = t;
	}
	mem_free(raw);
	*out = e;
	return TRIB_OK;
}

/* Drops entries from the end until one names the batch at its position. */
static size_t tix_trusted(const seg_t *s, const tix_entry_t *e, size_t n)
{
	while (n > 0) {
		rb_header_t h;

		if (read_header(s->fd, e[n - 1].pos, s->size, &h) == TRIB_OK &&
		    h.base_offset == s->base_offset + e[n - 1].rel_offset)
			return n;
		n--;
	}
	return 0;
}

static int64_t file_mtime_ms(int fd)
{
	struct stat st;

	if (fstat(fd, &st) != 0)
		return -1;
	return (int64_t)st.st_mtim.tv_sec * 1000 + st.st_mtim.tv_nsec / 1000000;
}

/* Gives every batch from pos on an entry; *guessed counts CreateTime ones timed by mtime. */
static trib_err_t tix_rebuild(seg_t *s, uint64_t pos, int64_t prev, size_t *guessed)
{
	int64_t mtime = file_mtime_ms(s->fd);
	rb_header_t h;

	for (; pos < s->size; pos += rb_size(&h)) {
		trib_err_t err = read_header(s->fd, pos, s->size, &h);
		int64_t ms;

		if (err) /* the scan checked these batches: a failure here is the disk's */
			return err == TRIB_ERR_OUT_OF_RANGE ? TRIB_ERR_IO : err;
		if (h.attributes & RB_ATTR_LOG_APPEND_TIME) {
			ms = h.max_timestamp;
		} else {
			ms = mtime;
			(*guessed)++;
		}
		if (ms < prev)
			ms = prev;
		err = tix_add(s, (uint32_t)(h.base_offset - s->base_offset), (uint32_t)pos, ms);
		if (err)
			return err;
		prev = ms;
	}
	return TRIB_OK;
}

/* Checks the .tix against the recovered log and rebuilds what it lacks. */
static trib_err_t recover_tix(seg_t *s, const char *name)
{
	tix_entry_t *e;
	size_t n, guessed = 0;
	uint64_t from = 0;
	int64_t prev = -1;
	trib_err_t err = tix_load(s, &e, &n);

	if (err)
		return err;
	n = tix_trusted(s, e, n);
	for (size_t i = 0; i < n && !err; i++)
		err = step_push(s, e[i].rel_offset, e[i].append_ms);
	s->tix_entries = n;
	if (n > 0) {
		rb_header_t h;

		prev = e[n - 1].append_ms;
		err = err ? err : read_header(s->fd, e[n - 1].pos, s->size, &h);
		from = e[n - 1].pos + (err ? 0 : rb_size(&h));
	}
	mem_free(e);
	if (!err && ftruncate(s->tix_fd, (off_t)(n * SEG_TIX_ENTRY_BYTES)) != 0)
		err = TRIB_ERR_IO;
	if (!err)
		err = tix_rebuild(s, from, prev, &guessed);
	if (!err && s->tix_entries > n && fdatasync(s->tix_fd) != 0)
		err = TRIB_ERR_IO;
	if (!err && guessed)
		log_warn("storage: %s segment %020" PRId64 ": %zu CreateTime batch(es) had no "
			 "append time (never acknowledged); using the log file's mtime",
			 name, s->base_offset, guessed);
	s->tix_dirty = false;
	return err;
}

/*
 * Append times of a segment without .tix, where each batch's is its max
 * timestamp: the first batch's, and the largest (the last one's when they
 * are LogAppendTime stamps).
 */
static trib_err_t untimed_times(seg_t *s)
{
	rb_header_t h;
	trib_err_t err;

	if (s->size == 0)
		return TRIB_OK;
	err = read_header(s->fd, 0, s->size, &h);
	if (err)
		return err;
	s->first_append = h.max_timestamp;
	s->last_append = s->max_ts;
	return TRIB_OK;
}

static int open_file(const char *dir, int64_t base, const char *ext, int flags)
{
	char path[4096];

	snprintf(path, sizeof(path), "%s/%020" PRId64 ".%s", dir, base, ext);
	return open(path, O_RDWR | O_CLOEXEC | flags, 0644);
}

static trib_err_t sync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int rc;

	if (fd < 0)
		return TRIB_ERR_IO;
	rc = fsync(fd);
	close(fd);
	return rc == 0 ? TRIB_OK : TRIB_ERR_IO;
}

/* Opens the .tix when there is one (creating it when asked); -1 and TRIB_OK when absent. */
static trib_err_t open_tix(seg_t *s, const char *dir, bool create)
{
	s->tix_fd = open_file(dir, s->base_offset, "tix", create ? O_CREAT : 0);
	if (s->tix_fd < 0)
		return !create && errno == ENOENT ? TRIB_OK : TRIB_ERR_IO;
	s->timed = true;
	return create ? sync_dir(dir) : TRIB_OK;
}

trib_err_t seg_open(const char *dir, const char *name, int64_t base_offset, uint32_t index_interval,
		    bool timed, seg_t **out)
{
	seg_t *s = mem_calloc(MEM_STORAGE, 1, sizeof(*s));
	uint8_t *buf = NULL;
	size_t cap = 0;
	struct stat st;
	uint64_t pos;
	int64_t next;
	trib_err_t err;

	if (!s)
		return TRIB_ERR_NOMEM;
	s->base_offset = base_offset;
	s->max_ts = s->first_append = s->last_append = -1;
	s->index_interval = index_interval ? index_interval : 4096;
	s->fd = open_file(dir, base_offset, "log", O_CREAT);
	s->idx_fd = open_file(dir, base_offset, "idx", O_CREAT);
	s->tix_fd = -1;
	err = (s->fd < 0 || s->idx_fd < 0 || fstat(s->fd, &st) != 0) ? TRIB_ERR_IO : TRIB_OK;
	if (!err)
		err = load_index(s, (uint64_t)st.st_size);
	if (!err)
		err = trust_point(s, (uint64_t)st.st_size, &buf, &cap, &pos, &next);
	if (!err)
		err = scan_tail(s, name, (uint64_t)st.st_size, pos, next, &buf, &cap);
	mem_free(buf);
	if (!err)
		err = open_tix(s, dir, timed && st.st_size == 0);
	if (!err && s->timed)
		err = recover_tix(s, name);
	else if (!err)
		err = untimed_times(s);
	if (!err && s->timed && s->nsteps) {
		s->first_append = s->steps[0].append_ms;
		s->last_append = s->steps[s->nsteps - 1].append_ms;
	}
	if (err) {
		log_error("storage: cannot open %s segment %020" PRId64 " in %s: %s", name, base_offset,
			  dir, trib_strerror(err));
		seg_close(&s);
		return err;
	}
	*out = s;
	return TRIB_OK;
}

static void unlink_file(const char *dir, int64_t base, const char *ext)
{
	char path[4096];

	snprintf(path, sizeof(path), "%s/%020" PRId64 ".%s", dir, base, ext);
	if (unlink(path) != 0 && errno != ENOENT)
		log_warn("storage: cannot remove %s: %s", path, strerror(errno));
}

void seg_unlink_base(const char *dir, int64_t base_offset)
{
	unlink_file(dir, base_offset, "idx");
	unlink_file(dir, base_offset, "tix");
	unlink_file(dir, base_offset, "log");
}

void seg_unlink(const seg_t *s, const char *dir)
{
	seg_unlink_base(dir, s->base_offset);
}

trib_err_t seg_set_timed(seg_t *s, const char *dir, bool timed)
{
	if (s->size != 0)
		return TRIB_ERR_INVALID;
	if (timed == s->timed)
		return TRIB_OK;
	if (timed)
		return open_tix(s, dir, true);
	close(s->tix_fd);
	s->tix_fd = -1;
	s->timed = false;
	s->nsteps = 0;
	s->tix_entries = 0;
	s->tix_dirty = false;
	unlink_file(dir, s->base_offset, "tix");
	return sync_dir(dir);
}

trib_err_t seg_append(seg_t *s, const uint8_t *batch, size_t len, int64_t last_offset,
		      int64_t max_ts, int64_t append_ms)
{
	uint64_t pos = s->size;
	int64_t run_max = max_ts > s->max_ts ? max_ts : s->max_ts;
	trib_err_t err;

	if (pos + len > SEG_MAX_BYTES)
		return TRIB_ERR_TOO_LARGE;
	if (append_ms < s->last_append)
		append_ms = s->last_append;
	err = pwrite_all(s->fd, batch, len, pos);
	if (!err)
		err = maybe_index(s, pos, s->next_offset, run_max);
	if (!err && s->timed)
		err = tix_add(s, (uint32_t)(s->next_offset - s->base_offset), (uint32_t)pos,
			      append_ms);
	if (err) {
		/* nothing half-written may stay: cut the log back to the last whole batch */
		if (ftruncate(s->fd, (off_t)pos) != 0)
			log_error("storage: cannot cut back a failed write: %s", strerror(errno));
		return TRIB_ERR_IO;
	}
	s->size = pos + len;
	s->next_offset = last_offset + 1;
	s->max_ts = run_max;
	if (s->first_append < 0)
		s->first_append = append_ms;
	s->last_append = append_ms;
	return TRIB_OK;
}

trib_err_t seg_sync(const seg_t *s, bool tix)
{
	if (fdatasync(s->fd) != 0)
		return TRIB_ERR_IO;
	if (tix && s->tix_fd >= 0 && fdatasync(s->tix_fd) != 0)
		return TRIB_ERR_IO;
	return TRIB_OK;
}

trib_err_t seg_append_time(const seg_t *s, int64_t offset, int64_t *append_ms)
{
	size_t lo = 0, hi = s->nsteps;
	uint64_t rel;

	if (!s->timed)
		return TRIB_ERR_NOT_FOUND;
	if (offset < s->base_offset || offset >= s->next_offset || s->nsteps == 0)
		return TRIB_ERR_OUT_OF_RANGE;
	rel = (uint64_t)(offset - s->base_offset);
	/* the last step at or below rel: its time covers every batch up to the next step */
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;

		if (s->steps[mid].rel_offset <= rel)
			lo = mid;
		else
			hi = mid;
	}
	*append_ms = s->steps[lo].append_ms;
	return TRIB_OK;
}

int64_t seg_offset_for_append_time(const seg_t *s, int64_t ts_ms)
{
	size_t lo = 0, hi = s->nsteps;

	/* the first step at or after ts_ms: steps start where the time changes */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (s->steps[mid].append_ms < ts_ms)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < s->nsteps ? s->base_offset + s->steps[lo].rel_offset : -1;
}

/* Index of the last entry whose offset is <= offset (entries are sorted). */
static size_t floor_entry(const seg_t *s, int64_t offset)
{
	size_t lo = 0, hi = s->nindex;
	uint64_t rel = (uint64_t)(offset - s->base_offset);

	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;

		if (s->index[mid].rel_offset <= rel)
			lo = mid;
		else
			hi = mid;
	}
	return lo;
}

uint64_t seg_index_pos(const seg_t *s, int64_t offset)
{
	return s->nindex && offset >= s->base_offset ? s->index[floor_entry(s, offset)].pos : 0;
}

trib_err_t seg_find(const seg_t *s, uint64_t from, int64_t offset, uint64_t limit, uint64_t *pos,
		    size_t *batch_len)
{
	uint64_t at = from;
	rb_header_t h;

	if (offset < s->base_offset)
		return TRIB_ERR_OUT_OF_RANGE;
	while (at < limit) {
		trib_err_t err = read_header(s->fd, at, limit, &h);

		if (err)
			return err == TRIB_ERR_OUT_OF_RANGE ? TRIB_ERR_IO : err;
		if (h.base_offset + h.last_offset_delta >= offset) {
			*pos = at;
			*batch_len = rb_size(&h);
			return TRIB_OK;
		}
		at += rb_size(&h);
	}
	return TRIB_ERR_OUT_OF_RANGE;
}

size_t seg_span(const seg_t *s, uint64_t pos, size_t first_len, size_t max_bytes, uint64_t limit)
{
	size_t total = first_len;
	rb_header_t h;

	while (pos + total < limit &&
	       read_header(s->fd, pos + total, limit, &h) == TRIB_OK &&
	       total + rb_size(&h) <= max_bytes)
		total += rb_size(&h);
	return total;
}

uint64_t seg_index_pos_for_time(const seg_t *s, int64_t ts_ms)
{
	size_t lo = 0, hi = s->nindex;

	if (s->nindex == 0 || s->index[0].max_ts >= ts_ms)
		return 0;
	/* the last entry with every batch up to it older than ts: the answer is after it */
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;

		if (s->index[mid].max_ts < ts_ms)
			lo = mid;
		else
			hi = mid;
	}
	return s->index[lo].pos;
}

int64_t seg_offset_for_time(const seg_t *s, uint64_t from, int64_t ts_ms, uint64_t limit)
{
	rb_header_t h;

	for (uint64_t at = from; at < limit; at += rb_size(&h)) {
		if (read_header(s->fd, at, limit, &h) != TRIB_OK)
			return -1;
		if (h.max_timestamp >= ts_ms)
			return h.base_offset;
	}
	return -1;
}

void seg_close(seg_t **sp)
{
	seg_t *s = sp ? *sp : NULL;

	if (!s)
		return;
	if (s->fd >= 0)
		close(s->fd);
	if (s->idx_fd >= 0)
		close(s->idx_fd);
	if (s->tix_fd >= 0)
		close(s->tix_fd);
	mem_free(s->index);
	mem_free(s->steps);
	mem_free(s);
	*sp = NULL;
}
