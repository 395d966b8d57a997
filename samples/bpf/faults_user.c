// SPDX-License-Identifier: GPL-2.0
/*
 * faults: page faults per process (or thread), minor and major, counted
 * as /proc/PID/stat counts them (minflt, majflt: equal, not about); the
 * file behind each file-backed fault; the kernel and user stacks that
 * fault on request (-K, -U).
 *
 * Attach point (faults_kern.c): the return of handle_mm_fault(), by
 * fexit where the kernel has BPF trampolines and BTF (x86-64), else by a
 * kprobe and a kretprobe (arm64 5.10); -A picks one.  Every fault of a
 * process passes there: the overhead is one short program per fault.
 * Requires: CONFIG_BPF_SYSCALL, CONFIG_BPF_EVENTS and either
 * CONFIG_DEBUG_INFO_BTF (fexit) or CONFIG_KPROBES (kprobe).
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "libmemstat.h"
#include "faults_common.h"

static const char usage[] =
"Usage: faults [-t] [-K] [-U] [-F N] [-n N] [-s KEY] [-p PID] [-c CGROUP] [-C]\n"
"              [-A HOOK] [-jTBv] [-d SEC] [interval [count]]\n"
"\n"
"Page faults per process since the start, minor and major, counted as\n"
"the kernel counts them into /proc/PID/stat (minflt, majflt); the files\n"
"the file-backed faults were in; with -K/-U the stacks that faulted.\n"
"With an interval, the tables every interval; a summary at the end\n"
"(Ctrl-C, SIGTERM, -d or count).\n"
"\n"
"Options:\n"
"  -t, --threads       one row per thread\n"
"  -K, --kernel-stacks count faults by kernel stack\n"
"  -U, --user-stacks   count faults by user stack\n"
"  -F, --frames N      frames shown per stack (default 8)\n"
"  -n, --top N         rows per table (default 20, 0: all)\n"
"  -s, --sort KEY      faults (default), minor or major\n"
"  -p, --pid PID       only process PID (filtered in the kernel)\n"
"  -c, --cgroup PATH   only processes in cgroup PATH and below\n"
"  -A, --attach HOOK   fexit (default where there) or kprobe\n"
"\n"
"Columns: FMINOR FMAJOR faults in file mappings, GUP faults taken by\n"
"get_user_pages() (perf's fault events miss them); FILE: its name.\n"
"\n"
"Examples:\n"
"  faults -d 10              # per process and file, for 10 seconds\n"
"  faults -s major -n 5 5    # top 5 by major faults, every 5 seconds\n"
"  faults -p 1234 -KU -F 12  # stacks of process 1234's faults\n"
"  faults -t -j -p 1234      # per thread, JSON Lines\n";

enum ft_attach { FT_ATTACH_FEXIT, FT_ATTACH_KPROBE };
static const char *const attach_names[] = { "fexit", "kprobe", NULL };
static const char *const sort_names[] = { "faults", "minor", "major", NULL };

static const struct ms_hook hooks_fexit[] = {
	{ "ft_fexit", MS_HOOK_FEXIT, "handle_mm_fault" },
};

/*
 * The kretprobe first (ms_bpf_attach goes in table order, detach in
 * reverse): a return whose entry was not seen is skipped, while an entry
 * whose return went unseen would count as lost.
 */
static const struct ms_hook hooks_kprobe[] = {
	{ "ft_return", MS_HOOK_KRETPROBE, "handle_mm_fault" },
	{ "ft_entry", MS_HOOK_KPROBE, "handle_mm_fault" },
};

#define FT_TOTAL_FIELDS	(sizeof(struct ft_totals) / sizeof(__u64))

struct ft_ctx {
	struct ms_env env;
	int attach;			/* enum ft_attach */
	int sort;			/* index in sort_names */
	__u32 stacks;			/* FT_STACK_* */
	struct ms_bpf bpf;
	unsigned long reports;
};

static void parse_args(struct ft_ctx *ctx, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "kernel-stacks", no_argument, NULL, 'K' },
		{ "user-stacks", no_argument, NULL, 'U' },
		{},
	};
	struct ms_env *env = &ctx->env;
	int opt;

	ms_env_init(env, "faults", usage,
		    MS_OPT_PID | MS_OPT_CGROUP |
		    MS_OPT_CGROUP_COLUMN | MS_OPT_TOP | MS_OPT_FRAMES |
		    MS_OPT_THREADS | MS_OPT_SORT | MS_OPT_ATTACH);
	while ((opt = ms_getopt(env, argc, argv, "KU", longopts)) != -1)
		ctx->stacks |= opt == 'K' ? FT_STACK_KERNEL : FT_STACK_USER;
	if (ctx->stacks && !env->frames)
		ms_usage_error(env, "-F 0 shows no frames: drop -K/-U, or show some");
	ctx->sort = env->sort ? ms_pick(env, "sort key", env->sort,
					sort_names) : 0;
	ctx->attach = -1;
	if (env->attach)
		ctx->attach = ms_pick(env, "attach point", env->attach,
				      attach_names);
}

static int start(struct ft_ctx *ctx, int attach, const struct ft_cfg *cfg)
{
	int err;

	if (attach == FT_ATTACH_FEXIT)
		err = ms_bpf_open(&ctx->bpf, &ctx->env, hooks_fexit,
				  ARRAY_SIZE(hooks_fexit));
	else
		err = ms_bpf_open(&ctx->bpf, &ctx->env, hooks_kprobe,
				  ARRAY_SIZE(hooks_kprobe));
	if (!err)
		err = ms_bpf_load(&ctx->bpf);
	if (!err)
		err = ms_bpf_cfg(&ctx->bpf, cfg, sizeof(*cfg));
	if (!err)
		err = ms_bpf_attach(&ctx->bpf);
	if (err && ctx->bpf.obj) {
		ms_bpf_detach(&ctx->bpf);
		ms_bpf_close(&ctx->bpf);
	}
	if (!err)
		ctx->attach = attach;
	return err;
}

/* The hook -A names, else fexit and, if it fails, the kprobes. */
static void start_best(struct ft_ctx *ctx, const struct ft_cfg *cfg)
{
	if (ctx->attach < 0 && !start(ctx, FT_ATTACH_FEXIT, cfg))
		return;
	if (ctx->attach < 0 && ctx->env.verbose)
		ms_warn(&ctx->env, "%s; trying kprobes", ms_last_error());
	ms_die_on(&ctx->env, start(ctx, ctx->attach < 0 ? FT_ATTACH_KPROBE :
				   ctx->attach, cfg));
}

/* ---- reading and sorting ------------------------------------------- */

struct ft_row {
	__u64 faults[FT_NR_KINDS];
	const void *key, *val;
};

static int g_sort;	/* -s: 0 faults, 1 minor (FT_MINOR + 1), 2 major */

static __u64 sort_value(const struct ft_row *r)
{
	return g_sort ? r->faults[g_sort - 1] :
	       r->faults[FT_MINOR] + r->faults[FT_MAJOR];
}

static int cmp_rows(const void *a, const void *b)
{
	__u64 x = sort_value(a), y = sort_value(b);

	return x > y ? -1 : x < y;
}

/*
 * Every entry of hash map @name (values start with nothing but, at
 * @off, __u64 faults[FT_NR_KINDS]) as rows sorted by -s, the top -n.
 */
static size_t read_rows(struct ft_ctx *ctx, const char *name, size_t ksz,
			size_t vsz, size_t off, size_t max, void **keys,
			void **vals, struct ft_row **rows)
{
	ssize_t n, i;

	*keys = ms_zalloc(&ctx->env, max, ksz);
	*vals = ms_zalloc(&ctx->env, max, vsz);
	*rows = ms_zalloc(&ctx->env, max, sizeof(**rows));
	n = ms_hash_read(ms_bpf_map(&ctx->bpf, name), *keys, ksz, *vals, vsz,
			 max);
	if (n < 0) {
		ms_warn(&ctx->env, "%s", ms_last_error());
		return 0;
	}
	for (i = 0; i < n; i++) {
		struct ft_row *r = &(*rows)[i];

		r->key = (char *)*keys + i * ksz;
		r->val = (char *)*vals + i * vsz;
		memcpy(r->faults, (const char *)r->val + off, sizeof(r->faults));
	}
	g_sort = ctx->sort;
	qsort(*rows, n, sizeof(**rows), cmp_rows);
	return ctx->env.top < (size_t)n ? ctx->env.top : (size_t)n;
}

static void free_rows(void *keys, void *vals, struct ft_row *rows)
{
	free(keys);
	free(vals);
	free(rows);
}

/* ---- tables -------------------------------------------------------- */

static void print_procs(struct ft_ctx *ctx)
{
	const struct ms_env *env = &ctx->env;
	struct ft_row *rows;
	void *keys, *vals;
	struct ms_json j;
	size_t i, n;

	n = read_rows(ctx, "procs", sizeof(struct ft_proc_key),
		      sizeof(struct ft_proc), offsetof(struct ft_proc, faults),
		      FT_MAX_PROCS, &keys, &vals, &rows);
	if (!env->json) {
		printf("%7s %s%-15s %9s %8s %9s %8s %7s", "PID",
		       env->threads ? "    TID " : "", "COMM", "MINOR",
		       "MAJOR", "FMINOR", "FMAJOR", "GUP");
		ms_cgroup_head(env);
		putchar('\n');
	}
	for (i = 0; i < n; i++) {
		const struct ft_proc_key *k = rows[i].key;
		const struct ft_proc *p = rows[i].val;

		if (env->json) {
			ms_json_record(&j, env, "proc");
			ms_json_uint(&j, "pid", k->tgid);
			if (env->threads)
				ms_json_uint(&j, "tid", k->tid);
			ms_json_str(&j, "comm", p->comm);
			ms_cgroup_column(env, &j, k->tgid);
			ms_json_uint(&j, "minor", p->faults[FT_MINOR]);
			ms_json_uint(&j, "major", p->faults[FT_MAJOR]);
			ms_json_uint(&j, "file_minor", p->file[FT_MINOR]);
			ms_json_uint(&j, "file_major", p->file[FT_MAJOR]);
			ms_json_uint(&j, "gup", p->gup);
			ms_json_end(&j);
			continue;
		}
		printf("%7u ", k->tgid);
		if (env->threads)
			printf("%7u ", k->tid);
		printf("%-15s %9llu %8llu %9llu %8llu %7llu", p->comm,
		       p->faults[FT_MINOR], p->faults[FT_MAJOR],
		       p->file[FT_MINOR], p->file[FT_MAJOR], p->gup);
		ms_cgroup_column(env, NULL, k->tgid);
		putchar('\n');
	}
	free_rows(keys, vals, rows);
}

static void print_files(struct ft_ctx *ctx)
{
	const struct ms_env *env = &ctx->env;
	struct ft_row *rows;
	void *keys, *vals;
	struct ms_json j;
	size_t i, n;

	n = read_rows(ctx, "files", sizeof(struct ft_file_key),
		      sizeof(struct ft_file), offsetof(struct ft_file, faults),
		      FT_MAX_FILES, &keys, &vals, &rows);
	if (n && !env->json)
		printf("\n%7s %-15s %9s %8s  %s\n", "PID", "COMM", "MINOR",
		       "MAJOR", "FILE");
	for (i = 0; i < n; i++) {
		const struct ft_file_key *k = rows[i].key;
		const struct ft_file *f = rows[i].val;

		if (env->json) {
			ms_json_record(&j, env, "file");
			ms_json_uint(&j, "pid", k->tgid);
			ms_json_str(&j, "comm", f->comm);
			ms_json_str(&j, "file", f->name);
			ms_json_uint(&j, "minor", f->faults[FT_MINOR]);
			ms_json_uint(&j, "major", f->faults[FT_MAJOR]);
			ms_json_end(&j);
			continue;
		}
		printf("%7u %-15s %9llu %8llu  %.36s\n", k->tgid, f->comm,
		       f->faults[FT_MINOR], f->faults[FT_MAJOR], f->name);
	}
	free_rows(keys, vals, rows);
}

/* -U: a process's first fault; its maps are read while it lives. */
static int on_new_proc(void *arg, void *data, size_t size)
{
	if (size >= sizeof(__u32))
		ms_usyms_track(*(__u32 *)data);
	return 0;
}

/* Stack @id (of process @tgid: user; 0: kernel), at most -F frames. */
static void print_frames(struct ft_ctx *ctx, struct ms_json *j,
			 const char *key, __s32 id, __u32 tgid)
{
	__u64 ips[MS_STACK_DEPTH] = {};
	char *frames[MS_STACK_DEPTH];
	int n = -1, i;

	if (id >= 0 && !bpf_map_lookup_elem(ms_bpf_map(&ctx->bpf, "stacks"),
					    &id, ips))
		n = tgid ? ms_ustack_symbolize(tgid, ips, MS_STACK_DEPTH, frames) :
		    ms_stack_symbolize(ips, MS_STACK_DEPTH, frames);
	if (n > (int)ctx->env.frames) {
		ms_stack_free(frames + ctx->env.frames, n - ctx->env.frames);
		n = ctx->env.frames;
	}
	if (ctx->env.json && n >= 0)
		ms_json_str_array(j, key, (const char *const *)frames, n);
	else if (n < 0 && !ctx->env.json)
		printf("    [%s stack not recorded]\n", tgid ? "user" : "kernel");
	for (i = 0; i < n && !ctx->env.json; i++)
		printf("    %s\n", frames[i]);
	if (n > 0)
		ms_stack_free(frames, n);
}

static void print_stacks(struct ft_ctx *ctx)
{
	const struct ms_env *env = &ctx->env;
	struct ft_row *rows;
	void *keys, *vals;
	struct ms_json j;
	size_t i, n;

	n = read_rows(ctx, "groups", sizeof(struct ft_group_key),
		      sizeof(struct ft_group), 0, FT_MAX_GROUPS, &keys, &vals,
		      &rows);
	for (i = 0; i < n; i++) {
		const struct ft_group_key *k = rows[i].key;
		const __u64 *f = rows[i].faults;

		const char *comm = ((const struct ft_group *)rows[i].val)->comm;

		if (env->json) {
			ms_json_record(&j, env, "stack");
			ms_json_uint(&j, "pid", k->tgid);
			if (env->threads)
				ms_json_uint(&j, "tid", k->tid);
			ms_json_str(&j, "comm", comm);
			ms_json_uint(&j, "minor", f[FT_MINOR]);
			ms_json_uint(&j, "major", f[FT_MAJOR]);
		} else {
			printf("\n%s %u (%s): %llu minor, %llu major\n",
			       env->threads ? "tid" : "pid",
			       env->threads ? k->tid : k->tgid, comm,
			       f[FT_MINOR], f[FT_MAJOR]);
		}
		if (ctx->stacks & FT_STACK_KERNEL)
			print_frames(ctx, &j, "kstack", k->kstack, 0);
		if (!env->json && ctx->stacks == (FT_STACK_KERNEL | FT_STACK_USER))
			printf("    --\n");
		if (ctx->stacks & FT_STACK_USER)
			print_frames(ctx, &j, "ustack", k->ustack, k->tgid);
		if (env->json)
			ms_json_end(&j);
	}
	free_rows(keys, vals, rows);
}

static int report(void *arg, unsigned long iter)
{
	struct ft_ctx *ctx = arg;

	ms_report_begin(&ctx->env, iter);
	print_procs(ctx);
	print_files(ctx);
	if (ctx->stacks)
		print_stacks(ctx);
	ctx->reports++;
	return 0;
}

/* Totals since the start, and what could not be counted. */
static int print_summary(void *arg)
{
	static const char *const names[FT_TOTAL_FIELDS + FT_NR_DROPS] = {
		"minor", "major", "file_minor", "file_major", "gup", "retry",
		"error", "drop_proc", "drop_file", "drop_group", "drop_kstack",
		"drop_ustack", "drop_inflight", "unpaired", "drop_track",
	};
	__u64 all[FT_TOTAL_FIELDS + FT_NR_DROPS], dropped;
	__u64 *drops = all + FT_TOTAL_FIELDS;
	struct ft_ctx *ctx = arg;
	const struct ms_env *env = &ctx->env;
	struct ft_totals t;
	struct ms_json j;
	size_t i;

	if (ms_percpu_read(ms_bpf_map(&ctx->bpf, "totals"), 0, all,
			   FT_TOTAL_FIELDS)) {
		ms_warn(env, "%s", ms_last_error());
		return -1;
	}
	memcpy(&t, all, sizeof(t));
	dropped = ms_bpf_drops(&ctx->bpf, drops, FT_NR_DROPS);
	if (!env->interval)
		report(ctx, 0);
	if (env->json) {
		ms_json_record(&j, env, "summary");
		ms_json_str(&j, "hook", attach_names[ctx->attach]);
		ms_json_uint(&j, "reports", ctx->reports);
		for (i = 0; i < ARRAY_SIZE(all); i++)
			ms_json_uint(&j, names[i], all[i]);
		ms_json_uint(&j, "dropped", dropped);
		ms_json_end(&j);
		return 0;
	}
	printf("\nfaults: %lu reports; since the start (hook %s):\n",
	       ctx->reports, attach_names[ctx->attach]);
	printf("  %llu minor (%llu in files), %llu major (%llu in files), %llu by get_user_pages\n",
	       t.faults[FT_MINOR], t.file[FT_MINOR], t.faults[FT_MAJOR],
	       t.file[FT_MAJOR], t.gup);
	printf("  not counted, as the kernel does not: %llu retried, %llu failed\n",
	       t.retry, t.error);
	if (dropped)
		ms_warn(env,
			"not counted: %llu faults (%llu returns missed); rows lost: %llu process, %llu file, %llu stack; stacks not taken: %llu kernel, %llu user; processes not tracked: %llu",
			drops[FT_UNPAIRED] + drops[FT_DROP_INFLIGHT],
			drops[FT_UNPAIRED], drops[FT_DROP_PROC],
			drops[FT_DROP_FILE], drops[FT_DROP_GROUP],
			drops[FT_DROP_KSTACK], drops[FT_DROP_USTACK],
			drops[FT_DROP_TRACK]);
	return 0;
}

int main(int argc, char **argv)
{
	static struct ft_ctx ctx;
	struct ms_loop loop = {
		.ringbuf_fd = -1, .on_interval = report,
		.on_record = on_new_proc, .ctx = &ctx,
	};
	struct ft_cfg cfg = {};
	int ret;

	parse_args(&ctx, argc, argv);
	ms_tool_init(&ctx.env);
	if (ctx.stacks & FT_STACK_KERNEL)
		ms_ksyms_init(&ctx.env, NULL, 0);
	ms_filter_init(&ctx.env, &cfg.filter);
	cfg.threads = ctx.env.threads;
	cfg.stacks = ctx.stacks;
	if (ctx.env.pid && (ctx.stacks & FT_STACK_USER))
		ms_usyms_track(ctx.env.pid);
	start_best(&ctx, &cfg);
	if (ctx.stacks & FT_STACK_USER)
		loop.ringbuf_fd = ms_bpf_map(&ctx.bpf, "events");
	/* On stderr in JSON mode too: scripts wait for it. */
	fprintf(stderr, "faults: tracing page faults%s (%s); Ctrl-C to end\n",
		ctx.env.pid ? " of one process" : "",
		attach_names[ctx.attach]);

	ret = ms_finish(&ctx.bpf, ms_run(&ctx.env, &loop), print_summary,
			&ctx);
	ms_usyms_free();
	return ret;
}
