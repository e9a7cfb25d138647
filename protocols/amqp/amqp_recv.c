/*
 * Delivering stored records to AMQP receivers.
 *
 * Invariants: next_offset is the first offset not yet delivered; the
 * stored bytes in l->batch hold whole batches from a part_read range and
 * are walked batch by batch (records below next_offset, and older than
 * min_ts for an enqueued-time filter, are skipped). Sending stops at zero
 * credit, when the session already buffers AMQP_RECV_MAX_BUFFERED unsent
 * bytes (resumed by the connection when its writes drain), or when caught
 * up (waiter armed, resumed by its wake). The waiter is disarmed on every
 * close path before the state can be freed.
 *
 * Ownership: l->reg is the link's entry in the reader registry from a
 * successful open until amqp_recv_close, which removes it before freeing
 * it; after rdr_remove no steal callback can run, so the callback may use
 * the link freely. The callback only sets l->stolen and wakes the
 * connection; the detach happens in amqp_recv_pump on the link's own
 * context, which reads reg->rd.why (written before the flag was set).
 *
 * Runtime metric: a receiver whose attach desired
 * com.microsoft:enable-receiver-runtime-metric (read by amqp_frame, Proton
 * 0.37 drops desired-capabilities) gets a delivery-annotations section
 * before each message's annotations, taken from the partition when that
 * delivery is encoded (reference/eventhubs-surface.md §1.5).
 */
#include "amqp_recv.h"

#include <inttypes.h>
#include <proton/codec.h>
#include <proton/terminus.h>
#include <stdio.h>
#include <string.h>

#include "amqp_conn.h"
#include "amqp_err.h"
#include "amqp_filter.h"
#include "amqp_frame.h"
#include "amqp_msg.h"
#include "amqpv.h"
#include "clock.h"
#include "log.h"
#include "mem.h"
#include "rdr.h"

#define PROP_EPOCH "com.microsoft:epoch"
#define PROP_RECEIVER_NAME "com.microsoft:receiver-name"

/* The registry entry of an OUT link (MEM_AMQP), with the receiver name it borrows. */
struct amqp_recv_reg {
	rdr_reader_t rd;
	char name[AMQP_RECV_NAME_MAX + 1];
};

/* Flusher thread, under the partition's waiter lock: only flag and wake. */
static void on_wake(void *arg)
{
	amqp_link_t *l = arg;

	atomic_store(&l->woken, true);
	amqp_conn_wake(l->conn);
}

static trib_err_t read_filter(pn_link_t *pl, amqp_filter_t *f)
{
	pn_data_t *fd = pn_terminus_filter(pn_link_remote_source(pl));
	ssize_t n = fd ? pn_data_encoded_size(fd) : 0;
	char *buf;
	trib_err_t err;

	if (n <= 0)
		return amqp_filter_parse(NULL, 0, f);
	buf = mem_alloc(MEM_AMQP, (size_t)n);
	if (!buf)
		return TRIB_ERR_NOMEM;
	if (pn_data_encode(fd, buf, (size_t)n) != n)
		err = TRIB_ERR_INVALID;
	else
		err = amqp_filter_parse((const uint8_t *)buf, (size_t)n, f);
	mem_free(buf);
	return err;
}

static trib_err_t start_offset(amqp_link_t *l, const amqp_filter_t *f, char *why, size_t why_len)
{
	int64_t log_start = part_log_start(l->part);
	int64_t hwm = part_high_watermark(l->part);
	int64_t at;
	trib_err_t err;

	if (f->kind == AMQP_FILTER_TIME) {
		l->min_ts = f->inclusive || f->value == INT64_MAX ? f->value : f->value + 1;
		at = part_offset_for_append_time(l->part, l->min_ts);
		l->next_offset = at < log_start ? log_start : at;
		return TRIB_OK;
	}
	err = amqp_filter_start(f, log_start, hwm, &l->next_offset);
	if (err == TRIB_ERR_OUT_OF_RANGE) {
		at = f->inclusive ? f->value : f->value + 1;
		snprintf(why, why_len,
			 "The supplied sequence number '%" PRId64 "' is invalid. The last sequence "
			 "number in the system is '%" PRId64 "'.",
			 at, hwm - 1);
	}
	return err;
}

static bool key_is(pn_data_t *d, const char *key)
{
	pn_bytes_t k;

	if (pn_data_type(d) == PN_SYMBOL)
		k = pn_data_get_symbol(d);
	else if (pn_data_type(d) == PN_STRING)
		k = pn_data_get_string(d);
	else
		return false;
	return k.size == strlen(key) && memcmp(k.start, key, k.size) == 0;
}

/* An integer link property of any AMQP integer type (SDKs send long). */
static bool get_integer(pn_data_t *d, int64_t *out)
{
	switch (pn_data_type(d)) {
	case PN_LONG: *out = pn_data_get_long(d); return true;
	case PN_INT: *out = pn_data_get_int(d); return true;
	case PN_SHORT: *out = pn_data_get_short(d); return true;
	case PN_BYTE: *out = pn_data_get_byte(d); return true;
	case PN_UINT: *out = pn_data_get_uint(d); return true;
	case PN_USHORT: *out = pn_data_get_ushort(d); return true;
	case PN_UBYTE: *out = pn_data_get_ubyte(d); return true;
	case PN_ULONG:
		if (pn_data_get_ulong(d) > INT64_MAX)
			return false;
		*out = (int64_t)pn_data_get_ulong(d);
		return true;
	default: return false;
	}
}

static void get_name(pn_data_t *d, struct amqp_recv_reg *reg)
{
	pn_bytes_t v;
	size_t n;

	if (pn_data_type(d) == PN_STRING)
		v = pn_data_get_string(d);
	else if (pn_data_type(d) == PN_SYMBOL)
		v = pn_data_get_symbol(d);
	else
		return;
	n = v.size < AMQP_RECV_NAME_MAX ? v.size : AMQP_RECV_NAME_MAX;
	memcpy(reg->name, v.start, n);
	reg->name[n] = '\0';
	reg->rd.name = reg->name;
}

/* The attach's link properties: com.microsoft:epoch and com.microsoft:receiver-name. */
static void read_props(pn_link_t *pl, struct amqp_recv_reg *reg)
{
	pn_data_t *d = pn_link_remote_properties(pl);
	size_t n;

	if (!d)
		return;
	pn_data_rewind(d);
	if (!pn_data_next(d) || pn_data_type(d) != PN_MAP)
		return;
	n = pn_data_get_map(d);
	pn_data_enter(d);
	for (size_t i = 0; i + 1 < n; i += 2) {
		bool epoch, name;

		if (!pn_data_next(d))
			break;
		epoch = key_is(d, PROP_EPOCH);
		name = key_is(d, PROP_RECEIVER_NAME);
		if (!pn_data_next(d))
			break;
		if (epoch)
			reg->rd.has_epoch = get_integer(d, &reg->rd.epoch);
		else if (name)
			get_name(d, reg);
	}
	pn_data_exit(d);
}

/* Any thread, under the registry lock: only flag and wake (rdr.h). */
static void on_stolen(void *arg)
{
	amqp_link_t *l = arg;

	atomic_store(&l->stolen, true);
	amqp_conn_wake(l->conn);
}

/* Registers @p l as a reader of (l->part, @p cg); see amqp_recv_open for the errors. */
static trib_err_t reg_add(amqp_link_t *l, trib_slice_t cg, const char **cond, char *why,
			  size_t why_len)
{
	rdr_t *readers = l->conn->env->readers;
	struct amqp_recv_reg *reg;
	rdr_verdict_t v;
	trib_err_t err;

	if (!readers)
		return TRIB_OK;
	reg = mem_calloc(MEM_AMQP, 1, sizeof(*reg));
	if (!reg)
		return TRIB_ERR_NOMEM;
	read_props(l->pn, reg);
	reg->rd.stolen = on_stolen;
	reg->rd.arg = l;
	err = rdr_add(readers, l->part, cg, &reg->rd, &v, why, why_len);
	if (!err && v == RDR_ADMITTED) {
		l->reg = reg;
		return TRIB_OK;
	}
	mem_free(reg);
	if (err)
		return err;
	*cond = v == RDR_REFUSED_LIMIT ? AMQP_RECV_COND_LIMIT : AMQP_RECV_COND_STOLEN;
	return v == RDR_REFUSED_LIMIT ? TRIB_ERR_TOO_LARGE : TRIB_ERR_EXISTS;
}

trib_err_t amqp_recv_open(amqp_link_t *l, trib_slice_t cg, const char **cond, char *why,
			  size_t why_len)
{
	pn_link_t *pl = l->pn;
	amqp_filter_t f;
	trib_err_t err = read_filter(pl, &f);

	*cond = NULL;
	if (err) {
		snprintf(why, why_len, "The selector filter on the source could not be read.");
		return err;
	}
	err = start_offset(l, &f, why, why_len);
	if (err)
		return err;
	err = reg_add(l, cg, cond, why, why_len);
	if (err)
		return err;
	l->runtime_metric = amqp_frame_take_caps(&l->conn->scan, slice_from_cstr(l->name), true) &
			    AMQP_FRAME_CAP_RUNTIME_METRIC;
	amqp_link_echo_termini(pl);
	l->presettle = pn_link_remote_snd_settle_mode(pl) != PN_SND_UNSETTLED;
	pn_link_set_snd_settle_mode(pl, l->presettle ? PN_SND_SETTLED : PN_SND_UNSETTLED);
	pn_link_set_rcv_settle_mode(pl, PN_RCV_FIRST);
	l->waiter.wake = on_wake;
	l->waiter.arg = l;
	pn_link_open(pl);
	log_debug("amqp: receiver '%s' starts at offset %" PRId64, l->name, l->next_offset);
	amqp_recv_pump(l);
	return TRIB_OK;
}

static void drop_batch(amqp_link_t *l)
{
	rb_iter_free(&l->it);
	mem_free(l->batch);
	l->batch = NULL;
	l->batch_len = l->batch_pos = 0;
	l->in_batch = false;
}

/* Reads stored batches at next_offset. 1: loaded; 0: caught up, waiter armed; -1: link failed. */
static int load(amqp_link_t *l)
{
	store_range_t range;
	trib_err_t err;

	for (;;) {
		err = part_read(l->part, l->next_offset, AMQP_RECV_READ_BYTES, &range);
		if (err == TRIB_ERR_OUT_OF_RANGE && l->next_offset < part_log_start(l->part)) {
			/* retention removed what we were about to read: go on from the start */
			l->next_offset = part_log_start(l->part);
			continue;
		}
		if (err) {
			amqp_link_fail(l, err, "The partition could not be read.");
			return -1;
		}
		if (range.len > 0)
			break;
		l->waiter.offset = l->next_offset;
		if (part_wait(l->part, &l->waiter)) {
			l->waiting = true;
			return 0;
		}
	}
	l->batch = mem_alloc(MEM_AMQP, range.len);
	if (!l->batch) {
		amqp_link_fail(l, TRIB_ERR_NOMEM, "out of memory");
		return -1;
	}
	err = part_read_copy(l->part, &range, l->batch);
	if (err) {
		drop_batch(l);
		amqp_link_fail(l, err, "The partition could not be read.");
		return -1;
	}
	l->batch_len = range.len;
	l->batch_pos = 0;
	return 1;
}

/* Starts iterating the batch at batch_pos. 1: ready or skipped; -1: link failed. */
static int open_batch(amqp_link_t *l)
{
	trib_err_t err = rb_iter_init(&l->it, l->batch + l->batch_pos, l->batch_len - l->batch_pos);
	int64_t after;

	if (err) {
		drop_batch(l);
		amqp_link_fail(
			l, err,
			err == TRIB_ERR_UNSUPPORTED
				? "A stored record batch uses an unknown compression codec."
				: "A stored record batch could not be decoded.");
		return -1;
	}
	if (l->it.h.attributes & RB_ATTR_CONTROL) {
		/* transaction markers carry no events */
		after = l->it.h.base_offset + l->it.h.last_offset_delta + 1;
		if (after > l->next_offset)
			l->next_offset = after;
		l->batch_pos += rb_size(&l->it.h);
		rb_iter_free(&l->it);
		return 1;
	}
	/*
	 * x-opt-enqueued-time (and the enqueued-time filter) is the append time:
	 * records of a CreateTime batch are delivered as if it were stamped.
	 */
	l->it.h.max_timestamp = part_batch_append_time(l->part, &l->it.h);
	l->it.h.attributes |= RB_ATTR_LOG_APPEND_TIME;
	l->in_batch = true;
	return 1;
}

/* The next record to deliver. 1: *r set; 0: caught up; -1: link failed. */
static int next_record(amqp_link_t *l, rb_record_t *r)
{
	int rc;

	for (;;) {
		if (l->in_batch) {
			rc = rb_iter_next(&l->it, r);
			if (rc < 0) {
				drop_batch(l);
				amqp_link_fail(l, TRIB_ERR_CORRUPT,
					       "A stored record could not be decoded.");
				return -1;
			}
			if (rc == 1) {
				if (r->offset < l->next_offset)
					continue;
				if (r->timestamp < l->min_ts) {
					l->next_offset = r->offset + 1;
					continue;
				}
				l->min_ts = INT64_MIN;
				return 1;
			}
			l->in_batch = false;
			l->batch_pos += rb_size(&l->it.h);
			rb_iter_free(&l->it);
			continue;
		}
		if (l->batch && l->batch_pos < l->batch_len) {
			if (open_batch(l) < 0)
				return -1;
			continue;
		}
		drop_batch(l);
		rc = load(l);
		if (rc <= 0)
			return rc;
	}
}

/* The partition's last event as one delivery reports it (runtime metric). */
typedef struct runtime_info {
	int64_t last;     /* sequence number = offset of the last event, -1 when empty */
	char off[24];     /* the same as text */
	size_t off_len;
	int64_t last_ms;  /* its append time, 0 when empty (as $management says) */
	int64_t now_ms;
} runtime_info_t;

static void runtime_read(part_t *p, runtime_info_t *rt)
{
	int64_t t = part_last_append_time(p);
	int n;

	rt->last = part_high_watermark(p) - 1;
	n = snprintf(rt->off, sizeof(rt->off), "%" PRId64, rt->last);
	rt->off_len = n > 0 ? (size_t)n : 0;
	rt->last_ms = t < 0 ? 0 : t;
	rt->now_ms = clock_wall_ms();
}

static void runtime_entries(wire_wr_t *w, const runtime_info_t *rt)
{
	amqpv_wr_symbol(w, slice_from_cstr("last_enqueued_sequence_number"));
	amqpv_wr_long(w, rt->last);
	amqpv_wr_symbol(w, slice_from_cstr("last_enqueued_offset"));
	amqpv_wr_string(w, (trib_slice_t){(const uint8_t *)rt->off, rt->off_len});
	amqpv_wr_symbol(w, slice_from_cstr("last_enqueued_time_utc"));
	amqpv_wr_timestamp(w, rt->last_ms);
	amqpv_wr_symbol(w, slice_from_cstr("runtime_info_retrieval_time_utc"));
	amqpv_wr_timestamp(w, rt->now_ms);
}

/* A delivery-annotations section (0x00 0x53 0x71, symbol keys); it precedes the message's. */
static void write_runtime_info(wire_wr_t *wr, const runtime_info_t *rt)
{
	wire_wr_t m;

	wire_wr_init(&m, NULL, 0);
	runtime_entries(&m, rt);
	amqpv_wr_descriptor(wr, AMQP_SEC_DELIVERY_ANNOTATIONS);
	amqpv_wr_map_header(wr, m.pos, 8);
	runtime_entries(wr, rt);
}

/* Measures (scratch NULL) or writes the delivery of @p r; returns its size in bytes. */
static size_t encode(wire_wr_t *wr, const rb_record_t *r, const runtime_info_t *rt)
{
	size_t start = wr->pos;

	if (rt)
		write_runtime_info(wr, rt);
	(void)amqp_msg_encode_record(r, wr);
	return wr->pos - start;
}

static bool send_record(amqp_link_t *l, const rb_record_t *r)
{
	wire_wr_t wr;
	size_t need;
	uint8_t tag[8];
	pn_delivery_t *d;
	runtime_info_t rt;

	if (l->runtime_metric)
		runtime_read(l->part, &rt);
	wire_wr_init(&wr, NULL, 0);
	need = encode(&wr, r, l->runtime_metric ? &rt : NULL);
	if (need > l->scratch_cap) {
		uint8_t *nb = mem_realloc(MEM_AMQP, l->scratch, need);

		if (!nb) {
			amqp_link_fail(l, TRIB_ERR_NOMEM, "out of memory");
			return false;
		}
		l->scratch = nb;
		l->scratch_cap = need;
	}
	wire_wr_init(&wr, l->scratch, need);
	(void)encode(&wr, r, l->runtime_metric ? &rt : NULL);
	wire_store_u64(tag, l->tag++);
	d = pn_delivery(l->pn, pn_dtag((const char *)tag, sizeof(tag)));
	pn_link_send(l->pn, (const char *)l->scratch, need);
	pn_link_advance(l->pn);
	if (l->presettle)
		pn_delivery_settle(d);
	l->next_offset = r->offset + 1;
	return true;
}

/* Sends while credit lasts. Returns next_record's last answer (0: caught up). */
static int send_some(amqp_link_t *l)
{
	rb_record_t r;
	int rc = 1;

	while (l->pn && pn_link_credit(l->pn) > 0) {
		if (pn_session_outgoing_bytes(pn_link_session(l->pn)) > AMQP_RECV_MAX_BUFFERED)
			return 1;
		rc = next_record(l, &r);
		if (rc <= 0 || !send_record(l, &r))
			break;
	}
	return rc;
}

/* A newer epoch reader took our partition: detach with the registry's text. */
static void detach_stolen(amqp_link_t *l)
{
	char why[RDR_WHY_MAX];

	snprintf(why, sizeof(why), "%s", l->reg ? l->reg->rd.why : "");
	amqp_link_fail_cond(l, AMQP_RECV_COND_STOLEN, why);
}

void amqp_recv_pump(amqp_link_t *l)
{
	if (l->pn && atomic_load(&l->stolen)) {
		detach_stolen(l);
		return;
	}
	if (l->pn && !l->waiting && send_some(l) == 0 && l->scratch_cap > 65536) {
		/* a large scratch buffer is not kept for an idle link */
		mem_free(l->scratch);
		l->scratch = NULL;
		l->scratch_cap = 0;
	}
	if (l->pn && l->waiting && pn_link_get_drain(l->pn) && pn_link_credit(l->pn) > 0)
		pn_link_drained(l->pn);
}

void amqp_recv_delivery_updated(amqp_link_t *l, pn_delivery_t *d)
{
	(void)l;
	if (pn_delivery_updated(d) && (pn_delivery_remote_state(d) || pn_delivery_settled(d)))
		pn_delivery_settle(d);
}

void amqp_recv_close(amqp_link_t *l)
{
	if (l->reg) {
		rdr_remove(l->conn->env->readers, &l->reg->rd);
		mem_free(l->reg);
		l->reg = NULL;
	}
	if (l->part)
		part_unwait(l->part, &l->waiter);
	l->waiting = false;
	drop_batch(l);
}
