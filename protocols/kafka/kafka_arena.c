/*
 * Bump allocator over a list of chunks. Invariant: head->used <= head->cap
 * and every pointer handed out lies inside one chunk; large requests get a
 * chunk of their own so the doubling policy never wastes more than half.
 */
#include "kafka_arena.h"

#include <stdint.h>
#include <string.h>

#include "mem.h"

struct kafka_arena_chunk {
	kafka_arena_chunk_t *next;
	size_t cap;
	size_t used;
	size_t pad_; /* keeps data 16-aligned after the 16-byte mem header */
	_Alignas(16) unsigned char data[];
};

#define ALIGN 16

void kafka_arena_init(kafka_arena_t *a)
{
	a->head = NULL;
	a->used = 0;
}

static kafka_arena_chunk_t *new_chunk(kafka_arena_t *a, size_t need)
{
	size_t cap = a->head ? a->head->cap * 2 : KAFKA_ARENA_CHUNK_MIN;
	kafka_arena_chunk_t *c;

	if (cap > KAFKA_ARENA_CHUNK_MAX)
		cap = KAFKA_ARENA_CHUNK_MAX;
	if (cap < need)
		cap = need;
	if (cap > SIZE_MAX - sizeof(*c))
		return NULL;
	c = mem_alloc(MEM_KAFKA, sizeof(*c) + cap);
	if (!c)
		return NULL;
	c->cap = cap;
	c->used = 0;
	c->next = a->head;
	a->head = c;
	return c;
}

void *kafka_arena_alloc(kafka_arena_t *a, size_t n)
{
	kafka_arena_chunk_t *c = a->head;
	size_t size;
	void *p;

	if (n > SIZE_MAX - ALIGN)
		return NULL;
	size = (n + ALIGN - 1) & ~(size_t)(ALIGN - 1);
	if (size == 0)
		size = ALIGN;
	if (!c || c->cap - c->used < size) {
		c = new_chunk(a, size);
		if (!c)
			return NULL;
	}
	p = c->data + c->used;
	c->used += size;
	a->used += size;
	memset(p, 0, n);
	return p;
}

void *kafka_arena_calloc(kafka_arena_t *a, size_t count, size_t size)
{
	if (size && count > SIZE_MAX / size)
		return NULL;
	return kafka_arena_alloc(a, count * size);
}

void kafka_arena_free(kafka_arena_t *a)
{
	kafka_arena_chunk_t *c, *next;

	if (!a)
		return;
	for (c = a->head; c; c = next) {
		next = c->next;
		mem_free(c);
	}
	a->head = NULL;
	a->used = 0;
}

trib_slice_t kafka_arena_str(kafka_arena_t *a, const char *s)
{
	size_t n = strlen(s);
	char *m = kafka_arena_alloc(a, n);

	if (!m)
		return TRIB_SLICE_NULL;
	memcpy(m, s, n);
	return (trib_slice_t){(const uint8_t *)m, n};
}
