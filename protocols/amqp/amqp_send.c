/*
 * Incoming deliveries -> record batches -> durable appends -> dispositions.
 *
 * Invariants: only the link's current delivery is read; a complete
 * delivery is advanced past (pn_link_advance) before it is settled, since
 * settling the current delivery would advance the link a second time.
 * An unsettled delivery whose append is pending stays alive in Proton
 * until amqp_send_completed settles it; if the link closes first, the
 * pending record finds link->pn == NULL and only frees itself (the data
 * is stored, the client gets no disposition and resends: at-least-once).
 * Credit: issued credit + appends in flight stay at AMQP_SEND_CREDIT.
 */
#include "amqp_send.h"

#include <proton/condition.h>
#include <proton/disposition.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "amqp_conn.h"
#include "amqp_err.h"
#include "amqp_frame.h"
#include "amqp_msg.h"
#include "clock.h"
#include "log.h"
#include "mem.h"

static void top_up_credit(amqp_link_t *l)
{
	int open = pn_link_credit(l->pn) + (int)l->in_flight;
	int want = AMQP_SEND_CREDIT - open;

	/* in steps, so a busy link does not send a flow frame per delivery */
	if (want >= AMQP_SEND_CREDIT / 10 || (want > 0 && open == 0))
		pn_link_flow(l->pn, want);
}

void amqp_send_open(amqp_link_t *l)
{
	pn_link_set_max_message_size(l->pn, l->conn->env->max_message_bytes);
	pn_link_set_rcv_settle_mode(l->pn, PN_RCV_FIRST);
	pn_link_set_snd_settle_mode(l->pn, pn_link_remote_snd_settle_mode(l->pn));
	pn_link_open(l->pn);
	top_up_credit(l);
}

static void settle(pn_delivery_t *d, trib_err_t err, const char *description)
{
	if (err) {
		pn_condition_t *cond = pn_disposition_condition(pn_delivery_local(d));

		pn_condition_set_name(cond, amqp_err_condition(err));
		pn_condition_set_description(cond, description ? description : trib_strerror(err));
		pn_delivery_update(d, PN_REJECTED);
	} else {
		pn_delivery_update(d, PN_ACCEPTED);
	}
	pn_delivery_settle(d);
}

void amqp_send_pend_free(amqp_send_pend_t *p)
{
	amqp_link_unref(p->link);
	mem_free(p);
}

static void note_error(amqp_send_pend_t *p, trib_err_t err)
{
	int none = 0;

	if (err)
		atomic_compare_exchange_strong(&p->err, &none, (int)err);
}

/* Flusher thread: the last completion hands the result to the connection's own context. */
static void on_durable(void *arg, trib_err_t err)
{
	amqp_send_pend_t *p = arg;

	note_error(p, err);
	if (atomic_fetch_sub(&p->remaining, 1) == 1)
		amqp_conn_post_done(p->link->conn, p);
}

void amqp_send_completed(amqp_send_pend_t *p)
{
	amqp_link_t *l = p->link;
	trib_err_t err = (trib_err_t)atomic_load(&p->err);
	char why[160];

	if (l->pn) {
		if (err == TRIB_ERR_TOO_LARGE)
			snprintf(why, sizeof(why),
				 "An event is larger than the largest record batch the event hub "
				 "accepts (%u bytes).",
				 hub_max_batch_bytes(l->hub));
		settle(p->d, err, err == TRIB_ERR_TOO_LARGE ? why : NULL);
		l->in_flight--;
		top_up_credit(l);
	}
	amqp_send_pend_free(p);
}

static part_t *target_partition(amqp_link_t *l, trib_slice_t key)
{
	if (l->part)
		return l->part;
	if (l->publisher)
		key = slice_from_cstr(l->publisher);
	return hub_partition(l->hub, hub_pick_partition(l->hub, key));
}

/* Appends every batch of @p o in order; the pending record completes after the last. */
static void append_all(amqp_send_pend_t *p, part_t *part, amqp_msg_out_t *o)
{
	int64_t base;

	for (size_t i = 0; i < o->n; i++) {
		uint8_t *batch;
		size_t len;
		trib_err_t err = rb_builder_finish(&o->batches[i], &batch, &len);

		if (!err) {
			atomic_fetch_add(&p->remaining, 1);
			/* a completion may run before part_append returns */
			err = part_append(part, batch, len, on_durable, p, &base);
			if (err)
				atomic_fetch_sub(&p->remaining, 1);
			mem_free(batch);
		}
		if (err) {
			/* what was appended stays: the client resends (at-least-once) */
			note_error(p, err);
			break;
		}
	}
}

/* Builds the batches of one complete delivery and starts their appends; settles at once on error. */
static void append(amqp_link_t *l, pn_delivery_t *d, uint32_t format)
{
	amqp_msg_out_t o;
	trib_slice_t key;
	int32_t count;
	amqp_send_pend_t *p;
	part_t *part;
	trib_err_t err;

	amqp_msg_out_init(&o, hub_max_batch_bytes(l->hub), clock_wall_ms());
	err = amqp_msg_add_delivery(&o, l->buf, l->len, format, slice_from_cstr(l->publisher), &key,
				    &count);
	if (err) {
		amqp_msg_out_free(&o);
		log_debug("amqp: link '%s': delivery rejected: %s", l->name, trib_strerror(err));
		settle(d, err, err == TRIB_ERR_INVALID ? "The message could not be decoded." : NULL);
		return;
	}
	part = target_partition(l, key);
	p = part ? mem_calloc(MEM_AMQP, 1, sizeof(*p)) : NULL;
	if (!p) {
		amqp_msg_out_free(&o);
		settle(d, part ? TRIB_ERR_NOMEM : TRIB_ERR_NOT_FOUND, NULL);
		return;
	}
	amqp_link_ref(l);
	p->link = l;
	p->d = d;
	atomic_init(&p->remaining, 1); /* ours until every append is submitted */
	atomic_init(&p->err, 0);
	l->in_flight++;
	append_all(p, part, &o);
	amqp_msg_out_free(&o);
	if (atomic_fetch_sub(&p->remaining, 1) == 1)
		amqp_send_completed(p); /* nothing pending: failed at once, or already durable */
}

static void reject_oversize(amqp_link_t *l, pn_delivery_t *d)
{
	char why[256];

	snprintf(why, sizeof(why),
		 "The received message (size:%zu bytes) exceeds the limit (%u bytes) currently "
		 "allowed on the link.",
		 l->seen, l->conn->env->max_message_bytes);
	settle(d, TRIB_ERR_TOO_LARGE, why);
}

static bool reserve(amqp_link_t *l, size_t need)
{
	size_t cap = l->cap ? l->cap : 4096;
	uint8_t *nb;

	if (need <= l->cap)
		return true;
	while (cap < need)
		cap *= 2;
	nb = mem_realloc(MEM_AMQP, l->buf, cap);
	if (!nb)
		return false;
	l->buf = nb;
	l->cap = cap;
	return true;
}

void amqp_send_take_bytes(amqp_link_t *l, pn_delivery_t *d, size_t limit)
{
	size_t pending;

	while ((pending = pn_delivery_pending(d)) > 0) {
		char sink[4096];
		bool keep;
		ssize_t n;

		if (!l->oversize && l->len + pending > limit)
			l->oversize = true;
		if (!l->oversize && !l->nomem && !reserve(l, l->len + pending))
			l->nomem = true;
		keep = !l->oversize && !l->nomem;
		if (keep)
			n = pn_link_recv(l->pn, (char *)l->buf + l->len, pending);
		else
			n = pn_link_recv(l->pn, sink,
					 pending < sizeof(sink) ? pending : sizeof(sink));
		if (n <= 0)
			break;
		l->seen += (size_t)n;
		if (keep)
			l->len += (size_t)n;
	}
}

void amqp_send_reset(amqp_link_t *l)
{
	l->len = 0;
	l->seen = 0;
	l->oversize = false;
	l->nomem = false;
	/* keep a small buffer for the next delivery, give big ones back */
	if (l->cap > 65536) {
		mem_free(l->buf);
		l->buf = NULL;
		l->cap = 0;
	}
}

void amqp_send_deliveries(amqp_link_t *l)
{
	pn_delivery_t *d;

	while (l->pn && (d = pn_link_current(l->pn))) {
		pn_delivery_tag_t tag;
		uint32_t format;

		amqp_send_take_bytes(l, d, l->conn->env->max_message_bytes);
		if (pn_delivery_partial(d) && !pn_delivery_aborted(d))
			return;
		tag = pn_delivery_tag(d);
		format = amqp_frame_take_format(
			&l->conn->scan, slice_from_cstr(l->name),
			(trib_slice_t){(const uint8_t *)tag.start, tag.size});
		pn_link_advance(l->pn);
		if (pn_delivery_aborted(d))
			pn_delivery_settle(d);
		else if (l->oversize)
			reject_oversize(l, d);
		else if (l->nomem)
			settle(d, TRIB_ERR_NOMEM, NULL);
		else
			append(l, d, format);
		amqp_send_reset(l);
	}
	if (l->pn)
		top_up_credit(l);
}

void amqp_send_close(amqp_link_t *l)
{
	mem_free(l->buf);
	l->buf = NULL;
	l->len = l->cap = 0;
}
