/**
 * Counted allocation (STYLE.md §19): every allocation names the subsystem
 * it belongs to, so resident memory can be reported per subsystem and a
 * ceiling can push back on producers before the process is killed.
 *
 * Each block carries a 16-byte header with its size and subsystem, so
 * mem_free needs neither.
 */
#ifndef TRIB_MEM_H
#define TRIB_MEM_H

#include <stddef.h>
#include <stdint.h>

typedef enum mem_sys {
	MEM_CORE,
	MEM_STORAGE,
	MEM_KAFKA,
	MEM_AMQP,
	MEM_HTTP,
	MEM_GATEWAY,
	MEM_SYS_COUNT
} mem_sys_t;

/**
 * Allocates @p n bytes (uninitialised) counted against @p sys.
 * Returns NULL when the allocator fails or the ceiling set by mem_set_limit
 * would be passed; the caller owns the block and frees it with mem_free.
 * @thread any  @locks none (atomic counters)
 */
void *mem_alloc(mem_sys_t sys, size_t n);

/** As mem_alloc, zero-filled; @p count * @p size is overflow-checked. */
void *mem_calloc(mem_sys_t sys, size_t count, size_t size);

/**
 * Resizes @p p (NULL allocates) to @p n bytes. On failure returns NULL and
 * @p p stays valid and owned by the caller.
 * @thread any  @locks none
 */
void *mem_realloc(mem_sys_t sys, void *p, size_t n);

/**
 * Frees a block from mem_alloc/mem_calloc/mem_realloc; NULL is accepted.
 * @thread any  @locks none
 */
void mem_free(void *p);

/** Bytes currently allocated by @p sys, headers included. @thread any */
size_t mem_used(mem_sys_t sys);

/** Bytes currently allocated by every subsystem. @thread any */
size_t mem_used_total(void);

/**
 * Sets the ceiling in bytes over all subsystems (0 = none). Allocations
 * that would pass it fail with NULL.
 * @thread any  @locks none
 */
void mem_set_limit(size_t bytes);

#endif
