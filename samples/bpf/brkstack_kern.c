// SPDX-License-Identifier: GPL-2.0
/*
 * brkstack: heap growth by brk(), per process and user stack.
 *
 * raw_syscalls:sys_enter keeps, per thread inside brk(), the break
 * (current->mm->brk) and the user stack; raw_syscalls:sys_exit adds the
 * move of the break to totals[(tgid, stack)].  brk() returns the new
 * break, or the old one when it fails, so the return value is the break
 * after the call:
 *
 *   TP_PROTO(struct pt_regs *regs, long id)	sys_enter
 *   TP_PROTO(struct pt_regs *regs, long ret)	sys_exit
 *
 * syscalls:sys_enter_brk is no raw tracepoint: ftrace builds it on
 * sys_enter too, at the same cost, a test on every system call (here a
 * compare with __NR_brk).  32-bit compat tasks' brk() is not seen (their
 * calls of number __NR_brk are told apart by the return value).  A
 * process's first brk() sends a record on which the user side reads its
 * mappings, before it can exit.
 */
#include <linux/sched.h>
#include <linux/mm_types.h>
#include <linux/unistd.h>
#include <uapi/linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "brkstack_common.h"
#include "memstat_kern.h"

MS_CONFIG_MAP(struct bs_cfg);

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, BS_MAX_KEYS);
	__type(key, struct bs_key);
	__type(value, struct bs_val);
} totals SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, BS_MAX_PROCS);
	__type(key, __u32);
	__type(value, struct bs_proc);
} procs SEC(".maps");

/* A slot per thread (ms_call_enter), busy from sys_enter to sys_exit. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, BS_MAX_INFLIGHT);
	__type(key, __u32);
	__type(value, struct bs_inflight);
} inflight SEC(".maps");

/*
 * pending[0]: threads inside a traced brk() now.  sys_exit runs at the
 * end of every system call: while this is 0 it returns after an array
 * read, not a hash lookup (which doubled its cost).
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} pending SEC(".maps");

/* Under a hash of the frames: a stack trace map drops a colliding one. */
MS_STACK_MAP(BS_MAX_STACKS);
MS_SCRATCH_MAP;

MS_RINGBUF_MAP(256 * 1024);

MS_DROPS_MAP(BS_NR_DROPS);

/*
 * ld.so's brk(0), often a process's first, comes before its libraries
 * are mapped: a first move of the break says to read the maps again.
 */
static __always_inline void first_move(__u32 tgid)
{
	struct bs_proc *p = bpf_map_lookup_elem(&procs, &tgid);
	struct bs_event *e;

	if (!p || p->moved)
		return;
	p->moved = 1;
	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		count_drop(BS_DROP_NOTICE);
		return;
	}
	__builtin_memset(e, 0, sizeof(*e));
	e->kind = BS_MOVED;
	e->tgid = tgid;
	bpf_ringbuf_submit(e, 0);
}

SEC("raw_tracepoint/sys_enter")
int bs_sys_enter(struct bpf_raw_tracepoint_args *ctx)
{
	struct task_struct *task;
	struct bs_inflight rec = {};
	struct mm_struct *mm = NULL;
	__u32 tid;
	struct bs_cfg *cfg;
	__u64 id;

	if (ctx->args[1] != __NR_brk)
		return 0;
	id = bpf_get_current_pid_tgid();
	cfg = ms_cfg();
	if (!ms_traced(&cfg->filter, id >> 32))
		return 0;
	task = (void *)bpf_get_current_task();
	bpf_probe_read_kernel(&mm, sizeof(mm), &task->mm);
	if (!mm)
		return 0;
	bpf_probe_read_kernel(&rec.brk, sizeof(rec.brk), &mm->brk);
	rec.stack = ms_stack_key(ctx, &stacks, &scratch, BPF_F_USER_STACK,
				 MS_STACK_DEPTH);
	if (rec.stack == MS_NO_STACK)
		count_drop(BS_DROP_STACK);
	tid = id;
	ms_call_enter(tid, &rec, BS_DROP_INFLIGHT);
	ms_proc_announce(&procs, id >> 32, struct bs_event, BS_NEW_PROC,
			 BS_DROP_PROC, BS_DROP_NOTICE);
	return 0;
}

static __always_inline void send_call(struct bs_inflight *rec, __u64 id,
				      __u64 new_brk)
{
	struct bs_event *e;

	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		count_drop(BS_DROP_EVENT);
		return;
	}
	e->kind = BS_CALL;
	e->tgid = id >> 32;
	e->tid = id;
	e->stack = rec->stack;
	e->old_brk = rec->brk;
	e->new_brk = new_brk;
	e->ts_ns = bpf_ktime_get_ns();
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	bpf_ringbuf_submit(e, 0);
}

/*
 * brk() returns the break: a return that is not mm->brk now is another
 * system call of the same number (a 32-bit compat task's), or another
 * thread's brk() came in between.
 */
static __always_inline bool returned_brk(__u64 ret)
{
	struct task_struct *task = (void *)bpf_get_current_task();
	struct mm_struct *mm = NULL;
	__u64 brk = 0;

	bpf_probe_read_kernel(&mm, sizeof(mm), &task->mm);
	if (mm)
		bpf_probe_read_kernel(&brk, sizeof(brk), &mm->brk);
	return mm && brk == ret;
}

SEC("raw_tracepoint/sys_exit")
int bs_sys_exit(struct bpf_raw_tracepoint_args *ctx)
{
	struct bs_val fresh = {}, *v;
	__u64 id, after = ctx->args[1];
	struct bs_inflight *rec;
	struct bs_key key = {};
	struct bs_cfg *cfg;

	rec = ms_call_find();
	if (!rec)
		return 0;
	id = bpf_get_current_pid_tgid();
	if (!returned_brk(after)) {
		count_drop(BS_DROP_NOT_BRK);
		ms_call_done(rec);
		return 0;
	}
	key.tgid = id >> 32;
	key.stack = rec->stack;
	v = bpf_map_lookup_elem(&totals, &key);
	if (!v)
		v = ms_map_insert(&totals, &key, &fresh);
	if (v) {
		if (after > rec->brk)
			__sync_fetch_and_add(&v->grow, after - rec->brk);
		else if (after < rec->brk)
			__sync_fetch_and_add(&v->shrink, rec->brk - after);
		__sync_fetch_and_add(&v->calls, 1);
	} else {
		count_drop(BS_DROP_KEY);
	}
	if (after != rec->brk)
		first_move(key.tgid);
	cfg = ms_cfg();
	if (cfg && cfg->events)
		send_call(rec, id, after);
	ms_call_done(rec);
	return 0;
}

/*
 * An exec() replaces the mappings: forget the process, so that its next
 * brk() sends a record again and the user side reads the new ones.
 *   TP_PROTO(struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm)
 */
SEC("raw_tracepoint/sched_process_exec")
int bs_exec(struct bpf_raw_tracepoint_args *ctx)
{
	__u32 tgid = ms_tgid();

	bpf_map_delete_elem(&procs, &tgid);
	return 0;
}

char _license[] SEC("license") = "GPL";
