// SPDX-License-Identifier: GPL-2.0
/*
 * shmsnoop: every SysV shared memory call (shmget, shmat, shmdt, shmctl
 * with its command decoded), every POSIX shared memory open and unlink
 * (a path under /dev/shm/) and every memfd_create() of the system or one
 * process, with arguments and result; or (-S) the calls per process,
 * counted in the kernel.
 *
 * Attach points (shmsnoop_kern.c): the raw tracepoints raw_syscalls:
 * sys_enter and sys_exit, on every system call; the programs return after
 * a compare for any other call.  32-bit (compat) tasks are not traced.
 * Requires: CONFIG_BPF_SYSCALL, CONFIG_BPF_EVENTS, CONFIG_FTRACE_SYSCALLS.
 */
#include <fcntl.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <linux/ipc.h>
#include <linux/shm.h>
#include <linux/memfd.h>

#include "libmemstat.h"
#include "shmsnoop_common.h"

static const char usage[] =
"Usage: shmsnoop [-S [-n N]] [-p PID] [-c CGROUP] [-C] [-jTBv] [-d SEC]\n"
"                [interval [count]]\n"
"\n"
"One line per shared memory call: SysV shmget, shmat, shmdt and shmctl\n"
"(key, id, size, flags, command decoded), POSIX shm_open and shm_unlink\n"
"(an open or unlink of a path under /dev/shm/) and memfd_create, with\n"
"the result or the error.  -S instead counts the calls, the failed ones\n"
"and the SysV memory asked for per process, in the kernel: totals since\n"
"the start, every interval when one is given (an interval implies -S),\n"
"else when it ends.\n"
"\n"
"Options:\n"
"  -S, --summary      a table per process, no lines\n"
"  -n N               rows of the -S table (default 20, 0: all)\n"
"  -p, --pid PID      only process PID (filtered in the kernel)\n"
"\n"
"Lines: TIME(s) since start (the clock with -T), PID, COMM, CALL, then\n"
"the arguments and \"= result\".  shmget: key size flags mode; shmat: id\n"
"addr flags; shmdt: addr; shmctl: id cmd; shm_open: path flags mode;\n"
"shm_unlink: path; memfd_create: name flags.  Paths opened relative to\n"
"a directory descriptor are not seen.  32-bit (compat) calls, which go\n"
"through ipc(2), are counted, not traced.\n"
"\n"
"Examples:\n"
"  shmsnoop                   # every call, until Ctrl-C\n"
"  shmsnoop -j -p 1234        # process 1234's, JSON\n"
"  shmsnoop -S -d 60          # calls per process over a minute\n";

static const struct ms_hook hooks[] = {
	{ "sh_sys_enter", MS_HOOK_TRACEPOINT, "raw_syscalls:sys_enter" },
	{ "sh_sys_exit", MS_HOOK_TRACEPOINT, "raw_syscalls:sys_exit" },
};

static const char *const call_names[SH_NR_CALLS] = {
	"shmget", "shmat", "shmdt", "shmctl", "shm_open", "shm_unlink",
	"memfd_create",
};

static const struct ms_flag_name shmget_names[] = {
	{ IPC_CREAT, "IPC_CREAT" }, { IPC_EXCL, "IPC_EXCL" },
	{ SHM_HUGETLB, "SHM_HUGETLB" }, { SHM_NORESERVE, "SHM_NORESERVE" },
	{ 0, NULL },
};

static const struct ms_flag_name shmat_names[] = {
	{ SHM_RDONLY, "SHM_RDONLY" }, { SHM_RND, "SHM_RND" },
	{ SHM_REMAP, "SHM_REMAP" }, { SHM_EXEC, "SHM_EXEC" }, { 0, NULL },
};

/* This architecture's values (they differ between x86 and arm64). */
static const struct ms_flag_name open_names[] = {
	{ O_CREAT, "CREAT" }, { O_EXCL, "EXCL" }, { O_NOCTTY, "NOCTTY" },
	{ O_TRUNC, "TRUNC" }, { O_APPEND, "APPEND" },
	{ O_NONBLOCK, "NONBLOCK" }, { O_SYNC, "SYNC" }, { O_DSYNC, "DSYNC" },
	{ O_DIRECTORY, "DIRECTORY" }, { O_NOFOLLOW, "NOFOLLOW" },
	{ O_CLOEXEC, "CLOEXEC" }, { 0, NULL },
};

static const struct ms_flag_name memfd_names[] = {
	{ MFD_CLOEXEC, "CLOEXEC" }, { MFD_ALLOW_SEALING, "ALLOW_SEALING" },
	{ MFD_HUGETLB, "HUGETLB" }, { 0, NULL },
};

static const char *const shmctl_cmds[] = {
	[IPC_RMID] = "IPC_RMID", [IPC_SET] = "IPC_SET",
	[IPC_STAT] = "IPC_STAT", [IPC_INFO] = "IPC_INFO",
	[SHM_LOCK] = "SHM_LOCK", [SHM_UNLOCK] = "SHM_UNLOCK",
	[SHM_STAT] = "SHM_STAT", [SHM_INFO] = "SHM_INFO",
	[15] = "SHM_STAT_ANY",
};

struct sh_ctx {
	struct ms_env env;
	struct ms_bpf bpf;
	struct ms_events ev;		/* lines, without -S */
	unsigned long reports;
	__u32 *keys;
	struct sh_proc *procs;
};

static void parse_args(struct sh_ctx *ctx, int argc, char **argv)
{
	struct ms_env *env = &ctx->env;

	ms_env_init(env, "shmsnoop", usage,
		    MS_OPT_SUMMARY | MS_OPT_TOP | MS_OPT_PID | MS_OPT_CGROUP |
		    MS_OPT_CGROUP_COLUMN);
	ms_getopt(env, argc, argv, "", NULL);
	/* Lines come as calls end: an interval is for tables. */
	if (env->interval)
		env->summary = true;
}

/* A few errno names (the calls' usual ones), else the number. */
static const char *err_name(long err, char *buf, size_t len)
{
	static const char *const names[] = {
		[1] = "EPERM", [2] = "ENOENT", [9] = "EBADF", [12] = "ENOMEM",
		[13] = "EACCES", [14] = "EFAULT", [17] = "EEXIST",
		[22] = "EINVAL", [23] = "ENFILE", [24] = "EMFILE",
		[28] = "ENOSPC", [36] = "ENAMETOOLONG", [43] = "EIDRM",
	};

	if (err > 0 && err < (long)ARRAY_SIZE(names) && names[err])
		return names[err];
	snprintf(buf, len, "E%ld", err);
	return buf;
}

/* A string argument: into @j, or appended as text at *@p. */
static void arg_str(struct ms_json *j, char **p, const char *key,
		    const char *val)
{
	if (j)
		ms_json_str(j, key, val);
	else
		*p += sprintf(*p, " %s", val);
}

static void arg_int(struct ms_json *j, char **p, const char *key, long long v)
{
	if (j)
		ms_json_int(j, key, v);
	else
		*p += sprintf(*p, " %s=%lld", key, v);
}

static void arg_fmt(struct ms_json *j, char **p, const char *key,
		    const char *fmt, unsigned long long v)
{
	char buf[32];

	snprintf(buf, sizeof(buf), fmt, v);
	arg_str(j, p, key, buf);
}

static void arg_flags(struct ms_json *j, char **p, const char *key,
		      const struct ms_flag_name *t, __u64 v)
{
	char buf[160];

	arg_str(j, p, key, ms_flags_decode(t, v, buf, sizeof(buf)));
}

/* O_RDONLY/WRONLY/RDWR, then the other flags. */
static void arg_open_flags(struct ms_json *j, char **p, __u64 v)
{
	static const char *const acc[] = { "RDONLY", "WRONLY", "RDWR", "3" };
	char buf[192];
	size_t n;

	n = snprintf(buf, sizeof(buf), "%s", acc[v & O_ACCMODE]);
	if (v & ~(__u64)O_ACCMODE) {
		buf[n++] = '|';
		ms_flags_decode(open_names, v & ~(__u64)O_ACCMODE, buf + n,
				sizeof(buf) - n);
	}
	arg_str(j, p, "flags", buf);
}

/* The arguments of @e (into @j, or as text at @p), then its result. */
static void print_call(struct sh_ctx *ctx, const struct sh_call_rec *e,
		       struct ms_json *j, char *p)
{
	const __u64 *a = e->args;
	bool fail = (__u64)e->ret >= (__u64)-4095;
	char name[SH_NAME_LEN + 1], buf[24];
	__u32 cmd = a[1];

	memcpy(name, e->name, SH_NAME_LEN);
	name[SH_NAME_LEN] = '\0';
	switch (e->call) {
	case SH_SHMGET:
		if (a[0])
			arg_fmt(j, &p, "key", "0x%llx", (__u32)a[0]);
		else
			arg_str(j, &p, "key", "IPC_PRIVATE");
		if (j)
			ms_json_uint(j, "size_kib", (a[1] + 1023) / 1024);
		else
			arg_str(j, &p, NULL, ms_kib(&ctx->env, (a[1] + 1023) / 1024));
		arg_flags(j, &p, "flags", shmget_names, a[2] & ~0777ULL);
		arg_fmt(j, &p, "mode", "0%llo", a[2] & 0777);
		break;
	case SH_SHMAT:
	case SH_SHMCTL:
		arg_int(j, &p, "shmid", (int)a[0]);
		if (e->call == SH_SHMCTL) {
			if ((cmd & ~0x100) < ARRAY_SIZE(shmctl_cmds) &&
			    shmctl_cmds[cmd & ~0x100])
				snprintf(name, sizeof(name), "%s%s",
					 shmctl_cmds[cmd & ~0x100],
					 cmd & 0x100 ? "|IPC_64" : "");
			else
				snprintf(name, sizeof(name), "%u", cmd);
			arg_str(j, &p, "cmd", name);
			break;
		}
		arg_fmt(j, &p, "addr", "0x%llx", a[1]);
		arg_flags(j, &p, "flags", shmat_names, a[2]);
		break;
	case SH_SHMDT:
		arg_fmt(j, &p, "addr", "0x%llx", a[0]);
		break;
	case SH_SHM_OPEN:
	case SH_SHM_UNLINK:
		arg_str(j, &p, "path", name);
		if (e->call == SH_SHM_UNLINK)
			break;
		arg_open_flags(j, &p, a[2]);
		/* Without O_CREAT the register holds no mode. */
		if (a[2] & O_CREAT)
			arg_fmt(j, &p, "mode", "0%llo", a[3] & 07777);
		break;
	case SH_MEMFD:
		arg_str(j, &p, "name", name);
		arg_flags(j, &p, "flags", memfd_names, a[1]);
		break;
	}
	if (!fail && e->call == SH_SHMAT)
		snprintf(buf, sizeof(buf), "0x%llx", (unsigned long long)e->ret);
	else
		snprintf(buf, sizeof(buf), "%lld", (long long)e->ret);
	if (j) {
		ms_json_str(j, "ret", buf);
		if (fail)
			ms_json_str(j, "error", err_name(-e->ret, buf, sizeof(buf)));
		return;
	}
	sprintf(p, " = %s", fail ? err_name(-e->ret, buf, sizeof(buf)) : buf);
}

static int on_event(void *arg, void *data, size_t size)
{
	const struct sh_call_rec *e = data;
	struct sh_ctx *ctx = arg;
	char comm[MS_COMM_LEN + 1], line[512];
	struct ms_json j;
	int col;

	if (size < sizeof(*e) || e->call >= SH_NR_CALLS)
		return 0;
	ms_cstr(comm, e->comm, MS_COMM_LEN);
	col = ms_event_begin(&ctx->ev, &j, e->ts_ns, e->pid, e->tid, comm);
	if (ctx->env.json) {
		ms_json_str(&j, "call", call_names[e->call]);
		print_call(ctx, e, &j, NULL);
		ms_json_end(&j);
		return 0;
	}
	col += printf("%7u %-12.12s %-12s", e->pid, comm, call_names[e->call]);
	print_call(ctx, e, NULL, line);
	ms_print_wrapped(line, col, 12, 80);
	return 0;
}

static int cmp_proc(const void *a, const void *b)
{
	const struct sh_proc *x = a, *y = b;
	__u64 vx = 0, vy = 0;
	int c;

	for (c = 0; c < SH_NR_CALLS; c++) {
		vx += x->calls[c];
		vy += y->calls[c];
	}
	return vx != vy ? (vx > vy ? -1 : 1) : (x->tgid > y->tgid) - (x->tgid < y->tgid);
}

/* The processes' table; the totals over all of them into @calls, @failed. */
static void print_procs(struct sh_ctx *ctx, bool show, __u64 *calls,
			__u64 *failed)
{
	const struct ms_env *env = &ctx->env;
	struct sh_proc *p = ctx->procs;
	ssize_t n, i;
	struct ms_json j;
	int c;

	n = ms_die_on(env, ms_hash_read(ms_bpf_map(&ctx->bpf, "procs"),
					ctx->keys, sizeof(__u32), p,
					sizeof(*p), SH_MAX_PROCS));
	for (i = 0; i < n; i++)
		for (c = 0; c < SH_NR_CALLS; c++) {
			calls[c] += p[i].calls[c];
			failed[c] += p[i].failed[c];
		}
	if (!show)
		return;
	qsort(p, n, sizeof(*p), cmp_proc);
	if (env->top && (size_t)n > env->top)
		n = env->top;
	if (!env->json) {
		printf("%7s %-12s %6s %5s %5s %6s %5s %5s %5s %4s %7s",
		       "PID", "COMM", "SHMGET", "SHMAT", "SHMDT", "SHMCTL",
		       "OPEN", "UNLNK", "MEMFD", "FAIL", "SHMGET_");
		ms_cgroup_head(env);
		putchar('\n');
	}
	for (i = 0; i < n; i++, p++) {
		char comm[MS_COMM_LEN + 1];
		__u64 fails = 0;

		ms_cstr(comm, p->comm, MS_COMM_LEN);
		for (c = 0; c < SH_NR_CALLS; c++)
			fails += p->failed[c];
		if (!env->json) {
			printf("%7u %-12.12s %6llu %5llu %5llu %6llu %5llu %5llu %5llu %4llu %7s",
			       p->tgid, comm, p->calls[SH_SHMGET],
			       p->calls[SH_SHMAT], p->calls[SH_SHMDT],
			       p->calls[SH_SHMCTL], p->calls[SH_SHM_OPEN],
			       p->calls[SH_SHM_UNLINK], p->calls[SH_MEMFD],
			       fails, ms_kib(env, p->shmget_bytes / 1024));
			ms_cgroup_column(env, NULL, p->tgid);
			putchar('\n');
			continue;
		}
		ms_json_record(&j, env, "proc");
		ms_json_uint(&j, "pid", p->tgid);
		ms_json_str(&j, "comm", comm);
		ms_cgroup_column(env, &j, p->tgid);
		for (c = 0; c < SH_NR_CALLS; c++)
			ms_json_uint(&j, call_names[c], p->calls[c]);
		for (c = 0; c < SH_NR_CALLS; c++)
			ms_json_uint2(&j, call_names[c], "_failed", p->failed[c]);
		ms_json_uint(&j, "shmget_kib", p->shmget_bytes / 1024);
		ms_json_end(&j);
	}
}

static int report(void *arg, unsigned long iter)
{
	__u64 calls[SH_NR_CALLS] = {}, failed[SH_NR_CALLS] = {};
	struct sh_ctx *ctx = arg;

	if (!ctx->env.summary)
		return 0;
	ms_report_begin(&ctx->env, iter);
	print_procs(ctx, true, calls, failed);
	ctx->reports++;
	return 0;
}

static int print_summary(void *arg)
{
	struct sh_ctx *ctx = arg;
	__u64 drops[SH_NR_DROPS], calls[SH_NR_CALLS] = {};
	__u64 failed[SH_NR_CALLS] = {}, nfailed = 0, dropped;
	const struct ms_env *env = &ctx->env;
	struct ms_json j;
	int c;

	if (env->summary && !env->interval)
		report(ctx, 0);
	print_procs(ctx, false, calls, failed);
	for (c = 0; c < SH_NR_CALLS; c++)
		nfailed += failed[c];
	dropped = ms_bpf_drops(&ctx->bpf, drops, SH_NR_DROPS) - drops[SH_COMPAT];
	if (dropped)
		ms_warn(env,
			"not seen: %llu calls (too many at once), %llu processes (-S table full), %llu lines (ring buffer full)",
			drops[SH_DROP_INFLIGHT], drops[SH_DROP_PROC],
			drops[SH_DROP_EVENT]);
	if (env->json) {
		ms_json_record(&j, env, "summary");
		for (c = 0; c < SH_NR_CALLS; c++)
			ms_json_uint(&j, call_names[c], calls[c]);
		ms_json_uint(&j, "failed", nfailed);
		if (!env->summary)
			ms_json_uint(&j, "events", ctx->ev.count);
		else
			ms_json_uint(&j, "reports", ctx->reports);
		ms_json_uint(&j, "dropped", dropped);
		ms_json_uint(&j, "lost_events", drops[SH_DROP_EVENT]);
		ms_json_uint(&j, "compat", drops[SH_COMPAT]);
		ms_json_end(&j);
		return 0;
	}
	if (env->summary)
		printf("\nshmsnoop: %lu reports;", ctx->reports);
	else
		printf("\nshmsnoop: %lu lines;", ctx->ev.count);
	for (c = 0; c < SH_NR_CALLS; c++)
		printf("%s %llu %s", c == 4 ? "\n " : "", calls[c],
		       call_names[c]);
	printf(", %llu failed", nfailed);
	printf("\n");
	if (drops[SH_COMPAT])
		printf("shmsnoop: %llu calls of 32-bit tasks not traced\n",
		       drops[SH_COMPAT]);
	return 0;
}

int main(int argc, char **argv)
{
	static struct sh_ctx ctx;
	struct ms_loop loop = {
		.ringbuf_fd = -1, .on_interval = report, .on_record = on_event,
		.ctx = &ctx,
	};
	struct sh_cfg cfg = {};
	int ret;

	parse_args(&ctx, argc, argv);
	ms_tool_init(&ctx.env);
	ctx.keys = ms_zalloc(&ctx.env, SH_MAX_PROCS, sizeof(*ctx.keys));
	ctx.procs = ms_zalloc(&ctx.env, SH_MAX_PROCS, sizeof(*ctx.procs));
	ms_filter_init(&ctx.env, &cfg.filter);
	cfg.events = !ctx.env.summary;
	if (cfg.events)
		ms_events_start(&ctx.ev, &ctx.env);
	ms_bpf_start(&ctx.bpf, &ctx.env, hooks, ARRAY_SIZE(hooks), &cfg,
		     sizeof(cfg));
	if (cfg.events) {
		loop.ringbuf_fd = ms_bpf_map(&ctx.bpf, "events");
		ms_events_header(&ctx.ev, "%7s %-12s %-12s %s\n", "PID",
				 "COMM", "CALL", "ARGS = RESULT");
	}
	/* On stderr in JSON mode too: scripts wait for it. */
	fprintf(stderr, "shmsnoop: tracing shared memory calls%s; Ctrl-C to end\n",
		ctx.env.pid ? " of one process" : "");
	ret = ms_finish(&ctx.bpf, ms_run(&ctx.env, &loop), print_summary,
			&ctx);
	free(ctx.keys);
	free(ctx.procs);
	return ret;
}
