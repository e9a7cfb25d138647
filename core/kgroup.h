/**
 * Kafka consumer groups, the classic protocol (Kafka's GroupCoordinator:
 * JoinGroup, SyncGroup, Heartbeat, LeaveGroup; KIP-394 member ids, KIP-345
 * static membership). Groups are namespace-wide, created on first use, and
 * separate from the Event Hubs consumer groups of a hub. Membership is kept
 * in memory only (as in Kafka, clients rejoin after a restart); committed
 * offsets live in koffset.
 *
 * States: Empty -> PreparingRebalance (a member joins, leaves, expires or
 * changes its protocols) -> CompletingRebalance (every member rejoined, or
 * the rebalance timeout passed: a new generation, a protocol and a leader
 * are chosen and JoinGroup answers go out) -> Stable (the leader's
 * SyncGroup hands every member its assignment).
 *
 * Time: the owner (the Kafka loop) drives it with kgroup_tick(now) and
 * passes its monotonic clock to every call; no thread of its own.
 * Waiters: JoinGroup and SyncGroup answers are delivered through a
 * kgroup_waiter_t callback, either inside the call that registers it or
 * later inside another member's call or kgroup_tick. Callbacks run with the
 * registry lock held: they must copy what they keep and must not call any
 * kgroup_ function.
 */
#ifndef TRIB_KGROUP_H
#define TRIB_KGROUP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "slice.h"
#include "trib_err.h"

#define KGROUP_MIN_SESSION_MS 6000    /**< Kafka's group.min.session.timeout.ms */
#define KGROUP_MAX_SESSION_MS 1800000 /**< Kafka's group.max.session.timeout.ms */
#define KGROUP_MAX_MEMBERS 1000       /**< members (and pending member ids) of one group */
#define KGROUP_ID_MAX 1024            /**< bytes of a group id, member id or instance id */
#define KGROUP_MAX_PROTOCOLS 100      /**< protocols one member offers */

typedef struct kgroup kgroup_t;

/** Outcome of a group operation; the Kafka head maps each to its error code. */
typedef enum kgroup_status {
	KGROUP_OK = 0,
	KGROUP_MEMBER_ID_REQUIRED,    /**< KIP-394: rejoin with the member id given */
	KGROUP_UNKNOWN_MEMBER,
	KGROUP_ILLEGAL_GENERATION,
	KGROUP_REBALANCING,
	KGROUP_INCONSISTENT_PROTOCOL,
	KGROUP_INVALID_GROUP_ID,
	KGROUP_INVALID_SESSION_TIMEOUT,
	KGROUP_FENCED_INSTANCE,       /**< KIP-345: another member holds the instance id */
	KGROUP_GROUP_FULL,
	KGROUP_NO_MEMORY,
	KGROUP_NOT_EMPTY,       /**< DeleteGroups / OffsetDelete: the group has members */
	KGROUP_GROUP_NOT_FOUND, /**< no such group */
	KGROUP_SUBSCRIBED,      /**< OffsetDelete: a member is subscribed to the topic */
} kgroup_status_t;

typedef enum kgroup_state {
	KGROUP_EMPTY,
	KGROUP_PREPARING_REBALANCE,
	KGROUP_COMPLETING_REBALANCE,
	KGROUP_STABLE,
} kgroup_state_t;

/** One protocol a member offers (both slices borrowed for the call). */
typedef struct kgroup_protocol {
	trib_slice_t name;
	trib_slice_t metadata;
} kgroup_protocol_t;

/** A JoinGroup; every slice borrowed for the call. */
typedef struct kgroup_join_req {
	trib_slice_t group;
	trib_slice_t member_id;   /**< empty for a new member */
	trib_slice_t instance_id; /**< ptr NULL = dynamic member */
	trib_slice_t client_id;   /**< prefix of generated member ids; may be null */
	trib_slice_t protocol_type;
	int32_t session_timeout_ms;
	int32_t rebalance_timeout_ms;
	const kgroup_protocol_t *protocols;
	size_t protocol_count;
	bool require_known_member_id; /**< JoinGroup v4+ (KIP-394) */
	trib_slice_t client_host;     /**< peer address for DescribeGroups; may be null */
} kgroup_join_req_t;

/** A member as the leader sees it in its JoinGroup answer. */
typedef struct kgroup_member_info {
	trib_slice_t member_id;
	trib_slice_t instance_id; /**< ptr NULL = none */
	trib_slice_t metadata;    /**< for the chosen protocol */
} kgroup_member_info_t;

/** A JoinGroup answer; every slice and array borrowed for the callback only. */
typedef struct kgroup_join_result {
	kgroup_status_t status;
	int32_t generation;          /**< -1 with an error */
	trib_slice_t protocol_name;  /**< empty with an error */
	trib_slice_t leader_id;
	trib_slice_t member_id;      /**< the member's id (new ones too) */
	const kgroup_member_info_t *members; /**< the leader's answer only */
	size_t member_count;
} kgroup_join_result_t;

typedef struct kgroup_waiter kgroup_waiter_t;

/**
 * A pending JoinGroup or SyncGroup, owned by the caller (embedded in its
 * request state). Exactly one of the callbacks fires once, unless
 * kgroup_cancel runs first.
 */
struct kgroup_waiter {
	void (*join_done)(kgroup_waiter_t *w, const kgroup_join_result_t *r);
	/** @p assignment borrowed for the call; empty with an error. */
	void (*sync_done)(kgroup_waiter_t *w, kgroup_status_t st, trib_slice_t assignment);
	void *arg;
	void *member_; /**< core-private: the member holding it, NULL when not armed */
};

/** A SyncGroup; every slice borrowed for the call. */
typedef struct kgroup_sync_req {
	trib_slice_t group;
	trib_slice_t member_id;
	trib_slice_t instance_id; /**< ptr NULL = none */
	int32_t generation;
	const trib_slice_t *assign_member_ids; /**< the leader's assignments (others: 0 of them) */
	const trib_slice_t *assignments;
	size_t assign_count;
} kgroup_sync_req_t;

/** An empty registry; *out owned by the caller (kgroup_close). Errors: TRIB_ERR_NOMEM. */
trib_err_t kgroup_open(kgroup_t **out) TRIB_MUST_CHECK;

/**
 * Sets Kafka's group.initial.rebalance.delay.ms (@p delay_ms, ms; 0 or less =
 * none, the default): the first rebalance of an Empty group completes no
 * sooner than this after its first member joins, each new member restarting
 * the wait, never past the rebalance timeout (Kafka GroupCoordinator's
 * InitialDelayedJoin). Groups already waiting keep their deadline.
 * @thread any  @locks registry lock
 */
void kgroup_set_initial_delay(kgroup_t *kg, int32_t delay_ms);

/**
 * Frees every group; waiters still armed are dropped without a callback
 * (the owner cancels its requests first). NULL accepted; sets *kg to NULL.
 */
void kgroup_close(kgroup_t **kg);

/**
 * JoinGroup (Kafka protocol guide, JoinGroup; KIP-394, KIP-345). @p w gets
 * join_done once, now or when the rebalance completes; @p now_ms is the
 * owner's monotonic clock. @thread any  @locks the registry lock
 */
void kgroup_join(kgroup_t *kg, const kgroup_join_req_t *req, kgroup_waiter_t *w, int64_t now_ms);

/**
 * SyncGroup: the leader's call hands out the assignments; every member's
 * @p w gets sync_done with its own, now or once the leader's arrives.
 * @thread any  @locks the registry lock
 */
void kgroup_sync(kgroup_t *kg, const kgroup_sync_req_t *req, kgroup_waiter_t *w, int64_t now_ms);

/**
 * Heartbeat: refreshes the member's session; KGROUP_REBALANCING tells it to
 * rejoin. @thread any  @locks the registry lock
 */
kgroup_status_t kgroup_heartbeat(kgroup_t *kg, trib_slice_t group, int32_t generation,
				 trib_slice_t member_id, trib_slice_t instance_id, int64_t now_ms);

/**
 * LeaveGroup of one member, by @p member_id, or by @p instance_id when the
 * id is empty (LeaveGroup v3). The group rebalances.
 * @thread any  @locks the registry lock
 */
kgroup_status_t kgroup_leave(kgroup_t *kg, trib_slice_t group, trib_slice_t member_id,
			     trib_slice_t instance_id, int64_t now_ms);

/**
 * May an OffsetCommit for @p group with @p generation / @p member_id go
 * ahead? Generation < 0 with no group or an Empty one is a standalone
 * commit (assign()); else the member and generation must match and the
 * group must not be completing a rebalance. Refreshes the session.
 * @thread any  @locks the registry lock
 */
kgroup_status_t kgroup_commit_check(kgroup_t *kg, trib_slice_t group, int32_t generation,
				    trib_slice_t member_id, trib_slice_t instance_id,
				    int64_t now_ms);

/** Disarms @p w if armed (its connection went away); no callback. @thread any @locks registry */
void kgroup_cancel(kgroup_t *kg, kgroup_waiter_t *w);

/**
 * Expires members whose session passed, pending member ids, and rebalances
 * whose timeout passed. Returns the next deadline (monotonic ms) or -1.
 * @thread any (the owner's loop)  @locks the registry lock
 */
int64_t kgroup_tick(kgroup_t *kg, int64_t now_ms);

/** The next deadline without doing anything (ms, or -1). @thread any @locks registry */
int64_t kgroup_next_deadline(kgroup_t *kg);

/**
 * State, generation and member count of @p group (tests, metrics); false
 * when the group does not exist. @thread any  @locks the registry lock
 */
bool kgroup_describe(kgroup_t *kg, trib_slice_t group, kgroup_state_t *state, int32_t *generation,
		     size_t *members);

/** A group as ListGroups shows it; slices borrowed for the callback only. */
typedef struct kgroup_listed {
	trib_slice_t group;
	kgroup_state_t state;
	trib_slice_t protocol_type; /**< empty while no member ever joined */
} kgroup_listed_t;

/**
 * Calls @p fn for every group in the registry, under the registry lock: @p fn
 * must copy what it keeps and must not call any kgroup_ function. Stops when
 * @p fn returns false (and returns false then).
 * @thread any  @locks the registry lock
 */
bool kgroup_list(kgroup_t *kg, bool (*fn)(void *arg, const kgroup_listed_t *g), void *arg);

/** A member as DescribeGroups shows it; slices borrowed for the callback only. */
typedef struct kgroup_member_desc {
	trib_slice_t member_id;
	trib_slice_t instance_id; /**< ptr NULL = none */
	trib_slice_t client_id;
	trib_slice_t client_host;
	trib_slice_t metadata;    /**< the chosen protocol's; empty unless Stable */
	trib_slice_t assignment;  /**< empty unless Stable */
} kgroup_member_desc_t;

/** A group as DescribeGroups shows it; everything borrowed for the callback only. */
typedef struct kgroup_group_desc {
	kgroup_state_t state;
	int32_t generation;
	trib_slice_t protocol_type;
	trib_slice_t protocol; /**< the chosen protocol; empty unless Stable (as Kafka) */
	const kgroup_member_desc_t *members;
	size_t member_count;
} kgroup_group_desc_t;

/**
 * Describes @p group to @p fn (Kafka's GroupMetadata.summary: members'
 * metadata and assignments only in Stable), under the registry lock; @p fn
 * must copy what it keeps and must not call any kgroup_ function.
 * Returns KGROUP_OK (fn ran), KGROUP_GROUP_NOT_FOUND or KGROUP_NO_MEMORY
 * (fn did not run). @thread any  @locks the registry lock
 */
kgroup_status_t kgroup_describe_group(kgroup_t *kg, trib_slice_t group,
				      void (*fn)(void *arg, const kgroup_group_desc_t *d),
				      void *arg);

/**
 * DeleteGroups for the membership side: removes @p group if it is Empty.
 * Returns KGROUP_OK, KGROUP_NOT_EMPTY (members or a rebalance under way) or
 * KGROUP_GROUP_NOT_FOUND; committed offsets are koffset's (koffset_delete).
 * @thread any  @locks the registry lock
 */
kgroup_status_t kgroup_delete(kgroup_t *kg, trib_slice_t group);

/**
 * May OffsetDelete remove @p group's offsets of @p topic (Kafka's
 * handleDeleteOffsets)? KGROUP_OK when the group is Empty or no member of a
 * "consumer" group subscribes to @p topic; KGROUP_SUBSCRIBED when one does
 * (or a subscription cannot be read: assumed to cover every topic);
 * KGROUP_NOT_EMPTY for a group of another protocol type with members;
 * KGROUP_GROUP_NOT_FOUND when the registry has no such group (only koffset
 * may know it then). Subscriptions are read from the members' metadata for
 * the chosen protocol (else their first one), ConsumerProtocolSubscription
 * (i16 version, [str16] topics, ...).
 * @thread any  @locks the registry lock
 */
kgroup_status_t kgroup_topic_check(kgroup_t *kg, trib_slice_t group, trib_slice_t topic);

#endif
