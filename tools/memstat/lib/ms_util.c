// SPDX-License-Identifier: GPL-2.0
/*
 * libmemstat: options, errors and output formatting shared by every
 * memstat tool.
 */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <search.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/wait.h>

#include "libmemstat.h"

void ms_env_init(struct ms_env *env, const char *prog, const char *usage,
		 unsigned int opts)
{
	memset(env, 0, sizeof(*env));
	env->prog = prog;
	env->usage = usage;
	env->opts = opts;
	env->top = MS_TOP_DEFAULT;
	env->frames = MS_FRAMES_DEFAULT;
	env->cg.subsys = -1;
}

static void ms_vmessage(const struct ms_env *env, const char *fmt, va_list ap)
{
	fprintf(stderr, "%s: ", env->prog);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void ms_usage_error(const struct ms_env *env, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	ms_vmessage(env, fmt, ap);
	va_end(ap);
	exit(MS_EXIT_USAGE);
}

void ms_fatal(const struct ms_env *env, const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	va_start(ap, fmt);
	ms_vmessage(env, fmt, ap);
	va_end(ap);
	exit(MS_EXIT_RUNTIME);
}

void ms_warn(const struct ms_env *env, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	ms_vmessage(env, fmt, ap);
	va_end(ap);
}

static char ms_error[512];

const char *ms_last_error(void)
{
	return ms_error;
}

int ms_set_error(int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(ms_error, sizeof(ms_error), fmt, ap);
	va_end(ap);
	return err;
}

int ms_die_on(const struct ms_env *env, int err)
{
	if (err < 0)
		ms_fatal(env, "%s", ms_error);
	return err;
}

void *ms_zalloc(const struct ms_env *env, size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size);

	if (!p)
		ms_fatal(env, "out of memory");
	return p;
}

static int ms_str_cmp(const void *a, const void *b)
{
	return strcmp(a, b);
}

const char *ms_intern(const struct ms_env *env, void **names, char *s)
{
	char **slot = tsearch(s, names, ms_str_cmp);

	if (!slot)
		ms_fatal(env, "out of memory");
	if (*slot != s)
		free(s);
	return *slot;
}

void *ms_array_get(const struct ms_env *env, void *arr, size_t *n,
		   size_t size, const void *key, size_t key_len)
{
	char **base = arr, *grown;
	size_t i;

	for (i = 0; i < *n; i++)
		if (!memcmp(*base + i * size, key, key_len))
			return *base + i * size;
	grown = realloc(*base, (*n + 1) * size);
	if (!grown)
		ms_fatal(env, "out of memory");
	*base = grown;
	grown += (*n)++ * size;
	memset(grown, 0, size);
	memcpy(grown, key, key_len);
	return grown;
}

int ms_trace_symbols(const char *event, const char *field, char **names,
		     int n)
{
	static const char *const roots[] = {
		"/sys/kernel/tracing", "/sys/kernel/debug/tracing",
	};
	char path[256], line[8192], want[64], name[64], *p;
	int found = 0, v, len;
	size_t r;
	FILE *f = NULL;

	for (r = 0; !f && r < ARRAY_SIZE(roots); r++) {
		snprintf(path, sizeof(path), "%s/events/%s/format", roots[r],
			 event);
		f = fopen(path, "re");
	}
	if (!f)
		return 0;
	snprintf(want, sizeof(want), "__print_symbolic(REC->%s,", field);
	while (fgets(line, sizeof(line), f)) {
		p = strstr(line, want);
		if (!p)
			continue;
		/* { 0, "not_suitable_zone" }, { 1, "skipped" }, ... ) */
		for (p += strlen(want);
		     sscanf(p, " { %d , \"%63[^\"]\" }%n", &v, name, &len) == 2;
		     p += len + (p[len] == ',')) {
			if (v < 0 || v >= n || names[v])
				continue;
			names[v] = strdup(name);
			found += !!names[v];
		}
		break;
	}
	fclose(f);
	return found;
}

int ms_parse_ulong(const char *s, unsigned long min, unsigned long max,
		   unsigned long *out)
{
	unsigned long long v;
	char *end;

	if (!s || !*s || *s == '+' || isspace((unsigned char)*s))
		return -EINVAL;
	/* A negative number is a number below every range. */
	if (*s == '-')
		return s[1] && strspn(s + 1, "0123456789") == strlen(s + 1) ?
		       -ERANGE : -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (*end || (errno && errno != ERANGE))
		return -EINVAL;
	/* Beyond 64 bits (ERANGE) is beyond every range too. */
	if (errno || v < min || v > max)
		return -ERANGE;
	*out = v;
	return 0;
}

unsigned long ms_parse_ulong_or_die(const struct ms_env *env, const char *what,
				    const char *s, unsigned long min,
				    unsigned long max)
{
	unsigned long v;
	int err = ms_parse_ulong(s, min, max, &v);

	if (err == -ERANGE)
		ms_usage_error(env, "%s '%s' out of range (%lu..%lu)",
			       what, s, min, max);
	if (err)
		ms_usage_error(env, "%s '%s' is not a number (try %s -h)",
			       what, s, env->prog);
	return v;
}

/* The shared options: letter, long name, takes a value. */
static const struct ms_shared_opt {
	unsigned int bit;
	char letter;
	const char *name;
	bool value;
} ms_shared[] = {
	{ MS_OPT_PID, 'p', "pid", true },
	{ MS_OPT_TOP, 'n', "top", true },
	{ MS_OPT_HIST, 'H', "histogram", false },
	{ MS_OPT_FRAMES, 'F', "frames", true },
	{ MS_OPT_THREADS, 't', "threads", false },
	{ MS_OPT_SORT, 's', "sort", true },
	{ MS_OPT_SUMMARY, 'S', "summary", false },
	{ MS_OPT_EVENTS, 'e', "events", false },
	{ MS_OPT_ATTACH, 'A', "attach", true },
};

static void ms_help(const struct ms_env *env)
{
	fputs(env->usage, stdout);
	fputs("\nOptions of every memstat tool:\n"
	      "  -j, --json         JSON Lines (sizes in KiB: keys end in _kib)\n"
	      "  -T, --timestamp    print the time with every report\n"
	      "  -B, --bytes        exact KiB instead of K/M/G\n"
	      "  -d, --duration SEC stop after SEC seconds\n",
	      stdout);
	if (env->opts & MS_OPT_CGROUP)
		fputs("  -c, --cgroup PATH  only tasks in this cgroup and below (a cgroup v2\n"
		      "                     directory or one of a v1 controller's hierarchy)\n",
		      stdout);
	if (env->opts & MS_OPT_CGROUP_COLUMN)
		fputs("  -C, --show-cgroup  a CGROUP column: each process's memory cgroup\n"
		      "                     (cgroup v1), else its cgroup v2 path\n",
		      stdout);
	fputs("  -v, --verbose      libbpf debug output\n"
	      "  -h, --help         this text\n"
	      "  interval [count]   report every interval seconds, count times\n",
	      stdout);
	exit(fflush(stdout) || ferror(stdout) ? MS_EXIT_RUNTIME : MS_EXIT_OK);
}

/* Process @pid's state letter (0: no such process) and its tgid. */
static char ms_pid_state(pid_t pid, long *tgid)
{
	char path[64], line[256], state = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	f = fopen(path, "re");
	if (!f)
		return 0;
	/* "State:" comes before "Tgid:". */
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "State: %c", &state) == 1)
			continue;
		if (sscanf(line, "Tgid: %ld", tgid) == 1)
			break;
	}
	fclose(f);
	return state ? state : '?';
}

bool ms_pid_exited(pid_t pid)
{
	long tgid = 0;
	char state = ms_pid_state(pid, &tgid);

	return !state || state == 'Z' || state == 'X';
}

static void ms_check_pid(const struct ms_env *env, pid_t pid)
{
	long tgid = 0;
	char state = ms_pid_state(pid, &tgid);

	if (!state)
		ms_usage_error(env, "no such process: %d", pid);
	if (tgid > 0 && tgid != pid)
		ms_usage_error(env, "%d is a thread of process %ld: use -p %ld",
			       pid, tgid, tgid);
	if (state == 'Z' || state == 'X')
		ms_usage_error(env, "process %d has exited (its parent has not reaped it yet)",
			       pid);
}

/* -p PID, or with MS_OPT_PIDS -p PID,PID,... (-p again adds to them). */
static void ms_parse_pids(struct ms_env *env, char *arg)
{
	char *save = NULL, *word;

	if (!(env->opts & MS_OPT_PIDS)) {
		if (env->pid)
			ms_usage_error(env,
				       "-p %s after -p %d: %s traces one process",
				       arg, env->pid, env->prog);
		env->pid = ms_parse_ulong_or_die(env, "pid", arg, 1, INT_MAX);
		return;
	}
	for (word = strtok_r(arg, ",", &save); word;
	     word = strtok_r(NULL, ",", &save)) {
		if (env->npids == MS_MAX_PIDS)
			ms_usage_error(env, "-p: at most %d processes",
				       MS_MAX_PIDS);
		env->pids[env->npids++] = ms_parse_ulong_or_die(env, "pid",
								word, 1,
								INT_MAX);
	}
	if (!env->npids)
		ms_usage_error(env, "-p: no pid in '%s'", arg);
	env->pid = env->npids == 1 ? env->pids[0] : 0;
}

/* Handle one common or shared option; false if @opt is the tool's own. */
static bool ms_parse_common(struct ms_env *env, int opt, char *arg)
{
	switch (opt) {
	case 'h':
		ms_help(env);
		return true;
	case 'v':
		env->verbose = true;
		return true;
	case 'j':
		env->json = true;
		return true;
	case 'T':
		env->timestamp = true;
		return true;
	case 'B':
		env->raw = true;
		return true;
	case 'd':
		env->duration = ms_parse_ulong_or_die(env, "duration", arg,
						      1, INT_MAX);
		return true;
	case 'p':
		ms_parse_pids(env, arg);
		return true;
	case 'c':
		if (!(env->opts & MS_OPT_CGROUP))
			ms_usage_error(env,
				       "-c: %s shows system-wide state, not tasks' (a cgroup's own memory is in its memory.stat)",
				       env->prog);
		if (env->cgroup)
			ms_usage_error(env, "-c %s after -c %s: one cgroup (and those below it)",
				       arg, env->cgroup);
		env->cgroup = arg;
		if (ms_cgroup_resolve(arg, &env->cg))
			ms_usage_error(env, "-c %s: %s", arg, ms_last_error());
		return true;
	case 'C':
		if (!(env->opts & MS_OPT_CGROUP_COLUMN))
			ms_usage_error(env,
				       "-C: %s has no table of processes to show a cgroup in (try procstat -C)",
				       env->prog);
		env->show_cgroup = true;
		return true;
	case 'n':
		env->top = ms_parse_ulong_or_die(env, "top", arg, 0, INT_MAX);
		/* 0: every row. */
		if (!env->top)
			env->top = ULONG_MAX;
		return true;
	case 'H':
		env->hist = true;
		return true;
	case 'F':
		env->frames = ms_parse_ulong_or_die(env, "frames", arg, 0,
						    MS_MAX_FRAMES);
		return true;
	case 't':
		env->threads = true;
		return true;
	case 's':
		env->sort = arg;
		return true;
	case 'S':
		env->summary = true;
		return true;
	case 'e':
		env->events = true;
		return true;
	case 'A':
		env->attach = arg;
		return true;
	}
	return false;
}

static __noreturn void ms_bad_option(const struct ms_env *env, int opt,
				     int argc, char **argv)
{
	const char *word = argv[optind - 1];
	int i;

	/* No tool has a digit option: "-1" is a negative interval or count. */
	for (i = 1; opt == '?' && isdigit(optopt) && i < argc; i++)
		if (argv[i][0] == '-' && argv[i][1] == optopt &&
		    strspn(argv[i] + 1, "0123456789") == strlen(argv[i] + 1))
			ms_usage_error(env,
				       "'%s' is negative: interval and count are 1 or more (try %s -h)",
				       argv[i], env->prog);

	if (opt == ':' && optopt)
		ms_usage_error(env, "option -%c needs a value (try %s -h)",
			       optopt, env->prog);
	if (opt == ':')
		ms_usage_error(env, "option %s needs a value (try %s -h)",
			       word, env->prog);
	if (optopt)
		ms_usage_error(env, "unknown option -%c (try %s -h)", optopt,
			       env->prog);
	ms_usage_error(env, "unknown option %s (try %s -h)", word, env->prog);
}

static void ms_parse_positional(struct ms_env *env, int argc, char **argv)
{
	if (optind < argc)
		env->interval = ms_parse_ulong_or_die(env, "interval",
						      argv[optind++], 1,
						      INT_MAX);
	if (optind < argc)
		env->count = ms_parse_ulong_or_die(env, "count",
						   argv[optind++], 1, INT_MAX);
	if (optind < argc)
		ms_usage_error(env, "unexpected argument '%s' (try %s -h)",
			       argv[optind], env->prog);
	if (env->events && env->interval)
		ms_usage_error(env,
			       "-e prints each event as it happens: it takes no interval (use -d SEC to stop)");
}

static const struct option ms_common_longopts[] = {
	{ "help", no_argument, NULL, 'h' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "json", no_argument, NULL, 'j' },
	{ "timestamp", no_argument, NULL, 'T' },
	{ "bytes", no_argument, NULL, 'B' },
	{ "duration", required_argument, NULL, 'd' },
	{ "cgroup", required_argument, NULL, 'c' },
	{ "show-cgroup", no_argument, NULL, 'C' },
};

int ms_getopt(struct ms_env *env, int argc, char **argv, const char *shortopts,
	      const struct option *longopts)
{
	/* ':' first: getopt returns ':' for a missing value, '?' otherwise. */
	static char merged_short[128];
	static struct option merged_long[64];
	size_t n = 0, i, len;
	int opt;

	/* The command after "--" is no option: getopt never sees it. */
	for (i = 1; (env->opts & MS_OPT_COMMAND) && i < (size_t)argc; i++) {
		if (strcmp(argv[i], "--"))
			continue;
		if (i + 1 == (size_t)argc)
			ms_usage_error(env, "no command after -- (try %s -h)",
				       env->prog);
		env->command = argv + i + 1;
		argc = i;
		break;
	}
	if (!merged_short[0]) {
		len = snprintf(merged_short, sizeof(merged_short),
			       ":hvjTBd:c:C");
		for (i = 0; i < ARRAY_SIZE(ms_common_longopts); i++)
			merged_long[n++] = ms_common_longopts[i];
		for (i = 0; i < ARRAY_SIZE(ms_shared); i++) {
			const struct ms_shared_opt *s = &ms_shared[i];

			if (!(env->opts & s->bit))
				continue;
			len += snprintf(merged_short + len,
					sizeof(merged_short) - len, "%c%s",
					s->letter, s->value ? ":" : "");
			merged_long[n].name = s->name;
			merged_long[n].has_arg = s->value ? required_argument :
							    no_argument;
			merged_long[n].flag = NULL;
			merged_long[n++].val = s->letter;
		}
		snprintf(merged_short + len, sizeof(merged_short) - len, "%s",
			 shortopts);
		for (i = 0; longopts && longopts[i].name; i++)
			if (n < ARRAY_SIZE(merged_long) - 1)
				merged_long[n++] = longopts[i];
		opterr = 0;
	}
	while ((opt = getopt_long(argc, argv, merged_short, merged_long,
				  NULL)) != -1) {
		if (opt == '?' || opt == ':')
			ms_bad_option(env, opt, argc, argv);
		if (strchr(shortopts, opt) || !ms_parse_common(env, opt, optarg))
			return opt;
	}
	ms_parse_positional(env, argc, argv);
	if (env->pid)
		ms_check_pid(env, env->pid);
	for (i = 0; i < env->npids; i++)
		ms_check_pid(env, env->pids[i]);
	if (env->command && (env->pid || env->npids || env->cgroup))
		ms_usage_error(env,
			       "a command to run and -p or -c exclude each other");
	return -1;
}

/* The help lines of the shared options @env takes, for a tool's usage. */
int ms_pick(const struct ms_env *env, const char *what, const char *value,
	    const char *const *names)
{
	char list[256] = "";
	size_t len = 0;
	int i;

	for (i = 0; names[i]; i++) {
		if (!strcmp(value, names[i]))
			return i;
		len += snprintf(list + len, sizeof(list) - len, "%s%s",
				i ? ", " : "", names[i]);
		if (len >= sizeof(list))
			len = sizeof(list) - 1;
	}
	ms_usage_error(env, "unknown %s '%s' (one of: %s)", what, value, list);
}

double ms_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

const char *ms_clock(char *buf, size_t len)
{
	time_t t = time(NULL);
	struct tm tm;

	localtime_r(&t, &tm);
	strftime(buf, len, "%H:%M:%S", &tm);
	return buf;
}

char *ms_cstr(char *buf, const char *s, size_t len)
{
	memcpy(buf, s, len);
	buf[len] = '\0';
	return buf;
}

long ms_page_kib(void)
{
	static long kib;

	if (!kib)
		kib = sysconf(_SC_PAGESIZE) / 1024;
	return kib;
}

const char *ms_fmt_kib(char *buf, size_t len, long long kib, bool raw)
{
	static const char units[] = "KMGTP";
	double v = kib;
	int u = 0;

	if (raw || (kib < 10000 && kib > -10000)) {
		snprintf(buf, len, "%lld%s", kib, raw ? "" : "K");
		return buf;
	}
	while ((v >= 1024 || v <= -1024) && u < 4) {
		v /= 1024;
		u++;
	}
	snprintf(buf, len, v < 100 && v > -100 ? "%.1f%c" : "%.0f%c",
		 v, units[u]);
	return buf;
}

const char *ms_kib(const struct ms_env *env, long long kib)
{
	static char bufs[16][32];
	static unsigned int next;
	char *b = bufs[next++ % ARRAY_SIZE(bufs)];

	return ms_fmt_kib(b, sizeof(bufs[0]), kib, env->raw);
}

/* ---- JSON ---------------------------------------------------------- */

static void ms_json_push(struct ms_json *j, char open, char close)
{
	fputc(open, j->f);
	if (j->depth < MS_JSON_DEPTH - 1)
		j->depth++;
	j->first[j->depth] = true;
	j->close[j->depth] = close;
}

void ms_json_begin(struct ms_json *j, FILE *f)
{
	j->f = f;
	j->depth = -1;
	ms_json_push(j, '{', '}');
}

void ms_json_record(struct ms_json *j, const struct ms_env *env,
		    const char *type)
{
	char clock[16];

	ms_json_begin(j, stdout);
	ms_json_str(j, "type", type);
	if (env->timestamp)
		ms_json_str(j, "time", ms_clock(clock, sizeof(clock)));
}

void ms_json_pop(struct ms_json *j)
{
	if (j->depth < 0)
		return;
	fputc(j->close[j->depth], j->f);
	j->depth--;
}

void ms_json_end(struct ms_json *j)
{
	while (j->depth >= 0)
		ms_json_pop(j);
	fputc('\n', j->f);
}

/* A comma when needed, then "key": unless inside an array. */
static void ms_json_key(struct ms_json *j, const char *key)
{
	if (!j->first[j->depth])
		fputc(',', j->f);
	j->first[j->depth] = false;
	if (key)
		fprintf(j->f, "\"%s\":", key);
}

void ms_json_obj(struct ms_json *j, const char *key)
{
	ms_json_key(j, key);
	ms_json_push(j, '{', '}');
}

void ms_json_arr(struct ms_json *j, const char *key)
{
	ms_json_key(j, key);
	ms_json_push(j, '[', ']');
}

static void ms_json_quote(FILE *f, const char *val)
{
	const unsigned char *p;

	fputc('"', f);
	for (p = (const unsigned char *)val; *p; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(f, "\\%c", *p);
		else if (*p < 0x20 || *p == 0x7f)
			fprintf(f, "\\u%04x", *p);
		else
			fputc(*p, f);
	}
	fputc('"', f);
}

void ms_json_str(struct ms_json *j, const char *key, const char *val)
{
	ms_json_key(j, key);
	ms_json_quote(j->f, val);
}

void ms_json_int(struct ms_json *j, const char *key, long long val)
{
	ms_json_key(j, key);
	fprintf(j->f, "%lld", val);
}

void ms_json_uint(struct ms_json *j, const char *key, unsigned long long val)
{
	ms_json_key(j, key);
	fprintf(j->f, "%llu", val);
}

void ms_json_uint2(struct ms_json *j, const char *prefix, const char *suffix,
		   unsigned long long val)
{
	char key[128];

	snprintf(key, sizeof(key), "%s%s", prefix, suffix);
	ms_json_uint(j, key, val);
}

void ms_json_uint_array(struct ms_json *j, const char *key,
			const unsigned long long *vals, size_t n)
{
	size_t i;

	ms_json_arr(j, key);
	for (i = 0; i < n; i++)
		ms_json_uint(j, NULL, vals[i]);
	ms_json_pop(j);
}

void ms_json_str_array(struct ms_json *j, const char *key,
		       const char *const *vals, size_t n)
{
	size_t i;

	ms_json_arr(j, key);
	for (i = 0; i < n; i++)
		ms_json_str(j, NULL, vals[i]);
	ms_json_pop(j);
}

pid_t ms_command_start(const struct ms_env *env)
{
	int status;
	pid_t pid;

	fflush(NULL);
	pid = fork();
	if (pid < 0)
		ms_fatal(env, "cannot fork: %s", strerror(errno));
	if (!pid) {
		raise(SIGSTOP);
		execvp(env->command[0], env->command);
		fprintf(stderr, "%s: cannot run %s: %s\n", env->prog,
			env->command[0], strerror(errno));
		_exit(127);
	}
	if (waitpid(pid, &status, WUNTRACED) != pid || !WIFSTOPPED(status))
		ms_fatal(env, "%s did not start", env->command[0]);
	signal(SIGCHLD, SIG_IGN);
	return pid;
}

void ms_command_go(pid_t pid)
{
	kill(pid, SIGCONT);
}

void ms_exec_tool(const struct ms_env *env, const char *tool, int argc,
		  char **argv)
{
	char exe[PATH_MAX], path[PATH_MAX + 64];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	if (n < 0)
		ms_fatal(env, "cannot read /proc/self/exe: %s", strerror(errno));
	exe[n] = '\0';
	*strrchr(exe, '/') = '\0';
	snprintf(path, sizeof(path), "%s/%s", exe, tool);
	(void)argc;
	argv[0] = path;
	fflush(NULL);
	execv(path, argv);
	ms_fatal(env, "cannot run %s: %s (install it beside %s)", path,
		 strerror(errno), env->prog);
}
