/*
 * SASL handlers. Both run synchronously on the loop while the connection
 * is open (kafka_conn dispatches and only then reads the next frame), so
 * the state they move decides the very next frame. Refusals are logged
 * with the peer's policy name only, never the key.
 */
#include "sasl_handle.h"

#include "api/sasl_authenticate.h"
#include "api/sasl_handshake.h"
#include "kafka_conn.h"
#include "kafka_err.h"
#include "kafka_sasl.h"
#include "log.h"

trib_err_t kafka_sasl_handshake_handle(kafka_req_t *req, wire_rd_t *body)
{
	kafka_sasl_handshake_req_t q;
	kafka_sasl_handshake_resp_t resp = {0};
	trib_slice_t plain = slice_from_cstr("PLAIN");
	trib_err_t err;

	err = kafka_sasl_handshake_req_decode(body, req->hdr.api_version, &req->arena, &q);
	if (err)
		return err;
	if (req->env->auth) {
		resp.mechanisms = &plain;
		resp.mechanisms_count = 1;
	}
	resp.error_code = req->reject;
	if (!resp.error_code)
		resp.error_code = kafka_sasl_on_handshake(kafka_conn_sasl(req->conn),
							  req->hdr.api_version, q.mechanism,
							  req->env->auth != NULL);
	return kafka_req_respond(req, kafka_sasl_handshake_resp_write, &resp);
}

trib_err_t kafka_sasl_authenticate_handle(kafka_req_t *req, wire_rd_t *body)
{
	kafka_sasl_authenticate_req_t q;
	kafka_sasl_authenticate_resp_t resp = {0};
	kafka_sasl_t *s = kafka_conn_sasl(req->conn);
	const char *why = NULL;
	trib_err_t err;

	err = kafka_sasl_authenticate_req_decode(body, req->hdr.api_version, &req->arena, &q);
	if (err)
		return err;
	if (req->reject) {
		resp.error_code = req->reject;
	} else if (s->state != KAFKA_SASL_WANT_AUTH) {
		s->state = KAFKA_SASL_FAILED;
		resp.error_code = KAFKA_ERR_ILLEGAL_SASL_STATE;
		resp.error_message = slice_from_cstr("SaslAuthenticate without SaslHandshake v1");
	} else if (kafka_sasl_login(s, req->env->auth, q.auth_bytes, &why) != TRIB_OK) {
		log_warn("kafka: SASL PLAIN refused (correlation id %d): %s",
			 req->hdr.correlation_id, why);
		resp.error_code = KAFKA_ERR_SASL_AUTHENTICATION_FAILED;
		resp.error_message = slice_from_cstr(why);
	} else {
		log_info("kafka: authenticated with policy %s (scope \"%s\")", s->grant.policy,
			 s->grant.path);
	}
	if (resp.error_code)
		kafka_conn_close_after(req->conn, req);
	return kafka_req_respond(req, kafka_sasl_authenticate_resp_write, &resp);
}
