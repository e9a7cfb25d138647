/*
 * Committed offsets: an internal one-partition log plus a hash map.
 *
 * Invariants: the map only ever holds what is durable in the log — a
 * commit is applied in its append's completion (flusher thread, under the
 * map mutex), never before, so an OffsetFetch cannot see a commit that a
 * crash would lose. Completions of one partition run in log order, so
 * applying them in completion order gives the same map as the replay at
 * start (last record for a key wins; a tombstone removes what came
 * before it). Keys are (group, topic, partition); each entry owns one
 * allocation holding group, topic and metadata bytes.
 */
#include "koffset.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "hub.h"
#include "log.h"
#include "mem.h"
#include "rb.h"
#include "wire.h"

#define REC_VERSION 1 /* the value's version and the position key's type */
#define KEY_GROUP 2   /* the key type of a whole-group tombstone */
#define REPLAY_CHUNK (1024u * 1024)
#define INITIAL_BUCKETS 64

typedef struct entry {
	struct entry *next;
	uint64_t hash;
	trib_slice_t group;    /* point into bytes[] */
	trib_slice_t topic;
	int32_t partition;
	koffset_val_t val;     /* metadata points into bytes[] */
	uint8_t bytes[];
} entry_t;

struct koffset {
	part_t *part; /* borrowed from the namespace */
	pthread_mutex_t mu;
	entry_t **buckets;
	size_t nbuckets;
	size_t count;
};

/* What one record does to the map. */
typedef enum rec_kind {
	REC_UNREADABLE = 0,
	REC_COMMIT,
	REC_DEL_POS,   /* tombstone of one position */
	REC_DEL_GROUP, /* tombstone of every position of c.group */
} rec_kind_t;

typedef struct rec {
	rec_kind_t kind;
	koffset_commit_t c; /* group only for REC_DEL_GROUP; no value for deletions */
} rec_t;

/* A batch in flight: the decoded records to apply once it is durable. */
typedef struct pending {
	koffset_t *ko;
	part_done_fn done;
	void *arg;
	uint8_t *batch; /* owned: the records; the recs below borrow it */
	size_t n;
	rec_t r[];
} pending_t;

static uint64_t fnv(uint64_t h, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		h ^= p[i];
		h *= 1099511628211ull;
	}
	return h;
}

static uint64_t key_hash(trib_slice_t g, trib_slice_t t, int32_t partition)
{
	uint8_t sep = 0, pb[4];
	uint64_t h = 14695981039346656037ull;

	wire_store_u32(pb, (uint32_t)partition);
	h = fnv(h, g.ptr, g.len);
	h = fnv(h, &sep, 1);
	h = fnv(h, t.ptr, t.len);
	h = fnv(h, &sep, 1);
	return fnv(h, pb, 4);
}

static entry_t **find_slot(koffset_t *ko, uint64_t h, trib_slice_t g, trib_slice_t t,
			   int32_t partition)
{
	entry_t **pp = &ko->buckets[h & (ko->nbuckets - 1)];

	for (; *pp; pp = &(*pp)->next) {
		entry_t *e = *pp;

		if (e->hash == h && e->partition == partition && slice_eq(e->group, g) &&
		    slice_eq(e->topic, t))
			return pp;
	}
	return pp;
}

static void grow(koffset_t *ko)
{
	size_t nb = ko->nbuckets * 2;
	entry_t **b = mem_calloc(MEM_CORE, nb, sizeof(*b));

	if (!b)
		return; /* longer chains, still correct */
	for (size_t i = 0; i < ko->nbuckets; i++) {
		entry_t *e = ko->buckets[i], *next;

		for (; e; e = next) {
			next = e->next;
			e->next = b[e->hash & (nb - 1)];
			b[e->hash & (nb - 1)] = e;
		}
	}
	mem_free(ko->buckets);
	ko->buckets = b;
	ko->nbuckets = nb;
}

/* Replaces or inserts one position; caller holds mu (or is single-threaded at open). */
static trib_err_t apply(koffset_t *ko, const koffset_commit_t *c, int64_t ts)
{
	uint64_t h = key_hash(c->group, c->topic, c->partition);
	entry_t **pp = find_slot(ko, h, c->group, c->topic, c->partition);
	size_t mlen = c->metadata.ptr ? c->metadata.len : 0;
	entry_t *e = mem_alloc(MEM_CORE, sizeof(*e) + c->group.len + c->topic.len + mlen + 1);
	uint8_t *p;

	if (!e)
		return TRIB_ERR_NOMEM;
	p = e->bytes;
	memcpy(p, c->group.ptr, c->group.len);
	e->group = (trib_slice_t){p, c->group.len};
	p += c->group.len;
	memcpy(p, c->topic.ptr, c->topic.len);
	e->topic = (trib_slice_t){p, c->topic.len};
	p += c->topic.len;
	if (mlen)
		memcpy(p, c->metadata.ptr, mlen);
	e->val = (koffset_val_t){c->offset, c->leader_epoch,
				 {c->metadata.ptr ? p : NULL, mlen}, ts};
	e->partition = c->partition;
	e->hash = h;
	if (*pp) {
		e->next = (*pp)->next;
		mem_free(*pp);
		*pp = e;
		return TRIB_OK;
	}
	e->next = NULL;
	*pp = e;
	if (++ko->count > ko->nbuckets)
		grow(ko);
	return TRIB_OK;
}

static void unlink_entry(koffset_t *ko, entry_t **pp)
{
	entry_t *e = *pp;

	*pp = e->next;
	mem_free(e);
	ko->count--;
}

static void delete_group(koffset_t *ko, trib_slice_t group)
{
	for (size_t i = 0; i < ko->nbuckets; i++) {
		for (entry_t **pp = &ko->buckets[i]; *pp;) {
			if (slice_eq((*pp)->group, group))
				unlink_entry(ko, pp);
			else
				pp = &(*pp)->next;
		}
	}
}

/* Applies one decoded record; caller holds mu (or is single-threaded at open). */
static trib_err_t apply_rec(koffset_t *ko, const rec_t *r, int64_t ts)
{
	const koffset_commit_t *c = &r->c;
	entry_t **pp;

	switch (r->kind) {
	case REC_COMMIT:
		return apply(ko, c, ts);
	case REC_DEL_POS:
		pp = find_slot(ko, key_hash(c->group, c->topic, c->partition), c->group, c->topic,
			       c->partition);
		if (*pp)
			unlink_entry(ko, pp);
		return TRIB_OK;
	case REC_DEL_GROUP:
		delete_group(ko, c->group);
		return TRIB_OK;
	default:
		return TRIB_ERR_CORRUPT;
	}
}

/* ---- record format ---- */

static void write_key(wire_wr_t *wr, const rec_t *r)
{
	wire_wr_i16(wr, r->kind == REC_DEL_GROUP ? KEY_GROUP : REC_VERSION);
	wire_wr_str16(wr, r->c.group);
	if (r->kind == REC_DEL_GROUP)
		return;
	wire_wr_str16(wr, r->c.topic);
	wire_wr_i32(wr, r->c.partition);
}

static void write_value(wire_wr_t *wr, const koffset_commit_t *c, int64_t ts)
{
	wire_wr_i16(wr, REC_VERSION);
	wire_wr_i64(wr, c->offset);
	wire_wr_i32(wr, c->leader_epoch);
	wire_wr_str16(wr, c->metadata);
	wire_wr_i64(wr, ts);
}

/* Decodes a record into @out and *ts; REC_UNREADABLE when it is not ours to read. */
static rec_kind_t read_record(const rb_record_t *r, rec_t *out, int64_t *ts)
{
	koffset_commit_t *c = &out->c;
	wire_rd_t k, v;
	int16_t type;

	*out = (rec_t){REC_UNREADABLE, {{NULL, 0}, {NULL, 0}, 0, -1, -1, {NULL, 0}}};
	if (!r->key.ptr)
		return REC_UNREADABLE;
	wire_rd_init(&k, r->key.ptr, r->key.len);
	type = wire_rd_i16(&k);
	c->group = wire_rd_str16(&k);
	if (type == KEY_GROUP) {
		if (!wire_rd_ok(&k) || wire_rd_left(&k) != 0 || !c->group.ptr || r->value.ptr)
			return REC_UNREADABLE;
		return out->kind = REC_DEL_GROUP;
	}
	c->topic = wire_rd_str16(&k);
	c->partition = wire_rd_i32(&k);
	if (type != REC_VERSION || !wire_rd_ok(&k) || wire_rd_left(&k) != 0 || !c->group.ptr ||
	    !c->topic.ptr)
		return REC_UNREADABLE;
	if (!r->value.ptr)
		return out->kind = REC_DEL_POS;
	wire_rd_init(&v, r->value.ptr, r->value.len);
	if (wire_rd_i16(&v) != REC_VERSION)
		return REC_UNREADABLE;
	c->offset = wire_rd_i64(&v);
	c->leader_epoch = wire_rd_i32(&v);
	c->metadata = wire_rd_str16(&v);
	*ts = wire_rd_i64(&v);
	return wire_rd_ok(&v) ? (out->kind = REC_COMMIT) : REC_UNREADABLE;
}

static trib_err_t check_commit(const koffset_commit_t *c)
{
	if (!c->group.ptr || c->group.len > KOFFSET_GROUP_MAX || !c->topic.ptr ||
	    c->topic.len > HUB_NAME_MAX || c->partition < 0)
		return TRIB_ERR_INVALID;
	if (c->metadata.ptr && c->metadata.len > KOFFSET_METADATA_MAX)
		return TRIB_ERR_TOO_LARGE;
	return TRIB_OK;
}

static trib_err_t build_batch(const rec_t *rs, size_t n, int64_t ts, uint8_t **out,
			      size_t *len)
{
	uint8_t kb[2 + 2 + KOFFSET_GROUP_MAX + 2 + HUB_NAME_MAX + 4];
	uint8_t vb[2 + 8 + 4 + 2 + KOFFSET_METADATA_MAX + 8];
	rb_builder_t b;
	trib_err_t err = TRIB_OK;

	rb_builder_init(&b, ts);
	for (size_t i = 0; i < n && !err; i++) {
		wire_wr_t kw, vw;

		wire_wr_init(&kw, kb, sizeof(kb));
		wire_wr_init(&vw, vb, sizeof(vb));
		write_key(&kw, &rs[i]);
		if (rs[i].kind == REC_COMMIT)
			write_value(&vw, &rs[i].c, ts);
		err = rb_builder_add(&b, ts, (trib_slice_t){kb, kw.pos},
				     rs[i].kind == REC_COMMIT ? (trib_slice_t){vb, vw.pos}
							      : (trib_slice_t){NULL, 0},
				     NULL, 0);
	}
	if (!err)
		err = rb_builder_finish(&b, out, len);
	rb_builder_free(&b);
	return err;
}

/* ---- commit ---- */

static void on_durable(void *arg, trib_err_t err)
{
	pending_t *pd = arg;
	koffset_t *ko = pd->ko;
	int64_t now = clock_wall_ms();

	if (!err) {
		pthread_mutex_lock(&ko->mu);
		for (size_t i = 0; i < pd->n && !err; i++)
			err = apply_rec(ko, &pd->r[i], now);
		pthread_mutex_unlock(&ko->mu);
		if (err)
			log_error("koffset: durable commit not applied in memory: %s",
				  trib_strerror(err));
	}
	pd->done(pd->arg, err);
	mem_free(pd->batch);
	mem_free(pd);
}

/* Appends @n checked records (@rs, borrowed) as one batch; see koffset_commit. */
static trib_err_t append_recs(koffset_t *ko, const rec_t *rs, size_t n, part_done_fn done,
			      void *arg)
{
	int64_t ts = clock_wall_ms(), base;
	pending_t *pd = mem_alloc(MEM_CORE, sizeof(*pd) + n * sizeof(pd->r[0]));
	size_t len;
	trib_err_t err;

	if (!pd)
		return TRIB_ERR_NOMEM;
	*pd = (pending_t){ko, done, arg, NULL, n};
	err = build_batch(rs, n, ts, &pd->batch, &len);
	if (!err) {
		/* the records kept for the completion borrow the batch's bytes */
		rb_iter_t it;
		rb_record_t r;
		size_t i = 0;
		int64_t rts;

		err = rb_iter_init(&it, pd->batch, len);
		while (!err && i < n && rb_iter_next(&it, &r) == 1) {
			if (read_record(&r, &pd->r[i], &rts) == rs[i].kind)
				i++;
			else
				err = TRIB_ERR_CORRUPT;
		}
		if (!err && i != n)
			err = TRIB_ERR_CORRUPT;
	}
	if (!err)
		err = part_append(ko->part, pd->batch, len, on_durable, pd, &base);
	if (err) {
		mem_free(pd->batch);
		mem_free(pd);
	}
	return err;
}

trib_err_t koffset_commit(koffset_t *ko, const koffset_commit_t *c, size_t n, part_done_fn done,
			  void *arg)
{
	rec_t *rs;
	trib_err_t err;

	if (n == 0 || n > KOFFSET_COMMIT_MAX)
		return TRIB_ERR_INVALID;
	for (size_t i = 0; i < n; i++) {
		if ((err = check_commit(&c[i])))
			return err;
	}
	rs = mem_alloc(MEM_CORE, n * sizeof(*rs));
	if (!rs)
		return TRIB_ERR_NOMEM;
	for (size_t i = 0; i < n; i++)
		rs[i] = (rec_t){REC_COMMIT, c[i]};
	err = append_recs(ko, rs, n, done, arg);
	mem_free(rs);
	return err;
}

trib_err_t koffset_delete(koffset_t *ko, const koffset_del_t *d, size_t n, part_done_fn done,
			  void *arg)
{
	rec_t *rs;
	trib_err_t err;

	if (n == 0 || n > KOFFSET_COMMIT_MAX)
		return TRIB_ERR_INVALID;
	for (size_t i = 0; i < n; i++) {
		if (!d[i].group.ptr || d[i].group.len > KOFFSET_GROUP_MAX ||
		    (d[i].topic.ptr && (d[i].topic.len > HUB_NAME_MAX || d[i].partition < 0)))
			return TRIB_ERR_INVALID;
	}
	rs = mem_alloc(MEM_CORE, n * sizeof(*rs));
	if (!rs)
		return TRIB_ERR_NOMEM;
	for (size_t i = 0; i < n; i++) {
		rs[i] = (rec_t){d[i].topic.ptr ? REC_DEL_POS : REC_DEL_GROUP,
				{d[i].group, d[i].topic, d[i].topic.ptr ? d[i].partition : 0, -1,
				 -1, {NULL, 0}}};
	}
	err = append_recs(ko, rs, n, done, arg);
	mem_free(rs);
	return err;
}

/* ---- reads ---- */

bool koffset_get(koffset_t *ko, trib_slice_t group, trib_slice_t topic, int32_t partition,
		 koffset_val_t *val, uint8_t *meta_buf)
{
	uint64_t h = key_hash(group, topic, partition);
	entry_t *e;

	pthread_mutex_lock(&ko->mu);
	e = *find_slot(ko, h, group, topic, partition);
	if (e) {
		*val = e->val;
		if (e->val.metadata.ptr) {
			memcpy(meta_buf, e->val.metadata.ptr, e->val.metadata.len);
			val->metadata.ptr = meta_buf;
		}
	}
	pthread_mutex_unlock(&ko->mu);
	return e != NULL;
}

bool koffset_list(koffset_t *ko, trib_slice_t group,
		  bool (*fn)(void *arg, trib_slice_t topic, int32_t partition,
			     const koffset_val_t *val),
		  void *arg)
{
	bool go = true;

	pthread_mutex_lock(&ko->mu);
	for (size_t i = 0; go && i < ko->nbuckets; i++) {
		for (entry_t *e = ko->buckets[i]; go && e; e = e->next) {
			if (slice_eq(e->group, group))
				go = fn(arg, e->topic, e->partition, &e->val);
		}
	}
	pthread_mutex_unlock(&ko->mu);
	return go;
}

bool koffset_has_group(koffset_t *ko, trib_slice_t group)
{
	bool found = false;

	pthread_mutex_lock(&ko->mu);
	for (size_t i = 0; !found && i < ko->nbuckets; i++) {
		for (entry_t *e = ko->buckets[i]; !found && e; e = e->next)
			found = slice_eq(e->group, group);
	}
	pthread_mutex_unlock(&ko->mu);
	return found;
}

static int cmp_slice(const void *a, const void *b)
{
	const trib_slice_t *x = a, *y = b;
	size_t n = x->len < y->len ? x->len : y->len;
	int c = n ? memcmp(x->ptr, y->ptr, n) : 0;

	return c ? c : (x->len > y->len) - (x->len < y->len);
}

bool koffset_groups(koffset_t *ko, bool (*fn)(void *arg, trib_slice_t group), void *arg,
		    trib_err_t *err)
{
	trib_slice_t *gs;
	size_t n = 0;
	bool go = true;

	*err = TRIB_OK;
	pthread_mutex_lock(&ko->mu);
	gs = mem_alloc(MEM_CORE, (ko->count ? ko->count : 1) * sizeof(*gs));
	if (!gs) {
		pthread_mutex_unlock(&ko->mu);
		*err = TRIB_ERR_NOMEM;
		return false;
	}
	for (size_t i = 0; i < ko->nbuckets; i++) {
		for (entry_t *e = ko->buckets[i]; e; e = e->next)
			gs[n++] = e->group;
	}
	qsort(gs, n, sizeof(*gs), cmp_slice);
	for (size_t i = 0; go && i < n; i++) {
		if (i == 0 || !slice_eq(gs[i], gs[i - 1]))
			go = fn(arg, gs[i]);
	}
	pthread_mutex_unlock(&ko->mu);
	mem_free(gs);
	return go;
}

size_t koffset_count(koffset_t *ko)
{
	size_t n;

	pthread_mutex_lock(&ko->mu);
	n = ko->count;
	pthread_mutex_unlock(&ko->mu);
	return n;
}

/* ---- open and replay ---- */

/* Applies every record of the whole batches in @buf; returns the offset after the last. */
static trib_err_t replay_chunk(koffset_t *ko, const uint8_t *buf, size_t len, int64_t *next)
{
	size_t pos = 0;

	while (pos < len) {
		rb_iter_t it;
		rb_record_t r;
		trib_err_t err = rb_iter_init(&it, buf + pos, len - pos);
		int rc;

		if (err)
			return err;
		while ((rc = rb_iter_next(&it, &r)) == 1) {
			rec_t rec;
			int64_t ts = 0;

			if (!read_record(&r, &rec, &ts)) {
				log_warn("koffset: skipping unreadable record at offset %lld",
					 (long long)r.offset);
				continue;
			}
			if ((err = apply_rec(ko, &rec, ts)))
				return err;
		}
		if (rc < 0)
			return TRIB_ERR_CORRUPT;
		*next = it.h.base_offset + it.h.last_offset_delta + 1;
		pos += rb_size(&it.h);
	}
	return TRIB_OK;
}

static trib_err_t replay(koffset_t *ko)
{
	int64_t off = part_log_start(ko->part), hw = part_high_watermark(ko->part);
	trib_err_t err = TRIB_OK;

	while (!err && off < hw) {
		store_range_t range;
		uint8_t *buf;
		int64_t next = off;

		err = part_read(ko->part, off, REPLAY_CHUNK, &range);
		if (err || range.len == 0)
			break;
		buf = mem_alloc(MEM_CORE, range.len);
		if (!buf)
			return TRIB_ERR_NOMEM;
		err = part_read_copy(ko->part, &range, buf);
		if (!err)
			err = replay_chunk(ko, buf, range.len, &next);
		mem_free(buf);
		if (!err && next <= off)
			err = TRIB_ERR_CORRUPT;
		off = next;
	}
	return err;
}

trib_err_t koffset_open(ns_t *ns, koffset_t **out)
{
	hub_t *hub;
	koffset_t *ko;
	trib_err_t err = ns_internal_hub(ns, KOFFSET_HUB, 1, &hub);

	if (err)
		return err;
	ko = mem_calloc(MEM_CORE, 1, sizeof(*ko));
	if (!ko)
		return TRIB_ERR_NOMEM;
	ko->part = hub_partition(hub, 0);
	ko->nbuckets = INITIAL_BUCKETS;
	ko->buckets = mem_calloc(MEM_CORE, ko->nbuckets, sizeof(*ko->buckets));
	pthread_mutex_init(&ko->mu, NULL);
	if (!ko->buckets)
		err = TRIB_ERR_NOMEM;
	if (!err)
		err = replay(ko);
	if (err) {
		koffset_close(&ko);
		return err;
	}
	log_info("koffset: %zu committed offsets replayed from %s", ko->count, KOFFSET_HUB);
	*out = ko;
	return TRIB_OK;
}

void koffset_close(koffset_t **kop)
{
	koffset_t *ko;

	if (!kop || !*kop)
		return;
	ko = *kop;
	*kop = NULL;
	for (size_t i = 0; ko->buckets && i < ko->nbuckets; i++) {
		entry_t *e = ko->buckets[i], *next;

		for (; e; e = next) {
			next = e->next;
			mem_free(e);
		}
	}
	mem_free(ko->buckets);
	pthread_mutex_destroy(&ko->mu);
	mem_free(ko);
}
