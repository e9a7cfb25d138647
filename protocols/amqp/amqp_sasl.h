/**
 * The AMQP head's server side of SASL (AMQP 1.0 part 5, §5.3), plugged into
 * Proton through its SASL implementation interface (proton/sasl_plugin.h):
 * Debian's Proton has no Cyrus, and its built-in server only offers
 * ANONYMOUS. Mechanisms offered (reference/eventhubs-surface.md §1.1):
 *  - ANONYMOUS: authenticated as "anonymous", no grant;
 *  - MSSBCBS: the name the .NET SDK and uAMQP use for "anonymous, then put
 *    tokens on $cbs": authenticated, no grant;
 *  - PLAIN: authzid NUL user NUL password, user = a SAS policy name and
 *    password = its key (auth_check_key); success gives the connection the
 *    policy's grant. With a wrong key the outcome is auth (failure) when
 *    authorisation is required; when it is not, the client is let in
 *    without a grant (everything is allowed anyway).
 * A client that sends no SASL layer at all is still accepted by the
 * transport (pn_transport_require_auth false); it has no grant.
 *
 * Ownership: Proton keeps the user name and authzid pointers given to
 * pnx_sasl_set_succeeded; they are our copies, freed by the plugin's free
 * hook when the transport frees its SASL state.
 */
#ifndef TRIB_AMQP_SASL_H
#define TRIB_AMQP_SASL_H

#include <proton/transport.h>
#include <stdbool.h>

#include "auth.h"
#include "trib_err.h"

/** The mechanisms the server offers, in the order of the sasl-mechanisms frame. */
#define AMQP_SASL_MECHANISMS "MSSBCBS PLAIN ANONYMOUS"
/** Longest PLAIN initial response accepted, bytes (name + key + authzid). */
#define AMQP_SASL_MAX_RESPONSE 4096

/**
 * Installs the plugin on server transport @p t (before any byte is read):
 * creates its SASL state and offers AMQP_SASL_MECHANISMS. @p auth (borrowed,
 * must outlive @p t; NULL = no policies: PLAIN is then accepted without a
 * check and gives no grant) checks PLAIN credentials; @p required says
 * whether a wrong key fails the exchange. Errors: TRIB_ERR_NOMEM.
 * @thread amqp proactor (or start-up of a test)  @locks none
 */
trib_err_t amqp_sasl_install(pn_transport_t *t, const auth_t *auth,
			     bool required) TRIB_MUST_CHECK;

/**
 * True when the SASL exchange on @p t succeeded with PLAIN and a valid
 * policy key; then *out (owned by the caller) gets that policy's grant (no
 * expiry). False for other mechanisms, no SASL layer, failures, or a
 * transport without the plugin.
 * @thread amqp proactor (t's connection)  @locks none
 */
bool amqp_sasl_grant(pn_transport_t *t, auth_grant_t *out);

#endif
