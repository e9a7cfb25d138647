/* The raw Kafka test client: plain blocking sockets, Check assertions. */
#include "kraw.h"

#include <arpa/inet.h>
#include <check.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/time.h>

#include "slice.h"

int kraw_dial(uint16_t port, int rcvbuf)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
	struct timeval tv = {.tv_sec = 10};
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_ge(fd, 0);
	if (rcvbuf)
		ck_assert_int_eq(setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf)), 0);
	ck_assert_int_eq(connect(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	return fd;
}

void kraw_send_all(int fd, const void *p, size_t n)
{
	const uint8_t *b = p;

	while (n) {
		ssize_t w = send(fd, b, n, MSG_NOSIGNAL);

		ck_assert_int_gt(w, 0);
		b += w;
		n -= (size_t)w;
	}
}

size_t kraw_frame(uint8_t *out, size_t cap, int16_t key, int16_t ver, int32_t corr, bool flex,
		  const void *body, size_t len)
{
	wire_wr_t wr;
	size_t hlen = 2 + 2 + 4 + 2 + 4 + (flex ? 1 : 0);

	wire_wr_init(&wr, out, cap);
	wire_wr_i32(&wr, (int32_t)(hlen + len));
	wire_wr_i16(&wr, key);
	wire_wr_i16(&wr, ver);
	wire_wr_i32(&wr, corr);
	wire_wr_str16(&wr, slice_from_cstr("test"));
	if (flex)
		wire_wr_empty_tags(&wr);
	if (len)
		wire_wr_raw(&wr, body, len);
	ck_assert(wire_wr_fits(&wr));
	return wr.pos;
}

void kraw_send_req(int fd, int16_t key, int16_t ver, int32_t corr, bool flex, const void *body,
		   size_t len)
{
	size_t cap = len + 64;
	uint8_t *out = malloc(cap);

	ck_assert_ptr_nonnull(out);
	kraw_send_all(fd, out, kraw_frame(out, cap, key, ver, corr, flex, body, len));
	free(out);
}

static bool recv_all(int fd, uint8_t *p, size_t n)
{
	for (size_t got = 0; got < n;) {
		ssize_t r = recv(fd, p + got, n - got, 0);

		if (r <= 0)
			return false;
		got += (size_t)r;
	}
	return true;
}

bool kraw_recv_frame(int fd, uint8_t **payload, size_t *len)
{
	uint8_t hdr[4];
	size_t n;
	uint8_t *p;

	if (!recv_all(fd, hdr, sizeof(hdr)))
		return false;
	n = wire_load_u32(hdr);
	p = malloc(n ? n : 1);
	ck_assert_ptr_nonnull(p);
	if (!recv_all(fd, p, n)) {
		free(p);
		return false;
	}
	*payload = p;
	*len = n;
	return true;
}

kraw_resp_t kraw_expect(int fd, int32_t corr, bool flex)
{
	kraw_resp_t r = {.flex = flex};
	size_t n;

	ck_assert_msg(kraw_recv_frame(fd, &r.p, &n), "no response to %d", corr);
	wire_rd_init(&r.rd, r.p, n);
	ck_assert_int_eq(wire_rd_i32(&r.rd), corr);
	if (flex)
		wire_rd_skip_tags(&r.rd);
	return r;
}

void kraw_done(kraw_resp_t *r)
{
	ck_assert(wire_rd_ok(&r->rd));
	ck_assert_uint_eq(wire_rd_left(&r->rd), 0);
	free(r->p);
}

bool kraw_closed(int fd)
{
	uint8_t b;

	return recv(fd, &b, 1, 0) == 0;
}
