/**
 * The Event Hubs receiver position filter (reference/eventhubs-surface.md
 * §1.4, clients.md §1.6): the attach source's filter-set holds a
 * selector, a described string such as
 * `amqp.annotation.x-opt-offset > '-1'`, described by the symbol
 * `apache.org:selector-filter:string` or the ulong 0x0000468C00000004
 * (JS, Go) or 0x000001370000000A (.NET). Pure: no core or Proton calls.
 */
#ifndef TRIB_AMQP_FILTER_H
#define TRIB_AMQP_FILTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "slice.h"
#include "trib_err.h"

#define AMQP_FILTER_SELECTOR "apache.org:selector-filter:string"
#define AMQP_FILTER_CODE 0x0000468C00000004ull
#define AMQP_FILTER_CODE_NET 0x000001370000000Aull
/** Longest selector expression accepted, bytes. */
#define AMQP_FILTER_MAX_EXPR 512

typedef enum amqp_filter_kind {
	AMQP_FILTER_START,  /**< no filter, or offset / sequence number `> -1`: the log start */
	AMQP_FILTER_LATEST, /**< `x-opt-offset > '@latest'`: after the end at attach time */
	AMQP_FILTER_OFFSET, /**< x-opt-offset or x-opt-sequence-number (the same number here) */
	AMQP_FILTER_TIME,   /**< x-opt-enqueued-time, ms since the Unix epoch */
} amqp_filter_kind_t;

typedef struct amqp_filter {
	amqp_filter_kind_t kind;
	bool inclusive; /**< `>=` rather than `>` */
	int64_t value;  /**< offset / sequence number, or ms; 0 for START and LATEST */
} amqp_filter_t;

/**
 * Reads the position from an encoded filter-set (@p p, @p len bytes,
 * borrowed; as pn_data_encode writes pn_terminus_filter: an AMQP map, or
 * nothing / null when the client sent no filter). The first entry whose
 * value is a described selector counts; entries with other descriptors are
 * ignored. No selector gives AMQP_FILTER_START.
 * Errors: TRIB_ERR_INVALID (the bytes are not one map, or the selector
 * expression fails amqp_filter_parse_expr).
 * @thread any  @locks none
 */
trib_err_t amqp_filter_parse(const uint8_t *p, size_t len, amqp_filter_t *out) TRIB_MUST_CHECK;

/**
 * Parses a selector expression: `amqp.annotation.<name> <op> <value>` with
 * name x-opt-offset, x-opt-sequence-number or x-opt-enqueued-time, op `>`
 * or `>=`, value in single quotes or bare: a decimal integer, `-1`
 * (start), or `@latest` (offset only). Whitespace is free around tokens.
 * Errors: TRIB_ERR_INVALID.
 * @thread any  @locks none
 */
trib_err_t amqp_filter_parse_expr(trib_slice_t expr, amqp_filter_t *out) TRIB_MUST_CHECK;

/**
 * The first offset to deliver for an OFFSET, START or LATEST filter given
 * the partition's log start and high watermark @p hwm (offsets). `> n`
 * gives n + 1, `>= n` gives n; positions below the log start move up to
 * it. Errors: TRIB_ERR_OUT_OF_RANGE when the position is past @p hwm (the
 * service's "The supplied sequence number is invalid"); TRIB_ERR_INVALID
 * for a TIME filter (resolve those by append time with part_offset_for_append_time).
 * @thread any  @locks none
 */
trib_err_t amqp_filter_start(const amqp_filter_t *f, int64_t log_start, int64_t hwm,
			     int64_t *offset) TRIB_MUST_CHECK;

#endif
