/**
 * Event Hubs partition-key hashing (eventhubs-surface.md §1.5): UTF-8 key
 * bytes -> Jenkins lookup3 hashlittle2 (both seeds 0) -> (int16)(c ^ b) ->
 * abs(h % partition_count). The same function the Azure SDKs port from the
 * service, so an SDK that predicts a key's partition is right.
 */
#ifndef TRIB_PKEY_H
#define TRIB_PKEY_H

#include <stddef.h>
#include <stdint.h>

/**
 * The 16-bit Event Hubs hash of @p len bytes at @p key (borrowed).
 * @thread any  @locks none
 */
int16_t pkey_hash(const void *key, size_t len);

/**
 * The partition index for @p key among @p partition_count (> 0) partitions.
 * @thread any  @locks none
 */
int32_t pkey_partition(const void *key, size_t len, int32_t partition_count);

#endif
