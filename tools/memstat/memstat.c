// SPDX-License-Identifier: GPL-2.0
/*
 * memstat: front-end for the memstat tools.  `memstat TOOL ARGS` runs the
 * tool binary (installed beside memstat, in $MEMSTAT_TOOLS_DIR, or on
 * PATH) with ARGS; its exit status passes through unchanged.
 */
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "libmemstat.h"

struct memstat_cmd {
	const char *name;
	const char *summary;
};

static const struct memstat_cmd commands[] = {
#define MEMSTAT_TOOL(name, summary) { #name, summary },
#include "memstat_tools.h"
#undef MEMSTAT_TOOL
};

static void list_commands(FILE *f)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(commands); i++)
		fprintf(f, "  %-10s %s\n", commands[i].name,
			commands[i].summary);
}

static void usage(FILE *f)
{
	fputs("Usage: memstat TOOL [ARGS...]\n"
	      "       memstat help [TOOL] | memstat list\n"
	      "\n"
	      "eBPF memory analysis tools.  Tools:\n", f);
	list_commands(f);
	fputs("\n"
	      "Every tool takes the same letters for the same things:\n"
	      "  -p PID     one process          -c CGROUP  one cgroup and below\n"
	      "  -n N       rows (default 20)    -s KEY     sort key\n"
	      "  -H         histograms           -F N       stack frames (default 8)\n"
	      "  -t         per thread           -S         summary counts only\n"
	      "  -C         a CGROUP column\n"
	      "  -e         one line per event   -A HOOK    attach point\n"
	      "  -j         JSON Lines (sizes _kib, times _ns)\n"
	      "  -T         time stamps          -B         exact KiB\n"
	      "  -d SEC     stop after SEC s     -v         libbpf messages\n"
	      "  interval [count]               a report every interval seconds\n"
	      "\n"
	      "Examples:\n"
	      "  memstat procstat -n 5     # the 5 largest processes\n"
	      "  memstat sysstat 1 3       # system memory, every second, 3 times\n"
	      "  memstat help procstat     # help of one tool\n", f);
}

static const struct memstat_cmd *find_command(const char *name)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(commands); i++)
		if (!strcmp(commands[i].name, name))
			return &commands[i];
	return NULL;
}

/* Levenshtein distance, for "did you mean" on typos; names are short. */
static size_t edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), i, j;
	size_t row[64], prev, tmp;

	if (la >= 64 || lb >= 64)
		return SIZE_MAX;
	for (j = 0; j <= lb; j++)
		row[j] = j;
	for (i = 1; i <= la; i++) {
		prev = row[0];
		row[0] = i;
		for (j = 1; j <= lb; j++) {
			tmp = row[j];
			row[j] = prev + (a[i - 1] != b[j - 1]);
			if (row[j] > row[j - 1] + 1)
				row[j] = row[j - 1] + 1;
			if (row[j] > tmp + 1)
				row[j] = tmp + 1;
			prev = tmp;
		}
	}
	return row[lb];
}

static void unknown_command(const char *name)
{
	const struct memstat_cmd *best = NULL;
	size_t i, d, best_d = SIZE_MAX;

	for (i = 0; i < ARRAY_SIZE(commands); i++) {
		d = edit_distance(name, commands[i].name);
		if (d < best_d) {
			best_d = d;
			best = &commands[i];
		}
	}
	if (best && best_d <= 3)
		fprintf(stderr,
			"memstat: unknown tool '%s'; did you mean '%s'? (memstat list shows all)\n",
			name, best->name);
	else
		fprintf(stderr, "memstat: unknown tool '%s' (memstat list shows all)\n",
			name);
	exit(MS_EXIT_USAGE);
}

/* Exec the tool: beside this binary, in $MEMSTAT_TOOLS_DIR, then PATH. */
static void run_tool(const char *name, char **argv)
{
	const char *dir = getenv("MEMSTAT_TOOLS_DIR");
	char path[PATH_MAX + 64], exe[PATH_MAX];
	ssize_t n;

	if (dir) {
		snprintf(path, sizeof(path), "%s/%s", dir, name);
		execv(path, argv);
		fprintf(stderr, "memstat: cannot run %s: %s (MEMSTAT_TOOLS_DIR)\n",
			path, strerror(errno));
		exit(MS_EXIT_RUNTIME);
	}
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		exe[n] = '\0';
		*strrchr(exe, '/') = '\0';
		snprintf(path, sizeof(path), "%s/%s", exe, name);
		execv(path, argv);
	}
	execvp(name, argv);
	fprintf(stderr,
		"memstat: cannot run %s: %s (install it beside memstat or set MEMSTAT_TOOLS_DIR)\n",
		name, strerror(errno));
	exit(MS_EXIT_RUNTIME);
}

int main(int argc, char **argv)
{
	char *help_argv[3];
	const char *name;

	if (argc < 2) {
		usage(stderr);
		return MS_EXIT_USAGE;
	}
	name = argv[1];
	if (!strcmp(name, "-h") || !strcmp(name, "--help")) {
		usage(stdout);
		return fflush(stdout) || ferror(stdout) ? 1 : 0;
	}
	if (!strcmp(name, "list")) {
		list_commands(stdout);
		return fflush(stdout) || ferror(stdout) ? 1 : 0;
	}
	if (!strcmp(name, "help")) {
		if (argc < 3) {
			usage(stdout);
			return fflush(stdout) || ferror(stdout) ? 1 : 0;
		}
		if (!find_command(argv[2]))
			unknown_command(argv[2]);
		help_argv[0] = argv[2];
		help_argv[1] = "--help";
		help_argv[2] = NULL;
		run_tool(argv[2], help_argv);
	}
	if (name[0] == '-') {
		fprintf(stderr, "memstat: unknown option '%s' (try memstat --help)\n",
			name);
		return MS_EXIT_USAGE;
	}
	if (!find_command(name))
		unknown_command(name);
	run_tool(name, argv + 1);
	return MS_EXIT_RUNTIME;
}
