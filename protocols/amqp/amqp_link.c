/*
 * Attach routing and link lifetime.
 *
 * Invariants: a link with state has its amqp_link_t as Proton context and
 * sits on its connection's list; release() undoes both, clears l->pn and
 * drops the Proton-side reference, after which only pending completions
 * may still hold the state (and find pn == NULL). Refused attaches get no
 * state at all. Proton link objects are freed (pn_link_free) once the
 * client has detached, so a long-lived connection that opens and closes
 * many links does not grow.
 */
#include "amqp_link.h"

#include <proton/condition.h>
#include <proton/connection.h>
#include <proton/terminus.h>
#include <stdio.h>
#include <string.h>

#include "amqp_addr.h"
#include "amqp_conn.h"
#include "amqp_err.h"
#include "amqp_mgmt.h"
#include "amqp_recv.h"
#include "amqp_send.h"
#include "auth.h"
#include "log.h"
#include "mem.h"
#include "ns.h"

#define WHY_MAX 1280

/* Context of Proton links we freed (or whose session we freed): never freed twice. */
static char freed_mark;

amqp_link_t *amqp_link_of(pn_link_t *pl)
{
	void *ctx = pl ? pn_link_get_context(pl) : NULL;

	return ctx == &freed_mark ? NULL : ctx;
}

void amqp_link_ref(amqp_link_t *l)
{
	atomic_fetch_add(&l->refs, 1);
}

void amqp_link_unref(amqp_link_t *l)
{
	if (!l || atomic_fetch_sub(&l->refs, 1) != 1)
		return;
	mem_free(l->name);
	mem_free(l->publisher);
	mem_free(l->auth_path);
	mem_free(l->reply_addr);
	mem_free(l->buf);
	mem_free(l->batch);
	mem_free(l->scratch);
	amqp_conn_unref(l->conn);
	mem_free(l);
}

static char *dup_cstr(const char *s)
{
	size_t n = strlen(s);
	char *out = mem_alloc(MEM_AMQP, n + 1);

	if (out)
		memcpy(out, s, n + 1);
	return out;
}

static amqp_link_t *link_new(amqp_conn_t *c, pn_link_t *pl, amqp_link_kind_t kind)
{
	amqp_link_t *l = mem_calloc(MEM_AMQP, 1, sizeof(*l));

	if (!l)
		return NULL;
	l->name = dup_cstr(pn_link_name(pl));
	if (!l->name) {
		mem_free(l);
		return NULL;
	}
	atomic_init(&l->refs, 1);
	atomic_init(&l->woken, false);
	l->kind = kind;
	l->pn = pl;
	l->conn = c;
	l->min_ts = INT64_MIN;
	amqp_conn_ref(c);
	pn_link_set_context(pl, l);
	l->next = c->links;
	c->links = l;
	return l;
}

/* Detaches the state from Proton and from the connection; drops the Proton-side reference. */
static void release(amqp_link_t *l)
{
	amqp_link_t **pp = &l->conn->links;

	while (*pp && *pp != l)
		pp = &(*pp)->next;
	if (*pp)
		*pp = l->next;
	l->next = NULL;
	if (l->kind == AMQP_LINK_IN)
		amqp_send_close(l);
	else if (l->kind == AMQP_LINK_OUT)
		amqp_recv_close(l);
	else
		amqp_mgmt_close(l);
	if (l->kind == AMQP_LINK_IN || l->kind == AMQP_LINK_NODE_IN)
		amqp_frame_forget(&l->conn->scan, slice_from_cstr(l->name));
	pn_link_set_context(l->pn, NULL);
	l->pn = NULL;
	amqp_link_unref(l);
}

static void set_condition(pn_link_t *pl, const char *name, const char *description)
{
	pn_condition_t *cond = pn_link_condition(pl);

	pn_condition_set_name(cond, name);
	pn_condition_set_description(cond, description);
}

/* Attach with null source and target, then detach with the error (clients.md §1.7). */
static void refuse(pn_link_t *pl, const char *cond, const char *why)
{
	log_info("amqp: attach of link '%s' refused: %s: %s", pn_link_name(pl), cond, why);
	pn_terminus_set_type(pn_link_source(pl), PN_UNSPECIFIED);
	pn_terminus_set_type(pn_link_target(pl), PN_UNSPECIFIED);
	set_condition(pl, cond, why);
	pn_link_open(pl);
	pn_link_close(pl);
}

static void refuse_not_found(pn_link_t *pl, const char *address)
{
	char why[WHY_MAX];

	snprintf(why, sizeof(why), "The messaging entity '%s' could not be found.", address);
	refuse(pl, AMQP_ERR_NOT_FOUND, why);
}

void amqp_link_echo_termini(pn_link_t *pl)
{
	pn_terminus_copy(pn_link_source(pl), pn_link_remote_source(pl));
	pn_terminus_copy(pn_link_target(pl), pn_link_remote_target(pl));
	if (pn_terminus_get_type(pn_link_source(pl)) == PN_UNSPECIFIED)
		pn_terminus_set_type(pn_link_source(pl), PN_SOURCE);
	if (pn_terminus_get_type(pn_link_target(pl)) == PN_UNSPECIFIED)
		pn_terminus_set_type(pn_link_target(pl), PN_TARGET);
}

/*
 * The entity path a data link is authorised on (auth_normalize_path of the
 * parsed address) and whether the connection's grants allow @p right there.
 * *path is NULL when authorisation is not required.
 */
static bool authorised(amqp_conn_t *c, const amqp_addr_t *a, auth_right_t right, char **path)
{
	char norm[sizeof(((auth_grant_t *)0)->path)];

	*path = NULL;
	if (!c->env->auth_required)
		return true;
	if (!auth_normalize_path(slice_from_cstr(a->path), norm, sizeof(norm)))
		return false;
	if (!amqp_conn_allows(c, norm, right))
		return false;
	*path = dup_cstr(norm);
	return *path != NULL;
}

/* Gives an opened data link its authorised path (for expiry checks); frees it otherwise. */
static void keep_auth_path(pn_link_t *pl, char *path, auth_right_t right)
{
	amqp_link_t *l = amqp_link_of(pl);

	if (path && l && (l->kind == AMQP_LINK_IN || l->kind == AMQP_LINK_OUT) && !l->auth_path) {
		l->auth_path = path;
		l->auth_right = (unsigned)right;
		return;
	}
	mem_free(path);
}

static void refuse_unauthorized(pn_link_t *pl, const char *address, auth_right_t right)
{
	char why[WHY_MAX];

	snprintf(why, sizeof(why),
		 "Unauthorized access. '%s' claim(s) are required to perform this operation. "
		 "Resource: '%s'.", right == AUTH_SEND ? "Send" : "Listen", address);
	refuse(pl, AMQP_ERR_UNAUTHORIZED, why);
}

/* The hub and partition an address names, checked against the namespace. */
static bool resolve(amqp_conn_t *c, const amqp_addr_t *a, hub_t **hub, part_t **part)
{
	*hub = ns_hub_find(c->env->ns, a->hub);
	*part = NULL;
	if (!*hub)
		return false;
	if (a->partition >= 0) {
		*part = hub_partition(*hub, a->partition);
		if (!*part)
			return false;
	}
	if (a->kind == AMQP_ADDR_CONSUMER && !hub_has_consumer_group(*hub, a->consumer_group))
		return false;
	return true;
}

static void open_in(amqp_conn_t *c, pn_link_t *pl, const amqp_addr_t *a, hub_t *hub, part_t *part)
{
	amqp_link_t *l = link_new(c, pl, AMQP_LINK_IN);

	if (!l) {
		refuse(pl, amqp_err_condition(TRIB_ERR_NOMEM), "out of memory");
		return;
	}
	l->hub = hub;
	l->part = part;
	if (a->kind == AMQP_ADDR_PUBLISHER) {
		l->publisher = mem_alloc(MEM_AMQP, a->publisher.len + 1);
		if (!l->publisher) {
			release(l);
			refuse(pl, amqp_err_condition(TRIB_ERR_NOMEM), "out of memory");
			return;
		}
		memcpy(l->publisher, a->publisher.ptr, a->publisher.len);
		l->publisher[a->publisher.len] = '\0';
	}
	amqp_link_echo_termini(pl);
	amqp_send_open(l);
}

static void open_out(amqp_conn_t *c, pn_link_t *pl, hub_t *hub, part_t *part, trib_slice_t cg)
{
	amqp_link_t *l = link_new(c, pl, AMQP_LINK_OUT);
	char why[WHY_MAX] = "";
	const char *cond = NULL;
	trib_err_t err;

	if (!l) {
		refuse(pl, amqp_err_condition(TRIB_ERR_NOMEM), "out of memory");
		return;
	}
	l->hub = hub;
	l->part = part;
	err = amqp_recv_open(l, cg, &cond, why, sizeof(why));
	if (err) {
		release(l);
		refuse(pl, cond ? cond : amqp_err_condition(err), why[0] ? why : trib_strerror(err));
	}
}

static void open_node(amqp_conn_t *c, pn_link_t *pl, const amqp_addr_t *a, bool client_sends)
{
	amqp_link_t *l = link_new(c, pl, client_sends ? AMQP_LINK_NODE_IN : AMQP_LINK_NODE_OUT);

	if (!l) {
		refuse(pl, amqp_err_condition(TRIB_ERR_NOMEM), "out of memory");
		return;
	}
	l->node = (int)a->kind;
	amqp_mgmt_open(l);
}

void amqp_link_attach(amqp_conn_t *c, pn_link_t *pl)
{
	/* our end receives: the client is the sender and names the target */
	bool client_sends = pn_link_is_receiver(pl);
	pn_terminus_t *t = client_sends ? pn_link_remote_target(pl) : pn_link_remote_source(pl);
	const char *address = pn_terminus_get_address(t);
	auth_right_t right = client_sends ? AUTH_SEND : AUTH_LISTEN;
	char *auth_path = NULL;
	amqp_addr_t *a;
	hub_t *hub;
	part_t *part;

	if (!address) {
		refuse(pl, AMQP_ERR_INVALID_FIELD, "The link has no address.");
		return;
	}
	a = mem_alloc(MEM_AMQP, sizeof(*a));
	if (!a) {
		refuse(pl, amqp_err_condition(TRIB_ERR_NOMEM), "out of memory");
		return;
	}
	if (amqp_addr_parse(slice_from_cstr(address), a) != TRIB_OK) {
		refuse_not_found(pl, address);
	} else if (a->kind == AMQP_ADDR_MANAGEMENT || a->kind == AMQP_ADDR_CBS) {
		open_node(c, pl, a, client_sends);
	} else if (!authorised(c, a, right, &auth_path)) {
		refuse_unauthorized(pl, address, right);
	} else if (!resolve(c, a, &hub, &part)) {
		refuse_not_found(pl, address);
	} else if (client_sends && a->kind == AMQP_ADDR_CONSUMER) {
		refuse(pl, AMQP_ERR_NOT_ALLOWED, "Events cannot be sent to a consumer group.");
	} else if (!client_sends && a->kind != AMQP_ADDR_CONSUMER) {
		refuse(pl, AMQP_ERR_NOT_ALLOWED,
		       "Receivers attach to <hub>/ConsumerGroups/<group>/Partitions/<id>.");
	} else if (client_sends) {
		open_in(c, pl, a, hub, part);
	} else {
		open_out(c, pl, hub, part, a->consumer_group);
	}
	keep_auth_path(pl, auth_path, right);
	mem_free(a);
}

void amqp_link_remote_closed(amqp_conn_t *c, pn_link_t *pl)
{
	void *ctx = pn_link_get_context(pl);

	(void)c;
	if (ctx == &freed_mark)
		return;
	if (ctx)
		release(ctx);
	if (!(pn_link_state(pl) & PN_LOCAL_CLOSED))
		pn_link_close(pl);
	pn_link_set_context(pl, &freed_mark);
	pn_link_free(pl);
}

void amqp_link_close_all(amqp_conn_t *c, pn_session_t *ssn)
{
	amqp_link_t *l = c->links, *next;
	pn_link_t *pl;

	for (; l; l = next) {
		next = l->next;
		if (!ssn || pn_link_session(l->pn) == ssn)
			release(l);
	}
	if (!ssn)
		return;
	/* pn_session_free frees these links: no later event may free one again */
	for (pl = pn_link_head(pn_session_connection(ssn), 0); pl; pl = pn_link_next(pl, 0)) {
		if (pn_link_session(pl) == ssn)
			pn_link_set_context(pl, &freed_mark);
	}
}

void amqp_link_fail(amqp_link_t *l, trib_err_t err, const char *description)
{
	amqp_link_fail_cond(l, amqp_err_condition(err), description);
}

void amqp_link_fail_cond(amqp_link_t *l, const char *condition, const char *description)
{
	pn_link_t *pl = l->pn;

	if (!pl)
		return;
	log_warn("amqp: closing link '%s': %s: %s", l->name, condition, description);
	/* the condition is copied before release() frees what description may point into */
	set_condition(pl, condition, description);
	release(l);
	pn_link_close(pl);
}
