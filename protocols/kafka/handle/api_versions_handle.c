/*
 * ApiVersions. The advertised list is the version table (kafka_api.c) as
 * is. A version above 3 cannot be decoded, so it is answered in the v0
 * shape that every client can read (KIP-511); librdkafka then retries with
 * the highest version the list offers.
 */
#include "api_versions_handle.h"

#include "api/api_versions.h"
#include "kafka_api.h"
#include "kafka_err.h"

/* The table as ApiVersions keys, in the request's arena. */
static kafka_api_versions_key_t *table_keys(kafka_req_t *req, int32_t *count)
{
	size_t n = kafka_api_count();
	kafka_api_versions_key_t *keys = kafka_arena_calloc(&req->arena, n, sizeof(*keys));

	if (!keys)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		const kafka_api_t *api = kafka_api_at(i);

		keys[i].api_key = api->key;
		keys[i].min_version = api->min;
		keys[i].max_version = api->max;
	}
	*count = (int32_t)n;
	return keys;
}

trib_err_t kafka_api_versions_handle(kafka_req_t *req, wire_rd_t *body)
{
	kafka_api_versions_req_t q;
	kafka_api_versions_resp_t resp = {0};
	trib_err_t err;

	err = kafka_api_versions_req_decode(body, req->hdr.api_version, &q);
	if (err)
		return err;
	resp.error_code = req->reject;
	resp.api_keys = table_keys(req, &resp.api_key_count);
	if (!resp.api_keys)
		return TRIB_ERR_NOMEM;
	return kafka_req_respond(req, kafka_api_versions_resp_write, &resp);
}

trib_err_t kafka_api_versions_unsupported(kafka_req_t *req)
{
	kafka_api_versions_resp_t resp = {.error_code = KAFKA_ERR_UNSUPPORTED_VERSION};

	resp.api_keys = table_keys(req, &resp.api_key_count);
	if (!resp.api_keys)
		return TRIB_ERR_NOMEM;
	return kafka_req_respond_as(req, 0, 0, kafka_api_versions_resp_write, &resp);
}
