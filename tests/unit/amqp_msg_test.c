/*
 * amqp_msg: messages made by Proton's pn_message_encode are split into
 * sections and mapped to records as lib/evhdr.h says; batches unpack into
 * one record per data section; a malformed inner message rejects the
 * whole batch; records encode to messages pn_message_decode reads back.
 */
#include "amqp_msg.h"

#include <check.h>
#include <proton/codec.h>
#include <proton/message.h>
#include <stdio.h>
#include <string.h>

#include "evhdr.h"
#include "mem.h"

#define BUF 8192

static void put_sym(pn_data_t *d, const char *s)
{
	pn_data_put_symbol(d, pn_bytes(strlen(s), s));
}

static void put_str(pn_data_t *d, const char *s)
{
	pn_data_put_string(d, pn_bytes(strlen(s), s));
}

/* A message with every section Proton can write; body = data "payload-N". */
static pn_message_t *full_message(int n, const char *pkey)
{
	pn_message_t *m = pn_message();
	pn_data_t *d;
	char body[32];
	pn_atom_t id = {.type = PN_ULONG, .u.as_ulong = 1000 + (uint64_t)n};
	pn_atom_t cid = {.type = PN_STRING, .u.as_bytes = pn_bytes(4, "corr")};

	pn_message_set_durable(m, true);
	pn_message_set_priority(m, 7);
	pn_message_set_id(m, id);
	pn_message_set_user_id(m, pn_bytes(5, "alice"));
	pn_message_set_address(m, "eh1");
	pn_message_set_subject(m, "subj");
	pn_message_set_reply_to(m, "back");
	pn_message_set_correlation_id(m, cid);
	pn_message_set_content_type(m, "application/json");
	pn_message_set_content_encoding(m, "utf-8");
	pn_message_set_creation_time(m, 1700000000123);
	pn_message_set_group_id(m, "grp");

	d = pn_message_instructions(m);
	pn_data_put_map(d);
	pn_data_enter(d);
	put_sym(d, "x-da");
	pn_data_put_int(d, 1);
	pn_data_exit(d);

	d = pn_message_annotations(m);
	pn_data_put_map(d);
	pn_data_enter(d);
	if (pkey) {
		put_sym(d, "x-opt-partition-key");
		put_str(d, pkey);
	}
	put_sym(d, "x-custom");
	put_str(d, "kept");
	put_sym(d, "x-opt-sequence-number");
	pn_data_put_long(d, 99);
	pn_data_exit(d);

	d = pn_message_properties(m);
	pn_data_put_map(d);
	pn_data_enter(d);
	put_str(d, "s");
	put_str(d, "hello");
	put_str(d, "i");
	pn_data_put_int(d, 1234);
	put_str(d, "b");
	pn_data_put_bool(d, true);
	put_str(d, "bin");
	pn_data_put_binary(d, pn_bytes(2, "\x01\x02"));
	pn_data_exit(d);

	snprintf(body, sizeof(body), "payload-%d", n);
	pn_message_set_inferred(m, true);
	pn_data_put_binary(pn_message_body(m), pn_bytes(strlen(body), body));
	return m;
}

static size_t encode(pn_message_t *m, char *buf)
{
	size_t n = BUF;

	ck_assert_int_eq(pn_message_encode(m, buf, &n), 0);
	return n;
}

START_TEST(decode_sections)
{
	char buf[BUF];
	pn_message_t *pm = full_message(1, "key-1");
	size_t n = encode(pm, buf);
	amqp_msg_t m;

	ck_assert_int_eq(amqp_msg_decode((uint8_t *)buf, n, &m), TRIB_OK);
	ck_assert_ptr_nonnull(m.header.ptr);
	ck_assert_ptr_nonnull(m.delivery_annotations.ptr);
	ck_assert_ptr_nonnull(m.message_annotations.ptr);
	ck_assert_ptr_nonnull(m.properties.ptr);
	ck_assert_ptr_nonnull(m.application_properties.ptr);
	ck_assert_int_eq(m.body_kind, AMQP_BODY_DATA);
	ck_assert_uint_eq(m.body_sections, 1);
	ck_assert(slice_eq_cstr(m.data, "payload-1", false));
	ck_assert(slice_eq_cstr(m.partition_key, "key-1", false));
	ck_assert_uint_eq(m.app_props.count, 8);
	/* sections are contiguous and cover the message */
	ck_assert_ptr_eq(m.header.ptr, (uint8_t *)buf);
	ck_assert_ptr_eq(m.body.ptr + m.body.len, (uint8_t *)buf + n);
	pn_message_free(pm);
}
END_TEST

START_TEST(decode_rejects)
{
	char buf[BUF];
	pn_message_t *pm = full_message(1, NULL);
	size_t n = encode(pm, buf);
	amqp_msg_t m;
	static const uint8_t out_of_order[] = {0x00, 0x53, 0x75, 0xa0, 0x01, 'x',
					       0x00, 0x53, 0x70, 0x45};
	static const uint8_t two_values[] = {0x00, 0x53, 0x77, 0x40, 0x00, 0x53, 0x77, 0x40};
	static const uint8_t data_not_binary[] = {0x00, 0x53, 0x75, 0xa1, 0x01, 'x'};
	static const uint8_t not_section[] = {0xa0, 0x01, 'x'};
	static const uint8_t int_key[] = {0x00, 0x53, 0x74, 0xc1, 0x04, 0x02, 0x54, 0x01, 0x40};
	static const uint8_t value_ok[] = {0x00, 0xa3, 0x11, 'a', 'm', 'q', 'p', ':', 'a', 'm', 'q',
					   'p', '-', 'v', 'a', 'l', 'u', 'e', ':', '*', 0x40};

	ck_assert_int_eq(amqp_msg_decode((uint8_t *)buf, n - 1, &m), TRIB_ERR_INVALID);
	ck_assert_int_eq(amqp_msg_decode((uint8_t *)buf, 0, &m), TRIB_ERR_INVALID);
	ck_assert_int_eq(amqp_msg_decode(out_of_order, sizeof(out_of_order), &m), TRIB_ERR_INVALID);
	ck_assert_int_eq(amqp_msg_decode(two_values, sizeof(two_values), &m), TRIB_ERR_INVALID);
	ck_assert_int_eq(amqp_msg_decode(data_not_binary, sizeof(data_not_binary), &m),
			 TRIB_ERR_INVALID);
	ck_assert_int_eq(amqp_msg_decode(not_section, sizeof(not_section), &m), TRIB_ERR_INVALID);
	ck_assert_int_eq(amqp_msg_decode(int_key, sizeof(int_key), &m), TRIB_ERR_INVALID);
	/* the symbolic descriptor form is a section too */
	ck_assert_int_eq(amqp_msg_decode(value_ok, sizeof(value_ok), &m), TRIB_OK);
	ck_assert_int_eq(m.body_kind, AMQP_BODY_VALUE);
	pn_message_free(pm);
}
END_TEST

/* Finishes @p b and returns the batch; the caller frees it. */
static uint8_t *finish(rb_builder_t *b, size_t *len, int64_t base_offset)
{
	uint8_t *out;

	ck_assert_int_eq(rb_builder_finish(b, &out, len), TRIB_OK);
	rb_set_base_offset(out, base_offset);
	return out;
}

/* Finishes the one batch of @p o and frees the set; the caller frees the batch. */
static uint8_t *finish_out(amqp_msg_out_t *o, size_t *len, int64_t base_offset)
{
	uint8_t *out;

	ck_assert_uint_eq(o->n, 1);
	out = finish(&o->batches[0], len, base_offset);
	amqp_msg_out_free(o);
	return out;
}

static bool header_value(const rb_record_t *r, const char *name, trib_slice_t *v)
{
	wire_rd_t rd;
	trib_slice_t n;

	wire_rd_init(&rd, r->headers.ptr, r->headers.len);
	while (rb_headers_next(&rd, &n, v)) {
		if (slice_eq_cstr(n, name, false))
			return true;
	}
	return false;
}

START_TEST(single_to_record)
{
	char buf[BUF];
	pn_message_t *pm = full_message(1, "key-1");
	size_t n = encode(pm, buf), len;
	amqp_msg_out_t o;
	trib_slice_t key, v;
	int32_t count;
	uint8_t *batch;
	rb_iter_t it;
	rb_record_t r;
	static const uint8_t int_1234[] = {0x71, 0, 0, 4, 0xd2};

	amqp_msg_out_init(&o, 0, 5000);
	ck_assert_int_eq(amqp_msg_add_delivery(&o, (uint8_t *)buf, n, 0, TRIB_SLICE_NULL, &key,
					       &count),
			 TRIB_OK);
	ck_assert_int_eq(count, 1);
	ck_assert(slice_eq_cstr(key, "key-1", false));
	batch = finish_out(&o, &len, 0);
	ck_assert_int_eq(rb_iter_init(&it, batch, len), TRIB_OK);
	ck_assert_int_eq(rb_iter_next(&it, &r), 1);
	ck_assert(slice_eq_cstr(r.key, "key-1", false));
	ck_assert(slice_eq_cstr(r.value, "payload-1", false));
	ck_assert(header_value(&r, "s", &v));
	ck_assert_uint_eq(v.len, 7);
	ck_assert(memcmp(v.ptr, "\xa1\x05hello", 7) == 0);
	ck_assert(header_value(&r, "i", &v));
	ck_assert(v.len == sizeof(int_1234) && memcmp(v.ptr, int_1234, v.len) == 0);
	ck_assert(header_value(&r, EVHDR_SRC, &v) && slice_eq_cstr(v, "amqp", false));
	ck_assert(header_value(&r, EVHDR_PROPS, &v));
	ck_assert(header_value(&r, "message-id", &v) && slice_eq_cstr(v, "1001", false));
	ck_assert(header_value(&r, "user-id", &v) && slice_eq_cstr(v, "alice", false));
	ck_assert(header_value(&r, "to", &v) && slice_eq_cstr(v, "eh1", false));
	ck_assert(header_value(&r, "correlation-id", &v) && slice_eq_cstr(v, "corr", false));
	ck_assert(header_value(&r, "content-type", &v) &&
		  slice_eq_cstr(v, "application/json", false));
	ck_assert(header_value(&r, "creation-time", &v) &&
		  slice_eq_cstr(v, "1700000000123", false));
	ck_assert(header_value(&r, EVHDR_ANNOTATIONS, &v)); /* x-custom survives */
	ck_assert(!header_value(&r, EVHDR_BODY, &v));
	ck_assert(!header_value(&r, "group-id", &v));
	mem_free(batch);
	pn_message_free(pm);
}
END_TEST

/* An envelope whose body is one data section per encoded inner message. */
static size_t envelope(uint8_t *out, const char *pkey, char inner[][BUF], const size_t *lens,
		       int n)
{
	wire_wr_t wr, m;
	const char *k = "x-opt-partition-key";

	wire_wr_init(&wr, out, 4 * BUF);
	if (pkey) {
		wire_wr_init(&m, NULL, 0);
		amqpv_wr_symbol(&m, slice_from_cstr(k));
		amqpv_wr_string(&m, slice_from_cstr(pkey));
		amqpv_wr_descriptor(&wr, AMQP_SEC_MESSAGE_ANNOTATIONS);
		amqpv_wr_map_header(&wr, m.pos, 2);
		amqpv_wr_symbol(&wr, slice_from_cstr(k));
		amqpv_wr_string(&wr, slice_from_cstr(pkey));
	}
	for (int i = 0; i < n; i++) {
		amqpv_wr_descriptor(&wr, AMQP_SEC_DATA);
		amqpv_wr_binary(&wr, (trib_slice_t){(const uint8_t *)inner[i], lens[i]});
	}
	ck_assert(wire_wr_fits(&wr));
	return wr.pos;
}

START_TEST(batch_of_three)
{
	static char inner[3][BUF];
	static uint8_t env[4 * BUF];
	size_t lens[3], n, len;
	amqp_msg_out_t o;
	trib_slice_t key;
	int32_t count;
	uint8_t *batch;
	rb_iter_t it;
	rb_record_t r;

	for (int i = 0; i < 3; i++) {
		pn_message_t *pm = full_message(i, "pk");

		lens[i] = encode(pm, inner[i]);
		pn_message_free(pm);
	}
	n = envelope(env, "pk", inner, lens, 3);
	amqp_msg_out_init(&o, 0, 1);
	ck_assert_int_eq(amqp_msg_add_delivery(&o, env, n, AMQP_MSG_FORMAT_BATCH, TRIB_SLICE_NULL,
					       &key, &count),
			 TRIB_OK);
	ck_assert_int_eq(count, 3);
	ck_assert(slice_eq_cstr(key, "pk", false));
	batch = finish_out(&o, &len, 40);
	ck_assert_int_eq(rb_iter_init(&it, batch, len), TRIB_OK);
	for (int i = 0; i < 3; i++) {
		char want[32];

		snprintf(want, sizeof(want), "payload-%d", i);
		ck_assert_int_eq(rb_iter_next(&it, &r), 1);
		ck_assert_int_eq(r.offset, 40 + i);
		ck_assert(slice_eq_cstr(r.value, want, false));
		ck_assert(slice_eq_cstr(r.key, "pk", false));
	}
	ck_assert_int_eq(rb_iter_next(&it, &r), 0);
	mem_free(batch);

	/* the same bytes as a plain message: one event holding the envelope's body */
	amqp_msg_out_init(&o, 0, 1);
	ck_assert_int_eq(amqp_msg_add_delivery(&o, env, n, 0, TRIB_SLICE_NULL, &key, &count),
			 TRIB_OK);
	ck_assert_int_eq(count, 1);
	amqp_msg_out_free(&o);

	/* a batch limit below three records: one record per batch, offsets in order */
	amqp_msg_out_init(&o, RB_HEADER_SIZE + 400, 1);
	ck_assert_int_eq(amqp_msg_add_delivery(&o, env, n, AMQP_MSG_FORMAT_BATCH, TRIB_SLICE_NULL,
					       &key, &count),
			 TRIB_OK);
	ck_assert_int_eq(count, 3);
	ck_assert_uint_eq(o.n, 3);
	for (size_t i = 0; i < o.n; i++) {
		ck_assert_int_eq(o.batches[i].count, 1);
		batch = finish(&o.batches[i], &len, (int64_t)i);
		ck_assert_uint_le(len, RB_HEADER_SIZE + 400);
		mem_free(batch);
	}
	amqp_msg_out_free(&o);
}
END_TEST

START_TEST(malformed_batch_adds_nothing)
{
	static char inner[3][BUF];
	static uint8_t env[4 * BUF];
	size_t lens[3], n;
	amqp_msg_out_t o;
	trib_slice_t key;
	int32_t count;
	static const uint8_t value_only[] = {0x00, 0x53, 0x77, 0xa1, 0x01, 'v'};

	for (int i = 0; i < 3; i++) {
		pn_message_t *pm = full_message(i, NULL);

		lens[i] = encode(pm, inner[i]);
		pn_message_free(pm);
	}
	lens[2] -= 1; /* the last message loses its final byte: its body no longer parses */
	n = envelope(env, NULL, inner, lens, 3);
	amqp_msg_out_init(&o, 0, 1);
	ck_assert_int_eq(amqp_msg_add_delivery(&o, env, n, AMQP_MSG_FORMAT_BATCH, TRIB_SLICE_NULL,
					       &key, &count),
			 TRIB_ERR_INVALID);
	ck_assert_int_eq(count, 0);
	ck_assert_uint_eq(o.n, 0);
	/* a batch whose body is not data sections */
	ck_assert_int_eq(amqp_msg_add_delivery(&o, value_only, sizeof(value_only),
					       AMQP_MSG_FORMAT_BATCH, TRIB_SLICE_NULL, &key, &count),
			 TRIB_ERR_INVALID);
	ck_assert_uint_eq(o.n, 0);
	amqp_msg_out_free(&o);
}
END_TEST

/* Encodes the first record of @p batch for delivery and decodes it with Proton. */
static pn_message_t *deliver(const uint8_t *batch, size_t len)
{
	rb_iter_t it;
	rb_record_t r;
	wire_wr_t wr;
	size_t need;
	uint8_t *out;
	pn_message_t *pm = pn_message();

	ck_assert_int_eq(rb_iter_init(&it, batch, len), TRIB_OK);
	ck_assert_int_eq(rb_iter_next(&it, &r), 1);
	wire_wr_init(&wr, NULL, 0);
	need = amqp_msg_encode_record(&r, &wr);
	out = mem_alloc(MEM_AMQP, need);
	wire_wr_init(&wr, out, need);
	ck_assert_uint_eq(amqp_msg_encode_record(&r, &wr), need);
	ck_assert(wire_wr_fits(&wr));
	ck_assert_int_eq(pn_message_decode(pm, (const char *)out, need), 0);
	mem_free(out);
	return pm;
}

/* Positions @p d at the value for symbol or string key @p key in the map at the cursor. */
static bool map_find(pn_data_t *d, const char *key)
{
	size_t n;

	pn_data_rewind(d);
	if (!pn_data_next(d) || pn_data_type(d) != PN_MAP)
		return false;
	n = pn_data_get_map(d);
	pn_data_enter(d);
	for (size_t i = 0; i < n / 2; i++) {
		pn_bytes_t k;

		pn_data_next(d);
		k = pn_data_type(d) == PN_SYMBOL ? pn_data_get_symbol(d) : pn_data_get_string(d);
		pn_data_next(d);
		if (k.size == strlen(key) && memcmp(k.start, key, k.size) == 0)
			return true;
	}
	return false;
}

START_TEST(amqp_record_roundtrip)
{
	char buf[BUF];
	pn_message_t *pm = full_message(4, "key-4"), *out;
	size_t n = encode(pm, buf), len;
	amqp_msg_out_t o;
	trib_slice_t key;
	int32_t count;
	uint8_t *batch;
	pn_data_t *d;
	pn_atom_t id;
	pn_bytes_t s;

	amqp_msg_out_init(&o, 0, 1700000009999);
	ck_assert_int_eq(amqp_msg_add_delivery(&o, (uint8_t *)buf, n, 0, TRIB_SLICE_NULL, &key,
					       &count),
			 TRIB_OK);
	batch = finish_out(&o, &len, 77);
	out = deliver(batch, len);

	d = pn_message_annotations(out);
	ck_assert(map_find(d, "x-opt-sequence-number"));
	ck_assert_int_eq(pn_data_type(d), PN_LONG);
	ck_assert_int_eq(pn_data_get_long(d), 77);
	ck_assert(map_find(d, "x-opt-offset"));
	s = pn_data_get_string(d);
	ck_assert(s.size == 2 && memcmp(s.start, "77", 2) == 0);
	ck_assert(map_find(d, "x-opt-enqueued-time"));
	ck_assert_int_eq(pn_data_type(d), PN_TIMESTAMP);
	ck_assert_int_eq(pn_data_get_timestamp(d), 1700000009999);
	ck_assert(map_find(d, "x-opt-partition-key"));
	s = pn_data_get_string(d);
	ck_assert(s.size == 5 && memcmp(s.start, "key-4", 5) == 0);
	ck_assert(map_find(d, "x-custom"));
	ck_assert(!map_find(d, "x-opt-kafka-key"));

	id = pn_message_get_id(out);
	ck_assert_int_eq(id.type, PN_ULONG);
	ck_assert_int_eq(id.u.as_ulong, 1004);
	ck_assert_str_eq(pn_message_get_subject(out), "subj");
	ck_assert_str_eq(pn_message_get_content_type(out), "application/json");
	ck_assert_int_eq(pn_message_get_creation_time(out), 1700000000123);
	ck_assert_str_eq(pn_message_get_group_id(out), "grp");

	d = pn_message_properties(out);
	ck_assert(map_find(d, "i"));
	ck_assert_int_eq(pn_data_type(d), PN_INT);
	ck_assert_int_eq(pn_data_get_int(d), 1234);
	ck_assert(map_find(d, "b"));
	ck_assert_int_eq(pn_data_type(d), PN_BOOL);
	ck_assert(map_find(d, "bin"));
	ck_assert_int_eq(pn_data_type(d), PN_BINARY);
	ck_assert(!map_find(d, EVHDR_SRC));
	ck_assert(!map_find(d, "message-id"));

	d = pn_message_body(out);
	pn_data_rewind(d);
	ck_assert(pn_data_next(d));
	ck_assert_int_eq(pn_data_type(d), PN_BINARY);
	s = pn_data_get_binary(d);
	ck_assert(s.size == 9 && memcmp(s.start, "payload-4", 9) == 0);
	ck_assert(pn_message_is_inferred(out)); /* a data section, not an amqp-value */

	pn_message_free(out);
	pn_message_free(pm);
	mem_free(batch);
}
END_TEST

START_TEST(value_body_roundtrip)
{
	char buf[BUF];
	pn_message_t *pm = pn_message(), *out;
	size_t n, len;
	amqp_msg_out_t o;
	trib_slice_t key, v;
	int32_t count;
	uint8_t *batch;
	rb_iter_t it;
	rb_record_t r;
	pn_data_t *d;
	pn_bytes_t s;

	put_str(pn_message_body(pm), "just text");
	n = encode(pm, buf);
	amqp_msg_out_init(&o, 0, 1);
	ck_assert_int_eq(amqp_msg_add_delivery(&o, (uint8_t *)buf, n, 0, TRIB_SLICE_NULL, &key,
					       &count),
			 TRIB_OK);
	batch = finish_out(&o, &len, 0);
	ck_assert_int_eq(rb_iter_init(&it, batch, len), TRIB_OK);
	ck_assert_int_eq(rb_iter_next(&it, &r), 1);
	ck_assert(slice_eq_cstr(r.value, "just text", false));
	ck_assert_ptr_null(r.key.ptr);
	ck_assert(header_value(&r, EVHDR_BODY, &v));
	out = deliver(batch, len);
	d = pn_message_body(out);
	pn_data_rewind(d);
	ck_assert(pn_data_next(d));
	ck_assert_int_eq(pn_data_type(d), PN_STRING);
	s = pn_data_get_string(d);
	ck_assert(s.size == 9 && memcmp(s.start, "just text", 9) == 0);
	ck_assert(!map_find(pn_message_annotations(out), "x-opt-partition-key"));
	pn_message_free(out);
	pn_message_free(pm);
	mem_free(batch);
}
END_TEST

START_TEST(kafka_record_roundtrip)
{
	rb_builder_t b;
	rb_kv_t h[2] = {{slice_from_cstr("trace"), slice_from_cstr("\x00\x01")},
			{slice_from_cstr("n"), TRIB_SLICE_NULL}};
	uint8_t *batch;
	size_t len;
	pn_message_t *out;
	pn_data_t *d;
	pn_bytes_t s;

	h[0].value.len = 2;
	rb_builder_init(&b, 10);
	ck_assert_int_eq(rb_builder_add(&b, 10, slice_from_cstr("kk"), slice_from_cstr("vv"), h, 2),
			 TRIB_OK);
	batch = finish(&b, &len, 5);
	out = deliver(batch, len);
	d = pn_message_annotations(out);
	ck_assert(map_find(d, "x-opt-kafka-key"));
	ck_assert_int_eq(pn_data_type(d), PN_BINARY);
	s = pn_data_get_binary(d);
	ck_assert(s.size == 2 && memcmp(s.start, "kk", 2) == 0);
	ck_assert(!map_find(d, "x-opt-partition-key"));
	d = pn_message_properties(out);
	ck_assert(map_find(d, "trace"));
	ck_assert_int_eq(pn_data_type(d), PN_BINARY);
	s = pn_data_get_binary(d);
	ck_assert(s.size == 2 && s.start[0] == 0 && s.start[1] == 1);
	ck_assert(map_find(d, "n"));
	ck_assert_int_eq(pn_data_type(d), PN_NULL);
	d = pn_message_body(out);
	pn_data_rewind(d);
	ck_assert(pn_data_next(d));
	s = pn_data_get_binary(d);
	ck_assert(s.size == 2 && memcmp(s.start, "vv", 2) == 0);
	ck_assert_ptr_null(pn_message_get_subject(out));
	pn_message_free(out);
	mem_free(batch);
}
END_TEST

START_TEST(http_style_record)
{
	/* HTTP head: typed property, marker, text properties but no raw sections */
	static const uint8_t int7[] = {0x71, 0, 0, 0, 7};
	rb_kv_t h[4] = {{slice_from_cstr("n"), {int7, sizeof(int7)}},
			{slice_from_cstr(EVHDR_SRC), slice_from_cstr("http")},
			{slice_from_cstr("message-id"), slice_from_cstr("m-1")},
			{slice_from_cstr("content-type"), slice_from_cstr("text/plain")}};
	rb_builder_t b;
	uint8_t *batch;
	size_t len;
	pn_message_t *out;
	pn_atom_t id;
	pn_data_t *d;

	rb_builder_init(&b, 10);
	ck_assert_int_eq(
		rb_builder_add(&b, 10, slice_from_cstr("pk"), slice_from_cstr("body"), h, 4),
		TRIB_OK);
	batch = finish(&b, &len, 0);
	out = deliver(batch, len);
	id = pn_message_get_id(out);
	ck_assert_int_eq(id.type, PN_STRING);
	ck_assert(id.u.as_bytes.size == 3 && memcmp(id.u.as_bytes.start, "m-1", 3) == 0);
	ck_assert_str_eq(pn_message_get_content_type(out), "text/plain");
	d = pn_message_properties(out);
	ck_assert(map_find(d, "n"));
	ck_assert_int_eq(pn_data_get_int(d), 7);
	ck_assert(!map_find(d, "message-id"));
	ck_assert(map_find(pn_message_annotations(out), "x-opt-partition-key"));
	pn_message_free(out);
	mem_free(batch);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("amqp_msg");
	TCase *dec = tcase_create("decode");
	TCase *rec = tcase_create("to_record");
	TCase *enc = tcase_create("encode");

	tcase_add_test(dec, decode_sections);
	tcase_add_test(dec, decode_rejects);
	tcase_add_test(rec, single_to_record);
	tcase_add_test(rec, batch_of_three);
	tcase_add_test(rec, malformed_batch_adds_nothing);
	tcase_add_test(enc, amqp_record_roundtrip);
	tcase_add_test(enc, value_body_roundtrip);
	tcase_add_test(enc, kafka_record_roundtrip);
	tcase_add_test(enc, http_style_record);
	suite_add_tcase(s, dec);
	suite_add_tcase(s, rec);
	suite_add_tcase(s, enc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
