// SPDX-License-Identifier: GPL-2.0
/*
 * oomkill: every OOM kill, as it happens.
 *
 * ok_out_of_memory (kprobe on out_of_memory(oc), which every OOM passes)
 * keeps oc per thread; the victim hook reads it, filled by then, with the
 * trigger (current: gfp, order, stack) and the victim's mm as the
 * kernel's "Killed process" line prints it.  ok_kill: kprobe on
 * __oom_kill_process(victim, message), also per oom_group member;
 * ok_process: kprobe on oom_kill_process(oc, message) when the former is
 * inlined (victim oc->chosen, which may yet turn out to be exiting).
 * oom:mark_victim is no victim hook: it also fires for exiting tasks that
 * are only given reserves, and OLK-5.10 passes it the pid alone.
 */
#include <linux/mm_types.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/cred.h>
#include <linux/oom.h>
#include <linux/memcontrol.h>
#include <linux/kernfs.h>
#include <uapi/linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "oomkill_common.h"
#include "memstat_kern.h"

MS_CONFIG_MAP(struct ok_cfg);
MS_DROPS_MAP(OK_NR_DROPS);
MS_RINGBUF_MAP(64 * 1024);

/* contexts[tid]: the oom_control of the thread's latest out_of_memory(). */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, OK_MAX_CONTEXTS);
	__type(key, __u32);
	__type(value, __u64);
} contexts SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct ok_event);
} scratch SEC(".maps");

/* Kills per enum oom_constraint; [OK_NR_CONSTRAINTS]: out of range. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, OK_NR_CONSTRAINTS + 1);
	__type(key, __u32);
	__type(value, __u64);
} by_constraint SEC(".maps");

/* Kills per victim comm. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, OK_MAX_VICTIMS);
	__type(key, char[MS_COMM_LEN]);
	__type(value, struct ok_victim);
} victims SEC(".maps");

#define rd(dst, src) bpf_probe_read_kernel(&(dst), sizeof(dst), &(src))

SEC("kprobe/out_of_memory")
int ok_out_of_memory(struct pt_regs *ctx)
{
	__u32 tid = bpf_get_current_pid_tgid();
	__u64 oc = PT_REGS_PARM1(ctx);

	if (bpf_map_update_elem(&contexts, &tid, &oc, BPF_ANY))
		count_drop(OK_DROP_CONTEXT);
	return 0;
}

/* The cgroup path of @kn, leaf first, the root left out. */
static __always_inline void cg_path(struct ok_cgpath *p, struct kernfs_node *kn)
{
	struct kernfs_node *parent = NULL;
	const char *name = NULL;
	int i;

	p->depth = 0;
#pragma clang loop unroll(full)
	for (i = 0; i <= OK_CG_DEPTH; i++) {
		if (!kn)
			return;
		rd(parent, kn->parent);
		if (!parent)
			return;
		if (i < OK_CG_DEPTH) {
			rd(name, kn->name);
			bpf_probe_read_kernel_str(p->name[i], OK_CG_NAME, name);
		}
		p->depth = i + 1;
		kn = parent;
	}
}

/* find_lock_task_mm() without the lock: a thread of @p that has an mm. */
static __always_inline struct task_struct *task_with_mm(struct task_struct *p)
{
	struct list_head *head, *pos = NULL;
	struct signal_struct *sig = NULL;
	struct mm_struct *mm = NULL;
	struct task_struct *t;
	int i;

	rd(mm, p->mm);
	if (mm)
		return p;
	/* An unreadable signal leaves pos NULL. */
	rd(sig, p->signal);
	head = &sig->thread_head;
	rd(pos, head->next);
#pragma clang loop unroll(full)
	for (i = 0; i < 16; i++) {
		if (!pos || pos == head)
			return NULL;
		t = container_of(pos, struct task_struct, thread_node);
		rd(mm, t->mm);
		if (mm)
			return t;
		rd(pos, pos->next);
	}
	return NULL;
}

/* The oom_control of this OOM: the victim hook's argument or the kept one. */
static __always_inline void read_oc(struct ok_event *ev, struct oom_control *oc)
{
	struct mem_cgroup *memcg = NULL;
	struct kernfs_node *kn = NULL;
	nodemask_t *nodemask = NULL;
	struct cgroup *cg = NULL;
	struct task_struct *cur = (void *)bpf_get_current_task();
	struct signal_struct *sig = NULL;
	short adj = 0;

	if (!oc) {
		ev->flags |= OK_F_NO_CONTEXT;
		return;
	}
	rd(ev->gfp, oc->gfp_mask);
	rd(ev->order, oc->order);
	rd(ev->totalpages, oc->totalpages);
	rd(ev->points, oc->chosen_points);
	rd(ev->constraint, oc->constraint);
	rd(nodemask, oc->nodemask);
	if (nodemask && !rd(ev->nodemask, nodemask->bits[0]))
		ev->flags |= OK_F_NODEMASK;
	rd(sig, cur->signal);
	if (sig)
		rd(adj, sig->oom_score_adj);
	ev->trig_adj = adj;
	rd(memcg, oc->memcg);
	if (!memcg)
		return;
	ev->flags |= OK_F_MEMCG;
	rd(ev->memcg_usage, memcg->memory.usage.counter);
	rd(ev->memcg_max, memcg->memory.max);
	rd(cg, memcg->css.cgroup);
	if (cg)
		rd(kn, cg->kn);
	cg_path(&ev->oom_cg, kn);
}

/* The victim, as __oom_kill_process() prints it. */
static __always_inline void read_victim(struct ok_event *ev,
					struct task_struct *p)
{
	struct signal_struct *sig = NULL;
	const struct cred *cred = NULL;
	struct cgroup_subsys_state *css = NULL;
	struct kernfs_node *kn = NULL;
	struct mm_struct *mm = NULL;
	struct css_set *cset = NULL;
	struct mm_rss_stat rss;
	struct cgroup *cg = NULL;
	short adj = 0;

	rd(ev->pid, p->pid);
	rd(ev->tgid, p->tgid);
	bpf_probe_read_kernel_str(ev->comm, sizeof(ev->comm), p->comm);
	rd(cred, p->real_cred);
	if (cred)
		rd(ev->uid, cred->uid.val);
	rd(sig, p->signal);
	if (sig)
		rd(adj, sig->oom_score_adj);
	ev->adj = adj;
	rd(mm, p->mm);
	if (!mm) {
		ev->flags |= OK_F_NO_MM;
		return;
	}
	rd(ev->total_vm, mm->total_vm);
	/* get_mm_counter(): negative (per-thread deltas) reads as 0. */
	rd(rss, mm->rss_stat);
	ev->anon = max_t(long, rss.count[MM_ANONPAGES].counter, 0);
	ev->file = max_t(long, rss.count[MM_FILEPAGES].counter, 0);
	ev->shmem = max_t(long, rss.count[MM_SHMEMPAGES].counter, 0);
	ev->swap = max_t(long, rss.count[MM_SWAPENTS].counter, 0);
#ifdef CONFIG_MMU
	rd(ev->pgtables_bytes, mm->pgtables_bytes.counter);
#endif
#ifdef CONFIG_MEMCG
	rd(cset, p->cgroups);
	if (cset)
		rd(css, cset->subsys[memory_cgrp_id]);
	if (css)
		rd(cg, css->cgroup);
	if (cg)
		rd(kn, cg->kn);
	cg_path(&ev->task_cg, kn);
	ev->flags |= OK_F_TASK_CG;
#endif
}

static __always_inline void count_kill(struct ok_event *ev)
{
	struct ok_victim *v, one = { 1, ev->anon + ev->file + ev->shmem };
	__u32 c = ev->constraint < OK_NR_CONSTRAINTS ? ev->constraint :
		  OK_NR_CONSTRAINTS;
	__u64 *n = bpf_map_lookup_elem(&by_constraint, &c);

	if (n)
		__sync_fetch_and_add(n, 1);
	v = bpf_map_lookup_elem(&victims, ev->comm);
	if (!v && !bpf_map_update_elem(&victims, ev->comm, &one, BPF_NOEXIST))
		return;
	if (!v)
		v = bpf_map_lookup_elem(&victims, ev->comm);
	if (!v) {
		count_drop(OK_DROP_VICTIMS);
		return;
	}
	__sync_fetch_and_add(&v->kills, 1);
	__sync_fetch_and_add(&v->rss, one.rss);
}

static __always_inline int on_kill(struct pt_regs *ctx, struct task_struct *p,
				   struct oom_control *oc, __u32 flags)
{
	__u64 id = bpf_get_current_pid_tgid(), *kept;
	struct ok_cfg *cfg = ms_cfg();
	__u32 zero = 0, tid = id;
	struct ok_event *ev = bpf_map_lookup_elem(&scratch, &zero);

	/* -p, -c: the victim's process and cgroup. */
	if (!ev || !cfg || !p || !ms_task_traced(&cfg->filter, p))
		return 0;
	/* Everything before the paths: those are read up to their depth. */
	__builtin_memset(ev, 0, offsetof(struct ok_event, oom_cg));
	ev->task_cg.depth = 0;
	ev->flags = flags;
	kept = oc ? NULL : bpf_map_lookup_elem(&contexts, &tid);
	if (kept)
		oc = (void *)*kept;
	read_oc(ev, oc);
	p = task_with_mm(p) ?: p;
	read_victim(ev, p);
	count_kill(ev);
	if (cfg->summary)
		return 0;
	ev->ts_ns = bpf_ktime_get_ns();
	ev->trig_pid = id >> 32;
	ev->trig_tid = tid;
	bpf_get_current_comm(ev->trig_comm, sizeof(ev->trig_comm));
	ev->stack_bytes = bpf_get_stack(ctx, ev->stack, sizeof(ev->stack), 0);
	if (ev->stack_bytes < 0)
		count_drop(OK_DROP_STACK);
	if (bpf_ringbuf_output(&events, ev, sizeof(*ev), 0))
		count_drop(OK_DROP_RINGBUF);
	return 0;
}

/* The attach targets (clones too) are set by the user side. */
SEC("kprobe/__oom_kill_process")
int ok_kill(struct pt_regs *ctx)
{
	return on_kill(ctx, (void *)PT_REGS_PARM1(ctx), NULL, 0);
}

SEC("kprobe/oom_kill_process")
int ok_process(struct pt_regs *ctx)
{
	struct oom_control *oc = (void *)PT_REGS_PARM1(ctx);
	struct task_struct *p = NULL;

	rd(p, oc->chosen);
	return on_kill(ctx, p, oc, OK_F_CHOSEN);
}

char _license[] SEC("license") = "GPL";
