/* ISA-L keeps the CRC register un-inverted; the standard form inverts on entry and exit. */
#include "crc32c.h"

#include <isa-l/crc.h>
#include <limits.h>

uint32_t crc32c(uint32_t crc, const void *p, size_t len)
{
	unsigned char *at = (unsigned char *)(uintptr_t)p;

	crc = ~crc;
	while (len > 0) {
		int n = len > INT_MAX ? INT_MAX : (int)len;

		crc = crc32_iscsi(at, n, crc);
		at += n;
		len -= (size_t)n;
	}
	return ~crc;
}
