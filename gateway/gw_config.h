/**
 * Gateway configuration (DESIGN.md §6, STYLE.md §10): one table,
 * gw_config_items[], drives the JSON file's "Tributary" section, the
 * command-line options, validation messages naming the key, --help and
 * --print-config. Event hubs come from the Azure Event Hubs emulator's
 * UserConfig.NamespaceConfig[].Entities[] shape, so an emulator Config.json
 * loads as it is.
 */
#ifndef TRIB_GW_CONFIG_H
#define TRIB_GW_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "trib_err.h"

#define GW_CONFIG_MAX_HUBS 1000

/** One event hub declared by the config (or the built-in default eh1). */
typedef struct gw_hub {
	char *name;
	int32_t partitions;
	char **consumer_groups; /**< besides $Default */
	size_t consumer_group_count;
} gw_hub_t;

typedef struct gw_config {
	char *config_path;       /**< NULL without --config */
	char *data_dir;
	char *host;              /**< bind address of every listener */
	char *advertised_host;   /**< host named in Kafka Metadata */
	int64_t kafka_port;
	int64_t amqp_port;
	int64_t http_port;
	bool kafka_auto_create;
	int64_t default_partitions;
	int64_t kafka_max_request_bytes;
	int64_t max_message_bytes;
	char *durability;        /**< "sync" or "relaxed" */
	int64_t sync_interval_ms;
	int64_t segment_bytes;
	int64_t index_interval_bytes;
	char *log_level;         /**< debug, info, warn, error */
	char *namespace_name;
	gw_hub_t *hubs;
	size_t hub_count;
} gw_config_t;

typedef enum gw_parse {
	GW_PARSE_RUN,   /**< start the gateway */
	GW_PARSE_EXIT,  /**< --help / --print-config / --version printed; exit 0 */
} gw_parse_t;

/**
 * Fills @p cfg from defaults, then the file named by --config (if any),
 * then the other command-line options, which win. Strings in @p cfg are
 * owned by it (gw_config_free). On an error a message naming the file, the
 * key and the problem is written to @p err_out and TRIB_ERR_CONFIG returned.
 * @p what receives whether to run or exit.
 * @thread main  @locks none
 */
trib_err_t gw_config_load(gw_config_t *cfg, int argc, char **argv, FILE *err_out,
			  gw_parse_t *what) TRIB_MUST_CHECK;

/** Frees what gw_config_load allocated; the struct itself is the caller's. */
void gw_config_free(gw_config_t *cfg);

/**
 * Writes the effective configuration as JSON (the file's shape) to @p out.
 * @thread main  @locks none
 */
void gw_config_print(const gw_config_t *cfg, FILE *out);

/**
 * Writes the settings table as Markdown (docs/config.md is this output;
 * a unit test keeps the two equal).
 * @thread main  @locks none
 */
void gw_config_doc(FILE *out);

#endif
