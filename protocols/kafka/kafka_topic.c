/* Topic names: a byte test per character, no locale, no strlen on wire data. */
#include "kafka_topic.h"

static bool legal_char(uint8_t c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '.' || c == '_' || c == '-';
}

bool kafka_topic_name_valid(trib_slice_t name)
{
	if (!name.ptr || name.len == 0 || name.len > KAFKA_TOPIC_NAME_MAX)
		return false;
	if (slice_eq_cstr(name, ".", false) || slice_eq_cstr(name, "..", false))
		return false;
	for (size_t i = 0; i < name.len; i++) {
		if (!legal_char(name.ptr[i]))
			return false;
	}
	return true;
}
