/*
 * The reader registry.
 *
 * One mutex for the whole registry: attaches and detaches are rare next
 * to deliveries, and the rules need a consistent view of one (partition,
 * consumer group) slot anyway. Slots live in a fixed hash table keyed by
 * the partition pointer and the lower-cased group name; a slot exists
 * while it has readers. Invariants: a registered reader has rd->slot set
 * and sits on that slot's list; n_non_epoch counts the list's readers
 * without an epoch. An admitted epoch reader displaces everything, so a
 * slot holds either readers without epoch only, or exactly one epoch
 * reader (epoch_holder still takes the highest, to stay right if that
 * ever changes). A displaced reader is
 * unlinked (rd->slot NULL) before its stolen() runs, under the lock, so
 * rdr_remove after a steal is a no-op and nothing fires after it.
 */
#include "rdr.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "mem.h"

#define BUCKETS 256

typedef struct rdr_slot {
	struct rdr_slot *next;
	const part_t *part;
	size_t cg_len;
	size_t n_non_epoch;
	rdr_reader_t *head;
	char cg[]; /* lower-cased, cg_len bytes */
} rdr_slot_t;

struct rdr {
	pthread_mutex_t mu;
	rdr_slot_t *buckets[BUCKETS];
};

rdr_t *rdr_new(void)
{
	rdr_t *r = mem_calloc(MEM_CORE, 1, sizeof(*r));

	if (r)
		pthread_mutex_init(&r->mu, NULL);
	return r;
}

void rdr_free(rdr_t **rp)
{
	rdr_t *r = rp ? *rp : NULL;

	if (!r)
		return;
	for (size_t i = 0; i < BUCKETS; i++) {
		for (rdr_slot_t *s = r->buckets[i], *next; s; s = next) {
			next = s->next;
			mem_free(s);
		}
	}
	pthread_mutex_destroy(&r->mu);
	mem_free(r);
	*rp = NULL;
}

static uint8_t lower(uint8_t c)
{
	return c >= 'A' && c <= 'Z' ? (uint8_t)(c + 32) : c;
}

static size_t bucket_of(const part_t *part, trib_slice_t cg)
{
	uint64_t h = (uint64_t)(uintptr_t)part * 0x9e3779b97f4a7c15ull;

	for (size_t i = 0; i < cg.len; i++)
		h = (h ^ lower(cg.ptr[i])) * 0x100000001b3ull;
	return (size_t)(h >> 32) % BUCKETS;
}

static bool slot_is(const rdr_slot_t *s, const part_t *part, trib_slice_t cg)
{
	if (s->part != part || s->cg_len != cg.len)
		return false;
	for (size_t i = 0; i < cg.len; i++) {
		if ((uint8_t)s->cg[i] != lower(cg.ptr[i]))
			return false;
	}
	return true;
}

static rdr_slot_t *slot_find(rdr_t *r, const part_t *part, trib_slice_t cg)
{
	rdr_slot_t *s = r->buckets[bucket_of(part, cg)];

	while (s && !slot_is(s, part, cg))
		s = s->next;
	return s;
}

static rdr_slot_t *slot_make(rdr_t *r, const part_t *part, trib_slice_t cg)
{
	size_t b = bucket_of(part, cg);
	rdr_slot_t *s = mem_calloc(MEM_CORE, 1, sizeof(*s) + cg.len);

	if (!s)
		return NULL;
	s->part = part;
	s->cg_len = cg.len;
	for (size_t i = 0; i < cg.len; i++)
		s->cg[i] = (char)lower(cg.ptr[i]);
	s->next = r->buckets[b];
	r->buckets[b] = s;
	return s;
}

static void slot_drop_if_empty(rdr_t *r, rdr_slot_t *s)
{
	rdr_slot_t **pp = &r->buckets[bucket_of(s->part, (trib_slice_t){(const uint8_t *)s->cg,
									s->cg_len})];

	if (s->head)
		return;
	while (*pp && *pp != s)
		pp = &(*pp)->next;
	if (*pp)
		*pp = s->next;
	mem_free(s);
}

static void link_reader(rdr_slot_t *s, rdr_reader_t *rd)
{
	rd->slot = s;
	rd->prev = NULL;
	rd->next = s->head;
	if (s->head)
		s->head->prev = rd;
	s->head = rd;
	if (!rd->has_epoch)
		s->n_non_epoch++;
}

static void unlink_reader(rdr_reader_t *rd)
{
	rdr_slot_t *s = rd->slot;

	if (rd->prev)
		rd->prev->next = rd->next;
	else
		s->head = rd->next;
	if (rd->next)
		rd->next->prev = rd->prev;
	if (!rd->has_epoch)
		s->n_non_epoch--;
	rd->slot = NULL;
	rd->prev = rd->next = NULL;
}

static const char *name_or(const rdr_reader_t *rd, const char *none)
{
	return rd->name ? rd->name : none;
}

/* The reader with the highest epoch on @p s, or NULL when none has one. */
static const rdr_reader_t *epoch_holder(const rdr_slot_t *s)
{
	const rdr_reader_t *best = NULL;

	for (const rdr_reader_t *rd = s->head; rd; rd = rd->next) {
		if (rd->has_epoch && (!best || rd->epoch > best->epoch))
			best = rd;
	}
	return best;
}

/* "Exceeded ... List of connected receivers - a, nil, c." (reference §1.8) */
static void why_limit(const rdr_slot_t *s, char *why, size_t why_len)
{
	int n = snprintf(why, why_len,
			 "Exceeded the maximum number of allowed receivers per partition in a "
			 "consumer group which is %d. List of connected receivers - ",
			 RDR_MAX_NON_EPOCH);
	size_t pos = n < 0 ? 0 : (size_t)n;

	for (const rdr_reader_t *rd = s->head; rd && pos < why_len; rd = rd->next) {
		n = snprintf(why + pos, why_len - pos, "%s%s", name_or(rd, "nil"),
			     rd->next ? ", " : ".");
		pos += n < 0 ? 0 : (size_t)n;
	}
}

static void why_lower(const rdr_reader_t *holder, const rdr_reader_t *rd, char *why,
		      size_t why_len)
{
	snprintf(why, why_len,
		 "Receiver '%s' with a higher epoch '%" PRId64 "' already exists. Receiver '%s' "
		 "with epoch %" PRId64 " cannot be created. Make sure you are creating receiver "
		 "with increasing epoch value to ensure connectivity, or ensure all old epoch "
		 "receivers are closed or disconnected.",
		 name_or(holder, ""), holder->epoch, name_or(rd, ""), rd->epoch);
}

static void why_held(const rdr_reader_t *holder, char *why, size_t why_len)
{
	snprintf(why, why_len,
		 "At least one receiver for the endpoint is created with epoch of '%" PRId64
		 "', and so non-epoch receiver is not allowed. Either reconnect with a higher "
		 "epoch, or make sure all epoch receivers are closed or disconnected.",
		 holder->epoch);
}

static void why_stolen(const rdr_reader_t *thief, rdr_reader_t *victim)
{
	char epoch[32] = "";

	if (victim->has_epoch)
		snprintf(epoch, sizeof(epoch), "%" PRId64, victim->epoch);
	snprintf(victim->why, sizeof(victim->why),
		 "New receiver '%s' with higher epoch of '%" PRId64 "' is created hence current "
		 "receiver '%s' with epoch '%s' is getting disconnected. If you are recreating "
		 "the receiver, make sure a higher epoch is used.",
		 name_or(thief, ""), thief->epoch, name_or(victim, ""), epoch);
}

/* Under the lock: the verdict for @p rd on @p s, displacing readers when it is admitted. */
static rdr_verdict_t decide(rdr_slot_t *s, rdr_reader_t *rd, char *why, size_t why_len)
{
	const rdr_reader_t *holder = epoch_holder(s);
	rdr_reader_t *victim;

	if (!rd->has_epoch) {
		if (holder) {
			why_held(holder, why, why_len);
			return RDR_REFUSED_EPOCH_HELD;
		}
		if (s->n_non_epoch >= RDR_MAX_NON_EPOCH) {
			why_limit(s, why, why_len);
			return RDR_REFUSED_LIMIT;
		}
		return RDR_ADMITTED;
	}
	if (holder && holder->epoch > rd->epoch) {
		why_lower(holder, rd, why, why_len);
		return RDR_REFUSED_LOWER_EPOCH;
	}
	while ((victim = s->head)) {
		why_stolen(rd, victim);
		unlink_reader(victim);
		victim->stolen(victim->arg);
	}
	return RDR_ADMITTED;
}

trib_err_t rdr_add(rdr_t *r, const part_t *part, trib_slice_t cg, rdr_reader_t *rd,
		   rdr_verdict_t *verdict, char *why, size_t why_len)
{
	rdr_slot_t *s;
	trib_err_t err = TRIB_OK;

	*verdict = RDR_ADMITTED;
	if (why_len)
		why[0] = '\0';
	rd->slot = NULL;
	rd->prev = rd->next = NULL;
	if (cg.len == 0 || cg.len > RDR_CG_MAX)
		return TRIB_ERR_INVALID;
	pthread_mutex_lock(&r->mu);
	s = slot_find(r, part, cg);
	if (!s)
		s = slot_make(r, part, cg);
	if (!s) {
		err = TRIB_ERR_NOMEM;
	} else {
		*verdict = decide(s, rd, why, why_len);
		if (*verdict == RDR_ADMITTED)
			link_reader(s, rd);
		else
			slot_drop_if_empty(r, s);
	}
	pthread_mutex_unlock(&r->mu);
	return err;
}

void rdr_remove(rdr_t *r, rdr_reader_t *rd)
{
	rdr_slot_t *s;

	if (!r || !rd)
		return;
	pthread_mutex_lock(&r->mu);
	s = rd->slot;
	if (s) {
		unlink_reader(rd);
		slot_drop_if_empty(r, s);
	}
	pthread_mutex_unlock(&r->mu);
}

size_t rdr_count(rdr_t *r, const part_t *part, trib_slice_t cg, size_t *non_epoch)
{
	size_t n = 0, ne = 0;
	const rdr_slot_t *s;

	pthread_mutex_lock(&r->mu);
	s = slot_find(r, part, cg);
	if (s) {
		for (const rdr_reader_t *rd = s->head; rd; rd = rd->next)
			n++;
		ne = s->n_non_epoch;
	}
	pthread_mutex_unlock(&r->mu);
	if (non_epoch)
		*non_epoch = ne;
	return n;
}
