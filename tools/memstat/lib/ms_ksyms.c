// SPDX-License-Identifier: GPL-2.0
/*
 * libmemstat: kernel address -> "symbol+0xoff", for stack traces.
 * /proc/kallsyms (MEMSTAT_KALLSYMS overrides) is read once into a sorted
 * array; lookups are binary searches.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "libmemstat.h"

struct ms_ksym {
	unsigned long long addr;
	char *name;
};

struct ms_ksyms {
	struct ms_ksym *syms;
	size_t nr;
};

static int ksym_cmp(const void *a, const void *b)
{
	const struct ms_ksym *x = a, *y = b;

	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

void ms_ksyms_free(struct ms_ksyms *ks)
{
	size_t i;

	if (!ks)
		return;
	for (i = 0; i < ks->nr; i++)
		free(ks->syms[i].name);
	free(ks->syms);
	free(ks);
}

struct ms_ksyms *ms_ksyms_load(void)
{
	const char *path = getenv("MEMSTAT_KALLSYMS");
	char line[512], name[256], type;
	unsigned long long addr;
	struct ms_ksyms *ks;
	size_t cap = 0;
	FILE *f;

	ks = calloc(1, sizeof(*ks));
	if (!ks)
		return NULL;
	f = fopen(path ? path : "/proc/kallsyms", "r");
	if (!f) {
		free(ks);
		return NULL;
	}
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%llx %c %255s", &addr, &type, name) != 3 ||
		    !addr)
			continue;
		if (ks->nr == cap) {
			size_t ncap = cap ? cap * 2 : 65536;
			struct ms_ksym *n = realloc(ks->syms,
						    ncap * sizeof(*n));

			if (!n)
				goto nomem;
			ks->syms = n;
			cap = ncap;
		}
		ks->syms[ks->nr].addr = addr;
		ks->syms[ks->nr].name = strdup(name);
		if (!ks->syms[ks->nr].name)
			goto nomem;
		ks->nr++;
	}
	fclose(f);
	/* Hidden by kptr_restrict: every address read as 0, nothing kept. */
	if (!ks->nr) {
		ms_ksyms_free(ks);
		errno = EPERM;
		return NULL;
	}
	qsort(ks->syms, ks->nr, sizeof(*ks->syms), ksym_cmp);
	return ks;
nomem:
	fclose(f);
	ms_ksyms_free(ks);
	errno = ENOMEM;
	return NULL;
}

const char *ms_ksyms_lookup(const struct ms_ksyms *ks, unsigned long long addr,
			    unsigned long long *offset)
{
	size_t lo = 0, hi;

	if (!ks || !ks->nr || addr < ks->syms[0].addr)
		return NULL;
	/* The last symbol at or below @addr. */
	hi = ks->nr;
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;

		if (ks->syms[mid].addr <= addr)
			lo = mid;
		else
			hi = mid;
	}
	if (offset)
		*offset = addr - ks->syms[lo].addr;
	return ks->syms[lo].name;
}

const char *ms_ksyms_format(const struct ms_ksyms *ks, unsigned long long addr,
			    char *buf, size_t len)
{
	unsigned long long off;
	const char *name = ms_ksyms_lookup(ks, addr, &off);

	if (name)
		snprintf(buf, len, "%s+0x%llx", name, off);
	else
		snprintf(buf, len, "0x%llx", addr);
	return buf;
}
