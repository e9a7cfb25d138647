/*
 * Fuzz target for the Kafka head's SASL input (STYLE.md §14): what a client
 * sends before it is authenticated, past the message codecs (SaslHandshake
 * and SaslAuthenticate are generated and fuzzed by kafka_message). Byte 0
 * picks what the rest is:
 *   0, 1 a mechanism name given to kafka_sasl_on_handshake at version
 *     (int8)byte 1, twice: accepted (0) only for PLAIN, moving START to
 *     WANT_RAW (v0) or WANT_AUTH; a second handshake is ILLEGAL_SASL_STATE;
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

#include "kafka_api.h"
#include "kafka_err.h"
#include "kafka_sasl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const auth_policy_spec_t specs[] = {
	{AUTH_ROOT_POLICY, "rootkey", NULL, AUTH_MANAGE},
	{"eh1-send", "hubkey", "eh1", AUTH_SEND},
};

static void handshake(int16_t ver, trib_slice_t mechanism)
{
	kafka_sasl_t s = {0};
	int16_t code = kafka_sasl_on_handshake(&s, ver, mechanism, true);

	if ((code == 0) != slice_eq_cstr(mechanism, "PLAIN", false))
		abort();
	if (code == 0 && s.state != (ver == 0 ? KAFKA_SASL_WANT_RAW : KAFKA_SASL_WANT_AUTH))
		abort();
	if (code != 0 && s.state != KAFKA_SASL_START)
		abort();
	if (code == 0 && (kafka_sasl_on_handshake(&s, ver, mechanism, true) !=
			  KAFKA_ERR_ILLEGAL_SASL_STATE || s.state != KAFKA_SASL_FAILED))
		abort();
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
	kafka_sasl_connstr_t cs;

	if (size < 2)
		return 0;
	switch (data[0] & 3) {
	case 0:
	case 1: handshake((int8_t)data[1], (trib_slice_t){data + 2, size - 2}); break;
	case 2:
		if (kafka_sasl_connstr_parse((trib_slice_t){data + 1, size - 1}, &cs) == TRIB_OK &&
		    (!cs.endpoint.len || !cs.key_name.len || !cs.key.len))
			abort();
		break;
	case 3: login((trib_slice_t){data + 1, size - 1}); break;
	}
	return 0;
}
