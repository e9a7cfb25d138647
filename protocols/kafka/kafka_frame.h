/**
 * Kafka framing (Kafka protocol guide, "Common Request and Response
 * Structure"): every request and response is an int32 size followed by that
 * many bytes. This module checks the size prefix of incoming frames, decodes
 * request headers v1 and v2 (KIP-482), and builds complete response frames
 * with header v0 or v1, keeping the two header special cases in one place:
 * ClientId is always a classic int16 string, and the ApiVersions response
 * header is always v0 (KIP-511).
 */
#ifndef TRIB_KAFKA_FRAME_H
#define TRIB_KAFKA_FRAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "slice.h"
#include "trib_err.h"
#include "wire.h"

#define KAFKA_FRAME_PREFIX 4 /**< bytes of the size prefix */
/** api_key + api_version + correlation_id: the least a request frame can hold. */
#define KAFKA_FRAME_MIN 8
/** Default frame limit, Kafka's socket.request.max.bytes (100 MiB). */
#define KAFKA_FRAME_DEFAULT_MAX (100u * 1024 * 1024)

#define KAFKA_API_VERSIONS_KEY 18 /**< the one API whose response header is always v0 */

typedef enum kafka_frame_status {
	KAFKA_FRAME_NEED_MORE, /**< not all bytes of the next frame are here yet */
	KAFKA_FRAME_READY,     /**< a whole frame is here */
	KAFKA_FRAME_BAD,       /**< the size prefix is unacceptable: close the connection */
} kafka_frame_status_t;

/** A decoded request header; client_id borrows the frame. */
typedef struct kafka_hdr {
	int16_t api_key;
	int16_t api_version;
	int32_t correlation_id;
	trib_slice_t client_id; /**< nullable string (null slice for null) */
	int8_t version;         /**< request header version: 1 or 2 */
} kafka_hdr_t;

/**
 * Looks at the buffered input @p buf (@p len bytes, borrowed) and says
 * whether a whole frame is present. *payload_len gets the frame's size
 * prefix whenever it is known and acceptable; the whole frame then takes
 * KAFKA_FRAME_PREFIX + *payload_len bytes. The prefix is checked against
 * @p max (bytes) before anything is allocated: negative, above @p max, or
 * below KAFKA_FRAME_MIN gives KAFKA_FRAME_BAD.
 * @thread any  @locks none
 */
kafka_frame_status_t kafka_frame_peek(const uint8_t *buf, size_t len, uint32_t max,
				      uint32_t *payload_len);

/**
 * Reads api_key, api_version and correlation_id from the first
 * KAFKA_FRAME_MIN bytes of a frame payload (@p p, @p len >= KAFKA_FRAME_MIN,
 * borrowed) without deciding the header version.
 * @thread any  @locks none
 */
void kafka_frame_ids(const uint8_t *p, size_t len, int16_t *api_key, int16_t *api_version,
		     int32_t *correlation_id);

/**
 * Decodes request header @p version (1 or 2) from @p rd, leaving it at the
 * request body. v1: key, version, correlation id, ClientId (int16 nullable
 * string); v2 adds a tag buffer after ClientId, which stays int16-sized
 * (RequestHeader.json: "flexibleVersions": "none" on ClientId). Errors:
 * TRIB_ERR_INVALID on short or malformed input (the reader is failed too).
 * @thread any  @locks none
 */
trib_err_t kafka_frame_hdr_decode(wire_rd_t *rd, int version, kafka_hdr_t *h) TRIB_MUST_CHECK;

/**
 * Request header version: 2 for a flexible request version, else 1
 * (ControlledShutdown v0's header v0 is not served here).
 * @thread any  @locks none
 */
int kafka_frame_req_hdr_version(bool flexible);

/**
 * Response header version: 0 for every ApiVersions response (KIP-511) and
 * every non-flexible response, 1 (with a tag buffer) for flexible ones.
 * @thread any  @locks none
 */
int kafka_frame_resp_hdr_version(int16_t api_key, bool flexible);

/**
 * Writes the body of a response at @p version to @p wr. Called twice: first
 * with a measuring writer, then with one of exactly the measured size; both
 * calls must write the same bytes count. @p body is the caller's model.
 */
typedef void (*kafka_body_fn)(wire_wr_t *wr, int16_t version, const void *body);

/**
 * Builds a whole response frame: size prefix, header @p hdr_version (0 or
 * 1) with @p correlation_id, then the body written by @p fn at @p version.
 * *out is owned by the caller (mem_free, MEM_KAFKA), *len is its size in
 * bytes. Errors: TRIB_ERR_NOMEM, TRIB_ERR_TOO_LARGE (over INT32_MAX).
 * @thread any  @locks none
 */
trib_err_t kafka_frame_response(int32_t correlation_id, int hdr_version, kafka_body_fn fn,
				int16_t version, const void *body, uint8_t **out,
				size_t *len) TRIB_MUST_CHECK;

#endif
