/*
 * http_server: the HTTP send head over the real core and store in a
 * temporary directory, driven by a raw-socket HTTP/1.1 client on loopback
 * (so chunked uploads, early closes and pipelining can be done exactly).
 */
#include "http_server.h"

#include <arpa/inet.h>
#include <check.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "evhdr.h"
#include "hub.h"
#include "mem.h"
#include "part.h"
#include "rb.h"

static char tmp[256];
static store_t *store;
static ns_t *ns;
static http_server_t *srv;
static hub_t *eh1;
static auth_t *auth; /* set by setup_auth: the server then requires SAS tokens */

static void start(uint32_t max_body)
{
	store_opts_t so = {.dir = tmp};
	ns_opts_t no = {.name = "test", .auto_create = false, .default_partitions = 1};
	http_server_opts_t ho = {.host = "127.0.0.1", .port = 0, .max_body_bytes = max_body,
				 .auth = auth, .auth_required = auth != NULL};
	trib_err_t err;

	ck_assert_int_eq(store_open(&so, &store), TRIB_OK);
	ck_assert_int_eq(ns_open(store, &no, &ns), TRIB_OK);
	err = ns_hub_create(ns, &(ns_hub_spec_t){"eh1", 4, NULL, 0}, &eh1);
	ck_assert(err == TRIB_OK || err == TRIB_ERR_EXISTS); /* EXISTS after a restart */
	ck_assert_int_eq(http_server_start(ns, &ho, &srv), TRIB_OK);
	ck_assert_uint_gt(http_server_port(srv), 0);
}

static void setup(void)
{
	strcpy(tmp, "/tmp/trib-http-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmp));
	start(0);
}

static void stop(void)
{
	http_server_stop(&srv);
	ck_assert_ptr_null(srv);
	store_close(&store);
	ns_close(&ns);
}

static void teardown(void)
{
	char cmd[300];

	stop();
	ck_assert_uint_eq(mem_used(MEM_HTTP), 0);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmp);
	(void)!system(cmd);
}

/* ---- a tiny HTTP client ---- */

static int dial(void)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(http_server_port(srv))};
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(connect(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	return fd;
}

static void send_all(int fd, const void *p, size_t n)
{
	while (n) {
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL);

		if (w <= 0)
			return; /* the server may close early (413): the caller reads the answer */
		p = (const char *)p + w;
		n -= (size_t)w;
	}
}

/* Reads until EOF (requests say Connection: close) or 10 s; returns the status code. */
static int read_answer(int fd, char *buf, size_t cap)
{
	size_t len = 0;
	int status = 0;

	for (;;) {
		struct pollfd pfd = {fd, POLLIN, 0};
		ssize_t r;

		if (poll(&pfd, 1, 10000) <= 0)
			break;
		r = recv(fd, buf + len, cap - 1 - len, 0);
		if (r <= 0)
			break;
		len += (size_t)r;
		if (len == cap - 1)
			break;
	}
	buf[len] = '\0';
	sscanf(buf, "HTTP/1.%*d %d", &status);
	return status;
}

static const char *body_of(const char *resp)
{
	const char *b = strstr(resp, "\r\n\r\n");

	return b ? b + 4 : "";
}

static char resp[8192];

/* POST @p path with extra header lines @p hdrs ("" or lines ending \r\n) and @p body. */
static int post(const char *path, const char *hdrs, const char *body, size_t blen)
{
	char head[4096];
	int fd = dial(), n, status;

	n = snprintf(head, sizeof(head),
		     "POST %s HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n"
		     "Content-Length: %zu\r\n%s\r\n",
		     path, blen, hdrs);
	send_all(fd, head, (size_t)n);
	send_all(fd, body, blen);
	status = read_answer(fd, resp, sizeof(resp));
	close(fd);
	return status;
}

static int post_batch(const char *path, const char *json)
{
	return post(path, "Content-Type: application/vnd.microsoft.servicebus.json\r\n", json,
		    strlen(json));
}

/* ---- reading back what was stored ---- */

typedef struct rec {
	char key[64];
	char value[256];
	char hdrs[1024]; /* "name=hex(value);..." */
	int nhdrs;
} rec_t;

static void hexcat(char *dst, size_t cap, trib_slice_t s)
{
	size_t n = strlen(dst);

	for (size_t i = 0; i < s.len && n + 3 < cap; i++, n += 2)
		snprintf(dst + n, cap - n, "%02x", s.ptr[i]);
}

/* Every record of partition @p id, in offset order; returns how many. */
static int read_part(int32_t id, rec_t *out, int max)
{
	part_t *p = hub_partition(eh1, id);
	int64_t off = 0, end = part_high_watermark(p);
	int n = 0;

	while (off < end && n < max) {
		store_range_t range;
		uint8_t *buf;
		rb_iter_t it;
		rb_record_t r;

		ck_assert_int_eq(part_read(p, off, 1 << 20, &range), TRIB_OK);
		buf = malloc(range.len);
		ck_assert_int_eq(part_read_copy(p, &range, buf), TRIB_OK);
		ck_assert_int_eq(rb_iter_init(&it, buf, range.len), TRIB_OK);
		while (rb_iter_next(&it, &r) == 1 && n < max) {
			wire_rd_t rd;
			trib_slice_t hn, hv;
			rec_t *o = &out[n++];

			memset(o, 0, sizeof(*o));
			if (r.key.ptr)
				snprintf(o->key, sizeof(o->key), "%.*s", (int)r.key.len, r.key.ptr);
			else
				strcpy(o->key, "(null)");
			snprintf(o->value, sizeof(o->value), "%.*s", (int)r.value.len, r.value.ptr);
			wire_rd_init(&rd, r.headers.ptr, r.headers.len);
			while (rb_headers_next(&rd, &hn, &hv)) {
				size_t l = strlen(o->hdrs);

				snprintf(o->hdrs + l, sizeof(o->hdrs) - l, "%.*s=", (int)hn.len,
					 hn.ptr);
				hexcat(o->hdrs, sizeof(o->hdrs), hv);
				l = strlen(o->hdrs);
				snprintf(o->hdrs + l, sizeof(o->hdrs) - l, ";");
				o->nhdrs++;
			}
			off = r.offset + 1;
		}
		free(buf);
	}
	return n;
}

static int64_t total_stored(void)
{
	int64_t t = 0;

	for (int32_t i = 0; i < 4; i++)
		t += part_high_watermark(hub_partition(eh1, i));
	return t;
}

/* ---- tests ---- */

START_TEST(batch_created_and_stored)
{
	rec_t recs[8];
	int n;

	ck_assert_int_eq(
		post_batch("/eh1/partitions/2/messages?timeout=60&api-version=2014-01",
			   "[{\"Body\":\"Message1\"},"
			   "{\"Body\":\"Message2\",\"UserProperties\":{\"Alert\":\"Strong Wind\","
			   "\"n\":7},\"BrokerProperties\":{\"CorrelationId\":\"c1\"}}]"),
		201);
	ck_assert_ptr_nonnull(strstr(resp, "Content-Type: application/xml; charset=utf-8"));
	ck_assert_ptr_nonnull(strstr(resp, "Content-Length: 0"));
	n = read_part(2, recs, 8);
	ck_assert_int_eq(n, 2);
	ck_assert_str_eq(recs[0].value, "Message1");
	ck_assert_str_eq(recs[0].key, "(null)");
	ck_assert_str_eq(recs[0].hdrs, EVHDR_SRC "=68747470;");
	ck_assert_str_eq(recs[1].value, "Message2");
	ck_assert_str_eq(recs[1].hdrs, "Alert=a10b5374726f6e672057696e64;n=7100000007;" EVHDR_SRC
				       "=68747470;correlation-id=6331;");
	ck_assert_int_eq(total_stored(), 2);
}
END_TEST

START_TEST(partition_route_keeps_key)
{
	rec_t recs[4];

	/* the partition is fixed by the path; the PartitionKey is still the record key */
	ck_assert_int_eq(
		post_batch("/eh1/partitions/1/messages",
			   "[{\"Body\":\"a\",\"BrokerProperties\":{\"PartitionKey\":\"k1\"}},"
			   "{\"Body\":\"b\",\"BrokerProperties\":{\"PartitionKey\":\"k2\"}}]"),
		201);
	ck_assert_int_eq(read_part(1, recs, 4), 2);
	ck_assert_str_eq(recs[0].key, "k1");
	ck_assert_str_eq(recs[1].key, "k2");
	ck_assert_int_eq(total_stored(), 2);
}
END_TEST

START_TEST(batch_keys_spread)
{
	rec_t recs[16];
	int total = 0;

	ck_assert_int_eq(
		post_batch("/eh1/messages",
			   "[{\"Body\":\"a\",\"BrokerProperties\":{\"PartitionKey\":\"k1\"}},"
			   "{\"Body\":\"b\",\"BrokerProperties\":{\"PartitionKey\":\"k2\"}},"
			   "{\"Body\":\"c\",\"BrokerProperties\":{\"PartitionKey\":\"k3\"}},"
			   "{\"Body\":\"d\",\"BrokerProperties\":{\"PartitionKey\":\"k1\"}},"
			   "{\"Body\":\"e\"},{\"Body\":\"f\"}]"),
		201);
	for (int32_t p = 0; p < 4; p++) {
		int n = read_part(p, recs, 16);

		for (int i = 0; i < n; i++) {
			if (strcmp(recs[i].key, "(null)") != 0)
				ck_assert_int_eq(
					hub_pick_partition(eh1, slice_from_cstr(recs[i].key)), p);
		}
		total += n;
	}
	ck_assert_int_eq(total, 6);
}
END_TEST

START_TEST(single_event_typed_headers)
{
	rec_t recs[4];

	ck_assert_int_eq(
		post("/eh1/partitions/0/messages",
		     "Content-Type: application/atom+xml;type=entry;charset=utf-8\r\n"
		     "BrokerProperties: {\"PartitionKey\":\"dev-1\",\"MessageId\":\"m1\"}\r\n"
		     "Alert: Strong Wind\r\nCount: 12\r\nFlag: true\r\n"
		     "x-ms-retrypolicy: NoRetry\r\nAuthorization: SharedAccessSignature sr=x\r\n",
		     "{\"temp\":21}", 11),
		201);
	ck_assert_int_eq(read_part(0, recs, 4), 1);
	ck_assert_str_eq(recs[0].key, "dev-1");
	ck_assert_str_eq(recs[0].value, "{\"temp\":21}");
	ck_assert_str_eq(recs[0].hdrs,
			 "Alert=a10b5374726f6e672057696e64;Count=710000000c;Flag=41;" EVHDR_SRC
			 "=68747470;message-id=6d31;");
}
END_TEST

START_TEST(publisher_route)
{
	rec_t recs[4];
	int32_t p = hub_pick_partition(eh1, slice_from_cstr("dev-01"));

	ck_assert_int_eq(post("/eh1/publishers/dev-01/messages", "", "hi", 2), 201);
	ck_assert_int_eq(read_part(p, recs, 4), 1);
	ck_assert_str_eq(recs[0].key, "dev-01");
	ck_assert_ptr_nonnull(strstr(recs[0].hdrs, EVHDR_PUBLISHER "=6465762d3031;"));
	ck_assert_int_eq(post("/eh1/publishers/dev-01/messages",
			      "BrokerProperties: {\"PartitionKey\":\"other\"}\r\n", "hi", 2),
			 400);
	ck_assert_str_eq(body_of(resp), "PartitionKey 'other' does not match publisher 'dev-01'\n");
}
END_TEST

START_TEST(not_found)
{
	ck_assert_int_eq(post_batch("/nope/messages", "[{\"Body\":\"a\"}]"), 404);
	ck_assert_str_eq(body_of(resp), "event hub 'nope' not found\n");
	ck_assert_ptr_nonnull(strstr(resp, "Content-Type: text/plain"));
	ck_assert_int_eq(post_batch("/eh1/partitions/4/messages", "[{\"Body\":\"a\"}]"), 404);
	ck_assert_str_eq(body_of(resp), "partition '4' not found in event hub 'eh1'\n");
	ck_assert_int_eq(post_batch("/eh1/partitions/x/messages", "[{\"Body\":\"a\"}]"), 404);
	ck_assert_str_eq(body_of(resp), "partition 'x' not found in event hub 'eh1'\n");
	ck_assert_int_eq(post_batch("/eh1/other", "[{\"Body\":\"a\"}]"), 404);
	ck_assert_str_eq(body_of(resp), "no such resource '/eh1/other'\n");
	ck_assert_int_eq(total_stored(), 0);
}
END_TEST

START_TEST(wrong_method)
{
	int fd = dial();
	const char *req = "GET /eh1/messages HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";

	send_all(fd, req, strlen(req));
	ck_assert_int_eq(read_answer(fd, resp, sizeof(resp)), 405);
	close(fd);
	ck_assert_ptr_nonnull(strstr(resp, "Allow: POST"));
	ck_assert_str_eq(body_of(resp), "method GET is not allowed; use POST\n");
}
END_TEST

START_TEST(bad_json)
{
	ck_assert_int_eq(post_batch("/eh1/messages", "[{\"Body\":\"a\"},\n{\"Body\": tru}]"), 400);
	ck_assert_ptr_nonnull(strstr(body_of(resp), "invalid JSON at line 2, column"));
	ck_assert_int_eq(post_batch("/eh1/messages", "{\"Body\":\"a\"}"), 400);
	ck_assert_str_eq(body_of(resp), "a batch must be a JSON array of events\n");
	ck_assert_int_eq(post_batch("/eh1/messages", "[]"), 400);
	ck_assert_str_eq(body_of(resp), "the batch is empty\n");
	/* one bad event refuses the whole batch: nothing stored */
	ck_assert_int_eq(post_batch("/eh1/messages", "[{\"Body\":\"a\"},{\"Body\":1}]"), 400);
	ck_assert_str_eq(body_of(resp), "events[1].Body must be a string\n");
	ck_assert_int_eq(post("/eh1/messages", "BrokerProperties: {oops}\r\n", "x", 1), 400);
	ck_assert_ptr_nonnull(strstr(body_of(resp), "BrokerProperties header is not valid JSON"));
	ck_assert_int_eq(total_stored(), 0);
}
END_TEST

START_TEST(too_large_by_length)
{
	int fd = dial();
	const char *head = "POST /eh1/messages HTTP/1.1\r\nHost: x\r\nContent-Length: 1048577\r\n"
			   "Expect: 100-continue\r\n\r\n";

	/* refused from the header alone: no 100 Continue, no body read */
	send_all(fd, head, strlen(head));
	ck_assert_int_eq(read_answer(fd, resp, sizeof(resp)), 413);
	close(fd);
	ck_assert_str_eq(body_of(resp),
			 "request body of 1048577 bytes is over the limit of 1048576 bytes\n");
}
END_TEST

START_TEST(limit_exactly)
{
	size_t n = 1048576;
	char *big = malloc(n);

	memset(big, 'x', n);
	/* exactly the body limit is accepted; the stored batch's record overhead does not count */
	ck_assert_int_eq(post("/eh1/messages", "", big, n), 201);
	ck_assert_int_eq(total_stored(), 1);
	free(big);
}
END_TEST

START_TEST(too_large_chunked)
{
	int fd = dial();
	const char *head = "POST /eh1/messages HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
			   "Transfer-Encoding: chunked\r\n\r\n";
	char chunk[70000];
	int hl;

	send_all(fd, head, strlen(head));
	hl = snprintf(chunk, sizeof(chunk), "%x\r\n", 65536);
	memset(chunk + hl, 'y', 65536);
	memcpy(chunk + hl + 65536, "\r\n", 2);
	for (int i = 0; i < 17; i++)
		send_all(fd, chunk, (size_t)hl + 65538);
	send_all(fd, "0\r\n\r\n", 5);
	ck_assert_int_eq(read_answer(fd, resp, sizeof(resp)), 413);
	close(fd);
	ck_assert_str_eq(body_of(resp), "request body is over the limit of 1048576 bytes\n");
	ck_assert_int_eq(total_stored(), 0);
}
END_TEST

START_TEST(chunked_ok)
{
	int fd = dial();
	const char *req =
		"POST /eh1/partitions/1/messages HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
		"Content-Type: application/vnd.microsoft.servicebus.json\r\n"
		"Transfer-Encoding: chunked\r\n\r\n"
		"5\r\n[{\"Bo\r\n"
		"d\r\ndy\":\"chunks\"}\r\n"
		"1\r\n]\r\n0\r\n\r\n";
	rec_t recs[2];

	send_all(fd, req, strlen(req));
	ck_assert_int_eq(read_answer(fd, resp, sizeof(resp)), 201);
	close(fd);
	ck_assert_int_eq(read_part(1, recs, 2), 1);
	ck_assert_str_eq(recs[0].value, "chunks");
}
END_TEST

START_TEST(keep_alive_pipelined)
{
	int fd = dial();
	const char *one =
		"POST /eh1/partitions/3/messages HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n"
		"\r\none";
	const char *two =
		"POST /eh1/partitions/3/messages HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n"
		"Connection: close\r\n\r\ntwo";
	char both[512];
	rec_t recs[4];

	snprintf(both, sizeof(both), "%s%s", one, two);
	send_all(fd, both, strlen(both));
	read_answer(fd, resp, sizeof(resp));
	close(fd);
	ck_assert_ptr_nonnull(strstr(resp, "201 Created"));
	ck_assert_ptr_nonnull(strstr(strstr(resp, "201 Created") + 1, "201 Created"));
	ck_assert_int_eq(read_part(3, recs, 4), 2);
	ck_assert_str_eq(recs[0].value, "one");
	ck_assert_str_eq(recs[1].value, "two");
}
END_TEST

START_TEST(client_gone_while_appending)
{
	/* the client closes right after sending: the append completes with nobody to answer */
	for (int i = 0; i < 20; i++) {
		int fd = dial();
		const char *req = "POST /eh1/partitions/0/messages HTTP/1.1\r\nHost: x\r\n"
				  "Content-Length: 4\r\n\r\ngone";

		send_all(fd, req, strlen(req));
		close(fd);
	}
	/* a later request on a fresh connection is still served */
	ck_assert_int_eq(post("/eh1/partitions/1/messages", "", "ok", 2), 201);
	/* stop right away: teardown's stop must not crash on pending or resumed requests */
}
END_TEST

START_TEST(stop_with_idle_connection)
{
	int fd = dial();
	const char *req = "POST /eh1/messages HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nhi";
	char buf[1024];
	struct pollfd pfd = {fd, POLLIN, 0};

	send_all(fd, req, strlen(req));
	ck_assert_int_eq(poll(&pfd, 1, 10000), 1);
	ck_assert_int_gt(recv(fd, buf, sizeof(buf), 0), 0);
	ck_assert_ptr_nonnull(strstr(buf, "201"));
	/* the keep-alive connection stays open across the stop in teardown */
	stop();
	start(0);
	close(fd);
	ck_assert_int_eq(total_stored(), 1);
}
END_TEST

START_TEST(small_body_limit)
{
	stop();
	start(16);
	ck_assert_int_eq(post("/eh1/messages", "", "0123456789abcdef", 16), 201);
	ck_assert_int_eq(post("/eh1/messages", "", "0123456789abcdefg", 17), 413);
	ck_assert_str_eq(body_of(resp), "request body of 17 bytes is over the limit of 16 bytes\n");
}
END_TEST

/* ---- authorization ---- */

static const auth_policy_spec_t policies[] = {
	{AUTH_ROOT_POLICY, "root-key", NULL, AUTH_MANAGE},
	{"listener", "listen-key", NULL, AUTH_LISTEN},
	{"eh1-sender", "eh1-key", "eh1", AUTH_SEND},
};

static void setup_auth(void)
{
	ck_assert_int_eq(auth_open(policies, sizeof(policies) / sizeof(policies[0]), &auth),
			 TRIB_OK);
	setup();
}

static void teardown_auth(void)
{
	teardown();
	auth_close(&auth);
}

/* encodeURIComponent, as the JS SDK encodes sr and sig. */
static void uri_encode(const char *in, char *out, size_t cap)
{
	size_t o = 0;

	for (; *in && o + 4 < cap; in++) {
		unsigned char c = (unsigned char)*in;

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    strchr("-_.!~*'()", c))
			out[o++] = (char)c;
		else
			o += (size_t)snprintf(out + o, cap - o, "%%%02X", c);
	}
	out[o] = '\0';
}

/* "Authorization: SharedAccessSignature ...\r\n" for @p uri, expiring @p ttl s from now. */
static const char *auth_header(const char *key, const char *skn, const char *uri, long ttl)
{
	static char hdr[2048];
	char sr[512], msg[600], b64[64], sig[128];
	unsigned char mac[32];
	unsigned mac_len = 0;
	long long se = (long long)time(NULL) + ttl;

	uri_encode(uri, sr, sizeof(sr));
	snprintf(msg, sizeof(msg), "%s\n%lld", sr, se);
	HMAC(EVP_sha256(), key, (int)strlen(key), (const unsigned char *)msg, strlen(msg), mac,
	     &mac_len);
	EVP_EncodeBlock((unsigned char *)b64, mac, (int)mac_len);
	uri_encode(b64, sig, sizeof(sig));
	ck_assert_int_lt(snprintf(hdr, sizeof(hdr),
				  "Authorization: SharedAccessSignature sr=%s&sig=%s&se=%lld&skn=%s\r\n",
				  sr, sig, se, skn),
			 (int)sizeof(hdr));
	return hdr;
}

static int post_as(const char *path, const char *hdr)
{
	static const char body[] = "{\"x\":1}";

	return post(path, hdr, body, sizeof(body) - 1);
}

START_TEST(auth_missing_or_bad)
{
	const char *root = "sb://127.0.0.1/";

	ck_assert_int_eq(post_as("/eh1/messages", ""), 401);
	ck_assert_ptr_nonnull(strstr(body_of(resp), "Authorization: SharedAccessSignature"));
	ck_assert_int_eq(post_as("/eh1/messages", "Authorization: Bearer abc\r\n"), 401);
	ck_assert_ptr_nonnull(strstr(body_of(resp), "not a SharedAccessSignature token"));
	ck_assert_int_eq(post_as("/eh1/messages", auth_header("wrong", AUTH_ROOT_POLICY, root, 3600)),
			 401);
	ck_assert_ptr_nonnull(strstr(body_of(resp), "signature does not match"));
	ck_assert_int_eq(post_as("/eh1/messages",
				 auth_header("root-key", AUTH_ROOT_POLICY, root,
					     -AUTH_CLOCK_SKEW_S - 60)),
			 401);
	ck_assert_ptr_nonnull(strstr(body_of(resp), "expired"));
	ck_assert_int_eq(post_as("/eh1/messages", auth_header("root-key", "nobody", root, 3600)), 401);
	ck_assert_ptr_nonnull(strstr(body_of(resp), "unknown policy"));
	/* the hub is not revealed before the token is checked */
	ck_assert_int_eq(post_as("/nohub/messages", ""), 401);
	ck_assert_int_eq(total_stored(), 0);
}
END_TEST

START_TEST(auth_rights_and_scope)
{
	/* Listen only */
	ck_assert_int_eq(post_as("/eh1/messages",
				 auth_header("listen-key", "listener", "sb://h/eh1", 3600)),
			 401);
	ck_assert_ptr_nonnull(strstr(body_of(resp), "does not grant Send"));
	/* a token for eh10 is not one for eh1 */
	ck_assert_int_eq(post_as("/eh1/messages",
				 auth_header("root-key", AUTH_ROOT_POLICY, "sb://h/eh10", 3600)),
			 401);
	/* a hub-scoped policy outside its hub */
	ck_assert_int_eq(post_as("/eh1/messages",
				 auth_header("eh1-key", "eh1-sender", "sb://h/", 3600)),
			 401);
	ck_assert_ptr_nonnull(strstr(body_of(resp), "outside the policy's scope"));
	/* a publisher token: its publisher only */
	ck_assert_int_eq(post_as("/eh1/messages", auth_header("eh1-key", "eh1-sender",
							      "sb://h/eh1/publishers/dev-1", 3600)),
			 401);
	ck_assert_int_eq(post_as("/eh1/publishers/dev-2/messages",
				 auth_header("eh1-key", "eh1-sender", "sb://h/eh1/publishers/dev-1",
					     3600)),
			 401);
	ck_assert_int_eq(total_stored(), 0);
}
END_TEST

START_TEST(auth_granted)
{
	/* namespace token, any spelling of the resource */
	ck_assert_int_eq(post_as("/eh1/messages",
				 auth_header("root-key", AUTH_ROOT_POLICY, "sb://127.0.0.1:8080/", 3600)),
			 201);
	ck_assert_int_eq(post_as("/eh1/messages",
				 auth_header("root-key", AUTH_ROOT_POLICY, "https://h/Eh1/", 3600)),
			 201);
	/* a hub token covers its partitions and publishers */
	ck_assert_int_eq(post_as("/eh1/partitions/1/messages",
				 auth_header("eh1-key", "eh1-sender", "sb://h/eh1", 3600)),
			 201);
	ck_assert_int_eq(post_as("/eh1/publishers/dev-1/messages",
				 auth_header("eh1-key", "eh1-sender", "sb://h/eh1", 3600)),
			 201);
	ck_assert_int_eq(post_as("/eh1/publishers/dev-1/messages",
				 auth_header("eh1-key", "eh1-sender", "sb://h/eh1/Publishers/dev-1",
					     3600)),
			 201);
	/* expired, but within the clock skew */
	ck_assert_int_eq(post_as("/eh1/messages",
				 auth_header("root-key", AUTH_ROOT_POLICY, "sb://h/eh1",
					     -AUTH_CLOCK_SKEW_S + 30)),
			 201);
	/* authorised, then the usual answers */
	ck_assert_int_eq(post_as("/nohub/messages",
				 auth_header("root-key", AUTH_ROOT_POLICY, "sb://h/", 3600)),
			 404);
	ck_assert_int_eq(total_stored(), 6);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("http_server");
	TCase *t;

	t = tcase_create("send");
	tcase_add_checked_fixture(t, setup, teardown);
	tcase_set_timeout(t, 60);
	tcase_add_test(t, batch_created_and_stored);
	tcase_add_test(t, batch_keys_spread);
	tcase_add_test(t, partition_route_keeps_key);
	tcase_add_test(t, single_event_typed_headers);
	tcase_add_test(t, publisher_route);
	tcase_add_test(t, chunked_ok);
	tcase_add_test(t, keep_alive_pipelined);
	suite_add_tcase(s, t);
	t = tcase_create("errors");
	tcase_add_checked_fixture(t, setup, teardown);
	tcase_set_timeout(t, 60);
	tcase_add_test(t, not_found);
	tcase_add_test(t, wrong_method);
	tcase_add_test(t, bad_json);
	tcase_add_test(t, too_large_by_length);
	tcase_add_test(t, too_large_chunked);
	tcase_add_test(t, limit_exactly);
	tcase_add_test(t, small_body_limit);
	suite_add_tcase(s, t);
	t = tcase_create("lifecycle");
	tcase_add_checked_fixture(t, setup, teardown);
	tcase_set_timeout(t, 60);
	tcase_add_test(t, client_gone_while_appending);
	tcase_add_test(t, stop_with_idle_connection);
	suite_add_tcase(s, t);
	t = tcase_create("auth");
	tcase_add_checked_fixture(t, setup_auth, teardown_auth);
	tcase_set_timeout(t, 60);
	tcase_add_test(t, auth_missing_or_bad);
	tcase_add_test(t, auth_rights_and_scope);
	tcase_add_test(t, auth_granted);
	suite_add_tcase(s, t);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
