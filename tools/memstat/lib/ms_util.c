// SPDX-License-Identifier: GPL-2.0
/*
 * libmemstat: options, errors, signals, the interval loop and output
 * formatting shared by every memstat tool.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "libmemstat.h"

static sig_atomic_t exiting;

void ms_env_init(struct ms_env *env, const char *prog, const char *usage)
{
	memset(env, 0, sizeof(*env));
	env->prog = prog;
	env->usage = usage;
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

int ms_parse_ulong(const char *s, unsigned long min, unsigned long max,
		   unsigned long *out)
{
	unsigned long long v;
	char *end;

	if (!s || !*s || *s == '-' || *s == '+')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end)
		return -EINVAL;
	if (v < min || v > max)
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

/* Handle one common option; false if @opt is the tool's own. */
static bool ms_parse_common(struct ms_env *env, int opt, const char *arg)
{
	switch (opt) {
	case 'h':
		fputs(env->usage, stdout);
		fputs("\n"
		      "Options of every memstat tool:\n"
		      "  -j, --json         JSON Lines, sizes in KiB\n"
		      "  -T, --timestamp    print the time with every report\n"
		      "  -B, --bytes        exact KiB instead of K/M/G\n"
		      "  -d, --duration SEC stop after SEC seconds\n"
		      "  -v, --verbose      libbpf debug output\n"
		      "  -h, --help         this text\n", stdout);
		exit(MS_EXIT_OK);
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
	}
	return false;
}

static __noreturn void ms_bad_option(const struct ms_env *env, int opt,
				     char **argv)
{
	const char *word = argv[optind - 1];

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
}

static const struct option ms_common_longopts[] = {
	{ "help", no_argument, NULL, 'h' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "json", no_argument, NULL, 'j' },
	{ "timestamp", no_argument, NULL, 'T' },
	{ "bytes", no_argument, NULL, 'B' },
	{ "duration", required_argument, NULL, 'd' },
};

int ms_getopt(struct ms_env *env, int argc, char **argv, const char *shortopts,
	      const struct option *longopts)
{
	/* ':' first: getopt returns ':' for a missing value, '?' otherwise. */
	static char merged_short[128];
	static struct option merged_long[64];
	size_t n = 0, i;
	int opt;

	if (!merged_short[0]) {
		snprintf(merged_short, sizeof(merged_short), ":hvjTBd:%s",
			 shortopts);
		for (i = 0; i < ARRAY_SIZE(ms_common_longopts); i++)
			merged_long[n++] = ms_common_longopts[i];
		for (i = 0; longopts && longopts[i].name; i++)
			if (n < ARRAY_SIZE(merged_long) - 1)
				merged_long[n++] = longopts[i];
		opterr = 0;
	}
	while ((opt = getopt_long(argc, argv, merged_short, merged_long,
				  NULL)) != -1) {
		if (opt == '?' || opt == ':')
			ms_bad_option(env, opt, argv);
		if (!ms_parse_common(env, opt, optarg))
			return opt;
	}
	ms_parse_positional(env, argc, argv);
	return -1;
}

void ms_check_pid(const struct ms_env *env, pid_t pid)
{
	char path[64], line[256];
	long tgid = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	f = fopen(path, "r");
	if (!f)
		ms_usage_error(env, "no such process: %d", pid);
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "Tgid: %ld", &tgid) == 1)
			break;
	fclose(f);
	if (tgid > 0 && tgid != pid)
		ms_usage_error(env, "%d is a thread of process %ld: use -p %ld",
			       pid, tgid, tgid);
}

void ms_require_root(const struct ms_env *env)
{
	if (geteuid() != 0)
		ms_fatal(env,
			 "must run as root: loading BPF programs needs CAP_SYS_ADMIN (try sudo %s)",
			 env->prog);
}

static void ms_on_signal(int sig)
{
	WRITE_ONCE(exiting, 1);
}

void ms_signals_init(void)
{
	struct sigaction sa = { .sa_handler = ms_on_signal };

	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

bool ms_exiting(void)
{
	return READ_ONCE(exiting);
}

static double ms_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Sleep until @until (monotonic seconds), waking early on a signal. */
static void ms_sleep_until(double until)
{
	double left;

	while (!ms_exiting() && (left = until - ms_now()) > 0) {
		struct timespec ts;

		if (left > 0.1)
			left = 0.1;
		ts.tv_sec = 0;
		ts.tv_nsec = left * 1e9;
		nanosleep(&ts, NULL);
	}
}

int ms_run_intervals(const struct ms_env *env,
		     int (*report)(void *ctx, unsigned long iter), void *ctx)
{
	double start = ms_now(), next = start;
	double deadline = env->duration ? start + env->duration : 0;
	unsigned long iter;
	int ret = 0;

	for (iter = 0; !ms_exiting(); iter++) {
		/* Snapshot tools report at once; the others after an interval. */
		if (env->interval && (iter || !env->snapshot)) {
			next += env->interval;
			if (deadline && next > deadline)
				next = deadline;
			ms_sleep_until(next);
			if (ms_exiting())
				break;
		}
		ret = report(ctx, iter);
		fflush(stdout);
		if (ret)
			break;
		if (!env->interval && !env->duration)
			break;
		if (env->count && iter + 1 >= env->count)
			break;
		if (deadline && ms_now() >= deadline)
			break;
		if (!env->interval)
			ms_sleep_until(deadline);
		else if (env->snapshot && !iter)
			next = ms_now();
	}
	return ret < 0 ? ret : 0;
}

int ms_wait(const struct ms_env *env)
{
	double until = env->duration ? ms_now() + env->duration : 1e300;

	ms_sleep_until(until);
	return 0;
}

bool ms_summary_wanted(const struct ms_env *env)
{
	return env->interval || env->duration || ms_exiting();
}

double ms_mono_now(void)
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

void ms_json_begin(struct ms_json *j, FILE *f)
{
	j->f = f;
	j->first = true;
	fputc('{', f);
}

static void ms_json_key(struct ms_json *j, const char *key)
{
	fprintf(j->f, "%s\"%s\":", j->first ? "" : ",", key);
	j->first = false;
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

void ms_json_end(struct ms_json *j)
{
	fputs("}\n", j->f);
}

void ms_json_close(struct ms_json *j)
{
	fputc('}', j->f);
}

void ms_json_raw(struct ms_json *j, const char *key, const char *text)
{
	ms_json_key(j, key);
	fputs(text, j->f);
}

void ms_json_uint_array(struct ms_json *j, const char *key,
			const unsigned long long *vals, size_t n)
{
	size_t i;

	ms_json_key(j, key);
	fputc('[', j->f);
	for (i = 0; i < n; i++)
		fprintf(j->f, "%s%llu", i ? "," : "", vals[i]);
	fputc(']', j->f);
}

void ms_json_str_array(struct ms_json *j, const char *key,
		       const char *const *vals, size_t n)
{
	size_t i;

	ms_json_key(j, key);
	fputc('[', j->f);
	for (i = 0; i < n; i++) {
		if (i)
			fputc(',', j->f);
		ms_json_quote(j->f, vals[i]);
	}
	fputc(']', j->f);
}

long ms_page_kib(void)
{
	return sysconf(_SC_PAGESIZE) / 1024;
}
