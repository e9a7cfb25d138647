/*
 * rbz: record batch decompression per codec (streams made here with the same
 * libraries producers use), the output limit at limit and limit + 1, zip
 * bombs, truncated and trailing input, and compressed batches through
 * rb_validate_records / rb_iter with no memory left behind; rbz_compress
 * read back by rbz_decompress.
 */
#include "rbz.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lz4frame.h>
#include <snappy-c.h>
#include <zlib.h>
#include <zstd.h>

#include "crc32c.h"
#include "rb.h"
#include "wire.h"

typedef struct buf {
	uint8_t *p;
	size_t len;
} buf_t;

/* Some compressible but not trivial bytes. */
static buf_t sample(size_t n)
{
	buf_t b = {malloc(n ? n : 1), n};

	ck_assert_ptr_nonnull(b.p);
	for (size_t i = 0; i < n; i++)
		b.p[i] = (uint8_t)("tributary "[i % 10] + (i / 977) % 3);
	return b;
}

static buf_t zeros(size_t n)
{
	buf_t b = {calloc(n ? n : 1, 1), n};

	ck_assert_ptr_nonnull(b.p);
	return b;
}

static buf_t gzip_of(const uint8_t *p, size_t n)
{
	z_stream zs;
	buf_t out;

	memset(&zs, 0, sizeof(zs));
	ck_assert_int_eq(deflateInit2(&zs, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY), Z_OK);
	out.len = deflateBound(&zs, n) + 32;
	out.p = malloc(out.len);
	zs.next_in = (Bytef *)p;
	zs.avail_in = (uInt)n;
	zs.next_out = out.p;
	zs.avail_out = (uInt)out.len;
	ck_assert_int_eq(deflate(&zs, Z_FINISH), Z_STREAM_END);
	out.len = zs.total_out;
	deflateEnd(&zs);
	return out;
}

static buf_t snappy_of(const uint8_t *p, size_t n)
{
	buf_t out;

	out.len = snappy_max_compressed_length(n);
	out.p = malloc(out.len);
	ck_assert_int_eq(snappy_compress((const char *)p, n, (char *)out.p, &out.len), SNAPPY_OK);
	return out;
}

/* The xerial framing of snappy-java's SnappyOutputStream, in @chunk-byte chunks. */
static buf_t xerial_of(const uint8_t *p, size_t n, size_t chunk)
{
	static const uint8_t head[16] = {0x82, 'S', 'N', 'A', 'P', 'P', 'Y', 0, 0, 0, 0, 1, 0, 0, 0, 1};
	buf_t out = {malloc(16 + (n / chunk + 1) * (4 + snappy_max_compressed_length(chunk))), 16};

	memcpy(out.p, head, 16);
	for (size_t off = 0; off < n; off += chunk) {
		size_t m = n - off < chunk ? n - off : chunk;
		size_t clen = snappy_max_compressed_length(m);

		ck_assert_int_eq(snappy_compress((const char *)p + off, m, (char *)out.p + out.len + 4,
						 &clen), SNAPPY_OK);
		wire_store_u32(out.p + out.len, (uint32_t)clen);
		out.len += 4 + clen;
	}
	return out;
}

static buf_t lz4_of(const uint8_t *p, size_t n)
{
	buf_t out;

	out.len = LZ4F_compressFrameBound(n, NULL);
	out.p = malloc(out.len);
	out.len = LZ4F_compressFrame(out.p, out.len, p, n, NULL);
	ck_assert(!LZ4F_isError(out.len));
	return out;
}

/* Streamed, so the frame has no content size (as librdkafka's zstd frames may). */
static buf_t zstd_stream_of(const uint8_t *p, size_t n, int window_log)
{
	ZSTD_CCtx *c = ZSTD_createCCtx();
	ZSTD_inBuffer ib = {p, n, 0};
	ZSTD_outBuffer ob;
	buf_t out;

	out.len = ZSTD_compressBound(n) + 64;
	out.p = malloc(out.len);
	ob = (ZSTD_outBuffer){out.p, out.len, 0};
	if (window_log)
		ck_assert(!ZSTD_isError(ZSTD_CCtx_setParameter(c, ZSTD_c_windowLog, window_log)));
	/* continue first: a first call with e_end would learn the size and write it */
	ck_assert(!ZSTD_isError(ZSTD_compressStream2(c, &ob, &ib, ZSTD_e_continue)));
	ck_assert_uint_eq(ib.pos, ib.size);
	ck_assert_uint_eq(ZSTD_compressStream2(c, &ob, &ib, ZSTD_e_end), 0);
	out.len = ob.pos;
	ZSTD_freeCCtx(c);
	return out;
}

static buf_t zstd_of(const uint8_t *p, size_t n)
{
	buf_t out;

	out.len = ZSTD_compressBound(n);
	out.p = malloc(out.len);
	out.len = ZSTD_compress(out.p, out.len, p, n, 3);
	ck_assert(!ZSTD_isError(out.len));
	return out;
}

/* A stream of @p in under @codec, in the framing a real producer uses. */
static buf_t make_stream(int codec, const uint8_t *p, size_t n)
{
	switch (codec) {
	case RBZ_GZIP: return gzip_of(p, n);
	case RBZ_SNAPPY: return snappy_of(p, n);
	case RBZ_LZ4: return lz4_of(p, n);
	default: return zstd_stream_of(p, n, 0);
	}
}

static void expect_same(int codec, buf_t z, buf_t plain)
{
	uint8_t *out;
	size_t n;
	size_t before = mem_used(MEM_KAFKA);

	ck_assert_int_eq(rbz_decompress(codec, z.p, z.len, RBZ_MAX_DECOMPRESSED, MEM_KAFKA, &out, &n),
			 TRIB_OK);
	ck_assert_uint_eq(n, plain.len);
	ck_assert_mem_eq(out, plain.p, n);
	ck_assert_uint_gt(mem_used(MEM_KAFKA), before);
	mem_free(out);
	ck_assert_uint_eq(mem_used(MEM_KAFKA), before);
}

static void expect_err(int codec, buf_t z, size_t max, trib_err_t want)
{
	uint8_t *out = (uint8_t *)"x";
	size_t n = 7;
	size_t before = mem_used(MEM_KAFKA);

	ck_assert_int_eq(rbz_decompress(codec, z.p, z.len, max, MEM_KAFKA, &out, &n), want);
	ck_assert_ptr_null(out);
	ck_assert_uint_eq(n, 0);
	ck_assert_uint_eq(mem_used(MEM_KAFKA), before);
}

START_TEST(each_codec_round_trips)
{
	int codec = RBZ_GZIP + _i;
	size_t sizes[] = {1, 100, 70000, 3 << 20};

	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		buf_t plain = sample(sizes[i]);
		buf_t z = make_stream(codec, plain.p, plain.len);

		if (codec == RBZ_ZSTD)
			ck_assert(ZSTD_getFrameContentSize(z.p, z.len) == ZSTD_CONTENTSIZE_UNKNOWN);
		expect_same(codec, z, plain);
		free(z.p);
		free(plain.p);
	}
}
END_TEST

START_TEST(other_framings)
{
	buf_t plain = sample(300000);
	buf_t z;

	/* snappy-java's xerial chunks: one, several, and one of a single byte */
	z = xerial_of(plain.p, plain.len, 1 << 20);
	expect_same(RBZ_SNAPPY, z, plain);
	free(z.p);
	z = xerial_of(plain.p, plain.len, 32768);
	expect_same(RBZ_SNAPPY, z, plain);
	free(z.p);
	z = xerial_of(plain.p, 1, 32768);
	expect_same(RBZ_SNAPPY, z, (buf_t){plain.p, 1});
	free(z.p);
	/* zstd with a content size in the frame header */
	z = zstd_of(plain.p, plain.len);
	expect_same(RBZ_ZSTD, z, plain);
	free(z.p);
	free(plain.p);
}
END_TEST

/* Two gzip members, two lz4 frames, two zstd frames, back to back. */
START_TEST(concatenated_streams)
{
	int codecs[] = {RBZ_GZIP, RBZ_LZ4, RBZ_ZSTD};
	buf_t plain = sample(50000);

	for (size_t i = 0; i < 3; i++) {
		buf_t a = make_stream(codecs[i], plain.p, 20000);
		buf_t b = make_stream(codecs[i], plain.p + 20000, 30000);
		buf_t both = {malloc(a.len + b.len), a.len + b.len};

		memcpy(both.p, a.p, a.len);
		memcpy(both.p + a.len, b.p, b.len);
		expect_same(codecs[i], both, plain);
		free(a.p);
		free(b.p);
		free(both.p);
	}
	free(plain.p);
}
END_TEST

START_TEST(limit_and_limit_plus_one)
{
	int codec = RBZ_GZIP + _i;
	size_t max = 100000;
	buf_t at = zeros(max), over = zeros(max + 1);
	buf_t z_at = make_stream(codec, at.p, at.len), z_over = make_stream(codec, over.p, over.len);
	uint8_t *out;
	size_t n;

	ck_assert_int_eq(rbz_decompress(codec, z_at.p, z_at.len, max, MEM_KAFKA, &out, &n), TRIB_OK);
	ck_assert_uint_eq(n, max);
	mem_free(out);
	expect_err(codec, z_over, max, TRIB_ERR_TOO_LARGE);
	if (codec == RBZ_SNAPPY) {
		buf_t x = xerial_of(over.p, over.len, 8192);

		expect_err(codec, x, max, TRIB_ERR_TOO_LARGE);
		free(x.p);
		x = xerial_of(at.p, at.len, 8192);
		ck_assert_int_eq(rbz_decompress(codec, x.p, x.len, max, MEM_KAFKA, &out, &n), TRIB_OK);
		ck_assert_uint_eq(n, max);
		mem_free(out);
		free(x.p);
	}
	free(z_at.p);
	free(z_over.p);
	free(at.p);
	free(over.p);
}
END_TEST

/* RBZ_MAX_DECOMPRESSED + 1 zero bytes: a few KiB of input must fail cleanly. */
START_TEST(zip_bomb_refused)
{
	int codec = RBZ_GZIP + _i;
	buf_t big = zeros(RBZ_MAX_DECOMPRESSED + 1);
	buf_t z = make_stream(codec, big.p, big.len);

	free(big.p);
	ck_assert_uint_lt(z.len, 4 << 20);
	expect_err(codec, z, RBZ_MAX_DECOMPRESSED, TRIB_ERR_TOO_LARGE);
	free(z.p);
}
END_TEST

START_TEST(zstd_window_over_limit_refused)
{
	buf_t plain = sample(1000);
	buf_t z = zstd_stream_of(plain.p, plain.len, 27); /* declares a 128 MiB window */

	expect_err(RBZ_ZSTD, z, RBZ_MAX_DECOMPRESSED, TRIB_ERR_TOO_LARGE);
	free(z.p);
	free(plain.p);
}
END_TEST

START_TEST(truncated_and_trailing_corrupt)
{
	int codec = RBZ_GZIP + _i;
	buf_t plain = sample(20000);
	buf_t z = make_stream(codec, plain.p, plain.len);
	buf_t t = {malloc(z.len + 3), 0};

	for (size_t cut = 1; cut < z.len; cut += cut < 40 ? 1 : 97) {
		t.len = cut;
		memcpy(t.p, z.p, cut);
		expect_err(codec, t, RBZ_MAX_DECOMPRESSED, TRIB_ERR_CORRUPT);
	}
	memcpy(t.p, z.p, z.len);
	memcpy(t.p + z.len, "\x01\x02\x03", 3);
	t.len = z.len + 3;
	expect_err(codec, t, RBZ_MAX_DECOMPRESSED, TRIB_ERR_CORRUPT);
	t.len = 0;
	expect_err(codec, t, RBZ_MAX_DECOMPRESSED, TRIB_ERR_CORRUPT);
	free(t.p);
	free(z.p);
	free(plain.p);
}
END_TEST

START_TEST(xerial_framing_errors)
{
	buf_t plain = sample(5000);
	buf_t x = xerial_of(plain.p, plain.len, 2048);
	uint8_t save[4];

	/* a chunk length past the end */
	memcpy(save, x.p + 16, 4);
	wire_store_u32(x.p + 16, 0x7fffffff);
	expect_err(RBZ_SNAPPY, x, RBZ_MAX_DECOMPRESSED, TRIB_ERR_CORRUPT);
	/* a zero-length chunk */
	wire_store_u32(x.p + 16, 0);
	expect_err(RBZ_SNAPPY, x, RBZ_MAX_DECOMPRESSED, TRIB_ERR_CORRUPT);
	memcpy(x.p + 16, save, 4);
	/* a chunk length cut short */
	x.len += 2;
	x.p[x.len - 2] = 0;
	x.p[x.len - 1] = 0;
	expect_err(RBZ_SNAPPY, x, RBZ_MAX_DECOMPRESSED, TRIB_ERR_CORRUPT);
	x.len -= 2;
	expect_same(RBZ_SNAPPY, x, plain);
	free(x.p);
	free(plain.p);
}
END_TEST

START_TEST(unknown_codecs_unsupported)
{
	buf_t plain = sample(10);

	for (int c = 5; c <= 7; c++)
		expect_err(c, plain, RBZ_MAX_DECOMPRESSED, TRIB_ERR_UNSUPPORTED);
	expect_err(RBZ_NONE, plain, RBZ_MAX_DECOMPRESSED, TRIB_ERR_UNSUPPORTED);
	ck_assert(!rbz_codec_known(0));
	ck_assert(rbz_codec_known(4));
	ck_assert(!rbz_codec_known(5));
	ck_assert_str_eq(rbz_codec_name(RBZ_SNAPPY), "snappy");
	ck_assert_str_eq(rbz_codec_name(6), "unknown");
	free(plain.p);
}
END_TEST

/* An uncompressed batch of @n records with keys and headers. */
static buf_t plain_batch(int n, size_t value_len)
{
	rb_builder_t b;
	buf_t v = sample(value_len);
	buf_t out;

	rb_builder_init(&b, 5000);
	for (int i = 0; i < n; i++) {
		char key[16];
		rb_kv_t h[2] = {{slice_from_cstr("h"), slice_from_cstr("hv")},
				{slice_from_cstr("n"), TRIB_SLICE_NULL}};

		snprintf(key, sizeof(key), "k%d", i);
		ck_assert_int_eq(rb_builder_add(&b, 5000 + i, slice_from_cstr(key),
						(trib_slice_t){v.p, v.len}, h, 2), TRIB_OK);
	}
	ck_assert_int_eq(rb_builder_finish(&b, &out.p, &out.len), TRIB_OK);
	free(v.p);
	return out;
}

/* The same batch with its records section compressed and the codec bits set, as a producer sends. */
static buf_t compressed_batch(int codec, buf_t plain)
{
	buf_t z = make_stream(codec, plain.p + RB_HEADER_SIZE, plain.len - RB_HEADER_SIZE);
	buf_t out = {malloc(RB_HEADER_SIZE + z.len), RB_HEADER_SIZE + z.len};

	memcpy(out.p, plain.p, RB_HEADER_SIZE);
	memcpy(out.p + RB_HEADER_SIZE, z.p, z.len);
	wire_store_u32(out.p + 8, (uint32_t)(out.len - RB_LOG_OVERHEAD));
	wire_store_u16(out.p + 21, (uint16_t)codec);
	wire_store_u32(out.p + 17, crc32c(0, out.p + RB_CRC_START, out.len - RB_CRC_START));
	free(z.p);
	return out;
}

START_TEST(compressed_batches_iterate)
{
	int codec = RBZ_GZIP + _i;
	buf_t plain = plain_batch(50, 300);
	buf_t z = compressed_batch(codec, plain);
	size_t before = mem_used(MEM_CORE);
	rb_header_t h;
	rb_iter_t it, pit;
	rb_record_t r, pr;
	int n = 0;

	ck_assert_int_eq(rb_check(z.p, z.len, &h), TRIB_OK);
	ck_assert_int_eq(h.attributes & RB_ATTR_COMPRESSION_MASK, codec);
	ck_assert_int_eq(rb_validate_records(z.p, z.len, &h), TRIB_OK);
	ck_assert_uint_eq(mem_used(MEM_CORE), before);
	ck_assert_int_eq(rb_iter_init(&it, z.p, z.len), TRIB_OK);
	ck_assert_ptr_nonnull(it.owned);
	ck_assert_int_eq(rb_iter_init(&pit, plain.p, plain.len), TRIB_OK);
	ck_assert_ptr_null(pit.owned);
	while (rb_iter_next(&it, &r) == 1) {
		ck_assert_int_eq(rb_iter_next(&pit, &pr), 1);
		ck_assert_int_eq(r.offset, pr.offset);
		ck_assert_int_eq(r.timestamp, pr.timestamp);
		ck_assert_uint_eq(r.key.len, pr.key.len);
		ck_assert_mem_eq(r.key.ptr, pr.key.ptr, r.key.len);
		ck_assert_uint_eq(r.value.len, pr.value.len);
		ck_assert_mem_eq(r.value.ptr, pr.value.ptr, r.value.len);
		ck_assert_int_eq(r.header_count, 2);
		ck_assert_mem_eq(r.headers.ptr, pr.headers.ptr, r.headers.len);
		n++;
	}
	ck_assert_int_eq(n, 50);
	rb_iter_free(&it);
	rb_iter_free(&it);
	rb_iter_free(&pit);
	ck_assert_uint_eq(mem_used(MEM_CORE), before);
	free(z.p);
	mem_free(plain.p);
}
END_TEST

START_TEST(compressed_batch_errors)
{
	buf_t plain = plain_batch(3, 10);
	buf_t z = compressed_batch(RBZ_ZSTD, plain);
	size_t before = mem_used(MEM_CORE);
	rb_header_t h;
	rb_iter_t it;

	/* codec 5: unsupported, nothing owned */
	wire_store_u16(z.p + 21, 5);
	rb_stamp_append_time(z.p, z.len, 9);
	ck_assert_int_eq(rb_check(z.p, z.len, &h), TRIB_OK);
	ck_assert_int_eq(rb_validate_records(z.p, z.len, &h), TRIB_ERR_UNSUPPORTED);
	ck_assert_int_eq(rb_iter_init(&it, z.p, z.len), TRIB_ERR_UNSUPPORTED);
	ck_assert_ptr_null(it.owned);
	rb_iter_free(&it);
	/* gzip bits over a zstd stream: corrupt */
	wire_store_u16(z.p + 21, RBZ_GZIP);
	rb_stamp_append_time(z.p, z.len, 9);
	ck_assert_int_eq(rb_check(z.p, z.len, &h), TRIB_OK);
	ck_assert_int_eq(rb_validate_records(z.p, z.len, &h), TRIB_ERR_CORRUPT);
	/* an uncompressed records section flagged lz4: corrupt */
	wire_store_u16(plain.p + 21, RBZ_LZ4);
	rb_stamp_append_time(plain.p, plain.len, 9);
	ck_assert_int_eq(rb_check(plain.p, plain.len, &h), TRIB_OK);
	ck_assert_int_eq(rb_validate_records(plain.p, plain.len, &h), TRIB_ERR_CORRUPT);
	ck_assert_uint_eq(mem_used(MEM_CORE), before);
	free(z.p);
	mem_free(plain.p);
}
END_TEST

/* recordsCount larger than the records inside the compressed stream. */
START_TEST(compressed_count_mismatch_corrupt)
{
	buf_t plain = plain_batch(3, 10);
	buf_t z;
	rb_header_t h;

	wire_store_u32(plain.p + 57, 4);
	wire_store_u32(plain.p + 23, 3);
	z = compressed_batch(RBZ_LZ4, plain);
	ck_assert_int_eq(rb_check(z.p, z.len, &h), TRIB_OK);
	ck_assert_int_eq(rb_validate_records(z.p, z.len, &h), TRIB_ERR_CORRUPT);
	free(z.p);
	mem_free(plain.p);
}
END_TEST

/* A batch whose records inflate past RBZ_MAX_DECOMPRESSED is refused before iterating. */
START_TEST(batch_bomb_refused)
{
	buf_t big = zeros(RBZ_MAX_DECOMPRESSED + 1);
	buf_t plain = plain_batch(1, 10);
	buf_t z = gzip_of(big.p, big.len);
	buf_t b = {malloc(RB_HEADER_SIZE + z.len), RB_HEADER_SIZE + z.len};
	size_t before = mem_used(MEM_CORE);
	rb_header_t h;
	rb_iter_t it;

	free(big.p);
	memcpy(b.p, plain.p, RB_HEADER_SIZE);
	memcpy(b.p + RB_HEADER_SIZE, z.p, z.len);
	wire_store_u32(b.p + 8, (uint32_t)(b.len - RB_LOG_OVERHEAD));
	wire_store_u16(b.p + 21, RBZ_GZIP);
	rb_stamp_append_time(b.p, b.len, 1);
	ck_assert_int_eq(rb_check(b.p, b.len, &h), TRIB_OK);
	ck_assert_int_eq(rb_validate_records(b.p, b.len, &h), TRIB_ERR_TOO_LARGE);
	ck_assert_int_eq(rb_iter_init(&it, b.p, b.len), TRIB_ERR_TOO_LARGE);
	ck_assert_uint_eq(mem_used(MEM_CORE), before);
	free(b.p);
	free(z.p);
	mem_free(plain.p);
}
END_TEST

/* rbz_compress: codec _i + 1 (gzip, snappy, lz4, zstd) reads back through rbz_decompress. */
START_TEST(compress_round_trips)
{
	int codec = _i + 1;
	buf_t plain = sample(200000);
	size_t before = mem_used(MEM_KAFKA);
	uint8_t *z, *back;
	size_t zlen, blen;

	ck_assert(rbz_can_compress(codec));
	ck_assert_int_eq(rbz_compress(codec, plain.p, plain.len, MEM_KAFKA, &z, &zlen), TRIB_OK);
	ck_assert_uint_lt(zlen, plain.len);
	ck_assert_uint_gt(mem_used(MEM_KAFKA), before);
	/* the framings every Kafka reader takes: gzip member, raw snappy, independent lz4 blocks */
	if (codec == RBZ_GZIP)
		ck_assert(z[0] == 0x1f && z[1] == 0x8b);
	if (codec == RBZ_SNAPPY)
		ck_assert_int_ne(z[0], 0x82);
	if (codec == RBZ_LZ4)
		ck_assert_int_eq(z[4] & 0x20, 0x20);
	ck_assert_int_eq(rbz_decompress(codec, z, zlen, plain.len, MEM_KAFKA, &back, &blen),
			 TRIB_OK);
	ck_assert_uint_eq(blen, plain.len);
	ck_assert_mem_eq(back, plain.p, plain.len);
	mem_free(back);
	mem_free(z);
	/* one byte compresses too */
	ck_assert_int_eq(rbz_compress(codec, plain.p, 1, MEM_KAFKA, &z, &zlen), TRIB_OK);
	ck_assert_int_eq(rbz_decompress(codec, z, zlen, 1, MEM_KAFKA, &back, &blen), TRIB_OK);
	ck_assert_uint_eq(blen, 1);
	ck_assert_int_eq(back[0], plain.p[0]);
	mem_free(back);
	mem_free(z);
	ck_assert_uint_eq(mem_used(MEM_KAFKA), before);
	free(plain.p);
}
END_TEST

START_TEST(compress_errors)
{
	static const int bad_codecs[] = {RBZ_NONE, 5, 6, 7, -1};
	size_t before = mem_used(MEM_KAFKA);
	buf_t big = zeros(RBZ_MAX_DECOMPRESSED + 1);
	uint8_t *z = (uint8_t *)1;
	size_t zlen = 1;

	for (size_t i = 0; i < sizeof(bad_codecs) / sizeof(bad_codecs[0]); i++) {
		ck_assert(!rbz_can_compress(bad_codecs[i]));
		ck_assert_int_eq(rbz_compress(bad_codecs[i], big.p, 10, MEM_KAFKA, &z, &zlen),
				 TRIB_ERR_UNSUPPORTED);
		ck_assert_ptr_null(z);
		ck_assert_uint_eq(zlen, 0);
	}
	ck_assert_int_eq(rbz_compress(RBZ_GZIP, big.p, 0, MEM_KAFKA, &z, &zlen), TRIB_ERR_INVALID);
	/* the limit and the limit + 1 */
	ck_assert_int_eq(rbz_compress(RBZ_LZ4, big.p, big.len, MEM_KAFKA, &z, &zlen),
			 TRIB_ERR_TOO_LARGE);
	ck_assert_ptr_null(z);
	ck_assert_uint_eq(mem_used(MEM_KAFKA), before);
	ck_assert_int_eq(rbz_compress(RBZ_LZ4, big.p, big.len - 1, MEM_KAFKA, &z, &zlen), TRIB_OK);
	mem_free(z);
	ck_assert_uint_eq(mem_used(MEM_KAFKA), before);
	free(big.p);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("rbz");
	TCase *codecs = tcase_create("codecs");
	TCase *limits = tcase_create("limits");
	TCase *bad = tcase_create("bad input");
	TCase *batches = tcase_create("batches");
	TCase *compress = tcase_create("compress");
	SRunner *r;
	int failed;

	tcase_add_loop_test(codecs, each_codec_round_trips, 0, 4);
	tcase_add_test(codecs, other_framings);
	tcase_add_test(codecs, concatenated_streams);
	tcase_add_loop_test(limits, limit_and_limit_plus_one, 0, 4);
	tcase_add_loop_test(limits, zip_bomb_refused, 0, 4);
	tcase_add_test(limits, zstd_window_over_limit_refused);
	tcase_set_timeout(limits, 60);
	tcase_add_loop_test(bad, truncated_and_trailing_corrupt, 0, 4);
	tcase_add_test(bad, xerial_framing_errors);
	tcase_add_test(bad, unknown_codecs_unsupported);
	tcase_add_loop_test(batches, compressed_batches_iterate, 0, 4);
	tcase_add_test(batches, compressed_batch_errors);
	tcase_add_test(batches, compressed_count_mismatch_corrupt);
	tcase_add_test(batches, batch_bomb_refused);
	tcase_set_timeout(batches, 60);
	tcase_add_loop_test(compress, compress_round_trips, 0, 4);
	tcase_add_test(compress, compress_errors);
	tcase_set_timeout(compress, 60);
	suite_add_tcase(s, codecs);
	suite_add_tcase(s, limits);
	suite_add_tcase(s, bad);
	suite_add_tcase(s, batches);
	suite_add_tcase(s, compress);
	r = srunner_create(s);
	srunner_run_all(r, CK_NORMAL);
	failed = srunner_ntests_failed(r);
	srunner_free(r);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
