/**
 * Byte slices: wire strings and bytes as {pointer, length} into a buffer
 * somebody else owns (STYLE.md §6). A NULL ptr is the wire's null; a non-NULL
 * ptr with len 0 is the empty string.
 */
#ifndef TRIB_SLICE_H
#define TRIB_SLICE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct trib_slice {
	const uint8_t *ptr; /**< borrowed; NULL means null */
	size_t len;         /**< bytes */
} trib_slice_t;

/** The null slice. */
#define TRIB_SLICE_NULL ((trib_slice_t){NULL, 0})

/**
 * A slice over a NUL-terminated C string @p s (borrowed; NULL gives null).
 * @thread any  @locks none
 */
trib_slice_t slice_from_cstr(const char *s);

/**
 * True when @p a and @p b hold the same bytes (two nulls are equal, null and
 * empty are not).
 * @thread any  @locks none
 */
bool slice_eq(trib_slice_t a, trib_slice_t b);

/**
 * True when @p a equals the C string @p s, ASCII case ignored when @p nocase.
 * @thread any  @locks none
 */
bool slice_eq_cstr(trib_slice_t a, const char *s, bool nocase);

/**
 * A NUL-terminated copy of @p s, owned by the caller (free with mem_free
 * under MEM_CORE), or NULL when @p s is null or memory is short.
 * @thread any  @locks none
 */
char *slice_dup_cstr(trib_slice_t s);

/**
 * Parses the whole of @p s as an optional sign and decimal digits (Java's
 * Long.parseLong) into *out. False (out untouched) on any other byte, an
 * empty number or int64 overflow.
 * @thread any  @locks none
 */
bool slice_to_i64(trib_slice_t s, int64_t *out);

/** The value of hex digit @p c (0-9, a-f, A-F), or -1. @thread any  @locks none */
int slice_hex_digit(int c);

#endif
