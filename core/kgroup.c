/*
 * Kafka classic consumer groups, after Kafka's GroupCoordinator.
 *
 * Invariants (all under the one registry lock; groups are not a hot path):
 *  - a member's join_w / sync_w is armed only while its JoinGroup /
 *    SyncGroup is unanswered; answering or kgroup_cancel clears it, and a
 *    waiter's member_ points back at the member while armed;
 *  - join_w are only armed in PreparingRebalance (answered at completion or
 *    at once in other states); sync_w only in CompletingRebalance;
 *  - PreparingRebalance completes when every member has an armed join_w and
 *    no KIP-394 pending id is outstanding, or at rebalance_deadline (members
 *    that did not rejoin are removed then);
 *  - a member's session (expires_at) is not checked while its join is
 *    armed: the rebalance deadline bounds that wait;
 *  - the first rebalance of an Empty group also waits until initial_until
 *    (Kafka's group.initial.rebalance.delay.ms, each new member extending it,
 *    never past rebalance_deadline), so members starting together form the
 *    group in one rebalance; 0 = not waiting.
 * Groups are freed only by kgroup_delete (DeleteGroups, Empty groups only)
 * and kgroup_close (an Empty group costs a few bytes and keeps its
 * generation); lookups are linear in the group count.
 */
#include "kgroup.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "clock.h"
#include "log.h"
#include "mem.h"
#include "wire.h"

typedef struct blob {
	uint8_t *p;
	size_t len;
	bool set; /* false = null */
} blob_t;

typedef struct proto {
	blob_t name;
	blob_t metadata;
} proto_t;

typedef struct member {
	struct member *next;
	blob_t id;
	blob_t instance;
	blob_t client_id;   /* as last joined (DescribeGroups) */
	blob_t client_host;
	int32_t session_ms;
	int32_t rebalance_ms;
	proto_t *protos;
	size_t nprotos;
	blob_t assignment;
	kgroup_waiter_t *join_w;
	kgroup_waiter_t *sync_w;
	int64_t expires_at;
} member_t;

typedef struct pending_id {
	struct pending_id *next;
	blob_t id;
	int64_t expires_at;
} pending_id_t;

typedef struct group {
	struct group *next;
	blob_t name;
	kgroup_state_t state;
	int32_t generation;
	blob_t protocol_type;
	blob_t protocol; /* chosen protocol name */
	member_t *members;
	member_t *leader;
	size_t nmembers;
	pending_id_t *pending;
	int64_t rebalance_deadline;
	int64_t initial_until;
} group_t;

struct kgroup {
	pthread_mutex_t mu;
	group_t *groups;
	uint64_t seq;             /* member id counter */
	int32_t initial_delay_ms; /* group.initial.rebalance.delay.ms */
};

/* ---- small helpers ---- */

static trib_slice_t sl(const blob_t *b)
{
	return b->set ? (trib_slice_t){b->p ? b->p : (const uint8_t *)"", b->len}
		      : (trib_slice_t){NULL, 0};
}

static bool blob_set(blob_t *b, trib_slice_t s)
{
	uint8_t *p = NULL;

	if (s.ptr && s.len) {
		p = mem_alloc(MEM_CORE, s.len);
		if (!p)
			return false;
		memcpy(p, s.ptr, s.len);
	}
	mem_free(b->p);
	*b = (blob_t){p, s.ptr ? s.len : 0, s.ptr != NULL};
	return true;
}

static void blob_free(blob_t *b)
{
	mem_free(b->p);
	*b = (blob_t){NULL, 0, false};
}

static bool blob_eq(const blob_t *b, trib_slice_t s)
{
	if (!b->set || !s.ptr)
		return !b->set && !s.ptr;
	return b->len == s.len && (s.len == 0 || memcmp(b->p, s.ptr, s.len) == 0);
}

static void free_protos(member_t *m)
{
	for (size_t i = 0; i < m->nprotos; i++) {
		blob_free(&m->protos[i].name);
		blob_free(&m->protos[i].metadata);
	}
	mem_free(m->protos);
	m->protos = NULL;
	m->nprotos = 0;
}

static void free_member(member_t *m)
{
	free_protos(m);
	blob_free(&m->id);
	blob_free(&m->instance);
	blob_free(&m->client_id);
	blob_free(&m->client_host);
	blob_free(&m->assignment);
	mem_free(m);
}

static const proto_t *member_proto(const member_t *m, const blob_t *name)
{
	for (size_t i = 0; i < m->nprotos; i++) {
		if (blob_eq(&m->protos[i].name, sl(name)))
			return &m->protos[i];
	}
	return NULL;
}

static bool same_protos(const member_t *m, const kgroup_join_req_t *r)
{
	if (m->nprotos != r->protocol_count)
		return false;
	for (size_t i = 0; i < m->nprotos; i++) {
		if (!blob_eq(&m->protos[i].name, r->protocols[i].name) ||
		    !blob_eq(&m->protos[i].metadata, r->protocols[i].metadata))
			return false;
	}
	return true;
}

static bool set_protos(member_t *m, const kgroup_join_req_t *r)
{
	proto_t *p = mem_calloc(MEM_CORE, r->protocol_count, sizeof(*p));

	if (!p)
		return false;
	for (size_t i = 0; i < r->protocol_count; i++) {
		if (!blob_set(&p[i].name, r->protocols[i].name) ||
		    !blob_set(&p[i].metadata, r->protocols[i].metadata)) {
			member_t tmp = {.protos = p, .nprotos = r->protocol_count};

			free_protos(&tmp);
			return false;
		}
	}
	free_protos(m);
	m->protos = p;
	m->nprotos = r->protocol_count;
	return true;
}

static group_t *find_group(kgroup_t *kg, trib_slice_t name)
{
	for (group_t *g = kg->groups; g; g = g->next) {
		if (blob_eq(&g->name, name))
			return g;
	}
	return NULL;
}

static member_t *find_member(group_t *g, trib_slice_t id)
{
	for (member_t *m = g->members; m; m = m->next) {
		if (blob_eq(&m->id, id))
			return m;
	}
	return NULL;
}

static member_t *find_instance(group_t *g, trib_slice_t inst)
{
	if (!inst.ptr)
		return NULL;
	for (member_t *m = g->members; m; m = m->next) {
		if (blob_eq(&m->instance, inst))
			return m;
	}
	return NULL;
}

/* clientId-<16 hex digits>, as Kafka's clientId-UUID: unique for the registry's life. */
static bool new_member_id(kgroup_t *kg, trib_slice_t client_id, blob_t *out)
{
	char buf[KGROUP_ID_MAX + 32];
	size_t cl = client_id.ptr ? client_id.len : 0;
	uint64_t v = ++kg->seq * 0x9e3779b97f4a7c15ull ^ (uint64_t)clock_wall_ms();
	int n;

	if (cl > KGROUP_ID_MAX - 20)
		cl = KGROUP_ID_MAX - 20;
	n = snprintf(buf, sizeof(buf), "%.*s-%016llx-%llu", (int)cl,
		     cl ? (const char *)client_id.ptr : "", (unsigned long long)v,
		     (unsigned long long)kg->seq);
	return blob_set(out, (trib_slice_t){(const uint8_t *)buf, (size_t)n});
}

/* ---- answering waiters ---- */

static void join_fail(kgroup_waiter_t *w, kgroup_status_t st, trib_slice_t member_id)
{
	kgroup_join_result_t r = {st, -1, {(const uint8_t *)"", 0}, {(const uint8_t *)"", 0},
				  member_id.ptr ? member_id : (trib_slice_t){(const uint8_t *)"", 0},
				  NULL, 0};

	w->member_ = NULL;
	w->join_done(w, &r);
}

static void sync_answer(member_t *m, kgroup_status_t st)
{
	kgroup_waiter_t *w = m->sync_w;

	if (!w)
		return;
	m->sync_w = NULL;
	w->member_ = NULL;
	w->sync_done(w, st, st == KGROUP_OK ? sl(&m->assignment) : (trib_slice_t){NULL, 0});
}

/* The current generation's answer to @m (the leader also gets every member). */
static void join_answer(group_t *g, member_t *m, kgroup_waiter_t *w)
{
	kgroup_member_info_t *infos = NULL;
	kgroup_join_result_t r = {KGROUP_OK, g->generation, sl(&g->protocol),
				  sl(&g->leader->id), sl(&m->id), NULL, 0};

	if (m == g->leader) {
		size_t i = 0;

		infos = mem_calloc(MEM_CORE, g->nmembers ? g->nmembers : 1, sizeof(*infos));
		if (!infos) {
			join_fail(w, KGROUP_NO_MEMORY, sl(&m->id));
			return;
		}
		for (member_t *o = g->members; o; o = o->next, i++) {
			const proto_t *p = member_proto(o, &g->protocol);

			infos[i] = (kgroup_member_info_t){sl(&o->id), sl(&o->instance),
							  p ? sl(&p->metadata)
							    : (trib_slice_t){(const uint8_t *)"", 0}};
		}
		r.members = infos;
		r.member_count = i;
	}
	w->member_ = NULL;
	w->join_done(w, &r);
	mem_free(infos);
}

/* ---- rebalancing ---- */

static bool everyone_supports(const group_t *g, const blob_t *name)
{
	for (const member_t *m = g->members; m; m = m->next) {
		if (!member_proto(m, name))
			return false;
	}
	return true;
}

/*
 * Kafka's selection: the candidates are the protocols every member
 * supports; each member votes for the first candidate in its own order; the
 * most votes win, ties going to the leader's order.
 */
static const proto_t *choose_protocol(group_t *g)
{
	const proto_t *best = NULL;
	size_t best_votes = 0;

	for (size_t i = 0; i < g->leader->nprotos; i++) {
		const proto_t *cand = &g->leader->protos[i];
		size_t votes = 0;

		if (!everyone_supports(g, &cand->name))
			continue;
		for (member_t *m = g->members; m; m = m->next) {
			for (size_t k = 0; k < m->nprotos; k++) {
				if (everyone_supports(g, &m->protos[k].name)) {
					votes += blob_eq(&m->protos[k].name, sl(&cand->name));
					break;
				}
			}
		}
		if (!best || votes > best_votes) {
			best = cand;
			best_votes = votes;
		}
	}
	return best;
}

static void unlink_member(group_t *g, member_t *m)
{
	for (member_t **pp = &g->members; *pp; pp = &(*pp)->next) {
		if (*pp == m) {
			*pp = m->next;
			break;
		}
	}
	g->nmembers--;
	if (g->leader == m)
		g->leader = NULL;
}

static void complete_join(group_t *g, int64_t now)
{
	const proto_t *p;
	member_t *m, *next;

	/* members that did not rejoin in time leave the group */
	for (m = g->members; m; m = next) {
		next = m->next;
		if (!m->join_w) {
			log_info("kgroup %.*s: member %.*s did not rejoin in time, removed",
				 (int)g->name.len, (const char *)g->name.p, (int)m->id.len,
				 (const char *)m->id.p);
			sync_answer(m, KGROUP_UNKNOWN_MEMBER);
			unlink_member(g, m);
			free_member(m);
		}
	}
	g->generation++;
	g->initial_until = 0;
	if (!g->members) {
		g->state = KGROUP_EMPTY;
		blob_free(&g->protocol);
		blob_free(&g->protocol_type);
		return;
	}
	if (!g->leader)
		g->leader = g->members;
	p = choose_protocol(g);
	if (!p || !blob_set(&g->protocol, sl(&p->name))) {
		/* join() refuses inconsistent members, so this is memory: start over */
		for (m = g->members; m; m = m->next) {
			kgroup_waiter_t *w = m->join_w;

			m->join_w = NULL;
			join_fail(w, p ? KGROUP_NO_MEMORY : KGROUP_INCONSISTENT_PROTOCOL, sl(&m->id));
		}
		g->state = KGROUP_PREPARING_REBALANCE;
		g->rebalance_deadline = now;
		return;
	}
	g->state = KGROUP_COMPLETING_REBALANCE;
	log_info("kgroup %.*s: generation %d, protocol %.*s, %zu members", (int)g->name.len,
		 (const char *)g->name.p, g->generation, (int)g->protocol.len,
		 (const char *)g->protocol.p, g->nmembers);
	for (m = g->members; m; m = m->next) {
		kgroup_waiter_t *w = m->join_w;

		m->join_w = NULL;
		m->expires_at = now + m->session_ms;
		blob_free(&m->assignment);
		join_answer(g, m, w);
	}
}

static void maybe_complete_join(group_t *g, int64_t now)
{
	if (g->state != KGROUP_PREPARING_REBALANCE)
		return;
	if (g->initial_until) {
		if (now < g->initial_until)
			return;
		g->initial_until = 0;
	}
	if (now < g->rebalance_deadline) {
		if (g->pending)
			return;
		for (member_t *m = g->members; m; m = m->next) {
			if (!m->join_w)
				return;
		}
	}
	complete_join(g, now);
}

static void prepare_rebalance(group_t *g, int64_t now)
{
	int32_t longest = 0;

	if (g->state == KGROUP_COMPLETING_REBALANCE) {
		for (member_t *m = g->members; m; m = m->next)
			sync_answer(m, KGROUP_REBALANCING);
	}
	for (member_t *m = g->members; m; m = m->next) {
		if (m->rebalance_ms > longest)
			longest = m->rebalance_ms;
	}
	if (g->state != KGROUP_PREPARING_REBALANCE)
		g->rebalance_deadline = now + longest;
	g->state = KGROUP_PREPARING_REBALANCE;
}

static void remove_member(group_t *g, member_t *m, int64_t now)
{
	if (m->join_w) {
		kgroup_waiter_t *w = m->join_w;

		m->join_w = NULL;
		join_fail(w, KGROUP_UNKNOWN_MEMBER, sl(&m->id));
	}
	sync_answer(m, KGROUP_UNKNOWN_MEMBER);
	unlink_member(g, m);
	free_member(m);
	if (g->state == KGROUP_STABLE || g->state == KGROUP_COMPLETING_REBALANCE)
		prepare_rebalance(g, now);
	maybe_complete_join(g, now);
}

/* ---- JoinGroup ---- */

static kgroup_status_t validate_join(group_t *g, const kgroup_join_req_t *r)
{
	if (r->session_timeout_ms < KGROUP_MIN_SESSION_MS ||
	    r->session_timeout_ms > KGROUP_MAX_SESSION_MS)
		return KGROUP_INVALID_SESSION_TIMEOUT;
	if (r->protocol_count == 0 || r->protocol_count > KGROUP_MAX_PROTOCOLS ||
	    r->protocol_type.len == 0)
		return KGROUP_INCONSISTENT_PROTOCOL;
	if (!g || g->state == KGROUP_EMPTY || !g->members)
		return KGROUP_OK;
	if (!blob_eq(&g->protocol_type, r->protocol_type))
		return KGROUP_INCONSISTENT_PROTOCOL;
	/* at least one offered protocol must be supported by every other member */
	for (size_t i = 0; i < r->protocol_count; i++) {
		bool all = true;

		for (member_t *m = g->members; m && all; m = m->next) {
			blob_t name = {(uint8_t *)r->protocols[i].name.ptr, r->protocols[i].name.len,
				       true};

			all = blob_eq(&m->id, r->member_id) || member_proto(m, &name);
		}
		if (all)
			return KGROUP_OK;
	}
	return KGROUP_INCONSISTENT_PROTOCOL;
}

static group_t *get_group(kgroup_t *kg, trib_slice_t name)
{
	group_t *g = find_group(kg, name);

	if (g)
		return g;
	g = mem_calloc(MEM_CORE, 1, sizeof(*g));
	if (!g || !blob_set(&g->name, name)) {
		mem_free(g);
		return NULL;
	}
	g->state = KGROUP_EMPTY;
	g->next = kg->groups;
	kg->groups = g;
	return g;
}

static member_t *add_member(group_t *g, blob_t *id, const kgroup_join_req_t *r)
{
	member_t *m;

	if (g->nmembers >= KGROUP_MAX_MEMBERS)
		return NULL;
	m = mem_calloc(MEM_CORE, 1, sizeof(*m));
	if (!m)
		return NULL;
	m->id = *id;
	*id = (blob_t){NULL, 0, false};
	if (!blob_set(&m->instance, r->instance_id) || !set_protos(m, r)) {
		free_member(m);
		return NULL;
	}
	m->next = NULL;
	/* appended: the first member to join stays first (the leader of a new group) */
	{
		member_t **pp = &g->members;

		while (*pp)
			pp = &(*pp)->next;
		*pp = m;
	}
	g->nmembers++;
	return m;
}

static bool take_pending(group_t *g, trib_slice_t id)
{
	for (pending_id_t **pp = &g->pending; *pp; pp = &(*pp)->next) {
		if (blob_eq(&(*pp)->id, id)) {
			pending_id_t *p = *pp;

			*pp = p->next;
			blob_free(&p->id);
			mem_free(p);
			return true;
		}
	}
	return false;
}

static size_t count_pending(const group_t *g)
{
	size_t n = 0;

	for (const pending_id_t *p = g->pending; p; p = p->next)
		n++;
	return n;
}

/* The initial delay: started by a group's first member, extended by each new one. */
static void delay_initial(const kgroup_t *kg, group_t *g, bool was_empty, bool is_new,
			  int64_t now)
{
	if (kg->initial_delay_ms <= 0 || !is_new || (!was_empty && !g->initial_until))
		return;
	g->initial_until = now + kg->initial_delay_ms;
	if (g->initial_until > g->rebalance_deadline)
		g->initial_until = g->rebalance_deadline;
}

/* Existing member @m (re)joins with @r: arm, rebalance or answer now. */
static void member_joins(kgroup_t *kg, group_t *g, member_t *m, bool is_new,
			 const kgroup_join_req_t *r, kgroup_waiter_t *w, int64_t now)
{
	bool changed = is_new || !same_protos(m, r);
	bool was_empty = g->state == KGROUP_EMPTY;

	if (!is_new && changed && !set_protos(m, r)) {
		join_fail(w, KGROUP_NO_MEMORY, sl(&m->id));
		return;
	}
	if (!blob_set(&m->client_id, r->client_id) || !blob_set(&m->client_host, r->client_host)) {
		join_fail(w, KGROUP_NO_MEMORY, sl(&m->id));
		return;
	}
	m->session_ms = r->session_timeout_ms;
	m->rebalance_ms = r->rebalance_timeout_ms > 0 ? r->rebalance_timeout_ms
						      : r->session_timeout_ms;
	m->expires_at = now + m->session_ms;
	if (!g->protocol_type.set && !blob_set(&g->protocol_type, r->protocol_type)) {
		join_fail(w, KGROUP_NO_MEMORY, sl(&m->id));
		return;
	}
	if (!changed && m != g->leader &&
	    (g->state == KGROUP_STABLE || g->state == KGROUP_COMPLETING_REBALANCE)) {
		join_answer(g, m, w); /* nothing new: the current generation again */
		return;
	}
	if (!changed && g->state == KGROUP_COMPLETING_REBALANCE) {
		join_answer(g, m, w);
		return;
	}
	if (m->join_w)
		join_fail(m->join_w, KGROUP_REBALANCING, sl(&m->id)); /* superseded */
	m->join_w = w;
	w->member_ = m;
	prepare_rebalance(g, now);
	delay_initial(kg, g, was_empty, is_new, now);
	maybe_complete_join(g, now);
}

static void join_locked(kgroup_t *kg, const kgroup_join_req_t *r, kgroup_waiter_t *w,
			int64_t now)
{
	group_t *g;
	member_t *m;
	blob_t id = {NULL, 0, false};
	kgroup_status_t st;

	if (r->group.len == 0 || r->group.len > KGROUP_ID_MAX || r->member_id.len > KGROUP_ID_MAX ||
	    (r->instance_id.ptr && (r->instance_id.len == 0 || r->instance_id.len > KGROUP_ID_MAX))) {
		join_fail(w, r->group.len == 0 || r->group.len > KGROUP_ID_MAX
				     ? KGROUP_INVALID_GROUP_ID : KGROUP_UNKNOWN_MEMBER, r->member_id);
		return;
	}
	g = find_group(kg, r->group);
	st = validate_join(g, r);
	if (st) {
		join_fail(w, st, r->member_id);
		return;
	}
	if (!g && !(g = get_group(kg, r->group))) {
		join_fail(w, KGROUP_NO_MEMORY, r->member_id);
		return;
	}
	if (r->member_id.len == 0) {
		m = find_instance(g, r->instance_id);
		if (m) {
			/* a static member back with a new id: the old id is fenced from now on */
			if (!new_member_id(kg, r->client_id, &id)) {
				join_fail(w, KGROUP_NO_MEMORY, r->member_id);
				return;
			}
			blob_free(&m->id);
			m->id = id;
			member_joins(kg, g, m, false, r, w, now);
			return;
		}
		if (g->nmembers + count_pending(g) >= KGROUP_MAX_MEMBERS) {
			join_fail(w, KGROUP_GROUP_FULL, r->member_id);
			return;
		}
		if (!new_member_id(kg, r->client_id, &id)) {
			join_fail(w, KGROUP_NO_MEMORY, r->member_id);
			return;
		}
		if (r->require_known_member_id && !r->instance_id.ptr) {
			pending_id_t *p = mem_calloc(MEM_CORE, 1, sizeof(*p));

			if (!p) {
				blob_free(&id);
				join_fail(w, KGROUP_NO_MEMORY, r->member_id);
				return;
			}
			p->id = id;
			p->expires_at = now + r->session_timeout_ms;
			p->next = g->pending;
			g->pending = p;
			join_fail(w, KGROUP_MEMBER_ID_REQUIRED, sl(&p->id));
			return;
		}
	} else {
		m = find_member(g, r->member_id);
		if (m && r->instance_id.ptr && !blob_eq(&m->instance, r->instance_id)) {
			join_fail(w, KGROUP_FENCED_INSTANCE, r->member_id);
			return;
		}
		if (m) {
			member_joins(kg, g, m, false, r, w, now);
			return;
		}
		if (find_instance(g, r->instance_id)) {
			join_fail(w, KGROUP_FENCED_INSTANCE, r->member_id);
			return;
		}
		if (!take_pending(g, r->member_id)) {
			join_fail(w, KGROUP_UNKNOWN_MEMBER, r->member_id);
			return;
		}
		if (!blob_set(&id, r->member_id)) {
			join_fail(w, KGROUP_NO_MEMORY, r->member_id);
			return;
		}
	}
	m = add_member(g, &id, r);
	if (!m) {
		blob_free(&id);
		join_fail(w, g->nmembers >= KGROUP_MAX_MEMBERS ? KGROUP_GROUP_FULL
							       : KGROUP_NO_MEMORY, r->member_id);
		return;
	}
	member_joins(kg, g, m, true, r, w, now);
}

void kgroup_join(kgroup_t *kg, const kgroup_join_req_t *req, kgroup_waiter_t *w, int64_t now_ms)
{
	pthread_mutex_lock(&kg->mu);
	join_locked(kg, req, w, now_ms);
	pthread_mutex_unlock(&kg->mu);
}

/* ---- SyncGroup, Heartbeat, LeaveGroup, commits ---- */

/* The member named by @id (and @inst when given), or a status saying why not. */
static kgroup_status_t lookup(kgroup_t *kg, trib_slice_t group, trib_slice_t id,
			      trib_slice_t inst, group_t **gp, member_t **mp)
{
	group_t *g = find_group(kg, group);
	member_t *m;

	*gp = g;
	*mp = NULL;
	if (!g)
		return KGROUP_UNKNOWN_MEMBER;
	m = find_member(g, id);
	if (!m) {
		return inst.ptr && find_instance(g, inst) ? KGROUP_FENCED_INSTANCE
							   : KGROUP_UNKNOWN_MEMBER;
	}
	if (inst.ptr && !blob_eq(&m->instance, inst))
		return KGROUP_FENCED_INSTANCE;
	*mp = m;
	return KGROUP_OK;
}

static void sync_fail(kgroup_waiter_t *w, kgroup_status_t st)
{
	w->member_ = NULL;
	w->sync_done(w, st, (trib_slice_t){NULL, 0});
}

static void sync_locked(kgroup_t *kg, const kgroup_sync_req_t *r, kgroup_waiter_t *w,
			int64_t now)
{
	group_t *g;
	member_t *m;
	kgroup_status_t st = lookup(kg, r->group, r->member_id, r->instance_id, &g, &m);

	if (st)
		return sync_fail(w, st);
	if (r->generation != g->generation)
		return sync_fail(w, KGROUP_ILLEGAL_GENERATION);
	if (g->state == KGROUP_PREPARING_REBALANCE)
		return sync_fail(w, KGROUP_REBALANCING);
	m->expires_at = now + m->session_ms;
	if (g->state == KGROUP_STABLE) {
		w->member_ = NULL;
		w->sync_done(w, KGROUP_OK, sl(&m->assignment));
		return;
	}
	if (m->sync_w)
		sync_answer(m, KGROUP_REBALANCING); /* superseded */
	m->sync_w = w;
	w->member_ = m;
	if (m != g->leader)
		return;
	for (member_t *o = g->members; o; o = o->next) {
		trib_slice_t a = {(const uint8_t *)"", 0};

		for (size_t i = 0; i < r->assign_count; i++) {
			if (blob_eq(&o->id, r->assign_member_ids[i]))
				a = r->assignments[i];
		}
		if (!blob_set(&o->assignment, a.ptr ? a : (trib_slice_t){(const uint8_t *)"", 0})) {
			/* no memory: everyone rejoins */
			prepare_rebalance(g, now);
			return;
		}
	}
	g->state = KGROUP_STABLE;
	for (member_t *o = g->members; o; o = o->next)
		sync_answer(o, KGROUP_OK);
}

void kgroup_sync(kgroup_t *kg, const kgroup_sync_req_t *req, kgroup_waiter_t *w, int64_t now_ms)
{
	pthread_mutex_lock(&kg->mu);
	sync_locked(kg, req, w, now_ms);
	pthread_mutex_unlock(&kg->mu);
}

kgroup_status_t kgroup_heartbeat(kgroup_t *kg, trib_slice_t group, int32_t generation,
				 trib_slice_t member_id, trib_slice_t instance_id, int64_t now_ms)
{
	group_t *g;
	member_t *m;
	kgroup_status_t st;

	pthread_mutex_lock(&kg->mu);
	st = lookup(kg, group, member_id, instance_id, &g, &m);
	if (!st) {
		m->expires_at = now_ms + m->session_ms;
		if (g->state == KGROUP_PREPARING_REBALANCE)
			st = KGROUP_REBALANCING;
		else if (generation != g->generation)
			st = KGROUP_ILLEGAL_GENERATION;
	}
	pthread_mutex_unlock(&kg->mu);
	return st;
}

kgroup_status_t kgroup_leave(kgroup_t *kg, trib_slice_t group, trib_slice_t member_id,
			     trib_slice_t instance_id, int64_t now_ms)
{
	group_t *g;
	member_t *m = NULL;
	kgroup_status_t st = KGROUP_OK;

	pthread_mutex_lock(&kg->mu);
	g = find_group(kg, group);
	if (g && member_id.len == 0 && instance_id.ptr)
		m = find_instance(g, instance_id);
	else if (g)
		st = lookup(kg, group, member_id, instance_id, &g, &m);
	if (!st && !m)
		st = KGROUP_UNKNOWN_MEMBER;
	if (!st) {
		log_info("kgroup %.*s: member %.*s leaves", (int)g->name.len,
			 (const char *)g->name.p, (int)m->id.len, (const char *)m->id.p);
		remove_member(g, m, now_ms);
	}
	pthread_mutex_unlock(&kg->mu);
	return st;
}

kgroup_status_t kgroup_commit_check(kgroup_t *kg, trib_slice_t group, int32_t generation,
				    trib_slice_t member_id, trib_slice_t instance_id,
				    int64_t now_ms)
{
	group_t *g;
	member_t *m;
	kgroup_status_t st;

	pthread_mutex_lock(&kg->mu);
	g = find_group(kg, group);
	if (generation < 0 && (!g || g->state == KGROUP_EMPTY)) {
		st = KGROUP_OK; /* standalone commits (assign()) */
	} else if (!g) {
		st = KGROUP_ILLEGAL_GENERATION;
	} else if ((st = lookup(kg, group, member_id, instance_id, &g, &m)) == KGROUP_OK) {
		m->expires_at = now_ms + m->session_ms;
		if (generation != g->generation)
			st = KGROUP_ILLEGAL_GENERATION;
		else if (g->state == KGROUP_COMPLETING_REBALANCE)
			st = KGROUP_REBALANCING;
	}
	pthread_mutex_unlock(&kg->mu);
	return st;
}

void kgroup_cancel(kgroup_t *kg, kgroup_waiter_t *w)
{
	member_t *m;

	pthread_mutex_lock(&kg->mu);
	m = w->member_;
	if (m) {
		if (m->join_w == w)
			m->join_w = NULL;
		if (m->sync_w == w)
			m->sync_w = NULL;
		w->member_ = NULL;
	}
	pthread_mutex_unlock(&kg->mu);
}

/* ---- time ---- */

static int64_t earliest(int64_t a, int64_t b)
{
	return a < 0 || (b >= 0 && b < a) ? b : a;
}

static int64_t group_deadline(const group_t *g)
{
	int64_t d = -1;

	if (g->state == KGROUP_PREPARING_REBALANCE)
		d = earliest(g->rebalance_deadline, g->initial_until ? g->initial_until : -1);
	for (const member_t *m = g->members; m; m = m->next) {
		if (!m->join_w)
			d = earliest(d, m->expires_at);
	}
	for (const pending_id_t *p = g->pending; p; p = p->next)
		d = earliest(d, p->expires_at);
	return d;
}

static void tick_group(group_t *g, int64_t now)
{
	for (pending_id_t **pp = &g->pending; *pp;) {
		pending_id_t *p = *pp;

		if (p->expires_at > now) {
			pp = &p->next;
			continue;
		}
		*pp = p->next;
		blob_free(&p->id);
		mem_free(p);
	}
	for (member_t *m = g->members, *next; m; m = next) {
		next = m->next;
		if (!m->join_w && m->expires_at <= now) {
			log_info("kgroup %.*s: member %.*s session expired", (int)g->name.len,
				 (const char *)g->name.p, (int)m->id.len, (const char *)m->id.p);
			remove_member(g, m, now);
			next = g->members; /* the list may have changed: start over */
		}
	}
	maybe_complete_join(g, now);
}

int64_t kgroup_tick(kgroup_t *kg, int64_t now_ms)
{
	int64_t d = -1;

	pthread_mutex_lock(&kg->mu);
	for (group_t *g = kg->groups; g; g = g->next) {
		int64_t gd = group_deadline(g);

		if (gd >= 0 && gd <= now_ms)
			tick_group(g, now_ms);
		d = earliest(d, group_deadline(g));
	}
	pthread_mutex_unlock(&kg->mu);
	return d;
}

int64_t kgroup_next_deadline(kgroup_t *kg)
{
	int64_t d = -1;

	pthread_mutex_lock(&kg->mu);
	for (group_t *g = kg->groups; g; g = g->next)
		d = earliest(d, group_deadline(g));
	pthread_mutex_unlock(&kg->mu);
	return d;
}

bool kgroup_describe(kgroup_t *kg, trib_slice_t group, kgroup_state_t *state, int32_t *generation,
		     size_t *members)
{
	group_t *g;

	pthread_mutex_lock(&kg->mu);
	g = find_group(kg, group);
	if (g) {
		*state = g->state;
		*generation = g->generation;
		*members = g->nmembers;
	}
	pthread_mutex_unlock(&kg->mu);
	return g != NULL;
}

/* ---- admin: ListGroups, DescribeGroups, DeleteGroups, OffsetDelete ---- */

bool kgroup_list(kgroup_t *kg, bool (*fn)(void *arg, const kgroup_listed_t *g), void *arg)
{
	bool go = true;

	pthread_mutex_lock(&kg->mu);
	for (group_t *g = kg->groups; g && go; g = g->next) {
		kgroup_listed_t l = {sl(&g->name), g->state, sl(&g->protocol_type)};

		if (!l.protocol_type.ptr)
			l.protocol_type = (trib_slice_t){(const uint8_t *)"", 0};
		go = fn(arg, &l);
	}
	pthread_mutex_unlock(&kg->mu);
	return go;
}

static trib_slice_t or_empty(trib_slice_t s)
{
	return s.ptr ? s : (trib_slice_t){(const uint8_t *)"", 0};
}

static kgroup_status_t describe_locked(group_t *g,
				       void (*fn)(void *arg, const kgroup_group_desc_t *d),
				       void *arg)
{
	bool stable = g->state == KGROUP_STABLE;
	kgroup_member_desc_t *md = mem_calloc(MEM_CORE, g->nmembers ? g->nmembers : 1,
					      sizeof(*md));
	kgroup_group_desc_t d = {g->state, g->generation, or_empty(sl(&g->protocol_type)),
				 or_empty(stable ? sl(&g->protocol) : (trib_slice_t){NULL, 0}),
				 md, 0};

	if (!md)
		return KGROUP_NO_MEMORY;
	for (const member_t *m = g->members; m; m = m->next) {
		const proto_t *p = stable ? member_proto(m, &g->protocol) : NULL;

		md[d.member_count++] = (kgroup_member_desc_t){
			sl(&m->id), sl(&m->instance), or_empty(sl(&m->client_id)),
			or_empty(sl(&m->client_host)), or_empty(p ? sl(&p->metadata)
								: (trib_slice_t){NULL, 0}),
			or_empty(stable ? sl(&m->assignment) : (trib_slice_t){NULL, 0})};
	}
	fn(arg, &d);
	mem_free(md);
	return KGROUP_OK;
}

kgroup_status_t kgroup_describe_group(kgroup_t *kg, trib_slice_t group,
				      void (*fn)(void *arg, const kgroup_group_desc_t *d),
				      void *arg)
{
	kgroup_status_t st = KGROUP_GROUP_NOT_FOUND;
	group_t *g;

	pthread_mutex_lock(&kg->mu);
	g = find_group(kg, group);
	if (g)
		st = describe_locked(g, fn, arg);
	pthread_mutex_unlock(&kg->mu);
	return st;
}

static void free_group(group_t *g)
{
	while (g->members) {
		member_t *m = g->members;

		g->members = m->next;
		free_member(m);
	}
	while (g->pending) {
		pending_id_t *p = g->pending;

		g->pending = p->next;
		blob_free(&p->id);
		mem_free(p);
	}
	blob_free(&g->name);
	blob_free(&g->protocol_type);
	blob_free(&g->protocol);
	mem_free(g);
}

kgroup_status_t kgroup_delete(kgroup_t *kg, trib_slice_t group)
{
	kgroup_status_t st = KGROUP_GROUP_NOT_FOUND;

	pthread_mutex_lock(&kg->mu);
	for (group_t **pp = &kg->groups; *pp; pp = &(*pp)->next) {
		group_t *g = *pp;

		if (!blob_eq(&g->name, group))
			continue;
		/* a pending KIP-394 id is a member on its way in */
		if (g->state != KGROUP_EMPTY || g->members || g->pending) {
			st = KGROUP_NOT_EMPTY;
			break;
		}
		*pp = g->next;
		log_info("kgroup %.*s: deleted", (int)g->name.len, (const char *)g->name.p);
		free_group(g);
		st = KGROUP_OK;
		break;
	}
	pthread_mutex_unlock(&kg->mu);
	return st;
}

/* Does @m's subscription (ConsumerProtocolSubscription) name @topic? Unreadable: yes. */
static bool member_subscribes(const group_t *g, const member_t *m, trib_slice_t topic)
{
	const proto_t *p = g->protocol.set ? member_proto(m, &g->protocol) : NULL;
	wire_rd_t rd;
	int32_t n;

	if (!p && m->nprotos)
		p = &m->protos[0];
	if (!p)
		return true;
	wire_rd_init(&rd, p->metadata.p, p->metadata.len);
	(void)wire_rd_i16(&rd); /* every version starts with the topic list */
	n = wire_rd_array_len(&rd, INT32_MAX, 2, NULL);
	for (int32_t i = 0; i < n && wire_rd_ok(&rd); i++) {
		trib_slice_t t = wire_rd_str16(&rd);

		if (wire_rd_ok(&rd) && slice_eq(t, topic))
			return true;
	}
	return !wire_rd_ok(&rd);
}

kgroup_status_t kgroup_topic_check(kgroup_t *kg, trib_slice_t group, trib_slice_t topic)
{
	static const trib_slice_t consumer = {(const uint8_t *)"consumer", 8};
	kgroup_status_t st = KGROUP_OK;
	group_t *g;

	pthread_mutex_lock(&kg->mu);
	g = find_group(kg, group);
	if (!g) {
		st = KGROUP_GROUP_NOT_FOUND;
	} else if (g->state != KGROUP_EMPTY && g->members) {
		if (!blob_eq(&g->protocol_type, consumer))
			st = KGROUP_NOT_EMPTY;
		for (const member_t *m = g->members; m && !st; m = m->next) {
			if (member_subscribes(g, m, topic))
				st = KGROUP_SUBSCRIBED;
		}
	}
	pthread_mutex_unlock(&kg->mu);
	return st;
}

/* ---- life ---- */

void kgroup_set_initial_delay(kgroup_t *kg, int32_t delay_ms)
{
	pthread_mutex_lock(&kg->mu);
	kg->initial_delay_ms = delay_ms > 0 ? delay_ms : 0;
	pthread_mutex_unlock(&kg->mu);
}

trib_err_t kgroup_open(kgroup_t **out)
{
	kgroup_t *kg = mem_calloc(MEM_CORE, 1, sizeof(*kg));

	if (!kg)
		return TRIB_ERR_NOMEM;
	pthread_mutex_init(&kg->mu, NULL);
	*out = kg;
	return TRIB_OK;
}

void kgroup_close(kgroup_t **kgp)
{
	kgroup_t *kg;

	if (!kgp || !*kgp)
		return;
	kg = *kgp;
	*kgp = NULL;
	while (kg->groups) {
		group_t *g = kg->groups;

		kg->groups = g->next;
		free_group(g);
	}
	pthread_mutex_destroy(&kg->mu);
	mem_free(kg);
}
