/* SPDX-License-Identifier: GPL-2.0 */
/* oomkill: records shared by oomkill_kern.c and oomkill_user.c. */
#ifndef __OOMKILL_COMMON_H
#define __OOMKILL_COMMON_H

#include "memstat_common.h"

#define OK_CG_DEPTH	8	/* memcg path components kept, leaf first */
#define OK_CG_NAME	48	/* bytes of each component */
#define OK_MAX_CONTEXTS	1024	/* threads inside out_of_memory() at once */
#define OK_MAX_VICTIMS	1024	/* distinct victim names counted */
#define OK_NR_CONSTRAINTS 4	/* enum oom_constraint */

/* Which function the victim hook is on (oomkill_user.c chooses). */
enum ok_hook {
	OK_HOOK_KILL,		/* __oom_kill_process(victim, message) */
	OK_HOOK_PROCESS,	/* oom_kill_process(oc, message) */
};

struct ok_cfg {
	struct ms_filter filter;	/* -p (victim's process) */
	__u32 summary;		/* -S: count only, no records */
	__u32 pad;
};

/* A memcg's cgroup path, leaf first; depth > OK_CG_DEPTH: cut. */
struct ok_cgpath {
	__u32 depth;		/* components up to the root; 0: the root */
	__u32 pad;
	char name[OK_CG_DEPTH][OK_CG_NAME];
};

#define OK_F_NO_CONTEXT	0x01	/* no out_of_memory() seen in this thread */
#define OK_F_MEMCG	0x02	/* a memcg OOM: oc->memcg set */
#define OK_F_CHOSEN	0x04	/* victim from oc->chosen (oom_kill_process) */
#define OK_F_NO_MM	0x08	/* no thread of the victim has an mm */
#define OK_F_TASK_CG	0x10	/* task_cg filled (CONFIG_MEMCG) */
#define OK_F_NODEMASK	0x20	/* oc->nodemask set (mempolicy) */

/* One OOM kill, pages as the kernel counts them unless named bytes. */
struct ok_event {
	__u64 ts_ns;
	/* the trigger: current, whose allocation ran out */
	__u32 trig_pid;		/* tgid */
	__u32 trig_tid;
	char trig_comm[MS_COMM_LEN];
	__s32 trig_adj;		/* current->signal->oom_score_adj */
	__u32 gfp;		/* oc->gfp_mask */
	__s32 order;		/* oc->order; -1: sysrq */
	__s32 stack_bytes;	/* bpf_get_stack() result (< 0: error) */
	/* the OOM */
	__u32 constraint;	/* enum oom_constraint */
	__u32 flags;		/* OK_F_* */
	__u64 totalpages;	/* oc->totalpages */
	__s64 points;		/* oc->chosen_points */
	__u64 nodemask;		/* nodes 0..63 of oc->nodemask */
	__u64 memcg_usage;	/* oc->memcg->memory.usage */
	__u64 memcg_max;	/* oc->memcg->memory.max */
	/* the victim (the thread with the mm, as the kernel prints it) */
	__u32 pid;		/* task_pid_nr(victim) */
	__u32 tgid;
	char comm[MS_COMM_LEN];
	__u32 uid;		/* real_cred->uid */
	__s32 adj;		/* signal->oom_score_adj */
	__u64 total_vm;
	__u64 anon;		/* rss_stat MM_ANONPAGES */
	__u64 file;		/* MM_FILEPAGES */
	__u64 shmem;		/* MM_SHMEMPAGES */
	__u64 swap;		/* MM_SWAPENTS */
	__u64 pgtables_bytes;	/* mm_pgtables_bytes() */
	struct ok_cgpath oom_cg;	/* oc->memcg (memcg OOM) */
	struct ok_cgpath task_cg;	/* the victim's memcg */
	__u64 stack[MS_STACK_DEPTH];	/* the trigger's kernel stack */
};

/* -S: kills per victim name. */
struct ok_victim {
	__u64 kills;
	__u64 rss;		/* anon + file + shmem pages at the kills */
};

enum ok_drop {
	OK_DROP_RINGBUF,	/* ring buffer full: record lost */
	OK_DROP_VICTIMS,	/* victims map full: not counted by name */
	OK_DROP_CONTEXT,	/* contexts map full: oc not kept */
	OK_DROP_STACK,		/* trigger stack not read */
	OK_NR_DROPS,
};

#endif /* __OOMKILL_COMMON_H */
