/*
 * Mailbox. Invariants: a node's queued flag, prev and next change only under
 * the mutex; the eventfd is written whenever the list goes from empty to
 * non-empty, and the loop reads the eventfd before draining, so no post is
 * ever left unseen (a post racing the drain either lands in the list being
 * drained or finds it empty and writes the eventfd again).
 */
#include "kafka_wake.h"

#include <errno.h>
#include <stdint.h>
#include <sys/eventfd.h>
#include <unistd.h>

trib_err_t kafka_wakeq_init(kafka_wakeq_t *q)
{
	q->head = q->tail = NULL;
	q->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (q->efd < 0)
		return TRIB_ERR_IO;
	if (pthread_mutex_init(&q->mu, NULL) != 0) {
		close(q->efd);
		q->efd = -1;
		return TRIB_ERR_IO;
	}
	return TRIB_OK;
}

void kafka_wakeq_destroy(kafka_wakeq_t *q)
{
	if (q->efd >= 0)
		close(q->efd);
	q->efd = -1;
	pthread_mutex_destroy(&q->mu);
}

void kafka_wake_init(kafka_wake_t *w, kafka_wakeq_t *q, kafka_wake_fn fn)
{
	w->q = q;
	w->run = fn;
	w->err = TRIB_OK;
	w->prev = w->next = NULL;
	w->queued = false;
}

void kafka_wakeq_kick(kafka_wakeq_t *q)
{
	uint64_t one = 1;

	/* EAGAIN means the counter is already non-zero: the loop will wake anyway */
	while (write(q->efd, &one, sizeof(one)) < 0 && errno == EINTR)
		;
}

void kafka_wake_post(kafka_wake_t *w, trib_err_t err)
{
	kafka_wakeq_t *q = w->q;
	bool was_empty;

	pthread_mutex_lock(&q->mu);
	w->err = err;
	if (w->queued) {
		pthread_mutex_unlock(&q->mu);
		return;
	}
	was_empty = q->head == NULL;
	w->queued = true;
	w->next = NULL;
	w->prev = q->tail;
	if (q->tail)
		q->tail->next = w;
	else
		q->head = w;
	q->tail = w;
	pthread_mutex_unlock(&q->mu);
	if (was_empty)
		kafka_wakeq_kick(q);
}

static void unlink_node(kafka_wakeq_t *q, kafka_wake_t *w)
{
	if (w->prev)
		w->prev->next = w->next;
	else
		q->head = w->next;
	if (w->next)
		w->next->prev = w->prev;
	else
		q->tail = w->prev;
	w->prev = w->next = NULL;
	w->queued = false;
}

bool kafka_wake_cancel(kafka_wake_t *w)
{
	kafka_wakeq_t *q = w->q;
	bool was;

	if (!q)
		return false;
	pthread_mutex_lock(&q->mu);
	was = w->queued;
	if (was)
		unlink_node(q, w);
	pthread_mutex_unlock(&q->mu);
	return was;
}

size_t kafka_wakeq_run(kafka_wakeq_t *q)
{
	uint64_t count;
	size_t n = 0;

	while (read(q->efd, &count, sizeof(count)) < 0 && errno == EINTR)
		;
	for (;;) {
		kafka_wake_t *w;

		pthread_mutex_lock(&q->mu);
		w = q->head;
		if (w)
			unlink_node(q, w);
		pthread_mutex_unlock(&q->mu);
		if (!w)
			return n;
		w->run(w);
		n++;
	}
}
