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

#include "auth.h"
#include "store.h"
#include "trib_err.h"

#define GW_CONFIG_MAX_HUBS 1000
#define GW_CONFIG_MAX_POLICY_TEXT 256 /**< longest policy name or key, bytes */
#define GW_CONFIG_ROOT_KEY_FILE "sas-root.key" /**< store private file of a generated root key */
#define GW_CONFIG_ROOT_KEY_BYTES 32 /**< random bytes of a generated root key (base64: 44 chars) */

/**
 * One SAS policy from Tributary.auth.policies (eventhubs-surface.md §3). The
 * namespace policy RootManageSharedAccessKey is not listed here unless the
 * file defines it: main.c adds it with the resolved root key.
 */
typedef struct gw_policy {
	char *name;
	char *key;      /**< secret: never printed */
	char *hub;      /**< NULL = namespace scope */
	unsigned rights; /**< AUTH_SEND | AUTH_LISTEN | AUTH_MANAGE */
} gw_policy_t;

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
	int64_t kafka_group_initial_delay_ms;
	int64_t max_message_bytes;
	char *durability;        /**< "sync" or "relaxed" */
	int64_t sync_interval_ms;
	int64_t segment_bytes;
	int64_t index_interval_bytes;
	char *log_level;         /**< debug, info, warn, error */
	char *namespace_name;
	gw_hub_t *hubs;
	size_t hub_count;
	bool auth_required;      /**< heads demand a SAS grant (SASL PLAIN, $cbs, Authorization) */
	char *auth_root_key;     /**< "" = automatic (see docs/auth.md); secret */
	gw_policy_t *policies;   /**< Tributary.auth.policies, in file order */
	size_t policy_count;
	bool root_policy_defined; /**< the file defines RootManageSharedAccessKey at namespace scope */
	bool emulator_config;    /**< the file is an emulator Config.json: a UserConfig and no
				      Tributary section */
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
 * Resolves the key of the namespace policy RootManageSharedAccessKey
 * (issue 4, docs/auth.md): auth.root_key when set; else AUTH_EMULATOR_KEY
 * when the config file has a UserConfig (an emulator Config.json); else the
 * key kept in @p store's private file GW_CONFIG_ROOT_KEY_FILE, which is
 * generated at first start (GW_CONFIG_ROOT_KEY_BYTES random bytes, base64)
 * and saved durably. *key is owned by the caller (mem_free); *generated
 * tells whether it was created by this call (the caller logs it once).
 * Not called when the file defines RootManageSharedAccessKey itself.
 * Errors: TRIB_ERR_CORRUPT (the kept file is empty or not one line),
 * TRIB_ERR_IO, TRIB_ERR_NOMEM, TRIB_ERR_UNSUPPORTED (no random source).
 * @thread main (start-up)  @locks none
 */
trib_err_t gw_config_root_key(const gw_config_t *cfg, store_t *store, char **key,
			      bool *generated) TRIB_MUST_CHECK;

/**
 * Writes the effective configuration as JSON (the file's shape) to @p out;
 * secrets (auth.root_key, policy keys) are written as "<redacted>".
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
