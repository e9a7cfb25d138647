/*
 * Metadata codec. Version gates are written per field exactly as the schema
 * states them ("versions": "N+"), so every version 0-8 has its own shape
 * without per-version branches elsewhere.
 */
#include "metadata.h"

#include "kafka_api.h"

#define TOPIC_MIN_BYTES 2 /* an int16 string length */

trib_err_t kafka_metadata_req_decode(wire_rd_t *rd, int16_t version, kafka_arena_t *arena,
				     kafka_metadata_req_t *out)
{
	bool is_null = false;
	int32_t n;

	*out = (kafka_metadata_req_t){.allow_auto_topic_creation = true};
	if (version < 0 || version > 8) {
		wire_rd_fail(rd);
		return TRIB_ERR_INVALID;
	}
	n = wire_rd_array_len(rd, KAFKA_MAX_TOPICS, TOPIC_MIN_BYTES, &is_null);
	if (!wire_rd_ok(rd) || (is_null && version < 1))
		return TRIB_ERR_INVALID;
	out->all_topics = is_null || (version == 0 && n == 0);
	out->topic_count = n;
	if (n > 0) {
		out->topics = kafka_arena_calloc(arena, (size_t)n, sizeof(*out->topics));
		if (!out->topics)
			return TRIB_ERR_NOMEM;
	}
	for (int32_t i = 0; i < n && wire_rd_ok(rd); i++) {
		out->topics[i] = wire_rd_str16(rd);
		if (!out->topics[i].ptr)
			wire_rd_fail(rd); /* names are nullable only from v10 */
	}
	if (version >= 4)
		out->allow_auto_topic_creation = wire_rd_u8(rd) != 0;
	if (version >= 8) {
		out->include_cluster_authorized_operations = wire_rd_u8(rd) != 0;
		out->include_topic_authorized_operations = wire_rd_u8(rd) != 0;
	}
	return wire_rd_ok(rd) && wire_rd_left(rd) == 0 ? TRIB_OK : TRIB_ERR_INVALID;
}

static void write_ids(wire_wr_t *wr, const int32_t *ids, int32_t n)
{
	wire_wr_i32(wr, n);
	for (int32_t i = 0; i < n; i++)
		wire_wr_i32(wr, ids[i]);
}

static void write_partition(wire_wr_t *wr, int16_t version, const kafka_metadata_partition_t *p)
{
	wire_wr_i16(wr, p->error_code);
	wire_wr_i32(wr, p->partition_index);
	wire_wr_i32(wr, p->leader_id);
	if (version >= 7)
		wire_wr_i32(wr, p->leader_epoch);
	write_ids(wr, p->replica_nodes, p->replica_count);
	write_ids(wr, p->isr_nodes, p->isr_count);
	if (version >= 5)
		write_ids(wr, p->offline_replicas, p->offline_count);
}

static void write_topic(wire_wr_t *wr, int16_t version, const kafka_metadata_topic_t *t)
{
	wire_wr_i16(wr, t->error_code);
	wire_wr_str16(wr, t->name);
	if (version >= 1)
		wire_wr_u8(wr, t->is_internal ? 1 : 0);
	wire_wr_i32(wr, t->partition_count);
	for (int32_t i = 0; i < t->partition_count; i++)
		write_partition(wr, version, &t->partitions[i]);
	if (version >= 8)
		wire_wr_i32(wr, t->topic_authorized_operations);
}

void kafka_metadata_resp_write(wire_wr_t *wr, int16_t version, const void *body)
{
	const kafka_metadata_resp_t *r = body;

	if (version >= 3)
		wire_wr_i32(wr, r->throttle_time_ms);
	wire_wr_i32(wr, r->broker_count);
	for (int32_t i = 0; i < r->broker_count; i++) {
		const kafka_metadata_broker_t *b = &r->brokers[i];

		wire_wr_i32(wr, b->node_id);
		wire_wr_str16(wr, b->host);
		wire_wr_i32(wr, b->port);
		if (version >= 1)
			wire_wr_str16(wr, b->rack);
	}
	if (version >= 2)
		wire_wr_str16(wr, r->cluster_id);
	if (version >= 1)
		wire_wr_i32(wr, r->controller_id);
	wire_wr_i32(wr, r->topic_count);
	for (int32_t i = 0; i < r->topic_count; i++)
		write_topic(wr, version, &r->topics[i]);
	if (version >= 8)
		wire_wr_i32(wr, r->cluster_authorized_operations);
}
