// SPDX-License-Identifier: GPL-2.0
/*
 * mmapsnoop: every mmap, munmap, mremap, mprotect and brk call of the
 * system or one process, with its arguments decoded, the file mapped and
 * the result; or (-S) the calls and bytes mapped and unmapped per process
 * and per file, counted in the kernel.
 *
 * Attach points (mmapsnoop_kern.c): the raw tracepoints raw_syscalls:
 * sys_enter and sys_exit, on every system call; the programs return after
 * a compare for any other call.  32-bit (compat) tasks are not traced.
 * Requires: CONFIG_BPF_SYSCALL, CONFIG_BPF_EVENTS, CONFIG_FTRACE_SYSCALLS.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <linux/mman.h>

#include "libmemstat.h"
#include "mmapsnoop_common.h"

static const char usage[] =
"Usage: mmapsnoop [-S [-n N]] [-b] [-p PID] [-c CGROUP] [-C] [-jTBv] [-d SEC]\n"
"                 [interval [count]]\n"
"\n"
"One line per mmap, munmap, mremap, mprotect and brk call: the process,\n"
"the arguments (sizes in K/M/G, protection and flags decoded), the file\n"
"a mmap maps (its name as its dentry has it, no directory) and the\n"
"result, or the error.  -S instead counts in the kernel and prints per\n"
"process the calls, the failed ones and the memory mapped and unmapped,\n"
"and per file what was mapped of it: totals since the start, every\n"
"interval when one is given (an interval implies -S), else when it\n"
"ends.\n"
"\n"
"Options:\n"
"  -S, --summary      tables per process and per file, no lines\n"
"  -n, --top N        rows of each -S table (default 20, 0: all)\n"
"  -b, --no-brk       leave brk calls out (malloc makes many)\n"
"  -p, --pid PID      only process PID (filtered in the kernel)\n"
"\n"
"Lines: TIME(s) since start (the clock with -T), PID, COMM, CALL, then\n"
"the arguments and \"= result\".  mmap: addr len prot flags fd offset\n"
"[file]; munmap: addr len; mremap: addr old_len new_len flags\n"
"[new_addr]; mprotect: addr len prot; brk: addr (the break before).\n"
"Sizes in -S: MAPPED mmap lengths and mremap growth, UNMAPPED munmap\n"
"lengths (as asked, mapped or not) and mremap shrinking, FILE_MAP of\n"
"MAPPED by mmap of a file, BRK+ heap growth by brk.  32-bit (compat)\n"
"calls are counted, not traced.\n"
"\n"
"Examples:\n"
"  mmapsnoop -p 1234          # every call of process 1234\n"
"  mmapsnoop -b -j -d 10      # all but brk, JSON, for 10 s\n"
"  mmapsnoop -S -n 5 10       # top 5 processes and files, every 10 s\n";

static const struct ms_hook hooks[] = {
	{ "mm_sys_enter", MS_HOOK_TRACEPOINT, "raw_syscalls:sys_enter" },
	{ "mm_sys_exit", MS_HOOK_TRACEPOINT, "raw_syscalls:sys_exit" },
};

static const char *const call_names[MM_NR_CALLS] = {
	"mmap", "munmap", "mremap", "mprotect", "brk",
};

/* The uapi values (asm-generic/mman-common.h: x86 and arm64 alike). */
static const struct ms_flag_name prot_names[] = {
	{ PROT_READ, "READ" }, { PROT_WRITE, "WRITE" }, { PROT_EXEC, "EXEC" },
	{ PROT_SEM, "SEM" }, { PROT_GROWSDOWN, "GROWSDOWN" },
	{ PROT_GROWSUP, "GROWSUP" }, { 0, NULL },
};

static const struct ms_flag_name map_names[] = {
	{ MAP_SHARED_VALIDATE, "SHARED_VALIDATE" }, { MAP_SHARED, "SHARED" },
	{ MAP_PRIVATE, "PRIVATE" }, { MAP_FIXED, "FIXED" },
	{ MAP_ANONYMOUS, "ANONYMOUS" }, { MAP_GROWSDOWN, "GROWSDOWN" },
	{ MAP_DENYWRITE, "DENYWRITE" }, { MAP_EXECUTABLE, "EXECUTABLE" },
	{ MAP_LOCKED, "LOCKED" }, { MAP_NORESERVE, "NORESERVE" },
	{ MAP_POPULATE, "POPULATE" }, { MAP_NONBLOCK, "NONBLOCK" },
	{ MAP_STACK, "STACK" }, { MAP_HUGETLB, "HUGETLB" },
	{ MAP_SYNC, "SYNC" }, { MAP_FIXED_NOREPLACE, "FIXED_NOREPLACE" },
	{ 0, NULL },
};

static const struct ms_flag_name mremap_names[] = {
	{ MREMAP_MAYMOVE, "MAYMOVE" }, { MREMAP_FIXED, "FIXED" },
	{ 4, "DONTUNMAP" }, { 0, NULL },
};

struct mm_ctx {
	struct ms_env env;
	struct ms_bpf bpf;
	struct ms_events ev;		/* lines, without -S */
	unsigned long reports;
	void *keys, *vals, *rows;	/* scratch for ms_hash_read() */
};

static void parse_args(struct mm_ctx *ctx, int argc, char **argv,
		       struct mm_cfg *cfg)
{
	static const struct option longopts[] = {
		{ "no-brk", no_argument, NULL, 'b' },
		{ NULL, 0, NULL, 0 },
	};
	struct ms_env *env = &ctx->env;
	int c;

	ms_env_init(env, "mmapsnoop", usage,
		    MS_OPT_SUMMARY | MS_OPT_TOP | MS_OPT_PID | MS_OPT_CGROUP |
		    MS_OPT_CGROUP_COLUMN);
	while ((c = ms_getopt(env, argc, argv, "b", longopts)) != -1)
		if (c == 'b')
			cfg->no_brk = 1;
	/* Lines come as calls end: an interval is for tables. */
	if (env->interval)
		env->summary = true;
}

/* A few errno names (the calls' usual ones), else the number. */
static const char *err_name(long err, char *buf, size_t len)
{
	static const char *const names[] = {
		[1] = "EPERM", [2] = "ENOENT", [9] = "EBADF", [11] = "EAGAIN",
		[12] = "ENOMEM", [13] = "EACCES", [14] = "EFAULT",
		[16] = "EBUSY", [17] = "EEXIST", [19] = "ENODEV",
		[22] = "EINVAL", [23] = "ENFILE", [24] = "EMFILE",
		[26] = "ETXTBSY", [28] = "ENOSPC", [75] = "EOVERFLOW",
	};

	if (err > 0 && err < (long)ARRAY_SIZE(names) && names[err])
		return names[err];
	snprintf(buf, len, "E%ld", err);
	return buf;
}

/* KiB of @bytes, rounded up (the kernel maps whole pages). */
static long long kib_up(__u64 bytes)
{
	return (bytes + 1023) / 1024;
}

static void arg_hex(struct ms_json *j, char **p, const char *key, __u64 v)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "0x%llx", (unsigned long long)v);
	if (j)
		ms_json_str(j, key, buf);
	else
		*p += sprintf(*p, " %s", buf);
}

static void arg_kib(struct mm_ctx *ctx, struct ms_json *j, char **p,
		    const char *key, __u64 bytes)
{
	if (j)
		ms_json_int(j, key, kib_up(bytes));
	else
		*p += sprintf(*p, " %s", ms_kib(&ctx->env, kib_up(bytes)));
}

static void arg_flags(struct ms_json *j, char **p, const char *key,
		      const struct ms_flag_name *t, __u64 v)
{
	char buf[160];

	ms_flags_decode(t, v, buf, sizeof(buf));
	if (j)
		ms_json_str(j, key, buf);
	else
		*p += sprintf(*p, " %s", buf);
}

/* The arguments of @e (into @j, or as text at @p), then its result. */
static void print_call(struct mm_ctx *ctx, const struct mm_call_rec *e,
		       struct ms_json *j, char *p)
{
	const __u64 *a = e->args;
	bool fail = e->call != MM_BRK && (__u64)e->ret >= (__u64)-4095;
	char buf[24];

	arg_hex(j, &p, "addr", a[0]);
	switch (e->call) {
	case MM_MMAP:
		arg_kib(ctx, j, &p, "len_kib", a[1]);
		arg_flags(j, &p, "prot", prot_names, a[2]);
		arg_flags(j, &p, "flags", map_names, a[3]);
		if (j) {
			ms_json_int(j, "fd", (int)a[4]);
			ms_json_uint(j, "off_kib", a[5] / 1024);
			if (e->name[0])
				ms_json_str(j, "file", e->name);
			break;
		}
		p += sprintf(p, " fd=%d off=%s", (int)a[4],
			     ms_kib(&ctx->env, a[5] / 1024));
		if (e->name[0])
			p += sprintf(p, " %.*s", MM_NAME_LEN, e->name);
		break;
	case MM_MREMAP:
		arg_kib(ctx, j, &p, "old_len_kib", a[1]);
		arg_kib(ctx, j, &p, "len_kib", a[2]);
		arg_flags(j, &p, "flags", mremap_names, a[3]);
		if (a[3] & MREMAP_FIXED)
			arg_hex(j, &p, "new_addr", a[4]);
		break;
	case MM_MUNMAP:
	case MM_MPROTECT:
		arg_kib(ctx, j, &p, "len_kib", a[1]);
		if (e->call == MM_MPROTECT)
			arg_flags(j, &p, "prot", prot_names, a[2]);
		break;
	case MM_BRK:
		arg_hex(j, &p, "old_brk", e->old_brk);
		break;
	}
	if (fail || e->call == MM_MUNMAP || e->call == MM_MPROTECT)
		snprintf(buf, sizeof(buf), "%lld", (long long)e->ret);
	else
		snprintf(buf, sizeof(buf), "0x%llx", (unsigned long long)e->ret);
	if (j) {
		ms_json_str(j, "ret", buf);
		if (fail)
			ms_json_str(j, "error", err_name(-e->ret, buf, sizeof(buf)));
		return;
	}
	if (fail)
		sprintf(p, " = %s", err_name(-e->ret, buf, sizeof(buf)));
	else
		sprintf(p, " = %s", buf);
}

static int on_event(void *arg, void *data, size_t size)
{
	const struct mm_call_rec *e = data;
	struct mm_ctx *ctx = arg;
	char comm[MS_COMM_LEN + 1], line[512];
	struct ms_json j;
	int col;

	if (size < sizeof(*e) || e->call >= MM_NR_CALLS)
		return 0;
	ms_cstr(comm, e->comm, MS_COMM_LEN);
	col = ms_event_begin(&ctx->ev, &j, e->ts_ns, e->pid, e->tid, comm);
	if (ctx->env.json) {
		ms_json_str(&j, "call", call_names[e->call]);
		print_call(ctx, e, &j, NULL);
		ms_json_end(&j);
		return 0;
	}
	col += printf("%7u %-12.12s %-8s", e->pid, comm, call_names[e->call]);
	print_call(ctx, e, NULL, line);
	ms_print_wrapped(line, col, 12, 80);
	return 0;
}

static int cmp_proc(const void *a, const void *b)
{
	const struct mm_proc *x = a, *y = b;
	__u64 vx = x->mapped + x->unmapped + x->brk_grown;
	__u64 vy = y->mapped + y->unmapped + y->brk_grown;

	return vx != vy ? (vx > vy ? -1 : 1) : (x->tgid > y->tgid) - (x->tgid < y->tgid);
}

/* -S: a file and its key, for sorting. */
struct mm_file_row {
	struct mm_file_key key;
	struct mm_file f;
};

static int cmp_file(const void *a, const void *b)
{
	const struct mm_file_row *x = a, *y = b;

	return x->f.mapped != y->f.mapped ? (x->f.mapped > y->f.mapped ? -1 : 1) : 0;
}

static void print_procs(struct mm_ctx *ctx)
{
	const struct ms_env *env = &ctx->env;
	struct mm_proc *p = ctx->vals;
	ssize_t n, i, fails;
	struct ms_json j;
	int c;

	n = ms_die_on(env, ms_hash_read(ms_bpf_map(&ctx->bpf, "procs"),
					ctx->keys, sizeof(__u32), p,
					sizeof(*p), MM_MAX_PROCS));
	qsort(p, n, sizeof(*p), cmp_proc);
	if (env->top && (size_t)n > env->top)
		n = env->top;
	if (!env->json) {
		printf("%7s %-12s %5s %5s %5s %5s %5s %4s %7s %7s %7s %6s",
		       "PID", "COMM", "MMAP", "MUNMP", "MREMP", "MPROT", "BRK",
		       "FAIL", "MAPPED", "UNMAPPD", "FILEMAP", "BRK+");
		ms_cgroup_head(env);
		putchar('\n');
	}
	for (i = 0; i < n; i++, p++) {
		char comm[MS_COMM_LEN + 1];

		ms_cstr(comm, p->comm, MS_COMM_LEN);
		for (fails = 0, c = 0; c < MM_NR_CALLS; c++)
			fails += p->failed[c];
		if (!env->json) {
			printf("%7u %-12.12s %5llu %5llu %5llu %5llu %5llu %4zd %7s %7s %7s %6s",
			       p->tgid, comm, p->calls[MM_MMAP],
			       p->calls[MM_MUNMAP], p->calls[MM_MREMAP],
			       p->calls[MM_MPROTECT], p->calls[MM_BRK], fails,
			       ms_kib(env, p->mapped / 1024),
			       ms_kib(env, p->unmapped / 1024),
			       ms_kib(env, p->mapped_file / 1024),
			       ms_kib(env, p->brk_grown / 1024));
			ms_cgroup_column(env, NULL, p->tgid);
			putchar('\n');
			continue;
		}
		ms_json_record(&j, env, "proc");
		ms_json_uint(&j, "pid", p->tgid);
		ms_json_str(&j, "comm", comm);
		ms_cgroup_column(env, &j, p->tgid);
		for (c = 0; c < MM_NR_CALLS; c++)
			ms_json_uint(&j, call_names[c], p->calls[c]);
		for (c = 0; c < MM_NR_CALLS; c++)
			ms_json_uint2(&j, call_names[c], "_failed", p->failed[c]);
		ms_json_uint(&j, "mapped_kib", p->mapped / 1024);
		ms_json_uint(&j, "unmapped_kib", p->unmapped / 1024);
		ms_json_uint(&j, "mapped_file_kib", p->mapped_file / 1024);
		ms_json_uint(&j, "protected_kib", p->protected / 1024);
		ms_json_uint(&j, "brk_grown_kib", p->brk_grown / 1024);
		ms_json_uint(&j, "brk_shrunk_kib", p->brk_shrunk / 1024);
		ms_json_end(&j);
	}
}

static void print_files(struct mm_ctx *ctx)
{
	const struct ms_env *env = &ctx->env;
	struct mm_file_key *k = ctx->keys;
	struct mm_file *f = ctx->vals;
	struct mm_file_row *r = ctx->rows;
	char name[MM_NAME_LEN + 1], dev[24];
	struct ms_json j;
	ssize_t n, i;

	n = ms_die_on(env, ms_hash_read(ms_bpf_map(&ctx->bpf, "files"), k,
					sizeof(*k), f, sizeof(*f),
					MM_MAX_FILES));
	for (i = 0; i < n; i++) {
		r[i].key = k[i];
		r[i].f = f[i];
	}
	qsort(r, n, sizeof(*r), cmp_file);
	if (env->top && (size_t)n > env->top)
		n = env->top;
	if (!env->json && n)
		printf("\n%-40s %-7s %10s %5s %7s\n", "FILE", "DEV", "INO",
		       "MAPS", "MAPPED");
	for (i = 0; i < n; i++, r++) {
		memcpy(name, r->f.name, MM_NAME_LEN);
		name[MM_NAME_LEN] = '\0';
		/* The kernel's dev_t: 12 bits major, 20 minor. */
		snprintf(dev, sizeof(dev), "%u:%u", r->key.dev >> 20,
			 r->key.dev & 0xfffff);
		if (!env->json) {
			printf("%-40.40s %-7s %10llu %5llu %7s\n", name, dev,
			       r->key.ino, r->f.maps,
			       ms_kib(env, r->f.mapped / 1024));
			continue;
		}
		ms_json_record(&j, env, "file");
		ms_json_str(&j, "file", name);
		ms_json_str(&j, "dev", dev);
		ms_json_uint(&j, "ino", r->key.ino);
		ms_json_uint(&j, "maps", r->f.maps);
		ms_json_uint(&j, "mapped_kib", r->f.mapped / 1024);
		ms_json_end(&j);
	}
}

static int report(void *arg, unsigned long iter)
{
	struct mm_ctx *ctx = arg;

	if (!ctx->env.summary)
		return 0;
	ms_report_begin(&ctx->env, iter);
	print_procs(ctx);
	print_files(ctx);
	ctx->reports++;
	return 0;
}

/* Totals over the processes' table, and what could not be seen. */
static int print_summary(void *arg)
{
	struct mm_ctx *ctx = arg;
	__u64 drops[MM_NR_DROPS], calls[MM_NR_CALLS] = {}, failed = 0, dropped;
	const struct ms_env *env = &ctx->env;
	struct mm_proc *p = ctx->vals;
	struct ms_json j;
	ssize_t n, i;
	int c;

	if (env->summary && !env->interval)
		report(ctx, 0);
	n = ms_die_on(env, ms_hash_read(ms_bpf_map(&ctx->bpf, "procs"),
					ctx->keys, sizeof(__u32), p,
					sizeof(*p), MM_MAX_PROCS));
	for (i = 0; i < n; i++)
		for (c = 0; c < MM_NR_CALLS; c++) {
			calls[c] += p[i].calls[c];
			failed += p[i].failed[c];
		}
	dropped = ms_bpf_drops(&ctx->bpf, drops, MM_NR_DROPS) - drops[MM_COMPAT];
	if (dropped)
		ms_warn(env,
			"not seen: %llu calls (too many at once), %llu processes and %llu files (-S tables full), %llu lines (ring buffer full)",
			drops[MM_DROP_INFLIGHT], drops[MM_DROP_PROC],
			drops[MM_DROP_FILE], drops[MM_DROP_EVENT]);
	if (env->json) {
		ms_json_record(&j, env, "summary");
		for (c = 0; c < MM_NR_CALLS; c++)
			ms_json_uint(&j, call_names[c], calls[c]);
		ms_json_uint(&j, "failed", failed);
		if (!env->summary)
			ms_json_uint(&j, "events", ctx->ev.count);
		else
			ms_json_uint(&j, "reports", ctx->reports);
		ms_json_uint(&j, "dropped", dropped);
		ms_json_uint(&j, "lost_events", drops[MM_DROP_EVENT]);
		ms_json_uint(&j, "compat", drops[MM_COMPAT]);
		ms_json_end(&j);
		return 0;
	}
	if (env->summary)
		printf("\nmmapsnoop: %lu reports;", ctx->reports);
	else
		printf("\nmmapsnoop: %lu lines;", ctx->ev.count);
	for (c = 0; c < MM_NR_CALLS; c++)
		printf(" %llu %s", calls[c], call_names[c]);
	printf(", %llu failed", failed);
	printf("\n");
	if (drops[MM_COMPAT])
		printf("mmapsnoop: %llu calls of 32-bit tasks not traced\n",
		       drops[MM_COMPAT]);
	return 0;
}

int main(int argc, char **argv)
{
	static struct mm_ctx ctx;
	struct ms_loop loop = {
		.ringbuf_fd = -1, .on_interval = report, .on_record = on_event,
		.ctx = &ctx,
	};
	struct mm_cfg cfg = {};
	size_t vsize = sizeof(struct mm_proc) > sizeof(struct mm_file) ?
		       sizeof(struct mm_proc) : sizeof(struct mm_file);
	int ret;

	parse_args(&ctx, argc, argv, &cfg);
	ms_tool_init(&ctx.env);
	ctx.keys = ms_zalloc(&ctx.env, MM_MAX_FILES, sizeof(struct mm_file_key));
	ctx.vals = ms_zalloc(&ctx.env, MM_MAX_FILES, vsize);
	ctx.rows = ms_zalloc(&ctx.env, MM_MAX_FILES, sizeof(struct mm_file_row));
	ms_filter_init(&ctx.env, &cfg.filter);
	cfg.events = !ctx.env.summary;
	if (cfg.events)
		ms_events_start(&ctx.ev, &ctx.env);
	ms_bpf_start(&ctx.bpf, &ctx.env, hooks, ARRAY_SIZE(hooks), &cfg,
		     sizeof(cfg));
	if (cfg.events) {
		loop.ringbuf_fd = ms_bpf_map(&ctx.bpf, "events");
		ms_events_header(&ctx.ev, "%7s %-12s %-8s %s\n", "PID", "COMM",
				 "CALL", "ARGS = RESULT");
	}
	/* On stderr in JSON mode too: scripts wait for it. */
	fprintf(stderr, "mmapsnoop: tracing memory map calls%s; Ctrl-C to end\n",
		ctx.env.pid ? " of one process" : "");
	ret = ms_finish(&ctx.bpf, ms_run(&ctx.env, &loop), print_summary,
			&ctx);
	free(ctx.keys);
	free(ctx.vals);
	free(ctx.rows);
	return ret;
}
