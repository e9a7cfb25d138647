/**
 * ApiVersions (key 18) request and response codec, versions 0-3
 * (ApiVersionsRequest.json / ApiVersionsResponse.json). v3 is flexible:
 * compact strings, compact arrays and tag buffers in the body; the
 * response header stays v0 (KIP-511, see kafka_frame.h).
 */
#ifndef TRIB_KAFKA_API_VERSIONS_H
#define TRIB_KAFKA_API_VERSIONS_H

#include <stdint.h>

#include "slice.h"
#include "trib_err.h"
#include "wire.h"

typedef struct kafka_api_versions_req {
	trib_slice_t client_software_name;    /**< v3+, borrowed from the frame */
	trib_slice_t client_software_version; /**< v3+, borrowed from the frame */
} kafka_api_versions_req_t;

typedef struct kafka_api_versions_key {
	int16_t api_key;
	int16_t min_version;
	int16_t max_version;
} kafka_api_versions_key_t;

typedef struct kafka_api_versions_resp {
	int16_t error_code;
	const kafka_api_versions_key_t *api_keys; /**< borrowed */
	int32_t api_key_count;
	int32_t throttle_time_ms; /**< v1+ */
} kafka_api_versions_resp_t;

/**
 * Decodes the body of an ApiVersions request at @p version (0-3) from
 * @p rd, which must be consumed exactly. Strings borrow the input.
 * Errors: TRIB_ERR_INVALID (short, malformed, trailing bytes, version).
 * @thread any  @locks none
 */
trib_err_t kafka_api_versions_req_decode(wire_rd_t *rd, int16_t version,
					 kafka_api_versions_req_t *out) TRIB_MUST_CHECK;

/**
 * Writes the response body at @p version (0-3); @p resp is a
 * kafka_api_versions_resp_t (kafka_body_fn shape). v3 writes no tagged
 * fields (SupportedFeatures and the rest are optional).
 * @thread any  @locks none
 */
void kafka_api_versions_resp_write(wire_wr_t *wr, int16_t version, const void *resp);

#endif
