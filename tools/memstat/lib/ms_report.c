// SPDX-License-Identifier: GPL-2.0
/*
 * libmemstat: pieces of reports more than one tool prints.  /proc/meminfo
 * by category: what is used, what each category explains, what none does,
 * now and at the start; long text in the last column of a table.
 */
#include <stdio.h>
#include <string.h>

#include "libmemstat.h"

void ms_meminfo_json(struct ms_json *j, const struct ms_meminfo *now,
		     const struct ms_meminfo *start)
{
	char key[32];
	int c;

	ms_json_obj(j, "meminfo");
	ms_json_int(j, "used_kib", ms_meminfo_used(now));
	for (c = MS_MEM_LRU; c < MS_MEM_UNKNOWN; c++) {
		snprintf(key, sizeof(key), "%s_kib", ms_mem_cat_names[c]);
		ms_json_int(j, key, ms_meminfo_cat(now, c));
	}
	ms_json_int(j, "unexplained_kib", ms_meminfo_unexplained(now));
	ms_json_int(j, "unexplained_start_kib", ms_meminfo_unexplained(start));
	ms_json_pop(j);
}

void ms_meminfo_print(const struct ms_env *env, const struct ms_meminfo *now,
		      const struct ms_meminfo *start)
{
	long long used = ms_meminfo_used(now);
	int c;

	printf("meminfo: used %s, explained %s by", ms_kib(env, used),
	       ms_kib(env, used - ms_meminfo_unexplained(now)));
	for (c = MS_MEM_LRU; c < MS_MEM_UNKNOWN; c++)
		printf("%s%s %s",
		       c == MS_MEM_LRU || c == MS_MEM_VMALLOC ? "\n  " : " ",
		       ms_mem_cat_names[c], ms_kib(env, ms_meminfo_cat(now, c)));
	printf("\nunexplained by meminfo: %s now, %s at the start\n",
	       ms_kib(env, ms_meminfo_unexplained(now)),
	       ms_kib(env, ms_meminfo_unexplained(start)));
}

void ms_print_wrapped(const char *s, int col, int indent, int width)
{
	bool space = false;
	int len;

	while (*s) {
		len = strcspn(s, " |");
		len += s[len] == '|';
		if (col + space + len > width && col > indent) {
			col = printf("\n%*s", indent, "") - 1;
			space = false;
		}
		col += printf("%s%.*s", space ? " " : "", len, s);
		s += len;
		space = *s == ' ';
		s += space;
	}
	putchar('\n');
}
