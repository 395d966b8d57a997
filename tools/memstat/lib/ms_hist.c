// SPDX-License-Identifier: GPL-2.0
/*
 * libmemstat: log2 histograms as the BPF side keeps them
 * (samples/bpf/memstat_common.h): slot 0 holds 0 and 1, slot k the values
 * 2^k to 2^(k+1) - 1.  Printed like bcc's print_log2_hist, or as JSON.
 */
#include <string.h>

#include "libmemstat.h"

#define MS_HIST_BAR	40

static unsigned long long ms_hist_lo(unsigned int slot)
{
	return slot ? 1ULL << slot : 0;
}

static unsigned long long ms_hist_hi(unsigned int slot)
{
	return slot >= 63 ? ~0ULL : (2ULL << slot) - 1;
}

/* First and last non-empty slots; false when all are empty. */
static bool ms_hist_range(const __u64 *slots, unsigned int nslots,
			  unsigned int *first, unsigned int *last)
{
	unsigned int i;
	bool any = false;

	for (i = 0; i < nslots; i++) {
		if (!slots[i])
			continue;
		if (!any)
			*first = i;
		*last = i;
		any = true;
	}
	return any;
}

void ms_hist_print(FILE *f, const __u64 *slots, unsigned int nslots,
		   const char *unit)
{
	unsigned int first = 0, last = 0, i, stars;
	unsigned long long max = 0;
	char bar[MS_HIST_BAR + 1];

	if (!ms_hist_range(slots, nslots, &first, &last))
		return;
	for (i = first; i <= last; i++)
		if (slots[i] > max)
			max = slots[i];
	fprintf(f, "%24s : count     distribution\n", unit);
	for (i = first; i <= last; i++) {
		stars = slots[i] * MS_HIST_BAR / max;
		if (slots[i] && !stars)
			stars = 1;
		memset(bar, '*', stars);
		bar[stars] = '\0';
		fprintf(f, "%10llu -> %-10llu : %-9llu |%-*s|\n",
			ms_hist_lo(i), ms_hist_hi(i),
			(unsigned long long)slots[i], MS_HIST_BAR, bar);
	}
}

void ms_hist_json(struct ms_json *j, const char *key, const __u64 *slots,
		  unsigned int nslots)
{
	unsigned int i;

	ms_json_arr(j, key);
	for (i = 0; i < nslots; i++) {
		if (!slots[i])
			continue;
		ms_json_obj(j, NULL);
		ms_json_uint(j, "lo", ms_hist_lo(i));
		ms_json_uint(j, "hi", ms_hist_hi(i));
		ms_json_uint(j, "count", slots[i]);
		ms_json_pop(j);
	}
	ms_json_pop(j);
}

unsigned long long ms_hist_total(const __u64 *slots, unsigned int nslots)
{
	unsigned long long n = 0;
	unsigned int i;

	for (i = 0; i < nslots; i++)
		n += slots[i];
	return n;
}
