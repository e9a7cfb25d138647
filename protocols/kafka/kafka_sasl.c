/*
 * SASL PLAIN with Event Hubs connection strings, and the per-connection
 * gate. Invariants:
 *  - only DONE carries a grant; every other state authorizes nothing when
 *    authorization is required;
 *  - a state leaves START once: a second handshake, an authenticate out of
 *    order or a refused login ends in FAILED, where any further frame closes
 *    the connection (and kafka_conn closes it anyway once a refused
 *    SaslAuthenticate is answered, as Kafka does);
 *  - the connection string is parsed in place (slices into the token), and
 *    the key is compared by auth_check_key in constant time.
 */
#include "kafka_sasl.h"

#include <string.h>

#include "clock.h"
#include "kafka_api.h"
#include "kafka_err.h"
#include "kafka_conn.h"

static trib_slice_t trim(trib_slice_t s)
{
	while (s.len && (s.ptr[0] == ' ' || s.ptr[0] == '\t')) {
		s.ptr++;
		s.len--;
	}
	while (s.len && (s.ptr[s.len - 1] == ' ' || s.ptr[s.len - 1] == '\t'))
		s.len--;
	return s;
}

/* The slot a connection-string key fills, or NULL for a key we ignore. */
static trib_slice_t *slot_for(kafka_sasl_connstr_t *out, trib_slice_t key)
{
	if (slice_eq_cstr(key, "Endpoint", true))
		return &out->endpoint;
	if (slice_eq_cstr(key, "SharedAccessKeyName", true))
		return &out->key_name;
	if (slice_eq_cstr(key, "SharedAccessKey", true))
		return &out->key;
	if (slice_eq_cstr(key, "EntityPath", true))
		return &out->entity_path;
	return NULL;
}

static trib_err_t take_pair(kafka_sasl_connstr_t *out, trib_slice_t part)
{
	const uint8_t *eq = memchr(part.ptr, '=', part.len);
	trib_slice_t key, val, *slot;

	if (!eq)
		return TRIB_ERR_INVALID;
	key = trim((trib_slice_t){part.ptr, (size_t)(eq - part.ptr)});
	val = (trib_slice_t){eq + 1, part.len - (size_t)(eq - part.ptr) - 1};
	slot = slot_for(out, key);
	if (!slot)
		return TRIB_OK;
	if (slot->ptr)
		return TRIB_ERR_INVALID; /* twice: which one counts is ambiguous */
	*slot = val;
	return TRIB_OK;
}

trib_err_t kafka_sasl_connstr_parse(trib_slice_t s, kafka_sasl_connstr_t *out)
{
	size_t pos = 0;

	*out = (kafka_sasl_connstr_t){0};
	if (!s.ptr || s.len > KAFKA_SASL_MAX_CONNSTR)
		return TRIB_ERR_INVALID;
	while (pos < s.len) {
		const uint8_t *semi = memchr(s.ptr + pos, ';', s.len - pos);
		size_t end = semi ? (size_t)(semi - s.ptr) : s.len;
		trib_slice_t part = trim((trib_slice_t){s.ptr + pos, end - pos});

		if (part.len && take_pair(out, part) != TRIB_OK)
			return TRIB_ERR_INVALID;
		pos = end + 1;
	}
	if (!out->endpoint.len || !out->key_name.len || !out->key.len)
		return TRIB_ERR_INVALID;
	return TRIB_OK;
}

trib_err_t kafka_sasl_plain_split(trib_slice_t token, trib_slice_t *authzid, trib_slice_t *user,
				  trib_slice_t *pass)
{
	const uint8_t *nul1, *nul2;
	size_t after;

	if (!token.ptr)
		return TRIB_ERR_INVALID;
	nul1 = memchr(token.ptr, 0, token.len);
	if (!nul1)
		return TRIB_ERR_INVALID;
	after = (size_t)(nul1 - token.ptr) + 1;
	nul2 = memchr(nul1 + 1, 0, token.len - after);
	if (!nul2)
		return TRIB_ERR_INVALID;
	*authzid = (trib_slice_t){token.ptr, (size_t)(nul1 - token.ptr)};
	*user = (trib_slice_t){nul1 + 1, (size_t)(nul2 - nul1 - 1)};
	*pass = (trib_slice_t){nul2 + 1, token.len - (size_t)(nul2 + 1 - token.ptr)};
	if (memchr(pass->ptr, 0, pass->len) || user->len == 0)
		return TRIB_ERR_INVALID;
	return TRIB_OK;
}

kafka_sasl_gate_t kafka_sasl_gate(const kafka_sasl_t *s, bool required, int16_t api_key)
{
	if (s->state == KAFKA_SASL_WANT_RAW)
		return KAFKA_SASL_RAW;
	if (s->state == KAFKA_SASL_FAILED)
		return KAFKA_SASL_CLOSE;
	if (!required || s->state == KAFKA_SASL_DONE)
		return KAFKA_SASL_SERVE;
	switch (api_key) {
	case KAFKA_API_API_VERSIONS:
	case KAFKA_API_SASL_HANDSHAKE:
	case KAFKA_API_SASL_AUTHENTICATE:
		return KAFKA_SASL_SERVE;
	default:
		return KAFKA_SASL_CLOSE;
	}
}

uint32_t kafka_sasl_frame_limit(const kafka_sasl_t *s, bool required, uint32_t max)
{
	if (required && s->state != KAFKA_SASL_DONE && max > KAFKA_SASL_PREAUTH_MAX_BYTES)
		return KAFKA_SASL_PREAUTH_MAX_BYTES;
	return max;
}

int16_t kafka_sasl_on_handshake(kafka_sasl_t *s, int16_t version, trib_slice_t mechanism,
				bool have_auth)
{
	if (s->state != KAFKA_SASL_START) {
		s->state = KAFKA_SASL_FAILED;
		return KAFKA_ERR_ILLEGAL_SASL_STATE;
	}
	if (!have_auth || !slice_eq_cstr(mechanism, "PLAIN", false))
		return KAFKA_ERR_UNSUPPORTED_SASL_MECHANISM; /* the client may try another */
	s->state = version == 0 ? KAFKA_SASL_WANT_RAW : KAFKA_SASL_WANT_AUTH;
	return 0;
}

/* Narrows @g to EntityPath @ep (a hub): refused when the policy is scoped elsewhere. */
static bool narrow(auth_grant_t *g, trib_slice_t ep)
{
	char path[sizeof(g->path)];

	if (!ep.ptr || ep.len == 0)
		return true;
	if (!auth_normalize_path(ep, path, sizeof(path)) || path[0] == '\0' ||
	    strchr(path, '/'))
		return false;
	if (g->path[0] == '\0') {
		memcpy(g->path, path, sizeof(path));
		return true;
	}
	return strcmp(g->path, path) == 0;
}

static const char *check(kafka_sasl_t *s, const auth_t *a, trib_slice_t token)
{
	trib_slice_t authzid, user, pass;
	kafka_sasl_connstr_t cs;
	auth_grant_t g;

	if (!a)
		return "no SAS policies are configured";
	if (kafka_sasl_plain_split(token, &authzid, &user, &pass) != TRIB_OK)
		return "not a SASL PLAIN message";
	if (!slice_eq_cstr(user, KAFKA_SASL_USERNAME, false))
		return "the username must be $ConnectionString";
	if (kafka_sasl_connstr_parse(pass, &cs) != TRIB_OK)
		return "the password is not a connection string with Endpoint, "
		       "SharedAccessKeyName and SharedAccessKey";
	if (auth_check_key(a, cs.key_name, cs.key, &g) != TRIB_OK)
		return "unknown policy or wrong key";
	if (!narrow(&g, cs.entity_path))
		return "EntityPath is outside the policy's scope";
	s->grant = g;
	return NULL;
}

trib_err_t kafka_sasl_login(kafka_sasl_t *s, const auth_t *a, trib_slice_t token,
			    const char **why)
{
	const char *fail = check(s, a, token);

	if (why)
		*why = fail;
	if (fail) {
		s->state = KAFKA_SASL_FAILED;
		s->grant = (auth_grant_t){0};
		return TRIB_ERR_UNAUTHORIZED;
	}
	s->state = KAFKA_SASL_DONE;
	return TRIB_OK;
}

bool kafka_sasl_allows(const kafka_sasl_t *s, bool required, trib_slice_t topic,
		       auth_right_t right, int64_t now_s)
{
	char path[sizeof(s->grant.path)];

	if (!required)
		return true;
	if (s->state != KAFKA_SASL_DONE || !topic.ptr ||
	    !auth_normalize_path(topic, path, sizeof(path)))
		return false;
	return auth_allows(&s->grant, path, right, now_s);
}

bool kafka_sasl_req_allows(const kafka_req_t *req, trib_slice_t topic, auth_right_t right)
{
	if (!req->env->auth_required)
		return true;
	if (!req->conn)
		return false;
	return kafka_sasl_allows(kafka_conn_sasl(req->conn), true, topic, right,
				 clock_wall_ms() / 1000);
}
