/*
 * Segment files. Invariants: the log holds only whole batches with
 * contiguous offsets from base_offset to next_offset - 1; size is the end of
 * the last whole batch; the in-memory index is sorted by offset and position
 * and every entry points at the first byte of a batch. Recovery trusts the
 * log, never the index: it walks back from the last index entry until one
 * points at a batch that passes its CRC, then scans forward.
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

/* Records the batch at pos in the index when the interval has passed. */
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

		if (e.pos >= log_size ||
		    (s->nindex && (e.pos <= s->index[s->nindex - 1].pos ||
				   e.rel_offset <= s->index[s->nindex - 1].rel_offset)))
			break;
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

	s->last_ts = -1;
	while (pos < log_size) {
		err = check_batch(s->fd, pos, log_size, &h, buf, cap);
		if (err == TRIB_ERR_NOMEM)
			return err;
		if (!err && h.base_offset != next)
			err = TRIB_ERR_CORRUPT;
		if (err)
			break;
		if (pos != s->last_entry_pos || s->nindex == 0) {
			err = maybe_index(s, pos, h.base_offset, h.max_timestamp);
			if (err)
				return err;
		}
		next = h.base_offset + h.last_offset_delta + 1;
		s->last_ts = h.max_timestamp;
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
	if (s->last_ts < 0 && s->nindex > 0)
		s->last_ts = s->index[s->nindex - 1].max_ts;
	/* keep the index file equal to the entries we trust */
	if (ftruncate(s->idx_fd, (off_t)(s->nindex * SEG_INDEX_ENTRY_BYTES)) != 0)
		return TRIB_ERR_IO;
	return TRIB_OK;
}

static int open_file(const char *dir, int64_t base, const char *ext)
{
	char path[4096];

	snprintf(path, sizeof(path), "%s/%020" PRId64 ".%s", dir, base, ext);
	return open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
}

trib_err_t seg_open(const char *dir, const char *name, int64_t base_offset, uint32_t index_interval,
		    seg_t **out)
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
	s->index_interval = index_interval ? index_interval : 4096;
	s->fd = open_file(dir, base_offset, "log");
	s->idx_fd = open_file(dir, base_offset, "idx");
	err = (s->fd < 0 || s->idx_fd < 0 || fstat(s->fd, &st) != 0) ? TRIB_ERR_IO : TRIB_OK;
	if (!err)
		err = load_index(s, (uint64_t)st.st_size);
	if (!err)
		err = trust_point(s, (uint64_t)st.st_size, &buf, &cap, &pos, &next);
	if (!err)
		err = scan_tail(s, name, (uint64_t)st.st_size, pos, next, &buf, &cap);
	mem_free(buf);
	if (err) {
		log_error("storage: cannot open %s segment %020" PRId64 " in %s: %s", name, base_offset,
			  dir, trib_strerror(err));
		seg_close(&s);
		return err;
	}
	*out = s;
	return TRIB_OK;
}

trib_err_t seg_append(seg_t *s, const uint8_t *batch, size_t len, int64_t last_offset,
		      int64_t max_ts)
{
	uint64_t pos = s->size;
	trib_err_t err;

	if (pos + len > SEG_MAX_BYTES)
		return TRIB_ERR_TOO_LARGE;
	err = pwrite_all(s->fd, batch, len, pos);
	if (!err)
		err = maybe_index(s, pos, s->next_offset, max_ts);
	if (err) {
		/* nothing half-written may stay: cut the log back to the last whole batch */
		if (ftruncate(s->fd, (off_t)pos) != 0)
			log_error("storage: cannot cut back a failed write: %s", strerror(errno));
		return TRIB_ERR_IO;
	}
	s->size = pos + len;
	s->next_offset = last_offset + 1;
	s->last_ts = max_ts;
	return TRIB_OK;
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

	if (s->nindex == 0)
		return 0;
	/* last entry whose batch is older than ts: the answer is at or after it */
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
	mem_free(s->index);
	mem_free(s);
	*sp = NULL;
}
