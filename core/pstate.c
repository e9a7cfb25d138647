/*
 * Producer state: an open-addressing table (linear probing, power-of-two
 * capacity, at most half full, no deletion) of producer id -> entry. An
 * entry keeps its batches in a ring of PSTATE_BATCHES, oldest first from
 * `head`. Entries are never removed: producer ids are not expired yet, so
 * PSTATE_MAX_PRODUCERS bounds the memory of one partition.
 */
#include "pstate.h"

#include <stdbool.h>
#include <string.h>

#include "mem.h"

#define NO_PRODUCER (-1)
#define MIN_CAP 16

typedef struct entry {
	int64_t producer_id; /* NO_PRODUCER: free slot */
	int16_t epoch;
	uint8_t count;       /* batches remembered */
	uint8_t head;        /* index of the oldest */
	pstate_batch_t batches[PSTATE_BATCHES];
} entry_t;

struct pstate {
	entry_t *slots;
	size_t cap; /* power of two */
	size_t used;
};

static trib_err_t alloc_slots(size_t cap, entry_t **out)
{
	entry_t *s = mem_alloc(MEM_CORE, cap * sizeof(*s));

	if (!s)
		return TRIB_ERR_NOMEM;
	for (size_t i = 0; i < cap; i++)
		s[i].producer_id = NO_PRODUCER;
	*out = s;
	return TRIB_OK;
}

trib_err_t pstate_new(pstate_t **out)
{
	pstate_t *ps = mem_calloc(MEM_CORE, 1, sizeof(*ps));

	if (!ps)
		return TRIB_ERR_NOMEM;
	if (alloc_slots(MIN_CAP, &ps->slots)) {
		mem_free(ps);
		return TRIB_ERR_NOMEM;
	}
	ps->cap = MIN_CAP;
	*out = ps;
	return TRIB_OK;
}

void pstate_free(pstate_t **pps)
{
	pstate_t *ps = pps ? *pps : NULL;

	if (!ps)
		return;
	mem_free(ps->slots);
	mem_free(ps);
	*pps = NULL;
}

/* The slot holding @id, or the free slot where it would go. */
static entry_t *slot_of(entry_t *slots, size_t cap, int64_t id)
{
	/* Fibonacci hashing spreads the sequential ids pidm hands out */
	size_t i = (size_t)(((uint64_t)id * 0x9E3779B97F4A7C15ull) >> 32) & (cap - 1);

	while (slots[i].producer_id != NO_PRODUCER && slots[i].producer_id != id)
		i = (i + 1) & (cap - 1);
	return &slots[i];
}

static const entry_t *find(const pstate_t *ps, int64_t id)
{
	const entry_t *e = slot_of(ps->slots, ps->cap, id);

	return e->producer_id == id ? e : NULL;
}

int32_t pstate_last_seq(int32_t first_seq, int32_t last_offset_delta)
{
	/* Kafka's DefaultRecordBatch.incrementSequence: wraps from INT32_MAX to 0 */
	if (first_seq > INT32_MAX - last_offset_delta)
		return last_offset_delta - (INT32_MAX - first_seq) - 1;
	return first_seq + last_offset_delta;
}

static bool in_sequence(int32_t last_seq, int32_t next_seq)
{
	return next_seq == (last_seq == INT32_MAX ? 0 : last_seq + 1);
}

static const pstate_batch_t *batch_at(const entry_t *e, unsigned i)
{
	return &e->batches[(e->head + i) % PSTATE_BATCHES];
}

trib_err_t pstate_check(const pstate_t *ps, const rb_header_t *h, pstate_batch_t *dup)
{
	const entry_t *e;
	int32_t last;

	if (h->producer_epoch < 0 || h->base_sequence < 0 || h->last_offset_delta < 0)
		return TRIB_ERR_INVALID;
	e = find(ps, h->producer_id);
	if (!e)
		return h->base_sequence == 0 ? TRIB_OK : TRIB_ERR_UNKNOWN_PRODUCER;
	if (h->producer_epoch < e->epoch)
		return TRIB_ERR_FENCED;
	if (h->producer_epoch > e->epoch || e->count == 0)
		return h->base_sequence == 0 ? TRIB_OK : TRIB_ERR_SEQUENCE;
	last = pstate_last_seq(h->base_sequence, h->last_offset_delta);
	for (unsigned i = 0; i < e->count; i++) {
		const pstate_batch_t *b = batch_at(e, i);

		if (b->first_seq == h->base_sequence && b->last_seq == last) {
			*dup = *b;
			return TRIB_ERR_EXISTS;
		}
	}
	if (!in_sequence(batch_at(e, e->count - 1u)->last_seq, h->base_sequence))
		return TRIB_ERR_SEQUENCE;
	return TRIB_OK;
}

static trib_err_t grow(pstate_t *ps)
{
	size_t cap = ps->cap * 2;
	entry_t *slots;

	if (alloc_slots(cap, &slots))
		return TRIB_ERR_NOMEM;
	for (size_t i = 0; i < ps->cap; i++) {
		if (ps->slots[i].producer_id != NO_PRODUCER)
			*slot_of(slots, cap, ps->slots[i].producer_id) = ps->slots[i];
	}
	mem_free(ps->slots);
	ps->slots = slots;
	ps->cap = cap;
	return TRIB_OK;
}

trib_err_t pstate_reserve(pstate_t *ps, int64_t producer_id)
{
	entry_t *e;

	if (find(ps, producer_id))
		return TRIB_OK;
	if (ps->used >= PSTATE_MAX_PRODUCERS)
		return TRIB_ERR_TOO_LARGE;
	if ((ps->used + 1) * 2 > ps->cap && grow(ps))
		return TRIB_ERR_NOMEM;
	e = slot_of(ps->slots, ps->cap, producer_id);
	memset(e, 0, sizeof(*e));
	e->producer_id = producer_id;
	e->epoch = -1;
	ps->used++;
	return TRIB_OK;
}

void pstate_record(pstate_t *ps, const rb_header_t *h, int64_t base_offset, int64_t append_time)
{
	entry_t *e = slot_of(ps->slots, ps->cap, h->producer_id);
	pstate_batch_t *b;

	if (e->producer_id != h->producer_id)
		return; /* not reserved: nothing to record into */
	if (h->producer_epoch != e->epoch) {
		e->epoch = h->producer_epoch;
		e->count = 0;
		e->head = 0;
	}
	if (e->count == PSTATE_BATCHES) {
		b = &e->batches[e->head];
		e->head = (uint8_t)((e->head + 1) % PSTATE_BATCHES);
	} else {
		b = &e->batches[(e->head + e->count) % PSTATE_BATCHES];
		e->count++;
	}
	b->first_seq = h->base_sequence;
	b->last_seq = pstate_last_seq(h->base_sequence, h->last_offset_delta);
	b->base_offset = base_offset;
	b->last_offset_delta = h->last_offset_delta;
	b->append_time = append_time;
}

size_t pstate_count(const pstate_t *ps)
{
	return ps->used;
}

size_t pstate_list(const pstate_t *ps, pstate_producer_t *out, size_t cap)
{
	size_t n = 0;

	for (size_t i = 0; i < ps->cap; i++) {
		const entry_t *e = &ps->slots[i];
		const pstate_batch_t *last;

		/* reserved for an append that failed: nothing recorded */
		if (e->producer_id == NO_PRODUCER || e->count == 0)
			continue;
		last = batch_at(e, e->count - 1u);
		if (n < cap)
			out[n] = (pstate_producer_t){e->producer_id, e->epoch, last->last_seq,
						     last->append_time,
						     last->base_offset + last->last_offset_delta};
		n++;
	}
	return n;
}
