/*
 * InitProducerId (KIP-98, KIP-360). Only idempotent producers are served.
 *  - A null transactional id without a producer id (v0-2, or -1/-1 in v3+)
 *    gets a new producer id with epoch 0, as Kafka gives one to a producer
 *    without a transactional id.
 *  - v3+ with the producer's id and epoch asks to keep the id with a bumped
 *    epoch (KIP-360): an id this broker handed out (core/pidm, across
 *    restarts) gets epoch + 1; an exhausted epoch (INT16_MAX - 1 or above)
 *    a new id with epoch 0, as Kafka's coordinator does; an id never handed
 *    out is fenced: PRODUCER_FENCED (90) from v4, INVALID_PRODUCER_EPOCH (47)
 *    below (Kafka maps it so for older clients). Only one of id and epoch at
 *    -1, or a negative one: INVALID_REQUEST, as Kafka.
 *    pidm keeps no epochs, so the epoch is not checked against the newest
 *    one given: each idempotent producer has an id of its own, and every
 *    partition fences an epoch older than one it has stored (pstate), so a
 *    stale bump cannot write behind a newer epoch.
 *  - A transactional id gets COORDINATOR_NOT_AVAILABLE, the answer
 *    FindCoordinator already gives transactional ids (no transactions); an
 *    empty one INVALID_REQUEST as Kafka answers. transaction_timeout_ms is
 *    unused.
 */
#include "init_producer_id_handle.h"

#include "api/init_producer_id.h"
#include "kafka_err.h"
#include "log.h"
#include "pidm.h"

/* Epochs at or above this are exhausted: the producer gets a new id (Kafka's rule). */
#define EPOCH_EXHAUSTED (INT16_MAX - 1)

static void new_id(kafka_req_t *req, kafka_init_producer_id_resp_t *r)
{
	trib_err_t err = pidm_next(req->env->producer_ids, &r->producer_id, &r->producer_epoch);

	if (err) {
		log_warn("kafka: InitProducerId: %s", trib_strerror(err));
		r->error_code = kafka_err_from_trib(err, KAFKA_CTX_RECORDS);
		r->producer_id = -1;
		r->producer_epoch = -1;
	}
}

/* KIP-360: the producer names its id and epoch. */
static void bump(kafka_req_t *req, const kafka_init_producer_id_req_t *q,
		 kafka_init_producer_id_resp_t *r)
{
	if (q->producer_id < 0 || q->producer_epoch < 0) {
		r->error_code = KAFKA_ERR_INVALID_REQUEST;
		return;
	}
	if (!pidm_issued(req->env->producer_ids, q->producer_id)) {
		log_warn("kafka: InitProducerId: epoch bump for producer id %lld, never handed out: "
			 "fenced", (long long)q->producer_id);
		r->error_code = req->hdr.api_version >= 4 ? KAFKA_ERR_PRODUCER_FENCED
							  : KAFKA_ERR_INVALID_PRODUCER_EPOCH;
		return;
	}
	if (q->producer_epoch >= EPOCH_EXHAUSTED) {
		new_id(req, r);
		return;
	}
	r->producer_id = q->producer_id;
	r->producer_epoch = (int16_t)(q->producer_epoch + 1);
}

trib_err_t kafka_init_producer_id_handle(kafka_req_t *req, wire_rd_t *body)
{
	kafka_init_producer_id_req_t q;
	kafka_init_producer_id_resp_t r = {.producer_id = -1, .producer_epoch = -1};
	trib_err_t err;

	err = kafka_init_producer_id_req_decode(body, req->hdr.api_version, &req->arena, &q);
	if (err)
		return err;
	if (req->reject)
		r.error_code = req->reject;
	else if (q.transactional_id.ptr && q.transactional_id.len == 0)
		r.error_code = KAFKA_ERR_INVALID_REQUEST;
	else if (q.transactional_id.ptr || !req->env->producer_ids)
		r.error_code = KAFKA_ERR_COORDINATOR_NOT_AVAILABLE;
	else if (q.producer_id == -1 && q.producer_epoch == -1)
		new_id(req, &r);
	else
		bump(req, &q, &r);
	return kafka_req_respond(req, kafka_init_producer_id_resp_write, &r);
}
