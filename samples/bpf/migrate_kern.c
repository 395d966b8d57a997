// SPDX-License-Identifier: GPL-2.0
/*
 * migrate: page migration by reason, per process.
 *
 * fentry (or a kprobe) at migrate_pages() notes when a thread starts
 * migrating; the
 * mm_migrate_pages event, at the end of the same call, has the counts
 * /proc/vmstat adds then (pgmigrate_success and _fail, the THP ones),
 * the mode and the reason.  The current task is the one that migrates:
 * the faulting task for NUMA balancing, the caller of mbind(),
 * migrate_pages() or move_pages(), the compacting task, kcompactd.
 * Totals per reason of every process are kept per CPU, whatever -p says.
 *
 *   migrate_pages(from, get_new_page, put_new_page, private, mode, reason)
 *   TP_PROTO(succeeded, failed, thp_succeeded, thp_failed, thp_split,
 *	      mode, reason)
 */
#include <linux/sched.h>
#include <uapi/linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "migrate_common.h"
#include "memstat_kern.h"

MS_CONFIG_MAP(struct mg_cfg);
MS_MAP(inflight, LRU_HASH, __u32, struct mg_thread, MG_MAX_THREADS);
MS_MAP(procs, HASH, __u32, struct mg_proc, MG_MAX_PROCS);
MS_MAP(totals, PERCPU_ARRAY, __u32, struct mg_count, MG_NR_REASONS);
/* A zeroed record to insert: too large for the BPF stack. */
MS_MAP(proc_zero, PERCPU_ARRAY, __u32, struct mg_proc, 1);
MS_DROPS_MAP(MG_NR_DROPS);

static __always_inline int begin(void)
{
	__u32 tid = bpf_get_current_pid_tgid();
	struct mg_thread zero = {}, *t;

	t = ms_thread_slot(&inflight, tid, &zero);
	if (t)
		t->start_ns = bpf_ktime_get_ns();
	else
		count_drop(MG_DROP_THREAD);
	return 0;
}

/* fentry, or a kprobe (no BPF trampolines: arm64 5.10) */
MS_ENTRY(migrate_pages, mg_begin, begin())

static __always_inline void add(struct mg_count *c, const __u64 *a, __u64 ns,
				bool atomic)
{
	if (!atomic) {
		c->calls++;
		c->succeeded += a[0];
		c->failed += a[1];
		c->thp_succeeded += a[2];
		c->thp_failed += a[3];
		c->thp_split += a[4];
		c->total_ns += ns;
		return;
	}
	__sync_fetch_and_add(&c->calls, 1);
	__sync_fetch_and_add(&c->succeeded, a[0]);
	__sync_fetch_and_add(&c->failed, a[1]);
	__sync_fetch_and_add(&c->thp_succeeded, a[2]);
	__sync_fetch_and_add(&c->thp_failed, a[3]);
	__sync_fetch_and_add(&c->thp_split, a[4]);
	__sync_fetch_and_add(&c->total_ns, ns);
}

SEC("raw_tracepoint/mm_migrate_pages")
int mg_done(struct bpf_raw_tracepoint_args *ctx)
{
	__u64 id = bpf_get_current_pid_tgid(), ns = 0, a[5];
	__u32 reason = ctx->args[6], tid = id;
	struct mg_count *tot;
	struct mg_thread *t;
	struct mg_proc *p;
	int i;

	if (reason >= MG_NR_REASONS) {
		count_drop(MG_DROP_REASON);
		return 0;
	}
	for (i = 0; i < 5; i++)
		a[i] = ctx->args[i];
	t = bpf_map_lookup_elem(&inflight, &tid);
	if (t && t->start_ns) {
		ns = bpf_ktime_get_ns() - t->start_ns;
		t->start_ns = 0;
	}
	tot = ms_map_elem(&totals, reason);
	if (tot)
		add(tot, a, ns, false);
	if (!ms_cfg_traced())
		return 0;
	p = ms_proc_get(&procs, id >> 32, ms_map_elem(&proc_zero, 0),
			MG_DROP_PROC);
	if (p)
		add(&p->reason[reason & (MG_NR_REASONS - 1)], a, ns, true);
	return 0;
}

char _license[] SEC("license") = "GPL";
