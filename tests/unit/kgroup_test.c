/* kgroup: the classic group state machine driven by a fake clock. */
#include "kgroup.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "mem.h"

#define SESSION 10000
#define REBALANCE 20000

/* A client's view of one member: its waiter and the last answer. */
typedef struct cli {
	kgroup_waiter_t w;
	bool answered;
	kgroup_status_t st;
	int32_t gen;
	char member[128];
	char leader[128];
	char proto[32];
	size_t nmembers;
	char assignment[32];
} cli_t;

static kgroup_t *kg;

static void cp(char *dst, size_t n, trib_slice_t s)
{
	size_t l = s.ptr ? (s.len < n - 1 ? s.len : n - 1) : 0;

	if (l)
		memcpy(dst, s.ptr, l);
	dst[l] = 0;
}

static void on_join(kgroup_waiter_t *w, const kgroup_join_result_t *r)
{
	cli_t *c = w->arg;

	c->answered = true;
	c->st = r->status;
	c->gen = r->generation;
	cp(c->member, sizeof(c->member), r->member_id);
	cp(c->leader, sizeof(c->leader), r->leader_id);
	cp(c->proto, sizeof(c->proto), r->protocol_name);
	c->nmembers = r->member_count;
}

static void on_sync(kgroup_waiter_t *w, kgroup_status_t st, trib_slice_t a)
{
	cli_t *c = w->arg;

	c->answered = true;
	c->st = st;
	cp(c->assignment, sizeof(c->assignment), a);
}

static void setup(void)
{
	ck_assert_int_eq(kgroup_open(&kg), TRIB_OK);
}

static void teardown(void)
{
	kgroup_close(&kg);
	ck_assert_ptr_null(kg);
}

static const kgroup_protocol_t range_rr[] = {
	{{(const uint8_t *)"range", 5}, {(const uint8_t *)"m1", 2}},
	{{(const uint8_t *)"roundrobin", 10}, {(const uint8_t *)"m2", 2}},
};
static const kgroup_protocol_t rr_only[] = {
	{{(const uint8_t *)"roundrobin", 10}, {(const uint8_t *)"m3", 2}},
};
static const kgroup_protocol_t other[] = {
	{{(const uint8_t *)"sticky", 6}, {(const uint8_t *)"", 0}},
};

static void join(cli_t *c, const char *member, const kgroup_protocol_t *p, size_t np, bool v4,
		 int64_t now)
{
	kgroup_join_req_t r = {slice_from_cstr("g"), slice_from_cstr(member), {NULL, 0},
			       slice_from_cstr("cli"), slice_from_cstr("consumer"), SESSION,
			       REBALANCE, p, np, v4, {NULL, 0}};

	c->w = (kgroup_waiter_t){on_join, on_sync, c, NULL};
	c->answered = false;
	kgroup_join(kg, &r, &c->w, now);
}

static void sync(cli_t *c, int32_t gen, const trib_slice_t *ids, const trib_slice_t *as, size_t n,
		 int64_t now)
{
	kgroup_sync_req_t r = {slice_from_cstr("g"), slice_from_cstr(c->member), {NULL, 0}, gen,
			       ids, as, n};

	c->w = (kgroup_waiter_t){on_join, on_sync, c, NULL};
	c->answered = false;
	kgroup_sync(kg, &r, &c->w, now);
}

static kgroup_status_t hb(cli_t *c, int32_t gen, int64_t now)
{
	return kgroup_heartbeat(kg, slice_from_cstr("g"), gen, slice_from_cstr(c->member),
				(trib_slice_t){NULL, 0}, now);
}

static void state_is(kgroup_state_t want, int32_t gen, size_t members)
{
	kgroup_state_t st;
	int32_t g;
	size_t n;

	ck_assert(kgroup_describe(kg, slice_from_cstr("g"), &st, &g, &n));
	ck_assert_int_eq(st, want);
	ck_assert_int_eq(g, gen);
	ck_assert_uint_eq(n, members);
}

/* A joins with v4: MEMBER_ID_REQUIRED, then rejoins and becomes a one-member leader. */
static void first_member(cli_t *a, int64_t now)
{
	join(a, "", range_rr, 2, true, now);
	ck_assert(a->answered);
	ck_assert_int_eq(a->st, KGROUP_MEMBER_ID_REQUIRED);
	ck_assert(strncmp(a->member, "cli-", 4) == 0);
	join(a, a->member, range_rr, 2, true, now);
	ck_assert(a->answered);
	ck_assert_int_eq(a->st, KGROUP_OK);
	ck_assert_int_eq(a->gen, 1);
	ck_assert_str_eq(a->leader, a->member);
	ck_assert_uint_eq(a->nmembers, 1);
	ck_assert_str_eq(a->proto, "range");
	state_is(KGROUP_COMPLETING_REBALANCE, 1, 1);
}

/*
 * group.initial.rebalance.delay.ms: an Empty group's first rebalance waits,
 * each new member extending the wait, so members starting together get one
 * generation; the wait never passes the rebalance timeout; later rebalances
 * do not wait.
 */
START_TEST(initial_rebalance_delay)
{
	cli_t a = {0}, b = {0}, c = {0};

	kgroup_set_initial_delay(kg, 3000);
	join(&a, "", range_rr, 2, true, 0);
	ck_assert_int_eq(a.st, KGROUP_MEMBER_ID_REQUIRED);
	join(&a, a.member, range_rr, 2, true, 0);
	ck_assert(!a.answered); /* waiting for more members */
	ck_assert_int_eq(kgroup_tick(kg, 1000), 3000);
	join(&b, "", range_rr, 2, false, 2000); /* v3: no member id round trip */
	ck_assert(!b.answered);
	ck_assert_int_eq(kgroup_tick(kg, 2999), 5000); /* b restarted the wait */
	ck_assert(!a.answered && !b.answered);
	kgroup_tick(kg, 5000);
	ck_assert(a.answered && b.answered);
	ck_assert_int_eq(a.gen, 1);
	ck_assert_int_eq(b.gen, 1);
	ck_assert_uint_eq(a.nmembers, 2);
	state_is(KGROUP_COMPLETING_REBALANCE, 1, 2);
	/* a later joiner rebalances at once when everyone has rejoined */
	join(&c, "", range_rr, 2, false, 6000);
	join(&a, a.member, range_rr, 2, true, 6000);
	join(&b, b.member, range_rr, 2, false, 6000);
	ck_assert(a.answered && b.answered && c.answered);
	ck_assert_int_eq(c.gen, 2);
}
END_TEST

START_TEST(initial_delay_capped_by_rebalance_timeout)
{
	cli_t a = {0};

	kgroup_set_initial_delay(kg, REBALANCE * 10);
	join(&a, "", range_rr, 2, false, 0);
	ck_assert(!a.answered);
	ck_assert_int_eq(kgroup_tick(kg, 1), REBALANCE);
	kgroup_tick(kg, REBALANCE);
	ck_assert(a.answered);
	ck_assert_int_eq(a.st, KGROUP_OK);
	ck_assert_int_eq(a.gen, 1);
}
END_TEST

START_TEST(join_sync_two_members)
{
	cli_t a, b;
	trib_slice_t ids[2], as[2];

	first_member(&a, 0);
	ids[0] = slice_from_cstr(a.member);
	as[0] = slice_from_cstr("A1");
	sync(&a, 1, ids, as, 1, 10);
	ck_assert(a.answered);
	ck_assert_str_eq(a.assignment, "A1");
	state_is(KGROUP_STABLE, 1, 1);
	ck_assert_int_eq(hb(&a, 1, 20), KGROUP_OK);

	/* B joins (v3: no KIP-394 round trip) and waits; A learns by heartbeat and rejoins */
	join(&b, "", rr_only, 1, false, 100);
	ck_assert(!b.answered);
	state_is(KGROUP_PREPARING_REBALANCE, 1, 2);
	ck_assert_int_eq(hb(&a, 1, 200), KGROUP_REBALANCING);
	join(&a, a.member, range_rr, 2, true, 300);
	ck_assert(a.answered && b.answered);
	ck_assert_int_eq(a.gen, 2);
	ck_assert_int_eq(b.gen, 2);
	ck_assert_str_eq(a.proto, "roundrobin"); /* the only protocol both support */
	ck_assert_uint_eq(a.nmembers, 2);        /* A stays the leader */
	ck_assert_uint_eq(b.nmembers, 0);
	ck_assert_str_eq(b.leader, a.member);

	/* the follower's sync waits for the leader's */
	sync(&b, 2, NULL, NULL, 0, 400);
	ck_assert(!b.answered);
	ids[0] = slice_from_cstr(a.member), as[0] = slice_from_cstr("A2");
	ids[1] = slice_from_cstr(b.member), as[1] = slice_from_cstr("B2");
	sync(&a, 2, ids, as, 2, 500);
	ck_assert(a.answered && b.answered);
	ck_assert_str_eq(a.assignment, "A2");
	ck_assert_str_eq(b.assignment, "B2");
	state_is(KGROUP_STABLE, 2, 2);
	ck_assert_int_eq(hb(&b, 1, 600), KGROUP_ILLEGAL_GENERATION);
	ck_assert_int_eq(kgroup_commit_check(kg, slice_from_cstr("g"), 2,
					     slice_from_cstr(b.member), (trib_slice_t){NULL, 0},
					     600), KGROUP_OK);
	ck_assert_int_eq(kgroup_commit_check(kg, slice_from_cstr("g"), -1, slice_from_cstr(""),
					     (trib_slice_t){NULL, 0}, 600), KGROUP_UNKNOWN_MEMBER);

	/* an incompatible member is refused; an unknown id too */
	{
		cli_t c;

		join(&c, "", other, 1, false, 700);
		ck_assert(c.answered);
		ck_assert_int_eq(c.st, KGROUP_INCONSISTENT_PROTOCOL);
		join(&c, "nobody", rr_only, 1, false, 700);
		ck_assert_int_eq(c.st, KGROUP_UNKNOWN_MEMBER);
	}

	/* B leaves: A is told to rejoin and becomes the only member */
	ck_assert_int_eq(kgroup_leave(kg, slice_from_cstr("g"), slice_from_cstr(b.member),
				      (trib_slice_t){NULL, 0}, 800), KGROUP_OK);
	ck_assert_int_eq(hb(&a, 2, 900), KGROUP_REBALANCING);
	join(&a, a.member, range_rr, 2, true, 1000);
	ck_assert(a.answered);
	ck_assert_int_eq(a.gen, 3);
	ck_assert_str_eq(a.proto, "range");
	ck_assert_int_eq(kgroup_leave(kg, slice_from_cstr("g"), slice_from_cstr(b.member),
				      (trib_slice_t){NULL, 0}, 1100), KGROUP_UNKNOWN_MEMBER);
	ck_assert_int_eq(kgroup_leave(kg, slice_from_cstr("g"), slice_from_cstr(a.member),
				      (trib_slice_t){NULL, 0}, 1100), KGROUP_OK);
	state_is(KGROUP_EMPTY, 4, 0);
	/* an Empty group takes standalone commits */
	ck_assert_int_eq(kgroup_commit_check(kg, slice_from_cstr("g"), -1, slice_from_cstr(""),
					     (trib_slice_t){NULL, 0}, 1200), KGROUP_OK);
}
END_TEST

START_TEST(session_expiry_and_rebalance_timeout)
{
	cli_t a, b;
	trib_slice_t ids[1], as[1];
	int64_t d;

	first_member(&a, 0);
	ids[0] = slice_from_cstr(a.member), as[0] = slice_from_cstr("x");
	sync(&a, 1, ids, as, 1, 0);
	d = kgroup_tick(kg, 1000);
	ck_assert_int_eq(d, SESSION); /* the sync refreshed A's session at 0 */
	ck_assert_int_eq(hb(&a, 1, 5000), KGROUP_OK);
	ck_assert_int_eq(kgroup_tick(kg, SESSION + 1), 5000 + SESSION);

	/* B joins; A never rejoins: after the rebalance timeout A is dropped, B answered */
	join(&b, "", rr_only, 1, false, 6000);
	ck_assert(!b.answered);
	/* A keeps heartbeating (told to rejoin) so only the rebalance timeout can drop it */
	ck_assert_int_eq(hb(&a, 1, 14000), KGROUP_REBALANCING);
	kgroup_tick(kg, 14000);
	ck_assert_int_eq(hb(&a, 1, 23000), KGROUP_REBALANCING);
	kgroup_tick(kg, 6000 + REBALANCE - 1);
	ck_assert(!b.answered);
	kgroup_tick(kg, 6000 + REBALANCE);
	ck_assert(b.answered);
	ck_assert_int_eq(b.st, KGROUP_OK);
	ck_assert_int_eq(b.gen, 2);
	ck_assert_str_eq(b.leader, b.member);
	state_is(KGROUP_COMPLETING_REBALANCE, 2, 1);
	ck_assert_int_eq(hb(&a, 1, 26001), KGROUP_UNKNOWN_MEMBER);

	/* B's session then passes without a heartbeat: the group empties */
	kgroup_tick(kg, 26000 + SESSION + 1);
	state_is(KGROUP_EMPTY, 3, 0);
	ck_assert_int_eq(kgroup_next_deadline(kg), -1);
}
END_TEST

START_TEST(pending_ids_expire_and_cancel)
{
	cli_t a, b;

	join(&a, "", range_rr, 2, true, 0);
	ck_assert_int_eq(a.st, KGROUP_MEMBER_ID_REQUIRED);
	ck_assert_int_eq(kgroup_next_deadline(kg), SESSION);
	kgroup_tick(kg, SESSION);
	join(&a, a.member, range_rr, 2, true, SESSION + 1); /* its id expired */
	ck_assert_int_eq(a.st, KGROUP_UNKNOWN_MEMBER);

	/* a cancelled join gets no callback; the member is dropped at the deadline */
	first_member(&a, 100000);
	join(&b, "", range_rr, 2, false, 100001);
	ck_assert(!b.answered);
	kgroup_cancel(kg, &b.w);
	join(&a, a.member, range_rr, 2, true, 100002);
	ck_assert(!a.answered); /* B still counts as not rejoined */
	kgroup_tick(kg, 100001 + REBALANCE);
	ck_assert(a.answered);
	ck_assert(!b.answered);
	ck_assert_uint_eq(a.nmembers, 1);
	/* bad inputs */
	{
		cli_t c;
		kgroup_join_req_t r = {slice_from_cstr("g"), slice_from_cstr(""), {NULL, 0},
				       slice_from_cstr("cli"), slice_from_cstr("consumer"),
				       KGROUP_MIN_SESSION_MS - 1, REBALANCE, range_rr, 2, false,
				       {NULL, 0}};

		c.w = (kgroup_waiter_t){on_join, on_sync, &c, NULL};
		kgroup_join(kg, &r, &c.w, 200000);
		ck_assert_int_eq(c.st, KGROUP_INVALID_SESSION_TIMEOUT);
		r.session_timeout_ms = SESSION;
		r.group = slice_from_cstr("");
		kgroup_join(kg, &r, &c.w, 200000);
		ck_assert_int_eq(c.st, KGROUP_INVALID_GROUP_ID);
	}
}
END_TEST

START_TEST(static_member_rejoins)
{
	cli_t a, a2;
	kgroup_join_req_t r = {slice_from_cstr("g"), slice_from_cstr(""), slice_from_cstr("inst-1"),
			       slice_from_cstr("cli"), slice_from_cstr("consumer"), SESSION,
			       REBALANCE, range_rr, 2, true, {NULL, 0}};
	char old[128];

	a.w = (kgroup_waiter_t){on_join, on_sync, &a, NULL};
	kgroup_join(kg, &r, &a.w, 0); /* static members skip MEMBER_ID_REQUIRED */
	ck_assert_int_eq(a.st, KGROUP_OK);
	ck_assert_int_eq(a.gen, 1);
	strcpy(old, a.member);
	/* the same instance comes back with no member id: new id, the old one fenced */
	a2.w = (kgroup_waiter_t){on_join, on_sync, &a2, NULL};
	kgroup_join(kg, &r, &a2.w, 10);
	ck_assert(a2.answered);
	ck_assert_str_ne(a2.member, old);
	ck_assert_int_eq(kgroup_heartbeat(kg, slice_from_cstr("g"), a2.gen, slice_from_cstr(old),
					  slice_from_cstr("inst-1"), 20), KGROUP_FENCED_INSTANCE);
	ck_assert_int_eq(kgroup_leave(kg, slice_from_cstr("g"), slice_from_cstr(""),
				      slice_from_cstr("inst-1"), 30), KGROUP_OK);
	state_is(KGROUP_EMPTY, a2.gen + 1, 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("kgroup");
	TCase *t = tcase_create("kgroup");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(t, setup, teardown);
	tcase_add_test(t, join_sync_two_members);
	tcase_add_test(t, initial_rebalance_delay);
	tcase_add_test(t, initial_delay_capped_by_rebalance_timeout);
	tcase_add_test(t, session_expiry_and_rebalance_timeout);
	tcase_add_test(t, pending_ids_expire_and_cancel);
	tcase_add_test(t, static_member_rejoins);
	suite_add_tcase(s, t);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
