/*
 * InitProducerId (KIP-98). Only idempotent producers are served: a null
 * transactional id gets a new producer id with epoch 0 on every call, as
 * Kafka gives one to a producer without a transactional id. Transactions
 * are not served: a transactional id gets COORDINATOR_NOT_AVAILABLE, the
 * answer FindCoordinator already gives transactional ids; an empty one
 * gets INVALID_REQUEST as Kafka answers. transaction_timeout_ms is unused.
 * The ids come from core/pidm, which never repeats one across restarts.
 */
#include "init_producer_id_handle.h"

#include "api/init_producer_id.h"
#include "kafka_err.h"
#include "log.h"
#include "pidm.h"

trib_err_t kafka_init_producer_id_handle(kafka_req_t *req, wire_rd_t *body)
{
	kafka_init_producer_id_req_t q;
	kafka_init_producer_id_resp_t r = {.producer_id = -1, .producer_epoch = -1};
	trib_err_t err = kafka_init_producer_id_req_decode(body, req->hdr.api_version, &q);

	if (err)
		return err;
	if (req->reject) {
		r.error_code = req->reject;
	} else if (q.transactional_id.ptr && q.transactional_id.len == 0) {
		r.error_code = KAFKA_ERR_INVALID_REQUEST;
	} else if (q.transactional_id.ptr || !req->env->producer_ids) {
		r.error_code = KAFKA_ERR_COORDINATOR_NOT_AVAILABLE;
	} else {
		err = pidm_next(req->env->producer_ids, &r.producer_id, &r.producer_epoch);
		if (err) {
			log_warn("kafka: InitProducerId: %s", trib_strerror(err));
			r.error_code = kafka_err_from_trib(err, KAFKA_CTX_RECORDS);
			r.producer_id = -1;
			r.producer_epoch = -1;
		}
	}
	return kafka_req_respond(req, kafka_init_producer_id_resp_write, &r);
}
