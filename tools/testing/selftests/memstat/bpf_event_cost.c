// SPDX-License-Identifier: GPL-2.0
/*
 * Per-event cost of BPF programs, for the memstat benchmarks.
 *
 *   bpf_event_cost empty HOOK...   attach an empty program (return 0) at
 *                                  each HOOK, print "ready", hold them
 *                                  until SIGINT/SIGTERM; it is the floor a
 *                                  tool's program at the same hook is
 *                                  compared with
 *   bpf_event_cost count HOOK...   the same with a program that counts
 *                                  events per process: one hash map
 *                                  lookup by tgid, an insert at a
 *                                  process's first event, an atomic add;
 *                                  the least any per-process accounting
 *                                  at the hook does
 *   bpf_event_cost stats           one line per loaded BPF program: id,
 *                                  name, runs, run time, ns/run
 *
 * HOOK is raw_tp:EVENT (raw tracepoint), fexit:FUNC or fentry:FUNC (BPF
 * trampoline, needs kernel BTF), kprobe:FUNC, or uprobe:FILE:FUNC and
 * uretprobe:FILE:FUNC (in every process mapping FILE; the function's
 * offset from libmemstat's ELF reader), or perf:minor-faults and
 * perf:major-faults (the software events on every CPU, period 1).  Run
 * times are counted only while kernel.bpf_stats_enabled=1.
 */
#include <errno.h>
#include <stdbool.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <linux/bpf.h>
#include <linux/filter.h>
#include <linux/perf_event.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "libmemstat.h"

static const struct bpf_insn return_zero[] = {
	BPF_MOV64_IMM(BPF_REG_0, 0),
	BPF_EXIT_INSN(),
};

/* The hash map of "count" programs: tgid -> events, created once. */
static int count_map = -1;

/*
 * count[tgid] += 1, inserting 0 at a process's first event (BPF_NOEXIST:
 * another CPU may have been first, then look up again).  Stack: key at
 * fp-4, the value to insert at fp-16.
 */
#define COUNT_PROG_LEN 26
static void count_prog(struct bpf_insn *insn, int map)
{
	struct bpf_insn prog[COUNT_PROG_LEN] = {
		BPF_EMIT_CALL(BPF_FUNC_get_current_pid_tgid),
		BPF_ALU64_IMM(BPF_RSH, BPF_REG_0, 32),
		BPF_STX_MEM(BPF_W, BPF_REG_10, BPF_REG_0, -4),
		BPF_MOV64_REG(BPF_REG_2, BPF_REG_10),
		BPF_ALU64_IMM(BPF_ADD, BPF_REG_2, -4),
		BPF_LD_MAP_FD(BPF_REG_1, map),
		BPF_EMIT_CALL(BPF_FUNC_map_lookup_elem),
		BPF_JMP_IMM(BPF_JNE, BPF_REG_0, 0, 15),	/* to the add */
		BPF_ST_MEM(BPF_DW, BPF_REG_10, -16, 0),
		BPF_MOV64_REG(BPF_REG_2, BPF_REG_10),
		BPF_ALU64_IMM(BPF_ADD, BPF_REG_2, -4),
		BPF_MOV64_REG(BPF_REG_3, BPF_REG_10),
		BPF_ALU64_IMM(BPF_ADD, BPF_REG_3, -16),
		BPF_MOV64_IMM(BPF_REG_4, BPF_NOEXIST),
		BPF_LD_MAP_FD(BPF_REG_1, map),
		BPF_EMIT_CALL(BPF_FUNC_map_update_elem),
		BPF_MOV64_REG(BPF_REG_2, BPF_REG_10),
		BPF_ALU64_IMM(BPF_ADD, BPF_REG_2, -4),
		BPF_LD_MAP_FD(BPF_REG_1, map),
		BPF_EMIT_CALL(BPF_FUNC_map_lookup_elem),
		BPF_JMP_IMM(BPF_JEQ, BPF_REG_0, 0, 2),	/* map full */
		BPF_MOV64_IMM(BPF_REG_1, 1),
		BPF_STX_XADD(BPF_DW, BPF_REG_0, BPF_REG_1, 0),
	};

	memcpy(insn, prog, sizeof(prog));
}

/* Load "empty" (return 0) or "count" (count_prog, then return 0). */
static int load_prog(const char *kind, enum bpf_prog_type type,
		     enum bpf_attach_type attach, __u32 btf_id)
{
	struct bpf_insn insns[COUNT_PROG_LEN + 2];
	struct bpf_load_program_attr attr = {
		.prog_type = type,
		.expected_attach_type = attach,
		.name = kind,
		.insns = return_zero,
		.insns_cnt = 2,
		.license = "GPL",
		.attach_btf_id = btf_id,
	};

	if (!strcmp(kind, "count")) {
		if (count_map < 0)
			count_map = bpf_create_map(BPF_MAP_TYPE_HASH, 4, 8,
						   10240, 0);
		if (count_map < 0)
			return -1;
		count_prog(insns, count_map);
		memcpy(insns + COUNT_PROG_LEN, return_zero,
		       sizeof(return_zero));
		attr.insns = insns;
		attr.insns_cnt = COUNT_PROG_LEN + 2;
	}
	return bpf_load_program_xattr(&attr, NULL, 0);
}

/* The number in /sys/bus/event_source/devices/@pmu/@file ("config:N"). */
static int pmu_number(const char *pmu, const char *file)
{
	char path[128], line[64], *num;
	int n = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/sys/bus/event_source/devices/%s/%s",
		 pmu, file);
	f = fopen(path, "r");
	if (f) {
		if (fgets(line, sizeof(line), f)) {
			num = strrchr(line, ':');
			n = atoi(num ? num + 1 : line);
		}
		fclose(f);
	}
	return n;
}

/*
 * A kprobe or uprobe perf event on every CPU's tasks with program @prog:
 * kprobe:FUNC, uprobe:FILE:FUNC, uretprobe:FILE:FUNC.
 */
static int attach_probe(int prog, const char *hook)
{
	struct perf_event_attr pa = { .size = sizeof(pa) };
	bool up = hook[0] == 'u', ret = !strncmp(hook, "uretprobe:", 10);
	const char *name = strchr(hook, ':') + 1, *func;
	char file[256];
	__u64 off = 0;
	int fd;

	pa.type = pmu_number(up ? "uprobe" : "kprobe", "type");
	if ((int)pa.type < 0)
		return -ENOENT;
	pa.config1 = (__u64)(unsigned long)name;
	if (up) {
		func = strrchr(name, ':');
		if (!func || func - name >= (long)sizeof(file))
			return -EINVAL;
		snprintf(file, sizeof(file), "%.*s", (int)(func - name), name);
		func++;
		if (ms_elf_funcs(file, &func, &off, 1) <= 0)
			return -ENOENT;
		pa.config1 = (__u64)(unsigned long)file;
		pa.config2 = off;
		if (ret)
			pa.config = 1ULL << pmu_number("uprobe",
						       "format/retprobe");
	}
	fd = syscall(__NR_perf_event_open, &pa, -1, 0, -1,
		     PERF_FLAG_FD_CLOEXEC);
	if (fd < 0 || ioctl(fd, PERF_EVENT_IOC_SET_BPF, prog) ||
	    ioctl(fd, PERF_EVENT_IOC_ENABLE, 0))
		return -errno;
	return 0;
}

/*
 * A fault software event (memaccess's) on every CPU, a sample at each
 * event, with program @prog: perf:minor-faults, perf:major-faults.
 */
static int attach_swevent(int prog, const char *name)
{
	struct perf_event_attr pa = {
		.size = sizeof(pa), .type = PERF_TYPE_SOFTWARE,
		.sample_period = 1, .disabled = 1,
	};
	int cpu, ncpus = libbpf_num_possible_cpus(), fd;

	if (!strcmp(name, "minor-faults"))
		pa.config = PERF_COUNT_SW_PAGE_FAULTS_MIN;
	else if (!strcmp(name, "major-faults"))
		pa.config = PERF_COUNT_SW_PAGE_FAULTS_MAJ;
	else
		return -EINVAL;
	for (cpu = 0; cpu < ncpus; cpu++) {
		fd = syscall(__NR_perf_event_open, &pa, -1, cpu, -1,
			     PERF_FLAG_FD_CLOEXEC);
		if (fd < 0 && errno == ENODEV && cpu)
			continue;	/* not online */
		if (fd < 0 || ioctl(fd, PERF_EVENT_IOC_SET_BPF, prog) ||
		    ioctl(fd, PERF_EVENT_IOC_ENABLE, 0))
			return -errno;
	}
	return 0;
}

/* Attach a @kind program at @hook; returns 0 or -errno. */
static int attach_prog(const char *kind, const char *hook)
{
	const char *name = strchr(hook, ':');
	int prog;

	if (!name || !name[1])
		return -EINVAL;
	name++;
	if (!strncmp(hook, "raw_tp:", 7)) {
		prog = load_prog(kind, BPF_PROG_TYPE_RAW_TRACEPOINT, 0, 0);
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
		prog = load_prog(kind, BPF_PROG_TYPE_TRACING, at, id);
		if (prog < 0)
			return -errno;
		return bpf_raw_tracepoint_open(NULL, prog) < 0 ? -errno : 0;
	}
	if (!strncmp(hook, "perf:", 5)) {
		prog = load_prog(kind, BPF_PROG_TYPE_PERF_EVENT, 0, 0);
		if (prog < 0)
			return -errno;
		return attach_swevent(prog, name);
	}
	if (!strncmp(hook, "kprobe:", 7) || !strncmp(hook, "uprobe:", 7) ||
	    !strncmp(hook, "uretprobe:", 10)) {
		prog = load_prog(kind, BPF_PROG_TYPE_KPROBE, 0, 0);
		if (prog < 0)
			return -errno;
		return attach_probe(prog, hook);
	}
	return -EINVAL;
}

static int hold(const char *kind, int argc, char **argv)
{
	struct rlimit unlimited = { RLIM_INFINITY, RLIM_INFINITY };
	sigset_t stop;
	int i, err, sig;

	setrlimit(RLIMIT_MEMLOCK, &unlimited);
	for (i = 0; i < argc; i++) {
		err = attach_prog(kind, argv[i]);
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
	if (argc >= 3 && (!strcmp(argv[1], "empty") ||
			  !strcmp(argv[1], "count")))
		return hold(argv[1], argc - 2, argv + 2);
	if (argc == 2 && !strcmp(argv[1], "stats"))
		return print_stats();
	fprintf(stderr,
		"usage: bpf_event_cost empty|count raw_tp:EVENT|fexit:FUNC|fentry:FUNC|kprobe:FUNC|\n"
		"                                  uprobe:FILE:FUNC|uretprobe:FILE:FUNC|\n"
		"                                  perf:minor-faults|perf:major-faults...\n"
		"       bpf_event_cost stats\n");
	return 2;
}
