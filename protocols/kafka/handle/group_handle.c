/*
 * JoinGroup, SyncGroup, Heartbeat, LeaveGroup: the Kafka wire in front of
 * core/kgroup (generated codecs: protocols/kafka/api/<name>.def). JoinGroup
 * and SyncGroup hand kgroup a waiter embedded in the request's state; its
 * callback (on this loop thread, inside some kgroup call or kgroup_tick,
 * with the registry lock held) encodes the answer at once with
 * kafka_req_respond, which copies every borrowed slice. While pending, the
 * request's ops->cancel disarms the waiter (and the wake below), so no
 * callback can reach a request whose connection closed. The loop calls
 * kgroup_tick with its clock each turn (kafka_server.c), which drives
 * session expiry and rebalance timeouts.
 *
 * Versions (KIP-559, KIP-800): JoinGroup v7+ answers the group's protocol
 * type (the joining member's, which kgroup has checked equal to the
 * group's) and a null protocol name with an error; v8's reason and
 * LeaveGroup v5's reasons are logged; JoinGroup v9's skip_assignment is
 * always false (only classic groups). SyncGroup v5 checks the protocol type
 * and name a member sends against the group's, after its member id and
 * generation (Kafka's order): INCONSISTENT_GROUP_PROTOCOL when either
 * differs, and answers the group's type and name. kgroup shows the chosen
 * protocol only once the group is Stable, and a SyncGroup answer is made
 * inside a registry callback where kgroup may not be asked, so a v5 answer
 * is finished on the loop through the request's wake node: the group is
 * Stable by then (the leader's assignments went in). A name that differs is
 * therefore caught before kgroup_sync when the group is already Stable (a
 * follower's late sync) and after it otherwise (the leader's own sync: its
 * assignments are kept, its answer is the error).
 *
 * Without a group registry (a server started without committed offsets)
 * every answer is COORDINATOR_NOT_AVAILABLE.
 */
#include "group_handle.h"

#include <string.h>

#include "api/heartbeat.h"
#include "api/join_group.h"
#include "api/leave_group.h"
#include "api/sync_group.h"
#include "group_admin_handle.h"
#include "kafka_err.h"
#include "log.h"

#define EMPTY ((trib_slice_t){(const uint8_t *)"", 0})

int16_t kafka_group_err(kgroup_status_t st)
{
	static const int16_t codes[] = {
		[KGROUP_OK] = KAFKA_ERR_NONE,
		[KGROUP_MEMBER_ID_REQUIRED] = KAFKA_ERR_MEMBER_ID_REQUIRED,
		[KGROUP_UNKNOWN_MEMBER] = KAFKA_ERR_UNKNOWN_MEMBER_ID,
		[KGROUP_ILLEGAL_GENERATION] = KAFKA_ERR_ILLEGAL_GENERATION,
		[KGROUP_REBALANCING] = KAFKA_ERR_REBALANCE_IN_PROGRESS,
		[KGROUP_INCONSISTENT_PROTOCOL] = KAFKA_ERR_INCONSISTENT_GROUP_PROTOCOL,
		[KGROUP_INVALID_GROUP_ID] = KAFKA_ERR_INVALID_GROUP_ID,
		[KGROUP_INVALID_SESSION_TIMEOUT] = KAFKA_ERR_INVALID_SESSION_TIMEOUT,
		[KGROUP_FENCED_INSTANCE] = KAFKA_ERR_FENCED_INSTANCE_ID,
		[KGROUP_GROUP_FULL] = KAFKA_ERR_GROUP_MAX_SIZE_REACHED,
		[KGROUP_NO_MEMORY] = KAFKA_ERR_UNKNOWN_SERVER_ERROR,
		[KGROUP_NOT_EMPTY] = KAFKA_ERR_NON_EMPTY_GROUP,
		[KGROUP_GROUP_NOT_FOUND] = KAFKA_ERR_GROUP_ID_NOT_FOUND,
		[KGROUP_SUBSCRIBED] = KAFKA_ERR_GROUP_SUBSCRIBED_TO_TOPIC,
	};

	return (size_t)st < sizeof(codes) / sizeof(codes[0]) ? codes[st]
							     : KAFKA_ERR_UNKNOWN_SERVER_ERROR;
}

/* The answer for a request that cannot reach the registry. */
static int16_t unavailable(const kafka_req_t *req)
{
	if (req->reject)
		return req->reject;
	return req->env->groups ? KAFKA_ERR_NONE : KAFKA_ERR_COORDINATOR_NOT_AVAILABLE;
}

/* Logs a KIP-800 reason when the client gave one. */
static void log_reason(const char *what, trib_slice_t group, trib_slice_t member,
		       trib_slice_t reason)
{
	if (reason.ptr)
		log_info("kafka: member '%.*s' %s group '%.*s': %.*s", (int)member.len,
			 (const char *)member.ptr, what, (int)group.len, (const char *)group.ptr,
			 (int)reason.len, (const char *)reason.ptr);
}

/* ---- JoinGroup and SyncGroup: pending requests ---- */

typedef struct group_state {
	kafka_wake_t wake; /* first: the mailbox hands this back (SyncGroup v5) */
	kgroup_waiter_t w;
	kafka_req_t *req;
	trib_slice_t protocol_type;         /* JoinGroup: the request's (borrows the frame) */
	const kafka_sync_group_req_t *sync; /* SyncGroup: the decoded request (arena) */
	kafka_sync_group_resp_t sync_resp;  /* SyncGroup v5: the answer being finished */
} group_state_t;

static void on_cancel(kafka_req_t *req)
{
	group_state_t *st = req->state;

	kgroup_cancel(req->env->groups, &st->w);
	(void)kafka_wake_cancel(&st->wake);
}

static const kafka_req_ops_t group_ops = {on_cancel, NULL};

static void join_done(kgroup_waiter_t *w, const kgroup_join_result_t *r)
{
	group_state_t *st = w->arg;
	kafka_req_t *req = st->req;
	kafka_join_group_member_t *members = NULL;
	bool ok = r->status == KGROUP_OK;
	kafka_join_group_resp_t resp = {
		.error_code = kafka_group_err(r->status),
		.generation_id = r->generation,
		/* null with an error: v7+ write null, older versions "" */
		.protocol_type = ok ? st->protocol_type : TRIB_SLICE_NULL,
		.protocol_name = ok && r->protocol_name.ptr ? r->protocol_name : TRIB_SLICE_NULL,
		.leader = r->leader_id.ptr ? r->leader_id : EMPTY,
		.member_id = r->member_id.ptr ? r->member_id : EMPTY,
	};

	req->ops = NULL;
	if (r->member_count) {
		members = kafka_arena_calloc(&req->arena, r->member_count, sizeof(*members));
		if (!members)
			resp.error_code = KAFKA_ERR_UNKNOWN_SERVER_ERROR;
	}
	for (size_t i = 0; members && i < r->member_count; i++)
		members[i] = (kafka_join_group_member_t){r->members[i].member_id,
							 r->members[i].instance_id,
							 r->members[i].metadata};
	resp.members = members;
	resp.members_count = members ? (int32_t)r->member_count : 0;
	(void)kafka_req_respond(req, kafka_join_group_resp_write, &resp);
}

/* What a SyncGroup v5 compares: the group as kgroup shows it, copied into the arena. */
typedef struct group_protocol {
	kafka_arena_t *arena;
	trib_slice_t member; /* the asking member's id */
	bool found;          /* the group exists */
	bool is_member;      /* @member is one of its members */
	kgroup_state_t state;
	int32_t generation;
	trib_slice_t type; /* empty: none yet */
	trib_slice_t name; /* empty unless Stable */
	bool ok;           /* copies succeeded */
} group_protocol_t;

static trib_slice_t arena_copy(kafka_arena_t *a, trib_slice_t s, bool *ok)
{
	uint8_t *p;

	if (!s.ptr || s.len == 0)
		return EMPTY;
	p = kafka_arena_alloc(a, s.len);
	if (!p) {
		*ok = false;
		return EMPTY;
	}
	memcpy(p, s.ptr, s.len);
	return (trib_slice_t){p, s.len};
}

/* Runs under the registry lock. */
static void on_group_protocol(void *arg, const kgroup_group_desc_t *d)
{
	group_protocol_t *c = arg;

	c->found = true;
	c->state = d->state;
	c->generation = d->generation;
	c->type = arena_copy(c->arena, d->protocol_type, &c->ok);
	c->name = arena_copy(c->arena, d->protocol, &c->ok);
	for (size_t i = 0; i < d->member_count && !c->is_member; i++)
		c->is_member = slice_eq(d->members[i].member_id, c->member);
}

static group_protocol_t group_protocol(kafka_req_t *req, const kafka_sync_group_req_t *q)
{
	group_protocol_t c = {.arena = &req->arena, .member = q->member_id, .ok = true};

	(void)kgroup_describe_group(req->env->groups, q->group_id, on_group_protocol, &c);
	return c;
}

/* KIP-559: a value the member sent that the group has and that differs. */
static bool inconsistent(trib_slice_t asked, trib_slice_t group)
{
	return asked.ptr && group.len && !slice_eq(asked, group);
}

/* Finishes a successful SyncGroup v5 answer with the group's protocol (loop, no lock held). */
static void sync_finish(kafka_wake_t *wk)
{
	group_state_t *st = (group_state_t *)wk;
	kafka_req_t *req = st->req;
	const kafka_sync_group_req_t *q = st->sync;
	kafka_sync_group_resp_t *resp = &st->sync_resp;
	group_protocol_t g = group_protocol(req, q);

	req->ops = NULL;
	/* the generation moved on meanwhile: its protocol is no longer known, send none */
	if (g.ok && g.found && g.generation == q->generation_id && g.state == KGROUP_STABLE) {
		if (inconsistent(q->protocol_type, g.type) || inconsistent(q->protocol_name, g.name)) {
			resp->error_code = KAFKA_ERR_INCONSISTENT_GROUP_PROTOCOL;
			resp->assignment = EMPTY;
		} else {
			resp->protocol_type = g.type;
			resp->protocol_name = g.name;
		}
	}
	(void)kafka_req_respond(req, kafka_sync_group_resp_write, resp);
}

static void sync_done(kgroup_waiter_t *w, kgroup_status_t s, trib_slice_t assignment)
{
	group_state_t *st = w->arg;
	kafka_req_t *req = st->req;
	kafka_sync_group_resp_t resp = {0, kafka_group_err(s), TRIB_SLICE_NULL, TRIB_SLICE_NULL,
					assignment};
	bool ok = true;

	if (req->hdr.api_version < 5 || resp.error_code) {
		req->ops = NULL;
		(void)kafka_req_respond(req, kafka_sync_group_resp_write, &resp);
		return;
	}
	/* v5 names the group's protocol: asked of kgroup once this callback has returned */
	st->sync_resp = resp;
	st->sync_resp.assignment = arena_copy(&req->arena, assignment, &ok);
	if (!ok) {
		req->ops = NULL;
		resp.error_code = KAFKA_ERR_UNKNOWN_SERVER_ERROR;
		resp.assignment = EMPTY;
		(void)kafka_req_respond(req, kafka_sync_group_resp_write, &resp);
		return;
	}
	kafka_wake_post(&st->wake, TRIB_OK);
}

static group_state_t *new_state(kafka_req_t *req)
{
	group_state_t *st = kafka_arena_calloc(&req->arena, 1, sizeof(*st));

	if (!st)
		return NULL;
	st->req = req;
	st->w.join_done = join_done;
	st->w.sync_done = sync_done;
	st->w.arg = st;
	kafka_wake_init(&st->wake, &req->env->wq, sync_finish);
	/* set before the call: the answer may come inside it, or much later */
	req->state = st;
	req->ops = &group_ops;
	return st;
}

trib_err_t kafka_join_group_handle(kafka_req_t *req, wire_rd_t *body)
{
	kafka_join_group_req_t q;
	kgroup_protocol_t *protos;
	group_state_t *st;
	char host[80];
	trib_err_t err = kafka_join_group_req_decode(body, req->hdr.api_version, &req->arena, &q);
	int16_t code;

	if (err)
		return err;
	code = unavailable(req);
	if (code) {
		kafka_join_group_resp_t resp = {.error_code = code, .generation_id = -1,
						.leader = EMPTY, .member_id = q.member_id};

		return kafka_req_respond(req, kafka_join_group_resp_write, &resp);
	}
	protos = kafka_arena_calloc(&req->arena, (size_t)q.protocols_count, sizeof(*protos));
	st = new_state(req);
	if (!protos || !st)
		return TRIB_ERR_NOMEM;
	for (int32_t i = 0; i < q.protocols_count; i++)
		protos[i] = (kgroup_protocol_t){q.protocols[i].name, q.protocols[i].metadata};
	/* v0 has no rebalance timeout: the session timeout stands in (JoinGroupRequest.json) */
	if (q.rebalance_timeout_ms < 0)
		q.rebalance_timeout_ms = q.session_timeout_ms;
	st->protocol_type = q.protocol_type;
	log_reason("joins", q.group_id, q.member_id, q.reason);
	kgroup_join(req->env->groups,
		    &(kgroup_join_req_t){q.group_id, q.member_id, q.group_instance_id,
					 req->hdr.client_id, q.protocol_type,
					 q.session_timeout_ms, q.rebalance_timeout_ms, protos,
					 (size_t)q.protocols_count, req->hdr.api_version >= 4,
					 kafka_client_host(req, host, sizeof(host))},
		    &st->w, req->env->now_ms);
	return TRIB_OK;
}

/*
 * SyncGroup v5's check before kgroup_sync, in Kafka's order: only for a
 * known member of the current generation (kgroup answers the others), the
 * type always, the name once kgroup shows it (Stable). 0 when it may go on.
 */
static int16_t sync_precheck(kafka_req_t *req, const kafka_sync_group_req_t *q)
{
	group_protocol_t g;

	if (!q->protocol_type.ptr && !q->protocol_name.ptr)
		return KAFKA_ERR_NONE;
	g = group_protocol(req, q);
	if (!g.ok)
		return KAFKA_ERR_UNKNOWN_SERVER_ERROR;
	if (!g.found || !g.is_member || g.generation != q->generation_id)
		return KAFKA_ERR_NONE;
	if (inconsistent(q->protocol_type, g.type) ||
	    (g.state == KGROUP_STABLE && inconsistent(q->protocol_name, g.name)))
		return KAFKA_ERR_INCONSISTENT_GROUP_PROTOCOL;
	return KAFKA_ERR_NONE;
}

trib_err_t kafka_sync_group_handle(kafka_req_t *req, wire_rd_t *body)
{
	kafka_sync_group_req_t *q = kafka_arena_alloc(&req->arena, sizeof(*q));
	trib_slice_t *ids, *as;
	group_state_t *st;
	trib_err_t err;
	int16_t code;

	if (!q)
		return TRIB_ERR_NOMEM;
	err = kafka_sync_group_req_decode(body, req->hdr.api_version, &req->arena, q);
	if (err)
		return err;
	code = unavailable(req);
	if (!code)
		code = sync_precheck(req, q);
	if (code) {
		kafka_sync_group_resp_t resp = {0, code, TRIB_SLICE_NULL, TRIB_SLICE_NULL, EMPTY};

		return kafka_req_respond(req, kafka_sync_group_resp_write, &resp);
	}
	ids = kafka_arena_calloc(&req->arena, (size_t)q->assignments_count, sizeof(*ids));
	as = kafka_arena_calloc(&req->arena, (size_t)q->assignments_count, sizeof(*as));
	st = new_state(req);
	if (!ids || !as || !st)
		return TRIB_ERR_NOMEM;
	st->sync = q;
	for (int32_t i = 0; i < q->assignments_count; i++) {
		ids[i] = q->assignments[i].member_id;
		as[i] = q->assignments[i].assignment;
	}
	kgroup_sync(req->env->groups,
		    &(kgroup_sync_req_t){q->group_id, q->member_id, q->group_instance_id,
					 q->generation_id, ids, as, (size_t)q->assignments_count},
		    &st->w, req->env->now_ms);
	return TRIB_OK;
}

/* ---- Heartbeat and LeaveGroup: answered at once ---- */

trib_err_t kafka_heartbeat_handle(kafka_req_t *req, wire_rd_t *body)
{
	kafka_heartbeat_req_t q;
	kafka_heartbeat_resp_t resp = {0};
	trib_err_t err = kafka_heartbeat_req_decode(body, req->hdr.api_version, &req->arena, &q);

	if (err)
		return err;
	resp.error_code = unavailable(req);
	if (!resp.error_code)
		resp.error_code = kafka_group_err(kgroup_heartbeat(req->env->groups, q.group_id,
								   q.generation_id, q.member_id,
								   q.group_instance_id,
								   req->env->now_ms));
	return kafka_req_respond(req, kafka_heartbeat_resp_write, &resp);
}

trib_err_t kafka_leave_group_handle(kafka_req_t *req, wire_rd_t *body)
{
	kafka_leave_group_req_t q;
	kafka_leave_group_resp_t resp = {0};
	kafka_leave_group_member_req_t one;
	const kafka_leave_group_member_req_t *ms;
	kafka_leave_group_member_resp_t *out;
	trib_err_t err = kafka_leave_group_req_decode(body, req->hdr.api_version, &req->arena, &q);
	int32_t n;
	int16_t code;

	if (err)
		return err;
	/* v0-2 name one member; v3+ a batch (KIP-345) */
	if (req->hdr.api_version < 3) {
		one = (kafka_leave_group_member_req_t){q.member_id, TRIB_SLICE_NULL, TRIB_SLICE_NULL};
		ms = &one;
		n = 1;
	} else {
		ms = q.members;
		n = q.members_count;
	}
	out = kafka_arena_calloc(&req->arena, (size_t)n, sizeof(*out));
	if (!out)
		return TRIB_ERR_NOMEM;
	code = unavailable(req);
	for (int32_t i = 0; i < n; i++) {
		const kafka_leave_group_member_req_t *m = &ms[i];

		log_reason("leaves", q.group_id, m->member_id, m->reason);
		out[i] = (kafka_leave_group_member_resp_t){
			m->member_id, m->group_instance_id,
			code ? code
			     : kafka_group_err(kgroup_leave(req->env->groups, q.group_id,
							    m->member_id, m->group_instance_id,
							    req->env->now_ms))};
	}
	/* v0-2: the one member's error is the answer's; v3+ answers each and the group on top */
	if (req->hdr.api_version < 3) {
		resp.error_code = out[0].error_code;
	} else {
		resp.error_code = code;
		resp.members_count = n;
		resp.members = out;
	}
	return kafka_req_respond(req, kafka_leave_group_resp_write, &resp);
}
