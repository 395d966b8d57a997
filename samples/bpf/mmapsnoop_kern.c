// SPDX-License-Identifier: GPL-2.0
/*
 * mmapsnoop: mmap, munmap, mremap, mprotect and brk calls, from the
 * raw_syscalls tracepoints.
 *
 *   TP_PROTO(struct pt_regs *regs, long id)	sys_enter
 *   TP_PROTO(struct pt_regs *regs, long ret)	sys_exit
 *
 * Every system call passes both: the number is checked first (a few
 * compares), then -p (a map lookup); only then are the arguments read
 * from the registers the entry saved, and kept per thread until the exit.
 * Numbers are those of the arch this is built for (asm/unistd.h); 32-bit
 * tasks' calls (ia32, aarch32) have others: counted as compat, not traced.
 */
#include <linux/sched.h>
#include <linux/fs.h>
#include <linux/fdtable.h>
#include <linux/mm_types.h>
#include <linux/mman.h>
#include <asm/ptrace.h>
#include <asm/unistd.h>
#include <uapi/linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "mmapsnoop_common.h"
#include "memstat_kern.h"

MS_CONFIG_MAP(struct mm_cfg);

/* A slot per thread (ms_call_enter), busy from sys_enter to sys_exit. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, MM_MAX_INFLIGHT);
	__type(key, __u32);
	__type(value, struct mm_call_rec);
} inflight SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, MM_MAX_PROCS);
	__type(key, __u32);
	__type(value, struct mm_proc);
} procs SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, MM_MAX_FILES);
	__type(key, struct mm_file_key);
	__type(value, struct mm_file);
} files SEC(".maps");

MS_RINGBUF_MAP(256 * 1024);

/* Calls in inflight: most exits see 0 and return at once. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} pending SEC(".maps");

MS_DROPS_MAP(MM_NR_DROPS);

static __always_inline int call_of(long nr)
{
	return nr == __NR_mmap ? MM_MMAP : nr == __NR_munmap ? MM_MUNMAP :
	       nr == __NR_mremap ? MM_MREMAP : nr == __NR_mprotect ?
	       MM_MPROTECT : nr == __NR_brk ? MM_BRK : -1;
}

#define rd(dst, src) bpf_probe_read_kernel(&(dst), sizeof(dst), &(src))

/* Name, inode and device of the file open at @fd (racy as any probe read). */
static __always_inline void file_of(struct mm_call_rec *rec, __u32 fd)
{
	struct task_struct *task = (void *)bpf_get_current_task();
	struct files_struct *fs = NULL;
	struct fdtable *fdt = NULL;
	struct file **fda = NULL, *file = NULL;
	struct inode *inode = NULL;
	struct super_block *sb = NULL;
	struct dentry *d = NULL;
	const unsigned char *name = NULL;
	unsigned int max = 0;

	if (rd(fs, task->files) || !fs || rd(fdt, fs->fdt) || !fdt)
		return;
	rd(max, fdt->max_fds);
	rd(fda, fdt->fd);
	if (fd >= max || !fda || rd(file, fda[fd]) || !file)
		return;
	rd(d, file->f_path.dentry);
	rd(inode, file->f_inode);
	if (!d || !inode)
		return;
	rd(name, d->d_name.name);
	bpf_probe_read_kernel_str(rec->name, sizeof(rec->name), name);
	rd(rec->ino, inode->i_ino);
	if (!rd(sb, inode->i_sb) && sb)
		rd(rec->dev, sb->s_dev);
}

SEC("raw_tracepoint/sys_enter")
int mm_sys_enter(struct bpf_raw_tracepoint_args *ctx)
{
	struct pt_regs *regs = (struct pt_regs *)ctx->args[0];
	int call = call_of(ctx->args[1]);
	struct mm_call_rec rec = {};
	struct mm_cfg *cfg;
	__u64 id;
	__u32 tid;

	/* Every system call comes here: nothing before this. */
	if (call < 0)
		return 0;
	id = bpf_get_current_pid_tgid();
	tid = id;
	cfg = ms_cfg();
	if (!ms_traced(&cfg->filter, id >> 32) ||
	    (call == MM_BRK && cfg->no_brk))
		return 0;
	if (!ms_syscall_args(regs, rec.args, 6)) {
		count_drop(MM_COMPAT);
		return 0;
	}
	rec.call = call;
	if (call == MM_MMAP && !(rec.args[3] & MAP_ANONYMOUS) &&
	    (int)rec.args[4] >= 0)
		file_of(&rec, rec.args[4]);
	if (call == MM_BRK) {
		struct task_struct *task = (void *)bpf_get_current_task();
		struct mm_struct *mm = NULL;

		if (!rd(mm, task->mm) && mm)
			rd(rec.old_brk, mm->brk);
	}
	ms_call_enter(tid, &rec, MM_DROP_INFLIGHT);
	return 0;
}

/* procs[tgid], created on first use; NULL (and a drop) when full. */
static __always_inline struct mm_proc *get_proc(__u32 tgid)
{
	struct mm_proc zero = {};

	return ms_proc_get(&procs, tgid, &zero, MM_DROP_PROC);
}

static __always_inline void count_file(struct mm_call_rec *rec)
{
	struct mm_file_key key = { .ino = rec->ino, .dev = rec->dev };
	struct mm_file *f = bpf_map_lookup_elem(&files, &key);
	struct mm_file zero = {};

	if (!f) {
		__builtin_memcpy(zero.name, rec->name, sizeof(zero.name));
		f = ms_map_insert(&files, &key, &zero);
		if (!f) {
			count_drop(MM_DROP_FILE);
			return;
		}
	}
	__sync_fetch_and_add(&f->maps, 1);
	__sync_fetch_and_add(&f->mapped, rec->args[1]);
}

/* Bytes mapped and unmapped by a successful call, into @p. */
static __always_inline void count_bytes(struct mm_proc *p,
					struct mm_call_rec *rec)
{
	__u64 *a = rec->args;

	switch (rec->call) {
	case MM_MMAP:
		__sync_fetch_and_add(&p->mapped, a[1]);
		if (rec->ino) {
			__sync_fetch_and_add(&p->mapped_file, a[1]);
			count_file(rec);
		}
		break;
	case MM_MUNMAP:
		__sync_fetch_and_add(&p->unmapped, a[1]);
		break;
	case MM_MREMAP:
		if (a[2] > a[1])
			__sync_fetch_and_add(&p->mapped, a[2] - a[1]);
		else
			__sync_fetch_and_add(&p->unmapped, a[1] - a[2]);
		break;
	case MM_MPROTECT:
		__sync_fetch_and_add(&p->protected, a[1]);
		break;
	case MM_BRK:
		if (!rec->old_brk)	/* not read: no mm */
			break;
		if ((__u64)rec->ret > rec->old_brk)
			__sync_fetch_and_add(&p->brk_grown,
					     rec->ret - rec->old_brk);
		else
			__sync_fetch_and_add(&p->brk_shrunk,
					     rec->old_brk - rec->ret);
		break;
	}
}

SEC("raw_tracepoint/sys_exit")
int mm_sys_exit(struct bpf_raw_tracepoint_args *ctx)
{
	__u64 id;
	struct mm_call_rec *rec, *e;
	struct mm_cfg *cfg;
	struct mm_proc *p;
	__u32 tid, call;
	bool ok;

	/* Most exits: no call of ours is under way anywhere. */
	rec = ms_call_find();
	if (!rec)
		return 0;
	id = bpf_get_current_pid_tgid();
	tid = id;
	rec->ret = ctx->args[1];
	rec->ts_ns = bpf_ktime_get_ns();
	rec->pid = id >> 32;
	rec->tid = tid;
	/* brk fails by returning the old break: no error code. */
	ok = rec->call == MM_BRK ? rec->ret == rec->args[0] || !rec->args[0] :
	     !IS_ERR_VALUE(rec->ret);
	call = rec->call;
	p = get_proc(rec->pid);
	if (p && call < MM_NR_CALLS) {
		__sync_fetch_and_add(&p->calls[call], 1);
		if (!ok)
			__sync_fetch_and_add(&p->failed[call], 1);
		else
			count_bytes(p, rec);
	}
	cfg = ms_cfg();
	if (cfg && cfg->events) {
		e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
		if (e) {
			bpf_get_current_comm(rec->comm, sizeof(rec->comm));
			__builtin_memcpy(e, rec, sizeof(*e));
			bpf_ringbuf_submit(e, 0);
		} else {
			count_drop(MM_DROP_EVENT);
		}
	}
	ms_call_done(rec);
	return 0;
}

char _license[] SEC("license") = "GPL";
