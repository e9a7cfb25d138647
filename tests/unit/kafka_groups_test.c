/*
 * kafka_groups: the consumer-group APIs of the Kafka head at their newest
 * versions, over a raw socket against the real core and store (what no
 * reference client sends yet: flexible versions, batched FindCoordinator,
 * multi-group OffsetFetch, KIP-559 protocol checks, ListGroups filters),
 * and the per-topic Listen right of OffsetCommit, OffsetFetch and
 * OffsetDelete for a connection logged in with a policy limited to one hub.
 */
#include "kafka_server.h"

#include <arpa/inet.h>
#include <check.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "auth.h"
#include "hub.h"
#include "kafka_api.h"
#include "koffset.h"
#include "kraw.h"
#include "mem.h"
#include "wire.h"

#define S(s) ((trib_slice_t){(const uint8_t *)(s), sizeof(s) - 1})

static char tmp[256];
static store_t *store;
static ns_t *ns;
static koffset_t *offsets;
static auth_t *policies;
static kafka_server_t *srv;

static const auth_policy_spec_t specs[] = {
	{AUTH_ROOT_POLICY, "rootkey", NULL, AUTH_MANAGE},
	{"eh1-listen", "listenkey", "eh1", AUTH_LISTEN},
};

static void setup(void)
{
	store_opts_t so = {.dir = tmp};
	ns_opts_t no = {.name = "test", .auto_create = false, .default_partitions = 2};
	kafka_server_opts_t ko = {.host = "127.0.0.1", .node_id = 7,
				  .advertised_host = "127.0.0.1", .auth_required = true};
	hub_t *h;

	strcpy(tmp, "/tmp/trib-kgroups-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmp));
	ck_assert_int_eq(store_open(&so, &store), TRIB_OK);
	ck_assert_int_eq(ns_open(store, &no, &ns), TRIB_OK);
	ck_assert_int_eq(ns_hub_create(ns, &(ns_hub_spec_t){"eh1", 2, NULL, 0}, &h), TRIB_OK);
	ck_assert_int_eq(ns_hub_create(ns, &(ns_hub_spec_t){"eh2", 2, NULL, 0}, &h), TRIB_OK);
	ck_assert_int_eq(koffset_open(ns, &offsets), TRIB_OK);
	ck_assert_int_eq(auth_open(specs, sizeof(specs) / sizeof(specs[0]), &policies), TRIB_OK);
	ko.offsets = offsets;
	ko.auth = policies;
	ck_assert_int_eq(kafka_server_start(ns, &ko, &srv), TRIB_OK);
}

static void teardown(void)
{
	char cmd[300];

	kafka_server_stop(&srv);
	ck_assert_uint_eq(mem_used(MEM_KAFKA), 0);
	koffset_close(&offsets);
	auth_close(&policies);
	store_close(&store);
	ns_close(&ns);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmp);
	(void)!system(cmd);
}

/* ---- a raw client speaking both encodings ---- */

typedef struct body {
	uint8_t buf[8192];
	wire_wr_t wr;
	bool flex;
} body_t;

static body_t *body_new(bool flex)
{
	body_t *b = calloc(1, sizeof(*b));

	wire_wr_init(&b->wr, b->buf, sizeof(b->buf));
	b->flex = flex;
	return b;
}

static void put_str(body_t *b, trib_slice_t s)
{
	if (b->flex)
		wire_wr_compact_bytes(&b->wr, s);
	else
		wire_wr_str16(&b->wr, s);
}

static void put_count(body_t *b, int32_t n)
{
	if (b->flex)
		wire_wr_uvarint(&b->wr, (uint64_t)(n + 1));
	else
		wire_wr_i32(&b->wr, n);
}

static void put_tags(body_t *b)
{
	if (b->flex)
		wire_wr_empty_tags(&b->wr);
}

static int dial(void)
{
	return kraw_dial(kafka_server_port(srv), 0);
}

/* Sends @b (freed) as request @key v@ver, header v2 when the body is flexible. */
static void send_req(int fd, int16_t key, int16_t ver, int32_t corr, body_t *b)
{
	kraw_send_req(fd, key, ver, corr, b->flex, b->buf, b->wr.pos);
	free(b);
}

typedef kraw_resp_t resp_t;

/* The response to @corr, positioned after its header (v1 when @flex). */
static resp_t expect_resp(int fd, int32_t corr, bool flex)
{
	return kraw_expect(fd, corr, flex);
}

static trib_slice_t get_str(resp_t *r)
{
	return r->flex ? wire_rd_compact_bytes(&r->rd) : wire_rd_str16(&r->rd);
}

static int32_t get_count(resp_t *r)
{
	return r->flex ? (int32_t)wire_rd_uvarint(&r->rd) - 1 : wire_rd_i32(&r->rd);
}

static void get_tags(resp_t *r)
{
	if (r->flex)
		wire_rd_skip_tags(&r->rd);
}

static bool str_is(trib_slice_t s, const char *c)
{
	return s.ptr && s.len == strlen(c) && memcmp(s.ptr, c, s.len) == 0;
}

#define ck_str(s, c) ck_assert_msg(str_is((s), (c)), "expected \"%s\", got \"%.*s\"%s", (c), \
				   (int)(s).len, (s).ptr ? (const char *)(s).ptr : "",      \
				   (s).ptr ? "" : " (null)")

/* SaslHandshake v1 + SaslAuthenticate v0 with Event Hubs' PLAIN form. */
static int login(const char *key_name, const char *key)
{
	int fd = dial();
	body_t *b = body_new(false);
	char token[512];
	int n = snprintf(token, sizeof(token),
			 "%c$ConnectionString%cEndpoint=sb://localhost/;SharedAccessKeyName=%s;"
			 "SharedAccessKey=%s", 0, 0, key_name, key);
	resp_t r;

	put_str(b, S("PLAIN"));
	send_req(fd, 17, 1, 1, b);
	r = expect_resp(fd, 1, false);
	ck_assert_int_eq(wire_rd_i16(&r.rd), 0);
	free(r.p);
	b = body_new(false);
	wire_wr_bytes32(&b->wr, (trib_slice_t){(const uint8_t *)token, (size_t)n});
	send_req(fd, 36, 0, 2, b);
	r = expect_resp(fd, 2, false);
	ck_assert_int_eq(wire_rd_i16(&r.rd), 0);
	free(r.p);
	return fd;
}

static int login_root(void)
{
	return login(AUTH_ROOT_POLICY, "rootkey");
}

/* ---- FindCoordinator ---- */

static void expect_coordinator(resp_t *r, const char *key, int16_t code)
{
	ck_str(get_str(r), key);
	if (code) {
		ck_assert_int_eq(wire_rd_i32(&r->rd), -1);
		ck_str(get_str(r), "");
		ck_assert_int_eq(wire_rd_i32(&r->rd), -1);
	} else {
		ck_assert_int_eq(wire_rd_i32(&r->rd), 7);
		ck_str(get_str(r), "127.0.0.1");
		ck_assert_int_eq(wire_rd_i32(&r->rd), kafka_server_port(srv));
	}
	ck_assert_int_eq(wire_rd_i16(&r->rd), code);
	(void)get_str(r); /* error message */
	get_tags(r);
}

static void find_batch(int fd, int16_t ver, int8_t type, int16_t code)
{
	body_t *b = body_new(true);
	resp_t r;

	wire_wr_i8(&b->wr, type);
	put_count(b, 2);
	put_str(b, S("g1"));
	put_str(b, S("g2"));
	put_tags(b);
	send_req(fd, 10, ver, 10 + ver, b);
	r = expect_resp(fd, 10 + ver, true);
	ck_assert_int_eq(wire_rd_i32(&r.rd), 0);
	ck_assert_int_eq(get_count(&r), 2);
	expect_coordinator(&r, "g1", code);
	expect_coordinator(&r, "g2", code);
	get_tags(&r);
	kraw_done(&r);
}

START_TEST(find_coordinator_versions)
{
	int fd = login_root();
	body_t *b;
	resp_t r;

	find_batch(fd, 4, 0, 0);
	find_batch(fd, 6, 0, 0);
	find_batch(fd, 5, 1, 15); /* transactional ids: no transactions */
	find_batch(fd, 6, 2, 42); /* share groups (KIP-932) are not served */
	/* v3: flexible, one key */
	b = body_new(true);
	put_str(b, S("g"));
	wire_wr_i8(&b->wr, 0);
	put_tags(b);
	send_req(fd, 10, 3, 3, b);
	r = expect_resp(fd, 3, true);
	ck_assert_int_eq(wire_rd_i32(&r.rd), 0);
	ck_assert_int_eq(wire_rd_i16(&r.rd), 0);
	ck_assert_ptr_null(get_str(&r).ptr); /* no error message */
	ck_assert_int_eq(wire_rd_i32(&r.rd), 7);
	ck_str(get_str(&r), "127.0.0.1");
	ck_assert_int_eq(wire_rd_i32(&r.rd), kafka_server_port(srv));
	get_tags(&r);
	kraw_done(&r);
	close(fd);
}
END_TEST

/* ---- OffsetCommit and OffsetFetch ---- */

typedef struct commit {
	const char *topic;
	int32_t partition;
	int64_t offset;
} commit_t;

/* OffsetCommit at @ver (8 or 9: flexible) of @n positions, one topic entry each; checks codes. */
static void commit_at(int fd, int16_t ver, const char *group, int32_t generation,
		      const commit_t *c, int n, const int16_t *codes)
{
	body_t *b = body_new(ver >= 8);
	resp_t r;

	put_str(b, (trib_slice_t){(const uint8_t *)group, strlen(group)});
	wire_wr_i32(&b->wr, generation);
	put_str(b, generation < 0 ? S("") : S("someone"));
	put_str(b, TRIB_SLICE_NULL); /* group_instance_id */
	put_count(b, n);
	for (int i = 0; i < n; i++) {
		put_str(b, (trib_slice_t){(const uint8_t *)c[i].topic, strlen(c[i].topic)});
		put_count(b, 1);
		wire_wr_i32(&b->wr, c[i].partition);
		wire_wr_i64(&b->wr, c[i].offset);
		wire_wr_i32(&b->wr, -1);
		put_str(b, S("meta"));
		put_tags(b);
		put_tags(b);
	}
	put_tags(b);
	send_req(fd, 8, ver, 80 + ver, b);
	r = expect_resp(fd, 80 + ver, ver >= 8);
	ck_assert_int_eq(wire_rd_i32(&r.rd), 0);
	ck_assert_int_eq(get_count(&r), n);
	for (int i = 0; i < n; i++) {
		ck_str(get_str(&r), c[i].topic);
		ck_assert_int_eq(get_count(&r), 1);
		ck_assert_int_eq(wire_rd_i32(&r.rd), c[i].partition);
		ck_assert_msg(wire_rd_i16(&r.rd) == codes[i], "v%d %s/%d: code %d expected", ver,
			      c[i].topic, c[i].partition, codes[i]);
		get_tags(&r);
		get_tags(&r);
	}
	get_tags(&r);
	kraw_done(&r);
}

/* One partition of an OffsetFetch v8+ answer. */
static void expect_position(resp_t *r, int32_t partition, int64_t offset, int16_t code)
{
	trib_slice_t meta;

	ck_assert_int_eq(wire_rd_i32(&r->rd), partition);
	ck_assert_int_eq(wire_rd_i64(&r->rd), offset);
	ck_assert_int_eq(wire_rd_i32(&r->rd), -1);
	meta = get_str(r);
	if (offset >= 0)
		ck_str(meta, "meta");
	ck_assert_int_eq(wire_rd_i16(&r->rd), code);
	get_tags(r);
}

START_TEST(offset_fetch_many_groups)
{
	int fd = login_root();
	const commit_t ga[] = {{"eh1", 0, 5}};
	const commit_t gb[] = {{"eh1", 1, 9}, {"eh2", 0, 3}};
	const int16_t ok[] = {0, 0};
	body_t *b;
	resp_t r;

	commit_at(fd, 8, "ga", -1, ga, 1, ok);
	commit_at(fd, 9, "gb", -1, gb, 2, ok);
	for (int16_t ver = 8; ver <= 9; ver++) {
		b = body_new(true);
		put_count(b, 3);
		put_str(b, S("ga")); /* listed partitions */
		if (ver >= 9) {
			put_str(b, TRIB_SLICE_NULL);
			wire_wr_i32(&b->wr, -1);
		}
		put_count(b, 1);
		put_str(b, S("eh1"));
		put_count(b, 2);
		wire_wr_i32(&b->wr, 0);
		wire_wr_i32(&b->wr, 1);
		put_tags(b);
		put_tags(b);
		put_str(b, S("gb")); /* null topics: everything committed */
		if (ver >= 9) {
			put_str(b, TRIB_SLICE_NULL);
			wire_wr_i32(&b->wr, -1);
		}
		put_count(b, -1);
		put_tags(b);
		put_str(b, S("")); /* an invalid group id: its own error only */
		if (ver >= 9) {
			put_str(b, TRIB_SLICE_NULL);
			wire_wr_i32(&b->wr, -1);
		}
		put_count(b, -1);
		put_tags(b);
		wire_wr_u8(&b->wr, 1); /* require_stable */
		put_tags(b);
		send_req(fd, 9, ver, 90 + ver, b);
		r = expect_resp(fd, 90 + ver, true);
		ck_assert_int_eq(wire_rd_i32(&r.rd), 0);
		ck_assert_int_eq(get_count(&r), 3);
		ck_str(get_str(&r), "ga");
		ck_assert_int_eq(get_count(&r), 1);
		ck_str(get_str(&r), "eh1");
		ck_assert_int_eq(get_count(&r), 2);
		expect_position(&r, 0, 5, 0);
		expect_position(&r, 1, -1, 0);
		get_tags(&r);
		ck_assert_int_eq(wire_rd_i16(&r.rd), 0);
		get_tags(&r);
		ck_str(get_str(&r), "gb");
		ck_assert_int_eq(get_count(&r), 2); /* eh1 and eh2, in any order */
		for (int t = 0; t < 2; t++) {
			trib_slice_t name = get_str(&r);

			ck_assert_int_eq(get_count(&r), 1);
			if (str_is(name, "eh1"))
				expect_position(&r, 1, 9, 0);
			else
				expect_position(&r, 0, 3, 0);
			get_tags(&r);
		}
		ck_assert_int_eq(wire_rd_i16(&r.rd), 0);
		get_tags(&r);
		ck_str(get_str(&r), "");
		ck_assert_int_eq(get_count(&r), 0);
		ck_assert_int_eq(wire_rd_i16(&r.rd), 24); /* INVALID_GROUP_ID */
		get_tags(&r);
		get_tags(&r);
		kraw_done(&r);
	}
	close(fd);
}
END_TEST

/* A group-level error: in every partition below v2, top-level with no topics in v2-7. */
START_TEST(offset_fetch_group_error_by_version)
{
	int fd = login_root();

	for (int16_t ver = 1; ver <= 7; ver++) {
		bool flex = ver >= 6;
		body_t *b = body_new(flex);
		resp_t r;

		put_str(b, S(""));
		put_count(b, 1);
		put_str(b, S("eh1"));
		put_count(b, 1);
		wire_wr_i32(&b->wr, 0);
		put_tags(b);
		if (ver >= 7)
			wire_wr_u8(&b->wr, 0);
		put_tags(b);
		send_req(fd, 9, ver, 100 + ver, b);
		r = expect_resp(fd, 100 + ver, flex);
		if (ver >= 3)
			ck_assert_int_eq(wire_rd_i32(&r.rd), 0);
		if (ver < 2) {
			ck_assert_int_eq(get_count(&r), 1);
			ck_str(get_str(&r), "eh1");
			ck_assert_int_eq(get_count(&r), 1);
			ck_assert_int_eq(wire_rd_i32(&r.rd), 0);
			ck_assert_int_eq(wire_rd_i64(&r.rd), -1);
			ck_str(get_str(&r), "");
			ck_assert_int_eq(wire_rd_i16(&r.rd), 24);
		} else {
			ck_assert_int_eq(get_count(&r), 0);
			ck_assert_int_eq(wire_rd_i16(&r.rd), 24);
		}
		get_tags(&r);
		kraw_done(&r);
	}
	close(fd);
}
END_TEST

/* v9: a generation for a group nobody knows is GROUP_ID_NOT_FOUND; below v9 ILLEGAL_GENERATION. */
START_TEST(offset_commit_v9_unknown_group)
{
	int fd = login_root();
	const commit_t c[] = {{"eh1", 0, 1}};
	const int16_t not_found[] = {69}, illegal[] = {22};

	commit_at(fd, 9, "nobody", 3, c, 1, not_found);
	commit_at(fd, 8, "nobody", 3, c, 1, illegal);
	close(fd);
}
END_TEST

/* ---- ListGroups filters (KIP-518, KIP-848) ---- */

/* ListGroups v5 with the given filters; returns how many groups, checking each one's fields. */
static int list_groups(int fd, int16_t ver, const char *state, const char *type)
{
	body_t *b = body_new(ver >= 3);
	resp_t r;
	int32_t n;

	if (ver >= 4) {
		put_count(b, state ? 1 : 0);
		if (state)
			put_str(b, (trib_slice_t){(const uint8_t *)state, strlen(state)});
	}
	if (ver >= 5) {
		put_count(b, type ? 1 : 0);
		if (type)
			put_str(b, (trib_slice_t){(const uint8_t *)type, strlen(type)});
	}
	put_tags(b);
	send_req(fd, 16, ver, 160 + ver, b);
	r = expect_resp(fd, 160 + ver, ver >= 3);
	ck_assert_int_eq(wire_rd_i32(&r.rd), 0);
	ck_assert_int_eq(wire_rd_i16(&r.rd), 0);
	n = get_count(&r);
	for (int32_t i = 0; i < n; i++) {
		ck_str(get_str(&r), "gl");
		ck_str(get_str(&r), ""); /* known by its offsets only: no protocol type */
		if (ver >= 4)
			ck_str(get_str(&r), "Empty");
		if (ver >= 5)
			ck_str(get_str(&r), "classic");
		get_tags(&r);
	}
	get_tags(&r);
	kraw_done(&r);
	return n;
}

START_TEST(list_groups_filters)
{
	int fd = login_root();
	const commit_t c[] = {{"eh1", 0, 1}};
	const int16_t ok[] = {0};

	commit_at(fd, 8, "gl", -1, c, 1, ok);
	ck_assert_int_eq(list_groups(fd, 3, NULL, NULL), 1);
	ck_assert_int_eq(list_groups(fd, 4, NULL, NULL), 1);
	ck_assert_int_eq(list_groups(fd, 4, " empty", NULL), 1);
	ck_assert_int_eq(list_groups(fd, 4, "Stable", NULL), 0);
	ck_assert_int_eq(list_groups(fd, 5, NULL, "Classic"), 1);
	ck_assert_int_eq(list_groups(fd, 5, "EMPTY", "classic"), 1);
	ck_assert_int_eq(list_groups(fd, 5, NULL, "consumer"), 0);
	close(fd);
}
END_TEST

/* ---- JoinGroup v7+, SyncGroup v5, LeaveGroup v5 ---- */

typedef struct joined {
	int16_t error;
	int32_t generation;
	trib_slice_t protocol_type, protocol_name, member_id; /* into buf */
	char buf[256];
} joined_t;

static trib_slice_t keep(joined_t *j, size_t *used, trib_slice_t s)
{
	trib_slice_t out = {NULL, 0};

	if (s.ptr) {
		memcpy(j->buf + *used, s.ptr, s.len);
		out = (trib_slice_t){(const uint8_t *)j->buf + *used, s.len};
		*used += s.len;
	}
	return out;
}

/* JoinGroup at @ver (7..9) into @j (whose slices point into its own buffer). */
static void join_at(int fd, int16_t ver, trib_slice_t member, joined_t *out)
{
	body_t *b = body_new(true);
	joined_t j = {0};
	size_t used = 0;
	resp_t r;
	int32_t n;

	put_str(b, S("gj"));
	wire_wr_i32(&b->wr, 10000);
	wire_wr_i32(&b->wr, 10000);
	put_str(b, member);
	put_str(b, TRIB_SLICE_NULL);
	put_str(b, S("consumer"));
	put_count(b, 1);
	put_str(b, S("range"));
	put_str(b, S("\0\1")); /* any metadata bytes */
	put_tags(b);
	if (ver >= 8)
		put_str(b, S("a test joins"));
	put_tags(b);
	send_req(fd, 11, ver, 110 + ver, b);
	r = expect_resp(fd, 110 + ver, true);
	ck_assert_int_eq(wire_rd_i32(&r.rd), 0);
	j.error = wire_rd_i16(&r.rd);
	j.generation = wire_rd_i32(&r.rd);
	j.protocol_type = keep(&j, &used, get_str(&r));
	j.protocol_name = keep(&j, &used, get_str(&r));
	(void)get_str(&r); /* leader */
	if (ver >= 9)
		ck_assert_int_eq(wire_rd_u8(&r.rd), 0); /* skip_assignment */
	j.member_id = keep(&j, &used, get_str(&r));
	n = get_count(&r);
	for (int32_t i = 0; i < n; i++) {
		(void)get_str(&r);
		(void)get_str(&r);
		(void)get_str(&r);
		get_tags(&r);
	}
	get_tags(&r);
	kraw_done(&r);
	*out = j;
	used = 0; /* re-point the slices at out's own buffer */
	out->protocol_type = keep(out, &used, j.protocol_type);
	out->protocol_name = keep(out, &used, j.protocol_name);
	out->member_id = keep(out, &used, j.member_id);
}

static int16_t sync_v5(int fd, const joined_t *j, trib_slice_t type, trib_slice_t name,
		       bool check_protocol)
{
	body_t *b = body_new(true);
	resp_t r;
	int16_t code;

	put_str(b, S("gj"));
	wire_wr_i32(&b->wr, j->generation);
	put_str(b, j->member_id);
	put_str(b, TRIB_SLICE_NULL);
	put_str(b, type);
	put_str(b, name);
	put_count(b, 1);
	put_str(b, j->member_id);
	put_str(b, S("assigned"));
	put_tags(b);
	put_tags(b);
	send_req(fd, 14, 5, 145, b);
	r = expect_resp(fd, 145, true);
	ck_assert_int_eq(wire_rd_i32(&r.rd), 0);
	code = wire_rd_i16(&r.rd);
	if (check_protocol && !code) {
		ck_str(get_str(&r), "consumer");
		ck_str(get_str(&r), "range");
		ck_str(get_str(&r), "assigned");
	} else {
		ck_assert_ptr_null(get_str(&r).ptr);
		ck_assert_ptr_null(get_str(&r).ptr);
		(void)get_str(&r);
	}
	get_tags(&r);
	kraw_done(&r);
	return code;
}

START_TEST(join_sync_leave_newest)
{
	int fd = login_root();
	joined_t first, j;
	body_t *b;
	resp_t r;

	/* KIP-394: a new member is told its id; v7+: no protocol with an error */
	join_at(fd, 9, S(""), &first);
	ck_assert_int_eq(first.error, 79);
	ck_assert_ptr_null(first.protocol_type.ptr);
	ck_assert_ptr_null(first.protocol_name.ptr);
	ck_assert_uint_gt(first.member_id.len, 0);
	join_at(fd, 7, first.member_id, &j);
	ck_assert_int_eq(j.error, 0);
	ck_assert_int_eq(j.generation, 1);
	ck_str(j.protocol_type, "consumer");
	ck_str(j.protocol_name, "range");
	/* the leader's sync (CompletingRebalance): the answer names the group's protocol */
	ck_assert_int_eq(sync_v5(fd, &j, S("consumer"), S("range"), true), 0);
	/* Stable now: a member naming another type or protocol is refused before syncing */
	ck_assert_int_eq(sync_v5(fd, &j, S("other"), S("range"), false), 23);
	ck_assert_int_eq(sync_v5(fd, &j, S("consumer"), S("roundrobin"), false), 23);
	/* null type and name are not checked */
	ck_assert_int_eq(sync_v5(fd, &j, TRIB_SLICE_NULL, TRIB_SLICE_NULL, true), 0);
	/* LeaveGroup v5 with a reason: the member's own answer */
	b = body_new(true);
	put_str(b, S("gj"));
	put_count(b, 1);
	put_str(b, j.member_id);
	put_str(b, TRIB_SLICE_NULL);
	put_str(b, S("the test is over"));
	put_tags(b);
	put_tags(b);
	send_req(fd, 13, 5, 135, b);
	r = expect_resp(fd, 135, true);
	ck_assert_int_eq(wire_rd_i32(&r.rd), 0);
	ck_assert_int_eq(wire_rd_i16(&r.rd), 0);
	ck_assert_int_eq(get_count(&r), 1);
	ck_assert(slice_eq(get_str(&r), j.member_id));
	ck_assert_ptr_null(get_str(&r).ptr);
	ck_assert_int_eq(wire_rd_i16(&r.rd), 0);
	get_tags(&r);
	get_tags(&r);
	kraw_done(&r);
	close(fd);
}
END_TEST

/* ---- rights: Listen per topic ---- */

START_TEST(listen_right_per_topic)
{
	int root = login_root();
	int fd = login("eh1-listen", "listenkey");
	const commit_t both[] = {{"eh1", 0, 4}, {"eh2", 0, 6}};
	const int16_t all_ok[] = {0, 0}, eh2_denied[] = {0, 29};
	body_t *b;
	resp_t r;

	commit_at(root, 8, "gr", -1, both, 2, all_ok);
	commit_at(fd, 8, "gr", -1, both, 2, eh2_denied);
	/* OffsetFetch v8: the listed eh2 is refused, the null list shows eh1 only */
	b = body_new(true);
	put_count(b, 2);
	put_str(b, S("gr"));
	put_count(b, 2);
	put_str(b, S("eh1"));
	put_count(b, 1);
	wire_wr_i32(&b->wr, 0);
	put_tags(b);
	put_str(b, S("eh2"));
	put_count(b, 1);
	wire_wr_i32(&b->wr, 0);
	put_tags(b);
	put_tags(b);
	put_str(b, S("gr"));
	put_count(b, -1);
	put_tags(b);
	wire_wr_u8(&b->wr, 0);
	put_tags(b);
	send_req(fd, 9, 8, 98, b);
	r = expect_resp(fd, 98, true);
	ck_assert_int_eq(wire_rd_i32(&r.rd), 0);
	ck_assert_int_eq(get_count(&r), 2);
	ck_str(get_str(&r), "gr");
	ck_assert_int_eq(get_count(&r), 2);
	ck_str(get_str(&r), "eh1");
	ck_assert_int_eq(get_count(&r), 1);
	expect_position(&r, 0, 4, 0);
	get_tags(&r);
	ck_str(get_str(&r), "eh2");
	ck_assert_int_eq(get_count(&r), 1);
	expect_position(&r, 0, -1, 29);
	get_tags(&r);
	ck_assert_int_eq(wire_rd_i16(&r.rd), 0);
	get_tags(&r);
	ck_str(get_str(&r), "gr");
	ck_assert_int_eq(get_count(&r), 1);
	ck_str(get_str(&r), "eh1");
	ck_assert_int_eq(get_count(&r), 1);
	expect_position(&r, 0, 4, 0);
	get_tags(&r);
	ck_assert_int_eq(wire_rd_i16(&r.rd), 0);
	get_tags(&r);
	get_tags(&r);
	kraw_done(&r);
	/* OffsetDelete v0: eh2 refused per partition, eh1 deleted */
	b = body_new(false);
	put_str(b, S("gr"));
	put_count(b, 2);
	put_str(b, S("eh1"));
	put_count(b, 1);
	wire_wr_i32(&b->wr, 0);
	put_str(b, S("eh2"));
	put_count(b, 1);
	wire_wr_i32(&b->wr, 0);
	send_req(fd, 47, 0, 47, b);
	r = expect_resp(fd, 47, false);
	ck_assert_int_eq(wire_rd_i16(&r.rd), 0);
	ck_assert_int_eq(wire_rd_i32(&r.rd), 0);
	ck_assert_int_eq(get_count(&r), 2);
	ck_str(get_str(&r), "eh1");
	ck_assert_int_eq(get_count(&r), 1);
	ck_assert_int_eq(wire_rd_i32(&r.rd), 0);
	ck_assert_int_eq(wire_rd_i16(&r.rd), 0);
	ck_str(get_str(&r), "eh2");
	ck_assert_int_eq(get_count(&r), 1);
	ck_assert_int_eq(wire_rd_i32(&r.rd), 0);
	ck_assert_int_eq(wire_rd_i16(&r.rd), 29);
	kraw_done(&r);
	close(fd);
	close(root);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("kafka_groups");
	TCase *tc = tcase_create("newest_versions");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, find_coordinator_versions);
	tcase_add_test(tc, offset_fetch_many_groups);
	tcase_add_test(tc, offset_fetch_group_error_by_version);
	tcase_add_test(tc, offset_commit_v9_unknown_group);
	tcase_add_test(tc, list_groups_filters);
	tcase_add_test(tc, join_sync_leave_newest);
	suite_add_tcase(s, tc);
	tc = tcase_create("rights");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, listen_right_per_topic);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
