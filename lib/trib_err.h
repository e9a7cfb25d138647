/**
 * Tributary's one error type (STYLE.md §3).
 *
 * 0 is success, every failure is a negative value. Wire codes (Kafka error
 * codes, AMQP conditions, HTTP statuses) never appear here: each protocol head
 * maps these values through its own table.
 */
#ifndef TRIB_TRIB_ERR_H
#define TRIB_TRIB_ERR_H

/** Marks a function whose result must be checked. */
#define TRIB_MUST_CHECK __attribute__((warn_unused_result))

typedef enum trib_err {
	TRIB_OK = 0,
	TRIB_ERR_NOMEM = -1,        /**< allocation failed or memory ceiling reached */
	TRIB_ERR_IO = -2,           /**< a system call on a file failed */
	TRIB_ERR_CORRUPT = -3,      /**< stored or received bytes fail a check (CRC, length, magic) */
	TRIB_ERR_INVALID = -4,      /**< malformed or out-of-bounds input */
	TRIB_ERR_NOT_FOUND = -5,    /**< unknown event hub, partition or consumer group */
	TRIB_ERR_EXISTS = -6,       /**< the entity already exists */
	TRIB_ERR_TOO_LARGE = -7,    /**< input over a named limit */
	TRIB_ERR_OUT_OF_RANGE = -8, /**< offset or position outside the log */
	TRIB_ERR_UNSUPPORTED = -9,  /**< valid input that this build does not handle */
	TRIB_ERR_CLOSED = -10,      /**< the component is shutting down */
	TRIB_ERR_CONFIG = -11,      /**< invalid configuration */
	TRIB_ERR_UNAUTHORIZED = -12, /**< missing, bad or expired credentials, or a right not granted */
	TRIB_ERR_SEQUENCE = -13,    /**< an idempotent producer's batch is out of sequence (a gap) */
	TRIB_ERR_FENCED = -14,      /**< an idempotent producer's epoch is older than the stored one */
	TRIB_ERR_UNKNOWN_PRODUCER = -15, /**< a producer id with no state where one is needed */
	TRIB_ERR_AGAIN = -16,       /**< not possible yet (e.g. the original is not durable): retry */
} trib_err_t;

/**
 * A short English description of @p err ("out of range").
 * Returns a static string, never NULL; unknown values give "unknown error".
 * @thread any  @locks none
 */
const char *trib_strerror(trib_err_t err);

#endif
