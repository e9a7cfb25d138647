/*
 * Counted allocation. A block is [header 16 bytes | user bytes]; the header
 * keeps the user size and subsystem so frees need no arguments. Counters are
 * relaxed atomics: they are statistics and a soft ceiling, not a lock.
 */
#include "mem.h"

#include <stdatomic.h>
#include <stdlib.h>

typedef struct mem_hdr {
	size_t size;
	size_t sys;
} mem_hdr_t;

_Static_assert(sizeof(mem_hdr_t) == 16, "header keeps 16-byte alignment");

static _Atomic size_t used[MEM_SYS_COUNT];
static _Atomic size_t total;
static _Atomic size_t limit;

static int reserve(mem_sys_t sys, size_t n)
{
	size_t cap = atomic_load_explicit(&limit, memory_order_relaxed);
	size_t now = atomic_fetch_add_explicit(&total, n, memory_order_relaxed);

	if (cap && now + n > cap) {
		atomic_fetch_sub_explicit(&total, n, memory_order_relaxed);
		return -1;
	}
	atomic_fetch_add_explicit(&used[sys], n, memory_order_relaxed);
	return 0;
}

static void release(size_t sys, size_t n)
{
	atomic_fetch_sub_explicit(&total, n, memory_order_relaxed);
	atomic_fetch_sub_explicit(&used[sys], n, memory_order_relaxed);
}

void *mem_alloc(mem_sys_t sys, size_t n)
{
	mem_hdr_t *h;

	if (n > SIZE_MAX - sizeof(*h) || reserve(sys, n + sizeof(*h)) != 0)
		return NULL;
	h = malloc(n + sizeof(*h));
	if (!h) {
		release(sys, n + sizeof(*h));
		return NULL;
	}
	h->size = n;
	h->sys = sys;
	return h + 1;
}

void *mem_calloc(mem_sys_t sys, size_t count, size_t size)
{
	mem_hdr_t *h;
	size_t n;

	if (__builtin_mul_overflow(count, size, &n) || n > SIZE_MAX - sizeof(*h) ||
	    reserve(sys, n + sizeof(*h)) != 0)
		return NULL;
	h = calloc(1, n + sizeof(*h));
	if (!h) {
		release(sys, n + sizeof(*h));
		return NULL;
	}
	h->size = n;
	h->sys = sys;
	return h + 1;
}

void *mem_realloc(mem_sys_t sys, void *p, size_t n)
{
	mem_hdr_t *h, *nh;
	size_t old;

	if (!p)
		return mem_alloc(sys, n);
	h = (mem_hdr_t *)p - 1;
	old = h->size;
	if (n > SIZE_MAX - sizeof(*h))
		return NULL;
	if (n > old && reserve((mem_sys_t)h->sys, n - old) != 0)
		return NULL;
	nh = realloc(h, n + sizeof(*h));
	if (!nh) {
		if (n > old)
			release(h->sys, n - old);
		return NULL;
	}
	if (n < old)
		release(nh->sys, old - n);
	nh->size = n;
	return nh + 1;
}

void mem_free(void *p)
{
	mem_hdr_t *h;

	if (!p)
		return;
	h = (mem_hdr_t *)p - 1;
	release(h->sys, h->size + sizeof(*h));
	free(h);
}

size_t mem_used(mem_sys_t sys)
{
	return atomic_load_explicit(&used[sys], memory_order_relaxed);
}

size_t mem_used_total(void)
{
	return atomic_load_explicit(&total, memory_order_relaxed);
}

void mem_set_limit(size_t bytes)
{
	atomic_store_explicit(&limit, bytes, memory_order_relaxed);
}
