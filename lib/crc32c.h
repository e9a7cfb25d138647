/**
 * CRC32C (Castagnoli), the checksum of Kafka RecordBatch v2 (Kafka protocol
 * guide, "Record Batch": "CRC-32C (Castagnoli) polynomial"). Computed by
 * Intel ISA-L's crc32_iscsi, which uses the SSE4.2 instruction when present.
 */
#ifndef TRIB_CRC32C_H
#define TRIB_CRC32C_H

#include <stddef.h>
#include <stdint.h>

/**
 * Extends @p crc (0 to start) over @p len bytes at @p p (borrowed) and
 * returns the new value; crc32c(0, "123456789", 9) == 0xE3069283.
 * @thread any  @locks none
 */
uint32_t crc32c(uint32_t crc, const void *p, size_t len);

#endif
