/*
 * Fuzz target for the Kafka head's SASL input (STYLE.md §14): everything a
 * client sends before it is authenticated. Byte 0 picks what the rest is:
 *   0 SaslHandshake body, 1 SaslAuthenticate body (byte 1 = version, as a
 *     signed byte; a successful decode is echoed through the response encoder);
 *   2 an Event Hubs connection string (kafka_sasl_connstr_parse);
 *   3 a PLAIN message checked as a login against a fixed policy store, once
 *     from START (handshake v1) and once as a raw token (handshake v0), with
 *     the state machine's invariants checked: DONE only with a grant, and the
 *     gate never serves another API before DONE.
 * Needs no namespace; must never crash or leak.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "api/sasl_authenticate.h"
#include "api/sasl_handshake.h"
#include "kafka_api.h"
#include "kafka_sasl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const auth_policy_spec_t specs[] = {
	{AUTH_ROOT_POLICY, "rootkey", NULL, AUTH_MANAGE},
	{"eh1-send", "hubkey", "eh1", AUTH_SEND},
};

static void encode(kafka_body_fn fn, int16_t ver, const void *body)
{
	wire_wr_t wr;
	uint8_t *buf;
	size_t n;

	wire_wr_init(&wr, NULL, 0);
	fn(&wr, ver, body);
	n = wr.pos;
	buf = malloc(n ? n : 1);
	if (!buf)
		return;
	wire_wr_init(&wr, buf, n);
	fn(&wr, ver, body);
	if (wr.pos != n)
		abort();
	free(buf);
}

static void handshake(wire_rd_t *rd, int16_t ver)
{
	kafka_sasl_handshake_req_t q;
	kafka_sasl_handshake_resp_t r = {0};
	kafka_sasl_t s = {0};

	if (kafka_sasl_handshake_req_decode(rd, ver, &q) != TRIB_OK)
		return;
	r.error_code = kafka_sasl_on_handshake(&s, ver, q.mechanism, true);
	r.mechanisms = &q.mechanism;
	r.mechanism_count = 1;
	encode(kafka_sasl_handshake_resp_write, ver, &r);
}

static void authenticate(wire_rd_t *rd, int16_t ver)
{
	kafka_sasl_authenticate_req_t q;
	kafka_sasl_authenticate_resp_t r = {0};

	if (kafka_sasl_authenticate_req_decode(rd, ver, &q) != TRIB_OK)
		return;
	r.auth_bytes = q.auth_bytes;
	r.error_message = q.auth_bytes;
	encode(kafka_sasl_authenticate_resp_write, ver, &r);
}

static void check_state(const kafka_sasl_t *s)
{
	if (s->state != KAFKA_SASL_DONE && s->state != KAFKA_SASL_FAILED)
		abort();
	if (s->state == KAFKA_SASL_FAILED &&
	    (s->grant.rights || kafka_sasl_gate(s, true, KAFKA_API_PRODUCE) != KAFKA_SASL_CLOSE))
		abort();
	if (s->state == KAFKA_SASL_DONE && !s->grant.rights)
		abort();
}

static void login(trib_slice_t token)
{
	static auth_t *store;
	kafka_sasl_t s = {0};

	if (!store && auth_open(specs, sizeof(specs) / sizeof(specs[0]), &store) != TRIB_OK)
		abort();
	for (int16_t ver = 0; ver <= 1; ver++) {
		s = (kafka_sasl_t){0};
		if (kafka_sasl_on_handshake(&s, ver, slice_from_cstr("PLAIN"), true) != 0)
			abort();
		if (kafka_sasl_gate(&s, true, KAFKA_API_METADATA) !=
		    (ver == 0 ? KAFKA_SASL_RAW : KAFKA_SASL_CLOSE))
			abort();
		if ((kafka_sasl_login(&s, store, token, NULL) == TRIB_OK) !=
		    (s.state == KAFKA_SASL_DONE))
			abort();
		check_state(&s);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	wire_rd_t rd;
	kafka_sasl_connstr_t cs;

	if (size < 2)
		return 0;
	wire_rd_init(&rd, data + 2, size - 2);
	switch (data[0] & 3) {
	case 0: handshake(&rd, (int8_t)data[1]); break;
	case 1: authenticate(&rd, (int8_t)data[1]); break;
	case 2:
		if (kafka_sasl_connstr_parse((trib_slice_t){data + 1, size - 1}, &cs) == TRIB_OK &&
		    (!cs.endpoint.len || !cs.key_name.len || !cs.key.len))
			abort();
		break;
	case 3: login((trib_slice_t){data + 1, size - 1}); break;
	}
	return 0;
}
