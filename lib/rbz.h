/**
 * Record batch codecs: decompression of a RecordBatch v2 records section,
 * and compression of one (up-converted message sets keep their codec).
 *
 * Kafka protocol guide, "Record Batch": attributes bits 0-2 name the codec
 * (0 none, 1 gzip, 2 snappy, 3 lz4, 4 zstd) and everything after
 * recordsCount is compressed as one stream. Producers' framings:
 *   - gzip: RFC 1952 members (zlib headers are accepted too);
 *   - snappy: a raw snappy block (librdkafka) or the xerial framing Java
 *     clients use: magic 82 'S' 'N' 'A' 'P' 'P' 'Y' 00, version i32,
 *     compatible i32, then chunks of [length i32 BE][raw snappy block];
 *   - lz4: the LZ4 frame format (one or more frames);
 *   - zstd: zstd frames, possibly without a content size.
 * Batches are stored as sent; this module only serves readers that need the
 * records (validation on produce, AMQP and HTTP delivery). Every output is
 * bounded by a caller-given limit checked before each allocation and while
 * inflating, so a zip bomb fails with TRIB_ERR_TOO_LARGE after at most
 * limit + 1 bytes of output.
 */
#ifndef TRIB_RBZ_H
#define TRIB_RBZ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mem.h"
#include "trib_err.h"

/** Largest decompressed records section we accept, in bytes (64 MiB). */
#define RBZ_MAX_DECOMPRESSED ((size_t)64 << 20)

/** Codec numbers as in the batch attributes' bits 0-2. */
typedef enum rbz_codec {
	RBZ_NONE = 0,
	RBZ_GZIP = 1,
	RBZ_SNAPPY = 2,
	RBZ_LZ4 = 3,
	RBZ_ZSTD = 4,
} rbz_codec_t;

/**
 * True when @p codec (attributes & 7) is one this build decompresses
 * (RBZ_GZIP..RBZ_ZSTD). RBZ_NONE gives false: there is nothing to do.
 * @thread any  @locks none
 */
bool rbz_codec_known(int codec);

/**
 * The Kafka name of @p codec ("gzip", "snappy", "lz4", "zstd", "none"), or
 * "unknown". Static string, never NULL.
 * @thread any  @locks none
 */
const char *rbz_codec_name(int codec);

/**
 * Decompresses @p in (@p in_len bytes, borrowed for the call) written with
 * @p codec into a new buffer: *out is owned by the caller (mem_free, counted
 * against @p sys), *out_len its size in bytes, at most @p max. An empty
 * output gives *out = NULL, *out_len = 0.
 * The whole input must be used: trailing bytes after the last frame or
 * member are corrupt input.
 * Errors (then *out is NULL): TRIB_ERR_UNSUPPORTED (codec not in
 * rbz_codec_known), TRIB_ERR_CORRUPT (malformed or truncated stream, bad
 * checksum), TRIB_ERR_TOO_LARGE (the output would pass @p max),
 * TRIB_ERR_NOMEM.
 * @thread any  @locks none
 */
trib_err_t rbz_decompress(int codec, const uint8_t *in, size_t in_len, size_t max, mem_sys_t sys,
			  uint8_t **out, size_t *out_len) TRIB_MUST_CHECK;

/**
 * True when rbz_compress writes @p codec: RBZ_GZIP, RBZ_SNAPPY, RBZ_LZ4 and
 * RBZ_ZSTD. RBZ_NONE gives false.
 * @thread any  @locks none
 */
bool rbz_can_compress(int codec);

/**
 * Compresses @p in (@p in_len bytes, at least 1, borrowed for the call) with
 * @p codec into a new buffer: *out is owned by the caller (mem_free, counted
 * against @p sys), *out_len its size in bytes. The framings are the ones
 * every Kafka reader takes (librdkafka writes the same): gzip one RFC 1952
 * member, snappy one raw block (no xerial framing), lz4 one LZ4 frame with
 * independent blocks and a correct header checksum (what RecordBatch v2
 * requires, KIP-57), zstd one frame; default levels. rbz_decompress reads
 * every output back.
 * Errors (then *out is NULL): TRIB_ERR_UNSUPPORTED (codec not in
 * rbz_can_compress), TRIB_ERR_INVALID (empty input), TRIB_ERR_TOO_LARGE
 * (input over RBZ_MAX_DECOMPRESSED), TRIB_ERR_NOMEM.
 * @thread any  @locks none
 */
trib_err_t rbz_compress(int codec, const uint8_t *in, size_t in_len, mem_sys_t sys, uint8_t **out,
			size_t *out_len) TRIB_MUST_CHECK;

#endif
