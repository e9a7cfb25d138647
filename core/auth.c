/*
 * SAS policies. The store is an immutable array built by auth_open, so every
 * check runs on any thread without a lock.
 *
 * Invariants:
 *  - secrets are compared only through CRYPTO_memcmp on equal-length inputs:
 *    SASL PLAIN keys as SHA-256 digests (so a wrong length leaks nothing),
 *    signatures as their 44-character base64 text;
 *  - a token's HMAC input is its `sr` value exactly as written (still
 *    URL-encoded), "\n", its `se` text (eventhubs-surface.md §3); only the
 *    scope comparison uses the decoded, normalised path;
 *  - paths compared by auth_allows and by the scope check are normalised the
 *    same way (norm_path): scheme and host gone, percent-decoded, ASCII lower
 *    case, single slashes, none leading or trailing.
 */
#include "auth.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

#include "mem.h"

#define SIG_B64_LEN 44 /* base64 of a 32-byte HMAC-SHA256, padded */
#define SAS_PREFIX "SharedAccessSignature"

typedef struct policy {
	char *name;
	char *key;
	size_t key_len;
	char *hub;   /* normalised; "" = namespace scope */
	unsigned rights;
	uint8_t key_digest[SHA256_DIGEST_LENGTH];
} policy_t;

struct auth {
	policy_t *p;
	size_t n;
};

static unsigned expand(unsigned rights)
{
	return rights & AUTH_MANAGE ? rights | AUTH_SEND | AUTH_LISTEN : rights;
}

static char *dup_str(const char *s)
{
	size_t n = strlen(s) + 1;
	char *p = mem_alloc(MEM_CORE, n);

	if (p)
		memcpy(p, s, n);
	return p;
}

/* ---- paths ---- */

static bool utf8_valid(const uint8_t *s, size_t n)
{
	for (size_t i = 0; i < n;) {
		uint8_t c = s[i];
		size_t k;
		uint32_t cp;

		if (c < 0x80) {
			i++;
			continue;
		}
		if ((c & 0xe0) == 0xc0) {
			k = 1;
			cp = c & 0x1f;
		} else if ((c & 0xf0) == 0xe0) {
			k = 2;
			cp = c & 0x0f;
		} else if ((c & 0xf8) == 0xf0) {
			k = 3;
			cp = c & 0x07;
		} else {
			return false;
		}
		if (n - i <= k)
			return false;
		for (size_t j = 1; j <= k; j++) {
			if ((s[i + j] & 0xc0) != 0x80)
				return false;
			cp = cp << 6 | (s[i + j] & 0x3f);
		}
		if ((k == 1 && cp < 0x80) || (k == 2 && cp < 0x800) || (k == 3 && cp < 0x10000) ||
		    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return false;
		i += k + 1;
	}
	return true;
}

/* Percent-decodes @p in into out (cap bytes); '+' becomes ' ' when @p plus_space. */
static bool url_decode(trib_slice_t in, bool plus_space, char *out, size_t cap, size_t *n)
{
	size_t o = 0;

	for (size_t i = 0; i < in.len; i++) {
		uint8_t c = in.ptr[i];

		if (c == '%') {
			int hi = i + 2 < in.len ? slice_hex_digit(in.ptr[i + 1]) : -1;
			int lo = hi >= 0 ? slice_hex_digit(in.ptr[i + 2]) : -1;

			if (lo < 0)
				return false;
			c = (uint8_t)(hi << 4 | lo);
			i += 2;
		} else if (c == '+' && plus_space) {
			c = ' ';
		}
		if (o >= cap)
			return false;
		out[o++] = (char)c;
	}
	*n = o;
	return true;
}

/*
 * Normalises @p in (URL-decoded once) into out (cap bytes with the NUL).
 * @p host_first: without a scheme the first segment is still a host (a
 * token's sr is always a URI; the REST examples write a bare host).
 * @p plus_space: '+' means ' ' (form encoding, as Python's quote_plus writes sr).
 */
static bool norm_path(trib_slice_t in, bool host_first, bool plus_space, char *out, size_t cap)
{
	char dec[AUTH_MAX_TOKEN_BYTES];
	const char *p = dec, *end;
	size_t n = 0, o = 0;

	if (cap == 0 || in.len > sizeof(dec) ||
	    !url_decode(in.ptr ? in : (trib_slice_t){(const uint8_t *)"", 0}, plus_space, dec,
			sizeof(dec), &n) ||
	    memchr(dec, '\0', n))
		return false;
	end = dec + n;
	for (const char *q = p; q + 2 < end && *q != '/'; q++) {
		if (q[0] == ':' && q[1] == '/' && q[2] == '/') {
			p = q + 3;
			host_first = true;
			break;
		}
	}
	if (host_first)
		while (p < end && *p != '/')
			p++;
	for (; p < end; p++) {
		char c = *p;

		if (c == '/' && (o == 0 || out[o - 1] == '/'))
			continue; /* leading or repeated slash */
		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		if (o + 1 >= cap)
			return false;
		out[o++] = c;
	}
	if (o > 0 && out[o - 1] == '/')
		o--;
	out[o] = '\0';
	return utf8_valid((const uint8_t *)out, o);
}

bool auth_normalize_path(trib_slice_t address, char *out, size_t cap)
{
	return norm_path(address, false, false, out, cap);
}

/* @p scope ("" = everything) contains @p path: equal or a whole-segment prefix. */
static bool within(const char *scope, const char *path)
{
	size_t n = strlen(scope);

	if (n == 0)
		return true;
	return strncmp(scope, path, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

/* ---- the store ---- */

static void free_policies(policy_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (p[i].key) {
			OPENSSL_cleanse(p[i].key, p[i].key_len);
			mem_free(p[i].key);
		}
		mem_free(p[i].name);
		mem_free(p[i].hub);
	}
	mem_free(p);
}

static trib_err_t copy_policy(const auth_policy_spec_t *s, policy_t *d)
{
	char hub[sizeof(((auth_grant_t *)0)->path)];

	if (!s->name || !s->name[0] || !s->key || !s->key[0])
		return TRIB_ERR_INVALID;
	if (!(s->rights & (AUTH_SEND | AUTH_LISTEN | AUTH_MANAGE)) ||
	    (s->rights & ~(unsigned)(AUTH_SEND | AUTH_LISTEN | AUTH_MANAGE)))
		return TRIB_ERR_INVALID;
	if (s->hub && (!auth_normalize_path(slice_from_cstr(s->hub), hub, sizeof(hub)) || !hub[0] ||
		       strchr(hub, '/')))
		return TRIB_ERR_INVALID;
	d->rights = expand(s->rights);
	d->key_len = strlen(s->key);
	d->name = dup_str(s->name);
	d->key = dup_str(s->key);
	d->hub = dup_str(s->hub ? hub : "");
	if (!d->name || !d->key || !d->hub)
		return TRIB_ERR_NOMEM;
	SHA256((const uint8_t *)d->key, d->key_len, d->key_digest);
	return TRIB_OK;
}

/* At most AUTH_MAX_POLICIES per scope, names unique within a scope. */
static trib_err_t check_scopes(const policy_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		size_t same_scope = 0;

		for (size_t j = 0; j < n; j++) {
			if (strcmp(p[i].hub, p[j].hub) != 0)
				continue;
			same_scope++;
			if (j < i && strcmp(p[i].name, p[j].name) == 0)
				return TRIB_ERR_INVALID;
		}
		if (same_scope > AUTH_MAX_POLICIES)
			return TRIB_ERR_INVALID;
	}
	return TRIB_OK;
}

trib_err_t auth_open(const auth_policy_spec_t *specs, size_t n, auth_t **out)
{
	auth_t *a;
	trib_err_t err = TRIB_OK;

	*out = NULL;
	if (n > 0 && !specs)
		return TRIB_ERR_INVALID;
	a = mem_calloc(MEM_CORE, 1, sizeof(*a));
	if (!a)
		return TRIB_ERR_NOMEM;
	a->p = mem_calloc(MEM_CORE, n ? n : 1, sizeof(*a->p));
	if (!a->p) {
		mem_free(a);
		return TRIB_ERR_NOMEM;
	}
	for (a->n = 0; !err && a->n < n; a->n++)
		err = copy_policy(&specs[a->n], &a->p[a->n]);
	if (!err)
		err = check_scopes(a->p, a->n);
	if (err) {
		auth_close(&a);
		return err;
	}
	*out = a;
	return TRIB_OK;
}

void auth_close(auth_t **a)
{
	if (!a || !*a)
		return;
	free_policies((*a)->p, (*a)->n);
	mem_free(*a);
	*a = NULL;
}

static void fill_grant(auth_grant_t *g, const policy_t *p, const char *path, int64_t expires_at)
{
	memset(g, 0, sizeof(*g));
	g->rights = p->rights;
	snprintf(g->path, sizeof(g->path), "%s", path);
	g->expires_at = expires_at;
	snprintf(g->policy, sizeof(g->policy), "%s", p->name);
}

trib_err_t auth_check_key(const auth_t *a, trib_slice_t name, trib_slice_t key,
			  auth_grant_t *grant)
{
	uint8_t d[SHA256_DIGEST_LENGTH];

	if (!a || !name.ptr || !key.ptr)
		return TRIB_ERR_UNAUTHORIZED;
	SHA256(key.ptr, key.len, d);
	for (size_t i = 0; i < a->n; i++) {
		const policy_t *p = &a->p[i];

		if (!slice_eq_cstr(name, p->name, false))
			continue;
		if (CRYPTO_memcmp(d, p->key_digest, sizeof(d)) == 0) {
			fill_grant(grant, p, p->hub, INT64_MAX);
			return TRIB_OK;
		}
	}
	return TRIB_ERR_UNAUTHORIZED;
}

/* ---- tokens ---- */

typedef struct token {
	trib_slice_t sr, sig, se, skn; /* raw, as written */
} token_t;

static bool is_space(uint8_t c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static trib_slice_t trim(trib_slice_t s)
{
	while (s.len && is_space(s.ptr[0])) {
		s.ptr++;
		s.len--;
	}
	while (s.len && is_space(s.ptr[s.len - 1]))
		s.len--;
	return s;
}

static trib_slice_t *field_slot(token_t *t, trib_slice_t key)
{
	if (slice_eq_cstr(key, "sr", true))
		return &t->sr;
	if (slice_eq_cstr(key, "sig", true))
		return &t->sig;
	if (slice_eq_cstr(key, "se", true))
		return &t->se;
	if (slice_eq_cstr(key, "skn", true))
		return &t->skn;
	return NULL;
}

/* "SharedAccessSignature k=v&k=v..." into its four raw values. */
static trib_err_t parse_token(trib_slice_t tok, token_t *t, const char **why)
{
	size_t plen = strlen(SAS_PREFIX);
	const uint8_t *p, *end;

	memset(t, 0, sizeof(*t));
	tok = trim(tok);
	if (tok.len <= plen || strncasecmp((const char *)tok.ptr, SAS_PREFIX, plen) != 0 ||
	    !is_space(tok.ptr[plen])) {
		*why = "not a SharedAccessSignature token";
		return TRIB_ERR_INVALID;
	}
	p = tok.ptr + plen;
	end = tok.ptr + tok.len;
	while (p < end) {
		const uint8_t *amp = memchr(p, '&', (size_t)(end - p)), *stop = amp ? amp : end;
		const uint8_t *eq = memchr(p, '=', (size_t)(stop - p));
		trib_slice_t field = trim((trib_slice_t){p, (size_t)(stop - p)}), *slot;

		p = amp ? amp + 1 : end;
		if (field.len == 0)
			continue; /* "&&" or a trailing '&' */
		if (!eq) {
			*why = "a token field has no '='";
			return TRIB_ERR_INVALID;
		}
		slot = field_slot(t, trim((trib_slice_t){field.ptr, (size_t)(eq - field.ptr)}));
		if (!slot)
			continue; /* unknown fields are ignored, as the service does */
		if (slot->ptr) {
			*why = "a token field is repeated";
			return TRIB_ERR_INVALID;
		}
		*slot = trim((trib_slice_t){eq + 1, (size_t)(field.ptr + field.len - eq - 1)});
	}
	if (!t->sr.ptr || !t->sig.ptr || !t->se.ptr || !t->skn.ptr || !t->sr.len || !t->sig.len ||
	    !t->se.len || !t->skn.len) {
		*why = "the token lacks sr, sig, se or skn";
		return TRIB_ERR_INVALID;
	}
	return TRIB_OK;
}

static bool parse_se(trib_slice_t se, int64_t *out)
{
	int64_t v = 0;

	if (se.len == 0 || se.len > 19)
		return false;
	for (size_t i = 0; i < se.len; i++) {
		int d = se.ptr[i] - '0';

		if (d < 0 || d > 9 || v > (INT64_MAX - d) / 10)
			return false;
		v = v * 10 + d;
	}
	*out = v;
	return true;
}

/* base64(HMAC-SHA256(key, sr "\n" se)) into out[SIG_B64_LEN + 1]. */
static bool sign(const policy_t *p, trib_slice_t sr, trib_slice_t se, char *out)
{
	uint8_t msg[AUTH_MAX_TOKEN_BYTES + 1], mac[EVP_MAX_MD_SIZE];
	unsigned mac_len = 0;

	if (sr.len + 1 + se.len > sizeof(msg))
		return false;
	memcpy(msg, sr.ptr, sr.len);
	msg[sr.len] = '\n';
	memcpy(msg + sr.len + 1, se.ptr, se.len);
	if (!HMAC(EVP_sha256(), p->key, (int)p->key_len, msg, sr.len + 1 + se.len, mac, &mac_len) ||
	    mac_len != 32)
		return false;
	return EVP_EncodeBlock((unsigned char *)out, mac, (int)mac_len) == SIG_B64_LEN;
}

static trib_err_t unauthorized(const char **why, const char *text)
{
	*why = text;
	return TRIB_ERR_UNAUTHORIZED;
}

trib_err_t auth_check_token(const auth_t *a, trib_slice_t token, int64_t now_s, auth_grant_t *grant,
			    const char **why)
{
	const char *ignored;
	token_t t;
	char path[sizeof(grant->path)], sig[SIG_B64_LEN + 1], want[SIG_B64_LEN + 1];
	char skn[sizeof(grant->policy) * 2];
	size_t sig_len = 0, skn_len = 0;
	int64_t se;
	bool known = false, signed_ok = false;
	trib_err_t err;

	if (!why)
		why = &ignored;
	*why = NULL;
	if (!a || !token.ptr)
		return unauthorized(why, "no token");
	if (token.len > AUTH_MAX_TOKEN_BYTES) {
		*why = "the token is longer than 4096 bytes";
		return TRIB_ERR_INVALID;
	}
	err = parse_token(token, &t, why);
	if (err)
		return err;
	if (!parse_se(t.se, &se)) {
		*why = "se is not a number of seconds";
		return TRIB_ERR_INVALID;
	}
	if (!norm_path(t.sr, true, true, path, sizeof(path))) {
		*why = "sr is not a valid resource URI";
		return TRIB_ERR_INVALID;
	}
	if (!url_decode(t.sig, false, sig, sizeof(sig) - 1, &sig_len) || sig_len != SIG_B64_LEN)
		sig_len = 0; /* cannot match; still report "signature" below */
	sig[sig_len] = '\0';
	if (!url_decode(t.skn, false, skn, sizeof(skn), &skn_len))
		return unauthorized(why, "unknown policy (skn)");
	for (size_t i = 0; i < a->n; i++) {
		const policy_t *p = &a->p[i];

		if (!slice_eq_cstr((trib_slice_t){(const uint8_t *)skn, skn_len}, p->name, false))
			continue;
		known = true;
		if (sig_len != SIG_B64_LEN || !sign(p, t.sr, t.se, want) ||
		    CRYPTO_memcmp(want, sig, SIG_B64_LEN) != 0)
			continue;
		signed_ok = true;
		if (!within(p->hub, path))
			continue;
		if (se < INT64_MAX - AUTH_CLOCK_SKEW_S && se + AUTH_CLOCK_SKEW_S < now_s)
			return unauthorized(why, "the token has expired");
		fill_grant(grant, p, path, se);
		return TRIB_OK;
	}
	if (!known)
		return unauthorized(why, "unknown policy (skn)");
	if (!signed_ok)
		return unauthorized(why, "the signature does not match the policy's key");
	return unauthorized(why, "the token's resource is outside the policy's scope");
}

bool auth_allows(const auth_grant_t *grant, const char *path, auth_right_t right, int64_t now_s)
{
	if (!grant || !path || !(expand(grant->rights) & (unsigned)right))
		return false;
	if (grant->expires_at != INT64_MAX && grant->expires_at < INT64_MAX - AUTH_CLOCK_SKEW_S &&
	    grant->expires_at + AUTH_CLOCK_SKEW_S < now_s)
		return false;
	return within(grant->path, path);
}
