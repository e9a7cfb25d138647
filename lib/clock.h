/**
 * Clocks in milliseconds: wall time for timestamps that leave the process
 * (record append times, AMQP enqueued times, SAS expiry), monotonic time for
 * deadlines and intervals.
 */
#ifndef TRIB_CLOCK_H
#define TRIB_CLOCK_H

#include <stdint.h>

/** Milliseconds since the Unix epoch (CLOCK_REALTIME). @thread any @locks none */
int64_t clock_wall_ms(void);

/** Milliseconds on CLOCK_MONOTONIC, for deadlines only. @thread any @locks none */
int64_t clock_mono_ms(void);

#endif
