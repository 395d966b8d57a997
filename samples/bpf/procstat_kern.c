// SPDX-License-Identifier: GPL-2.0
/*
 * procstat: per-process memory (the counters of /proc/PID/status) and each
 * thread's not-yet-folded RSS deltas, read on demand by a BPF task
 * iterator.
 *
 * Why an iterator and not finish_task_switch/sched_switch: a snapshot taken
 * when a task leaves the CPU costs something on every context switch, misses
 * processes that have not run since the tool started and goes stale when
 * someone else (kswapd, another process's madvise) changes the counters of
 * a sleeping process.  The iterator costs nothing between reports, sees
 * every task, and reads every counter at the moment of the report.
 * Needs CONFIG_DEBUG_INFO_BTF (iterators attach through kernel BTF).
 */
#include <linux/sched.h>
#include <linux/mm_types.h>
#include <linux/build_bug.h>
#include <uapi/linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "procstat_common.h"
#include "memstat_kern.h"

/*
 * Context of iter/task programs (kernel/bpf/task_iter.c; struct
 * bpf_iter_meta comes from include/linux/bpf.h through memstat_kern.h).
 */
struct bpf_iter__task {
	__bpf_md_ptr(struct bpf_iter_meta *, meta);
	__bpf_md_ptr(struct task_struct *, task);
};

/* cfg[0]: the -p and -c filter, written by the user side before the first run. */
MS_CONFIG_MAP(struct procstat_cfg);

/* drops[reason]: tasks that could not be read. */
MS_DROPS_MAP(PROCSTAT_NR_DROPS);

static_assert(MM_FILEPAGES == PROCSTAT_FILE && MM_ANONPAGES == PROCSTAT_ANON &&
	      MM_SWAPENTS == PROCSTAT_SWAP && MM_SHMEMPAGES == PROCSTAT_SHMEM &&
	      NR_MM_COUNTERS == PROCSTAT_NR_COUNTERS,
	      "procstat_counter must follow the kernel's mm counter enum");

#define READ_KERNEL(dst, src) bpf_probe_read_kernel(&(dst), sizeof(dst), &(src))

static __always_inline int read_mm(struct procstat_task *rec,
				   struct mm_struct *mm)
{
	int i, err = 0;

	for (i = 0; i < PROCSTAT_NR_COUNTERS; i++)
		err |= READ_KERNEL(rec->folded[i], mm->rss_stat.count[i].counter);
	err |= READ_KERNEL(rec->total_vm, mm->total_vm);
	err |= READ_KERNEL(rec->hiwater_rss, mm->hiwater_rss);
	err |= READ_KERNEL(rec->data_vm, mm->data_vm);
	err |= READ_KERNEL(rec->stack_vm, mm->stack_vm);
	err |= READ_KERNEL(rec->pgtables_bytes, mm->pgtables_bytes.counter);
	return err;
}

/* The per-thread cache exists only with SPLIT_RSS_COUNTING (mm_types_task.h). */
static __always_inline int read_pending(struct procstat_task *rec,
					struct task_struct *task)
{
#ifdef SPLIT_RSS_COUNTING
	int i, err = 0;

	for (i = 0; i < PROCSTAT_NR_COUNTERS; i++)
		err |= READ_KERNEL(rec->pending[i], task->rss_stat.count[i]);
	err |= READ_KERNEL(rec->pending_events, task->rss_stat.events);
	return err;
#else
	return 0;
#endif
}

SEC("iter/task")
int procstat_task(struct bpf_iter__task *ctx)
{
	struct seq_file *seq = ctx->meta->seq;
	struct task_struct *task = ctx->task;
	struct procstat_task rec = {};
	struct procstat_cfg *conf = ms_cfg();
	struct mm_struct *mm;
	unsigned int flags;

	if (!task || !conf)
		return 0;
	if (READ_KERNEL(rec.tgid, task->tgid)) {
		count_drop(PROCSTAT_DROP_READ);
		return 0;
	}
	if (!ms_task_traced(&conf->filter, task))
		return 0;
	/*
	 * Exited tasks have no mm; kernel threads may borrow one (vhost,
	 * kthread_use_mm()) but are not processes /proc would show.
	 */
	if (READ_KERNEL(mm, task->mm) || !mm ||
	    READ_KERNEL(flags, task->flags) || (flags & PF_KTHREAD))
		return 0;
	rec.mm = (unsigned long)mm;
	if (READ_KERNEL(rec.tid, task->pid) ||
	    READ_KERNEL(rec.comm, task->comm) ||
	    read_mm(&rec, mm) || read_pending(&rec, task)) {
		count_drop(PROCSTAT_DROP_READ);
		return 0;
	}
	/*
	 * A record that does not fit in the seq buffer is not lost: the
	 * iterator stops and shows this task again on the next read().
	 */
	bpf_seq_write(seq, &rec, sizeof(rec));
	return 0;
}

char _license[] SEC("license") = "GPL";
