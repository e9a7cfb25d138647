/*
 * Bump allocator over a list of chunks. Invariants: every chunk's data
 * starts max_align_t-aligned and `used` is kept aligned, so every pointer
 * handed out is aligned for any object; cleanups live in the arena's own
 * memory and are freed with it, after they ran.
 */
#include "http_arena.h"

#include <stdalign.h>
#include <stdint.h>
#include <string.h>

#include "mem.h"

#define ALIGN alignof(max_align_t)

struct http_arena_chunk {
	struct http_arena_chunk *next;
	size_t cap;
	size_t used;
	alignas(max_align_t) unsigned char data[];
};

struct http_arena_cleanup {
	struct http_arena_cleanup *next;
	void (*fn)(void *arg);
	void *arg;
};

void http_arena_init(http_arena_t *a)
{
	a->chunks = NULL;
	a->cleanups = NULL;
	a->bytes = 0;
}

static size_t round_up(size_t n)
{
	return (n + ALIGN - 1) & ~(ALIGN - 1);
}

static struct http_arena_chunk *new_chunk(http_arena_t *a, size_t need)
{
	size_t cap = need > HTTP_ARENA_CHUNK_BYTES ? need : HTTP_ARENA_CHUNK_BYTES;
	struct http_arena_chunk *c;

	if (cap > SIZE_MAX - sizeof(*c))
		return NULL;
	c = mem_alloc(MEM_HTTP, sizeof(*c) + cap);
	if (!c)
		return NULL;
	c->cap = cap;
	c->used = 0;
	/* a big block gets a chunk of its own behind the current one, so the
	 * current chunk's free space is not wasted */
	if (need > HTTP_ARENA_CHUNK_BYTES / 4 && a->chunks) {
		c->next = a->chunks->next;
		a->chunks->next = c;
	} else {
		c->next = a->chunks;
		a->chunks = c;
	}
	a->bytes += sizeof(*c) + cap;
	return c;
}

void *http_arena_alloc(http_arena_t *a, size_t n)
{
	struct http_arena_chunk *c = a->chunks;
	size_t need;
	void *p;

	if (n > SIZE_MAX / 2)
		return NULL;
	need = round_up(n ? n : 1);
	if (!c || c->cap - c->used < need) {
		c = new_chunk(a, need);
		if (!c)
			return NULL;
	}
	p = c->data + c->used;
	c->used += need;
	return p;
}

char *http_arena_dup(http_arena_t *a, const void *p, size_t n)
{
	char *s;

	if (n == SIZE_MAX)
		return NULL;
	s = http_arena_alloc(a, n + 1);
	if (!s)
		return NULL;
	if (n)
		memcpy(s, p, n);
	s[n] = '\0';
	return s;
}

trib_err_t http_arena_on_free(http_arena_t *a, void (*fn)(void *arg), void *arg)
{
	struct http_arena_cleanup *c = http_arena_alloc(a, sizeof(*c));

	if (!c)
		return TRIB_ERR_NOMEM;
	c->fn = fn;
	c->arg = arg;
	c->next = a->cleanups;
	a->cleanups = c;
	return TRIB_OK;
}

void http_arena_free(http_arena_t *a)
{
	if (!a)
		return;
	for (struct http_arena_cleanup *c = a->cleanups; c; c = c->next)
		c->fn(c->arg);
	a->cleanups = NULL;
	while (a->chunks) {
		struct http_arena_chunk *next = a->chunks->next;

		mem_free(a->chunks);
		a->chunks = next;
	}
	a->bytes = 0;
}
