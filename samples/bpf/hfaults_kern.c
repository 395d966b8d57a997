// SPDX-License-Identifier: GPL-2.0
/*
 * hfaults: hugetlb faults per process and per hugetlbfs file, from the
 * functions that handle them (5.10 has no hugetlb fault tracepoint).
 *
 * handle_mm_fault() and follow_hugetlb_page() (get_user_pages) call
 * hugetlb_fault(mm, vma, address, flags) for every fault in a hugetlb
 * VMA: its entry and return bracket the fault.  The VMA's file names
 * the mapping: a hugetlbfs file, or for MAP_HUGETLB and SHM_HUGETLB the
 * internal one the kernel made ("anon_hugepage", "SYSV...").  Huge pages
 * the fault takes from the pool are the successful returns of
 * alloc_huge_page() inside it (hugetlb_no_page(), hugetlb_cow()).
 *
 * Two variants of every program, the user side loads one: fentry/fexit
 * where the kernel has BTF, kprobe/kretprobe otherwise (-A).
 */
#include <linux/ptrace.h>
#include <linux/fs.h>
#include <linux/mm_types.h>
#include <linux/hugetlb.h>
#include <uapi/linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "hfaults_common.h"
#include "memstat_kern.h"

static_assert(HF_VM_FAULT_RETRY == (__force int)VM_FAULT_RETRY, "RETRY");
static_assert(HF_VM_FAULT_ERROR == (__force int)VM_FAULT_ERROR, "ERROR");
static_assert(sizeof(struct hf_map) >= sizeof(struct hf_inflight), "scratch");

MS_CONFIG_MAP(struct hf_cfg);

/* A slot per thread (ms_thread_slot), busy while start_ns is set. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, HF_MAX_INFLIGHT);
	__type(key, __u32);
	__type(value, struct hf_inflight);
} inflight SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, HF_MAX_KEYS);
	__type(key, struct hf_key);
	__type(value, struct hf_map);
} maps SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct hf_totals);
} totals SEC(".maps");

MS_RINGBUF_MAP(256 * 1024);

MS_DROPS_MAP(HF_NR_DROPS);

/* Zeroed records to insert: too large for the stack. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, struct hf_map);
} scratch SEC(".maps");

#define rd(dst, src)	bpf_probe_read_kernel(&(dst), sizeof(dst), &(src))

/* The file of @vma: key, name, huge page order, shared. */
static __always_inline void read_vma(struct hf_inflight *rec,
				     struct vm_area_struct *vma)
{
	struct hugetlbfs_sb_info *sbi = NULL;
	struct dentry *dentry = NULL;
	struct inode *inode = NULL;
	struct super_block *sb = NULL;
	struct hstate *h = NULL;
	struct file *file = NULL;
	const unsigned char *name = NULL;
	unsigned long flags = 0;
	dev_t dev = 0;

	rd(file, vma->vm_file);
	rd(flags, vma->vm_flags);
	rec->shared = !!(flags & VM_SHARED);
	if (!file)
		return;
	rd(inode, file->f_inode);
	rd(dentry, file->f_path.dentry);
	rd(rec->key.ino, inode->i_ino);
	rd(sb, inode->i_sb);
	rd(dev, sb->s_dev);
	rec->key.dev = dev;
	rd(sbi, sb->s_fs_info);
	rd(h, sbi->hstate);
	rd(rec->order, h->order);
	rd(name, dentry->d_name.name);
	bpf_probe_read_kernel_str(rec->name, sizeof(rec->name), name);
}

/* A zeroed record to insert into inflight (scratch slot 1). */
static __always_inline struct hf_inflight *inflight_zero(void)
{
	struct hf_inflight *z = (void *)ms_map_elem(&scratch, 1);

	if (z)
		__builtin_memset(z, 0, sizeof(*z));
	return z;
}

static __always_inline int fault_entry(struct vm_area_struct *vma,
				       __u64 address)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct hf_inflight *rec;

	if (!ms_traced(&ms_cfg()->filter, id >> 32))
		return 0;
	rec = ms_thread_slot(&inflight, id, inflight_zero());
	if (!rec) {
		count_drop(HF_DROP_INFLIGHT);
		return 0;
	}
	__builtin_memset(rec, 0, sizeof(*rec));
	rec->address = address;
	rec->key.tgid = id >> 32;
	read_vma(rec, vma);
	rec->start_ns = bpf_ktime_get_ns();
	return 0;
}

/* maps[rec->key], created on first use; NULL (and a drop) when full. */
static __always_inline struct hf_map *get_map(struct hf_inflight *rec)
{
	struct hf_map *m = bpf_map_lookup_elem(&maps, &rec->key);

	if (m)
		return m;
	m = ms_map_elem(&scratch, 0);
	if (!m)
		return NULL;
	__builtin_memset(m, 0, sizeof(*m));
	bpf_get_current_comm(m->comm, sizeof(m->comm));
	__builtin_memcpy(m->name, rec->name, sizeof(m->name));
	m->key = rec->key;
	m->order = rec->order;
	m->shared = rec->shared;
	m = ms_map_insert(&maps, &rec->key, m);
	if (!m)
		count_drop(HF_DROP_MAP);
	return m;
}

static __always_inline void send_event(struct hf_inflight *rec, __u64 id,
				       __u64 now, __u64 latency, __u32 ret)
{
	struct hf_event *e;

	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		count_drop(HF_DROP_EVENT);
		return;
	}
	e->end_ns = now;
	e->latency_ns = latency;
	e->address = rec->address;
	e->allocs = rec->allocs;
	e->ino = rec->key.ino;
	e->pid = id >> 32;
	e->tid = id;
	e->ret = ret;
	e->order = rec->order;
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	__builtin_memcpy(e->name, rec->name, sizeof(e->name));
	bpf_ringbuf_submit(e, 0);
}

static __always_inline int fault_exit(__u32 ret)
{
	__u64 id = bpf_get_current_pid_tgid(), now, latency;
	struct hf_cfg *cfg = ms_cfg();
	struct hf_inflight *rec;
	struct hf_totals *t;
	struct hf_map *m;
	__u32 tid = id;

	rec = bpf_map_lookup_elem(&inflight, &tid);
	if (!rec || !rec->start_ns) {
		if (ms_traced(&cfg->filter, id >> 32))
			count_drop(HF_UNPAIRED);
		return 0;
	}
	now = bpf_ktime_get_ns();
	latency = now - rec->start_ns;
	t = ms_map_elem(&totals, 0);
	if (t) {
		t->faults++;
		t->allocs += rec->allocs;
		t->errors += !!(ret & HF_VM_FAULT_ERROR);
		t->fault_ns += latency;
	}
	m = get_map(rec);
	if (m) {
		__sync_fetch_and_add(&m->faults, 1);
		__sync_fetch_and_add(&m->allocs, rec->allocs);
		if (ret & HF_VM_FAULT_RETRY)
			__sync_fetch_and_add(&m->retry, 1);
		if (ret & HF_VM_FAULT_ERROR)
			__sync_fetch_and_add(&m->errors, 1);
		__sync_fetch_and_add(&m->fault_ns, latency);
		/* Racy between threads of one process, as any max. */
		if (latency > m->max_ns)
			m->max_ns = latency;
		ms_hist_add_atomic(&m->hist, latency / 1000);
	}
	if (cfg && cfg->events)
		send_event(rec, id, now, latency, ret);
	rec->start_ns = 0;
	return 0;
}

/* alloc_huge_page() returned @page (NULL or an ERR_PTR on failure). */
static __always_inline int page_alloc(__u64 page)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct hf_inflight *rec;
	struct hf_totals *t;
	__u32 tid = id;

	if (!page || page >= (__u64)-4095 ||
	    !ms_traced(&ms_cfg()->filter, id >> 32))
		return 0;
	rec = bpf_map_lookup_elem(&inflight, &tid);
	if (rec && rec->start_ns) {
		rec->allocs++;
		return 0;
	}
	t = ms_map_elem(&totals, 0);
	if (t)
		t->other_allocs++;
	return 0;
}

/*
 * fentry/fexit, or kprobes (no BPF trampolines: arm64 5.10; the user
 * side finds clones): hugetlb_fault(mm, vma, address, flags),
 * alloc_huge_page(vma, addr, avoid_reserve).
 */
MS_ENTRY(hugetlb_fault, hf_fault_entry,
	 fault_entry((struct vm_area_struct *)MS_ARG(1), MS_ARG(2)))
MS_EXIT(hugetlb_fault, hf_fault_exit, fault_exit(MS_RET(4)))
MS_EXIT(alloc_huge_page, hf_alloc_exit, page_alloc(MS_RET(3)))

char _license[] SEC("license") = "GPL";
