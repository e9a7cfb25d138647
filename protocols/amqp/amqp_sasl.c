/*
 * SASL server plugin.
 *
 * Invariants:
 *  - Every transport we install on has a non-NULL plugin context from the
 *    start (Proton calls the free hook only when the context is set), so
 *    the context and every string we handed Proton are freed exactly once,
 *    by sasl_free, when Proton frees the transport's SASL state.
 *  - Proton has already checked that the client's mechanism is one we
 *    offered before process_init runs; we still compare it ourselves.
 *  - The password is only borrowed from the received frame for the
 *    constant-time check; it is never copied.
 *  - We never challenge: one sasl-init, one sasl-outcome. A second
 *    sasl-init (AMQP 1.0 §5.3.2 allows one) fails the transport: it would
 *    replace the strings Proton holds, and Proton 0.37's pn_do_init leaks
 *    the mechanism name it copied for the previous one.
 */
#include "amqp_sasl.h"

#include <proton/sasl.h>
#include <proton/sasl_plugin.h>
#include <string.h>

#include "log.h"
#include "mem.h"

typedef struct sasl_ctx {
	const auth_t *auth;   /* borrowed */
	bool required;
	bool inited;          /* a sasl-init was handled */
	bool granted;         /* PLAIN with a valid key */
	char *user;           /* handed to pnx_sasl_set_succeeded (MEM_AMQP) */
	char *authzid;        /* idem, NULL when the client sent none */
	auth_grant_t *grant;  /* set when granted (MEM_AMQP) */
} sasl_ctx_t;

static const char ANONYMOUS_NAME[] = "anonymous";

static void sasl_free(pn_transport_t *t)
{
	sasl_ctx_t *x = pnx_sasl_get_context(t);

	if (!x)
		return;
	mem_free(x->user);
	mem_free(x->authzid);
	mem_free(x->grant);
	mem_free(x);
	pnx_sasl_set_context(t, NULL);
}

static const char *list_mechanisms(pn_transport_t *t)
{
	(void)t;
	return AMQP_SASL_MECHANISMS;
}

static bool init_server(pn_transport_t *t)
{
	pnx_sasl_set_desired_state(t, SASL_POSTED_MECHANISMS);
	return true;
}

static bool init_client(pn_transport_t *t)
{
	(void)t;
	return false; /* server only */
}

static void prepare_write(pn_transport_t *t)
{
	(void)t;
}

static char *dup_bytes(const char *p, size_t n)
{
	char *s = mem_alloc(MEM_AMQP, n + 1);

	if (s) {
		memcpy(s, p, n);
		s[n] = '\0';
	}
	return s;
}

static void outcome(pn_transport_t *t, bool ok, const char *user, const char *authzid)
{
	if (ok)
		pnx_sasl_set_succeeded(t, user, authzid);
	else
		pnx_sasl_set_failed(t);
	pnx_sasl_set_desired_state(t, SASL_POSTED_OUTCOME);
}

/* Splits "authzid NUL user NUL password"; false when malformed. */
static bool split_plain(const pn_bytes_t *in, trib_slice_t *authzid, trib_slice_t *user,
			trib_slice_t *pass)
{
	const char *p = in->start;
	const char *nul1, *nul2;

	if (!p || in->size == 0 || in->size > AMQP_SASL_MAX_RESPONSE)
		return false;
	nul1 = memchr(p, '\0', in->size);
	if (!nul1)
		return false;
	nul2 = memchr(nul1 + 1, '\0', in->size - (size_t)(nul1 + 1 - p));
	if (!nul2)
		return false;
	*authzid = (trib_slice_t){(const uint8_t *)p, (size_t)(nul1 - p)};
	*user = (trib_slice_t){(const uint8_t *)nul1 + 1, (size_t)(nul2 - nul1 - 1)};
	*pass = (trib_slice_t){(const uint8_t *)nul2 + 1, in->size - (size_t)(nul2 + 1 - p)};
	/* RFC 4616: no NUL in the password; an empty user name is not a policy */
	return user->len > 0 && !memchr(pass->ptr, '\0', pass->len);
}

/* Checks the key; true when the client may continue (granted or auth not required). */
static bool check_plain(sasl_ctx_t *x, trib_slice_t user, trib_slice_t pass)
{
	auth_grant_t g;

	if (!x->auth)
		return true;
	if (auth_check_key(x->auth, user, pass, &g) == TRIB_OK) {
		x->grant = mem_alloc(MEM_AMQP, sizeof(*x->grant));
		if (!x->grant)
			return false;
		*x->grant = g;
		x->granted = true;
		return true;
	}
	log_info("amqp: SASL PLAIN: unknown policy or wrong key for '%.*s'%s",
		 (int)(user.len > 128 ? 128 : user.len), (const char *)user.ptr,
		 x->required ? "" : " (let in: authorisation not required)");
	return !x->required;
}

static void process_plain(pn_transport_t *t, sasl_ctx_t *x, const pn_bytes_t *in)
{
	trib_slice_t az, user, pass;

	if (!split_plain(in, &az, &user, &pass)) {
		log_info("amqp: SASL PLAIN: malformed initial response");
		outcome(t, false, NULL, NULL);
		return;
	}
	x->user = dup_bytes((const char *)user.ptr, user.len);
	x->authzid = az.len ? dup_bytes((const char *)az.ptr, az.len) : NULL;
	if (!x->user || (az.len && !x->authzid) || !check_plain(x, user, pass)) {
		outcome(t, false, NULL, NULL);
		return;
	}
	outcome(t, true, x->user, x->authzid);
}

static void process_init(pn_transport_t *t, const char *mech, const pn_bytes_t *in)
{
	sasl_ctx_t *x = pnx_sasl_get_context(t);

	if (x && x->inited) {
		pnx_sasl_error(t, "A second sasl-init on one connection.", "amqp:unauthorized-access");
		return;
	}
	if (x)
		x->inited = true;
	if (!x || !mech) {
		outcome(t, false, NULL, NULL);
	} else if (strcmp(mech, "PLAIN") == 0) {
		process_plain(t, x, in);
	} else if (strcmp(mech, "ANONYMOUS") == 0 || strcmp(mech, "MSSBCBS") == 0) {
		/* no grant: the client puts tokens on $cbs next */
		outcome(t, true, ANONYMOUS_NAME, NULL);
	} else {
		outcome(t, false, NULL, NULL);
	}
}

static void process_response(pn_transport_t *t, const pn_bytes_t *in)
{
	(void)in;
	/* we never challenge, so a response is a protocol error */
	outcome(t, false, NULL, NULL);
}

static bool process_mechanisms(pn_transport_t *t, const char *mechs)
{
	(void)t;
	(void)mechs;
	return false;
}

static void process_challenge(pn_transport_t *t, const pn_bytes_t *in)
{
	(void)t;
	(void)in;
}

static void process_outcome(pn_transport_t *t, const pn_bytes_t *in)
{
	(void)t;
	(void)in;
}

static bool can_encrypt(pn_transport_t *t)
{
	(void)t;
	return false;
}

static ssize_t max_encrypt_size(pn_transport_t *t)
{
	(void)t;
	return 0;
}

static ssize_t no_codec(pn_transport_t *t, pn_bytes_t in, pn_bytes_t *out)
{
	(void)t;
	(void)in;
	(void)out;
	return 0;
}

static const pnx_sasl_implementation plugin = {
	.free = sasl_free,
	.list_mechanisms = list_mechanisms,
	.init_server = init_server,
	.init_client = init_client,
	.prepare_write = prepare_write,
	.process_init = process_init,
	.process_response = process_response,
	.process_mechanisms = process_mechanisms,
	.process_challenge = process_challenge,
	.process_outcome = process_outcome,
	.can_encrypt = can_encrypt,
	.max_encrypt_size = max_encrypt_size,
	.encode = no_codec,
	.decode = no_codec,
};

trib_err_t amqp_sasl_install(pn_transport_t *t, const auth_t *auth, bool required)
{
	sasl_ctx_t *x = mem_calloc(MEM_AMQP, 1, sizeof(*x));
	pn_sasl_t *s;

	if (!x)
		return TRIB_ERR_NOMEM;
	x->auth = auth;
	x->required = required;
	s = pn_sasl(t);
	pn_sasl_allowed_mechs(s, AMQP_SASL_MECHANISMS);
	/* PLAIN over plain TCP: the emulator's connection strings are not TLS either */
	pn_sasl_set_allow_insecure_mechs(s, true);
	pnx_sasl_set_implementation(t, &plugin, x);
	return TRIB_OK;
}

bool amqp_sasl_grant(pn_transport_t *t, auth_grant_t *out)
{
	sasl_ctx_t *x;

	if (pn_sasl_outcome(pn_sasl(t)) != PN_SASL_OK)
		return false;
	x = pnx_sasl_get_context(t);
	if (!x || !x->granted || !x->grant)
		return false;
	*out = *x->grant;
	return true;
}
