/* SPDX-License-Identifier: GPL-2.0 */
/*
 * report: why memory is tight right now.  It has no BPF programs of its
 * own: it loads dreclaim's, compact's and pagealloc's objects and reads
 * their maps (their _common.h), next to the kernel's counters.  Its user
 * side is three files, which share this: report_user.c watches the
 * window and gathers what it saw into struct rp_ctx, report_verdict.c
 * judges it, report_print.c prints it (text, JSON, OpenMetrics).
 */
#ifndef __REPORT_COMMON_H
#define __REPORT_COMMON_H

#include <limits.h>

#include "libmemstat.h"
#include "pagealloc_common.h"

#define RP_MAX_ZONES	32
#define RP_MAX_KILLS	16
#define RP_MAX_PATHS	4096	/* call paths with pages held or failed */

/* /proc/vmstat counters the report reads. */
enum rp_vm {
	RP_PGSCAN_KSWAPD, RP_PGSCAN_DIRECT, RP_PGSTEAL_KSWAPD,
	RP_PGSTEAL_DIRECT, RP_ALLOCSTALL_DMA, RP_ALLOCSTALL_DMA32,
	RP_ALLOCSTALL_NORMAL, RP_ALLOCSTALL_MOVABLE, RP_REFAULT_ANON,
	RP_REFAULT_FILE, RP_PGMAJFAULT, RP_PSWPIN, RP_PSWPOUT, RP_OOM_KILL,
	RP_COMPACT_STALL, RP_PAGEOUTRUN, RP_NR_VM,
};

/* /proc/meminfo fields besides struct ms_meminfo's, KiB. */
enum rp_mi {
	RP_SWAP_TOTAL, RP_SWAP_FREE, RP_COMMITTED, RP_COMMIT_LIMIT, RP_NR_MI,
};

/* The kernel's counters at one moment. */
struct rp_snap {
	double t;			/* ms_now() */
	long long vm[RP_NR_VM];		/* -1: the kernel has no such counter */
	long long mi[RP_NR_MI];
	struct ms_meminfo meminfo;
	struct ms_zone_snap zones[RP_MAX_ZONES];
	ssize_t nzones;
	struct ms_psi psi;
	struct ms_proc_snap *procs;
	ssize_t nprocs;
	struct ms_memcg *cgs;
	ssize_t ncgs;
};

/* A process in the window: its memory at the end, what it went through. */
struct rp_proc {
	pid_t pid;
	char comm[MS_COMM_LEN + 1];
	char cgroup[256];
	bool gone;			/* exited before the end */
	long long anon, file, shmem, swap;	/* KiB at the end */
	long long growth;		/* KiB of the four, end less start */
	unsigned long long majflt;	/* in the window */
	__u64 direct, direct_ns;	/* global direct reclaims (dreclaim) */
	__u64 memcg, memcg_ns;		/* memcg limit reclaims (dreclaim) */
	__u64 compact, compact_ns;	/* direct compaction stalls (compact) */
};

/* A kernel call path's pages in the window (pagealloc's groups). */
struct rp_path {
	__u64 stack;
	long long held;			/* pages allocated and not freed */
	__u64 fail;			/* allocations that failed */
	__u64 top_fail;			/* of them, in its largest group: */
	int order;			/* its order */
	pid_t pid;			/* and process */
	struct ms_stack *s;
};

enum rp_verdict {
	RP_RECLAIM, RP_THRASHING, RP_OOM, RP_MEMCG, RP_KGROWTH, RP_FRAG,
	RP_NR_VERDICTS,
};

/* Everything the window saw, and what was made of it. */
struct rp_ctx {
	struct ms_env env;
	bool openmetrics;
	char cg_rel[PATH_MAX];		/* -c as /proc/PID/cgroup names it */
	struct ms_bpf reclaim, compact, pages;
	struct pa_cfg pa;		/* pagealloc's, with its maps' sizes */
	int comms_fd;			/* pagealloc's process names */
	bool have_compact, path_event, cg_v1;
	int kmsg;
	struct rp_snap a, b;
	double secs;
	struct rp_proc *procs;
	size_t nprocs;
	struct rp_path *paths;
	size_t npaths;
	struct ms_stacks stacks;
	struct ms_oom_kill kills[RP_MAX_KILLS];
	size_t nkills;
	__u64 drops;			/* reclaims, compactions not timed */
	__u64 page_drops;		/* page allocations not tracked */
	long long fail_by_order[MS_ZONE_ORDERS];
	long long kernel_held;		/* pages kept outside the LRU */
	bool verdict[RP_NR_VERDICTS];
	char evidence[RP_NR_VERDICTS][512];
	char names[RP_NR_VERDICTS][256];
};

extern const char *const rp_vm_names[RP_NR_VM];

/* A counter's change over the window (0 where the kernel has none). */
static inline long long rp_vm_delta(const struct rp_ctx *ctx, enum rp_vm i)
{
	if (ctx->a.vm[i] < 0 || ctx->b.vm[i] < 0)
		return 0;
	return ctx->b.vm[i] - ctx->a.vm[i];
}

static inline long long rp_allocstalls(const struct rp_ctx *ctx)
{
	return rp_vm_delta(ctx, RP_ALLOCSTALL_DMA) +
	       rp_vm_delta(ctx, RP_ALLOCSTALL_DMA32) +
	       rp_vm_delta(ctx, RP_ALLOCSTALL_NORMAL) +
	       rp_vm_delta(ctx, RP_ALLOCSTALL_MOVABLE);
}

/* A path whose pages are the kernel's own: not user memory (LRU, hugetlb). */
static inline bool rp_kernel_path(const struct rp_path *p)
{
	return p->s->cat != MS_MEM_LRU && p->s->cat != MS_MEM_HUGETLB;
}

static inline double rp_pct(long long part, long long whole)
{
	return whole > 0 ? 100.0 * part / whole : 0;
}

/* report_verdict.c */
extern const char *const rp_verdict_names[RP_NR_VERDICTS];
extern const char *const rp_verdict_keys[RP_NR_VERDICTS];
void rp_judge(struct rp_ctx *ctx);
/* What the report could not see, a line each into @out; how many. */
size_t rp_unseen(const struct rp_ctx *ctx, char out[][160], size_t max);
/* The limit hits of memory cgroup @c in the window. */
long long rp_hits_delta(const struct rp_ctx *ctx, const struct ms_memcg *c);
int rp_by_size(const void *a, const void *b);
int rp_by_growth(const void *a, const void *b);
int rp_by_held(const void *a, const void *b);

/* report_print.c */
void rp_print_text(struct rp_ctx *ctx);
void rp_print_json(struct rp_ctx *ctx);
void rp_print_openmetrics(struct rp_ctx *ctx);

#endif /* __REPORT_COMMON_H */
