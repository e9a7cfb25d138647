/*
 * DescribeCluster. One broker, always up: the answer is built from the
 * loop environment alone (node id, advertised host and port), nothing in the
 * core is asked. An error answer carries only its code and message, every
 * other field at its schema default, as Kafka's AuthHelper builds it.
 */
#include "describe_cluster_handle.h"

#include <stdint.h>
#include <stdio.h>

#include "api/describe_cluster.h"
#include "kafka_api.h"
#include "kafka_err.h"

#define ENDPOINT_BROKERS 1
#define ENDPOINT_CONTROLLERS 2
#define AUTH_OPS_NONE INT32_MIN /* "not requested" in the schema */
/* No authorizer: the operations this gateway serves, as Metadata reports them. */
#define CLUSTER_OPS ((1 << 5) | (1 << 8)) /* CREATE DESCRIBE */

/*
 * The error for an endpoint type other than brokers (v1+: v0 has no such
 * field and always describes brokers), with its message in @p msg.
 */
static int16_t endpoint_error(int8_t type, char *msg, size_t cap)
{
	if (type == ENDPOINT_BROKERS)
		return KAFKA_ERR_NONE;
	if (type == ENDPOINT_CONTROLLERS) {
		snprintf(msg, cap, "The request was sent to an endpoint of type BROKER, but we "
			 "wanted an endpoint of type CONTROLLER");
		return KAFKA_ERR_MISMATCHED_ENDPOINT_TYPE;
	}
	snprintf(msg, cap, "Unsupported endpoint type %d", (int)type);
	return KAFKA_ERR_UNSUPPORTED_ENDPOINT_TYPE;
}

trib_err_t kafka_describe_cluster_handle(kafka_req_t *req, wire_rd_t *body)
{
	kafka_describe_cluster_req_t q;
	kafka_describe_cluster_resp_t resp = {.endpoint_type = ENDPOINT_BROKERS,
					      .controller_id = -1,
					      .cluster_authorized_operations = AUTH_OPS_NONE};
	kafka_describe_cluster_broker_t *b;
	const kafka_env_t *env = req->env;
	char msg[128];
	trib_err_t err;

	err = kafka_describe_cluster_req_decode(body, req->hdr.api_version, &req->arena, &q);
	if (err)
		return err;
	resp.error_code = req->reject ? req->reject
				      : endpoint_error(q.endpoint_type, msg, sizeof(msg));
	if (resp.error_code) {
		if (!req->reject)
			resp.error_message = kafka_arena_str(&req->arena, msg);
		return kafka_req_respond(req, kafka_describe_cluster_resp_write, &resp);
	}
	b = kafka_arena_calloc(&req->arena, 1, sizeof(*b));
	if (!b)
		return TRIB_ERR_NOMEM;
	b->broker_id = env->node_id;
	b->host = slice_from_cstr(env->advertised_host);
	b->port = env->port;
	resp.brokers = b;
	resp.brokers_count = 1;
	resp.cluster_id = slice_from_cstr(KAFKA_CLUSTER_ID);
	resp.controller_id = env->node_id;
	if (q.include_cluster_authorized_operations)
		resp.cluster_authorized_operations = CLUSTER_OPS;
	return kafka_req_respond(req, kafka_describe_cluster_resp_write, &resp);
}
