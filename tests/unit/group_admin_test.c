/*
 * Group administration in the core: kgroup list / describe / delete /
 * topic check over a live two-member group (fake clock), and koffset
 * tombstones (one position, a whole group) applied once durable and
 * honoured by the replay after a reopen.
 */
#include "kgroup.h"
#include "koffset.h"

#include <check.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mem.h"
#include "wire.h"

#define SESSION 10000
#define REBALANCE 20000

/* ---- kgroup ---- */

typedef struct cli {
	kgroup_waiter_t w;
	bool answered;
	kgroup_status_t st;
	int32_t gen;
	char member[128];
} cli_t;

static kgroup_t *kg;

static void on_join(kgroup_waiter_t *w, const kgroup_join_result_t *r)
{
	cli_t *c = w->arg;
	size_t l = r->member_id.len < sizeof(c->member) - 1 ? r->member_id.len
							     : sizeof(c->member) - 1;

	c->answered = true;
	c->st = r->status;
	c->gen = r->generation;
	memcpy(c->member, r->member_id.ptr, l);
	c->member[l] = 0;
}

static void on_sync(kgroup_waiter_t *w, kgroup_status_t st, trib_slice_t a)
{
	cli_t *c = w->arg;

	(void)a;
	c->answered = true;
	c->st = st;
}

/* ConsumerProtocolSubscription v0 naming @topic (and no user data). */
static size_t subscription(uint8_t *buf, size_t cap, const char *topic)
{
	wire_wr_t wr;

	wire_wr_init(&wr, buf, cap);
	wire_wr_i16(&wr, 0);
	wire_wr_i32(&wr, 1);
	wire_wr_str16(&wr, slice_from_cstr(topic));
	wire_wr_bytes32(&wr, (trib_slice_t){NULL, 0});
	ck_assert(wire_wr_fits(&wr));
	return wr.pos;
}

static void join(cli_t *c, const char *group, const char *type, const char *member,
		 trib_slice_t meta, const char *host, int64_t now)
{
	kgroup_protocol_t p = {slice_from_cstr("range"), meta};
	kgroup_join_req_t r = {slice_from_cstr(group), slice_from_cstr(member), {NULL, 0},
			       slice_from_cstr("cli"), slice_from_cstr(type), SESSION, REBALANCE,
			       &p, 1, false, slice_from_cstr(host)};

	c->w = (kgroup_waiter_t){on_join, on_sync, c, NULL};
	c->answered = false;
	kgroup_join(kg, &r, &c->w, now);
}

static void sync_as(cli_t *c, const char *group, const trib_slice_t *ids, const trib_slice_t *as,
		 size_t n, int64_t now)
{
	kgroup_sync_req_t r = {slice_from_cstr(group), slice_from_cstr(c->member), {NULL, 0},
			       c->gen, ids, as, n};

	c->w = (kgroup_waiter_t){on_join, on_sync, c, NULL};
	c->answered = false;
	kgroup_sync(kg, &r, &c->w, now);
}

/* Two members of @group (type @type) subscribed to "t1", Stable with assignments. */
static void two_members(cli_t *a, cli_t *b, const char *group, const char *type)
{
	uint8_t sub[64];
	trib_slice_t meta = {sub, subscription(sub, sizeof(sub), "t1")};
	trib_slice_t ids[2], as[2] = {slice_from_cstr("A0"), slice_from_cstr("B0")};

	join(a, group, type, "", meta, "/10.0.0.1", 0);
	ck_assert(a->answered && a->st == KGROUP_OK && a->gen == 1);
	sync_as(a, group, NULL, NULL, 0, 1);
	join(b, group, type, "", meta, "/10.0.0.2", 2); /* rebalance: a must rejoin */
	ck_assert(!b->answered);
	ck_assert_int_eq(kgroup_heartbeat(kg, slice_from_cstr(group), 1, slice_from_cstr(a->member),
					  (trib_slice_t){NULL, 0}, 2), KGROUP_REBALANCING);
	join(a, group, type, a->member, meta, "/10.0.0.1", 3);
	ck_assert(a->answered && b->answered && a->gen == 2 && b->gen == 2);
	ids[0] = slice_from_cstr(a->member);
	ids[1] = slice_from_cstr(b->member);
	sync_as(b, group, NULL, NULL, 0, 4);
	sync_as(a, group, ids, as, 2, 5);
	ck_assert(a->answered && b->answered && a->st == KGROUP_OK && b->st == KGROUP_OK);
}

static void kg_setup(void)
{
	ck_assert_int_eq(kgroup_open(&kg), TRIB_OK);
}

static void kg_teardown(void)
{
	kgroup_close(&kg);
	ck_assert_uint_eq(mem_used(MEM_CORE), 0); /* every member, blob and group freed */
}

typedef struct seen {
	int calls;
	char names[8][32];
	kgroup_state_t states[8];
	char types[8][32];
	kgroup_group_desc_t d;
	char member_ids[2][128], hosts[2][32], clients[2][32], assign[2][8];
	size_t meta_len[2];
} seen_t;

static void cpy(char *dst, size_t n, trib_slice_t s)
{
	size_t l = s.len < n - 1 ? s.len : n - 1;

	if (l)
		memcpy(dst, s.ptr, l);
	dst[l] = 0;
}

static bool on_list(void *arg, const kgroup_listed_t *g)
{
	seen_t *s = arg;

	cpy(s->names[s->calls], 32, g->group);
	cpy(s->types[s->calls], 32, g->protocol_type);
	s->states[s->calls++] = g->state;
	return true;
}

static void on_desc(void *arg, const kgroup_group_desc_t *d)
{
	seen_t *s = arg;

	s->calls++;
	s->d = *d;
	for (size_t i = 0; i < d->member_count && i < 2; i++) {
		cpy(s->member_ids[i], 128, d->members[i].member_id);
		cpy(s->hosts[i], 32, d->members[i].client_host);
		cpy(s->clients[i], 32, d->members[i].client_id);
		cpy(s->assign[i], 8, d->members[i].assignment);
		s->meta_len[i] = d->members[i].metadata.len;
	}
	s->d.members = NULL; /* borrowed for the call only */
}

START_TEST(list_describe_delete)
{
	cli_t a, b;
	seen_t s = {0};

	two_members(&a, &b, "g", "consumer");
	ck_assert(kgroup_list(kg, on_list, &s));
	ck_assert_int_eq(s.calls, 1);
	ck_assert_str_eq(s.names[0], "g");
	ck_assert_str_eq(s.types[0], "consumer");
	ck_assert_int_eq(s.states[0], KGROUP_STABLE);

	memset(&s, 0, sizeof(s));
	ck_assert_int_eq(kgroup_describe_group(kg, slice_from_cstr("g"), on_desc, &s), KGROUP_OK);
	ck_assert_int_eq(s.calls, 1);
	ck_assert_int_eq(s.d.state, KGROUP_STABLE);
	ck_assert_int_eq(s.d.generation, 2);
	ck_assert_uint_eq(s.d.member_count, 2);
	ck_assert(s.d.protocol.len == 5 && memcmp(s.d.protocol.ptr, "range", 5) == 0);
	ck_assert_str_eq(s.member_ids[0], a.member);
	ck_assert_str_eq(s.hosts[0], "/10.0.0.1");
	ck_assert_str_eq(s.hosts[1], "/10.0.0.2");
	ck_assert_str_eq(s.clients[1], "cli");
	ck_assert_str_eq(s.assign[0], "A0");
	ck_assert_str_eq(s.assign[1], "B0");
	ck_assert_uint_gt(s.meta_len[0], 0);
	ck_assert_int_eq(kgroup_describe_group(kg, slice_from_cstr("nope"), on_desc, &s),
			 KGROUP_GROUP_NOT_FOUND);

	/* only Empty groups go */
	ck_assert_int_eq(kgroup_delete(kg, slice_from_cstr("g")), KGROUP_NOT_EMPTY);
	ck_assert_int_eq(kgroup_delete(kg, slice_from_cstr("nope")), KGROUP_GROUP_NOT_FOUND);
	ck_assert_int_eq(kgroup_leave(kg, slice_from_cstr("g"), slice_from_cstr(a.member),
				      (trib_slice_t){NULL, 0}, 10), KGROUP_OK);
	/* b alone: a rebalance is under way, still not deletable */
	ck_assert_int_eq(kgroup_delete(kg, slice_from_cstr("g")), KGROUP_NOT_EMPTY);
	memset(&s, 0, sizeof(s));
	ck_assert_int_eq(kgroup_describe_group(kg, slice_from_cstr("g"), on_desc, &s), KGROUP_OK);
	ck_assert_int_eq(s.d.state, KGROUP_PREPARING_REBALANCE);
	ck_assert_uint_eq(s.d.protocol.len, 0);   /* no protocol outside Stable (as Kafka) */
	ck_assert_uint_eq(s.meta_len[0], 0);
	ck_assert_int_eq(kgroup_leave(kg, slice_from_cstr("g"), slice_from_cstr(b.member),
				      (trib_slice_t){NULL, 0}, 11), KGROUP_OK);
	memset(&s, 0, sizeof(s));
	ck_assert_int_eq(kgroup_describe_group(kg, slice_from_cstr("g"), on_desc, &s), KGROUP_OK);
	ck_assert_int_eq(s.d.state, KGROUP_EMPTY);
	ck_assert_uint_eq(s.d.member_count, 0);
	ck_assert_int_eq(kgroup_delete(kg, slice_from_cstr("g")), KGROUP_OK);
	ck_assert_int_eq(kgroup_describe_group(kg, slice_from_cstr("g"), on_desc, &s),
			 KGROUP_GROUP_NOT_FOUND);
	memset(&s, 0, sizeof(s));
	ck_assert(kgroup_list(kg, on_list, &s));
	ck_assert_int_eq(s.calls, 0);
	/* a new group of the same name starts again */
	join(&a, "g", "consumer", "", slice_from_cstr("x"), "/h", 20);
	ck_assert(a.answered && a.st == KGROUP_OK && a.gen == 1);
}
END_TEST

START_TEST(topic_check)
{
	cli_t a, b, c;

	two_members(&a, &b, "g", "consumer");
	ck_assert_int_eq(kgroup_topic_check(kg, slice_from_cstr("g"), slice_from_cstr("t1")),
			 KGROUP_SUBSCRIBED);
	ck_assert_int_eq(kgroup_topic_check(kg, slice_from_cstr("g"), slice_from_cstr("t2")),
			 KGROUP_OK);
	ck_assert_int_eq(kgroup_topic_check(kg, slice_from_cstr("x"), slice_from_cstr("t1")),
			 KGROUP_GROUP_NOT_FOUND);
	/* another protocol type with members: nothing may go */
	two_members(&a, &b, "conn", "connect");
	ck_assert_int_eq(kgroup_topic_check(kg, slice_from_cstr("conn"), slice_from_cstr("t2")),
			 KGROUP_NOT_EMPTY);
	/* an unreadable subscription covers every topic */
	join(&c, "bad", "consumer", "", slice_from_cstr("\x01"), "/h", 0);
	ck_assert(c.answered && c.st == KGROUP_OK);
	ck_assert_int_eq(kgroup_topic_check(kg, slice_from_cstr("bad"), slice_from_cstr("t9")),
			 KGROUP_SUBSCRIBED);
	/* Empty: everything may go */
	ck_assert_int_eq(kgroup_leave(kg, slice_from_cstr("bad"), slice_from_cstr(c.member),
				      (trib_slice_t){NULL, 0}, 1), KGROUP_OK);
	ck_assert_int_eq(kgroup_topic_check(kg, slice_from_cstr("bad"), slice_from_cstr("t9")),
			 KGROUP_OK);
}
END_TEST

/* ---- koffset ---- */

static char tmp[256];
static store_t *store;
static ns_t *ns;
static koffset_t *ko;

static void open_all(void)
{
	store_opts_t so = {.dir = tmp};
	ns_opts_t no = {.name = "test", .auto_create = true, .default_partitions = 1};

	ck_assert_int_eq(store_open(&so, &store), TRIB_OK);
	ck_assert_int_eq(ns_open(store, &no, &ns), TRIB_OK);
	ck_assert_int_eq(koffset_open(ns, &ko), TRIB_OK);
}

static void close_all(void)
{
	store_close(&store);
	koffset_close(&ko);
	ns_close(&ns);
}

static void ko_setup(void)
{
	strcpy(tmp, "/tmp/trib-groupadmin-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmp));
	open_all();
}

static void ko_teardown(void)
{
	char cmd[300];

	close_all();
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmp);
	(void)!system(cmd);
}

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static int done_count;
static trib_err_t done_err;

static void on_done(void *arg, trib_err_t err)
{
	(void)arg;
	pthread_mutex_lock(&mu);
	done_count++;
	done_err = err;
	pthread_cond_broadcast(&cv);
	pthread_mutex_unlock(&mu);
}

static int start_count(void)
{
	int n;

	pthread_mutex_lock(&mu);
	n = done_count;
	pthread_mutex_unlock(&mu);
	return n;
}

static void wait_done(int n)
{
	pthread_mutex_lock(&mu);
	while (done_count < n)
		pthread_cond_wait(&cv, &mu);
	pthread_mutex_unlock(&mu);
	ck_assert_int_eq(done_err, TRIB_OK);
}

static void commit(const char *g, const char *t, int32_t p, int64_t off)
{
	koffset_commit_t c = {slice_from_cstr(g), slice_from_cstr(t), p, off, -1, {NULL, 0}};
	int n = start_count();

	ck_assert_int_eq(koffset_commit(ko, &c, 1, on_done, NULL), TRIB_OK);
	wait_done(n + 1);
}

static void del(const koffset_del_t *d, size_t nd)
{
	int n = start_count();

	ck_assert_int_eq(koffset_delete(ko, d, nd, on_done, NULL), TRIB_OK);
	wait_done(n + 1);
}

static bool has(const char *g, const char *t, int32_t p)
{
	static uint8_t meta[KOFFSET_METADATA_MAX];
	koffset_val_t v;

	return koffset_get(ko, slice_from_cstr(g), slice_from_cstr(t), p, &v, meta);
}

static bool on_group(void *arg, trib_slice_t g)
{
	seen_t *s = arg;

	cpy(s->names[s->calls++], 32, g);
	return true;
}

START_TEST(tombstones_replayed)
{
	koffset_del_t one = {slice_from_cstr("g1"), slice_from_cstr("t"), 1};
	koffset_del_t whole = {slice_from_cstr("g2"), {NULL, 0}, 0};
	seen_t s = {0};
	trib_err_t err;

	commit("g1", "t", 0, 10);
	commit("g1", "t", 1, 11);
	commit("g2", "t", 0, 20);
	commit("g2", "u", 3, 21);
	commit("g3", "t", 0, 30);
	ck_assert(koffset_groups(ko, on_group, &s, &err));
	ck_assert_int_eq(s.calls, 3);
	ck_assert_str_eq(s.names[0], "g1");
	ck_assert_str_eq(s.names[2], "g3");

	del(&one, 1);
	ck_assert(has("g1", "t", 0) && !has("g1", "t", 1));
	del(&whole, 1);
	ck_assert(!has("g2", "t", 0) && !has("g2", "u", 3));
	ck_assert(!koffset_has_group(ko, slice_from_cstr("g2")));
	ck_assert(koffset_has_group(ko, slice_from_cstr("g3")));
	ck_assert_uint_eq(koffset_count(ko), 2);
	/* a commit after the group's tombstone stays */
	commit("g2", "t", 0, 22);
	/* deleting what is not there writes a tombstone and is no error */
	del(&one, 1);

	close_all();
	open_all();
	ck_assert_uint_eq(koffset_count(ko), 3);
	ck_assert(has("g1", "t", 0) && !has("g1", "t", 1));
	ck_assert(has("g2", "t", 0) && !has("g2", "u", 3));
	ck_assert(has("g3", "t", 0));
	memset(&s, 0, sizeof(s));
	ck_assert(koffset_groups(ko, on_group, &s, &err));
	ck_assert_int_eq(s.calls, 3);

	/* limits */
	one.partition = -1;
	ck_assert_int_eq(koffset_delete(ko, &one, 1, on_done, NULL), TRIB_ERR_INVALID);
	ck_assert_int_eq(koffset_delete(ko, &whole, 0, on_done, NULL), TRIB_ERR_INVALID);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("group_admin");
	TCase *t = tcase_create("kgroup");
	TCase *o = tcase_create("koffset");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(t, kg_setup, kg_teardown);
	tcase_add_test(t, list_describe_delete);
	tcase_add_test(t, topic_check);
	suite_add_tcase(s, t);
	tcase_add_checked_fixture(o, ko_setup, ko_teardown);
	tcase_add_test(o, tombstones_replayed);
	suite_add_tcase(s, o);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
