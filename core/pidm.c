/*
 * Producer ids. Invariant: next <= reserved, and `reserved` is on disk
 * (PIDM_FILE) before any id below it is returned; at open the saved value
 * becomes `next`, so ids given out before a restart are never repeated.
 */
#include "pidm.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include "log.h"
#include "mem.h"

struct pidm {
	store_t *store;
	pthread_mutex_t lock;
	int64_t next;     /* the id pidm_next gives out next */
	int64_t reserved; /* durable: ids below are reserved */
};

static trib_err_t parse_end(const char *text, int64_t *out)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(text, &end, 10);
	while (*end == '\n' || *end == ' ')
		end++;
	if (errno || end == text || *end != '\0' || v < 0)
		return TRIB_ERR_CORRUPT;
	*out = (int64_t)v;
	return TRIB_OK;
}

static trib_err_t load_end(store_t *store, int64_t *out)
{
	char *text = NULL;
	trib_err_t err = store_file_load(store, PIDM_FILE, &text);

	*out = 0;
	if (err == TRIB_ERR_NOT_FOUND)
		return TRIB_OK;
	if (!err)
		err = parse_end(text, out);
	mem_free(text);
	return err;
}

/* Makes ids up to next + PIDM_BLOCK durable. */
static trib_err_t reserve_block(pidm_t *m)
{
	char text[32];
	int64_t end;
	trib_err_t err;

	if (m->next > INT64_MAX - PIDM_BLOCK)
		return TRIB_ERR_TOO_LARGE;
	end = m->next + PIDM_BLOCK;
	snprintf(text, sizeof(text), "%" PRId64 "\n", end);
	err = store_file_save(m->store, PIDM_FILE, text);
	if (err) {
		log_error("kafka producer ids: cannot reserve ids up to %" PRId64 ": %s", end,
			  trib_strerror(err));
		return err;
	}
	m->reserved = end;
	return TRIB_OK;
}

trib_err_t pidm_open(store_t *store, pidm_t **out)
{
	pidm_t *m = mem_calloc(MEM_CORE, 1, sizeof(*m));
	trib_err_t err;

	if (!m)
		return TRIB_ERR_NOMEM;
	m->store = store;
	pthread_mutex_init(&m->lock, NULL);
	err = load_end(store, &m->next);
	if (err)
		log_error("kafka producer ids: %s unreadable: %s", PIDM_FILE, trib_strerror(err));
	if (!err)
		err = reserve_block(m);
	if (err) {
		pidm_close(&m);
		return err;
	}
	*out = m;
	return TRIB_OK;
}

trib_err_t pidm_next(pidm_t *m, int64_t *producer_id, int16_t *producer_epoch)
{
	trib_err_t err = TRIB_OK;

	pthread_mutex_lock(&m->lock);
	if (m->next >= m->reserved)
		err = reserve_block(m);
	if (!err) {
		*producer_id = m->next++;
		*producer_epoch = 0;
	}
	pthread_mutex_unlock(&m->lock);
	return err;
}

bool pidm_issued(pidm_t *m, int64_t producer_id)
{
	bool issued;

	pthread_mutex_lock(&m->lock);
	issued = producer_id >= 0 && producer_id < m->next;
	pthread_mutex_unlock(&m->lock);
	return issued;
}

void pidm_close(pidm_t **pm)
{
	pidm_t *m = pm ? *pm : NULL;

	if (!m)
		return;
	pthread_mutex_destroy(&m->lock);
	mem_free(m);
	*pm = NULL;
}
