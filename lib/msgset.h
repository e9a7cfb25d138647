/**
 * Kafka message sets, magic 0 and 1 (Produce v0-2), up-converted to one
 * RecordBatch v2, the only format the storage holds (DESIGN.md §3). Layout
 * from the Kafka protocol guide, "Message Sets":
 *
 *   MessageSet => [Offset i64 | MessageSize i32 | Message]   (no count)
 *   Message    => Crc u32 | MagicByte i8 | Attributes i8 |
 *                 [Timestamp i64, magic 1 only] | Key bytes | Value bytes
 *
 * The CRC is CRC-32 (IEEE, zlib's crc32) over MagicByte to the end.
 * Attributes bits 0-2 name a codec (0 none, 1 gzip, 2 snappy, 3 lz4): such
 * a "wrapper" message's value is a compressed message set of plain inner
 * messages of the same magic (one level only, as Kafka). Magic 1 (KIP-31,
 * KIP-32) adds the timestamp, attributes bit 3 (timestamp type, 1 =
 * LogAppendTime: inner messages take the wrapper's timestamp) and relative
 * inner offsets. Magic 0 lz4 wrappers carry the broken frame header checksum
 * of the first Kafka clients (KIP-57), magic 1 the correct one.
 */
#ifndef TRIB_MSGSET_H
#define TRIB_MSGSET_H

#include <stddef.h>
#include <stdint.h>

#include "rb.h"
#include "rbz.h"
#include "trib_err.h"

/** Messages (inner ones counted, wrappers not) per set: one batch must hold them all. */
#define MSGSET_MAX_MESSAGES RB_MAX_RECORDS
/** Decompressed bytes of all wrappers of one set together (the rbz bomb limit). */
#define MSGSET_MAX_DECOMPRESSED RBZ_MAX_DECOMPRESSED
/** Offset + MessageSize in front of each message, bytes. */
#define MSGSET_LOG_OVERHEAD 12
/** Smallest Message (MessageSize) of magic 0: crc, magic, attributes, two lengths. */
#define MSGSET_V0_MIN_SIZE 14
/** Smallest Message of magic 1: magic 0's plus the timestamp. */
#define MSGSET_V1_MIN_SIZE 22

/** Attributes bit 3 of a magic 1 message: the timestamp is LogAppendTime. */
#define MSGSET_ATTR_LOG_APPEND_TIME 0x08

/** The batch built from a message set, and what was found on the way. */
typedef struct msgset_batch {
	uint8_t *batch; /**< RecordBatch v2, owned (msgset_batch_free); NULL after an error */
	size_t len;     /**< whole batch size in bytes */
	int32_t count;  /**< records in the batch = messages converted */
	int8_t magic;   /**< magic of the first message (0 or 1) */
	int src_codec;  /**< codec of the last wrapper message (Kafka's rule), RBZ_NONE if none */
	int codec;      /**< codec of the batch: src_codec, or RBZ_NONE if rbz cannot write it */
} msgset_batch_t;

/**
 * Validates the whole message set at @p p (@p len bytes, borrowed for the
 * call) and builds one RecordBatch v2 holding its messages in order, inner
 * messages of wrappers in place of their wrapper: same keys and values,
 * no headers, offset deltas 0..count-1 (the producer's offsets are ignored,
 * as a broker assigns them). Timestamps: magic 0 has none (-1, "no
 * timestamp"; part_append's append stamp is what readers see); magic 1 the
 * message's, or the wrapper's under LogAppendTime, and any LogAppendTime
 * message marks the batch LogAppendTime (RB_ATTR_LOG_APPEND_TIME) with its
 * max timestamp. The batch is compressed again with the producer's codec
 * (out->codec, Kafka's compression.type=producer); base offset 0, producer
 * id -1, as rb_builder_finish leaves them. It passes rb_check and
 * rb_validate_records.
 *
 * Checked: every message's size against the bytes left and
 * MSGSET_V0_MIN_SIZE / MSGSET_V1_MIN_SIZE, its CRC, magic 0 or 1, key and
 * value lengths using exactly the message, a wrapper's value present and
 * decompressing (lib/rbz.h; magic 0 lz4 header checksum repaired first) to
 * a non-empty set of uncompressed messages of the wrapper's magic.
 *
 * On success *out owns the batch; on error *out is zeroed and nothing is
 * allocated. Memory is counted under MEM_CORE (the rb builder's).
 * Errors: TRIB_ERR_INVALID (empty, truncated or corrupt set, bad CRC, bad
 * compressed stream, nested wrapper: the Produce handler answers
 * CORRUPT_MESSAGE), TRIB_ERR_UNSUPPORTED (a wrapper codec other than gzip,
 * snappy or lz4: zstd needs magic 2, KIP-110), TRIB_ERR_TOO_LARGE (over
 * MSGSET_MAX_MESSAGES messages or MSGSET_MAX_DECOMPRESSED decompressed
 * bytes, or a batch over 2 GiB), TRIB_ERR_NOMEM.
 * @thread any  @locks none
 */
trib_err_t msgset_to_batch(const uint8_t *p, size_t len, msgset_batch_t *out) TRIB_MUST_CHECK;

/**
 * Frees the batch @p b owns and zeroes @p b; safe on a zeroed or freed one.
 * @thread the owner's  @locks none
 */
void msgset_batch_free(msgset_batch_t *b);

#endif
