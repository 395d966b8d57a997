// SPDX-License-Identifier: GPL-2.0
/*
 * swapin: swap-ins per process, from the functions that do them (5.10
 * has no swap tracepoint).
 *
 * do_swap_page() handles every fault on a swap entry of an anonymous
 * page: a major fault reads the page from swap (VM_FAULT_MAJOR), a minor
 * one finds it in the swap cache.  Its entry and return bracket the
 * fault: count, latency.  swap_readpage() reads one page from swap; it
 * counts PSWPIN in /proc/vmstat for each page that is not a frontswap
 * (zswap) hit, __frontswap_load() returns 0 for those.  Pages read while
 * the thread is inside do_swap_page() are the faulting page and its
 * readahead (swapin_readahead); the others are shmem swap-ins,
 * madvise(MADV_WILLNEED) and swapoff.
 *
 * Two variants of every program, the user side loads one: fentry/fexit
 * where the kernel has BTF, kprobe/kretprobe otherwise (-A).
 */
#include <linux/ptrace.h>
#include <linux/mm_types.h>
#include <uapi/linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "swapin_common.h"
#include "memstat_kern.h"

static_assert(SW_VM_FAULT_MAJOR == (__force int)VM_FAULT_MAJOR, "MAJOR");
static_assert(SW_VM_FAULT_RETRY == (__force int)VM_FAULT_RETRY, "RETRY");

MS_CONFIG_MAP(struct sw_cfg);

/* A slot per thread (ms_thread_slot), busy while start_ns is set. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, SW_MAX_INFLIGHT);
	__type(key, __u32);
	__type(value, struct sw_inflight);
} inflight SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, SW_MAX_PROCS);
	__type(key, __u32);
	__type(value, struct sw_proc);
} procs SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct sw_counts);
} totals SEC(".maps");

MS_RINGBUF_MAP(256 * 1024);

MS_DROPS_MAP(SW_NR_DROPS);

/* A zeroed record to insert: too large for the BPF stack. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct sw_proc);
} proc_zero SEC(".maps");

/* procs[tgid], created on first use; NULL (and a drop) when full. */
static __always_inline struct sw_proc *get_proc(__u32 tgid)
{
	return ms_proc_get(&procs, tgid, ms_map_elem(&proc_zero, 0), SW_DROP_PROC);
}

static __always_inline int fault_entry(void)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct sw_inflight *rec, zero = {};

	if (!ms_traced(&ms_cfg()->filter, id >> 32))
		return 0;
	rec = ms_thread_slot(&inflight, id, &zero);
	if (!rec) {
		count_drop(SW_DROP_INFLIGHT);
		return 0;
	}
	rec->pages = 0;
	rec->start_ns = bpf_ktime_get_ns();
	return 0;
}

static __always_inline void send_event(struct sw_inflight *rec, __u64 id,
				       __u64 now, __u64 latency, __u32 ret)
{
	struct sw_event *e;

	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		count_drop(SW_DROP_EVENT);
		return;
	}
	e->end_ns = now;
	e->latency_ns = latency;
	e->pages = rec->pages;
	e->pid = id >> 32;
	e->tid = id;
	e->ret = ret;
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	bpf_ringbuf_submit(e, 0);
}

static __always_inline void count_fault(struct sw_counts *c, __u64 latency,
					__u32 ret)
{
	__sync_fetch_and_add(&c->faults, 1);
	__sync_fetch_and_add(&c->fault_ns, latency);
	if (ret & SW_VM_FAULT_RETRY)
		__sync_fetch_and_add(&c->retry, 1);
	if (!(ret & SW_VM_FAULT_MAJOR))
		return;
	__sync_fetch_and_add(&c->major, 1);
	__sync_fetch_and_add(&c->major_ns, latency);
}

static __always_inline int fault_exit(__u32 ret)
{
	__u64 id = bpf_get_current_pid_tgid(), now, latency;
	struct sw_cfg *cfg = ms_cfg();
	struct sw_inflight *rec;
	struct sw_counts *t;
	struct sw_proc *p;
	__u32 tid = id;

	rec = bpf_map_lookup_elem(&inflight, &tid);
	if (!rec || !rec->start_ns) {
		if (ms_traced(&cfg->filter, id >> 32))
			count_drop(SW_UNPAIRED);
		return 0;
	}
	now = bpf_ktime_get_ns();
	latency = now - rec->start_ns;
	t = ms_map_elem(&totals, 0);
	if (t)
		count_fault(t, latency, ret);
	p = get_proc(id >> 32);
	if (p) {
		count_fault(&p->c, latency, ret);
		if (ret & SW_VM_FAULT_MAJOR) {
			/* Racy between threads of one process, as any max. */
			if (latency > p->max_ns)
				p->max_ns = latency;
			ms_hist_add_atomic(&p->hist, latency / 1000);
		}
	}
	if (cfg && cfg->events)
		send_event(rec, id, now, latency, ret);
	rec->start_ns = 0;
	return 0;
}

/* A page read from swap (@ret 0) or from frontswap (@frontswap). */
static __always_inline int page_read(int ret, bool frontswap)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct sw_inflight *rec;
	struct sw_counts *t;
	struct sw_proc *p;
	__u32 tid = id;
	bool in_fault;

	if (ret || !ms_traced(&ms_cfg()->filter, id >> 32))
		return 0;
	rec = bpf_map_lookup_elem(&inflight, &tid);
	in_fault = rec && rec->start_ns;
	if (in_fault && !frontswap)
		rec->pages++;
	t = ms_map_elem(&totals, 0);
	p = get_proc(id >> 32);
	if (frontswap) {
		if (t)
			t->frontswap++;
		if (p)
			__sync_fetch_and_add(&p->c.frontswap, 1);
		return 0;
	}
	if (t) {
		t->pages++;
		t->fault_pages += in_fault;
	}
	if (p) {
		__sync_fetch_and_add(&p->c.pages, 1);
		if (in_fault)
			__sync_fetch_and_add(&p->c.fault_pages, 1);
	}
	return 0;
}

/*
 * fentry/fexit, or kprobes (no BPF trampolines: arm64 5.10); the user
 * side sets the targets.  do_swap_page(vmf), swap_readpage(page,
 * synchronous), __frontswap_load(page): results only.
 */
MS_ENTRY(do_swap_page, sw_fault_entry, fault_entry())
MS_EXIT(do_swap_page, sw_fault_exit, fault_exit(MS_RET(1)))
MS_EXIT(swap_readpage, sw_read_exit, page_read(MS_RET(2), false))
MS_EXIT(__frontswap_load, sw_frontswap_exit, page_read(MS_RET(1), true))

char _license[] SEC("license") = "GPL";
