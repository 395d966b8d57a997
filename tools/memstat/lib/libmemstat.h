/* SPDX-License-Identifier: GPL-2.0 */
/*
 * libmemstat: what every memstat tool needs once.  Options and
 * interval/count handling, errors with exit codes, JSON Lines and table
 * output, log2 histograms, kallsyms lookup, BPF object loading,
 * on-demand BPF runs.
 *
 * Conventions: actions return 0 or -errno (readers: a count or -errno),
 * predicates return bool, *_or_die/ms_fatal/ms_usage_error exit.
 * Exit codes: 0 done, 1 runtime failure, 2 usage error.
 */
#ifndef __LIBMEMSTAT_H
#define __LIBMEMSTAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>
#include <linux/types.h>
#include <linux/compiler.h>

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#endif

#define MS_EXIT_OK	0
#define MS_EXIT_RUNTIME	1
#define MS_EXIT_USAGE	2

struct bpf_object;
struct bpf_program;

/* Options every tool shares; the tool adds its own around them. */
struct ms_env {
	const char *prog;		/* tool name used in messages */
	const char *usage;		/* full help text, printed by -h */
	bool verbose;			/* -v: libbpf debug output */
	bool json;			/* -j: JSON Lines */
	bool timestamp;			/* -T: time in every report */
	bool raw;			/* -B: exact KiB instead of K/M/G */
	unsigned long interval;		/* seconds between reports, 0: once */
	unsigned long count;		/* reports to print, 0: unlimited */
	unsigned long duration;		/* -d: stop after this many seconds */
	bool snapshot;			/* report state at once, not rates */
};

struct option;

void ms_env_init(struct ms_env *env, const char *prog, const char *usage);
/*
 * getopt_long() over the common options (-h -v -j -T -B -d) and the tool's
 * own @shortopts/@longopts.  Handles the common ones and every error
 * (exit 2 with one line); returns the next tool option, or -1 after
 * parsing [interval [count]] from the rest of argv.
 */
int ms_getopt(struct ms_env *env, int argc, char **argv, const char *shortopts,
	      const struct option *longopts);

/* Errors: one line "prog: message", then exit. */
__printf(2, 3) __noreturn
void ms_usage_error(const struct ms_env *env, const char *fmt, ...);
__printf(2, 3) __noreturn
void ms_fatal(const struct ms_env *env, const char *fmt, ...);
__printf(2, 3)
void ms_warn(const struct ms_env *env, const char *fmt, ...);

int ms_parse_ulong(const char *s, unsigned long min, unsigned long max,
		   unsigned long *out);
/* Parse a number option or exit 2 naming @what. */
unsigned long ms_parse_ulong_or_die(const struct ms_env *env, const char *what,
				    const char *s, unsigned long min,
				    unsigned long max);

/*
 * Exit 2 unless @pid is a running process (a thread id names its process
 * in the message).
 */
void ms_check_pid(const struct ms_env *env, pid_t pid);

/* Exit 1 with a clear message unless running as root. */
void ms_require_root(const struct ms_env *env);
/* Raise RLIMIT_MEMLOCK; libbpf messages are shown only with -v. */
void ms_libbpf_init(const struct ms_env *env);
/*
 * A tracing tool's start: root or exit 1, signal handlers, libbpf set up
 * (ms_require_root, ms_signals_init, ms_libbpf_init).
 */
void ms_tool_init(const struct ms_env *env);
/* calloc() that exits 1 with "out of memory". */
void *ms_zalloc(const struct ms_env *env, size_t n, size_t size);
/*
 * A zeroed buffer for one lookup of a per-CPU map whose values are
 * @value_size bytes; *@ncpus gets the number of possible CPUs.
 */
void *ms_percpu_buf(const struct ms_env *env, size_t value_size, int *ncpus);

/* Signals: SIGINT/SIGTERM set a flag; the run loop ends cleanly. */
void ms_signals_init(void);
bool ms_exiting(void);

/*
 * Call @report every env->interval seconds, env->count times (or once
 * when no interval was given), until a signal or the -d deadline.  With
 * env->snapshot the first call comes at once.  With -d and no interval,
 * one report at the start and one at the deadline.
 * @report returns 0 to go on, > 0 to stop normally, < 0 on error.
 */
int ms_run_intervals(const struct ms_env *env,
		     int (*report)(void *ctx, unsigned long iter), void *ctx);

/* Sleep until SIGINT/SIGTERM or the -d deadline; returns 0. */
int ms_wait(const struct ms_env *env);

/* A final summary is printed after interval runs and after a signal. */
bool ms_summary_wanted(const struct ms_env *env);

/* CLOCK_MONOTONIC in seconds. */
double ms_mono_now(void);

/* Time prefix for reports: "HH:MM:SS" local time. */
const char *ms_clock(char *buf, size_t len);

/* Sizes: "12.3M" style (or exact KiB with -B) from KiB. */
const char *ms_fmt_kib(char *buf, size_t len, long long kib, bool raw);

/* JSON Lines: one object per record, keys in the order written. */
struct ms_json {
	FILE *f;
	bool first;
};

void ms_json_begin(struct ms_json *j, FILE *f);
void ms_json_str(struct ms_json *j, const char *key, const char *val);
void ms_json_int(struct ms_json *j, const char *key, long long val);
void ms_json_uint(struct ms_json *j, const char *key, unsigned long long val);
void ms_json_end(struct ms_json *j);
/* End an object nested in another one (no newline). */
void ms_json_close(struct ms_json *j);
/* @text is already JSON (a nested object or array built by the tool). */
void ms_json_raw(struct ms_json *j, const char *key, const char *text);
void ms_json_uint_array(struct ms_json *j, const char *key,
			const unsigned long long *vals, size_t n);
void ms_json_str_array(struct ms_json *j, const char *key,
		       const char *const *vals, size_t n);

/*
 * log2 histograms in the layout of samples/bpf/memstat_hist.h: slot 0
 * holds 0 and 1, slot k the values 2^k .. 2^(k+1) - 1.
 */
/* bcc-style "lo -> hi : count |****|" lines, non-empty range only. */
void ms_hist_print(FILE *f, const __u64 *slots, unsigned int nslots,
		   const char *unit);
/* "key":[{"lo":L,"hi":H,"count":N},...] with the non-empty slots. */
void ms_hist_json(struct ms_json *j, const char *key, const __u64 *slots,
		  unsigned int nslots);
unsigned long long ms_hist_total(const __u64 *slots, unsigned int nslots);

/*
 * Kernel symbol addresses from /proc/kallsyms (MEMSTAT_KALLSYMS overrides
 * the path, for tests), all in one pass: the file is large and slow.
 */
struct ms_ksym_req {
	const char *name;
	const char *config;	/* option that provides it; NULL: optional */
	__u64 addr;		/* 0 when not found */
};

/*
 * Resolve every request; exit 1 naming the first missing required symbol
 * and its config option, or kptr_restrict when addresses are hidden.
 */
void ms_kallsyms_resolve(const struct ms_env *env, struct ms_ksym_req *reqs,
			 size_t n);

/*
 * Kernel address -> symbol, for stack traces: /proc/kallsyms (or
 * MEMSTAT_KALLSYMS) read once, sorted, binary search.  Load returns NULL
 * with errno set (EPERM: kptr_restrict hides the addresses).
 */
struct ms_ksyms;

struct ms_ksyms *ms_ksyms_load(void);
void ms_ksyms_free(struct ms_ksyms *ks);
/* Name of the symbol at or below @addr (NULL if none), its offset. */
const char *ms_ksyms_lookup(const struct ms_ksyms *ks, unsigned long long addr,
			    unsigned long long *offset);
/* "name+0xoff", or the address in hex when it has no symbol. */
const char *ms_ksyms_format(const struct ms_ksyms *ks, unsigned long long addr,
			    char *buf, size_t len);

/*
 * Flags decoded as the kernel's __print_flags() does: walk @table in
 * order (ended by a NULL name), print each name whose whole mask is set
 * and clear those bits, leftover bits as hex, "none" for 0.
 */
struct ms_flag_name {
	unsigned long mask;
	const char *name;
};

/* gfp names of include/trace/events/mmflags.h, as show_gfp_flags(). */
extern const struct ms_flag_name ms_gfp_names[];
const char *ms_flags_decode(const struct ms_flag_name *table,
			    unsigned long flags, char *buf, size_t len);
const char *ms_gfp_decode(unsigned long gfp, char *buf, size_t len);
/* "Unmovable", "Movable", "Reclaimable", "HighAtomic", else "unknown". */
const char *ms_migratetype_name(int migratetype);

/* Kernel BTF at /sys/kernel/btf/vmlinux (MEMSTAT_BTF overrides). */
bool ms_kernel_btf_exists(void);

/*
 * Open "<tool>_kern.o" from the directory of the running binary, or from
 * $MEMSTAT_BPF_DIR when set.  Exits 1 with the path on failure.
 */
struct bpf_object *ms_obj_open(const struct ms_env *env);
/* Load, exiting 1 with a hint (root, memlock, missing BTF) on failure. */
void ms_obj_load(const struct ms_env *env, struct bpf_object *obj);
struct bpf_program *ms_prog_find(const struct ms_env *env,
				 struct bpf_object *obj, const char *name);
int ms_map_fd(const struct ms_env *env, struct bpf_object *obj,
	      const char *name);
struct bpf_link;
/*
 * Attach program @prog of @obj to its tracepoint, exiting 1 with a line
 * naming the tracepoint @event and the config options it needs.
 */
struct bpf_link *ms_attach_tracepoint(const struct ms_env *env,
				      struct bpf_object *obj, const char *prog,
				      const char *event);

/* Run a raw_tracepoint program once, on demand (BPF_PROG_TEST_RUN). */
int ms_prog_run(int prog_fd, __u32 *retval);

/*
 * Run a BPF iterator and read all it wrote into a growing buffer.
 * *buf is reallocated as needed; returns bytes read or -errno.
 */
ssize_t ms_iter_read(int link_fd, char **buf, size_t *cap);

/* Sum a per-CPU array's __u64 value at @key across CPUs. */
int ms_percpu_sum(int map_fd, __u32 key, __u64 *sum);

/* Kernel page size in KiB. */
long ms_page_kib(void);

/* Counters that per-CPU drift makes negative read as 0, as in /proc. */
static inline long long ms_clamp0(long long v)
{
	return v < 0 ? 0 : v;
}

/* strerror() for errors from libbpf too (its codes start at 4000). */
const char *ms_strerror(long err);

#endif /* __LIBMEMSTAT_H */
