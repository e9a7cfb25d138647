/*
 * Record batch decompression. One growable output buffer serves every
 * codec. Invariants: its capacity never passes max + 1 bytes, so a stream
 * that would pass the limit is caught after writing one byte too many and
 * never earlier than that (a stream of exactly max bytes is accepted); when
 * the output size is known up front (snappy) it is checked against max
 * before allocating. Every decoder must consume its whole input and end on
 * a complete frame or member, so a truncated stream or trailing bytes are
 * corrupt input, never a silently short batch.
 *
 * Decoder state outside the output buffer is allocated by the libraries:
 * zlib's goes through mem_alloc under the caller's subsystem; lz4 keeps at
 * most a 4 MiB block and a 64 KiB window; zstd's window is capped at
 * 2^RBZ_ZSTD_WINDOW_LOG_MAX bytes so a frame cannot ask for more than the
 * output limit itself.
 *
 * Compression (for message sets up-converted to a batch, lib/msgset.c) is
 * one call per codec into a buffer of the library's own bound, so it never
 * grows or runs short; its input is at most RBZ_MAX_DECOMPRESSED bytes.
 */
#include "rbz.h"

#include <limits.h>
#include <string.h>

#include <lz4frame.h>
#include <snappy-c.h>
#include <zlib.h>
#include <zstd.h>
#include <zstd_errors.h>

#define RBZ_FIRST_CAP 4096       /* smallest output allocation, bytes */
#define RBZ_ZSTD_WINDOW_LOG_MAX 26 /* 64 MiB: no frame window beyond RBZ_MAX_DECOMPRESSED */
#define XERIAL_HEADER_SIZE 16      /* magic 8, version 4, compatible 4 */

static const uint8_t xerial_magic[8] = {0x82, 'S', 'N', 'A', 'P', 'P', 'Y', 0};

typedef struct obuf {
	uint8_t *p;
	size_t len, cap;
	size_t max; /* the caller's limit; cap stops at max + 1 */
	mem_sys_t sys;
} obuf_t;

bool rbz_codec_known(int codec)
{
	return codec >= RBZ_GZIP && codec <= RBZ_ZSTD;
}

const char *rbz_codec_name(int codec)
{
	switch (codec) {
	case RBZ_NONE: return "none";
	case RBZ_GZIP: return "gzip";
	case RBZ_SNAPPY: return "snappy";
	case RBZ_LZ4: return "lz4";
	case RBZ_ZSTD: return "zstd";
	default: return "unknown";
	}
}

static size_t cap_limit(const obuf_t *o)
{
	return o->max == SIZE_MAX ? SIZE_MAX : o->max + 1;
}

/* Grows the buffer to at least @want bytes (doubling, from RBZ_FIRST_CAP), never past max + 1. */
static trib_err_t obuf_reserve(obuf_t *o, size_t want)
{
	size_t limit = cap_limit(o);
	size_t cap;
	uint8_t *np;

	if (want <= o->cap)
		return TRIB_OK;
	if (o->cap >= limit)
		return TRIB_ERR_TOO_LARGE;
	cap = o->cap > SIZE_MAX / 2 ? SIZE_MAX : o->cap * 2;
	if (cap < want)
		cap = want;
	if (cap < RBZ_FIRST_CAP)
		cap = RBZ_FIRST_CAP;
	if (cap > limit)
		cap = limit;
	np = mem_realloc(o->sys, o->p, cap);
	if (!np)
		return TRIB_ERR_NOMEM;
	o->p = np;
	o->cap = cap;
	return TRIB_OK;
}

/* Room for one more byte at least. */
static trib_err_t obuf_room(obuf_t *o)
{
	return o->len < o->cap ? TRIB_OK : obuf_reserve(o, o->cap + 1);
}

/* A first capacity for a stream of unknown output size: four times the input. */
static size_t guess(size_t in_len)
{
	return in_len > SIZE_MAX / 4 ? SIZE_MAX : in_len * 4;
}

static void *z_alloc(void *opaque, uInt items, uInt size)
{
	return mem_calloc(*(mem_sys_t *)opaque, items, size);
}

static void z_free(void *opaque, void *p)
{
	(void)opaque;
	mem_free(p);
}

/* gzip members (RFC 1952), one after another as GZIPInputStream reads them. */
static trib_err_t do_gzip(const uint8_t *in, size_t in_len, obuf_t *o)
{
	z_stream zs;
	trib_err_t err = TRIB_OK;
	int rc;

	if (in_len > UINT_MAX)
		return TRIB_ERR_TOO_LARGE;
	memset(&zs, 0, sizeof(zs));
	zs.zalloc = z_alloc;
	zs.zfree = z_free;
	zs.opaque = &o->sys;
	/* 15 + 32: 32 KiB window, gzip or zlib header detected */
	if (inflateInit2(&zs, 15 + 32) != Z_OK)
		return TRIB_ERR_NOMEM;
	zs.next_in = (Bytef *)in;
	zs.avail_in = (uInt)in_len;
	err = obuf_reserve(o, guess(in_len));
	while (!err) {
		err = obuf_room(o);
		if (err)
			break;
		zs.next_out = o->p + o->len;
		zs.avail_out = o->cap - o->len > UINT_MAX ? UINT_MAX : (uInt)(o->cap - o->len);
		rc = inflate(&zs, Z_NO_FLUSH);
		o->len = (size_t)(zs.next_out - o->p);
		if (rc == Z_STREAM_END) {
			if (zs.avail_in == 0)
				break;
			if (inflateReset(&zs) != Z_OK) {
				err = TRIB_ERR_CORRUPT;
				break;
			}
			continue;
		}
		if (rc == Z_MEM_ERROR) {
			err = TRIB_ERR_NOMEM;
			break;
		}
		/* out of input with room left: the member was cut short */
		if ((rc != Z_OK && rc != Z_BUF_ERROR) || (zs.avail_in == 0 && zs.avail_out != 0)) {
			err = TRIB_ERR_CORRUPT;
			break;
		}
	}
	inflateEnd(&zs);
	return err;
}

/* One raw snappy block, into a buffer sized from its own length preamble. */
static trib_err_t do_snappy_raw(const uint8_t *in, size_t in_len, obuf_t *o)
{
	size_t n;
	trib_err_t err;

	if (snappy_uncompressed_length((const char *)in, in_len, &n) != SNAPPY_OK)
		return TRIB_ERR_CORRUPT;
	if (n > o->max)
		return TRIB_ERR_TOO_LARGE;
	if (n == 0)
		return in_len == 1 ? TRIB_OK : TRIB_ERR_CORRUPT;
	err = obuf_reserve(o, n);
	if (err)
		return err;
	if (snappy_uncompress((const char *)in, in_len, (char *)o->p, &n) != SNAPPY_OK)
		return TRIB_ERR_CORRUPT;
	o->len = n;
	return TRIB_OK;
}

/*
 * Walks the xerial chunks after the header. With @o NULL it only checks the
 * framing and sums the chunks' uncompressed sizes into *total (bounded by
 * max); otherwise it decompresses them into @o, sized beforehand.
 */
static trib_err_t xerial_walk(const uint8_t *in, size_t in_len, size_t max, size_t *total,
			      obuf_t *o)
{
	size_t pos = XERIAL_HEADER_SIZE;

	*total = 0;
	while (pos < in_len) {
		size_t clen, n;

		if (in_len - pos < 4)
			return TRIB_ERR_CORRUPT;
		clen = (size_t)in[pos] << 24 | (size_t)in[pos + 1] << 16 | (size_t)in[pos + 2] << 8 |
		       in[pos + 3];
		pos += 4;
		if (clen == 0 || clen > in_len - pos)
			return TRIB_ERR_CORRUPT;
		if (snappy_uncompressed_length((const char *)in + pos, clen, &n) != SNAPPY_OK)
			return TRIB_ERR_CORRUPT;
		if (n > max - *total)
			return TRIB_ERR_TOO_LARGE;
		if (o) {
			size_t got = o->cap - o->len;

			if (snappy_uncompress((const char *)in + pos, clen, (char *)o->p + o->len,
					      &got) != SNAPPY_OK ||
			    got != n)
				return TRIB_ERR_CORRUPT;
			o->len += n;
		}
		*total += n;
		pos += clen;
	}
	return TRIB_OK;
}

static trib_err_t do_snappy(const uint8_t *in, size_t in_len, obuf_t *o)
{
	size_t total;
	trib_err_t err;

	if (in_len < XERIAL_HEADER_SIZE || memcmp(in, xerial_magic, sizeof(xerial_magic)) != 0)
		return do_snappy_raw(in, in_len, o);
	err = xerial_walk(in, in_len, o->max, &total, NULL);
	if (err || total == 0)
		return err;
	err = obuf_reserve(o, total);
	if (err)
		return err;
	return xerial_walk(in, in_len, o->max, &total, o);
}

/* LZ4 frames (LZ4F_decompress); a hint of 0 means a frame just ended. */
static trib_err_t do_lz4(const uint8_t *in, size_t in_len, obuf_t *o)
{
	LZ4F_dctx *dctx;
	trib_err_t err = TRIB_OK;
	size_t off = 0;

	if (LZ4F_isError(LZ4F_createDecompressionContext(&dctx, LZ4F_VERSION)))
		return TRIB_ERR_NOMEM;
	err = obuf_reserve(o, guess(in_len));
	while (!err) {
		size_t dst, src = in_len - off, hint;

		err = obuf_room(o);
		if (err)
			break;
		dst = o->cap - o->len;
		hint = LZ4F_decompress(dctx, o->p + o->len, &dst, in + off, &src, NULL);
		if (LZ4F_isError(hint)) {
			err = TRIB_ERR_CORRUPT;
			break;
		}
		o->len += dst;
		off += src;
		if (hint == 0 && off == in_len)
			break;
		/* input used up, room left, frame not done: truncated */
		if (off == in_len && o->len < o->cap)
			err = TRIB_ERR_CORRUPT;
		else if (src == 0 && dst == 0 && o->len < o->cap)
			err = TRIB_ERR_CORRUPT; /* no progress: never loop */
	}
	LZ4F_freeDecompressionContext(dctx);
	return err;
}

static trib_err_t zstd_error(size_t rc)
{
	switch (ZSTD_getErrorCode(rc)) {
	case ZSTD_error_memory_allocation: return TRIB_ERR_NOMEM;
	case ZSTD_error_frameParameter_windowTooLarge: return TRIB_ERR_TOO_LARGE;
	default: return TRIB_ERR_CORRUPT;
	}
}

/* zstd frames, streamed: a frame need not carry its content size. */
static trib_err_t do_zstd(const uint8_t *in, size_t in_len, obuf_t *o)
{
	ZSTD_DStream *ds = ZSTD_createDStream();
	ZSTD_inBuffer ib = {in, in_len, 0};
	unsigned long long known = ZSTD_getFrameContentSize(in, in_len);
	trib_err_t err;

	if (!ds)
		return TRIB_ERR_NOMEM;
	if (ZSTD_isError(ZSTD_DCtx_setParameter(ds, ZSTD_d_windowLogMax,
						 RBZ_ZSTD_WINDOW_LOG_MAX))) {
		ZSTD_freeDStream(ds);
		return TRIB_ERR_NOMEM;
	}
	if (known == ZSTD_CONTENTSIZE_ERROR) {
		err = TRIB_ERR_CORRUPT;
	} else if (known != ZSTD_CONTENTSIZE_UNKNOWN) {
		err = known > o->max ? TRIB_ERR_TOO_LARGE : obuf_reserve(o, (size_t)known);
	} else {
		err = obuf_reserve(o, guess(in_len));
	}
	while (!err) {
		ZSTD_outBuffer ob;
		size_t rc;

		err = obuf_room(o);
		if (err)
			break;
		ob = (ZSTD_outBuffer){o->p, o->cap, o->len};
		rc = ZSTD_decompressStream(ds, &ob, &ib);
		if (ZSTD_isError(rc)) {
			err = zstd_error(rc);
			break;
		}
		o->len = ob.pos;
		if (rc == 0 && ib.pos == ib.size)
			break;
		if (ib.pos == ib.size && ob.pos < ob.size)
			err = TRIB_ERR_CORRUPT; /* the last frame was cut short */
	}
	ZSTD_freeDStream(ds);
	return err;
}

trib_err_t rbz_decompress(int codec, const uint8_t *in, size_t in_len, size_t max, mem_sys_t sys,
			  uint8_t **out, size_t *out_len)
{
	obuf_t o = {NULL, 0, 0, max, sys};
	trib_err_t err;

	*out = NULL;
	*out_len = 0;
	if (!rbz_codec_known(codec))
		return TRIB_ERR_UNSUPPORTED;
	if (in_len == 0)
		return TRIB_ERR_CORRUPT;
	switch (codec) {
	case RBZ_GZIP: err = do_gzip(in, in_len, &o); break;
	case RBZ_SNAPPY: err = do_snappy(in, in_len, &o); break;
	case RBZ_LZ4: err = do_lz4(in, in_len, &o); break;
	default: err = do_zstd(in, in_len, &o); break;
	}
	if (!err && o.len > max)
		err = TRIB_ERR_TOO_LARGE;
	if (err || o.len == 0) {
		mem_free(o.p);
		return err;
	}
	*out = o.p;
	*out_len = o.len;
	return TRIB_OK;
}

bool rbz_can_compress(int codec)
{
	return codec >= RBZ_GZIP && codec <= RBZ_ZSTD;
}

/* One gzip member in one deflate call, into a buffer of z_bound bytes (over deflateBound). */
static trib_err_t z_gzip(const uint8_t *in, size_t in_len, mem_sys_t sys, uint8_t *dst,
			 size_t *dst_len)
{
	z_stream zs;
	int rc;

	memset(&zs, 0, sizeof(zs));
	zs.zalloc = z_alloc;
	zs.zfree = z_free;
	zs.opaque = &sys;
	/* 15 + 16: 32 KiB window, gzip header and trailer */
	if (deflateInit2(&zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) !=
	    Z_OK)
		return TRIB_ERR_NOMEM;
	zs.next_in = (Bytef *)in;
	zs.avail_in = (uInt)in_len;
	zs.next_out = dst;
	zs.avail_out = (uInt)*dst_len;
	rc = deflate(&zs, Z_FINISH);
	*dst_len = zs.total_out;
	deflateEnd(&zs);
	if (rc == Z_MEM_ERROR)
		return TRIB_ERR_NOMEM;
	return rc == Z_STREAM_END ? TRIB_OK : TRIB_ERR_NOMEM;
}

static size_t z_bound(int codec, size_t in_len, const LZ4F_preferences_t *lz4)
{
	switch (codec) {
	case RBZ_GZIP: return compressBound((uLong)in_len) + 18; /* + gzip header and trailer */
	case RBZ_SNAPPY: return snappy_max_compressed_length(in_len);
	case RBZ_LZ4: return LZ4F_compressFrameBound(in_len, lz4);
	default: return ZSTD_compressBound(in_len);
	}
}

trib_err_t rbz_compress(int codec, const uint8_t *in, size_t in_len, mem_sys_t sys, uint8_t **out,
			size_t *out_len)
{
	/* independent blocks: Java's KafkaLZ4BlockInputStream decodes each block alone */
	LZ4F_preferences_t lz4 = {.frameInfo = {.blockMode = LZ4F_blockIndependent}};
	trib_err_t err = TRIB_OK;
	size_t cap, n;
	uint8_t *dst;

	*out = NULL;
	*out_len = 0;
	if (!rbz_can_compress(codec))
		return TRIB_ERR_UNSUPPORTED;
	if (in_len == 0)
		return TRIB_ERR_INVALID;
	if (in_len > RBZ_MAX_DECOMPRESSED)
		return TRIB_ERR_TOO_LARGE;
	cap = n = z_bound(codec, in_len, &lz4);
	dst = mem_alloc(sys, cap);
	if (!dst)
		return TRIB_ERR_NOMEM;
	switch (codec) {
	case RBZ_GZIP: err = z_gzip(in, in_len, sys, dst, &n); break;
	case RBZ_SNAPPY:
		if (snappy_compress((const char *)in, in_len, (char *)dst, &n) != SNAPPY_OK)
			err = TRIB_ERR_NOMEM;
		break;
	case RBZ_LZ4:
		n = LZ4F_compressFrame(dst, cap, in, in_len, &lz4);
		if (LZ4F_isError(n))
			err = TRIB_ERR_NOMEM;
		break;
	default:
		n = ZSTD_compress(dst, cap, in, in_len, ZSTD_CLEVEL_DEFAULT);
		if (ZSTD_isError(n))
			err = TRIB_ERR_NOMEM;
		break;
	}
	if (err) {
		mem_free(dst);
		return err;
	}
	*out = dst;
	*out_len = n;
	return TRIB_OK;
}
