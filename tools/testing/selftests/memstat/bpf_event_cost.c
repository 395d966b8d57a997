// SPDX-License-Identifier: GPL-2.0
/*
 * Per-event cost of BPF programs, for the memstat benchmarks.
 *
 *   bpf_event_cost empty HOOK...   attach an empty program (return 0) at
 *                                  each HOOK, print "ready", hold them
 *                                  until SIGINT/SIGTERM; it is the floor a
 *                                  tool's program at the same hook is
 *                                  compared with
 *   bpf_event_cost stats           one line per loaded BPF program: id,
 *                                  name, runs, run time, ns/run
 *
 * HOOK is raw_tp:EVENT (raw tracepoint), fexit:FUNC or fentry:FUNC (BPF
 * trampoline, needs kernel BTF) or kprobe:FUNC.  Run times are counted
 * only while kernel.bpf_stats_enabled=1.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <linux/bpf.h>
#include <linux/perf_event.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

static const struct bpf_insn return_zero[] = {
	{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0 },
	{ .code = BPF_JMP | BPF_EXIT },
};

static int load_empty(enum bpf_prog_type type, enum bpf_attach_type attach,
		      __u32 btf_id)
{
	struct bpf_load_program_attr attr = {
		.prog_type = type,
		.expected_attach_type = attach,
		.name = "empty",
		.insns = return_zero,
		.insns_cnt = 2,
		.license = "GPL",
		.attach_btf_id = btf_id,
	};

	return bpf_load_program_xattr(&attr, NULL, 0);
}

static int kprobe_pmu_type(void)
{
	FILE *f = fopen("/sys/bus/event_source/devices/kprobe/type", "r");
	int type = -1;

	if (f) {
		if (fscanf(f, "%d", &type) != 1)
			type = -1;
		fclose(f);
	}
	return type;
}

/* Attach an empty program at @hook; returns 0 or -errno. */
static int attach_empty(const char *hook)
{
	const char *name = strchr(hook, ':');
	int prog, fd, type;

	if (!name || !name[1])
		return -EINVAL;
	name++;
	if (!strncmp(hook, "raw_tp:", 7)) {
		prog = load_empty(BPF_PROG_TYPE_RAW_TRACEPOINT, 0, 0);
		if (prog < 0)
			return -errno;
		return bpf_raw_tracepoint_open(name, prog) < 0 ? -errno : 0;
	}
	if (!strncmp(hook, "fexit:", 6) || !strncmp(hook, "fentry:", 7)) {
		enum bpf_attach_type at = hook[2] == 'x' ? BPF_TRACE_FEXIT :
							    BPF_TRACE_FENTRY;
		int id = libbpf_find_vmlinux_btf_id(name, at);

		if (id < 0)
			return id;
		prog = load_empty(BPF_PROG_TYPE_TRACING, at, id);
		if (prog < 0)
			return -errno;
		return bpf_raw_tracepoint_open(NULL, prog) < 0 ? -errno : 0;
	}
	if (!strncmp(hook, "kprobe:", 7)) {
		struct perf_event_attr pa = { .size = sizeof(pa) };

		type = kprobe_pmu_type();
		if (type < 0)
			return -ENOENT;
		prog = load_empty(BPF_PROG_TYPE_KPROBE, 0, 0);
		if (prog < 0)
			return -errno;
		pa.type = type;
		pa.config1 = (__u64)(unsigned long)name;
		fd = syscall(__NR_perf_event_open, &pa, -1, 0, -1,
			     PERF_FLAG_FD_CLOEXEC);
		if (fd < 0 || ioctl(fd, PERF_EVENT_IOC_SET_BPF, prog) ||
		    ioctl(fd, PERF_EVENT_IOC_ENABLE, 0))
			return -errno;
		return 0;
	}
	return -EINVAL;
}

static int hold_empty(int argc, char **argv)
{
	struct rlimit unlimited = { RLIM_INFINITY, RLIM_INFINITY };
	sigset_t stop;
	int i, err, sig;

	setrlimit(RLIMIT_MEMLOCK, &unlimited);
	for (i = 0; i < argc; i++) {
		err = attach_empty(argv[i]);
		if (err) {
			fprintf(stderr, "bpf_event_cost: cannot attach at %s: %s\n",
				argv[i], strerror(-err));
			return 1;
		}
	}
	sigemptyset(&stop);
	sigaddset(&stop, SIGINT);
	sigaddset(&stop, SIGTERM);
	sigprocmask(SIG_BLOCK, &stop, NULL);
	printf("ready\n");
	fflush(stdout);
	return sigwait(&stop, &sig) ? 1 : 0;
}

static int print_stats(void)
{
	__u32 id = 0;
	int fd;

	printf("%6s %-16s %12s %14s %10s\n", "ID", "NAME", "RUNS", "RUN_NS",
	       "NS/RUN");
	while (!bpf_prog_get_next_id(id, &id)) {
		struct bpf_prog_info info = {};
		__u32 len = sizeof(info);

		fd = bpf_prog_get_fd_by_id(id);
		if (fd < 0)
			continue;
		if (!bpf_obj_get_info_by_fd(fd, &info, &len))
			printf("%6u %-16s %12llu %14llu %10.1f\n", id, info.name,
			       (unsigned long long)info.run_cnt,
			       (unsigned long long)info.run_time_ns,
			       info.run_cnt ? (double)info.run_time_ns /
					      info.run_cnt : 0.0);
		close(fd);
	}
	return 0;
}

int main(int argc, char **argv)
{
	if (argc >= 3 && !strcmp(argv[1], "empty"))
		return hold_empty(argc - 2, argv + 2);
	if (argc == 2 && !strcmp(argv[1], "stats"))
		return print_stats();
	fprintf(stderr,
		"usage: bpf_event_cost empty raw_tp:EVENT|fexit:FUNC|fentry:FUNC|kprobe:FUNC...\n"
		"       bpf_event_cost stats\n");
	return 2;
}
