/*
 * tributary: start-up order is config -> storage -> namespace (recovery) ->
 * config hubs -> SAS policies (the root key may live in the store) -> heads;
 * shutdown is the reverse: heads stop accepting and
 * finish or abandon their pending appends, then the store syncs and closes
 * (firing what is left), then the namespace goes. Signals are blocked in
 * every thread and taken synchronously by main with sigwait, so no handler
 * runs inside library code.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "amqp_server.h"
#include "auth.h"
#include "gw_config.h"
#include "http_server.h"
#include "kafka_server.h"
#include "koffset.h"
#include "log.h"
#include "mem.h"
#include "ns.h"
#include "pidm.h"
#include "rb.h"
#include "store.h"

typedef struct gw {
	gw_config_t cfg;
	store_t *store;
	ns_t *ns;
	koffset_t *offsets;
	pidm_t *producer_ids;
	auth_t *auth;
	kafka_server_t *kafka;
	amqp_server_t *amqp;
	http_server_t *http;
} gw_t;

static log_level_t level_of(const char *name)
{
	if (strcmp(name, "debug") == 0)
		return LOG_DEBUG;
	if (strcmp(name, "warn") == 0)
		return LOG_WARN;
	if (strcmp(name, "error") == 0)
		return LOG_ERROR;
	return LOG_INFO;
}

static trib_err_t open_storage(gw_t *gw)
{
	store_opts_t so = {
		.dir = gw->cfg.data_dir,
		.sync_mode = strcmp(gw->cfg.durability, "relaxed") == 0 ? STORE_SYNC_RELAXED
									: STORE_SYNC_ALWAYS,
		.sync_interval_ms = (uint32_t)gw->cfg.sync_interval_ms,
		.segment_bytes = (uint64_t)gw->cfg.segment_bytes,
		.index_interval_bytes = (uint32_t)gw->cfg.index_interval_bytes,
	};
	ns_opts_t no = {
		.name = gw->cfg.namespace_name,
		.auto_create = gw->cfg.kafka_auto_create,
		.default_partitions = (int32_t)gw->cfg.default_partitions,
		.topic_defaults = {.segment_bytes = gw->cfg.segment_bytes,
				   .max_message_bytes =
					   (int32_t)gw->cfg.max_message_bytes + RB_LOG_OVERHEAD},
	};
	trib_err_t err = store_open(&so, &gw->store);

	if (!err)
		err = ns_open(gw->store, &no, &gw->ns);
	for (size_t i = 0; !err && i < gw->cfg.hub_count; i++) {
		const gw_hub_t *h = &gw->cfg.hubs[i];
		ns_hub_spec_t spec = {h->name, h->partitions, (const char *const *)h->consumer_groups,
				      h->consumer_group_count};

		err = ns_hub_declare(gw->ns, &spec);
		if (err)
			log_error("cannot set up event hub %s: %s", h->name, trib_strerror(err));
	}
	if (!err && (err = koffset_open(gw->ns, &gw->offsets)))
		log_error("cannot load the Kafka committed offsets: %s", trib_strerror(err));
	if (!err && (err = pidm_open(gw->store, &gw->producer_ids)))
		log_error("cannot reserve Kafka producer ids: %s", trib_strerror(err));
	return err;
}

/* The configured policies plus RootManageSharedAccessKey unless the file defines it. */
static trib_err_t open_auth(gw_t *gw)
{
	const gw_config_t *cfg = &gw->cfg;
	auth_policy_spec_t *specs = mem_calloc(MEM_GATEWAY, cfg->policy_count + 1, sizeof(*specs));
	char *root = NULL;
	bool generated = false;
	size_t n = 0;
	trib_err_t err = specs ? TRIB_OK : TRIB_ERR_NOMEM;

	if (!err && !cfg->root_policy_defined) {
		err = gw_config_root_key(cfg, gw->store, &root, &generated);
		if (err)
			log_error("auth: cannot get the key of %s (%s/.%s): %s", AUTH_ROOT_POLICY,
				  cfg->data_dir, GW_CONFIG_ROOT_KEY_FILE, trib_strerror(err));
		else
			specs[n++] = (auth_policy_spec_t){AUTH_ROOT_POLICY, root, NULL, AUTH_MANAGE};
	}
	for (size_t i = 0; !err && i < cfg->policy_count; i++)
		specs[n++] = (auth_policy_spec_t){cfg->policies[i].name, cfg->policies[i].key,
						  cfg->policies[i].hub, cfg->policies[i].rights};
	if (!err && (err = auth_open(specs, n, &gw->auth)))
		log_error("auth: cannot set up the SAS policies: %s", trib_strerror(err));
	if (!err && !cfg->root_policy_defined && cfg->emulator_config && !cfg->auth_root_key[0] &&
	    strcmp(cfg->host, "127.0.0.1") != 0 && strcmp(cfg->host, "::1") != 0)
		log_warn("auth: %s uses the Event Hubs emulator's public key %s and the listeners "
			 "bind %s: anyone who can reach them can use it; set auth.root_key",
			 AUTH_ROOT_POLICY, AUTH_EMULATOR_KEY, cfg->host);
	if (!err && generated)
		log_info("auth: generated the key of %s: %s (kept in %s/.%s; set auth.root_key to "
			 "choose one)",
			 AUTH_ROOT_POLICY, root, cfg->data_dir, GW_CONFIG_ROOT_KEY_FILE);
	if (!err)
		log_info("auth: %zu SAS policies; authorization %s", n,
			 cfg->auth_required ? "required" : "not required (auth.required=false)");
	mem_free(root);
	mem_free(specs);
	return err;
}

static trib_err_t start_heads(gw_t *gw)
{
	kafka_server_opts_t ko = {
		.host = gw->cfg.host,
		.port = (uint16_t)gw->cfg.kafka_port,
		.advertised_host = gw->cfg.advertised_host,
		.node_id = 0,
		.max_request_bytes = (uint32_t)gw->cfg.kafka_max_request_bytes,
		.max_message_bytes = (uint32_t)gw->cfg.max_message_bytes + RB_LOG_OVERHEAD,
		.offsets = gw->offsets,
		.auth = gw->auth,
		.auth_required = gw->cfg.auth_required,
		.producer_ids = gw->producer_ids,
		.group_initial_rebalance_delay_ms = (int32_t)gw->cfg.kafka_group_initial_delay_ms,
	};
	amqp_server_opts_t ao = {
		.host = gw->cfg.host,
		.port = (uint16_t)gw->cfg.amqp_port,
		.max_message_bytes = (uint32_t)gw->cfg.max_message_bytes,
		.max_frame_bytes = 256 * 1024,
		.container_id = "tributary",
		.auth = gw->auth,
		.auth_required = gw->cfg.auth_required,
	};
	http_server_opts_t ho = {
		.host = gw->cfg.host,
		.port = (uint16_t)gw->cfg.http_port,
		.max_body_bytes = (uint32_t)gw->cfg.max_message_bytes,
		.auth = gw->auth,
		.auth_required = gw->cfg.auth_required,
	};
	trib_err_t err = kafka_server_start(gw->ns, &ko, &gw->kafka);

	if (err)
		log_error("cannot start the Kafka listener on %s:%u: %s", ko.host, ko.port,
			  trib_strerror(err));
	if (!err && (err = amqp_server_start(gw->ns, &ao, &gw->amqp)))
		log_error("cannot start the AMQP listener on %s:%u: %s", ao.host, ao.port,
			  trib_strerror(err));
	if (!err && (err = http_server_start(gw->ns, &ho, &gw->http)))
		log_error("cannot start the HTTP listener on %s:%u: %s", ho.host, ho.port,
			  trib_strerror(err));
	return err;
}

static void shutdown_all(gw_t *gw)
{
	http_server_stop(&gw->http);
	amqp_server_stop(&gw->amqp);
	kafka_server_stop(&gw->kafka);
	store_close(&gw->store);
	koffset_close(&gw->offsets);
	pidm_close(&gw->producer_ids);
	ns_close(&gw->ns);
	auth_close(&gw->auth);
	gw_config_free(&gw->cfg);
}

int main(int argc, char **argv)
{
	gw_t gw = {0};
	gw_parse_t what;
	sigset_t sigs;
	int sig = 0;

	if (gw_config_load(&gw.cfg, argc, argv, stderr, &what) != TRIB_OK) {
		gw_config_free(&gw.cfg);
		return 2;
	}
	if (what == GW_PARSE_EXIT) {
		gw_config_free(&gw.cfg);
		return 0;
	}
	log_set_level(level_of(gw.cfg.log_level));

	/* blocked before any thread starts, so every thread inherits the mask */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	signal(SIGPIPE, SIG_IGN);

	if (open_storage(&gw) != TRIB_OK || open_auth(&gw) != TRIB_OK ||
	    start_heads(&gw) != TRIB_OK) {
		log_error("start-up failed; stopping");
		shutdown_all(&gw);
		return 1;
	}
	log_info("tributary ready: data %s, kafka %s:%d, amqp %s:%d, http %s:%d", gw.cfg.data_dir,
		 gw.cfg.host, (int)gw.cfg.kafka_port, gw.cfg.host, (int)gw.cfg.amqp_port, gw.cfg.host,
		 (int)gw.cfg.http_port);
	sigwait(&sigs, &sig);
	log_info("signal %d: stopping", sig);
	shutdown_all(&gw);
	log_info("stopped cleanly");
	return 0;
}
