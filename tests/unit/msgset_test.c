/*
 * msgset: message sets v0/v1 up-converted to one RecordBatch v2. Real sets
 * captured from librdkafka and kafka-python (tests/fixtures/msgset,
 * capture.py there), hand-built v0 and v1 sets with each codec (streams made
 * with the libraries producers use), the KIP-57 lz4 header checksum, CRC
 * errors, every truncation, malformed messages, nesting, unsupported codecs,
 * and the message and decompression limits at limit and limit + 1. Every
 * case checks that an error leaves nothing allocated.
 */
#include "msgset.h"

#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lz4frame.h>
#include <snappy-c.h>
#include <zlib.h>

#include "crc32c.h"
#include "mem.h"
#include "rb.h"
#include "rbz.h"
#include "wire.h"

#define TS0 1700000000123LL

/* A growable byte buffer for building sets (plain malloc: not counted). */
typedef struct buf {
	uint8_t *p;
	size_t len, cap;
} buf_t;

/* One expected record; klen / vlen -1 mean null. */
typedef struct exp_rec {
	const char *key;
	int32_t klen;
	const char *value;
	int32_t vlen;
	int64_t ts;
} exp_rec_t;

static void put(buf_t *b, const void *p, size_t n)
{
	if (b->len + n > b->cap) {
		b->cap = (b->len + n) * 2 + 64;
		b->p = realloc(b->p, b->cap);
		ck_assert_ptr_nonnull(b->p);
	}
	if (n)
		memcpy(b->p + b->len, p, n);
	b->len += n;
}

static void put_u8(buf_t *b, uint8_t v)
{
	put(b, &v, 1);
}

static void put_u32(buf_t *b, uint32_t v)
{
	uint8_t x[4];

	wire_store_u32(x, v);
	put(b, x, 4);
}

static void put_u64(buf_t *b, uint64_t v)
{
	uint8_t x[8];

	wire_store_u64(x, v);
	put(b, x, 8);
}

/* Kafka BYTES: -1 writes null. */
static void put_bytes(buf_t *b, const void *p, int32_t n)
{
	put_u32(b, (uint32_t)n);
	if (n > 0)
		put(b, p, (size_t)n);
}

/* Appends [offset size message] with a correct CRC. */
static void add_msg(buf_t *s, int64_t offset, int magic, int attrs, int64_t ts, const void *key,
		    int32_t klen, const void *value, int32_t vlen)
{
	buf_t m = {0};

	put_u32(&m, 0);
	put_u8(&m, (uint8_t)magic);
	put_u8(&m, (uint8_t)attrs);
	if (magic == 1)
		put_u64(&m, (uint64_t)ts);
	put_bytes(&m, key, klen);
	put_bytes(&m, value, vlen);
	wire_store_u32(m.p, (uint32_t)crc32(0, m.p + 4, (uInt)(m.len - 4)));
	put_u64(s, (uint64_t)offset);
	put_u32(s, (uint32_t)m.len);
	put(s, m.p, m.len);
	free(m.p);
}

static void add_str(buf_t *s, int64_t offset, int magic, int64_t ts, const char *key,
		    const char *value)
{
	add_msg(s, offset, magic, 0, ts, key, key ? (int32_t)strlen(key) : -1, value,
		value ? (int32_t)strlen(value) : -1);
}

static buf_t gzip_of(const uint8_t *p, size_t n)
{
	z_stream zs;
	buf_t out = {0};

	memset(&zs, 0, sizeof(zs));
	ck_assert_int_eq(deflateInit2(&zs, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY), Z_OK);
	out.cap = deflateBound(&zs, n) + 32;
	out.p = malloc(out.cap);
	zs.next_in = (Bytef *)p;
	zs.avail_in = (uInt)n;
	zs.next_out = out.p;
	zs.avail_out = (uInt)out.cap;
	ck_assert_int_eq(deflate(&zs, Z_FINISH), Z_STREAM_END);
	out.len = zs.total_out;
	deflateEnd(&zs);
	return out;
}

static buf_t snappy_of(const uint8_t *p, size_t n)
{
	buf_t out = {0};

	out.cap = out.len = snappy_max_compressed_length(n);
	out.p = malloc(out.cap);
	ck_assert_int_eq(snappy_compress((const char *)p, n, (char *)out.p, &out.len), SNAPPY_OK);
	return out;
}

/* snappy-java's SnappyOutputStream framing (Java clients' message sets), 64-byte chunks. */
static buf_t xerial_of(const uint8_t *p, size_t n)
{
	static const uint8_t head[16] = {
		0x82, 'S', 'N', 'A', 'P', 'P', 'Y', 0, 0, 0, 0, 1, 0, 0, 0, 1,
	};
	buf_t out = {0};

	put(&out, head, sizeof(head));
	for (size_t off = 0; off < n; off += 64) {
		size_t m = n - off < 64 ? n - off : 64;
		buf_t c = snappy_of(p + off, m);

		put_u32(&out, (uint32_t)c.len);
		put(&out, c.p, c.len);
		free(c.p);
	}
	return out;
}

/* An LZ4 frame with a correct header checksum (what magic 1 carries). */
static buf_t lz4_of(const uint8_t *p, size_t n)
{
	buf_t out = {0};

	out.cap = LZ4F_compressFrameBound(n, NULL);
	out.p = malloc(out.cap);
	out.len = LZ4F_compressFrame(out.p, out.cap, p, n, NULL);
	ck_assert(!LZ4F_isError(out.len));
	return out;
}

/* @codec: 1 gzip, 2 snappy raw, 3 lz4, 4 = snappy in xerial framing (codec 2 on the wire). */
static buf_t compress_as(int codec, const buf_t *set)
{
	switch (codec) {
	case 1: return gzip_of(set->p, set->len);
	case 2: return snappy_of(set->p, set->len);
	case 3: return lz4_of(set->p, set->len);
	default: return xerial_of(set->p, set->len);
	}
}

static void add_wrapper(buf_t *s, int64_t offset, int magic, int attrs, int64_t ts,
			const buf_t *z)
{
	add_msg(s, offset, magic, attrs, ts, NULL, -1, z->p, (int32_t)z->len);
}

/* Converts @s; on error checks *out is zeroed and no MEM_CORE memory is left behind. */
static trib_err_t convert(const buf_t *s, msgset_batch_t *out)
{
	size_t before = mem_used(MEM_CORE);
	trib_err_t err = msgset_to_batch(s->p, s->len, out);

	if (err) {
		ck_assert_ptr_null(out->batch);
		ck_assert_uint_eq(out->len, 0);
		ck_assert_int_eq(out->count, 0);
		ck_assert_uint_eq(mem_used(MEM_CORE), before);
	}
	return err;
}

static void expect_err(const buf_t *s, trib_err_t want)
{
	msgset_batch_t out;

	ck_assert_int_eq(convert(s, &out), want);
}

static bool slice_is(trib_slice_t s, const char *p, int32_t n)
{
	if (n < 0)
		return s.ptr == NULL;
	return s.ptr && s.len == (size_t)n && memcmp(s.ptr, p, (size_t)n) == 0;
}

/* The batch is a valid v2 batch holding exactly @want, in order, with codec @codec. */
static void check_batch(const msgset_batch_t *b, const exp_rec_t *want, int n, int codec)
{
	rb_header_t h;
	rb_iter_t it;
	rb_record_t r;
	int i = 0;

	ck_assert_ptr_nonnull(b->batch);
	ck_assert_int_eq(rb_check(b->batch, b->len, &h), TRIB_OK);
	ck_assert_int_eq(rb_validate_records(b->batch, b->len, &h), TRIB_OK);
	ck_assert_int_eq(b->count, n);
	ck_assert_int_eq(h.records_count, n);
	ck_assert_int_eq(h.last_offset_delta, n - 1);
	ck_assert_int_eq(h.base_offset, 0);
	ck_assert_int_eq(h.producer_id, -1);
	ck_assert_int_eq(h.attributes & RB_ATTR_COMPRESSION_MASK, codec);
	ck_assert_int_eq(b->codec, codec);
	ck_assert_int_eq(rb_iter_init(&it, b->batch, b->len), TRIB_OK);
	while (rb_iter_next(&it, &r) == 1) {
		ck_assert_int_lt(i, n);
		ck_assert_int_eq(r.offset, i);
		ck_assert(slice_is(r.key, want[i].key, want[i].klen));
		ck_assert(slice_is(r.value, want[i].value, want[i].vlen));
		ck_assert_int_eq(r.header_count, 0);
		if (!(h.attributes & RB_ATTR_LOG_APPEND_TIME))
			ck_assert_int_eq(r.timestamp, want[i].ts);
		i++;
	}
	ck_assert_int_eq(i, n);
	rb_iter_free(&it);
}

static buf_t read_fixture(const char *name)
{
	char path[512];
	FILE *f;
	buf_t b = {0};
	uint8_t chunk[4096];
	size_t n;

	snprintf(path, sizeof(path), "%s/%s", MSGSET_FIXTURE_DIR, name);
	f = fopen(path, "rb");
	ck_assert_msg(f != NULL, "fixture %s", path);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		put(&b, chunk, n);
	fclose(f);
	return b;
}

/* The three messages capture.py sends. */
static char value0[89], value1[81];

static void capture_records(exp_rec_t *e, int magic)
{
	value0[0] = value1[0] = 0;
	for (int i = 0; i < 8; i++)
		strcat(value0, "value zero ");
	for (int i = 0; i < 4; i++)
		strcat(value1, "value one, null key ");
	e[0] = (exp_rec_t){"k0", 2, value0, 88, magic ? TS0 : -1};
	e[1] = (exp_rec_t){NULL, -1, value1, 80, magic ? TS0 + 1 : -1};
	e[2] = (exp_rec_t){"k2", 2, NULL, -1, magic ? TS0 + 2 : -1};
}

static const struct {
	const char *name;
	int magic;
	int codec;
} fixtures[] = {
	{"rdk-p0-none.bin", 0, 0},   {"rdk-p0-gzip.bin", 0, 1},   {"rdk-p0-snappy.bin", 0, 2},
	{"rdk-p0-lz4.bin", 0, 3},    {"rdk-p1-none.bin", 0, 0},   {"rdk-p1-gzip.bin", 0, 1},
	{"rdk-p1-snappy.bin", 0, 2}, {"rdk-p1-lz4.bin", 0, 3},    {"rdk-p2-none.bin", 1, 0},
	{"rdk-p2-gzip.bin", 1, 1},   {"rdk-p2-snappy.bin", 1, 2}, {"rdk-p2-lz4.bin", 1, 3},
	{"kpy-p0-none.bin", 0, 0},   {"kpy-p0-gzip.bin", 0, 1},   {"kpy-p0-snappy.bin", 0, 2},
	{"kpy-p1-none.bin", 0, 0},   {"kpy-p1-gzip.bin", 0, 1},   {"kpy-p1-snappy.bin", 0, 2},
	{"kpy-p2-none.bin", 1, 0},   {"kpy-p2-gzip.bin", 1, 1},   {"kpy-p2-snappy.bin", 1, 2},
	{"kpy-p2-lz4.bin", 1, 3},
};

START_TEST(real_producer_sets)
{
	buf_t s = read_fixture(fixtures[_i].name);
	msgset_batch_t b;
	exp_rec_t e[3];

	capture_records(e, fixtures[_i].magic);
	ck_assert_int_eq(convert(&s, &b), TRIB_OK);
	ck_assert_int_eq(b.magic, fixtures[_i].magic);
	ck_assert_int_eq(b.src_codec, fixtures[_i].codec);
	check_batch(&b, e, 3, fixtures[_i].codec);
	msgset_batch_free(&b);
	ck_assert_ptr_null(b.batch);
	msgset_batch_free(&b); /* twice is safe */
	free(s.p);
}
END_TEST

/* librdkafka's magic 0 lz4 frame has the KIP-57 header checksum: lz4 itself refuses it. */
START_TEST(rdkafka_magic0_lz4_header_is_broken)
{
	buf_t s = read_fixture("rdk-p0-lz4.bin");
	/* offset 8, size 4, crc 4, magic, attributes, key length 4 (null), value length 4 */
	size_t off = 12 + 4 + 2 + 4 + 4;
	uint8_t *out;
	size_t n;

	ck_assert_int_eq(s.p[17] & 7, RBZ_LZ4);
	ck_assert_int_eq(rbz_decompress(RBZ_LZ4, s.p + off, s.len - off, 1 << 20, MEM_CORE, &out,
					&n),
			 TRIB_ERR_CORRUPT);
	free(s.p);
}
END_TEST

START_TEST(v0_uncompressed)
{
	buf_t s = {0};
	msgset_batch_t b;
	static const exp_rec_t e[] = {
		{"a", 1, "one", 3, -1},
		{NULL, -1, "two", 3, -1},
		{"", 0, "", 0, -1},
		{"d", 1, NULL, -1, -1},
	};
	rb_header_t h;

	/* the producer's offsets are ignored: the log assigns them */
	add_str(&s, 7, 0, 0, "a", "one");
	add_str(&s, 7, 0, 0, NULL, "two");
	add_str(&s, 0, 0, 0, "", "");
	add_str(&s, -5, 0, 0, "d", NULL);
	ck_assert_int_eq(convert(&s, &b), TRIB_OK);
	ck_assert_int_eq(b.magic, 0);
	ck_assert_int_eq(b.src_codec, RBZ_NONE);
	check_batch(&b, e, 4, RBZ_NONE);
	ck_assert_int_eq(rb_header_parse(b.batch, b.len, &h), TRIB_OK);
	/* magic 0 has no timestamps: "no timestamp" (-1), CreateTime */
	ck_assert_int_eq(h.base_timestamp, -1);
	ck_assert_int_eq(h.max_timestamp, -1);
	ck_assert_int_eq(h.attributes, 0);
	msgset_batch_free(&b);
	free(s.p);
}
END_TEST

START_TEST(v1_uncompressed_timestamps)
{
	buf_t s = {0};
	msgset_batch_t b;
	static const exp_rec_t e[] = {
		{"a", 1, "x", 1, TS0 + 10},
		{"b", 1, "y", 1, TS0},
		{"c", 1, "z", 1, TS0 + 30},
	};
	rb_header_t h;

	add_str(&s, 0, 1, TS0 + 10, "a", "x");
	add_str(&s, 1, 1, TS0, "b", "y");
	add_str(&s, 2, 1, TS0 + 30, "c", "z");
	ck_assert_int_eq(convert(&s, &b), TRIB_OK);
	ck_assert_int_eq(b.magic, 1);
	check_batch(&b, e, 3, RBZ_NONE);
	ck_assert_int_eq(rb_header_parse(b.batch, b.len, &h), TRIB_OK);
	ck_assert_int_eq(h.base_timestamp, TS0 + 10);
	ck_assert_int_eq(h.max_timestamp, TS0 + 30);
	ck_assert_int_eq(h.attributes & RB_ATTR_LOG_APPEND_TIME, 0);
	msgset_batch_free(&b);
	free(s.p);
}
END_TEST

/* A LogAppendTime message marks the whole batch so, with its max timestamp. */
START_TEST(v1_log_append_time)
{
	buf_t s = {0};
	msgset_batch_t b;
	rb_header_t h;
	rb_iter_t it;
	rb_record_t r;

	add_str(&s, 0, 1, TS0, "a", "x");
	add_msg(&s, 1, 1, MSGSET_ATTR_LOG_APPEND_TIME, TS0 + 5, "b", 1, "y", 1);
	ck_assert_int_eq(convert(&s, &b), TRIB_OK);
	ck_assert_int_eq(rb_check(b.batch, b.len, &h), TRIB_OK);
	ck_assert_int_eq(h.attributes & RB_ATTR_LOG_APPEND_TIME, RB_ATTR_LOG_APPEND_TIME);
	ck_assert_int_eq(h.max_timestamp, TS0 + 5);
	ck_assert_int_eq(rb_iter_init(&it, b.batch, b.len), TRIB_OK);
	while (rb_iter_next(&it, &r) == 1)
		ck_assert_int_eq(r.timestamp, TS0 + 5);
	rb_iter_free(&it);
	msgset_batch_free(&b);
	free(s.p);
}
END_TEST

/*
 * _i: 1 gzip, 2 snappy, 3 lz4, 4 snappy xerial; each with magic 0 and 1:
 * plain messages around two wrappers, inner offsets as each magic writes them
 * (magic 1: relative 0..n-1 and the wrapper at the last one, KIP-31).
 */
START_TEST(each_codec_both_magics)
{
	int wire_codec = _i == 4 ? RBZ_SNAPPY : _i;

	for (int magic = 0; magic <= 1; magic++) {
		buf_t s = {0}, in1 = {0}, in2 = {0}, z1, z2;
		msgset_batch_t b;
		int64_t t = magic ? TS0 : -1;
		exp_rec_t e[] = {
			{"p0", 2, "plain zero", 10, magic ? TS0 : -1},
			{"i0", 2, "inner zero inner zero inner zero", 32, magic ? TS0 + 1 : -1},
			{NULL, -1, "inner one", 9, magic ? TS0 + 2 : -1},
			{"i2", 2, NULL, -1, magic ? TS0 + 3 : -1},
			{"p1", 2, "plain one", 9, magic ? TS0 + 4 : -1},
			{"j0", 2, "second wrapper", 14, magic ? TS0 + 5 : -1},
		};

		add_str(&in1, 0, magic, magic ? TS0 + 1 : 0, "i0",
			"inner zero inner zero inner zero");
		add_str(&in1, magic ? 1 : 0, magic, TS0 + 2, NULL, "inner one");
		add_str(&in1, magic ? 2 : 0, magic, TS0 + 3, "i2", NULL);
		add_str(&in2, 0, magic, TS0 + 5, "j0", "second wrapper");
		z1 = compress_as(_i, &in1);
		z2 = compress_as(_i, &in2);
		add_str(&s, 0, magic, t, "p0", "plain zero");
		add_wrapper(&s, magic ? 3 : 0, magic, wire_codec, magic ? TS0 + 3 : 0, &z1);
		add_str(&s, 4, magic, magic ? TS0 + 4 : 0, "p1", "plain one");
		add_wrapper(&s, 5, magic, wire_codec, magic ? TS0 + 5 : 0, &z2);
		ck_assert_int_eq(convert(&s, &b), TRIB_OK);
		ck_assert_int_eq(b.magic, magic);
		ck_assert_int_eq(b.src_codec, wire_codec);
		/* stored with the producer's codec, re-compressed by rbz */
		check_batch(&b, e, 6, wire_codec);
		msgset_batch_free(&b);
		free(s.p);
		free(in1.p);
		free(in2.p);
		free(z1.p);
		free(z2.p);
	}
}
END_TEST

/* Kafka's rule: the batch takes the codec of the last wrapper. */
START_TEST(mixed_codecs_last_wins)
{
	buf_t s = {0}, in = {0}, zg, zs;
	msgset_batch_t b;

	add_str(&in, 0, 0, 0, "k", "v");
	zg = gzip_of(in.p, in.len);
	zs = snappy_of(in.p, in.len);
	add_wrapper(&s, 0, 0, RBZ_GZIP, 0, &zg);
	add_wrapper(&s, 0, 0, RBZ_SNAPPY, 0, &zs);
	add_str(&s, 0, 0, 0, "k", "v");
	ck_assert_int_eq(convert(&s, &b), TRIB_OK);
	ck_assert_int_eq(b.count, 3);
	ck_assert_int_eq(b.src_codec, RBZ_SNAPPY);
	ck_assert_int_eq(b.codec, RBZ_SNAPPY);
	msgset_batch_free(&b);
	free(s.p);
	free(in.p);
	free(zg.p);
	free(zs.p);
}
END_TEST

/* A magic 0 message then a magic 1 one: each keeps its own timestamp rule. */
START_TEST(mixed_magics)
{
	buf_t s = {0};
	msgset_batch_t b;
	static const exp_rec_t e[] = {
		{"a", 1, "x", 1, -1},
		{"b", 1, "y", 1, TS0},
	};

	add_str(&s, 0, 0, 0, "a", "x");
	add_str(&s, 0, 1, TS0, "b", "y");
	ck_assert_int_eq(convert(&s, &b), TRIB_OK);
	ck_assert_int_eq(b.magic, 0);
	check_batch(&b, e, 2, RBZ_NONE);
	msgset_batch_free(&b);
	free(s.p);
}
END_TEST

/* A magic 1 wrapper under LogAppendTime gives its timestamp to every inner message. */
START_TEST(v1_wrapper_log_append_time)
{
	buf_t s = {0}, in = {0}, z;
	msgset_batch_t b;
	rb_header_t h;

	add_str(&in, 0, 1, TS0, "a", "x");
	add_str(&in, 1, 1, TS0 + 1, "b", "y");
	z = gzip_of(in.p, in.len);
	add_wrapper(&s, 1, 1, RBZ_GZIP | MSGSET_ATTR_LOG_APPEND_TIME, TS0 + 99, &z);
	ck_assert_int_eq(convert(&s, &b), TRIB_OK);
	ck_assert_int_eq(rb_check(b.batch, b.len, &h), TRIB_OK);
	ck_assert_int_eq(h.attributes & RB_ATTR_LOG_APPEND_TIME, RB_ATTR_LOG_APPEND_TIME);
	ck_assert_int_eq(h.attributes & RB_ATTR_COMPRESSION_MASK, RBZ_GZIP);
	ck_assert_int_eq(h.max_timestamp, TS0 + 99);
	/* the records themselves carry it too (base timestamp, delta 0) */
	ck_assert_int_eq(h.base_timestamp, TS0 + 99);
	msgset_batch_free(&b);
	free(s.p);
	free(in.p);
	free(z.p);
}
END_TEST

/* Magic 0 lz4: any header checksum is repaired (KIP-57); magic 1 must carry the right one. */
START_TEST(lz4_header_checksum)
{
	for (int magic = 0; magic <= 1; magic++) {
		buf_t s = {0}, in = {0}, z;
		msgset_batch_t b;
		size_t hc;

		add_str(&in, 0, magic, TS0, "k", "lz4 value");
		z = lz4_of(in.p, in.len);
		hc = 6 + ((z.p[4] & 0x08) ? 8 : 0) + ((z.p[4] & 0x01) ? 4 : 0);
		z.p[hc] ^= 0x5a;
		add_wrapper(&s, 0, magic, RBZ_LZ4, TS0, &z);
		if (magic == 0) {
			ck_assert_int_eq(convert(&s, &b), TRIB_OK);
			ck_assert_int_eq(b.count, 1);
			ck_assert_int_eq(b.codec, RBZ_LZ4);
			msgset_batch_free(&b);
		} else {
			expect_err(&s, TRIB_ERR_INVALID);
		}
		free(s.p);
		free(in.p);
		free(z.p);
	}
}
END_TEST

START_TEST(crc_errors)
{
	buf_t s = {0}, in = {0}, z;

	/* a flipped value byte, then a flipped CRC byte */
	add_str(&s, 0, 1, TS0, "key", "value");
	s.p[s.len - 1] ^= 1;
	expect_err(&s, TRIB_ERR_INVALID);
	s.p[s.len - 1] ^= 1;
	s.p[12] ^= 0x80;
	expect_err(&s, TRIB_ERR_INVALID);
	s.p[12] ^= 0x80;
	/* a good message before a bad one: still nothing converted */
	add_str(&s, 0, 1, TS0, "k2", "v2");
	s.p[s.len - 2] ^= 0x10;
	expect_err(&s, TRIB_ERR_INVALID);
	/* an inner message's CRC inside a wrapper whose own CRC is right */
	s.len = 0;
	add_str(&in, 0, 0, 0, "k", "inner");
	in.p[in.len - 1] ^= 1;
	z = gzip_of(in.p, in.len);
	add_wrapper(&s, 0, 0, RBZ_GZIP, 0, &z);
	expect_err(&s, TRIB_ERR_INVALID);
	free(s.p);
	free(in.p);
	free(z.p);
}
END_TEST

/* Every cut of a valid set (compressed or not) is refused; so are trailing bytes. */
START_TEST(truncation)
{
	buf_t s = {0}, in = {0}, z;
	msgset_batch_t b;
	size_t ends[3];

	add_str(&in, 0, _i, TS0, "k", "inner value inner value");
	add_str(&in, 1, _i, TS0, NULL, "second");
	z = gzip_of(in.p, in.len);
	add_str(&s, 0, _i, TS0, "a", "plain");
	ends[0] = s.len;
	add_wrapper(&s, 1, _i, RBZ_GZIP, TS0, &z);
	ends[1] = s.len;
	add_str(&s, 2, _i, TS0, "b", NULL);
	ends[2] = s.len;
	for (size_t n = 1; n < s.len; n++) {
		buf_t cut = {s.p, n, n};
		msgset_batch_t part;

		/* a cut between two messages is a shorter valid set */
		if (n == ends[0] || n == ends[1]) {
			ck_assert_int_eq(convert(&cut, &part), TRIB_OK);
			ck_assert_int_eq(part.count, n == ends[0] ? 1 : 3);
			msgset_batch_free(&part);
			continue;
		}
		expect_err(&cut, TRIB_ERR_INVALID);
	}
	ck_assert_uint_eq(ends[2], s.len);
	ck_assert_int_eq(convert(&s, &b), TRIB_OK);
	ck_assert_int_eq(b.count, 4);
	msgset_batch_free(&b);
	for (int extra = 1; extra <= 12; extra++) {
		put_u8(&s, 0);
		expect_err(&s, TRIB_ERR_INVALID);
	}
	/* a wrapper whose compressed stream is cut, with its CRC made right */
	s.len = 0;
	z.len -= 3;
	add_wrapper(&s, 0, _i, RBZ_GZIP, TS0, &z);
	expect_err(&s, TRIB_ERR_INVALID);
	free(s.p);
	free(in.p);
	free(z.p);
}
END_TEST

/* Re-signs the message at @off (entry start) after the test changed its bytes. */
static void fix_crc(buf_t *s, size_t off)
{
	uint32_t size = wire_load_u32(s->p + off + 8);

	wire_store_u32(s->p + off + 12, (uint32_t)crc32(0, s->p + off + 16, size - 4));
}

START_TEST(malformed_messages)
{
	buf_t s = {0};
	uint8_t raw[64];
	msgset_batch_t b;

	/* empty and NULL input */
	ck_assert_int_eq(msgset_to_batch(NULL, 0, &b), TRIB_ERR_INVALID);
	ck_assert_int_eq(msgset_to_batch(raw, 0, &b), TRIB_ERR_INVALID);
	/* magic 2 (a RecordBatch is no message set), and a negative magic */
	for (int magic = -1; magic <= 2; magic += 3) {
		s.len = 0;
		add_str(&s, 0, 0, 0, "k", "v");
		s.p[16] = (uint8_t)magic;
		fix_crc(&s, 0);
		expect_err(&s, TRIB_ERR_INVALID);
	}
	/* MessageSize below the minimum, negative, and past the end */
	{
		static const int32_t sizes[] = {INT32_MIN, -1, 0, 4, MSGSET_V0_MIN_SIZE - 1};

		for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
			s.len = 0;
			add_str(&s, 0, 0, 0, "k", "v");
			wire_store_u32(s.p + 8, (uint32_t)sizes[i]);
			expect_err(&s, TRIB_ERR_INVALID);
		}
	}
	s.len = 0;
	add_str(&s, 0, 0, 0, "k", "v");
	wire_store_u32(s.p + 8, wire_load_u32(s.p + 8) + 1);
	expect_err(&s, TRIB_ERR_INVALID);
	/* the smallest messages of each magic are fine: null key, null value */
	s.len = 0;
	add_str(&s, 0, 0, 0, NULL, NULL);
	ck_assert_uint_eq(s.len, MSGSET_LOG_OVERHEAD + MSGSET_V0_MIN_SIZE);
	add_str(&s, 0, 1, TS0, NULL, NULL);
	ck_assert_uint_eq(s.len, 2 * MSGSET_LOG_OVERHEAD + MSGSET_V0_MIN_SIZE + MSGSET_V1_MIN_SIZE);
	ck_assert_int_eq(convert(&s, &b), TRIB_OK);
	ck_assert_int_eq(b.count, 2);
	msgset_batch_free(&b);
	/* a magic 1 message of magic 0's size: the timestamp eats the lengths */
	s.len = 0;
	add_str(&s, 0, 0, 0, NULL, NULL);
	s.p[16] = 1;
	fix_crc(&s, 0);
	expect_err(&s, TRIB_ERR_INVALID);
	/* key length -2, key longer than the message, value longer than the message */
	s.len = 0;
	add_str(&s, 0, 0, 0, "k", "v");
	wire_store_u32(s.p + 18, (uint32_t)-2);
	fix_crc(&s, 0);
	expect_err(&s, TRIB_ERR_INVALID);
	wire_store_u32(s.p + 18, 100);
	fix_crc(&s, 0);
	expect_err(&s, TRIB_ERR_INVALID);
	wire_store_u32(s.p + 18, 1);
	wire_store_u32(s.p + 23, 2);
	fix_crc(&s, 0);
	expect_err(&s, TRIB_ERR_INVALID);
	/* a byte inside the message after the value: the lengths must use it exactly */
	s.len = 0;
	add_msg(&s, 0, 0, 0, 0, "k", 1, "vv", 2);
	wire_store_u32(s.p + 23, 1);
	fix_crc(&s, 0);
	expect_err(&s, TRIB_ERR_INVALID);
	free(s.p);
}
END_TEST

START_TEST(bad_wrappers)
{
	buf_t s = {0}, in = {0}, inner = {0}, z, nested, empty;
	static const uint8_t junk[] = "this is no gzip stream";

	add_str(&in, 0, 0, 0, "k", "v");
	/* a wrapper with a null value, and one whose value is no stream of its codec */
	add_msg(&s, 0, 0, RBZ_GZIP, 0, NULL, -1, NULL, -1);
	expect_err(&s, TRIB_ERR_INVALID);
	for (int codec = RBZ_GZIP; codec <= RBZ_LZ4; codec++) {
		s.len = 0;
		add_msg(&s, 0, 0, codec, 0, NULL, -1, junk, (int32_t)sizeof(junk));
		expect_err(&s, TRIB_ERR_INVALID);
	}
	/* nested: a wrapper inside a wrapper (Kafka allows one level) */
	z = gzip_of(in.p, in.len);
	add_wrapper(&inner, 0, 0, RBZ_GZIP, 0, &z);
	nested = gzip_of(inner.p, inner.len);
	s.len = 0;
	add_wrapper(&s, 0, 0, RBZ_GZIP, 0, &nested);
	expect_err(&s, TRIB_ERR_INVALID);
	/* an inner magic other than the wrapper's */
	s.len = 0;
	add_wrapper(&s, 0, 1, RBZ_GZIP, TS0, &z);
	expect_err(&s, TRIB_ERR_INVALID);
	/* a wrapper without inner messages */
	empty = gzip_of((const uint8_t *)"", 0);
	s.len = 0;
	add_wrapper(&s, 0, 0, RBZ_GZIP, 0, &empty);
	expect_err(&s, TRIB_ERR_INVALID);
	/* inner bytes that are no message set */
	free(z.p);
	z = gzip_of(junk, sizeof(junk));
	s.len = 0;
	add_wrapper(&s, 0, 0, RBZ_GZIP, 0, &z);
	expect_err(&s, TRIB_ERR_INVALID);
	free(s.p);
	free(in.p);
	free(inner.p);
	free(z.p);
	free(nested.p);
	free(empty.p);
}
END_TEST

/* zstd needs magic 2 (KIP-110); 5-7 name no codec: UNSUPPORTED_COMPRESSION_TYPE. */
START_TEST(unsupported_codecs)
{
	buf_t s = {0}, in = {0}, z;

	add_str(&in, 0, 1, TS0, "k", "v");
	z = gzip_of(in.p, in.len);
	for (int codec = RBZ_ZSTD; codec <= 7; codec++) {
		s.len = 0;
		add_str(&s, 0, 1, TS0, "a", "b");
		add_wrapper(&s, 0, 1, codec, TS0, &z);
		expect_err(&s, TRIB_ERR_UNSUPPORTED);
	}
	free(s.p);
	free(in.p);
	free(z.p);
}
END_TEST

/* MSGSET_MAX_MESSAGES minimal messages convert; one more is TOO_LARGE. */
START_TEST(message_limit)
{
	buf_t s = {0}, one = {0};
	msgset_batch_t b;

	add_str(&one, 0, 0, 0, NULL, NULL);
	s.cap = one.len * ((size_t)MSGSET_MAX_MESSAGES + 1);
	s.p = malloc(s.cap);
	ck_assert_ptr_nonnull(s.p);
	for (int32_t i = 0; i < MSGSET_MAX_MESSAGES; i++)
		put(&s, one.p, one.len);
	ck_assert_int_eq(convert(&s, &b), TRIB_OK);
	ck_assert_int_eq(b.count, MSGSET_MAX_MESSAGES);
	msgset_batch_free(&b);
	put(&s, one.p, one.len);
	expect_err(&s, TRIB_ERR_TOO_LARGE);
	free(s.p);
	free(one.p);
}
END_TEST

/* An inner set of @n bytes: one magic 0 message with a zero-filled value. */
static buf_t inner_of_size(size_t n)
{
	buf_t in = {0};
	size_t vlen = n - MSGSET_LOG_OVERHEAD - MSGSET_V0_MIN_SIZE;
	uint8_t *zeros = calloc(vlen, 1);

	add_msg(&in, 0, 0, 0, 0, NULL, -1, zeros, (int32_t)vlen);
	ck_assert_uint_eq(in.len, n);
	free(zeros);
	return in;
}

/* Decompressed bytes: MSGSET_MAX_DECOMPRESSED over one wrapper or spread over two. */
START_TEST(decompressed_limit)
{
	buf_t s = {0}, in = inner_of_size(MSGSET_MAX_DECOMPRESSED), z = gzip_of(in.p, in.len), half,
	      zh;
	msgset_batch_t b;

	add_wrapper(&s, 0, 0, RBZ_GZIP, 0, &z);
	ck_assert_int_eq(convert(&s, &b), TRIB_OK);
	ck_assert_int_eq(b.count, 1);
	ck_assert_int_eq(b.codec, RBZ_GZIP);
	msgset_batch_free(&b);
	free(in.p);
	free(z.p);
	in = inner_of_size(MSGSET_MAX_DECOMPRESSED + 1);
	z = gzip_of(in.p, in.len);
	s.len = 0;
	add_wrapper(&s, 0, 0, RBZ_GZIP, 0, &z);
	expect_err(&s, TRIB_ERR_TOO_LARGE);
	/* two wrappers of half the limit each pass; one byte more in the second does not */
	half = inner_of_size(MSGSET_MAX_DECOMPRESSED / 2);
	zh = gzip_of(half.p, half.len);
	s.len = 0;
	add_wrapper(&s, 0, 0, RBZ_GZIP, 0, &zh);
	add_wrapper(&s, 0, 0, RBZ_GZIP, 0, &zh);
	ck_assert_int_eq(convert(&s, &b), TRIB_OK);
	ck_assert_int_eq(b.count, 2);
	msgset_batch_free(&b);
	free(half.p);
	free(z.p);
	half = inner_of_size(MSGSET_MAX_DECOMPRESSED / 2 + 1);
	z = gzip_of(half.p, half.len);
	s.len = 0;
	add_wrapper(&s, 0, 0, RBZ_GZIP, 0, &zh);
	add_wrapper(&s, 0, 0, RBZ_GZIP, 0, &z);
	expect_err(&s, TRIB_ERR_TOO_LARGE);
	free(s.p);
	free(in.p);
	free(z.p);
	free(half.p);
	free(zh.p);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("msgset");
	TCase *real = tcase_create("real producers");
	TCase *convert_tc = tcase_create("conversion");
	TCase *bad = tcase_create("bad input");
	TCase *limits = tcase_create("limits");
	SRunner *r;
	int failed;

	tcase_add_loop_test(real, real_producer_sets, 0,
			    (int)(sizeof(fixtures) / sizeof(fixtures[0])));
	tcase_add_test(real, rdkafka_magic0_lz4_header_is_broken);
	tcase_add_test(convert_tc, v0_uncompressed);
	tcase_add_test(convert_tc, v1_uncompressed_timestamps);
	tcase_add_test(convert_tc, v1_log_append_time);
	tcase_add_loop_test(convert_tc, each_codec_both_magics, 1, 5);
	tcase_add_test(convert_tc, mixed_codecs_last_wins);
	tcase_add_test(convert_tc, mixed_magics);
	tcase_add_test(convert_tc, v1_wrapper_log_append_time);
	tcase_add_test(convert_tc, lz4_header_checksum);
	tcase_add_test(bad, crc_errors);
	tcase_add_loop_test(bad, truncation, 0, 2);
	tcase_add_test(bad, malformed_messages);
	tcase_add_test(bad, bad_wrappers);
	tcase_add_test(bad, unsupported_codecs);
	tcase_add_test(limits, message_limit);
	tcase_add_test(limits, decompressed_limit);
	tcase_set_timeout(limits, 100);
	suite_add_tcase(s, real);
	suite_add_tcase(s, convert_tc);
	suite_add_tcase(s, bad);
	suite_add_tcase(s, limits);
	r = srunner_create(s);
	srunner_run_all(r, CK_NORMAL);
	failed = srunner_ntests_failed(r);
	srunner_free(r);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
