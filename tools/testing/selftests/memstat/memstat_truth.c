// SPDX-License-Identifier: GPL-2.0
/*
 * Ground truth the memstat tests read from the kernel by other ways than
 * the tools do.
 *
 *   memstat_truth rss PID        walk PID's page tables through
 *                                /proc/PID/pagemap and classify each
 *                                mapped page by /proc/kpageflags as the
 *                                kernel's RSS counters do (anon; shmem:
 *                                swap-backed, not anon; file: the rest);
 *                                VMA sizes from /proc/PID/smaps; prints
 *                                "rss pid=P anon_kb=.. file_kb=.. shmem_kb=..
 *                                swap_kb=.. vsize_kb=.. data_kb=.. stk_kb=.."
 *   memstat_truth bpf-objects    BPF programs, maps and links the kernel
 *                                holds, by walking their ids: "bpf progs=N
 *                                maps=M links=L", then "prog ID NAME" per
 *                                program
 *
 * Root only (pagemap hides page frame numbers from others).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/bits.h>
#include <linux/bpf.h>
#include <bpf/bpf.h>

/* /proc/PID/pagemap entry bits (Documentation/admin-guide/mm/pagemap.rst) */
#define PM_PFN_MASK	((1ULL << 55) - 1)
#define PM_SWAP		BIT_ULL(62)
#define PM_PRESENT	BIT_ULL(63)

/* /proc/kpageflags bits (include/uapi/linux/kernel-page-flags.h) */
#define KPF_COMPOUND_TAIL	16
#define KPF_ANON		12
#define KPF_THP			22
#define KPF_ZERO_PAGE		24
#define KPF_SWAPBACKED		14

#define BATCH 512

static long page_size;

static void die(const char *what)
{
	fprintf(stderr, "memstat_truth: %s: %s\n", what, strerror(errno));
	exit(1);
}

struct vma {
	unsigned long start, end;
	char name[64];
	char flags[128];	/* smaps VmFlags */
};

struct rss {
	unsigned long long anon, file, shmem, swap;	/* pages */
	unsigned long long vsize, data, stk;		/* bytes */
};

static bool has_flag(const struct vma *v, const char *flag)
{
	char want[8];

	snprintf(want, sizeof(want), " %s ", flag);
	return strstr(v->flags, want);
}

/* Flags of the page @pfn; a THP tail page takes its head's. */
static uint64_t page_flags(int kpf, uint64_t pfn)
{
	uint64_t flags = 0;

	if (pread(kpf, &flags, 8, pfn * 8) != 8)
		die("/proc/kpageflags");
	if ((flags & (1ULL << KPF_COMPOUND_TAIL)) && (flags & (1ULL << KPF_THP)))
		return page_flags(kpf, pfn & ~((2UL << 20) / page_size - 1));
	return flags;
}

static void walk_vma(int pm, int kpf, const struct vma *v, struct rss *r)
{
	uint64_t ent[BATCH], f;
	unsigned long addr = v->start;
	size_t i, n;

	/* Raw PFN and I/O maps are not RSS (no struct page behind them). */
	if (has_flag(v, "pf") || has_flag(v, "io"))
		return;
	while (addr < v->end) {
		n = (v->end - addr) / page_size;
		if (n > BATCH)
			n = BATCH;
		if (pread(pm, ent, n * 8, addr / page_size * 8) != (ssize_t)(n * 8))
			die("pagemap");
		for (i = 0; i < n; i++) {
			if (ent[i] & PM_SWAP) {
				r->swap++;
				continue;
			}
			if (!(ent[i] & PM_PRESENT))
				continue;
			if (!(ent[i] & PM_PFN_MASK))
				die("pagemap shows no page frame numbers (need root)");
			f = page_flags(kpf, ent[i] & PM_PFN_MASK);
			if (f & (1ULL << KPF_ZERO_PAGE))
				continue;
			if (f & (1ULL << KPF_ANON))
				r->anon++;
			else if (f & (1ULL << KPF_SWAPBACKED))
				r->shmem++;
			else
				r->file++;
		}
		addr += n * page_size;
	}
}

/* What mm->total_vm, data_vm and stack_vm count (mm/internal.h). */
static void count_vma(const struct vma *v, struct rss *r)
{
	unsigned long len = v->end - v->start;
	bool stack = has_flag(v, "gd");

	r->vsize += len;
	if (stack)
		r->stk += len;
	else if (has_flag(v, "wr") && !has_flag(v, "sh"))
		r->data += len;
}

static int walk_process(const char *pid)
{
	char path[64], line[512];
	struct rss r = {};
	struct vma v;
	bool in = false;
	int pm, kpf;
	FILE *smaps;

	snprintf(path, sizeof(path), "/proc/%s/smaps", pid);
	smaps = fopen(path, "r");
	if (!smaps)
		die(path);
	snprintf(path, sizeof(path), "/proc/%s/pagemap", pid);
	pm = open(path, O_RDONLY);
	kpf = open("/proc/kpageflags", O_RDONLY);
	if (pm < 0 || kpf < 0)
		die(pm < 0 ? path : "/proc/kpageflags");
	while (fgets(line, sizeof(line), smaps)) {
		unsigned long start, end;
		int n = 0;

		/* Into locals: a field line ("FilePmdMapped:") parses in part. */
		if (sscanf(line, "%lx-%lx %*s %*s %*s %*s %n", &start, &end,
			   &n) == 2 && n) {
			v.start = start;
			v.end = end;
			snprintf(v.name, sizeof(v.name), "%s", line + n);
			v.name[strcspn(v.name, "\n")] = '\0';
			in = true;
			continue;
		}
		if (!in || strncmp(line, "VmFlags:", 8))
			continue;
		snprintf(v.flags, sizeof(v.flags), "%.126s", line + 8);
		v.flags[strcspn(v.flags, "\n")] = ' ';
		in = false;
		/* The gate area is listed, but is no VMA of the process. */
		if (!strcmp(v.name, "[vsyscall]"))
			continue;
		count_vma(&v, &r);
		walk_vma(pm, kpf, &v, &r);
	}
	fclose(smaps);
	close(pm);
	close(kpf);
	printf("rss pid=%s anon_kb=%llu file_kb=%llu shmem_kb=%llu swap_kb=%llu",
	       pid, r.anon * page_size / 1024, r.file * page_size / 1024,
	       r.shmem * page_size / 1024, r.swap * page_size / 1024);
	printf(" vsize_kb=%llu data_kb=%llu stk_kb=%llu\n", r.vsize / 1024,
	       r.data / 1024, r.stk / 1024);
	return 0;
}

static int bpf_objects(void)
{
	unsigned int progs = 0, maps = 0, links = 0;
	struct bpf_prog_info info;
	__u32 id = 0, len;
	int fd;

	while (!bpf_map_get_next_id(id, &id))
		maps++;
	id = 0;
	while (!bpf_link_get_next_id(id, &id))
		links++;
	id = 0;
	while (!bpf_prog_get_next_id(id, &id))
		progs++;
	if (errno != ENOENT)
		die("BPF_PROG_GET_NEXT_ID");
	printf("bpf progs=%u maps=%u links=%u\n", progs, maps, links);
	id = 0;
	while (!bpf_prog_get_next_id(id, &id)) {
		fd = bpf_prog_get_fd_by_id(id);
		if (fd < 0)
			continue;	/* gone meanwhile */
		memset(&info, 0, sizeof(info));
		len = sizeof(info);
		if (!bpf_obj_get_info_by_fd(fd, &info, &len))
			printf("prog %u %s\n", id, info.name);
		close(fd);
	}
	return 0;
}

int main(int argc, char **argv)
{
	page_size = sysconf(_SC_PAGESIZE);
	if (argc == 3 && !strcmp(argv[1], "rss"))
		return walk_process(argv[2]);
	if (argc == 2 && !strcmp(argv[1], "bpf-objects"))
		return bpf_objects();
	fprintf(stderr, "usage: memstat_truth rss PID | bpf-objects\n");
	return 2;
}
