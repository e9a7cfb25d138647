/**
 * Per-request arena for the HTTP head (STYLE.md §7, the nginx pool idea):
 * everything decoded from one request (events, typed properties, parsed
 * JSON trees) is allocated here and released at once when the request is
 * answered and its appends have completed.
 */
#ifndef TRIB_HTTP_ARENA_H
#define TRIB_HTTP_ARENA_H

#include <stddef.h>

#include "trib_err.h"

#define HTTP_ARENA_CHUNK_BYTES 4096 /**< default chunk size; bigger blocks get their own chunk */

struct http_arena_chunk;
struct http_arena_cleanup;

/** An arena; zero-initialised (or http_arena_init) means empty. */
typedef struct http_arena {
	struct http_arena_chunk *chunks;     /**< newest first */
	struct http_arena_cleanup *cleanups; /**< run newest first by http_arena_free */
	size_t bytes;                        /**< bytes held by chunks, headers included */
} http_arena_t;

/**
 * Makes @p a empty.
 * @thread any (one arena per request)  @locks none
 */
void http_arena_init(http_arena_t *a);

/**
 * @p n bytes aligned for any object, valid until http_arena_free; owned by
 * the arena. Returns NULL when memory is short (MEM_HTTP ceiling or malloc)
 * or @p n is absurd. n == 0 gives a valid unique pointer.
 * @thread whoever owns the arena  @locks none
 */
void *http_arena_alloc(http_arena_t *a, size_t n);

/**
 * A copy of @p n bytes at @p p in the arena (NUL-terminated, so it can be
 * used as a C string when the bytes hold none). NULL when memory is short.
 * @thread whoever owns the arena  @locks none
 */
char *http_arena_dup(http_arena_t *a, const void *p, size_t n);

/**
 * Registers @p fn(@p arg) to run when the arena is freed (for example a
 * json_decref of a tree whose strings events borrow). Errors:
 * TRIB_ERR_NOMEM, in which case @p fn has NOT been called: the caller
 * still owns @p arg.
 * @thread whoever owns the arena  @locks none
 */
trib_err_t http_arena_on_free(http_arena_t *a, void (*fn)(void *arg), void *arg) TRIB_MUST_CHECK;

/**
 * Runs the cleanups (newest first), frees every chunk and leaves @p a
 * empty and reusable. NULL is accepted.
 * @thread any (the last owner of the request)  @locks none
 */
void http_arena_free(http_arena_t *a);

#endif
