/*
 * $cbs and $management. Requests are decoded with amqp_msg (the checked
 * section reader), answered at once from the core, and the encoded
 * response is queued on the matching response link, which sends it when
 * it has credit. Responses are encoded size-first like every message we
 * write. A request that cannot be decoded is rejected (amqp:decode-error)
 * and gets no response, as it has no usable message-id.
 */
#include "amqp_mgmt.h"

#include <inttypes.h>
#include <proton/condition.h>
#include <proton/delivery.h>
#include <proton/disposition.h>
#include <proton/terminus.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "amqp_addr.h"
#include "amqp_conn.h"
#include "amqp_err.h"
#include "amqp_msg.h"
#include "amqp_send.h"
#include "amqpv.h"
#include "auth.h"
#include "clock.h"
#include "log.h"
#include "mem.h"
#include "ns.h"

#define NODE_CREDIT 100

typedef struct req {
	trib_slice_t id;       /* raw message-id encoding, null slice when absent */
	trib_slice_t reply_to; /* null when absent */
	trib_slice_t operation, type, name, partition;
	trib_slice_t security_token; /* $management: the request's token, null when absent */
	trib_slice_t body_token;     /* $cbs put-token: the amqp-value string body */
} req_t;

typedef struct answer {
	int32_t status;
	const char *description;
	char text[320];
	hub_t *hub;      /* READ eventhub / partition */
	part_t *part;    /* READ partition */
	int32_t part_id;
} answer_t;

static atomic_flag cbs_logged = ATOMIC_FLAG_INIT;

static char *dup_cstr(const char *s)
{
	size_t n = strlen(s);
	char *out = mem_alloc(MEM_AMQP, n + 1);

	if (out)
		memcpy(out, s, n + 1);
	return out;
}

void amqp_mgmt_open(amqp_link_t *l)
{
	pn_link_t *pl = l->pn;
	const char *target = pn_terminus_get_address(pn_link_remote_target(pl));

	amqp_link_echo_termini(pl);
	if (l->kind == AMQP_LINK_NODE_IN) {
		pn_link_set_rcv_settle_mode(pl, PN_RCV_FIRST);
		pn_link_open(pl);
		pn_link_flow(pl, NODE_CREDIT);
		return;
	}
	l->presettle = pn_link_remote_snd_settle_mode(pl) != PN_SND_UNSETTLED;
	pn_link_set_snd_settle_mode(pl, l->presettle ? PN_SND_SETTLED : PN_SND_UNSETTLED);
	if (target)
		l->reply_addr = dup_cstr(target);
	pn_link_open(pl);
}

/* ---- requests ---- */

static void parse_request(const amqp_msg_t *m, req_t *r)
{
	wire_rd_t el;
	amqpv_t k, v;
	trib_slice_t key, val;

	memset(r, 0, sizeof(*r));
	if (m->body_kind == AMQP_BODY_VALUE && amqpv_is_string(&m->value))
		(void)amqpv_get_bytes(&m->value, &r->body_token);
	if (m->properties.ptr && amqpv_elements(&m->props, &el)) {
		for (uint32_t i = 0; i < m->props.count && amqpv_rd(&el, &v); i++) {
			if (i == 0 && !amqpv_is_null(&v))
				r->id = v.raw;
			else if (i == 4 && amqpv_is_string(&v))
				(void)amqpv_get_bytes(&v, &r->reply_to);
		}
	}
	if (!m->application_properties.ptr || !amqpv_elements(&m->app_props, &el))
		return;
	for (uint32_t i = 0; i < m->app_props.count / 2; i++) {
		if (!amqpv_rd(&el, &k) || !amqpv_rd(&el, &v) || !amqpv_get_bytes(&k, &key))
			return;
		if (!amqpv_is_string(&v) || !amqpv_get_bytes(&v, &val))
			continue;
		if (slice_eq_cstr(key, "operation", false))
			r->operation = val;
		else if (slice_eq_cstr(key, "type", false))
			r->type = val;
		else if (slice_eq_cstr(key, "name", false))
			r->name = val;
		else if (slice_eq_cstr(key, "partition", false))
			r->partition = val;
		else if (slice_eq_cstr(key, "security_token", false))
			r->security_token = val;
	}
}

static void status(answer_t *a, int32_t code, const char *description)
{
	a->status = code;
	a->description = description;
}

static void not_found(answer_t *a, trib_slice_t name)
{
	snprintf(a->text, sizeof(a->text), "The messaging entity '%.*s' could not be found.",
		 (int)(name.len > 256 ? 256 : name.len), name.ptr ? (const char *)name.ptr : "");
	status(a, 404, a->text);
}

/*
 * put-token: without SAS policies every token is accepted unchecked (logged
 * once); with them the token must validate, and its grant is kept on the
 * connection (a re-put for the same resource replaces it). When
 * authorisation is not required a bad token still gets 202 (and no grant):
 * nothing needs one.
 */
static void answer_cbs(amqp_link_t *l, const req_t *r, answer_t *a)
{
	const auth_t *auth = l->conn->env->auth;
	const char *why = NULL;
	auth_grant_t g;
	trib_err_t err;

	if (!slice_eq_cstr(r->operation, "put-token", false)) {
		status(a, 400, "The operation is not supported by $cbs.");
		return;
	}
	if (!auth) {
		if (!atomic_flag_test_and_set(&cbs_logged))
			log_info("amqp: $cbs put-token accepted without verification: no SAS "
				 "policies configured");
		status(a, 202, "Accepted");
		return;
	}
	err = TRIB_ERR_INVALID;
	if (r->body_token.ptr)
		err = auth_check_token(auth, r->body_token, amqp_conn_wall_s(), &g, &why);
	if (err == TRIB_OK)
		err = amqp_conn_grant_put(l->conn, &g);
	if (err == TRIB_OK) {
		status(a, 202, "Accepted");
	} else if (!l->conn->env->auth_required) {
		log_info("amqp: $cbs put-token not valid (%s); answered 202: authorisation is not "
			 "required", why ? why : trib_strerror(err));
		status(a, 202, "Accepted");
	} else {
		if (!why && err == TRIB_ERR_TOO_LARGE)
			why = "Too many tokens on this connection.";
		else if (!why)
			why = r->body_token.ptr ? "The token is not a valid SAS token."
						: "The request carries no token.";
		snprintf(a->text, sizeof(a->text), "%s", why);
		status(a, err == TRIB_ERR_TOO_LARGE ? 403 : 401, a->text);
	}
}

/*
 * $management under auth_required: the request's security_token must
 * validate and allow Listen or Manage on the hub; a request without one
 * may rely on the connection's grants (SASL PLAIN or $cbs). Checked before
 * the hub exists (reference §1.7).
 */
static bool mgmt_authorised(amqp_link_t *l, const req_t *r, answer_t *a)
{
	const auth_t *auth = l->conn->env->auth;
	char path[sizeof(((auth_grant_t *)0)->path)];
	const char *why = "The request needs a security_token with Listen or Manage rights.";
	int64_t now = amqp_conn_wall_s();
	auth_grant_t g;

	if (!l->conn->env->auth_required)
		return true;
	if (!r->name.ptr || !auth_normalize_path(r->name, path, sizeof(path))) {
		why = "The entity name is not valid.";
	} else if (r->security_token.ptr && auth) {
		if (auth_check_token(auth, r->security_token, now, &g, &why) == TRIB_OK) {
			if (auth_allows(&g, path, AUTH_LISTEN, now) ||
			    auth_allows(&g, path, AUTH_MANAGE, now))
				return true;
			why = "The token does not grant Listen or Manage on this entity.";
		}
	} else if (amqp_conn_allows(l->conn, path, AUTH_LISTEN) ||
		   amqp_conn_allows(l->conn, path, AUTH_MANAGE)) {
		return true;
	}
	snprintf(a->text, sizeof(a->text), "Unauthorized access: %s",
		 why ? why : "the token is not valid.");
	status(a, 401, a->text);
	return false;
}

static bool parse_id(trib_slice_t s, int32_t *out)
{
	int32_t v = 0;

	if (!s.ptr || s.len == 0 || s.len > 9)
		return false;
	for (size_t i = 0; i < s.len; i++) {
		if (s.ptr[i] < '0' || s.ptr[i] > '9')
			return false;
		v = v * 10 + (s.ptr[i] - '0');
	}
	*out = v;
	return true;
}

static void answer_mgmt(amqp_link_t *l, const req_t *r, answer_t *a)
{
	bool hub_type = slice_eq_cstr(r->type, "com.microsoft:eventhub", false);
	bool part_type = slice_eq_cstr(r->type, "com.microsoft:partition", false);

	if (!slice_eq_cstr(r->operation, "READ", false) || (!hub_type && !part_type)) {
		status(a, 400, "Only READ of com.microsoft:eventhub and com.microsoft:partition is "
			       "supported.");
		return;
	}
	if (!mgmt_authorised(l, r, a))
		return;
	a->hub = r->name.ptr ? ns_hub_find(l->conn->env->ns, r->name) : NULL;
	if (!a->hub) {
		not_found(a, r->name);
		return;
	}
	if (part_type) {
		if (!parse_id(r->partition, &a->part_id) ||
		    !(a->part = hub_partition(a->hub, a->part_id))) {
			a->hub = NULL;
			not_found(a, r->partition);
			return;
		}
	}
	status(a, 200, "OK");
}

/* ---- responses ---- */

static void str_key(wire_wr_t *w, const char *k)
{
	amqpv_wr_string(w, slice_from_cstr(k));
}

static void partition_ids(wire_wr_t *w, int32_t n)
{
	char id[16];
	size_t elems = 0;

	for (int32_t i = 0; i < n; i++)
		elems += 1 + (size_t)snprintf(id, sizeof(id), "%" PRId32, i);
	if (elems + 2 <= 255 && n <= 255) {
		wire_wr_u8(w, AMQPV_ARRAY8);
		wire_wr_u8(w, (uint8_t)(elems + 2));
		wire_wr_u8(w, (uint8_t)n);
	} else {
		wire_wr_u8(w, AMQPV_ARRAY32);
		wire_wr_u32(w, (uint32_t)(elems + 5));
		wire_wr_u32(w, (uint32_t)n);
	}
	wire_wr_u8(w, AMQPV_STR8);
	for (int32_t i = 0; i < n; i++) {
		int len = snprintf(id, sizeof(id), "%" PRId32, i);

		wire_wr_u8(w, (uint8_t)len);
		wire_wr_raw(w, id, (size_t)len);
	}
}

static uint32_t hub_entries(wire_wr_t *w, hub_t *h)
{
	str_key(w, "name");
	amqpv_wr_string(w, slice_from_cstr(hub_name(h)));
	str_key(w, "type");
	amqpv_wr_string(w, slice_from_cstr("com.microsoft:eventhub"));
	str_key(w, "created_at");
	amqpv_wr_timestamp(w, hub_created_at(h));
	str_key(w, "partition_count");
	amqpv_wr_int(w, hub_partition_count(h));
	str_key(w, "partition_ids");
	partition_ids(w, hub_partition_count(h));
	return 10;
}

static uint32_t partition_entries(wire_wr_t *w, const answer_t *a)
{
	int64_t start = part_log_start(a->part);
	int64_t end = part_high_watermark(a->part);
	int64_t t = part_last_append_time(a->part);
	char id[16], off[24];
	int idn = snprintf(id, sizeof(id), "%" PRId32, a->part_id);
	int offn = snprintf(off, sizeof(off), "%" PRId64, end - 1);

	str_key(w, "name");
	amqpv_wr_string(w, slice_from_cstr(hub_name(a->hub)));
	str_key(w, "type");
	amqpv_wr_string(w, slice_from_cstr("com.microsoft:partition"));
	str_key(w, "partition");
	amqpv_wr_string(w, (trib_slice_t){(const uint8_t *)id, (size_t)idn});
	str_key(w, "begin_sequence_number");
	amqpv_wr_long(w, start);
	str_key(w, "last_enqueued_sequence_number");
	amqpv_wr_long(w, end - 1);
	str_key(w, "last_enqueued_offset");
	amqpv_wr_string(w, (trib_slice_t){(const uint8_t *)off, (size_t)offn});
	str_key(w, "last_enqueued_time_utc");
	amqpv_wr_timestamp(w, t < 0 ? 0 : t);
	str_key(w, "is_partition_empty");
	amqpv_wr_bool(w, end <= start);
	str_key(w, "runtime_info_retrieval_time_utc");
	amqpv_wr_timestamp(w, clock_wall_ms());
	return 18;
}

static uint32_t body_entries(wire_wr_t *w, const answer_t *a)
{
	if (a->part)
		return partition_entries(w, a);
	return hub_entries(w, a->hub);
}

static void props_fields(wire_wr_t *w, const req_t *r)
{
	amqpv_wr_null(w); /* message-id */
	amqpv_wr_null(w); /* user-id */
	if (r->reply_to.ptr)
		amqpv_wr_string(w, r->reply_to); /* to */
	else
		amqpv_wr_null(w);
	amqpv_wr_null(w); /* subject */
	amqpv_wr_null(w); /* reply-to */
	if (r->id.ptr)
		wire_wr_raw(w, r->id.ptr, r->id.len); /* correlation-id, type kept */
	else
		amqpv_wr_null(w);
}

static void app_fields(wire_wr_t *w, const answer_t *a)
{
	str_key(w, "status-code");
	amqpv_wr_int(w, a->status);
	str_key(w, "status-description");
	amqpv_wr_string(w, slice_from_cstr(a->description));
}

static void encode_response(wire_wr_t *w, const req_t *r, const answer_t *a)
{
	wire_wr_t m;
	uint32_t count;

	wire_wr_init(&m, NULL, 0);
	props_fields(&m, r);
	amqpv_wr_descriptor(w, AMQP_SEC_PROPERTIES);
	amqpv_wr_list_header(w, m.pos, 6);
	props_fields(w, r);
	wire_wr_init(&m, NULL, 0);
	app_fields(&m, a);
	amqpv_wr_descriptor(w, AMQP_SEC_APPLICATION_PROPERTIES);
	amqpv_wr_map_header(w, m.pos, 4);
	app_fields(w, a);
	amqpv_wr_descriptor(w, AMQP_SEC_VALUE);
	if (!a->hub) {
		amqpv_wr_null(w);
		return;
	}
	wire_wr_init(&m, NULL, 0);
	count = body_entries(&m, a);
	amqpv_wr_map_header(w, m.pos, count);
	(void)body_entries(w, a);
}

/* The response link for a request on @p in: named by reply-to, else on the same session. */
static amqp_link_t *response_link(amqp_link_t *in, trib_slice_t reply_to)
{
	amqp_link_t *best = NULL;

	for (amqp_link_t *x = in->conn->links; x; x = x->next) {
		if (x->kind != AMQP_LINK_NODE_OUT || x->node != in->node)
			continue;
		if (reply_to.ptr &&
		    (slice_eq_cstr(reply_to, x->name, false) ||
		     (x->reply_addr && slice_eq_cstr(reply_to, x->reply_addr, false))))
			return x;
		if (!best || pn_link_session(x->pn) == pn_link_session(in->pn))
			best = x;
	}
	return best;
}

static void queue_response(amqp_link_t *out, const req_t *r, const answer_t *a)
{
	wire_wr_t w;
	amqp_mgmt_resp_t *resp;
	size_t n = 0;

	for (amqp_mgmt_resp_t *q = out->resp_head; q; q = q->next)
		n++;
	if (n >= AMQP_MGMT_MAX_QUEUED) {
		log_warn("amqp: link '%s': response dropped, the client grants no credit",
			 out->name);
		return;
	}
	wire_wr_init(&w, NULL, 0);
	encode_response(&w, r, a);
	resp = mem_alloc(MEM_AMQP, sizeof(*resp) + w.pos);
	if (!resp)
		return;
	resp->next = NULL;
	resp->len = w.pos;
	wire_wr_init(&w, resp->bytes, resp->len);
	encode_response(&w, r, a);
	if (out->resp_tail)
		out->resp_tail->next = resp;
	else
		out->resp_head = resp;
	out->resp_tail = resp;
	amqp_mgmt_pump(out);
}

/* Answers one request; returns its disposition's error (TRIB_OK = accepted). */
static trib_err_t handle(amqp_link_t *l, const uint8_t *p, size_t len)
{
	amqp_msg_t m;
	req_t r;
	answer_t a = {0};
	amqp_link_t *out;

	if (amqp_msg_decode(p, len, &m) != TRIB_OK)
		return TRIB_ERR_INVALID;
	parse_request(&m, &r);
	if (l->node == AMQP_ADDR_CBS)
		answer_cbs(l, &r, &a);
	else
		answer_mgmt(l, &r, &a);
	log_debug("amqp: %s %.*s: %d", l->node == AMQP_ADDR_CBS ? "$cbs" : "$management",
		  (int)r.operation.len, r.operation.ptr ? (const char *)r.operation.ptr : "",
		  (int)a.status);
	out = response_link(l, r.reply_to);
	if (out)
		queue_response(out, &r, &a);
	else
		log_debug("amqp: link '%s': no response link for a request", l->name);
	return TRIB_OK;
}

static void settle(pn_delivery_t *d, trib_err_t err)
{
	if (err) {
		pn_condition_t *cond = pn_disposition_condition(pn_delivery_local(d));

		pn_condition_set_name(cond, amqp_err_condition(err));
		pn_condition_set_description(cond, "The request could not be read.");
		pn_delivery_update(d, PN_REJECTED);
	} else {
		pn_delivery_update(d, PN_ACCEPTED);
	}
	pn_delivery_settle(d);
}

void amqp_mgmt_requests(amqp_link_t *l)
{
	pn_delivery_t *d;
	int open;

	while (l->pn && (d = pn_link_current(l->pn))) {
		pn_delivery_tag_t tag;
		trib_err_t err = TRIB_ERR_INVALID;

		amqp_send_take_bytes(l, d, AMQP_MGMT_MAX_REQUEST);
		if (pn_delivery_partial(d) && !pn_delivery_aborted(d))
			return;
		tag = pn_delivery_tag(d);
		/* keeps the frame scanner's queue for this link in step */
		(void)amqp_frame_take_format(&l->conn->scan, slice_from_cstr(l->name),
					     (trib_slice_t){(const uint8_t *)tag.start, tag.size});
		pn_link_advance(l->pn);
		if (l->oversize)
			err = TRIB_ERR_TOO_LARGE;
		else if (l->nomem)
			err = TRIB_ERR_NOMEM;
		else if (!pn_delivery_aborted(d))
			err = handle(l, l->buf, l->len);
		settle(d, err);
		amqp_send_reset(l);
	}
	if (!l->pn)
		return;
	open = pn_link_credit(l->pn);
	if (open < NODE_CREDIT / 2)
		pn_link_flow(l->pn, NODE_CREDIT - open);
}

void amqp_mgmt_pump(amqp_link_t *l)
{
	while (l->pn && l->resp_head && pn_link_credit(l->pn) > 0) {
		amqp_mgmt_resp_t *resp = l->resp_head;
		uint8_t tag[8];
		pn_delivery_t *d;

		l->resp_head = resp->next;
		if (!l->resp_head)
			l->resp_tail = NULL;
		wire_store_u64(tag, l->tag++);
		d = pn_delivery(l->pn, pn_dtag((const char *)tag, sizeof(tag)));
		pn_link_send(l->pn, (const char *)resp->bytes, resp->len);
		pn_link_advance(l->pn);
		if (l->presettle)
			pn_delivery_settle(d);
		mem_free(resp);
	}
}

void amqp_mgmt_close(amqp_link_t *l)
{
	while (l->resp_head) {
		amqp_mgmt_resp_t *next = l->resp_head->next;

		mem_free(l->resp_head);
		l->resp_head = next;
	}
	l->resp_tail = NULL;
	amqp_send_close(l);
}
