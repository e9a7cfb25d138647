/**
 * Per-request arena (STYLE.md §7, nginx's request pool): a decoded request
 * and its response model are allocated here and released all at once when
 * the request is answered. Blocks are counted under MEM_KAFKA.
 */
#ifndef TRIB_KAFKA_ARENA_H
#define TRIB_KAFKA_ARENA_H

#include <stddef.h>

#include "slice.h"

/** Bytes of the first chunk; later chunks double up to KAFKA_ARENA_CHUNK_MAX. */
#define KAFKA_ARENA_CHUNK_MIN 1024
#define KAFKA_ARENA_CHUNK_MAX (256u * 1024)

typedef struct kafka_arena_chunk kafka_arena_chunk_t;

/** An arena; zero-initialised (or kafka_arena_init) before use. */
typedef struct kafka_arena {
	kafka_arena_chunk_t *head; /**< owned: newest chunk first */
	size_t used;               /**< bytes handed out, for tests and metrics */
} kafka_arena_t;

/** Starts an empty arena. @thread kafka loop  @locks none */
void kafka_arena_init(kafka_arena_t *a);

/**
 * @p n zero-filled bytes aligned to 16, owned by the arena (valid until
 * kafka_arena_free). Returns NULL when memory is short. n == 0 gives a valid
 * unique pointer.
 * @thread the arena's owner  @locks none
 */
void *kafka_arena_alloc(kafka_arena_t *a, size_t n);

/**
 * As kafka_arena_alloc for @p count elements of @p size; the product is
 * overflow-checked (NULL when it overflows).
 * @thread the arena's owner  @locks none
 */
void *kafka_arena_calloc(kafka_arena_t *a, size_t count, size_t size);

/**
 * A copy of the C string @p s (borrowed) in the arena, as a slice for a
 * response field; the null slice when memory is short.
 * @thread the arena's owner  @locks none
 */
trib_slice_t kafka_arena_str(kafka_arena_t *a, const char *s);

/**
 * Frees every block; the arena is empty and reusable afterwards. NULL accepted.
 * @thread the arena's owner  @locks none
 */
void kafka_arena_free(kafka_arena_t *a);

#endif
