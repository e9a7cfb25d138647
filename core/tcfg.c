/*
 * Topic configs. One row per key in `items` (in tcfg_key_t order, which is
 * name order) says everything: the Kafka name and broker synonym, the type,
 * where the value lives in tcfg_t, its default (or the tcfg_base_t field
 * that replaces it), the range and a doc line. Parsing, checking, resetting
 * and formatting all read the row, so adding a numeric key is one row plus
 * a field. The two enumerated keys (cleanup.policy, message.timestamp.type)
 * have their own parse and format helpers.
 *
 * Invariant: a tcfg_t changed only through tcfg_defaults and tcfg_set holds
 * values that pass tcfg_check, and keys without an override hold exactly
 * their default from cfg->base.
 */
#include "tcfg.h"

#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

typedef enum kind { K_NUMBER, K_POLICY, K_TS_TYPE } kind_t;

typedef struct item {
	const char *name;
	const char *synonym; /* Kafka's broker-level config behind the default */
	tcfg_type_t type;
	kind_t kind;
	size_t off;          /* K_NUMBER: the int64_t or int32_t in tcfg_t */
	size_t size;         /* its width, bytes: 8 or 4 (the tcfg_base_t field's too) */
	int64_t def;         /* K_NUMBER: built-in default */
	int base_off;        /* K_NUMBER: tcfg_base_t field overriding def when non-zero, or -1 */
	int64_t min, max;
	const char *doc;
} item_t;

/* a tcfg_t field: its offset and its width */
#define OFF(f) offsetof(tcfg_t, f), sizeof(((tcfg_t *)0)->f)
#define BASE(f) ((int)offsetof(tcfg_base_t, f))

static const item_t items[TCFG_COUNT] = {
	[TCFG_CLEANUP_POLICY] = {"cleanup.policy", "log.cleanup.policy", TCFG_TYPE_LIST, K_POLICY, 0,
				 0, 0, -1, 0, 0,
				 "What happens to old segments: delete (log compaction is not "
				 "supported)"},
	[TCFG_MAX_MESSAGE_BYTES] = {"max.message.bytes", "message.max.bytes", TCFG_TYPE_INT,
				    K_NUMBER, OFF(max_message_bytes),
				    TCFG_DEFAULT_MAX_MESSAGE_BYTES, BASE(max_message_bytes), 0,
				    TCFG_MAX_MESSAGE_BYTES_LIMIT,
				    "Largest record batch a Kafka producer may send, bytes, log "
				    "overhead included"},
	[TCFG_MESSAGE_TIMESTAMP_TYPE] = {"message.timestamp.type", "log.message.timestamp.type",
					 TCFG_TYPE_STRING, K_TS_TYPE, 0, 0, 0, -1, 0, 0,
					 "LogAppendTime: the gateway stamps each batch; CreateTime: "
					 "the producer's timestamps are kept"},
	[TCFG_RETENTION_BYTES] = {"retention.bytes", "log.retention.bytes", TCFG_TYPE_LONG,
				  K_NUMBER, OFF(retention_bytes), -1, -1, -1, INT64_MAX,
				  "Largest size of a partition before its oldest segments are "
				  "deleted, bytes; -1 = no limit"},
	[TCFG_RETENTION_MS] = {"retention.ms", "log.retention.ms", TCFG_TYPE_LONG, K_NUMBER,
			       OFF(retention_ms), TCFG_DEFAULT_RETENTION_MS, -1, -1, INT64_MAX,
			       "How long a segment is kept after its newest batch was appended, "
			       "ms; -1 = forever"},
	[TCFG_SEGMENT_BYTES] = {"segment.bytes", "log.segment.bytes", TCFG_TYPE_INT, K_NUMBER,
				OFF(segment_bytes), TCFG_DEFAULT_SEGMENT_BYTES, BASE(segment_bytes),
				TCFG_MIN_SEGMENT_BYTES, INT32_MAX,
				"Size at which a segment file is closed and a new one started, "
				"bytes (a segment always holds at least one batch)"},
	[TCFG_SEGMENT_MS] = {"segment.ms", "log.roll.ms", TCFG_TYPE_LONG, K_NUMBER,
			     OFF(segment_ms), TCFG_DEFAULT_SEGMENT_MS, -1, 1, INT64_MAX,
			     "Age at which a segment is closed at the next append, ms"},
};

static const char *const ts_names[] = {
	[TCFG_TS_LOG_APPEND_TIME] = "LogAppendTime",
	[TCFG_TS_CREATE_TIME] = "CreateTime",
};

__attribute__((format(printf, 3, 4))) static void say(char *msg, size_t len, const char *fmt,
						      ...)
{
	va_list ap;

	if (!msg || len == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, len, fmt, ap);
	va_end(ap);
}

/* A client's bytes made printable and short, for messages. */
static void printable(trib_slice_t s, char *out, size_t cap)
{
	size_t n = 0;

	for (size_t i = 0; s.ptr && i < s.len && n + 4 < cap; i++)
		out[n++] = s.ptr[i] >= 0x20 && s.ptr[i] < 0x7f ? (char)s.ptr[i] : '?';
	if (s.ptr && s.len > n && n + 4 >= cap) {
		memcpy(out + n, "...", 3);
		n += 3;
	}
	out[n] = '\0';
}

/* Java's String.trim: drops bytes <= ' ' at both ends. */
static trib_slice_t trim(trib_slice_t s)
{
	while (s.len && s.ptr[0] <= ' ') {
		s.ptr++;
		s.len--;
	}
	while (s.len && s.ptr[s.len - 1] <= ' ')
		s.len--;
	return s;
}

static int64_t load(const void *p, size_t size)
{
	int32_t v32;
	int64_t v64;

	if (size == sizeof(v32)) {
		memcpy(&v32, p, sizeof(v32));
		return v32;
	}
	memcpy(&v64, p, sizeof(v64));
	return v64;
}

static int64_t get_num(const tcfg_t *cfg, const item_t *it)
{
	return load((const char *)cfg + it->off, it->size);
}

static void put_num(tcfg_t *cfg, const item_t *it, int64_t v)
{
	int32_t v32 = (int32_t)v;

	if (it->size == sizeof(v32))
		memcpy((char *)cfg + it->off, &v32, sizeof(v32));
	else
		memcpy((char *)cfg + it->off, &v, sizeof(v));
}

/* The gateway setting standing in for the built-in default, 0 when none. */
static int64_t base_num(const tcfg_base_t *base, const item_t *it)
{
	return it->base_off >= 0 ? load((const char *)base + it->base_off, it->size) : 0;
}

static int64_t default_num(const tcfg_base_t *base, const item_t *it)
{
	int64_t v = base_num(base, it);

	return v ? v : it->def;
}

static void reset_key(tcfg_t *cfg, tcfg_key_t key)
{
	const item_t *it = &items[key];

	if (it->kind == K_NUMBER)
		put_num(cfg, it, default_num(&cfg->base, it));
	else if (it->kind == K_TS_TYPE)
		cfg->timestamp_type = TCFG_TS_LOG_APPEND_TIME;
	cfg->overrides &= ~(1u << key);
}

void tcfg_defaults(tcfg_t *cfg, const tcfg_base_t *base)
{
	memset(cfg, 0, sizeof(*cfg));
	tcfg_rebase(cfg, base);
}

void tcfg_rebase(tcfg_t *cfg, const tcfg_base_t *base)
{
	static const tcfg_base_t none;

	cfg->base = base ? *base : none;
	for (int k = 0; k < TCFG_COUNT; k++)
		if (!(cfg->overrides & (1u << k)))
			reset_key(cfg, (tcfg_key_t)k);
}

int tcfg_find(trib_slice_t name)
{
	for (int k = 0; k < TCFG_COUNT; k++)
		if (name.ptr && slice_eq_cstr(name, items[k].name, false))
			return k;
	return -1;
}

const char *tcfg_name(tcfg_key_t key)
{
	return (unsigned)key < TCFG_COUNT ? items[key].name : NULL;
}

bool tcfg_is_set(const tcfg_t *cfg, tcfg_key_t key)
{
	return (unsigned)key < TCFG_COUNT && (cfg->overrides & (1u << key));
}

static trib_err_t range_msg(const item_t *it, const char *shown, char *msg, size_t len)
{
	if (it->max == INT64_MAX || (it->type == TCFG_TYPE_INT && it->max == INT32_MAX))
		say(msg, len, "Invalid value %s for configuration %s: Value must be at least %lld",
		    shown, it->name, (long long)it->min);
	else
		say(msg, len,
		    "Invalid value %s for configuration %s: Value must be between %lld and %lld",
		    shown, it->name, (long long)it->min, (long long)it->max);
	return TRIB_ERR_INVALID;
}

static trib_err_t parse_number(tcfg_t *cfg, const item_t *it, trib_slice_t v, const char *shown,
			       char *msg, size_t len)
{
	int64_t n;
	bool is_int = it->type == TCFG_TYPE_INT;

	if (!slice_to_i64(v, &n) || (is_int && (n < INT32_MIN || n > INT32_MAX))) {
		say(msg, len, "Invalid value %s for configuration %s: Not a number of type %s",
		    shown, it->name, is_int ? "INT" : "LONG");
		return TRIB_ERR_INVALID;
	}
	if (n < it->min || n > it->max)
		return range_msg(it, shown, msg, len);
	put_num(cfg, it, n);
	return TRIB_OK;
}

/* A comma-separated list of compact|delete (Kafka ValidList); only delete is served. */
static trib_err_t parse_policy(trib_slice_t v, const char *shown, char *msg, size_t len)
{
	bool compact = false, any = false;

	while (v.len) {
		const uint8_t *comma = memchr(v.ptr, ',', v.len);
		size_t n = comma ? (size_t)(comma - v.ptr) : v.len;
		trib_slice_t one = trim((trib_slice_t){v.ptr, n});

		if (slice_eq_cstr(one, "compact", false)) {
			compact = true;
		} else if (!slice_eq_cstr(one, "delete", false)) {
			say(msg, len,
			    "Invalid value %s for configuration cleanup.policy: String must be one "
			    "of: compact, delete",
			    shown);
			return TRIB_ERR_INVALID;
		}
		any = true;
		v.ptr += comma ? n + 1 : n;
		v.len -= comma ? n + 1 : n;
	}
	if (compact) {
		say(msg, len,
		    "Invalid value %s for configuration cleanup.policy: log compaction is not "
		    "supported by this gateway; the only policy is delete",
		    shown);
		return TRIB_ERR_UNSUPPORTED;
	}
	if (!any) {
		say(msg, len, "Invalid value %s for configuration cleanup.policy: must be delete",
		    shown);
		return TRIB_ERR_INVALID;
	}
	return TRIB_OK;
}

static trib_err_t parse_ts_type(tcfg_t *cfg, trib_slice_t v, const char *shown, char *msg,
				size_t len)
{
	for (size_t i = 0; i < sizeof(ts_names) / sizeof(ts_names[0]); i++)
		if (slice_eq_cstr(v, ts_names[i], false)) {
			cfg->timestamp_type = (tcfg_ts_type_t)i;
			return TRIB_OK;
		}
	say(msg, len,
	    "Invalid value %s for configuration message.timestamp.type: String must be one of: "
	    "CreateTime, LogAppendTime",
	    shown);
	return TRIB_ERR_INVALID;
}

trib_err_t tcfg_set(tcfg_t *cfg, trib_slice_t name, trib_slice_t value, char *msg, size_t msg_len)
{
	int k = tcfg_find(name);
	char shown[72];
	tcfg_t next = *cfg;
	trib_err_t err = TRIB_OK;
	trib_slice_t v;

	if (k < 0) {
		printable(name, shown, sizeof(shown));
		say(msg, msg_len, "Unknown topic config name: %s", shown);
		return TRIB_ERR_NOT_FOUND;
	}
	if (!value.ptr) {
		reset_key(cfg, (tcfg_key_t)k);
		return TRIB_OK;
	}
	v = trim(value);
	printable(value, shown, sizeof(shown));
	if (items[k].kind == K_NUMBER)
		err = parse_number(&next, &items[k], v, shown, msg, msg_len);
	else if (items[k].kind == K_POLICY)
		err = parse_policy(v, shown, msg, msg_len);
	else
		err = parse_ts_type(&next, v, shown, msg, msg_len);
	if (err)
		return err;
	next.overrides |= 1u << k;
	*cfg = next;
	return TRIB_OK;
}

trib_err_t tcfg_check(const tcfg_t *cfg, char *msg, size_t msg_len)
{
	for (int k = 0; k < TCFG_COUNT; k++) {
		const item_t *it = &items[k];
		char shown[TCFG_VALUE_MAX];

		if (it->kind == K_TS_TYPE && (unsigned)cfg->timestamp_type > TCFG_TS_CREATE_TIME) {
			say(msg, msg_len, "Invalid value %d for configuration %s",
			    (int)cfg->timestamp_type, it->name);
			return TRIB_ERR_INVALID;
		}
		if (it->kind != K_NUMBER || !(cfg->overrides & (1u << k)))
			continue;
		snprintf(shown, sizeof(shown), "%lld", (long long)get_num(cfg, it));
		if (get_num(cfg, it) < it->min || get_num(cfg, it) > it->max)
			return range_msg(it, shown, msg, msg_len);
	}
	return TRIB_OK;
}

static void format(const tcfg_t *cfg, const item_t *it, char *out)
{
	if (it->kind == K_NUMBER)
		snprintf(out, TCFG_VALUE_MAX, "%lld", (long long)get_num(cfg, it));
	else if (it->kind == K_POLICY)
		snprintf(out, TCFG_VALUE_MAX, "delete");
	else
		snprintf(out, TCFG_VALUE_MAX, "%s",
			 ts_names[cfg->timestamp_type == TCFG_TS_CREATE_TIME]);
}

bool tcfg_describe(const tcfg_t *cfg, tcfg_key_t key, tcfg_entry_t *out)
{
	const item_t *it;
	tcfg_t def;

	if ((unsigned)key >= TCFG_COUNT)
		return false;
	it = &items[key];
	tcfg_defaults(&def, &cfg->base);
	memset(out, 0, sizeof(*out));
	out->name = it->name;
	format(cfg, it, out->value);
	format(&def, it, out->default_value);
	out->is_default = !(cfg->overrides & (1u << key));
	out->type = it->type;
	out->default_source = it->kind == K_NUMBER && base_num(&cfg->base, it)
				      ? TCFG_SOURCE_STATIC_BROKER
				      : TCFG_SOURCE_DEFAULT;
	out->source = out->is_default ? out->default_source : TCFG_SOURCE_TOPIC;
	out->synonym = it->synonym;
	out->doc = it->doc;
	return true;
}
