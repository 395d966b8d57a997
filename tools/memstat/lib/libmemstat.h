/* SPDX-License-Identifier: GPL-2.0 */
/*
 * libmemstat: everything mechanical a memstat tool needs, once.
 *
 *   options    the shared flag vocabulary, [interval [count]], errors
 *   output     JSON Lines (nested objects and arrays), sizes, times
 *   bpf        open, load, attach from a table of hooks, config map,
 *              per-CPU and hash map reads, drop counters
 *   loop       one run loop: intervals, ring buffer, -d, signals;
 *              -e event lines; the end (summary, exit code)
 *   rows       hash map rows as their change since the last report
 *   symbols    /proc/kallsyms read once per process, module-aware
 *              kernel stacks
 *   user symbols  user stacks on elfutils' libdwfl, one per process,
 *              kept for the run (processes that exited symbolize)
 *   decoding   gfp flags, migratetypes, log2 histograms
 *   memory     /proc/meminfo by category (pagealloc, sysstat, report)
 *
 * Conventions: actions return 0 or -errno (readers: a count or -errno)
 * and leave a one-line reason in ms_last_error(); ms_die_on() turns such
 * an error into "tool: reason" and exit 1.  Predicates return bool.
 * *_or_die, ms_fatal() and ms_usage_error() exit.
 * Exit codes: 0 done, 1 runtime failure, 2 usage error.
 * Sizes cross this API in KiB (ms_pages_kib() converts with the running
 * kernel's page size), times in nanoseconds.
 */
#ifndef __LIBMEMSTAT_H
#define __LIBMEMSTAT_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>
#include <linux/types.h>
#include <linux/compiler.h>

/* Records shared with the BPF side (samples/bpf). */
#include "memstat_common.h"

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#endif

#define MS_EXIT_OK	0
#define MS_EXIT_RUNTIME	1
#define MS_EXIT_USAGE	2

/* A task's comm as the kernel keeps it (memstat_common.h too). */
#ifndef MS_COMM_LEN
#define MS_COMM_LEN	16
#endif

/* Rows of a table when -n is not given, in every tool. */
#define MS_TOP_DEFAULT		20
/* Stack frames printed per stack in text output when -F is not given. */
#define MS_FRAMES_DEFAULT	8
#define MS_MAX_FRAMES		32

/* ---- options ------------------------------------------------------- */

/*
 * Shared options a tool takes besides the ones every tool has
 * (-h -v -j -T -B -d): the letter means the same in every tool.
 */
enum ms_opt {
	MS_OPT_PID	= 1 << 0,	/* -p PID    one process */
	MS_OPT_CGROUP	= 1 << 1,	/* -c PATH   one cgroup and below */
	MS_OPT_TOP	= 1 << 2,	/* -n N      rows per table, 0: all */
	MS_OPT_HIST	= 1 << 3,	/* -H        latency histograms */
	MS_OPT_FRAMES	= 1 << 4,	/* -F N      stack frames, 0: no stacks */
	MS_OPT_THREADS	= 1 << 5,	/* -t        per thread */
	MS_OPT_SORT	= 1 << 6,	/* -s KEY    sort key (tool checks it) */
	MS_OPT_SUMMARY	= 1 << 7,	/* -S        summary counts, no records */
	MS_OPT_EVENTS	= 1 << 8,	/* -e        one line per event */
	MS_OPT_ATTACH	= 1 << 9,	/* -A HOOK   attach point (tool checks) */
	MS_OPT_CGROUP_COLUMN = 1 << 10,	/* -C        CGROUP column */
	MS_OPT_PIDS	= 1 << 11,	/* -p takes PID[,PID...] */
	MS_OPT_COMMAND	= 1 << 12,	/* -- COMMAND [ARG...] to run */
};

/* Processes -p names at most (MS_OPT_PIDS). */
#define MS_MAX_PIDS	64

/* -c PATH as the BPF filter sees it (memstat_common.h, struct ms_filter). */
struct ms_cgroup {
	__u64 id;		/* the directory's inode number, 0: no -c */
	__u32 level;		/* depth below its hierarchy's root */
	int subsys;		/* v1: the controller's index, -1: v2 */
};

struct ms_env {
	const char *prog;		/* tool name used in messages */
	const char *usage;		/* the tool's help text, printed by -h */
	unsigned int opts;		/* enum ms_opt the tool accepts */
	bool verbose;			/* -v: libbpf debug output */
	bool json;			/* -j: JSON Lines */
	bool timestamp;			/* -T: time in every report */
	bool raw;			/* -B: exact KiB instead of K/M/G */
	unsigned long interval;		/* seconds between reports, 0: once */
	unsigned long count;		/* reports to print, 0: unlimited */
	unsigned long duration;		/* -d: stop after this many seconds */
	bool snapshot;			/* report state at once, not rates */
	/* shared options (enum ms_opt) */
	pid_t pid;			/* -p, 0: every process (or several) */
	pid_t pids[MS_MAX_PIDS];	/* -p PID,PID... (MS_OPT_PIDS) */
	unsigned int npids;
	char **command;			/* after --, NULL: none (MS_OPT_COMMAND) */
	const char *cgroup;		/* -c, NULL: every cgroup */
	struct ms_cgroup cg;		/* -c resolved by ms_getopt() */
	bool show_cgroup;		/* -C: a CGROUP column */
	unsigned long top;		/* -n (-n 0: ULONG_MAX, all rows) */
	bool hist;			/* -H */
	unsigned long frames;		/* -F, 0: no stacks */
	bool threads;			/* -t */
	const char *sort;		/* -s, NULL: the tool's default */
	bool summary;			/* -S */
	bool events;			/* -e */
	const char *attach;		/* -A, NULL: the best the kernel has */
};

struct option;

/* @opts: the shared options (enum ms_opt) the tool takes. */
void ms_env_init(struct ms_env *env, const char *prog, const char *usage,
		 unsigned int opts);
/*
 * getopt_long() over the common and shared options and the tool's own
 * @shortopts/@longopts.  Handles the common and shared ones and every
 * error (exit 2 with one line); returns the next tool option, or -1
 * after parsing [interval [count]] from the rest of argv and checking
 * -p names running processes.  With MS_OPT_COMMAND what follows "--" is
 * the command (env->command), never options.
 */
int ms_getopt(struct ms_env *env, int argc, char **argv, const char *shortopts,
	      const struct option *longopts);
/*
 * -c: resolve a cgroup directory of cgroup v2 or of a v1 hierarchy with
 * a controller; 0 or -errno (the reason in ms_last_error()).
 */
int ms_cgroup_resolve(const char *path, struct ms_cgroup *cg);
struct ms_json;
/*
 * -C: the cgroup process @pid is in, as /proc/PID/cgroup names it: the
 * memory controller's on cgroup v1, else the cgroup v2 path; "-" once
 * the process is exiting (v1 would say "/") or gone.  Returns @buf.
 */
const char *ms_pid_cgroup(pid_t pid, char *buf, size_t len);
/* -C: " CGROUP" after a table's last column head; nothing without -C. */
void ms_cgroup_head(const struct ms_env *env);
/* -C: process @pid's cgroup, " PATH" in text or "cgroup" in @j (-j). */
void ms_cgroup_column(const struct ms_env *env, struct ms_json *j,
		      pid_t pid);
/* Process @pid is gone or a zombie (exited, not yet reaped). */
bool ms_pid_exited(pid_t pid);
/* Fill a tool's struct ms_filter (memstat_common.h) from -p and -c. */
#define ms_filter_init(env, f)						\
do {									\
	const struct ms_env *__env = (env);				\
	typeof(f) __f = (f);						\
									\
	__f->tgid = __env->pid;						\
	__f->cg_id = __env->cg.id;					\
	__f->cg_level = __env->cg.level;				\
	__f->cg_subsys = __env->cg.subsys;				\
} while (0)
/* The value of -s or -A among @names (NULL-terminated); exit 2 if none. */
int ms_pick(const struct ms_env *env, const char *what, const char *value,
	    const char *const *names);

/* Errors: one line "prog: message", then exit. */
__printf(2, 3) __noreturn
void ms_usage_error(const struct ms_env *env, const char *fmt, ...);
__printf(2, 3) __noreturn
void ms_fatal(const struct ms_env *env, const char *fmt, ...);
__printf(2, 3)
void ms_warn(const struct ms_env *env, const char *fmt, ...);

/* The reason the last failing libmemstat action left. */
const char *ms_last_error(void);
__printf(2, 3)
int ms_set_error(int err, const char *fmt, ...);
/* Exit 1 with ms_last_error() when @err < 0; else return @err. */
int ms_die_on(const struct ms_env *env, int err);

int ms_parse_ulong(const char *s, unsigned long min, unsigned long max,
		   unsigned long *out);
/* Parse a number option or exit 2 naming @what. */
unsigned long ms_parse_ulong_or_die(const struct ms_env *env, const char *what,
				    const char *s, unsigned long min,
				    unsigned long max);

/*
 * MS_OPT_COMMAND: fork env->command, stopped before its exec() so that
 * the tool can attach to its pid first; ms_command_go() lets it run.
 * SIGCHLD is ignored from then on: it leaves no zombie, and ms_run()
 * sees its end.  Exits 1 if it cannot fork.
 */
pid_t ms_command_start(const struct ms_env *env);
void ms_command_go(pid_t pid);
/* Become @tool (installed beside this one) with the same arguments. */
__noreturn void ms_exec_tool(const struct ms_env *env, const char *tool,
			     int argc, char **argv);

/*
 * A tracing tool's start: the running kernel the release it was built
 * for (MEMSTAT_OSRELEASE=FILE stands in for uname(2) in tests) and root,
 * or exit 1; signal handlers, RLIMIT_MEMLOCK raised, libbpf quiet unless
 * -v.
 */
void ms_tool_init(const struct ms_env *env);
/* calloc() that exits 1 with "out of memory". */
void *ms_zalloc(const struct ms_env *env, size_t n, size_t size);
/*
 * The element of growing array *@arr (*@n of @size bytes each) whose
 * first @key_len bytes are @key; if none, one appended: zeroed, then
 * the key.  Exits 1 when out of memory.
 */
void *ms_array_get(const struct ms_env *env, void *arr, size_t *n,
		   size_t size, const void *key, size_t key_len);
/*
 * The one copy of string @s (malloc'ed, taken: freed if tsearch tree
 * *@names holds it already) kept in *@names, e.g. a frame's name that
 * many call paths share; tdestroy(*@names, free) frees them.
 */
const char *ms_intern(const struct ms_env *env, void **names, char *s);

/* ---- output -------------------------------------------------------- */

/* CLOCK_MONOTONIC in seconds: the clock of bpf_ktime_get_ns() too. */
double ms_now(void);
/* Time prefix for reports: "HH:MM:SS" local time. */
const char *ms_clock(char *buf, size_t len);

/* Kernel page size in KiB; pages to KiB. */
long ms_page_kib(void);
static inline long long ms_pages_kib(long long pages)
{
	return pages * ms_page_kib();
}

/* Sizes: "12.3M" style (or exact KiB with -B) from KiB. */
const char *ms_fmt_kib(char *buf, size_t len, long long kib, bool raw);
/* The same in one of 16 rotating static buffers, for printf arguments. */
const char *ms_kib(const struct ms_env *env, long long kib);

/*
 * The first @len bytes of @s (a kernel name: comm, d_name, maybe without
 * a NUL) as a string in @buf, of @len + 1 bytes; returns @buf.
 */
char *ms_cstr(char *buf, const char *s, size_t len);

/* Counters that per-CPU drift makes negative read as 0, as in /proc. */
static inline long long ms_clamp0(long long v)
{
	return v < 0 ? 0 : v;
}

/*
 * JSON Lines.  Key suffixes name the unit: _kib sizes, _ns times, _us
 * histogram slots; plain keys are counts.  ms_json_begin() starts a
 * record; ms_json_obj()/ms_json_arr() open a nested object or array
 * (key NULL inside an array), ms_json_pop() closes it; ms_json_end()
 * closes the record and ends the line.
 */
#define MS_JSON_DEPTH	8

struct ms_json {
	FILE *f;
	int depth;
	bool first[MS_JSON_DEPTH];
	char close[MS_JSON_DEPTH];
};

/* A record {"type":@type[,"time":...]} on stdout, time with -T. */
void ms_json_record(struct ms_json *j, const struct ms_env *env,
		    const char *type);
void ms_json_begin(struct ms_json *j, FILE *f);
void ms_json_end(struct ms_json *j);
void ms_json_obj(struct ms_json *j, const char *key);
void ms_json_arr(struct ms_json *j, const char *key);
void ms_json_pop(struct ms_json *j);
void ms_json_str(struct ms_json *j, const char *key, const char *val);
void ms_json_int(struct ms_json *j, const char *key, long long val);
void ms_json_uint(struct ms_json *j, const char *key, unsigned long long val);
/* "@prefix@suffix": for keys built from a kind name. */
void ms_json_uint2(struct ms_json *j, const char *prefix, const char *suffix,
		   unsigned long long val);
void ms_json_uint_array(struct ms_json *j, const char *key,
			const unsigned long long *vals, size_t n);
void ms_json_str_array(struct ms_json *j, const char *key,
		       const char *const *vals, size_t n);

/* ---- BPF ----------------------------------------------------------- */

struct bpf_object;
struct bpf_program;
struct bpf_link;
struct ms_kprobes;

enum ms_hook_type {
	MS_HOOK_TRACEPOINT,	/* target "category:event" (raw tracepoint) */
	MS_HOOK_KPROBE,		/* target: kernel function */
	MS_HOOK_KRETPROBE,	/* target: kernel function, its return */
	MS_HOOK_FEXIT,		/* target: kernel function, needs BTF */
	MS_HOOK_FENTRY,		/* the same, at its entry */
	MS_HOOK_ITER,		/* BPF iterator: ms_bpf_iter_read() runs it */
	MS_HOOK_NONE,		/* loaded, not attached: ms_bpf_run() */
	MS_HOOK_UPROBE,		/* loaded; the tool attaches it: ms_uprobe_attach() */
};

/* One program of <tool>_kern.o and where it attaches. */
struct ms_hook {
	const char *prog;
	enum ms_hook_type type;
	const char *target;
};

#define MS_MAX_HOOKS	16

/* A tool's BPF object and its links. */
struct ms_bpf {
	const struct ms_env *env;
	const char *tool;		/* whose <tool>_kern.o */
	struct bpf_object *obj;
	const struct ms_hook *hooks;
	size_t nhooks;
	struct bpf_link *links[MS_MAX_HOOKS];
	struct ms_kprobes *twins;	/* ms_bpf_start_fentry()'s, freed by close */
};

/*
 * Open "<tool>_kern.o" (beside the binary, or in $MEMSTAT_BPF_DIR) with
 * only the programs of @hooks to be loaded: a tool chooses its variant
 * (fexit or tracepoint, new event or old) by the table it passes.
 * @hooks NULL: every program is loaded, none attached by ms_bpf_attach()
 * (a tool that attaches them itself, e.g. with ms_uprobes_attach()).
 */
int ms_bpf_open(struct ms_bpf *b, const struct ms_env *env,
		const struct ms_hook *hooks, size_t nhooks);
/* The same with another tool's object, "<@tool>_kern.o": to reuse it. */
int ms_bpf_open_obj(struct ms_bpf *b, const struct ms_env *env,
		    const char *tool, const struct ms_hook *hooks,
		    size_t nhooks);
/* Set a map's size before ms_bpf_load(). */
int ms_bpf_resize(struct ms_bpf *b, const char *map, unsigned int entries);
/* Load into the kernel; the reason names the likely fix (root, -v). */
int ms_bpf_load(struct ms_bpf *b);
/* Attach every hook in table order; the reason names the hook's config. */
int ms_bpf_attach(struct ms_bpf *b);
/* Detach (reverse order), keeping the object for a final read. */
void ms_bpf_detach(struct ms_bpf *b);
void ms_bpf_close(struct ms_bpf *b);
/*
 * open, load, write @cfg (when not NULL) into the config map, attach;
 * exit 1 with the reason on failure.
 */
void ms_bpf_start(struct ms_bpf *b, const struct ms_env *env,
		  const struct ms_hook *hooks, size_t nhooks,
		  const void *cfg, size_t cfg_size);

/* One way to attach a tool: its hook table. */
struct ms_hook_set {
	const char *name;		/* as -A names it: "fentry", "kprobe" */
	const struct ms_hook *hooks;
	size_t nhooks;
};

/*
 * ms_bpf_start() with the first of @sets that opens, loads and attaches;
 * the reasons the others failed go to stderr with -v.  Tools put their
 * fentry/fexit set first and a kprobe or tracepoint one after: 5.10 has
 * BPF trampolines on x86-64 only (arm64 refuses the attach).  Returns
 * the index of the set that started; exit 1 with the last set's reason
 * when none did.
 */
size_t ms_bpf_start_first(struct ms_bpf *b, const struct ms_env *env,
			  const struct ms_hook_set *sets, size_t nsets,
			  const void *cfg, size_t cfg_size);

/*
 * ms_bpf_start() of @hooks, else of their kprobe twins: each fentry or
 * fexit hook made the kprobe or kretprobe program "<prog>_kp" that
 * MS_ENTRY or MS_EXIT defines beside it, on the name kallsyms has for
 * the function (a static one may be a compiler's clone).  True when the
 * fentry/fexit hooks started.
 */
bool ms_bpf_start_fentry(struct ms_bpf *b, const struct ms_env *env,
			 const struct ms_hook *hooks, size_t nhooks,
			 const void *cfg, size_t cfg_size);

/* fd of map @name (exit 1 if the object lacks it: rebuild the tool). */
int ms_bpf_map(struct ms_bpf *b, const char *name);
/* Write @cfg as entry 0 of the config map (MS_CONFIG_MAP). */
int ms_bpf_cfg(struct ms_bpf *b, const void *cfg, size_t size);

/*
 * Sum @nfields __u64 of every CPU's value at @key of a per-CPU map into
 * @sum (a struct of __u64 fields, or one __u64).
 */
int ms_percpu_read(int fd, __u32 key, __u64 *sum, size_t nfields);
/*
 * The name of process @tgid in a hash map @fd whose value starts with
 * char comm[MS_COMM_LEN] (a tool's "procs"), into @buf of at least
 * MS_COMM_LEN + 1 bytes: "?" when it has none.  Returns @buf.
 */
const char *ms_map_comm(int fd, __u32 tgid, char *buf);
/* The "drops" map: each reason into @each (may be NULL); the total. */
__u64 ms_bpf_drops(struct ms_bpf *b, __u64 *each, unsigned int nreasons);
/* Entries 0 to @n - 1 of array map @fd into @vals; 0 or -errno. */
int ms_array_read(int fd, void *vals, size_t val_size, size_t n);
/*
 * Every entry of a hash map, up to @max: keys into @keys, values into
 * @vals; returns how many, or -errno.
 */
ssize_t ms_hash_read(int fd, void *keys, size_t key_size, void *vals,
		     size_t val_size, size_t max);

/* Run hook @prog (MS_HOOK_NONE, a raw tracepoint program) once, now. */
int ms_bpf_run(struct ms_bpf *b, const char *prog);
/*
 * Run iterator hook @prog and read all it wrote into a growing buffer;
 * returns bytes read or -errno.
 */
ssize_t ms_bpf_iter_read(struct ms_bpf *b, const char *prog, char **buf,
			 size_t *cap);

/* Kernel BTF at /sys/kernel/btf/vmlinux (MEMSTAT_BTF overrides). */
bool ms_kernel_btf_exists(void);
/*
 * Whether a fentry program attaches to kernel function @fn: kernel BTF
 * and BPF trampolines (5.10 has them on x86-64, not on arm64).  Attached
 * for a moment, an empty program.
 */
bool ms_fentry_works(const char *fn);
/* strerror() for errors from libbpf too (its codes start at 4000). */
const char *ms_strerror(long err);

/* ---- the run loop -------------------------------------------------- */

/* SIGINT/SIGTERM set a flag the run loop sees (ms_tool_init sets it up). */
void ms_signals_init(void);
bool ms_exiting(void);

/*
 * A tool's run: until SIGINT/SIGTERM, the -d deadline, the count, or a
 * callback's > 0.  @on_record gets each ring buffer record as it comes
 * (NULL: no ring buffer); @on_interval runs every env->interval seconds
 * (with env->snapshot first at once; without an interval it runs once
 * when env->snapshot is set).  The run ends, with one line saying so,
 * when the processes of -p (or the command's) have exited.  Callbacks
 * return 0 to go on, > 0 to stop, < 0 on error (the callback has said
 * why).  Returns 0 or the first error;
 * ring buffer errors are printed here.
 */
struct ms_loop {
	int ringbuf_fd;		/* -1: none */
	int (*on_record)(void *ctx, void *data, size_t size);
	int (*on_interval)(void *ctx, unsigned long iter);
	void *ctx;
};

int ms_run(const struct ms_env *env, const struct ms_loop *loop);
/* A final summary is printed after interval runs and after a signal. */
bool ms_summary_wanted(const struct ms_env *env);
/*
 * A tool's end after ms_run() returned @err: detach, so that @summary
 * (NULL: none; called with @ctx) adds up a stable picture, and close.
 * Returns the exit code: 1 if the run, the summary or stdout failed.
 */
int ms_finish(struct ms_bpf *b, int err, int (*summary)(void *ctx),
	      void *ctx);
/* A report's start: a blank line after the first, the clock with -T. */
void ms_report_begin(const struct ms_env *env, unsigned long iter);

/*
 * -e: a line (with -j a record "event") per ring buffer record as it
 * comes, each led by its time: seconds since the start, or the clock
 * with -T (JSON: elapsed_ns), and pid, tid, comm in JSON.
 */
struct ms_events {
	const struct ms_env *env;
	__u64 start_ns;		/* ms_now() at the start, in nanoseconds */
	unsigned long count;	/* events printed */
};

/* Before attaching: the start time; stdout line-buffered (into pipes). */
void ms_events_start(struct ms_events *ev, const struct ms_env *env);
/* The column heads, none with -j: "TIME(s)" (-T: "TIME"), then @fmt. */
__printf(2, 3)
void ms_events_header(const struct ms_events *ev, const char *fmt, ...);
/*
 * Count an event of thread @tid of process @pid at @ts_ns (the clock of
 * bpf_ktime_get_ns()).  With -j, open its record in @j with elapsed_ns,
 * pid, tid and @comm for the tool to add to and end, and return 0; else
 * print the time column and return its width.
 */
int ms_event_begin(struct ms_events *ev, struct ms_json *j, __u64 ts_ns,
		   __u32 pid, __u32 tid, const char *comm);

/* ---- tables of rows ------------------------------------------------ */

/*
 * The rows of a BPF hash map reported as their change since the last
 * report.  A row (the map's value) holds its key and its names first,
 * then from byte @counters to its end nothing but __u64 counters.  The
 * tool sets the fields up to fixup, then ms_rows_alloc(); per report
 * ms_rows_read(), ms_rows_delta(), and after printing ms_rows_next().
 */
struct ms_rows {
	int fd;				/* the hash map */
	size_t key_size, row_size;	/* its key and value */
	size_t max;			/* its max_entries */
	size_t counters;		/* offset of the first counter */
	/* rows by key: now[] is sorted with it, prev[] searched */
	int (*cmp)(const void *a, const void *b);
	/* NULL, or: put back @now's fields that are no counts (maxima) */
	void (*fixup)(void *delta, const void *now);
	void *keys;			/* scratch for ms_hash_read() */
	void *now, *prev;		/* this report's rows, the last one's */
	void *delta;			/* the rows ms_rows_delta() kept */
	size_t n_now, n_prev;
};

/* Room for max rows, or exit 1. */
void ms_rows_alloc(struct ms_rows *r, const struct ms_env *env);
void ms_rows_free(struct ms_rows *r);
/* The map into now[], sorted by key; 0 or -errno. */
int ms_rows_read(struct ms_rows *r);
/*
 * Into delta[], in key order: each row of now[] less its row in prev[]
 * (all of it @since_start), kept when @changed says so; how many.
 */
size_t ms_rows_delta(struct ms_rows *r, bool since_start,
		     bool (*changed)(const void *row));
/* now[] becomes prev[], the base of the next report. */
void ms_rows_next(struct ms_rows *r);

/* ---- kernel symbols ------------------------------------------------ */

/* A kernel symbol whose address a tool needs. */
struct ms_ksym_req {
	const char *name;
	const char *config;	/* option that provides it; NULL: optional */
	__u64 addr;		/* 0 when not found */
};

/*
 * /proc/kallsyms (MEMSTAT_KALLSYMS overrides), read once per process
 * into a sorted table, together with the loaded modules' ranges.
 * Resolves @reqs; exits 1 naming the first missing required symbol and
 * its config option, or kptr_restrict when addresses are hidden.
 */
void ms_ksyms_init(const struct ms_env *env, struct ms_ksym_req *reqs,
		   size_t n);
/* Reread when modules came or went since the last read; true if so. */
bool ms_ksyms_refresh(void);
/*
 * The text symbol /proc/kallsyms (MEMSTAT_KALLSYMS) has for function
 * @name, into @out: @name itself, else a compiler clone of it
 * (.constprop.N, .isra.N, .part.N; never .cold, a fragment), for a
 * kprobe.  0, or -ENOENT when there is neither (inlined or not built).
 */
int ms_ksym_func(const char *name, char *out, size_t len);
/* Name of the symbol at or below @addr (NULL if none), its offset. */
const char *ms_ksym_name(unsigned long long addr, unsigned long long *offset);

/*
 * A kernel stack as printed: frames innermost first, as "name+0xoff" or
 * the address in hex when nothing can name it (freed init code, an
 * unloaded module).  BPF's own frames and the page allocator's, up to
 * and including its entry point, are cut off: the first frame is the
 * allocator's caller.  @ips ends at @n or the first 0.  Returns the
 * number of frames, each a malloc'ed string in @out (ms_stack_free).
 */
int ms_stack_symbolize(const __u64 *ips, int n, char **out);
void ms_stack_free(char **frames, int n);

/*
 * Kernel stacks a BPF map keeps under a 64-bit key (a hash of the
 * frames: MS_MAX_FRAMES __u64 each), symbolized at first sight and kept
 * for the run, with the meminfo category of a page allocated under them.
 * Their frames' names are shared (ms_intern()): a run may name thousands
 * of paths, most of their frames common.
 */
struct ms_stack {
	__u64 key;
	int id;			/* 0, 1, ... by first sight; -1: no stack */
	int nframes;
	const char *frames[MS_MAX_FRAMES];
	int cat;		/* enum ms_mem_cat; MS_MEM_UNKNOWN: no frames */
	__u64 user;		/* the tool's own */
};

struct ms_stacks {
	void *tree;
	void *names;		/* the frames' names, one copy each */
	int next_id;
};

/* The stack under @key in map @fd; @none is the key of "no stack". */
struct ms_stack *ms_stack_get(const struct ms_env *env, struct ms_stacks *c,
			      int fd, __u64 key, __u64 none);

/* ---- user symbols -------------------------------------------------- */

/*
 * User stacks (BPF_F_USER_STACK) named by elfutils' libdwfl: one Dwfl
 * per process, from its /proc/PID/maps, kept for the run with every
 * module's ELF open, so a process that exited after it was tracked still
 * symbolizes.  PIE and shared libraries; stripped files through their
 * debug file (build-id or .gnu_debuglink under /usr/lib/debug), else
 * .dynsym/.gnu_debugdata.  A process must be tracked while it lives:
 * tools call ms_usyms_track() at its first record (a ring buffer record
 * the kernel side sends on a new tgid), before it can exit.
 */
/*
 * Remember @tgid's mappings now (call while it runs, e.g. at its first
 * record); 0 or -errno (-ESRCH: gone before it could be tracked).
 */
int ms_usyms_track(pid_t tgid);
/*
 * Read @tgid's mappings anew, dropping what was read (it exec()ed), unless
 * it has none left (it exited meanwhile): then -ESRCH, the old ones kept.
 */
int ms_usyms_retrack(pid_t tgid);
/*
 * Read a tracked @tgid's mappings again now, keeping what was read: e.g.
 * when it has loaded its libraries (its first record came from ld.so).
 */
int ms_usyms_refresh(pid_t tgid);
/*
 * @n user frames of @tgid as malloc'ed strings "func+0xoff (module)"
 * ("0xaddr (module)" without a symbol, "0xaddr" outside every module)
 * into @out, innermost first; @ips ends at @n or the first 0; returns
 * the count or -ENOMEM; free with ms_stack_free().  Tracks @tgid first
 * if needed; an address in no known module (a later dlopen) reads the
 * live process's mappings again.
 */
int ms_ustack_symbolize(pid_t tgid, const __u64 *ips, int n, char **out);
/*
 * A user stack of a process as printed, kept for the run: @key's frames
 * in a tool's stack map, symbolized at first sight.  The names are
 * shared by every stack that has them, and freed by ms_usyms_free().
 */
struct ms_ustack {
	pid_t tgid;
	int nframes;
	__u64 key;
	const char *frames[];
};

/*
 * Stack @key of process @tgid: read from map @fd (@key_size 4: a stack
 * trace map's __u32 id; 8: a hash map's __u64 key, as ms_stack_key()
 * keeps them) when @valid, and named; kept in the tree *@cache.  No
 * frames when not @valid or no longer in the map.
 */
struct ms_ustack *ms_ustack_get(const struct ms_env *env, void **cache, int fd,
				pid_t tgid, __u64 key, size_t key_size,
				bool valid);
void ms_ustacks_free(void **cache);
/*
 * Drop @tgid's symbols (e.g. its pid was reused, or it exited and its
 * stacks are named): its Dwfl and open ELF files, all of them.
 */
void ms_usyms_forget(pid_t tgid);
/* @tgid's mappings are held (tracked while it lived, not forgotten). */
bool ms_usyms_tracked(pid_t tgid);
void ms_usyms_free(void);

/*
 * The files process @tgid maps executable, a line each in the order of
 * its maps (a file may come twice); malloc'ed, NULL when it cannot be
 * read (gone).
 */
char *ms_proc_exec_files(pid_t tgid);

/* ---- user probes --------------------------------------------------- */

/*
 * The file offsets (what a uprobe takes) of functions @names defined in
 * ELF file @path, by .dynsym, else .symtab: @offsets[i] is 0 where the
 * file defines no such function.  Returns how many it defines, or
 * -errno (no such file, no ELF).
 */
int ms_elf_funcs(const char *path, const char *const *names, __u64 *offsets,
		 size_t n);
/*
 * The ELF files process @tgid maps executable, each once, in the order
 * of its maps, as paths in its mount namespace: into *@paths (malloc'ed
 * array of malloc'ed strings); returns how many or -errno.
 */
int ms_proc_objects(pid_t tgid, char ***paths);
/* @path of process @tgid as the tracer opens it: /proc/TGID/root@path. */
const char *ms_proc_path(pid_t tgid, const char *path, char *buf,
			 size_t len);
/* @path names a C library (libc.so.6, libc-2.31.so). */
bool ms_path_is_libc(const char *path);
/* The kernel has uprobe events (CONFIG_UPROBE_EVENTS). */
bool ms_uprobes_supported(void);
/*
 * Attach program @prog of @b as a uprobe (@retprobe: a uretprobe) at
 * @offset of ELF file @path, for process @pid only (0: every process
 * that maps it).  NULL on failure, the reason in ms_last_error().
 */
struct bpf_link *ms_uprobe_attach(struct ms_bpf *b, const char *prog,
				  bool retprobe, pid_t pid, const char *path,
				  __u64 offset);

/* A function a tool probes in the processes it traces. */
struct ms_ufunc {
	const char *name;
	const char *prog;	/* program at its entry, NULL: none */
	const char *ret_prog;	/* program at its return, NULL: none */
	bool libc;		/* the C library's, whoever provides the first */
};

#define MS_MAX_UFUNCS	16

/* Where one process has the functions: file (as opened) and offset. */
struct ms_utarget {
	pid_t pid;			/* 0: every process mapping the files */
	char *path[MS_MAX_UFUNCS];	/* NULL: defined nowhere */
	__u64 off[MS_MAX_UFUNCS];
	char *provider;			/* the object of the first function */
};

/*
 * Find @f[0..@n) in process @pid (0: in our own maps, for probes on
 * every process or on a command we start) as the dynamic linker binds
 * them: the provider of @f[0] is the first mapped object besides the C
 * library and ld.so that defines it (an LD_PRELOAD'ed allocator, or the
 * program itself), else the C library; with @object, the mapped file
 * whose path contains it (with @pid 0 also a file by that path).  What
 * the provider lacks, and every @libc function, comes from the C
 * library.  0 or -errno, the reason in ms_last_error().
 */
int ms_utarget_resolve(struct ms_utarget *t, pid_t pid,
		       const struct ms_ufunc *f, size_t n, const char *object);
void ms_utarget_free(struct ms_utarget *t);
/*
 * The targets of a tool's -p PID,... (one each), or else of -c or a
 * command (one: our own maps, pid 0 until the command's pid is set):
 * resolved, in a malloc'ed array of *@nt; exits 1 with the reason (no
 * uprobe events in the kernel, an object not found).
 */
struct ms_utarget *ms_utargets_or_die(const struct ms_env *env,
				      const struct ms_ufunc *f, size_t n,
				      const char *object, size_t *nt);
void ms_utargets_free(struct ms_utarget *t, size_t nt);

/* User probes attached and detached as a set. */
struct ms_links {
	struct bpf_link **links;
	size_t n;
};

/*
 * Attach the programs of the functions of @f whose bit is set in @mask
 * (bit i: @f[i]) in each of the @nt targets @t, return programs before
 * entry programs, an alias (two names at one address) once; 0, or < 0
 * with the reason in ms_last_error() and what was attached still in @u.
 */
int ms_uprobes_attach(struct ms_links *u, struct ms_bpf *b,
		      const struct ms_utarget *t, size_t nt,
		      const struct ms_ufunc *f, size_t n, __u64 mask);
/*
 * Keep @link (of ms_uprobe_attach) in @u; < 0 when @link is NULL (the
 * reason already set) or out of memory.
 */
int ms_links_add(struct ms_links *u, struct bpf_link *link);
/* Detach them all, entries first (the reverse order). */
void ms_links_detach(struct ms_links *u);

/*
 * Sampling perf events (PERF_TYPE_*, config, one sample every @period
 * events), one per online CPU counting every task there, each running
 * BPF program @prog (SEC("perf_event")) at each sample.
 */
struct ms_perf {
	struct ms_links links;
	int *fds;			/* the events, owned by the links */
	int nfds;
};

/* 0 if this machine has the event, else -errno (ENOENT: no such PMU). */
int ms_perf_probe(__u32 type, __u64 config);
/* 0, or < 0 with the reason; what was attached stays in @p. */
int ms_perf_attach(struct ms_perf *p, struct ms_bpf *b, const char *prog,
		   __u32 type, __u64 config, __u64 period);
/* Stop counting and sampling, keeping the counts readable. */
void ms_perf_stop(struct ms_perf *p);
/* The events counted on all CPUs since the attach. */
__u64 ms_perf_count(const struct ms_perf *p);
/* Detach and close. */
void ms_perf_detach(struct ms_perf *p);

/*
 * Sampling by duty cycle: a set of user probes attached @pct percent of
 * the time, on about @pct percent of each second, by a thread of its own
 * (@pct 100: attached once, for good), so that the probes are hit less,
 * not only run less BPF code.
 * @before_attach (may be NULL) runs before each attach, e.g. to bump a
 * generation in the config map; a non-zero return stops the sampling.
 * The caller fills the fields up to the state.
 */
struct ms_duty {
	struct ms_bpf *b;
	const struct ms_utarget *targets;
	size_t ntargets;
	const struct ms_ufunc *funcs;
	size_t nfuncs;
	__u64 mask;
	unsigned int pct;
	int (*before_attach)(void *ctx);
	void *ctx;
	/* state */
	struct ms_links probes;
	pthread_t thread;
	pthread_mutex_t lock;
	bool running;
	double start, on_time, on_since;
};

/* Start (@pct 100: attach now); 0 or < 0 with the reason set. */
int ms_duty_start(struct ms_duty *d);
/* Stop the thread and detach. */
void ms_duty_stop(struct ms_duty *d);
/* The share of the time since the start the probes were on, in %. */
double ms_duty_share(struct ms_duty *d);

/* ---- USDT probes --------------------------------------------------- */

#define MS_USDT_SPEC_LEN	256

/* One probe of an ELF file's .note.stapsdt. */
struct ms_usdt {
	char provider[32];
	char name[64];
	__u64 offset;		/* file offset: what a uprobe takes */
	__u64 semaphore;	/* its address; 0: none (glibc's have none) */
	int nargs;
	struct ms_usdt_arg args[MS_USDT_MAX_ARGS];
	char spec[MS_USDT_SPEC_LEN];	/* the arguments, as the note says */
	const char *bad;	/* in @spec, the first operand not decoded */
};

/*
 * The probes of ELF file @path (of @provider only, unless NULL) into
 * *@out (malloc'ed); returns how many, or -errno with the reason set.
 */
int ms_usdt_probes(const char *path, const char *provider,
		   struct ms_usdt **out);
/*
 * Argument text @spec ("8@%rdi -4@-20(%rbp) 4@$5" on x86, "8@x0
 * -4@[x29, -20]" on arm64) into @args; returns how many, or -E2BIG.  An
 * operand a uprobe cannot read alone (a symbol, an index register) gets
 * MS_USDT_NONE, the first such one in *@bad.
 */
int ms_usdt_args(const char *spec, struct ms_usdt_arg *args, int max,
		 const char **bad);

/* A probe site: a probe of a file (the same file by any path is one). */
struct ms_usdt_site {
	struct ms_usdt probe;
	char *path;		/* as first opened */
	dev_t dev;
	ino_t ino;
};

/* A site to attach for process @pid (0: every process), file as opened. */
struct ms_usdt_use {
	size_t site;
	pid_t pid;
	char *path;
};

struct ms_usdt_sites {
	const char *provider;	/* the probes': NULL any */
	const char *pattern;	/* their names: fnmatch() pattern */
	const char *object;	/* -O: mapped files whose path contains it */
	size_t max;		/* sites kept at most */
	/* found */
	struct ms_usdt_site *site;
	size_t n;
	struct ms_usdt_use *use;
	size_t nuse;
	unsigned int found;	/* probes matching, sites or not */
	unsigned int beyond;	/* not kept: more than @max sites */
	unsigned int semaphores; /* not kept: a semaphore (not supported) */
};

/*
 * The probe sites of a tool's targets: with -p, in every object each
 * process maps (with @object, whose path contains it), to attach for
 * it; else in the C library this program maps (which a command started
 * from it gets) or the file @object names, for @child (0: every
 * process).  Returns @s->found, or -errno with the reason set.
 */
int ms_usdt_sites_find(struct ms_usdt_sites *s, const struct ms_env *env,
		       pid_t child);
/* -l: a line per site, how its arguments are read, the file. */
void ms_usdt_sites_print(const struct ms_usdt_sites *s);
/*
 * Attach each site's program for each process using it: program
 * @prog_fmt with the site's number (a printf format taking a size_t),
 * e.g. "hs_site_%02zo".  0, or < 0 with the reason set.
 */
int ms_usdt_sites_attach(const struct ms_usdt_sites *s, struct ms_bpf *b,
			 struct ms_links *u, const char *prog_fmt);
void ms_usdt_sites_free(struct ms_usdt_sites *s);

/* ---- decoding ------------------------------------------------------ */

/*
 * Flags decoded as the kernel's __print_flags() does: walk @table in
 * order (ended by a NULL name), print each name whose whole mask is set
 * and clear those bits, leftover bits as hex, "none" for 0.
 */
struct ms_flag_name {
	unsigned long mask;
	const char *name;
};

/*
 * The names the running kernel gives the values of @field of tracepoint
 * @event ("compaction/mm_compaction_end"): its __print_symbolic() in the
 * event's format file in tracefs, so the kernel's own names, whatever
 * the tree.  @names[v] for 0 <= v < @n (NULL where none; malloc'ed);
 * returns how many, 0 when tracefs or the event is not there.
 */
int ms_trace_symbols(const char *event, const char *field, char **names,
		     int n);

/* gfp names of include/trace/events/mmflags.h, as show_gfp_flags(). */
extern const struct ms_flag_name ms_gfp_names[];
const char *ms_flags_decode(const struct ms_flag_name *table,
			    unsigned long flags, char *buf, size_t len);
const char *ms_gfp_decode(unsigned long gfp, char *buf, size_t len);
/* "Unmovable", "Movable", "Reclaimable", "HighAtomic", else "unknown". */
const char *ms_migratetype_name(int migratetype);

/*
 * log2 histograms in the layout of samples/bpf/memstat_common.h: slot 0
 * holds 0 and 1, slot k the values 2^k .. 2^(k+1) - 1.
 */
/* bcc-style "lo -> hi : count |****|" lines, non-empty range only. */
void ms_hist_print(FILE *f, const __u64 *slots, unsigned int nslots,
		   const char *unit);
/* "key":[{"lo":L,"hi":H,"count":N},...] with the non-empty slots. */
void ms_hist_json(struct ms_json *j, const char *key, const __u64 *slots,
		  unsigned int nslots);
unsigned long long ms_hist_total(const __u64 *slots, unsigned int nslots);

/* ---- memory accounting (/proc/meminfo) ----------------------------- */

/* /proc/meminfo, in KiB: the fields memstat explains memory by. */
struct ms_meminfo {
	long long total, free, available;
	long long active, inactive, unevictable;
	long long sreclaimable, sunreclaim;
	long long kernel_stack, page_tables, vmalloc_used, percpu, hugetlb;
	long long vmap_stack;	/* of vmalloc_used, kernel stacks */
};

/* The categories of meminfo that account for memory in use. */
enum ms_mem_cat {
	MS_MEM_OTHER,		/* in no category: meminfo does not explain it */
	MS_MEM_LRU,		/* anon, file, shmem: Active/Inactive/Unevictable */
	MS_MEM_SLAB,
	MS_MEM_STACK,
	MS_MEM_PGTABLE,
	MS_MEM_VMALLOC,		/* VmallocUsed less the kernel stacks in it */
	MS_MEM_PERCPU,
	MS_MEM_HUGETLB,
	MS_MEM_UNKNOWN,		/* no call path known */
	MS_MEM_NR_CATS,
};

extern const char *const ms_mem_cat_names[MS_MEM_NR_CATS];

int ms_meminfo_read(struct ms_meminfo *mi);
/* KiB meminfo counts in @cat (0 for OTHER and UNKNOWN). */
long long ms_meminfo_cat(const struct ms_meminfo *mi, enum ms_mem_cat cat);
/* MemTotal - MemFree. */
long long ms_meminfo_used(const struct ms_meminfo *mi);
/* Used memory that no category accounts for. */
long long ms_meminfo_unexplained(const struct ms_meminfo *mi);
/*
 * The category that counts a page allocated under call path @frames
 * (as ms_stack_symbolize() prints them): the first rule naming a frame.
 */
enum ms_mem_cat ms_mem_cat_of(const char *const *frames, int n);

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
 * @s printed from column @col (where the cursor is) on, with a newline,
 * broken at a space or after a '|' where it would pass @width; the
 * continuation lines start at column @indent.
 */
void ms_print_wrapped(const char *s, int col, int indent, int width);

/* ---- snapshots of the kernel's counters (report) ------------------ */

/*
 * Counters @names of a "key value" file (/proc/vmstat) or a "Key: value
 * kB" one (/proc/meminfo, /proc/PID/status) into @vals, -1 where the file
 * has none; 0 or -errno.
 */
int ms_counters_read(const char *path, const char *const *names,
		     long long *vals, size_t n);

/* Memory pressure stall information: PSI, when the kernel has it on. */
struct ms_psi {
	bool on;		/* /proc/pressure/memory readable (psi=1) */
	double some_avg10, full_avg10;	/* % of the last 10 s */
	unsigned long long some_us, full_us;	/* total stall time */
};

void ms_psi_read(struct ms_psi *psi);

/* A process's memory, from /proc/PID/status and /proc/PID/stat. */
struct ms_proc_snap {
	pid_t pid;
	char comm[MS_COMM_LEN + 1];
	long long anon, file, shmem, swap;	/* KiB */
	unsigned long long minflt, majflt;
};

/*
 * Every process with memory (no kernel threads) into *@out (malloc'ed),
 * sorted by pid; how many, or -errno.
 */
ssize_t ms_procs_read(const struct ms_env *env, struct ms_proc_snap **out);
const struct ms_proc_snap *ms_procs_find(const struct ms_proc_snap *procs,
					 size_t n, pid_t pid);

/* A memory cgroup: usage against its limit, in bytes. */
struct ms_memcg {
	char path[256];		/* in its hierarchy, as /proc/PID/cgroup says */
	long long usage;
	long long limit;	/* -1: none */
	long long limit_hits;	/* v2 memory.events max, v1 memory.failcnt */
	long long oom_kills;	/* memory.events / memory.oom_control */
};

/*
 * The memory controller's hierarchy: a cgroup v1 mount of it (@v1),
 * else cgroup v2 when its root lists memory; 0 or -ENOENT.
 */
int ms_memcg_root(char *dir, size_t len, bool *v1);
/*
 * Every memory cgroup, root first, into *@out (malloc'ed); how many (0:
 * no memory controller mounted).
 */
ssize_t ms_memcgs_read(const struct ms_env *env, struct ms_memcg **out,
		       bool *v1);
/* Cgroup directory @path as /proc/PID/cgroup names it, into @rel. */
int ms_cgroup_rel(const char *path, char *rel, size_t len);
/* Whether cgroup @cg (as /proc/PID/cgroup names it) is @dir or below. */
bool ms_cgroup_under(const char *cg, const char *dir);

/* A zone from /proc/zoneinfo and /proc/buddyinfo, in pages. */
struct ms_zone_snap {
	int nid;
	char name[16];
	long long free, min, low, high, managed;
	long long start_pfn, spanned;
	unsigned long long nr_free[16];	/* free blocks per order */
	int orders;			/* of nr_free[] the kernel has */
};

/* Every zone into @z (at most @max); how many, or -errno. */
ssize_t ms_zones_read(struct ms_zone_snap *z, size_t max);
/* The largest order with a free block; -1: none. */
int ms_zone_largest(const struct ms_zone_snap *z);
/* One past the highest pfn of any zone, or -errno. */
long long ms_max_pfn(void);

/* An OOM kill as the kernel logs it. */
struct ms_oom_kill {
	char trigger[MS_COMM_LEN + 1];	/* the task whose allocation failed */
	int order;
	char constraint[32];		/* CONSTRAINT_NONE, _MEMCG... */
	char memcg[128];		/* oom_memcg, memcg OOMs only */
	pid_t pid;			/* the victim */
	char comm[MS_COMM_LEN + 1];
	long long anon_kib;		/* its anon RSS */
};

/* /dev/kmsg, read from its end on: the lines logged from now; -1: none. */
int ms_kmsg_open(void);
/* The OOM kills in the lines of @fd not yet read, into @kills; how many. */
size_t ms_oom_kills_read(int fd, struct ms_oom_kill *kills, size_t max);

/*
 * OpenMetrics text (node_exporter's textfile collector): a gauge
 * "memstat_@name" with its help, its samples to follow; "# EOF" last.
 */
void ms_om_gauge(const char *name, const char *help);
void ms_om_end(void);
/* @s as a label value (quotes, backslashes, newlines escaped) in @buf. */
const char *ms_om_escape(const char *s, char *buf, size_t len);

/* ---- zones --------------------------------------------------------- */

/*
 * Why a page allocation failed, from the zones it could use: the
 * allocator's last watermark check (__zone_watermark_ok() as the slow
 * path calls it: ALLOC_WMARK_MIN, watermark + boost, the request's
 * ALLOC_HIGH/HARDER/CMA) repeated on zone state read after the failure.
 * Zone numbers are in pages as the kernel counts them, so that the check
 * is the kernel's own integer arithmetic; the texts print KiB.
 */
#define MS_ZONE_ORDERS	16	/* free block orders a zone holds */
#define MS_ZONE_TYPES	8	/* zone indexes of lowmem_reserve[] */

/* The request. */
struct ms_zone_req {
	unsigned int order;
	unsigned int max_order;		/* the kernel's MAX_ORDER */
	unsigned int migrate_cma;	/* MIGRATE_CMA (MIGRATE_TYPES: none) */
	bool high;			/* ALLOC_HIGH: __GFP_HIGH */
	bool harder;			/* ALLOC_HARDER */
	bool alloc_cma;			/* ALLOC_CMA: movable, CONFIG_CMA */
	bool have_cma;			/* the kernel has CONFIG_CMA */
	bool numa;			/* the kernel has CONFIG_NUMA */
	int preferred_nid;
	int mempolicy;			/* the task's MPOL_*, -1: none */
	__u64 allowed;			/* nodes 0..63 the nodemask and cpuset allow */
	__u64 mem_nodes;		/* nodes 0..63 with memory: ms_mem_nodes() */
};

/* One zone the request could use, in pages. */
struct ms_zone {
	const char *name;
	int nid;
	long long free;			/* NR_FREE_PAGES */
	long long free_cma;		/* NR_FREE_CMA_PAGES */
	long long min, low, high;	/* _watermark[], without boost */
	long long boost;		/* watermark_boost */
	long long highatomic;		/* nr_reserved_highatomic */
	long long managed, present;
	long long reserve;		/* lowmem_reserve[the request's highest zone] */
	long long lowmem_reserve[MS_ZONE_TYPES];
	unsigned long long nr_free[MS_ZONE_ORDERS];	/* free blocks per order */
	unsigned int lists[MS_ZONE_ORDERS];	/* bit mt: free_list[mt] not empty */
};

enum ms_zone_check {
	MS_ZONE_OK,		/* the zone could serve the request now */
	MS_ZONE_BELOW_MIN,	/* usable free pages <= min + reserve */
	MS_ZONE_CMA_MIN,	/* ... only because free CMA pages are excluded */
	MS_ZONE_FRAG,		/* above min, no usable free block of the order */
	MS_ZONE_CMA_FRAG,	/* ... a block exists, but only in CMA */
};

/* "ok", "below_min", "below_min_without_cma", "no_block", "block_only_in_cma" */
extern const char *const ms_zone_check_names[];
enum ms_zone_check ms_zone_check(const struct ms_zone_req *r,
				 const struct ms_zone *z);
/*
 * The verdict over @zones (preferred first): a key ("below_min",
 * "fragmentation", "cma", "cpuset_mempolicy", "max_order", "none",
 * "unknown") and a sentence in @text, sizes as ms_kib(@env) prints them.
 */
const char *ms_zone_verdict(const struct ms_env *env,
			    const struct ms_zone_req *r,
			    const struct ms_zone *zones, unsigned int n,
			    char *text, size_t len);
/*
 * A zone as a JSON object (inside an array): sizes in KiB (free_kib,
 * min_kib, ..., lowmem_reserve_all_kib), "check", "nr_free" per order.
 */
void ms_zone_json(struct ms_json *j, const struct ms_zone_req *r,
		  const struct ms_zone *z);
/* @zones as a text table (80 columns, sizes by ms_kib()), free blocks. */
void ms_zone_print(const struct ms_env *env, const struct ms_zone_req *r,
		   const struct ms_zone *zones, unsigned int n);
/* Nodes 0..63 with memory (sysfs has_memory); node 0 without NUMA. */
__u64 ms_mem_nodes(void);
/* "0-1,3" from a mask of nodes 0..63, "none" for 0. */
const char *ms_fmt_nodes(__u64 mask, char *buf, size_t len);
/* MPOL_* of include/uapi/linux/mempolicy.h; -1: "none". */
const char *ms_mempolicy_name(int mode);

#endif /* __LIBMEMSTAT_H */
