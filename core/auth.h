/**
 * SAS policies and their checks (eventhubs-surface.md §3, DESIGN.md §2
 * "authorize a principal for a right on an entity"): a policy is a name, a
 * key and rights, scoped to the namespace or to one event hub. Heads call
 * these to authenticate SASL PLAIN (policy name + key), to validate SAS
 * tokens ($cbs put-token, HTTP Authorization, $management security_token)
 * and to authorise an operation on an entity path.
 *
 * Stability: UNSETTLED (interface version 1).
 */
#ifndef TRIB_AUTH_H
#define TRIB_AUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "slice.h"
#include "trib_err.h"

#define AUTH_MAX_POLICIES 12        /**< Event Hubs' limit per namespace or entity */
#define AUTH_MAX_TOKEN_BYTES 4096   /**< longest SAS token accepted */
#define AUTH_CLOCK_SKEW_S 300       /**< expiry tolerance, seconds */
#define AUTH_ROOT_POLICY "RootManageSharedAccessKey"
#define AUTH_EMULATOR_KEY "SAS_KEY_VALUE" /**< the Event Hubs emulator's well-known key */

typedef enum auth_right {
	AUTH_SEND = 1,
	AUTH_LISTEN = 2,
	AUTH_MANAGE = 4, /**< implies Send and Listen */
} auth_right_t;

/** One SAS policy as configured (all strings borrowed by auth_open, which copies them). */
typedef struct auth_policy_spec {
	const char *name;   /**< e.g. "RootManageSharedAccessKey" */
	const char *key;    /**< the key string; HMAC is keyed with its UTF-8 bytes as written */
	const char *hub;    /**< NULL = namespace scope, else the event hub it is defined on */
	unsigned rights;    /**< AUTH_SEND | AUTH_LISTEN | AUTH_MANAGE */
} auth_policy_spec_t;

/**
 * What a successful check grants: the rights of the policy, limited to the
 * entity path of the token's resource (`sr`) and to its expiry. Plain data,
 * owned by the caller; copy it freely.
 */
typedef struct auth_grant {
	unsigned rights;        /**< effective rights (Manage expanded to Send|Listen|Manage) */
	char path[512];         /**< normalised entity path prefix: "" = whole namespace,
				     else e.g. "eh1" or "eh1/partitions/0" (lower case, no
				     leading or trailing slash) */
	int64_t expires_at;     /**< Unix seconds; INT64_MAX for SASL PLAIN (no expiry) */
	char policy[128];       /**< the policy name, for logs */
} auth_grant_t;

typedef struct auth auth_t;

/**
 * Builds the policy store from @p n specs (copied). Errors: TRIB_ERR_INVALID
 * (empty name or key, more than AUTH_MAX_POLICIES per scope, duplicate name in
 * one scope, no rights), TRIB_ERR_NOMEM. *out is owned by the caller (auth_close).
 * @thread main (start-up)  @locks none
 */
trib_err_t auth_open(const auth_policy_spec_t *specs, size_t n, auth_t **out) TRIB_MUST_CHECK;

/** Frees the store; NULL accepted; *a set to NULL. */
void auth_close(auth_t **a);

/**
 * SASL PLAIN (eventhubs-surface.md §1.1): @p name is a policy name, @p key
 * its key; compared in constant time. On success *grant covers the policy's
 * scope with no expiry. Errors: TRIB_ERR_UNAUTHORIZED.
 * @thread any  @locks none (the store is immutable after auth_open)
 */
trib_err_t auth_check_key(const auth_t *a, trib_slice_t name, trib_slice_t key,
			  auth_grant_t *grant) TRIB_MUST_CHECK;

/**
 * Validates a SAS token "SharedAccessSignature sr=..&sig=..&se=..&skn=.."
 * (fields in any order, keys case-insensitive, spaces and a trailing '&'
 * tolerated): the policy skn exists; sig equals base64(HMAC-SHA256(key,
 * <sr as written> "\n" <se>)) compared in constant time; se + AUTH_CLOCK_SKEW_S
 * >= @p now_s; the policy's scope contains the token's resource. The
 * resource's scheme and host are ignored (one namespace), its path is
 * URL-decoded, lower-cased and stripped of slashes. Errors:
 * TRIB_ERR_INVALID (not a SAS token, over AUTH_MAX_TOKEN_BYTES),
 * TRIB_ERR_UNAUTHORIZED (unknown policy, bad signature, expired, resource
 * outside the policy's scope); *why (optional) gets a static reason text.
 * @thread any  @locks none
 */
trib_err_t auth_check_token(const auth_t *a, trib_slice_t token, int64_t now_s, auth_grant_t *grant,
			    const char **why) TRIB_MUST_CHECK;

/**
 * Normalises an entity address the way tokens are compared: scheme and host
 * removed, URL-decoded, lower case, no leading/trailing slash ("sb://h/EH1/"
 * -> "eh1"). Writes at most @p cap bytes including the NUL; returns false
 * when it does not fit or is not valid UTF-8.
 * @thread any  @locks none
 */
bool auth_normalize_path(trib_slice_t address, char *out, size_t cap);

/**
 * True when @p grant, at @p now_s, allows @p right on @p path (normalised
 * with auth_normalize_path): the grant has the right, is not expired, and
 * its path is "" or equals path or is a whole-segment prefix of it.
 * @thread any  @locks none
 */
bool auth_allows(const auth_grant_t *grant, const char *path, auth_right_t right, int64_t now_s);

#endif
