/*
 * Dispatch: the version table says what is served (kafka_api.c); this file
 * binds keys to handlers and applies the one set of version rules.
 */
#include "kafka_dispatch.h"

#include "handle/api_versions_handle.h"
#include "kafka_api.h"
#include "kafka_err.h"
#include "log.h"

/* Every served API has a generated handler-table entry (its definition's handler=). */
static trib_err_t run_handler(kafka_req_t *req, wire_rd_t *body)
{
	kafka_handler_fn fn = kafka_handler_for(req->hdr.api_key);

	return fn ? fn(req, body) : TRIB_ERR_UNSUPPORTED;
}

/* The body of an answer to a request whose shape we do not know: its error code alone. */
static void write_error_only(wire_wr_t *wr, int16_t version, const void *body)
{
	(void)version;
	wire_wr_i16(wr, *(const int16_t *)body);
}

/*
 * An unknown API key, or a version newer than any schema we know: no
 * response shape exists to answer in, so the client gets its correlation
 * id and UNSUPPORTED_VERSION (the ApiVersions v0 prefix, KIP-511) and the
 * connection stays open for its next request.
 */
static trib_err_t unsupported(kafka_req_t *req)
{
	static const int16_t code = KAFKA_ERR_UNSUPPORTED_VERSION;

	return kafka_req_respond_as(req, 0, 0, write_error_only, &code);
}

trib_err_t kafka_dispatch(kafka_req_t *req)
{
	const kafka_api_t *api;
	int16_t key, ver;
	int32_t corr;
	wire_rd_t rd;
	trib_err_t err;

	kafka_frame_ids(req->frame, req->frame_len, &key, &ver, &corr);
	req->hdr.api_key = key;
	req->hdr.api_version = ver;
	req->hdr.correlation_id = corr;
	api = kafka_api_find(key);
	if (!api) {
		log_warn("kafka: unknown api key %d (v%d): answered UNSUPPORTED_VERSION", key, ver);
		return unsupported(req);
	}
	if (key == KAFKA_API_API_VERSIONS && ver > api->max)
		return kafka_api_versions_unsupported(req);
	if (ver < api->codec_min || ver > api->codec_max) {
		log_warn("kafka: %s v%d is outside what this broker can decode (v%d-%d): answered "
			 "UNSUPPORTED_VERSION", api->name, ver, api->codec_min, api->codec_max);
		return unsupported(req);
	}
	req->flexible = kafka_api_flexible(api, ver);
	wire_rd_init(&rd, req->frame, req->frame_len);
	err = kafka_frame_hdr_decode(&rd, kafka_frame_req_hdr_version(req->flexible), &req->hdr);
	if (err)
		return err;
	if (ver < api->min || ver > api->max)
		req->reject = KAFKA_ERR_UNSUPPORTED_VERSION;
	return run_handler(req, &rd);
}
