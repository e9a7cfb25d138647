/*
 * JSON batch parser. Invariants: the whole body is one JSON document
 * (jansson checks trailing bytes and UTF-8); nothing is returned unless
 * every event is valid, so a bad batch stores nothing; counts are checked
 * against named limits before the event array is allocated.
 */
#include "http_batch.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

static const uint8_t empty_bytes[1];

bool http_batch_content_type(const char *ct)
{
	size_t n = strlen(HTTP_BATCH_CONTENT_TYPE);

	if (!ct)
		return false;
	while (*ct == ' ' || *ct == '\t')
		ct++;
	if (strncasecmp(ct, HTTP_BATCH_CONTENT_TYPE, n) != 0)
		return false;
	ct += n;
	while (*ct == ' ' || *ct == '\t')
		ct++;
	return *ct == '\0' || *ct == ';';
}

static void json_free_cb(void *arg)
{
	json_decref(arg);
}

static trib_err_t user_props(http_arena_t *a, http_event_t *ev, const json_t *obj, size_t idx,
			     http_event_msg_t *msg)
{
	size_t count = json_object_size(obj);
	const char *name;
	json_t *v;
	char what[96];

	if (count > HTTP_EVENT_MAX_PROPS) {
		http_event_msg_set(msg, "events[%zu] has more than %d user properties", idx,
			HTTP_EVENT_MAX_PROPS);
		return TRIB_ERR_TOO_LARGE;
	}
	ev->props = http_arena_alloc(a, count * sizeof(*ev->props));
	if (!ev->props)
		return TRIB_ERR_NOMEM;
	json_object_foreach((json_t *)obj, name, v)
	{
		http_event_prop_t *p = &ev->props[ev->nprops];
		trib_err_t err;

		snprintf(what, sizeof(what), "events[%zu].UserProperties.%.40s", idx, name);
		err = http_event_encode_json(a, v, what, &p->value, msg);
		if (err)
			return err;
		p->name = slice_from_cstr(name);
		ev->nprops++;
	}
	return TRIB_OK;
}

static trib_err_t one_event(http_arena_t *a, const json_t *item, size_t idx, http_event_t *ev,
			    http_event_msg_t *msg)
{
	const json_t *body, *props, *broker;
	char what[64];

	memset(ev, 0, sizeof(*ev));
	ev->partition = -1;
	if (!json_is_object(item)) {
		http_event_msg_set(msg, "events[%zu] is not a JSON object", idx);
		return TRIB_ERR_INVALID;
	}
	body = json_object_get(item, "Body");
	if (!body) {
		http_event_msg_set(msg, "events[%zu].Body is missing", idx);
		return TRIB_ERR_INVALID;
	}
	if (!json_is_string(body)) {
		http_event_msg_set(msg, "events[%zu].Body must be a string", idx);
		return TRIB_ERR_INVALID;
	}
	ev->body =
		(trib_slice_t){(const uint8_t *)json_string_value(body), json_string_length(body)};
	if (!ev->body.len)
		ev->body.ptr = empty_bytes;
	props = json_object_get(item, "UserProperties");
	if (props && !json_is_null(props)) {
		trib_err_t err;

		if (!json_is_object(props)) {
			http_event_msg_set(msg, "events[%zu].UserProperties must be a JSON object", idx);
			return TRIB_ERR_INVALID;
		}
		err = user_props(a, ev, props, idx, msg);
		if (err)
			return err;
	}
	broker = json_object_get(item, "BrokerProperties");
	if (!broker || json_is_null(broker))
		return TRIB_OK;
	snprintf(what, sizeof(what), "events[%zu].BrokerProperties", idx);
	return http_event_apply_broker(ev, broker, what, msg);
}

static trib_err_t load(http_arena_t *a, const uint8_t *body, size_t len, json_t **root,
		       http_event_msg_t *msg)
{
	json_error_t jerr;
	size_t flags = JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL | JSON_DECODE_ANY;

	/* NUL is legal inside a JSON string and Body is bytes, so allow it; accept any top-level
	 * value so a non-array gets its own message */
	*root = json_loadb((const char *)body, len, flags, &jerr);
	if (!*root) {
		http_event_msg_set(msg, "invalid JSON at line %d, column %d: %s", jerr.line, jerr.column,
			jerr.text);
		return TRIB_ERR_INVALID;
	}
	if (http_arena_on_free(a, json_free_cb, *root) != TRIB_OK) {
		json_decref(*root);
		return TRIB_ERR_NOMEM;
	}
	return TRIB_OK;
}

trib_err_t http_batch_parse(http_arena_t *a, const uint8_t *body, size_t len, http_event_t **evs,
			    size_t *n, http_event_msg_t *msg)
{
	json_t *root;
	http_event_t *out;
	size_t count;
	trib_err_t err;

	err = load(a, body ? body : empty_bytes, len, &root, msg);
	if (err)
		return err;
	if (!json_is_array(root)) {
		http_event_msg_set(msg, "a batch must be a JSON array of events");
		return TRIB_ERR_INVALID;
	}
	count = json_array_size(root);
	if (count == 0) {
		http_event_msg_set(msg, "the batch is empty");
		return TRIB_ERR_INVALID;
	}
	if (count > HTTP_BATCH_MAX_EVENTS) {
		http_event_msg_set(msg, "the batch has more than %d events", HTTP_BATCH_MAX_EVENTS);
		return TRIB_ERR_TOO_LARGE;
	}
	out = http_arena_alloc(a, count * sizeof(*out));
	if (!out)
		return TRIB_ERR_NOMEM;
	for (size_t i = 0; i < count; i++) {
		err = one_event(a, json_array_get(root, i), i, &out[i], msg);
		if (err)
			return err;
	}
	*evs = out;
	*n = count;
	return TRIB_OK;
}
