/**
 * SASL on the Kafka port (KIP-43, KIP-152) and the per-connection
 * authorization state, in the form Azure Event Hubs uses
 * (eventhubs-surface.md §4): mechanism PLAIN, username "$ConnectionString",
 * password a connection string "Endpoint=sb://..;SharedAccessKeyName=..;
 * SharedAccessKey=..[;EntityPath=hub]" checked against the SAS policies
 * (core/auth.h). An EntityPath limits the grant to that hub.
 *
 * Connection states: START -> (SaslHandshake v0) WANT_RAW -> the next frame
 * is a raw size-prefixed PLAIN token, not a Kafka request; START ->
 * (SaslHandshake v1) WANT_AUTH -> SaslAuthenticate; either -> DONE or
 * FAILED. While authorization is required and the connection is not DONE,
 * only ApiVersions, SaslHandshake and SaslAuthenticate are served and
 * frames are limited to KAFKA_SASL_PREAUTH_MAX_BYTES (STYLE.md §11); any
 * other request, and anything after FAILED, closes the connection (a
 * refused SaslAuthenticate also closes it once its answer is written).
 */
#ifndef TRIB_KAFKA_SASL_H
#define TRIB_KAFKA_SASL_H

#include <stdbool.h>
#include <stdint.h>

#include "auth.h"
#include "kafka_req.h"
#include "slice.h"
#include "trib_err.h"

/** Largest frame accepted before authentication, bytes (ApiVersions, SASL tokens). */
#define KAFKA_SASL_PREAUTH_MAX_BYTES (16u * 1024)
/** The only SASL username accepted (Event Hubs' Kafka endpoint). */
#define KAFKA_SASL_USERNAME "$ConnectionString"
/** Longest connection string accepted, bytes. */
#define KAFKA_SASL_MAX_CONNSTR 2048

typedef enum kafka_sasl_state {
	KAFKA_SASL_START,     /**< nothing yet */
	KAFKA_SASL_WANT_RAW,  /**< SaslHandshake v0 done: next frame is a raw token */
	KAFKA_SASL_WANT_AUTH, /**< SaslHandshake v1 done: SaslAuthenticate expected */
	KAFKA_SASL_DONE,      /**< authenticated; grant is valid */
	KAFKA_SASL_FAILED,    /**< refused or out of order: the next frame closes */
} kafka_sasl_state_t;

/** Per-connection SASL state; plain data, zero = START with no grant. */
typedef struct kafka_sasl {
	kafka_sasl_state_t state;
	auth_grant_t grant; /**< what the login granted (valid in DONE) */
} kafka_sasl_t;

/** What to do with the next frame of a connection. */
typedef enum kafka_sasl_gate {
	KAFKA_SASL_SERVE, /**< a Kafka request: dispatch it */
	KAFKA_SASL_RAW,   /**< a raw PLAIN token (after SaslHandshake v0) */
	KAFKA_SASL_CLOSE, /**< not allowed in this state: close the connection */
} kafka_sasl_gate_t;

/** A parsed connection string; every slice borrows the input (null when absent). */
typedef struct kafka_sasl_connstr {
	trib_slice_t endpoint;    /**< "sb://host[:port]/" */
	trib_slice_t key_name;    /**< SharedAccessKeyName */
	trib_slice_t key;         /**< SharedAccessKey */
	trib_slice_t entity_path; /**< EntityPath, null when absent */
} kafka_sasl_connstr_t;

/**
 * Parses an Event Hubs connection string @p s (borrowed): ';'-separated
 * "Key=Value" pairs, keys case-insensitive, values taken as written (a
 * value may contain '='), empty parts and spaces or tabs around each part
 * and around keys ignored.
 * Endpoint, SharedAccessKeyName and SharedAccessKey are required and
 * non-empty; EntityPath optional; unknown keys are ignored; a key given
 * twice, a part without '=', or more than KAFKA_SASL_MAX_CONNSTR bytes is
 * refused. Errors: TRIB_ERR_INVALID.
 * @thread any  @locks none
 */
trib_err_t kafka_sasl_connstr_parse(trib_slice_t s, kafka_sasl_connstr_t *out) TRIB_MUST_CHECK;

/**
 * Splits a SASL PLAIN message (RFC 4616: [authzid] NUL authcid NUL passwd)
 * @p token (borrowed) into its three parts (slices into @p token).
 * Errors: TRIB_ERR_INVALID (not two NULs, empty username).
 * @thread any  @locks none
 */
trib_err_t kafka_sasl_plain_split(trib_slice_t token, trib_slice_t *authzid, trib_slice_t *user,
				  trib_slice_t *pass) TRIB_MUST_CHECK;

/**
 * Decides what the next frame with API key @p api_key is allowed to do on
 * a connection in state @p s, with authorization @p required or not.
 * @thread kafka loop  @locks none
 */
kafka_sasl_gate_t kafka_sasl_gate(const kafka_sasl_t *s, bool required, int16_t api_key);

/**
 * Frame limit for the next frame, bytes: @p max, or at most
 * KAFKA_SASL_PREAUTH_MAX_BYTES while @p required and not authenticated.
 * @thread kafka loop  @locks none
 */
uint32_t kafka_sasl_frame_limit(const kafka_sasl_t *s, bool required, uint32_t max);

/**
 * A SaslHandshake at @p version (0 or 1) asking for @p mechanism: returns
 * the Kafka error code to answer (0, UNSUPPORTED_SASL_MECHANISM 33 when the
 * mechanism is not PLAIN or there is no policy store (@p have_auth false),
 * ILLEGAL_SASL_STATE 34 when the connection is not in START) and moves the
 * state (WANT_RAW for v0, WANT_AUTH for v1; FAILED on 34).
 * @thread kafka loop  @locks none
 */
int16_t kafka_sasl_on_handshake(kafka_sasl_t *s, int16_t version, trib_slice_t mechanism,
				bool have_auth);

/**
 * Checks PLAIN @p token (borrowed) against @p a: username
 * KAFKA_SASL_USERNAME, password a connection string whose key name and key
 * match a policy (auth_check_key); an EntityPath narrows a namespace grant
 * to that hub and must equal a hub policy's own hub. State becomes DONE
 * with the grant, or FAILED. @p a NULL refuses. Errors:
 * TRIB_ERR_UNAUTHORIZED; *why (optional) gets a static reason.
 * @thread kafka loop  @locks none
 */
trib_err_t kafka_sasl_login(kafka_sasl_t *s, const auth_t *a, trib_slice_t token,
			    const char **why) TRIB_MUST_CHECK;

/**
 * True when a connection in state @p s may do @p right on Kafka topic
 * @p topic (borrowed) at @p now_s: always when not @p required, else only
 * DONE with a grant whose path covers the topic (topic names compare
 * case-insensitively, as hub names do).
 * @thread kafka loop  @locks none
 */
bool kafka_sasl_allows(const kafka_sasl_t *s, bool required, trib_slice_t topic,
		       auth_right_t right, int64_t now_s);

/**
 * kafka_sasl_allows for the connection of @p req (which must still be
 * open: call while handling the request) with the env's auth_required, at
 * the current wall-clock time. A request whose connection is gone gets false.
 * @thread kafka loop  @locks none
 */
bool kafka_sasl_req_allows(const kafka_req_t *req, trib_slice_t topic, auth_right_t right);

#endif
