/*
 * Message sets (magic 0 and 1) up-converted to one RecordBatch v2, as a
 * Kafka broker converts a Produce v0-2 request for a topic stored in
 * format v2 (LogValidator: convert, assign offsets, keep the producer's
 * codec). One pass: every message is checked (size against the bytes left,
 * CRC, magic, lengths using the message exactly) and its record added to
 * one rb builder at once; a wrapper is decompressed into a temporary buffer,
 * its inner messages added and the buffer freed, so at most one wrapper's
 * inner set is held beside the builder. The decompressed bytes of all
 * wrappers share one budget (MSGSET_MAX_DECOMPRESSED), so a set of many
 * small bombs is caught like one large one.
 *
 * Invariants: the builder starts at the first message (its timestamp is the
 * batch's base timestamp); every error path frees the builder and any
 * decompressed buffer, so an error leaves nothing allocated. Malformed input
 * of any kind, including a bad compressed stream, is TRIB_ERR_INVALID: the
 * Produce handler answers CORRUPT_MESSAGE as Kafka does.
 */
#include "msgset.h"

#include <stdbool.h>
#include <string.h>

#include <zlib.h>

#include "crc32c.h"
#include "mem.h"
#include "wire.h"

#define CODEC_MASK 0x07
#define LZ4_FRAME_MAGIC 0x04224d18u /* 0x184D2204 as it sits in memory */

/* XXH32 primes (lz4's frame format uses XXH32 with seed 0 for its header checksum). */
#define XXH_P1 2654435761u
#define XXH_P2 2246822519u
#define XXH_P3 3266489917u
#define XXH_P4 668265263u
#define XXH_P5 374761393u

/* One message, slices borrowing the set (or the wrapper's decompressed buffer). */
typedef struct msg {
	int8_t magic;
	int8_t attributes;
	int64_t timestamp; /* -1 for magic 0 */
	trib_slice_t key;
	trib_slice_t value;
} msg_t;

/* The conversion in progress. */
typedef struct conv {
	rb_builder_t b;
	bool started;    /* b initialised (at the first message) */
	int32_t count;
	size_t budget;   /* decompressed bytes still allowed */
	int8_t magic;    /* of the first message */
	int src_codec;   /* of the last wrapper */
	bool append_time; /* some message is LogAppendTime */
} conv_t;

static uint32_t rotl32(uint32_t x, int r)
{
	return x << r | x >> (32 - r);
}

/* XXH32, seed 0, of fewer than 16 bytes: for such inputs the whole algorithm is this tail. */
static uint32_t xxh32_short(const uint8_t *p, size_t n)
{
	uint32_t h = XXH_P5 + (uint32_t)n;
	size_t i = 0;

	for (; i + 4 <= n; i += 4) {
		uint32_t k = (uint32_t)p[i] | (uint32_t)p[i + 1] << 8 | (uint32_t)p[i + 2] << 16 |
			     (uint32_t)p[i + 3] << 24;

		h = rotl32(h + k * XXH_P3, 17) * XXH_P4;
	}
	for (; i < n; i++)
		h = rotl32(h + p[i] * XXH_P5, 11) * XXH_P1;
	h ^= h >> 15;
	h *= XXH_P2;
	h ^= h >> 13;
	h *= XXH_P3;
	h ^= h >> 16;
	return h;
}

/*
 * KIP-57: the first Kafka clients hashed the frame magic into the LZ4 frame
 * header checksum, and magic 0 lz4 keeps that (librdkafka and kafka-python
 * still write it). Kafka ignores the checksum for magic 0; we rewrite it as
 * the LZ4 frame format defines it (xxh32 of FLG..last descriptor byte,
 * second byte), which leaves a correct one unchanged. Anything that is not
 * a frame header is left for rbz_decompress to refuse.
 */
static void lz4_fix_header_checksum(uint8_t *f, size_t n)
{
	size_t hc = 6; /* magic, FLG, BD */

	if (n < 7 || wire_load_u32(f) != LZ4_FRAME_MAGIC)
		return;
	if (f[4] & 0x08)
		hc += 8; /* content size */
	if (f[4] & 0x01)
		hc += 4; /* dictionary id */
	if (hc >= n)
		return;
	f[hc] = (uint8_t)(xxh32_short(f + 4, hc - 4) >> 8);
}

/* Reads one [Offset MessageSize Message] entry from @rd and checks it whole. */
static trib_err_t read_msg(wire_rd_t *rd, msg_t *m)
{
	wire_rd_t mr;
	trib_slice_t body;
	int32_t size;
	uint32_t crc;

	(void)wire_rd_i64(rd); /* offset: assigned by the log, not the producer */
	size = wire_rd_i32(rd);
	if (!wire_rd_ok(rd) || size < MSGSET_V0_MIN_SIZE || (size_t)size > wire_rd_left(rd))
		return TRIB_ERR_INVALID;
	body = wire_rd_raw(rd, (size_t)size);
	wire_rd_init(&mr, body.ptr, body.len);
	crc = wire_rd_u32(&mr);
	if (crc32(0, body.ptr + 4, (uInt)(body.len - 4)) != crc)
		return TRIB_ERR_INVALID;
	m->magic = wire_rd_i8(&mr);
	m->attributes = wire_rd_i8(&mr);
	if (m->magic != 0 && m->magic != 1)
		return TRIB_ERR_INVALID;
	m->timestamp = m->magic == 1 ? wire_rd_i64(&mr) : -1;
	m->key = wire_rd_bytes32(&mr);
	m->value = wire_rd_bytes32(&mr);
	if (!wire_rd_ok(&mr) || wire_rd_left(&mr) != 0)
		return TRIB_ERR_INVALID;
	return TRIB_OK;
}

static bool is_append_time(const msg_t *m)
{
	return m->magic == 1 && (m->attributes & MSGSET_ATTR_LOG_APPEND_TIME);
}

/* Adds one uncompressed message's record with timestamp @ts. */
static trib_err_t add(conv_t *c, const msg_t *m, int64_t ts)
{
	if (c->count >= MSGSET_MAX_MESSAGES)
		return TRIB_ERR_TOO_LARGE;
	if (!c->started) {
		rb_builder_init(&c->b, ts);
		c->started = true;
		c->magic = m->magic;
	}
	if (is_append_time(m))
		c->append_time = true;
	c->count++;
	return rb_builder_add(&c->b, ts, m->key, m->value, NULL, 0);
}

/* Decompresses a wrapper's value within the budget; *out owned by the caller. */
static trib_err_t inflate_wrapper(conv_t *c, const msg_t *w, int codec, uint8_t **out,
				  size_t *out_len)
{
	const uint8_t *in = w->value.ptr;
	uint8_t *fixed = NULL;
	trib_err_t err;

	if (codec == RBZ_LZ4 && w->magic == 0) {
		fixed = mem_alloc(MEM_CORE, w->value.len);
		if (!fixed)
			return TRIB_ERR_NOMEM;
		memcpy(fixed, in, w->value.len);
		lz4_fix_header_checksum(fixed, w->value.len);
		in = fixed;
	}
	err = rbz_decompress(codec, in, w->value.len, c->budget, MEM_CORE, out, out_len);
	mem_free(fixed);
	if (err == TRIB_ERR_CORRUPT)
		return TRIB_ERR_INVALID;
	if (!err && *out_len == 0)
		return TRIB_ERR_INVALID; /* a wrapper without inner messages */
	if (!err)
		c->budget -= *out_len;
	return err;
}

/* Adds the inner messages of wrapper @w, compressed with @codec. */
static trib_err_t add_wrapper(conv_t *c, const msg_t *w, int codec)
{
	uint8_t *set;
	size_t n;
	wire_rd_t rd;
	trib_err_t err;

	/* zstd needs magic 2 (KIP-110); 5-7 name no codec */
	if (codec != RBZ_GZIP && codec != RBZ_SNAPPY && codec != RBZ_LZ4)
		return TRIB_ERR_UNSUPPORTED;
	if (!w->value.ptr)
		return TRIB_ERR_INVALID;
	err = inflate_wrapper(c, w, codec, &set, &n);
	if (err)
		return err;
	wire_rd_init(&rd, set, n);
	while (!err && wire_rd_left(&rd) > 0) {
		msg_t m;

		err = read_msg(&rd, &m);
		/* one level only, and the wrapper's magic throughout */
		if (!err && ((m.attributes & CODEC_MASK) != RBZ_NONE || m.magic != w->magic))
			err = TRIB_ERR_INVALID;
		if (!err)
			err = add(c, &m, is_append_time(w) ? w->timestamp : m.timestamp);
	}
	if (!err && is_append_time(w))
		c->append_time = true;
	c->src_codec = codec;
	mem_free(set);
	return err;
}

/* Replaces the uncompressed batch in @o by one whose records are compressed with @codec. */
static trib_err_t compress_batch(msgset_batch_t *o, int codec)
{
	uint8_t *z, *nb;
	size_t zlen, total;
	trib_err_t err;

	err = rbz_compress(codec, o->batch + RB_HEADER_SIZE, o->len - RB_HEADER_SIZE, MEM_CORE, &z,
			   &zlen);
	if (err)
		return err;
	if (zlen > (size_t)INT32_MAX - (RB_HEADER_SIZE - RB_LOG_OVERHEAD)) {
		mem_free(z);
		return TRIB_ERR_TOO_LARGE;
	}
	total = RB_HEADER_SIZE + zlen;
	nb = mem_alloc(MEM_CORE, total);
	if (!nb) {
		mem_free(z);
		return TRIB_ERR_NOMEM;
	}
	memcpy(nb, o->batch, RB_HEADER_SIZE);
	memcpy(nb + RB_HEADER_SIZE, z, zlen);
	mem_free(z);
	wire_store_u32(nb + 8, (uint32_t)(total - RB_LOG_OVERHEAD));
	wire_store_u16(nb + 21, (uint16_t)((wire_load_u16(nb + 21) & ~RB_ATTR_COMPRESSION_MASK) |
					   codec));
	wire_store_u32(nb + 17, crc32c(0, nb + RB_CRC_START, total - RB_CRC_START));
	mem_free(o->batch);
	o->batch = nb;
	o->len = total;
	o->codec = codec;
	return TRIB_OK;
}

/* Hands the builder's batch to @o, compressed and stamped as the set asks. */
static trib_err_t finish(conv_t *c, msgset_batch_t *o)
{
	trib_err_t err = rb_builder_finish(&c->b, &o->batch, &o->len);

	if (err)
		return err;
	if (o->len - RB_LOG_OVERHEAD > (size_t)INT32_MAX)
		return TRIB_ERR_TOO_LARGE;
	o->count = c->count;
	o->magic = c->magic;
	o->src_codec = c->src_codec;
	o->codec = RBZ_NONE;
	if (c->src_codec != RBZ_NONE && rbz_can_compress(c->src_codec)) {
		err = compress_batch(o, c->src_codec);
		if (err)
			return err;
	}
	/* the flag and max timestamp, CRC recomputed: as Kafka marks a LogAppendTime batch */
	if (c->append_time)
		rb_stamp_append_time(o->batch, o->len, (int64_t)wire_load_u64(o->batch + 35));
	return TRIB_OK;
}

trib_err_t msgset_to_batch(const uint8_t *p, size_t len, msgset_batch_t *out)
{
	conv_t c = {.budget = MSGSET_MAX_DECOMPRESSED, .src_codec = RBZ_NONE};
	wire_rd_t rd;
	trib_err_t err = TRIB_OK;

	memset(out, 0, sizeof(*out));
	if (!p || len == 0)
		return TRIB_ERR_INVALID;
	wire_rd_init(&rd, p, len);
	while (!err && wire_rd_left(&rd) > 0) {
		msg_t m;
		int codec;

		err = read_msg(&rd, &m);
		if (err)
			break;
		codec = m.attributes & CODEC_MASK;
		err = codec == RBZ_NONE ? add(&c, &m, m.timestamp) : add_wrapper(&c, &m, codec);
	}
	if (!err)
		err = finish(&c, out);
	if (c.started)
		rb_builder_free(&c.b);
	if (err)
		msgset_batch_free(out);
	return err;
}

void msgset_batch_free(msgset_batch_t *b)
{
	mem_free(b->batch);
	memset(b, 0, sizeof(*b));
}
