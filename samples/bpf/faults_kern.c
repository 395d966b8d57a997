// SPDX-License-Identifier: GPL-2.0
/*
 * faults: page faults per process, minor and major, per file, per stack.
 *
 * Hook: the return of
 *   vm_fault_t handle_mm_fault(struct vm_area_struct *vma,
 *				unsigned long address, unsigned int flags,
 *				struct pt_regs *regs)
 * which ends in mm_account_fault() (mm/memory.c, 5.10): a return with
 * VM_FAULT_ERROR or VM_FAULT_RETRY is not counted; else the fault is major
 * when (ret & VM_FAULT_MAJOR) || (flags & FAULT_FLAG_TRIED) and goes into
 * current->maj_flt, or min_flt: the fields of /proc/PID/stat.  faults
 * repeats that test on the same arguments, so its counts are those.
 *
 * Why not the obvious hooks: the perf software events page-faults-min/maj
 * fire only when regs != NULL, so they miss the faults get_user_pages()
 * takes for a process (regs NULL), which /proc counts; the tracepoints
 * exceptions:page_fault_user/_kernel are x86-only, fire before the fault
 * is handled and know neither minor/major nor the outcome.
 *
 * ft_fexit: fexit on handle_mm_fault (BPF trampoline: x86-64 in 5.10,
 * needs kernel BTF).  Fallback, chosen at run time (arm64 5.10 has no
 * trampolines): ft_entry/ft_return, a kprobe and a kretprobe on it,
 * paired by thread id.  The vma is read at the return only when the fault
 * is counted: then the mmap lock is still held (it is dropped only with
 * VM_FAULT_RETRY), so the vma and its file are alive.  ft_fexit reads it
 * through its BTF-typed argument, a plain load: three probe reads cost
 * more than the rest of an anonymous fault's accounting.
 */
#include <linux/mm.h>
#include <linux/fs.h>
#include <linux/dcache.h>
#include <uapi/linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "faults_common.h"
#include "memstat_kern.h"

MS_CONFIG_MAP(struct ft_cfg);
MS_DROPS_MAP(FT_NR_DROPS);
/* -U: the tgid of each new row, for the user side to track its maps. */
MS_RINGBUF_MAP(64 * 1024);

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, FT_MAX_PROCS);
	__type(key, struct ft_proc_key);
	__type(value, struct ft_proc);
} procs SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, FT_MAX_FILES);
	__type(key, struct ft_file_key);
	__type(value, struct ft_file);
} files SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, FT_MAX_GROUPS);
	__type(key, struct ft_group_key);
	__type(value, struct ft_group);
} groups SEC(".maps");

/* Kernel and user stacks of -K/-U, by id; read by the user side. */
struct {
	__uint(type, BPF_MAP_TYPE_STACK_TRACE);
	__uint(max_entries, FT_MAX_STACKS);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, MS_STACK_DEPTH * sizeof(__u64));
} stacks SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct ft_totals);
} totals SEC(".maps");

/* kprobe variant: handle_mm_fault() entered, by thread id. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, FT_MAX_INFLIGHT);
	__type(key, __u32);
	__type(value, struct ft_inflight);
} inflight SEC(".maps");

/* Zeroed values to insert: struct ft_file is large for the BPF stack. */
struct ft_zero {
	struct ft_proc proc;
	struct ft_file file;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct ft_zero);
} zero_vals SEC(".maps");

/* Stack ids to record: -1 for none asked or none taken (a drop). */
static __always_inline void take_stacks(void *ctx, struct ft_cfg *cfg,
					__s32 *kstack, __s32 *ustack)
{
	*kstack = -1;
	*ustack = -1;
	if (cfg->stacks & FT_STACK_KERNEL) {
		*kstack = bpf_get_stackid(ctx, &stacks, 0);
		if (*kstack < 0) {
			*kstack = -1;
			count_drop(FT_DROP_KSTACK);
		}
	}
	if (cfg->stacks & FT_STACK_USER) {
		*ustack = bpf_get_stackid(ctx, &stacks, BPF_F_USER_STACK);
		if (*ustack < 0) {
			*ustack = -1;
			count_drop(FT_DROP_USTACK);
		}
	}
}

static __always_inline void count_file(__u64 file, __u32 tgid, __u32 kind)
{
	struct ft_file_key key = { .tgid = tgid };
	struct ft_file *f;
	struct ft_zero *z;
	__u64 name = 0;

	bpf_probe_read_kernel(&key.dentry, sizeof(key.dentry), (void *)file +
			      offsetof(struct file, f_path.dentry));
	f = bpf_map_lookup_elem(&files, &key);
	if (!f) {
		z = ms_map_elem(&zero_vals, 0);
		if (!z)
			goto drop;
		bpf_probe_read_kernel(&name, sizeof(name), (void *)key.dentry +
				      offsetof(struct dentry, d_name.name));
		bpf_probe_read_kernel_str(z->file.name, sizeof(z->file.name),
					  (void *)name);
		bpf_get_current_comm(z->file.comm, sizeof(z->file.comm));
		f = ms_map_insert(&files, &key, &z->file);
	}
	if (f) {
		__sync_fetch_and_add(&f->faults[kind], 1);
		return;
	}
drop:
	count_drop(FT_DROP_FILE);
}

/*
 * One return of handle_mm_fault() by the current task, @file the vma's
 * (0 for anonymous memory): counted as mm_account_fault() counts it.
 */
static __always_inline void on_fault(struct ft_cfg *cfg, __u64 file,
				     __u32 flags, __u32 gup, __u32 ret,
				     __s32 kstack, __s32 ustack)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct ft_proc_key pkey = { id >> 32, cfg->threads ? (__u32)id : 0 };
	struct ft_group_key gkey = { pkey.tgid, pkey.tid, kstack, ustack };
	struct ft_group *g, gzero = {};
	struct ft_totals *t;
	struct ft_proc *p;
	struct ft_zero *z;
	__u32 kind;

	t = ms_map_elem(&totals, 0);
	if (!t)
		return;
	if (ret & (VM_FAULT_ERROR | VM_FAULT_RETRY)) {
		if (ret & VM_FAULT_RETRY)
			t->retry++;
		else
			t->error++;
		return;
	}
	kind = (ret & VM_FAULT_MAJOR) || (flags & FAULT_FLAG_TRIED) ?
	       FT_MAJOR : FT_MINOR;
	t->faults[kind]++;
	if (file)
		t->file[kind]++;
	t->gup += gup;

	p = bpf_map_lookup_elem(&procs, &pkey);
	if (!p) {
		z = ms_map_elem(&zero_vals, 0);
		if (z) {
			bpf_get_current_comm(z->proc.comm, sizeof(z->proc.comm));
			p = ms_map_insert(&procs, &pkey, &z->proc);
		}
		if (p && (cfg->stacks & FT_STACK_USER) &&
		    bpf_ringbuf_output(&events, &pkey.tgid, sizeof(pkey.tgid), 0))
			count_drop(FT_DROP_TRACK);
	}
	if (p) {
		__sync_fetch_and_add(&p->faults[kind], 1);
		if (file)
			__sync_fetch_and_add(&p->file[kind], 1);
		if (gup)
			__sync_fetch_and_add(&p->gup, 1);
	} else {
		count_drop(FT_DROP_PROC);
	}
	if (file)
		count_file(file, pkey.tgid, kind);
	if (!cfg->stacks)
		return;
	g = bpf_map_lookup_elem(&groups, &gkey);
	if (!g) {
		bpf_get_current_comm(gzero.comm, sizeof(gzero.comm));
		g = ms_map_insert(&groups, &gkey, &gzero);
	}
	if (g)
		__sync_fetch_and_add(&g->faults[kind], 1);
	else
		count_drop(FT_DROP_GROUP);
}

/* ctx: vma, address, flags, regs, the returned vm_fault_t */
SEC("fexit/handle_mm_fault")
int ft_fexit(__u64 *ctx)
{
	struct vm_area_struct *vma = (void *)ctx[0];
	struct ft_cfg *cfg = ms_cfg();
	__s32 kstack = -1, ustack = -1;
	__u32 ret = ctx[4];

	if (!cfg || !ms_traced(&cfg->filter, ms_tgid()))
		return 0;
	if (cfg->stacks && !(ret & (VM_FAULT_ERROR | VM_FAULT_RETRY)))
		take_stacks(ctx, cfg, &kstack, &ustack);
	on_fault(cfg, (__u64)vma->vm_file, ctx[2], !ctx[3], ret, kstack,
		 ustack);
	return 0;
}

/* Fallback, the entry: the arguments, and the stacks while in it. */
SEC("kprobe/handle_mm_fault")
int ft_entry(struct pt_regs *ctx)
{
	struct ft_cfg *cfg = ms_cfg();
	__u32 tid = bpf_get_current_pid_tgid();
	struct ft_inflight rec = {};

	if (!cfg || !ms_traced(&cfg->filter, ms_tgid()))
		return 0;
	rec.vma = PT_REGS_PARM1(ctx);
	rec.flags = PT_REGS_PARM3(ctx);
	rec.gup = !PT_REGS_PARM4(ctx);
	take_stacks(ctx, cfg, &rec.kstack, &rec.ustack);
	/* One fault at a time per thread: a record left is a lost return. */
	if (bpf_map_lookup_elem(&inflight, &tid))
		count_drop(FT_UNPAIRED);
	if (bpf_map_update_elem(&inflight, &tid, &rec, BPF_ANY))
		count_drop(FT_DROP_INFLIGHT);
	return 0;
}

SEC("kretprobe/handle_mm_fault")
int ft_return(struct pt_regs *ctx)
{
	__u32 tid = bpf_get_current_pid_tgid();
	struct ft_cfg *cfg = ms_cfg();
	struct ft_inflight *rec;
	__u64 file = 0;
	__u32 ret;

	rec = bpf_map_lookup_elem(&inflight, &tid);
	if (!rec)
		return 0;
	if (cfg) {
		ret = PT_REGS_RC(ctx);
		/* Counted faults only: the vma may be gone after a retry. */
		if (!(ret & (VM_FAULT_ERROR | VM_FAULT_RETRY)))
			bpf_probe_read_kernel(&file, sizeof(file),
					      (void *)rec->vma +
					      offsetof(struct vm_area_struct,
						       vm_file));
		on_fault(cfg, file, rec->flags, rec->gup, ret, rec->kstack,
			 rec->ustack);
	}
	bpf_map_delete_elem(&inflight, &tid);
	return 0;
}

char _license[] SEC("license") = "GPL";
