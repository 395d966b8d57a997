// SPDX-License-Identifier: GPL-2.0
/*
 * shmsnoop: SysV shared memory calls (shmget, shmat, shmdt, shmctl),
 * POSIX shared memory (open and unlink of a path under /dev/shm/, which
 * is what shm_open() and shm_unlink() do) and memfd_create(), from the
 * raw_syscalls tracepoints.
 *
 *   TP_PROTO(struct pt_regs *regs, long id)	sys_enter
 *   TP_PROTO(struct pt_regs *regs, long ret)	sys_exit
 *
 * As mmapsnoop: the number is checked first, then -p, then the arguments
 * are read from the saved registers and kept per thread until the exit.
 * An open or unlink is kept only when its path starts with "/dev/shm/"
 * (read from user memory at entry).  32-bit tasks' calls (ia32: through
 * the ipc() multiplexer; aarch32) are counted as compat, not traced.
 */
#include <linux/sched.h>
#include <asm/ptrace.h>
#include <asm/unistd.h>
#include <uapi/linux/fcntl.h>
#include <uapi/linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "shmsnoop_common.h"
#include "memstat_kern.h"

MS_CONFIG_MAP(struct sh_cfg);

/* A slot per thread (ms_call_enter), busy from sys_enter to sys_exit. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, SH_MAX_INFLIGHT);
	__type(key, __u32);
	__type(value, struct sh_call_rec);
} inflight SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, SH_MAX_PROCS);
	__type(key, __u32);
	__type(value, struct sh_proc);
} procs SEC(".maps");

MS_RINGBUF_MAP(256 * 1024);

/* Calls in inflight: most exits see 0 and return at once. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} pending SEC(".maps");

MS_DROPS_MAP(SH_NR_DROPS);

/* The call, and whether its path is argument 0 (open, unlink) or 1. */
#define SH_PATH0	0x100

static __always_inline int call_of(long nr)
{
	switch (nr) {
	case __NR_shmget:
		return SH_SHMGET;
	case __NR_shmat:
		return SH_SHMAT;
	case __NR_shmdt:
		return SH_SHMDT;
	case __NR_shmctl:
		return SH_SHMCTL;
	case __NR_openat:
		return SH_SHM_OPEN;
	case __NR_unlinkat:
		return SH_SHM_UNLINK;
	case __NR_memfd_create:
		return SH_MEMFD;
#ifdef __NR_open
	case __NR_open:
		return SH_SHM_OPEN | SH_PATH0;
#endif
#ifdef __NR_unlink
	case __NR_unlink:
		return SH_SHM_UNLINK | SH_PATH0;
#endif
	}
	return -1;
}

#define rd(dst, src) bpf_probe_read_kernel(&(dst), sizeof(dst), &(src))

static __always_inline bool in_dev_shm(const char *s)
{
	return s[0] == '/' && s[1] == 'd' && s[2] == 'e' && s[3] == 'v' &&
	       s[4] == '/' && s[5] == 's' && s[6] == 'h' && s[7] == 'm' &&
	       s[8] == '/';
}

SEC("raw_tracepoint/sys_enter")
int sh_sys_enter(struct bpf_raw_tracepoint_args *ctx)
{
	struct pt_regs *regs = (struct pt_regs *)ctx->args[0];
	int call = call_of(ctx->args[1]);
	struct sh_call_rec rec = {};
	struct sh_cfg *cfg;
	__u64 id;
	__u32 tid;

	/* Every system call comes here: nothing before this. */
	if (call < 0)
		return 0;
	id = bpf_get_current_pid_tgid();
	tid = id;
	cfg = ms_cfg();
	if (!ms_traced(&cfg->filter, id >> 32))
		return 0;
	if (!ms_syscall_args(regs, rec.args, 4)) {
		count_drop(SH_COMPAT);
		return 0;
	}
	if (call & SH_PATH0) {
		/* As openat(AT_FDCWD, path, flags, mode). */
		rec.args[3] = rec.args[2];
		rec.args[2] = rec.args[1];
		rec.args[1] = rec.args[0];
		rec.args[0] = AT_FDCWD;
		call &= ~SH_PATH0;
	}
	rec.call = call;
	if (call == SH_SHM_OPEN || call == SH_SHM_UNLINK) {
		bpf_probe_read_user_str(rec.name, sizeof(rec.name),
					(void *)rec.args[1]);
		if (!in_dev_shm(rec.name))
			return 0;
	} else if (call == SH_MEMFD) {
		bpf_probe_read_user_str(rec.name, sizeof(rec.name),
					(void *)rec.args[0]);
	}
	ms_call_enter(tid, &rec, SH_DROP_INFLIGHT);
	return 0;
}

/* procs[tgid], created on first use; NULL (and a drop) when full. */
static __always_inline struct sh_proc *get_proc(__u32 tgid)
{
	struct sh_proc zero = {};

	return ms_proc_get(&procs, tgid, &zero, SH_DROP_PROC);
}

SEC("raw_tracepoint/sys_exit")
int sh_sys_exit(struct bpf_raw_tracepoint_args *ctx)
{
	__u64 id;
	struct sh_call_rec *rec, *e;
	struct sh_cfg *cfg;
	struct sh_proc *p;
	__u32 tid, call;

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
	call = rec->call;
	p = get_proc(rec->pid);
	if (p && call < SH_NR_CALLS) {
		__sync_fetch_and_add(&p->calls[call], 1);
		if (IS_ERR_VALUE(rec->ret))
			__sync_fetch_and_add(&p->failed[call], 1);
		else if (call == SH_SHMGET)
			__sync_fetch_and_add(&p->shmget_bytes, rec->args[1]);
	}
	cfg = ms_cfg();
	if (cfg && cfg->events) {
		e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
		if (e) {
			bpf_get_current_comm(rec->comm, sizeof(rec->comm));
			__builtin_memcpy(e, rec, sizeof(*e));
			bpf_ringbuf_submit(e, 0);
		} else {
			count_drop(SH_DROP_EVENT);
		}
	}
	ms_call_done(rec);
	return 0;
}

char _license[] SEC("license") = "GPL";
