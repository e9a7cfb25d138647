/**
 * A raw Kafka client for the Check suites that talk to a kafka_server over
 * 127.0.0.1 (kafka_server, kafka_groups, kafka_admin_api, kafka_sendfile):
 * request frames with header v1 or v2, responses read whole. Failures are
 * Check assertions. Test code only.
 */
#ifndef TRIB_KRAW_H
#define TRIB_KRAW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wire.h"

/** A response frame: the payload (malloc'ed) and a reader after its header. */
typedef struct kraw_resp {
	uint8_t *p;
	wire_rd_t rd;
	bool flex; /**< read with response header v1 (a tag buffer after the id) */
} kraw_resp_t;

/**
 * Connects to 127.0.0.1:@p port with a 10 s receive timeout; @p rcvbuf
 * bytes of socket receive buffer, or the default when 0. Returns the fd.
 */
int kraw_dial(uint16_t port, int rcvbuf);

/** Sends all @p n bytes of @p p. */
void kraw_send_all(int fd, const void *p, size_t n);

/**
 * Writes a request frame into @p out (@p cap bytes): size prefix, header v1
 * (v2 with an empty tag buffer when @p flex; client id "test") and the
 * @p len bytes of @p body (borrowed, may be NULL when len is 0). Returns its size.
 */
size_t kraw_frame(uint8_t *out, size_t cap, int16_t key, int16_t ver, int32_t corr, bool flex,
		  const void *body, size_t len);

/** Sends the frame kraw_frame builds. */
void kraw_send_req(int fd, int16_t key, int16_t ver, int32_t corr, bool flex, const void *body,
		   size_t len);

/** Reads one frame; false at EOF or timeout. *payload is malloc'ed (free). */
bool kraw_recv_frame(int fd, uint8_t **payload, size_t *len);

/** The response to @p corr (asserted), positioned after its header (v1 when @p flex). */
kraw_resp_t kraw_expect(int fd, int32_t corr, bool flex);

/** Asserts every byte of @p r was read, then frees it. */
void kraw_done(kraw_resp_t *r);

/** True when the server closed the connection (EOF before any byte). */
bool kraw_closed(int fd);

#endif
