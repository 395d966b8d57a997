/* SPDX-License-Identifier: GPL-2.0 */
/*
 * libmemstat: pieces of text and JSON reports more than one tool prints
 * (pagealloc now; sysstat and `memstat report` may share them).
 */
#ifndef __MS_REPORT_H
#define __MS_REPORT_H

#include "libmemstat.h"

/*
 * /proc/meminfo by category, now and at the start: "meminfo":{"used_kib":
 * ..,"<category>_kib":..,"unexplained_kib":..,"unexplained_start_kib":..}
 * into the open record @j.
 */
void ms_meminfo_json(struct ms_json *j, const struct ms_meminfo *now,
		     const struct ms_meminfo *start);
/* The same as text lines within 80 columns, sizes by ms_kib(). */
void ms_meminfo_print(const struct ms_env *env, const struct ms_meminfo *now,
		      const struct ms_meminfo *start);
/*
 * The last column of a table row: @s printed from column @col on, with
 * a newline, broken before a ' ' or '|' where it would pass @width (the
 * continuation lines start at @col too).
 */
void ms_print_wrapped(const char *s, int col, int width);

#endif /* __MS_REPORT_H */
