// SPDX-License-Identifier: GPL-2.0
/*
 * libmemstat: the rows of a BPF hash map reported as their change since
 * the last report (processes in dreclaim and swapin, mappings in
 * hfaults).  Each report reads the map and sorts it by key, finds each
 * row's previous copy by binary search and subtracts its counters.
 */
#include <stdlib.h>
#include <string.h>

#include "libmemstat.h"

void ms_rows_alloc(struct ms_rows *r, const struct ms_env *env)
{
	r->keys = ms_zalloc(env, r->max, r->key_size);
	r->now = ms_zalloc(env, r->max, r->row_size);
	r->prev = ms_zalloc(env, r->max, r->row_size);
	r->delta = ms_zalloc(env, r->max, r->row_size);
	r->n_now = 0;
	r->n_prev = 0;
}

void ms_rows_free(struct ms_rows *r)
{
	free(r->keys);
	free(r->now);
	free(r->prev);
	free(r->delta);
}

int ms_rows_read(struct ms_rows *r)
{
	ssize_t n = ms_hash_read(r->fd, r->keys, r->key_size, r->now,
				 r->row_size, r->max);

	if (n < 0)
		return n;
	qsort(r->now, n, r->row_size, r->cmp);
	r->n_now = n;
	return 0;
}

/* @d = @a less @b in the counters; the rest, and what fixup keeps, @a's. */
static void ms_row_sub(const struct ms_rows *r, void *d, const void *a,
		       const void *b)
{
	size_t n = (r->row_size - r->counters) / sizeof(__u64), i;
	const __u64 *x = (const void *)((const char *)a + r->counters);
	const __u64 *y = (const void *)((const char *)b + r->counters);
	__u64 *z = (void *)((char *)d + r->counters);

	memcpy(d, a, r->row_size);
	for (i = 0; i < n; i++)
		z[i] = x[i] - y[i];
	if (r->fixup)
		r->fixup(d, a);
}

size_t ms_rows_delta(struct ms_rows *r, bool since_start,
		     bool (*changed)(const void *row))
{
	const char *now = r->now;
	char *d = r->delta;
	size_t i, n = 0;

	for (i = 0; i < r->n_now; i++, now += r->row_size) {
		const void *old = NULL;
		char *row = d + n * r->row_size;

		if (!since_start)
			old = bsearch(now, r->prev, r->n_prev, r->row_size,
				      r->cmp);
		if (old)
			ms_row_sub(r, row, now, old);
		else
			memcpy(row, now, r->row_size);
		if (changed(row))
			n++;
	}
	return n;
}

void ms_rows_next(struct ms_rows *r)
{
	void *swap = r->prev;

	r->prev = r->now;
	r->now = swap;
	r->n_prev = r->n_now;
}
