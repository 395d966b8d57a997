/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The memstat tools, one line each: name and what it shows.  The one
 * list: samples/bpf/Makefile.memstat builds these, tools/memstat/Makefile
 * installs them, `memstat list` prints them, the selftests and
 * scripts/run-vm.sh read them and a selftest checks each has its
 * Documentation page.  Each tool is samples/bpf/<name>_{kern,user}.c and
 * <name>_common.h.
 */
MEMSTAT_TOOL(procstat, "per-process memory: RSS by type, swap, data, stack, PTEs")
MEMSTAT_TOOL(sysstat, "system memory breakdown (meminfo-style), per node too")
MEMSTAT_TOOL(pr, "LRU reclaim per node: scanned, reclaimed, why pages stayed")
MEMSTAT_TOOL(paf, "page allocation failures: who, gfp, zone state, stack, why")
MEMSTAT_TOOL(dreclaim, "direct reclaim per process: stalls, latency, pages; kswapd")
MEMSTAT_TOOL(vmscan, "reclaim per interval: shrinkers, direct, memcg, kswapd, writes")
MEMSTAT_TOOL(pagealloc, "all page allocations by call path and process; what meminfo misses")
MEMSTAT_TOOL(oomkill, "every OOM kill: trigger, victim, constraint, memcg, stack")
MEMSTAT_TOOL(faults, "page faults per process: minor, major, by file and stack")
MEMSTAT_TOOL(swapin, "swap-ins per process: faults, latency, pages read (pswpin)")
MEMSTAT_TOOL(hfaults, "hugetlb faults per process and mapping: count, latency, pages")
MEMSTAT_TOOL(mmapsnoop, "mmap, munmap, mremap, mprotect, brk calls: args, file, result")
MEMSTAT_TOOL(brkstack, "heap growth by brk(): bytes per process and user stack")
MEMSTAT_TOOL(shmsnoop, "SysV shm, POSIX shm_open/unlink, memfd_create calls: args, result")
MEMSTAT_TOOL(memleak, "outstanding user allocations by process and call path")
MEMSTAT_TOOL(kleak, "outstanding kernel allocations: kmalloc, caches, percpu, pages")
MEMSTAT_TOOL(heapsnoop, "glibc malloc probes: heap, arena, mallopt events per process")
MEMSTAT_TOOL(compact, "page compaction: direct stalls per process, zone runs, pages moved")
MEMSTAT_TOOL(migrate, "page migration by reason and process: pages moved, failed, THPs, time")
MEMSTAT_TOOL(memaccess, "memory-access cost per process: cache and TLB misses, stalls (PMU)")
MEMSTAT_TOOL(report, "why memory is tight now: verdicts with evidence, over a short window")
