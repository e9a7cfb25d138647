/*
 * Fuzz target: SAS token parsing and path normalisation (core/auth.c).
 * First byte: even = the rest is a token checked against a fixed policy
 * store (at a fixed clock), odd = the rest is an entity address for
 * auth_normalize_path. Invariants: a successful check yields a grant whose
 * path is normalised (no leading, trailing or doubled slash, no upper-case
 * ASCII) and within the policy's scope; normalising a normalised path is
 * the identity.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "auth.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const auth_policy_spec_t specs[] = {
	{AUTH_ROOT_POLICY, AUTH_EMULATOR_KEY, NULL, AUTH_MANAGE},
	{"send", "key", "eh1", AUTH_SEND},
};

static void check_normal(const char *p)
{
	char again[512];
	size_t n = strlen(p);

	if (p[0] == '/' || (n && p[n - 1] == '/') || strstr(p, "//"))
		abort();
	for (size_t i = 0; i < n; i++)
		if (p[i] >= 'A' && p[i] <= 'Z')
			abort();
	if (!auth_normalize_path(slice_from_cstr(p), again, sizeof(again)))
		return; /* a decoded '%' may no longer decode; that is fine */
	if (!strchr(p, '%') && strcmp(again, p) != 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static auth_t *store;
	trib_slice_t in = {data + 1, size ? size - 1 : 0};
	auth_grant_t g;
	char out[512];
	const char *why = NULL;

	if (size < 1)
		return 0;
	if (!store && auth_open(specs, sizeof(specs) / sizeof(specs[0]), &store) != TRIB_OK)
		abort();
	if (data[0] & 1) {
		if (auth_normalize_path(in, out, sizeof(out)))
			check_normal(out);
		return 0;
	}
	if (auth_check_token(store, in, 1700000000, &g, &why) == TRIB_OK) {
		check_normal(g.path);
		if (strcmp(g.policy, "send") == 0 && strncmp(g.path, "eh1", 3) != 0)
			abort();
	} else if (!why) {
		abort();
	}
	return 0;
}
