/*
 * ApiVersions. The advertised list is the version table (kafka_api.c) as
 * is. A version above the highest we serve cannot be decoded, so it is
 * answered in the v0 shape that every client can read (KIP-511); librdkafka
 * then retries with the highest version the list offers. v3+ names the
 * client software: a name or version Kafka would refuse (not
 * [A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?) is answered INVALID_REQUEST with
 * no keys, as Kafka does (ApiVersionsRequest.isValid). No features are
 * listed (the tagged fields keep their defaults), so v4 answers as v3.
 */
#include "api_versions_handle.h"

#include "api/api_versions.h"
#include "kafka_api.h"
#include "kafka_err.h"
#include "log.h"

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

static bool alnum(uint8_t c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/* Kafka's SOFTWARE_NAME_VERSION_PATTERN (KIP-511). */
static bool software_valid(trib_slice_t s)
{
	if (s.len == 0 || !alnum(s.ptr[0]) || !alnum(s.ptr[s.len - 1]))
		return false;
	for (size_t i = 1; i + 1 < s.len; i++) {
		if (!alnum(s.ptr[i]) && s.ptr[i] != '.' && s.ptr[i] != '-')
			return false;
	}
	return true;
}

trib_err_t kafka_api_versions_handle(kafka_req_t *req, wire_rd_t *body)
{
	kafka_api_versions_req_t q;
	kafka_api_versions_resp_t resp = {.finalized_features_epoch = -1};
	trib_err_t err;

	err = kafka_api_versions_req_decode(body, req->hdr.api_version, &req->arena, &q);
	if (err)
		return err;
	resp.error_code = req->reject;
	if (!resp.error_code && req->hdr.api_version >= 3 &&
	    (!software_valid(q.client_software_name) || !software_valid(q.client_software_version))) {
		log_warn("kafka: ApiVersions v%d with an invalid client software name or version "
			 "(correlation id %d): INVALID_REQUEST", req->hdr.api_version,
			 req->hdr.correlation_id);
		resp.error_code = KAFKA_ERR_INVALID_REQUEST;
		return kafka_req_respond(req, kafka_api_versions_resp_write, &resp);
	}
	resp.api_keys = table_keys(req, &resp.api_keys_count);
	if (!resp.api_keys)
		return TRIB_ERR_NOMEM;
	return kafka_req_respond(req, kafka_api_versions_resp_write, &resp);
}

trib_err_t kafka_api_versions_unsupported(kafka_req_t *req)
{
	kafka_api_versions_resp_t resp = {.error_code = KAFKA_ERR_UNSUPPORTED_VERSION,
					  .finalized_features_epoch = -1};

	resp.api_keys = table_keys(req, &resp.api_keys_count);
	if (!resp.api_keys)
		return TRIB_ERR_NOMEM;
	return kafka_req_respond_as(req, 0, 0, kafka_api_versions_resp_write, &resp);
}
