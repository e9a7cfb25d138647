/*
 * JoinGroup, SyncGroup, Heartbeat, LeaveGroup: the Kafka wire in front of
 * core/kgroup. JoinGroup and SyncGroup hand kgroup a waiter embedded in the
 * request's state; its callback (on this loop thread, inside some kgroup
 * call or kgroup_tick, with the registry lock held) encodes the answer at
 * once with kafka_req_respond, which copies every borrowed slice. While
 * pending, the request's ops->cancel disarms the waiter, so no callback can
 * reach a request whose connection closed. The loop calls kgroup_tick with
 * its clock each turn (kafka_server.c), which drives session expiry and
 * rebalance timeouts.
 *
 * Without a group registry (a server started without committed offsets)
 * every answer is COORDINATOR_NOT_AVAILABLE.
 */
#include "group_handle.h"

#include "api/heartbeat.h"
#include "api/join_group.h"
#include "api/leave_group.h"
#include "api/sync_group.h"
#include "group_admin_handle.h"
#include "kafka_err.h"

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

/* ---- JoinGroup and SyncGroup: pending requests ---- */

typedef struct group_state {
	kgroup_waiter_t w;
	kafka_req_t *req;
} group_state_t;

static void on_cancel(kafka_req_t *req)
{
	group_state_t *st = req->state;

	kgroup_cancel(req->env->groups, &st->w);
}

static const kafka_req_ops_t group_ops = {on_cancel, NULL};

static void join_done(kgroup_waiter_t *w, const kgroup_join_result_t *r)
{
	group_state_t *st = w->arg;
	kafka_req_t *req = st->req;
	kafka_join_group_member_t *members = NULL;
	kafka_join_group_resp_t resp = {
		.error_code = kafka_group_err(r->status),
		.generation_id = r->generation,
		.protocol_name = r->protocol_name.ptr ? r->protocol_name : EMPTY,
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
	resp.member_count = members ? (int32_t)r->member_count : 0;
	(void)kafka_req_respond(req, kafka_join_group_resp_write, &resp);
}

static void sync_done(kgroup_waiter_t *w, kgroup_status_t s, trib_slice_t assignment)
{
	group_state_t *st = w->arg;
	kafka_sync_group_resp_t resp = {0, kafka_group_err(s), assignment};

	st->req->ops = NULL;
	(void)kafka_req_respond(st->req, kafka_sync_group_resp_write, &resp);
}

static group_state_t *new_state(kafka_req_t *req)
{
	group_state_t *st = kafka_arena_alloc(&req->arena, sizeof(*st));

	if (!st)
		return NULL;
	st->req = req;
	st->w.join_done = join_done;
	st->w.sync_done = sync_done;
	st->w.arg = st;
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
		kafka_join_group_resp_t resp = {0, code, -1, EMPTY, EMPTY, q.member_id, 0, NULL};

		return kafka_req_respond(req, kafka_join_group_resp_write, &resp);
	}
	protos = kafka_arena_calloc(&req->arena, (size_t)q.protocol_count, sizeof(*protos));
	st = new_state(req);
	if (!protos || !st)
		return TRIB_ERR_NOMEM;
	for (int32_t i = 0; i < q.protocol_count; i++)
		protos[i] = (kgroup_protocol_t){q.protocols[i].name, q.protocols[i].metadata};
	kgroup_join(req->env->groups,
		    &(kgroup_join_req_t){q.group_id, q.member_id, q.group_instance_id,
					 req->hdr.client_id, q.protocol_type,
					 q.session_timeout_ms, q.rebalance_timeout_ms, protos,
					 (size_t)q.protocol_count, req->hdr.api_version >= 4,
					 kafka_client_host(req, host, sizeof(host))},
		    &st->w, req->env->now_ms);
	return TRIB_OK;
}

trib_err_t kafka_sync_group_handle(kafka_req_t *req, wire_rd_t *body)
{
	kafka_sync_group_req_t q;
	trib_slice_t *ids, *as;
	group_state_t *st;
	trib_err_t err = kafka_sync_group_req_decode(body, req->hdr.api_version, &req->arena, &q);
	int16_t code;

	if (err)
		return err;
	code = unavailable(req);
	if (code) {
		kafka_sync_group_resp_t resp = {0, code, EMPTY};

		return kafka_req_respond(req, kafka_sync_group_resp_write, &resp);
	}
	ids = kafka_arena_calloc(&req->arena, (size_t)q.assignment_count, sizeof(*ids));
	as = kafka_arena_calloc(&req->arena, (size_t)q.assignment_count, sizeof(*as));
	st = new_state(req);
	if (!ids || !as || !st)
		return TRIB_ERR_NOMEM;
	for (int32_t i = 0; i < q.assignment_count; i++) {
		ids[i] = q.assignments[i].member_id;
		as[i] = q.assignments[i].assignment;
	}
	kgroup_sync(req->env->groups,
		    &(kgroup_sync_req_t){q.group_id, q.member_id, q.group_instance_id,
					 q.generation_id, ids, as, (size_t)q.assignment_count},
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
	trib_err_t err = kafka_leave_group_req_decode(body, req->hdr.api_version, &req->arena, &q);
	int16_t code;

	if (err)
		return err;
	code = unavailable(req);
	for (int32_t i = 0; i < q.member_count; i++) {
		kafka_leave_group_member_t *m = &q.members[i];

		m->error_code = code ? code
				     : kafka_group_err(kgroup_leave(req->env->groups, q.group_id,
								    m->member_id,
								    m->group_instance_id,
								    req->env->now_ms));
	}
	/* v0-2 name one member: its error is the answer's; v3 answers each and 0 on top */
	if (req->hdr.api_version < 3)
		resp.error_code = q.member_count ? q.members[0].error_code : code;
	else
		resp.error_code = code;
	resp.member_count = q.member_count;
	resp.members = q.members;
	return kafka_req_respond(req, kafka_leave_group_resp_write, &resp);
}
