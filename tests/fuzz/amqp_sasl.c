/*
 * Fuzz target: the AMQP head's SASL server plugin (protocols/amqp/amqp_sasl.c)
 * behind a real Proton server transport. First byte: bit 0 = authorisation
 * required, bits 1-7 = the size of the chunks the rest is fed in (1..128),
 * so frames split at every boundary. The rest is what a client sends from
 * the first byte on (protocol header, sasl-init, anything). Invariants: no
 * crash or sanitizer report; a grant only after a successful PLAIN with
 * the right key, and then for the policy's scope; every byte our plugin
 * allocated is freed with the transport (MEM_AMQP back to where it was).
 * The bytes pass the amqp_frame scanner first, as in amqp_conn: it keeps
 * back a second sasl-init (Proton 0.37's pn_do_init would leak the
 * mechanism name of the first; seed double-init), then the input ends.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <proton/connection.h>
#include <proton/sasl.h>
#include <proton/transport.h>

#include "amqp_frame.h"
#include "amqp_sasl.h"
#include "auth.h"
#include "mem.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const auth_policy_spec_t specs[] = {
	{AUTH_ROOT_POLICY, AUTH_EMULATOR_KEY, NULL, AUTH_MANAGE},
	{"send", "key", "eh1", AUTH_SEND},
};

static auth_t *policies(void)
{
	static auth_t *a;

	if (!a && auth_open(specs, sizeof(specs) / sizeof(specs[0]), &a) != TRIB_OK)
		abort();
	return a;
}

static void drain(pn_transport_t *t)
{
	ssize_t n;

	while ((n = pn_transport_pending(t)) > 0)
		pn_transport_pop(t, (size_t)n);
}

static void check_grant(pn_transport_t *t)
{
	auth_grant_t g;

	if (!amqp_sasl_grant(t, &g))
		return;
	if (pn_sasl_outcome(pn_sasl(t)) != PN_SASL_OK || g.expires_at != INT64_MAX)
		abort();
	if (strcmp(g.policy, AUTH_ROOT_POLICY) == 0 ? g.path[0] != '\0' : strcmp(g.path, "eh1") != 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	auth_t *a = policies();
	size_t before = mem_used(MEM_AMQP);
	pn_transport_t *t;
	pn_connection_t *c;
	amqp_frame_scan_t scan;
	const uint8_t *from;
	size_t chunk;

	if (size < 1)
		return 0;
	chunk = (size_t)(data[0] >> 1) + 1;
	t = pn_transport();
	c = pn_connection();
	pn_transport_set_server(t);
	pn_transport_require_auth(t, false);
	if (amqp_sasl_install(t, a, data[0] & 1) != TRIB_OK)
		abort();
	pn_transport_bind(t, c);
	amqp_frame_init(&scan);
	for (size_t at = 1; at < size;) {
		ssize_t cap = pn_transport_capacity(t);
		size_t n = size - at < chunk ? size - at : chunk;

		if (cap <= 0)
			break;
		if (n > (size_t)cap)
			n = (size_t)cap;
		from = data + at;
		at += n;
		n = amqp_frame_feed(&scan, from, n);
		memcpy(pn_transport_tail(t), from, n);
		if (pn_transport_process(t, n) < 0)
			break;
		drain(t);
		if (amqp_frame_refusal(&scan)) {
			(void)pn_transport_close_tail(t);
			break;
		}
	}
	amqp_frame_free(&scan);
	check_grant(t);
	pn_transport_unbind(t);
	pn_transport_free(t);
	pn_connection_free(c);
	if (mem_used(MEM_AMQP) != before)
		abort();
	return 0;
}
