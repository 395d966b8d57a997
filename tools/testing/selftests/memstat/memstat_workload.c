// SPDX-License-Identifier: GPL-2.0
/*
 * Workloads with known memory behaviour, for the memstat tests.
 *
 *   memstat_workload hold [options]   hold known amounts of memory, print
 *                                     what it holds, wait for SIGTERM
 *     --anon-kb N     private anonymous memory, touched (no THP)
 *     --swap-kb N     of which N KiB are paged out (MADV_PAGEOUT)
 *     --file-kb N     map and read N KiB of --file PATH (created)
 *     --shmem-kb N    shared anonymous (shmem) memory, touched
 *     --stack-kb N    main-thread stack grown by N KiB
 *     --mlock-kb N    private anonymous memory, touched and mlock()ed
 *     --thp-kb N      private anonymous memory in 2 MiB-aligned huge pages
 *                     (MADV_HUGEPAGE), touched
 *     --threads N     N threads that each fault in a known number of pages
 *                     and then sleep, so those pages stay in the thread's
 *                     unfolded RSS deltas
 *   memstat_workload pressure --anon-kb N [--threads T]
 *                                     T threads (default 2) together fault
 *                                     in N KiB of private anonymous memory,
 *                                     every page filled with one non-zero
 *                                     byte (zram keeps such a page in its
 *                                     table, almost free), as fast as they
 *                                     can: beyond free memory this stalls
 *                                     them in direct reclaim.  Prints
 *                                     "ready pid=P anon_kb=N threads=T",
 *                                     then "thread tid=T" per thread, and
 *                                     holds the memory (and the threads)
 *                                     until SIGTERM.
 *   memstat_workload grow --anon-kb N --tables T --go FILE
 *                                     print "waiting pid=P", wait for FILE
 *                                     to exist, then fault in N KiB of
 *                                     private anonymous memory (no THP)
 *                                     and one page in each of T regions
 *                                     a page table maps (2 MiB; 512 MiB
 *                                     with 64 KiB pages), print
 *                                     "ready pid=P anon_kb=N tables=T" and
 *                                     wait for SIGTERM: the allocations
 *                                     of a known process in a window
 *   memstat_workload as-nobody CMD [ARGS]   run CMD as uid/gid 65534
 *   memstat_workload sigdfl CMD [ARGS]  run CMD with SIGINT and SIGQUIT
 *                                     at their defaults (not ignored as
 *                                     in a shell's background command)
 *   memstat_workload bracket DIR CMD [ARGS]  run CMD (a tool printing JSON
 *                                     Lines every interval); after each
 *                                     "system" record k, save the record(s)
 *                                     in DIR/report.k and /proc/meminfo (and
 *                                     node0's meminfo) in DIR/meminfo.k and
 *                                     DIR/node.k.  Record k was taken
 *                                     between meminfo.(k-1) and meminfo.k,
 *                                     read while CMD was alive and idle and
 *                                     without starting any other process.
 *   memstat_workload fragment --regions N --go FILE [--floor-kb F]
 *                            [--hugetlb-kb K]
 *                                     fill memory with base pages until no
 *                                     zone (but x86's DMA) has a free block
 *                                     of a THP's order (or MemFree < F KiB,
 *                                     default 49152, or reclaim starts),
 *                                     free every other page,
 *                                     print "filled ...", wait for FILE to
 *                                     exist, then write-fault N THP-aligned
 *                                     THP-eligible regions and print
 *                                     "thp regions=N huge=H fallback=F" (H
 *                                     from smaps AnonHugePages); with
 *                                     --hugetlb-kb, of the order of K KiB
 *                                     instead, and grow the K KiB hugetlb
 *                                     pool by N pages (then shrink it
 *                                     back): "hugetlb regions=N huge=H"
 *   memstat_workload failpipe --writes N --go FILE
 *                                     print "ready", wait for FILE, set its
 *                                     own make-it-fail, write one page into
 *                                     each of N fresh pipes, retrying those
 *                                     that fail with ENOMEM, clear
 *                                     make-it-fail and print "pipe-writes
 *                                     done=N failed=F" (each write needs
 *                                     exactly one new page)
 *   memstat_workload reread FILE      print "ready pid=P", then read FILE
 *                                     whole with read(), again and again,
 *                                     until SIGTERM: a working set of page
 *                                     cache (in a memory cgroup smaller
 *                                     than FILE, refaults) of one process
 *   memstat_workload churn PAGES ROUNDS
 *                                     fault in PAGES 4 KiB anonymous pages
 *                                     (no THP) and free them, ROUNDS times:
 *                                     one order-0 page allocation per
 *                                     page and round, for benchmarks;
 *                                     prints "done pages=P rounds=R
 *                                     ns_per_page=N" (fault + free)
 *   memstat_workload brk [--stop]     move the program break with brk()
 *                                     system calls made by the functions
 *                                     brk_grow_5k (+5 KiB), brk_grow_37k
 *                                     (+37 KiB twice), brk_grow_300k
 *                                     (+300 KiB) and brk_shrink_20k
 *                                     (-20 KiB); --stop: SIGSTOP itself
 *                                     after the first move; prints
 *                                     "brk pid=P" and the moves, exits
 *                                     (no malloc meanwhile)
 *   memstat_workload mmap-calls --file PATH --go FILE
 *                                     a known sequence of mmap, munmap,
 *                                     mremap, mprotect and brk calls,
 *                                     printed as mmapsnoop -j prints them
 *   memstat_workload shm-calls --go FILE
 *                                     a known sequence of SysV shm calls,
 *                                     /dev/shm opens and unlinks and
 *                                     memfd_create, printed as shmsnoop -j
 *                                     prints them
 *   memstat_workload flood mprotect|shmdt N --go FILE
 *                                     print "waiting pid=P", wait for FILE,
 *                                     then make N calls as fast as it can
 *                                     (raw syscalls, nothing else between):
 *                                     mprotect() of one page of its own,
 *                                     or shmdt() of an address nothing is
 *                                     attached at (EINVAL); print "done
 *                                     calls=N failed=F"
 *   memstat_workload syscalls N       ns per getppid(), mmap + munmap and
 *                                     open + close, N of each: the cost of
 *                                     tools on raw_syscalls
 *   memstat_workload faults ANON FILE MAJOR GUP DIR
 *                                     prepare DIR/faults_minor.dat (FILE
 *                                     pages, cached) and faults_major.dat
 *                                     (MAJOR pages), print "waiting pid=P",
 *                                     wait for SIGUSR1, drop the second
 *                                     from the page cache, fault: ANON anon
 *                                     pages, FILE pages of the first file
 *                                     (private write: minor), MAJOR pages
 *                                     of the second (read: major), GUP
 *                                     pages by MAP_POPULATE; print "done
 *                                     pid=P minflt=D majflt=D ..." with
 *                                     the deltas of its /proc/self/stat
 *                                     around that, wait for SIGTERM
 *   memstat_workload swapin --kb N [--fork]
 *                                     page out N KiB of anonymous memory
 *                                     and read it back (see wl_swapin())
 *   memstat_workload hugetlb --file PATH --pages N
 *                                     N hugetlb faults on a hugetlbfs file,
 *                                     N on MAP_HUGETLB memory (see wl_hugetlb())
 *   memstat_workload numa-move --pages N
 *                                     N pages on node 0 moved to node 1 by
 *                                     mbind(), then back by move_pages(2)
 *                                     (see numa_move())
 *   memstat_workload json-check FILE  check that every line of FILE is one
 *                                     JSON object (RFC 8259 syntax); print
 *                                     "json lines=N bad=M", exit 1 if M > 0
 *
 * "hold" prints one line "ready pid=P anon_kb=... swap_kb=... file_kb=...
 * shmem_kb=... stack_kb=..." and, per thread, "thread tid=T anon_pages=N".
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/shm.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <linux/mempolicy.h>
#include <linux/compiler.h>

#ifndef MADV_PAGEOUT
#define MADV_PAGEOUT 21
#endif

#define MAX_THREADS 16
#define THREAD_STACK (256 * 1024)

struct hold_opts {
	long anon_kb, swap_kb, file_kb, shmem_kb, stack_kb, mlock_kb, thp_kb;
	int threads;
	const char *file;
};

/*
 * Written by the main thread before the workers start, so the workers
 * never fault on it.  Accessed with __atomic builtins across threads.
 */
static struct {
	int ready;
	pid_t tid[MAX_THREADS];
	int pages[MAX_THREADS];
	char *area[MAX_THREADS];
	int pipe_rd;
} shared __aligned(4096);

static long page_size;

static void die(const char *what)
{
	fprintf(stderr, "memstat_workload: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void *map_anon(size_t len, int flags)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, flags | MAP_ANONYMOUS,
		       -1, 0);

	if (p == MAP_FAILED)
		die("mmap");
	/* Page-exact accounting: one fault per page, no huge pages. */
	madvise(p, len, MADV_NOHUGEPAGE);
	return p;
}

#define HPAGE (2UL << 20)

/* @len bytes (a multiple of 2 MiB) of 2 MiB-aligned anonymous memory. */
static char *map_aligned(size_t len)
{
	char *area = mmap(NULL, len + HPAGE, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	unsigned long start = (unsigned long)area, base;

	if (area == MAP_FAILED)
		die("mmap");
	base = (start + HPAGE - 1) & ~(HPAGE - 1);
	if (base != start)
		munmap(area, base - start);
	if (base + len != start + len + HPAGE)
		munmap((char *)base + len, start + HPAGE - base);
	return (char *)base;
}

static void touch(char *p, size_t len)
{
	size_t off;

	for (off = 0; off < len; off += page_size)
		p[off] = 1;
}

/*
 * Workers fault in exactly shared.pages[i] anonymous pages and nothing
 * else: their stack, TLS and the shared struct were touched by main.
 */
static void *worker(void *arg)
{
	long i = (long)arg;
	char c;

	__atomic_store_n(&shared.tid[i], syscall(SYS_gettid), __ATOMIC_SEQ_CST);
	touch(shared.area[i], (size_t)shared.pages[i] * page_size);
	__atomic_add_fetch(&shared.ready, 1, __ATOMIC_SEQ_CST);
	syscall(SYS_read, shared.pipe_rd, &c, 1);
	return NULL;
}

/* Grow the main stack by @kb KiB. */
static noinline void grow_stack(long kb)
{
	char *buf = alloca(kb * 1024);

	touch(buf, kb * 1024);
	/* Keep the stores: the buffer escapes into an opaque asm. */
	asm volatile("" : : "r"(buf) : "memory");
}

static void map_file(const char *path, long kb)
{
	size_t len = kb * 1024;
	char *buf, *p;
	size_t off;
	int fd;

	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (fd < 0)
		die(path);
	buf = calloc(1, len);
	if (!buf || write(fd, buf, len) != (ssize_t)len)
		die("write");
	free(buf);
	p = mmap(NULL, len, PROT_READ, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		die("mmap file");
	for (off = 0; off < len; off += page_size)
		__atomic_load_n(&p[off], __ATOMIC_RELAXED);
	close(fd);
}

static void start_threads(int n)
{
	pthread_attr_t attr;
	pthread_t t;
	int pipefd[2];
	long i;

	if (pipe(pipefd))
		die("pipe");
	shared.pipe_rd = pipefd[0];
	shared.ready = 0;
	syscall(SYS_gettid);	/* maps the syscall() text the workers use */
	for (i = 0; i < n; i++) {
		char *stack = map_anon(THREAD_STACK, MAP_PRIVATE);

		touch(stack, THREAD_STACK);
		shared.tid[i] = 0;
		/* 5, 12, 19, ... pages: distinct, all below the 64-event sync. */
		shared.pages[i] = 5 + 7 * (i % 8);
		shared.area[i] = map_anon(shared.pages[i] * page_size,
					  MAP_PRIVATE);
		if (pthread_attr_init(&attr) ||
		    pthread_attr_setstack(&attr, stack, THREAD_STACK) ||
		    pthread_create(&t, &attr, worker, (void *)i))
			die("pthread_create");
	}
	while (__atomic_load_n(&shared.ready, __ATOMIC_SEQ_CST) < n)
		usleep(1000);
}

static int hold(int argc, char **argv)
{
	struct hold_opts o = { .file = "/tmp/memstat_workload.file" };
	sigset_t set;
	char *anon;
	int i, sig;

	for (i = 2; i < argc; i++) {
		long v = i + 1 < argc ? strtol(argv[i + 1], NULL, 10) : -1;

		if (!strcmp(argv[i], "--file") && i + 1 < argc) {
			o.file = argv[++i];
			continue;
		}
		if (v < 0) {
			fprintf(stderr, "memstat_workload: bad option %s\n", argv[i]);
			return 2;
		}
		if (!strcmp(argv[i], "--anon-kb")) {
			o.anon_kb = v;
		} else if (!strcmp(argv[i], "--swap-kb")) {
			o.swap_kb = v;
		} else if (!strcmp(argv[i], "--file-kb")) {
			o.file_kb = v;
		} else if (!strcmp(argv[i], "--shmem-kb")) {
			o.shmem_kb = v;
		} else if (!strcmp(argv[i], "--stack-kb")) {
			o.stack_kb = v;
		} else if (!strcmp(argv[i], "--mlock-kb")) {
			o.mlock_kb = v;
		} else if (!strcmp(argv[i], "--thp-kb") && !(v % 2048)) {
			o.thp_kb = v;
		} else if (!strcmp(argv[i], "--threads") && v <= MAX_THREADS) {
			o.threads = v;
		} else {
			fprintf(stderr, "memstat_workload: bad option %s\n", argv[i]);
			return 2;
		}
		i++;
	}
	if (o.swap_kb > o.anon_kb) {
		fprintf(stderr, "memstat_workload: --swap-kb exceeds --anon-kb\n");
		return 2;
	}
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigprocmask(SIG_BLOCK, &set, NULL);

	if (o.stack_kb)
		grow_stack(o.stack_kb);
	if (o.anon_kb) {
		anon = map_anon(o.anon_kb * 1024, MAP_PRIVATE);
		touch(anon, o.anon_kb * 1024);
		if (o.swap_kb &&
		    madvise(anon, o.swap_kb * 1024, MADV_PAGEOUT))
			die("madvise(MADV_PAGEOUT)");
	}
	if (o.shmem_kb) {
		char *shm = map_anon(o.shmem_kb * 1024, MAP_SHARED);

		touch(shm, o.shmem_kb * 1024);
	}
	if (o.file_kb)
		map_file(o.file, o.file_kb);
	if (o.mlock_kb) {
		char *locked = map_anon(o.mlock_kb * 1024, MAP_PRIVATE);

		touch(locked, o.mlock_kb * 1024);
		if (mlock(locked, o.mlock_kb * 1024))
			die("mlock");
	}
	if (o.thp_kb) {
		char *huge = map_aligned(o.thp_kb * 1024);

		if (madvise(huge, o.thp_kb * 1024, MADV_HUGEPAGE))
			die("madvise(MADV_HUGEPAGE)");
		touch(huge, o.thp_kb * 1024);
	}
	start_threads(o.threads);

	printf("ready pid=%d anon_kb=%ld swap_kb=%ld file_kb=%ld",
	       getpid(), o.anon_kb, o.swap_kb, o.file_kb);
	printf(" shmem_kb=%ld stack_kb=%ld mlock_kb=%ld thp_kb=%ld threads=%d\n",
	       o.shmem_kb, o.stack_kb, o.mlock_kb, o.thp_kb, o.threads);
	for (i = 0; i < o.threads; i++)
		printf("thread tid=%d anon_pages=%d\n",
		       __atomic_load_n(&shared.tid[i], __ATOMIC_SEQ_CST),
		       shared.pages[i]);
	fflush(stdout);
	sigwait(&set, &sig);
	return 0;
}

struct pressure_part {
	char *area;
	size_t len;
	pid_t tid;
};

static int pressure_done, pressure_hold;

/* Fault in the part, then stay: per-thread accounting outlives the load. */
static void *pressure_worker(void *arg)
{
	struct pressure_part *part = arg;
	size_t off;
	char c;

	part->tid = syscall(SYS_gettid);
	for (off = 0; off < part->len; off += page_size)
		memset(part->area + off, 0x5a, page_size);
	__atomic_add_fetch(&pressure_done, 1, __ATOMIC_SEQ_CST);
	syscall(SYS_read, pressure_hold, &c, 1);
	return NULL;
}

static int pressure(int argc, char **argv)
{
	struct pressure_part part[MAX_THREADS];
	pthread_t tid[MAX_THREADS];
	long anon_kb = 0, threads = 2, i;
	int sig, hold_pipe[2];
	size_t len;
	sigset_t set;

	for (i = 2; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--anon-kb"))
			anon_kb = strtol(argv[i + 1], NULL, 10);
		else if (!strcmp(argv[i], "--threads"))
			threads = strtol(argv[i + 1], NULL, 10);
		else
			break;
	}
	if (i != argc || anon_kb <= 0 || threads < 1 || threads > MAX_THREADS) {
		fprintf(stderr, "usage: %s %s --anon-kb N [--threads 1..%d]\n",
			argv[0], argv[1], MAX_THREADS);
		return 2;
	}
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigprocmask(SIG_BLOCK, &set, NULL);

	/* Whole pages per thread; the last takes the rest. */
	len = (size_t)anon_kb * 1024 / threads / page_size * page_size;
	for (i = 0; i < threads; i++) {
		part[i].len = i + 1 < threads ? len :
			      (size_t)anon_kb * 1024 - len * (threads - 1);
		part[i].area = map_anon(part[i].len, MAP_PRIVATE);
	}
	if (pipe(hold_pipe))
		die("pipe");
	pressure_hold = hold_pipe[0];
	for (i = 0; i < threads; i++)
		if (pthread_create(&tid[i], NULL, pressure_worker, &part[i]))
			die("pthread_create");
	while (__atomic_load_n(&pressure_done, __ATOMIC_SEQ_CST) < threads)
		usleep(10000);
	printf("ready pid=%d anon_kb=%ld threads=%ld\n", getpid(), anon_kb,
	       threads);
	for (i = 0; i < threads; i++)
		printf("thread tid=%d\n", part[i].tid);
	fflush(stdout);
	sigwait(&set, &sig);
	return 0;
}

/* Wait until @path exists: the test's signal that the tracer is ready. */
static void wait_for(const char *path)
{
	while (access(path, F_OK))
		usleep(50000);
}

static int grow(int argc, char **argv)
{
	long anon_kb = -1, tables = -1, i;
	const char *go = NULL;
	char *anon, *spread;
	size_t span;
	sigset_t set;
	int sig;

	for (i = 2; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--anon-kb"))
			anon_kb = atol(argv[i + 1]);
		else if (!strcmp(argv[i], "--tables"))
			tables = atol(argv[i + 1]);
		else if (!strcmp(argv[i], "--go"))
			go = argv[i + 1];
	}
	if (anon_kb < 0 || tables < 0 || !go || i != argc) {
		fprintf(stderr, "usage: %s %s --anon-kb N --tables T --go FILE\n",
			argv[0], argv[1]);
		return 2;
	}
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigprocmask(SIG_BLOCK, &set, NULL);
	/* Mapped, not touched: no page and no page table yet. */
	anon = map_anon(anon_kb * 1024 + page_size, MAP_PRIVATE);
	/* One page table maps page_size / 8 pages: 2 MiB, or 512 MiB. */
	span = (size_t)page_size * (page_size / sizeof(void *));
	spread = map_anon(tables * span, MAP_PRIVATE | MAP_NORESERVE);
	printf("waiting pid=%d\n", getpid());
	fflush(stdout);
	wait_for(go);
	touch(anon, anon_kb * 1024);
	for (i = 0; i < tables; i++)
		spread[i * span] = 1;
	printf("ready pid=%d anon_kb=%ld tables=%ld\n", getpid(), anon_kb,
	       tables);
	fflush(stdout);
	sigwait(&set, &sig);
	return 0;
}

static int as_nobody(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: memstat_workload as-nobody CMD [ARGS]\n");
		return 2;
	}
	if (setgid(65534) || setuid(65534))
		die("setuid");
	execvp(argv[2], argv + 2);
	die(argv[2]);
	return 1;
}

/*
 * sigdfl CMD [ARGS]: run CMD with SIGINT and SIGQUIT at their defaults.
 * A shell without job control starts its background commands with both
 * ignored, so a SIGINT sent before CMD sets a handler would be lost.
 */
static int wl_sigdfl(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: memstat_workload sigdfl CMD [ARGS]\n");
		return 2;
	}
	signal(SIGINT, SIG_DFL);
	signal(SIGQUIT, SIG_DFL);
	execvp(argv[2], argv + 2);
	die(argv[2]);
	return 1;
}

/* Read a whole small file into @buf; "" when it does not exist. */
static void slurp(const char *path, char *buf, size_t len)
{
	ssize_t n = -1;
	int fd = open(path, O_RDONLY);

	if (fd >= 0) {
		n = read(fd, buf, len - 1);
		close(fd);
	}
	buf[n > 0 ? n : 0] = '\0';
}

static void save(const char *dir, const char *name, int k, const char *text,
		 const char *mode)
{
	char path[PATH_MAX];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s.%d", dir, name, k);
	f = fopen(path, mode);
	if (!f)
		die(path);
	fputs(text, f);
	fclose(f);
}

static int bracket(int argc, char **argv)
{
	static char meminfo[16384], node[16384], line[16384];
	const char *dir = argv[2];
	int pfd[2], status, k = 0;
	pid_t pid;
	FILE *in;

	if (argc < 4) {
		fprintf(stderr, "usage: %s %s DIR CMD [ARGS]\n", argv[0], argv[1]);
		return 2;
	}
	if (pipe(pfd))
		die("pipe");
	pid = fork();
	if (pid < 0)
		die("fork");
	if (!pid) {
		dup2(pfd[1], 1);
		close(pfd[0]);
		close(pfd[1]);
		execvp(argv[3], argv + 3);
		die(argv[3]);
	}
	close(pfd[1]);
	in = fdopen(pfd[0], "r");
	while (in && fgets(line, sizeof(line), in)) {
		if (strstr(line, "\"type\":\"system\"")) {
			/* Read both first, write files after: the files are tmpfs. */
			slurp("/proc/meminfo", meminfo, sizeof(meminfo));
			slurp("/sys/devices/system/node/node0/meminfo", node,
			      sizeof(node));
			k++;
			save(dir, "meminfo", k, meminfo, "w");
			save(dir, "node", k, node, "w");
			save(dir, "report", k, line, "w");
		} else if (k) {
			save(dir, "report", k, line, "a");
		}
	}
	if (waitpid(pid, &status, 0) < 0)
		die("waitpid");
	return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}

/*
 * Blocks of order >= @order free (buddyinfo), but in x86's DMA zone: its
 * 16 MiB takes no user pages.  arm64's DMA zone is the first GiB, here
 * all memory.
 */
static long high_order_blocks(int order)
{
	char line[512], zone[32];
	long total = 0;
	FILE *f = fopen("/proc/buddyinfo", "r");

	if (!f)
		die("/proc/buddyinfo");
	while (fgets(line, sizeof(line), f)) {
		char *p = strstr(line, "zone");
		int o, n;
		long v;

		if (!p || sscanf(p, "zone %31s%n", zone, &n) != 1)
			continue;
#if defined(__x86_64__)
		if (!strcmp(zone, "DMA"))
			continue;
#endif
		p += n;
		for (o = 0; sscanf(p, "%ld%n", &v, &n) == 1; o++, p += n)
			if (o >= order)
				total += v;
	}
	fclose(f);
	return total;
}

static long meminfo_kb(const char *key)
{
	char buf[8192], *p;

	slurp("/proc/meminfo", buf, sizeof(buf));
	p = strstr(buf, key);
	return p ? strtol(p + strlen(key) + 1, NULL, 10) : -1;
}

/* AnonHugePages of the mapping that starts at @start, in KiB. */
static long huge_kb(unsigned long start)
{
	char line[256], perms[8];
	unsigned long lo, hi;
	bool in = false;
	long kb = -1;
	FILE *f = fopen("/proc/self/smaps", "r");

	if (!f)
		die("/proc/self/smaps");
	while (fgets(line, sizeof(line), f)) {
		/* "start-end perms ..." begins each mapping. */
		if (sscanf(line, "%lx-%lx %7s", &lo, &hi, perms) == 3) {
			in = lo == start;
			continue;
		}
		if (in && sscanf(line, "AnonHugePages: %ld", &kb) == 1)
			break;
	}
	fclose(f);
	return kb;
}

/* Pages reclaimed or swapped out so far (/proc/vmstat). */
static long reclaim_pages(void)
{
	static const char *const keys[] = {
		"\npswpout ", "\npgsteal_kswapd ", "\npgsteal_direct ", NULL,
	};
	static char buf[16384];
	long total = 0;
	size_t i;

	slurp("/proc/vmstat", buf, sizeof(buf));
	for (i = 0; keys[i]; i++) {
		char *p = strstr(buf, keys[i]);

		if (p)
			total += strtol(p + strlen(keys[i]), NULL, 10);
	}
	return total;
}

#define FILL_CHUNK (4UL << 20)

/* The THP size (2 MiB on x86-64; 512 MiB with arm64's 64 KiB pages). */
static unsigned long thp_size(void)
{
	char buf[32] = "";

	slurp("/sys/kernel/mm/transparent_hugepage/hpage_pmd_size", buf,
	      sizeof(buf));
	return strtoul(buf, NULL, 10) ?: HPAGE;
}

/* The order of a block of @bytes. */
static int order_of(unsigned long bytes)
{
	int order = 0;

	while ((unsigned long)page_size << order < bytes)
		order++;
	return order;
}

/* The @kb KiB hugetlb pool set to @pages; what it then holds. */
static long hugetlb_pool(long kb, long pages)
{
	char path[96], buf[32] = "";
	FILE *f;

	snprintf(path, sizeof(path),
		 "/sys/kernel/mm/hugepages/hugepages-%ldkB/nr_hugepages", kb);
	f = fopen(path, "w");
	if (!f || fprintf(f, "%ld\n", pages) < 0 || fclose(f))
		die(path);
	slurp(path, buf, sizeof(buf));
	return atol(buf);
}

static int fragment(int argc, char **argv)
{
	long regions = 0, floor_kb = 49152, filled = 0, freed = 0, i, fb;
	long reclaim0, hugetlb_kb = 0;
	int order;
	const char *go = NULL;
	char **chunks = NULL;
	size_t nchunks = 0, off;
	unsigned long base;

	for (i = 2; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--regions"))
			regions = atol(argv[i + 1]);
		else if (!strcmp(argv[i], "--floor-kb"))
			floor_kb = atol(argv[i + 1]);
		else if (!strcmp(argv[i], "--go"))
			go = argv[i + 1];
		else if (!strcmp(argv[i], "--hugetlb-kb"))
			hugetlb_kb = atol(argv[i + 1]);
	}
	if (regions <= 0 || !go || hugetlb_kb < 0) {
		fprintf(stderr,
			"usage: %s %s --regions N --go FILE [--floor-kb F] [--hugetlb-kb K]\n",
			argv[0], argv[1]);
		return 2;
	}
	order = order_of(hugetlb_kb ? hugetlb_kb * 1024 : thp_size());
	/*
	 * Fill: 4 KiB pages only, until the high orders are gone, but stop
	 * before reclaim starts: reclaim frees contiguous runs (remaking
	 * high-order blocks) and with little swap it ends in the OOM killer.
	 */
	reclaim0 = reclaim_pages();
	while (high_order_blocks(order) > 0 && meminfo_kb("MemFree:") > floor_kb &&
	       reclaim_pages() == reclaim0) {
		char **n = realloc(chunks, (nchunks + 1) * sizeof(*chunks));

		if (!n)
			die("realloc");
		chunks = n;
		chunks[nchunks] = map_anon(FILL_CHUNK, MAP_PRIVATE);
		touch(chunks[nchunks++], FILL_CHUNK);
		filled += FILL_CHUNK / 1024;
	}
	/* Free every other page: lots of free memory, all in small blocks. */
	for (i = 0; i < (long)nchunks; i++) {
		for (off = 0; off < FILL_CHUNK; off += 2 * page_size)
			if (madvise(chunks[i] + off, page_size, MADV_DONTNEED))
				die("madvise");
		freed += FILL_CHUNK / 2048;
	}
	printf("filled kb=%ld freed_kb=%ld order=%d blocks=%ld memfree_kb=%ld reclaimed=%ld\n",
	       filled, freed, order, high_order_blocks(order),
	       meminfo_kb("MemFree:"), reclaim_pages() - reclaim0);
	fflush(stdout);
	wait_for(go);

	if (hugetlb_kb) {
		/* Each page of the pool: one allocation that compacts. */
		fb = hugetlb_pool(hugetlb_kb, regions);
		hugetlb_pool(hugetlb_kb, 0);
		printf("hugetlb regions=%ld huge=%ld\n", regions, fb);
		return 0;
	}

	/* THP-eligible (no MADV_NOHUGEPAGE), 2 MiB aligned, one write each. */
	base = (unsigned long)map_aligned(regions * HPAGE);
	for (i = 0; i < regions; i++)
		((char *)base)[i * HPAGE] = 1;
	fb = huge_kb(base);
	printf("thp regions=%ld huge=%ld fallback=%ld\n", regions,
	       fb < 0 ? -1 : fb / 2048, fb < 0 ? -1 : regions - fb / 2048);
	return 0;
}

static int failpipe(int argc, char **argv)
{
	long writes = 0, failed = 0, attempts = 0, i;
	const char *go = NULL;
	static char buf[4096];
	int (*pipes)[2];
	int fail_fd;

	for (i = 2; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--writes"))
			writes = atol(argv[i + 1]);
		else if (!strcmp(argv[i], "--go"))
			go = argv[i + 1];
	}
	if (writes <= 0 || !go) {
		fprintf(stderr, "usage: %s %s --writes N --go FILE\n", argv[0],
			argv[1]);
		return 2;
	}
	pipes = calloc(writes, sizeof(*pipes));
	if (!pipes)
		die("calloc");
	for (i = 0; i < writes; i++)
		if (pipe(pipes[i]))
			die("pipe");
	fail_fd = open("/proc/self/make-it-fail", O_WRONLY);
	if (fail_fd < 0)
		die("/proc/self/make-it-fail");
	memset(buf, 1, sizeof(buf));
	printf("ready pid=%d\n", getpid());
	fflush(stdout);
	wait_for(go);

	/* From here to make-it-fail=0, the only page allocations are the pipes'. */
	if (write(fail_fd, "1", 1) != 1)
		die("make-it-fail");
	for (i = 0; i < writes && attempts < writes + 100000; attempts++) {
		ssize_t n = write(pipes[i][1], buf, sizeof(buf));

		if (n == (ssize_t)sizeof(buf))
			i++;
		else if (n < 0 && errno == ENOMEM)
			failed++;
		else
			break;
	}
	if (pwrite(fail_fd, "0", 1, 0) != 1)
		die("make-it-fail");
	printf("pipe-writes done=%ld failed=%ld attempts=%ld\n", i, failed,
	       attempts);
	return i == writes ? 0 : 1;
}

/* A JSON syntax checker, enough for JSON Lines: returns the end or NULL. */
static const char *json_value(const char *p, int depth);

static const char *json_ws(const char *p)
{
	while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
		p++;
	return p;
}

static const char *json_string(const char *p)
{
	if (*p++ != '"')
		return NULL;
	while (*p && *p != '"') {
		if ((unsigned char)*p < 0x20)
			return NULL;
		if (*p == '\\') {
			p++;
			if (*p == 'u') {
				int i;

				for (i = 1; i <= 4; i++)
					if (!strchr("0123456789abcdefABCDEF", p[i]) || !p[i])
						return NULL;
				p += 4;
			} else if (!*p || !strchr("\"\\/bfnrt", *p)) {
				return NULL;
			}
		}
		p++;
	}
	return *p == '"' ? p + 1 : NULL;
}

static const char *json_number(const char *p)
{
	const char *start;

	if (*p == '-')
		p++;
	if (*p == '0')
		p++;
	else if (*p >= '1' && *p <= '9')
		while (*p >= '0' && *p <= '9')
			p++;
	else
		return NULL;
	if (*p == '.') {
		start = ++p;
		while (*p >= '0' && *p <= '9')
			p++;
		if (p == start)
			return NULL;
	}
	if (*p == 'e' || *p == 'E') {
		p++;
		if (*p == '+' || *p == '-')
			p++;
		start = p;
		while (*p >= '0' && *p <= '9')
			p++;
		if (p == start)
			return NULL;
	}
	return p;
}

static const char *json_members(const char *p, int depth, bool object)
{
	char end = object ? '}' : ']';

	p = json_ws(p + 1);
	if (*p == end)
		return p + 1;
	for (;;) {
		if (object) {
			p = json_string(json_ws(p));
			if (!p)
				return NULL;
			p = json_ws(p);
			if (*p++ != ':')
				return NULL;
		}
		p = json_value(p, depth + 1);
		if (!p)
			return NULL;
		p = json_ws(p);
		if (*p == end)
			return p + 1;
		if (*p++ != ',')
			return NULL;
	}
}

static const char *json_value(const char *p, int depth)
{
	p = json_ws(p);
	if (depth > 32)
		return NULL;
	switch (*p) {
	case '{':
		return json_members(p, depth, true);
	case '[':
		return json_members(p, depth, false);
	case '"':
		return json_string(p);
	case 't':
		return strncmp(p, "true", 4) ? NULL : p + 4;
	case 'f':
		return strncmp(p, "false", 5) ? NULL : p + 5;
	case 'n':
		return strncmp(p, "null", 4) ? NULL : p + 4;
	}
	return json_number(p);
}

static int json_check(int argc, char **argv)
{
	long lines = 0, bad = 0;
	char *line = NULL;
	size_t size = 0;
	FILE *f;

	if (argc < 3) {
		fprintf(stderr, "usage: memstat_workload json-check FILE\n");
		return 2;
	}
	f = fopen(argv[2], "r");
	if (!f)
		die(argv[2]);
	/* Any length: a report with every call path is one long line. */
	while (getline(&line, &size, f) > 0) {
		const char *end = json_ws(line);

		lines++;
		if (*end == '{')
			end = json_value(end, 0);
		else
			end = NULL;
		if (!end || *json_ws(end)) {
			bad++;
			fprintf(stderr, "bad JSON line %ld: %s", lines, line);
		}
	}
	fclose(f);
	free(line);
	printf("json lines=%ld bad=%ld\n", lines, bad);
	return bad ? 1 : 0;
}

/* A whole decimal number; returns 0 or -1. */
static int parse_count(const char *s, unsigned long *out)
{
	char *end;

	errno = 0;
	*out = strtoul(s, &end, 10);
	return errno || end == s || *end || *s == '-' ? -1 : 0;
}

static int reread(int argc, char **argv)
{
	static char buf[1 << 16];
	ssize_t n;
	int fd;

	if (argc != 3) {
		fprintf(stderr, "usage: %s %s FILE\n", argv[0], argv[1]);
		return 2;
	}
	printf("ready pid=%d\n", getpid());
	fflush(stdout);
	for (;;) {
		fd = open(argv[2], O_RDONLY);
		if (fd < 0)
			die("open");
		while ((n = read(fd, buf, sizeof(buf))) > 0)
			;
		if (n < 0)
			die("read");
		close(fd);
	}
}

static int churn(int argc, char **argv)
{
	unsigned long pages, rounds, r, i;
	struct timespec t0, t1;
	double ns;
	char *buf;

	if (argc != 4 || parse_count(argv[2], &pages) || !pages ||
	    parse_count(argv[3], &rounds) || !rounds) {
		fprintf(stderr, "usage: %s %s PAGES ROUNDS\n", argv[0], argv[1]);
		return 2;
	}
	buf = mmap(NULL, pages * page_size, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (buf == MAP_FAILED)
		die("mmap");
	/* THP would turn 512 page allocations into one. */
	madvise(buf, pages * page_size, MADV_NOHUGEPAGE);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (r = 0; r < rounds; r++) {
		for (i = 0; i < pages; i++)
			buf[i * page_size] = 1;
		if (madvise(buf, pages * page_size, MADV_DONTNEED))
			die("madvise");
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ns = (t1.tv_sec - t0.tv_sec) * 1e9 + (t1.tv_nsec - t0.tv_nsec);
	printf("done pages=%lu rounds=%lu ns_per_page=%.0f\n", pages, rounds,
	       ns / (pages * rounds));
	return 0;
}

/*
 * brk: known moves of the break from known functions, for brkstack.  Each
 * function makes the system call itself (glibc's brk()/sbrk() have no
 * frame pointer: from inside them the walk would lose their caller), and
 * this file is built with frame pointers, so the innermost user frame of
 * each call is the function.  No malloc() runs between the moves: glibc
 * would move the break behind them.
 */
static __always_inline unsigned long
raw_brk(unsigned long addr)
{
#if defined(__x86_64__)
	unsigned long ret;

	asm volatile("syscall" : "=a"(ret) : "0"(SYS_brk), "D"(addr)
		     : "rcx", "r11", "memory");
	return ret;
#elif defined(__aarch64__)
	register unsigned long x0 asm("x0") = addr;
	register unsigned long x8 asm("x8") = SYS_brk;

	asm volatile("svc #0" : "+r"(x0) : "r"(x8) : "memory");
	return x0;
#else
	return syscall(SYS_brk, addr);	/* one frame less: libc's */
#endif
}

static unsigned long brk_cur;

static noinline void brk_move(const char *who, long bytes, unsigned long got)
{
	char line[96];
	int n;

	n = snprintf(line, sizeof(line), "brk fn=%s bytes=%ld\n", who, bytes);
	if (got != brk_cur + bytes)
		die("brk");
	brk_cur = got;
	if (write(1, line, n) != n)
		die("write");
}

static noinline void brk_grow_5k(void)
{
	brk_move(__func__, 5 << 10, raw_brk(brk_cur + (5 << 10)));
}

static noinline void brk_grow_37k(void)
{
	brk_move(__func__, 37 << 10, raw_brk(brk_cur + (37 << 10)));
}

static noinline void brk_grow_300k(void)
{
	brk_move(__func__, 300 << 10, raw_brk(brk_cur + (300 << 10)));
}

static noinline void brk_shrink_20k(void)
{
	brk_move(__func__, -(20 << 10), raw_brk(brk_cur - (20 << 10)));
}

static noinline int brk_moves(bool stop)
{
	char line[64];
	int n;

	brk_cur = raw_brk(0);
	n = snprintf(line, sizeof(line), "brk pid=%d\n", (int)getpid());
	if (write(1, line, n) != n)
		die("write");
	/*
	 * The first move tells brkstack to read the maps: with --stop,
	 * wait stopped until the test has seen it did.
	 */
	brk_grow_5k();
	if (stop)
		raise(SIGSTOP);
	brk_grow_37k();
	brk_grow_37k();
	brk_grow_300k();
	brk_shrink_20k();
	return 0;
}

/*
 * mmap-calls --file PATH --go FILE: the known call sequence of the
 * mmapsnoop test.  Prints "waiting pid=P", waits for FILE, then makes
 * its mmap, munmap, mremap, mprotect and brk calls (raw syscalls: no
 * libc check in between), and prints one line per call in the order
 * made, as mmapsnoop -j prints it from "call" on, then "done calls=N".
 */
#define MC_MAX	16
#define MC_MPROTECT	"\"addr\":\"0x%lx\",\"len_kib\":%ld,\"prot\":\"READ\""
#define MC_MUNMAP	"\"addr\":\"0x%lx\",\"len_kib\":%ld"
#define MC_BRK		"\"addr\":\"0x%lx\",\"old_brk\":\"0x%lx\""

struct mc_call {
	const char *call, *args;	/* "args" with %s for the file name */
	long a[6];
	long ret;
};

static struct mc_call mc[MC_MAX];
static int n_mc;

static long mc_do(const char *call, int nr, const char *args, long a0,
		  long a1, long a2, long a3, long a4, long a5)
{
	struct mc_call *c = &mc[n_mc++];
	long ret = syscall(nr, a0, a1, a2, a3, a4, a5);

	c->call = call;
	c->args = args;
	c->a[0] = a0;
	c->a[1] = a1;
	c->a[2] = a2;
	c->a[3] = a3;
	c->a[4] = a4;
	c->a[5] = a5;
	c->ret = ret == -1 ? -errno : ret;
	return c->ret;
}

static const char *mc_errname(long err)
{
	return err == EBADF ? "EBADF" : err == EINVAL ? "EINVAL" : "?";
}

static int mmap_calls(int argc, char **argv)
{
	const char *file = NULL, *go = NULL, *base;
	long ps = page_size, kp = page_size / 1024, a1, a2, a3, b0;
	char buf[256];
	int i, fd;

	for (i = 2; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--file"))
			file = argv[i + 1];
		else if (!strcmp(argv[i], "--go"))
			go = argv[i + 1];
	}
	if (!file || !go) {
		fprintf(stderr, "usage: memstat_workload mmap-calls --file PATH --go FILE\n");
		return 2;
	}
	base = strrchr(file, '/') ? strrchr(file, '/') + 1 : file;
	fd = open(file, O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || ftruncate(fd, 8 * ps))
		die(file);
	/* stdout's buffer now: no allocation among the calls. */
	printf("waiting pid=%d\n", getpid());
	fflush(stdout);
	wait_for(go);
	a1 = mc_do("mmap", SYS_mmap,
		   "\"addr\":\"0x0\",\"len_kib\":%ld,\"prot\":\"READ|WRITE\",\"flags\":\"PRIVATE|ANONYMOUS\",\"fd\":-1,\"off_kib\":0",
		   0, 3 * ps, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	a2 = mc_do("mmap", SYS_mmap,
		   "\"addr\":\"0x0\",\"len_kib\":%ld,\"prot\":\"READ\",\"flags\":\"SHARED\",\"fd\":%ld,\"off_kib\":%ld,\"file\":\"%s\"",
		   0, 5 * ps, PROT_READ, MAP_SHARED, fd, ps);
	mc_do("mmap", SYS_mmap,
	      "\"addr\":\"0x%lx\",\"len_kib\":%ld,\"prot\":\"READ|EXEC\",\"flags\":\"PRIVATE|FIXED|ANONYMOUS\",\"fd\":-1,\"off_kib\":0",
	      a1 + ps, ps, PROT_READ | PROT_EXEC,
	      MAP_PRIVATE | MAP_FIXED | MAP_ANONYMOUS, -1, 0);
	mc_do("mprotect", SYS_mprotect, MC_MPROTECT, a1, 2 * ps, PROT_READ,
	      0, 0, 0);
	a3 = mc_do("mremap", SYS_mremap,
		   "\"addr\":\"0x%lx\",\"old_len_kib\":%ld,\"len_kib\":%ld,\"flags\":\"MAYMOVE\"",
		   a1 + 2 * ps, ps, 7 * ps, MREMAP_MAYMOVE, 0, 0);
	mc_do("mmap", SYS_mmap,
	      "\"addr\":\"0x0\",\"len_kib\":%ld,\"prot\":\"READ|WRITE\",\"flags\":\"PRIVATE\",\"fd\":%ld,\"off_kib\":0",
	      0, 2 * ps, PROT_READ | PROT_WRITE, MAP_PRIVATE, 987, 0);
	mc_do("munmap", SYS_munmap, MC_MUNMAP, a2, 5 * ps, 0, 0, 0, 0);
	mc_do("mprotect", SYS_mprotect, MC_MPROTECT, a3 + 1, ps, PROT_READ,
	      0, 0, 0);
	b0 = mc_do("brk", SYS_brk, MC_BRK, 0, 0, 0, 0, 0, 0);
	mc_do("brk", SYS_brk, MC_BRK, b0 + 4 * ps, 0, 0, 0, 0, 0);
	mc_do("brk", SYS_brk, MC_BRK, b0, 0, 0, 0, 0, 0);
	mc_do("munmap", SYS_munmap, MC_MUNMAP, a3, 7 * ps, 0, 0, 0, 0);
	for (i = 0; i < n_mc; i++) {
		struct mc_call *c = &mc[i];
		long *a = c->a;
		bool fail = c->ret < 0 && c->ret > -4096 && strcmp(c->call, "brk");

		if (!strcmp(c->call, "brk"))
			/* The break before: brk(0)'s answer, then each one's. */
			snprintf(buf, sizeof(buf), c->args, a[0],
				 i && !strcmp(mc[i - 1].call, "brk") ?
				 mc[i - 1].ret : c->ret);
		else if (!strcmp(c->call, "mmap") && a[3] & MAP_SHARED)
			snprintf(buf, sizeof(buf), c->args, a[1] / 1024, a[4],
				 a[5] / 1024, base);
		else if (!strcmp(c->call, "mmap") && a[4] >= 0)
			snprintf(buf, sizeof(buf), c->args, a[1] / 1024, a[4]);
		else if (!strcmp(c->call, "mmap") && !a[0])
			snprintf(buf, sizeof(buf), c->args, a[1] / 1024);
		else if (!strcmp(c->call, "mremap"))
			snprintf(buf, sizeof(buf), c->args, a[0], a[1] / 1024,
				 a[2] / 1024);
		else
			snprintf(buf, sizeof(buf), c->args, a[0], a[1] / 1024);
		printf("\"call\":\"%s\",%s,\"ret\":", c->call, buf);
		if (fail)
			printf("\"%ld\",\"error\":\"%s\"\n", c->ret,
			       mc_errname(-c->ret));
		else if (!strcmp(c->call, "munmap") || !strcmp(c->call, "mprotect"))
			printf("\"%ld\"\n", c->ret);
		else
			printf("\"0x%lx\"\n", c->ret);
	}
	printf("done calls=%d page_kib=%ld\n", n_mc, kp);
	close(fd);
	return 0;
}

/*
 * shm-calls --go FILE: the known call sequence of the shmsnoop test.
 * Prints "waiting pid=P", waits for FILE, then makes SysV shmget, shmat,
 * shmdt and shmctl calls, opens and unlinks a /dev/shm/ path as
 * shm_open() and shm_unlink() do (and opens /dev/null, which is not
 * shared memory), and calls memfd_create(), all as raw syscalls; prints
 * one line per shared memory call in the order made, as shmsnoop -j
 * prints it from "call" on, then "done calls=N".
 */
struct sc_call {
	char line[192];		/* the arguments as shmsnoop prints them */
	long ret;
	bool addr;		/* the result is an address */
};

static struct sc_call sc[MC_MAX];
static int n_sc;

__printf(2, 3)
static long sc_do(long ret, const char *fmt, ...)
{
	struct sc_call *c = &sc[n_sc++];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->line, sizeof(c->line), fmt, ap);
	va_end(ap);
	c->ret = ret == -1 ? -errno : ret;
	c->addr = !strncmp(fmt, "\"call\":\"shmat\"", 14);
	return c->ret;
}

static const char *sc_errname(long err)
{
	return err == EEXIST ? "EEXIST" : err == EINVAL ? "EINVAL" : "?";
}

static int shm_calls(int argc, char **argv)
{
	int key = 0x6d730000 | (getpid() & 0xffff), id, id2, i, fd, null;
	const char *go = argc == 4 && !strcmp(argv[2], "--go") ? argv[3] : NULL;
	long ps = page_size, a1, a2, ret;
	struct shmid_ds ds;
	char path[64];

	if (!go) {
		fprintf(stderr, "usage: memstat_workload shm-calls --go FILE\n");
		return 2;
	}
	snprintf(path, sizeof(path), "/dev/shm/memstat.shm.%d", getpid());
	printf("waiting pid=%d\n", getpid());
	fflush(stdout);
	wait_for(go);
	ret = syscall(SYS_shmget, key, 5 * ps, IPC_CREAT | IPC_EXCL | 0600);
	id = sc_do(ret,
		   "\"call\":\"shmget\",\"key\":\"0x%x\",\"size_kib\":%ld,\"flags\":\"IPC_CREAT|IPC_EXCL\",\"mode\":\"0600\"",
		   key, 5 * ps / 1024);
	ret = syscall(SYS_shmget, key, 5 * ps, IPC_CREAT | IPC_EXCL | 0600);
	sc_do(ret,
	      "\"call\":\"shmget\",\"key\":\"0x%x\",\"size_kib\":%ld,\"flags\":\"IPC_CREAT|IPC_EXCL\",\"mode\":\"0600\"",
	      key, 5 * ps / 1024);
	ret = syscall(SYS_shmat, id, 0, SHM_RDONLY);
	a1 = sc_do(ret,
		   "\"call\":\"shmat\",\"shmid\":%d,\"addr\":\"0x0\",\"flags\":\"SHM_RDONLY\"",
		   id);
	ret = syscall(SYS_shmat, id, 0, 0);
	a2 = sc_do(ret,
		   "\"call\":\"shmat\",\"shmid\":%d,\"addr\":\"0x0\",\"flags\":\"none\"",
		   id);
	ret = syscall(SYS_shmctl, id, IPC_STAT, &ds);
	sc_do(ret, "\"call\":\"shmctl\",\"shmid\":%d,\"cmd\":\"IPC_STAT\"", id);
	ret = syscall(SYS_shmdt, a1);
	sc_do(ret, "\"call\":\"shmdt\",\"addr\":\"0x%lx\"", a1);
	ret = syscall(SYS_shmdt, a1);
	sc_do(ret, "\"call\":\"shmdt\",\"addr\":\"0x%lx\"", a1);
	ret = syscall(SYS_shmctl, id, IPC_RMID, 0);
	sc_do(ret, "\"call\":\"shmctl\",\"shmid\":%d,\"cmd\":\"IPC_RMID\"", id);
	ret = syscall(SYS_shmdt, a2);
	sc_do(ret, "\"call\":\"shmdt\",\"addr\":\"0x%lx\"", a2);
	ret = syscall(SYS_shmget, IPC_PRIVATE, 3 * ps, IPC_CREAT | 0640);
	id2 = sc_do(ret,
		    "\"call\":\"shmget\",\"key\":\"IPC_PRIVATE\",\"size_kib\":%ld,\"flags\":\"IPC_CREAT\",\"mode\":\"0640\"",
		    3 * ps / 1024);
	ret = syscall(SYS_shmctl, id2, IPC_RMID, 0);
	sc_do(ret,
	      "\"call\":\"shmctl\",\"shmid\":%d,\"cmd\":\"IPC_RMID\"", id2);
	/* As glibc's shm_open(name, O_RDWR | O_CREAT | O_EXCL, 0600). */
	ret = syscall(SYS_openat, AT_FDCWD, path,
		      O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	fd = sc_do(ret,
		   "\"call\":\"shm_open\",\"path\":\"%s\",\"flags\":\"RDWR|CREAT|EXCL|NOFOLLOW|CLOEXEC\",\"mode\":\"0600\"",
		   path);
#ifdef SYS_open
	ret = syscall(SYS_open, path, O_RDWR | O_CREAT | O_EXCL, 0644);
#else
	ret = syscall(SYS_openat, AT_FDCWD, path, O_RDWR | O_CREAT | O_EXCL,
		      0644);
#endif
	sc_do(ret,
	      "\"call\":\"shm_open\",\"path\":\"%s\",\"flags\":\"RDWR|CREAT|EXCL\",\"mode\":\"0644\"",
	      path);
	/* Not shared memory: not reported. */
	null = syscall(SYS_openat, AT_FDCWD, "/dev/null", O_RDONLY, 0);
	/* As glibc's shm_unlink(): unlink() where the arch has it. */
#ifdef SYS_unlink
	ret = syscall(SYS_unlink, path);
#else
	ret = syscall(SYS_unlinkat, AT_FDCWD, path, 0);
#endif
	sc_do(ret, "\"call\":\"shm_unlink\",\"path\":\"%s\"", path);
	ret = syscall(SYS_memfd_create, "memstat.memfd",
		      MFD_CLOEXEC | MFD_ALLOW_SEALING);
	sc_do(ret,
	      "\"call\":\"memfd_create\",\"name\":\"memstat.memfd\",\"flags\":\"CLOEXEC|ALLOW_SEALING\"");
	for (i = 0; i < n_sc; i++) {
		struct sc_call *c = &sc[i];

		if (c->ret < 0 && c->ret > -4096)
			printf("%s,\"ret\":\"%ld\",\"error\":\"%s\"\n", c->line,
			       c->ret, sc_errname(-c->ret));
		else if (c->addr)
			printf("%s,\"ret\":\"0x%lx\"\n", c->line, c->ret);
		else
			printf("%s,\"ret\":\"%ld\"\n", c->line, c->ret);
	}
	printf("done calls=%d page_kib=%ld null_fd=%d\n", n_sc, ps / 1024, null);
	if (fd >= 0)
		close(fd);
	return 0;
}

/*
 * syscalls N: ns per call of N getppid() calls (a system call no memstat
 * tool traces), of N mmap + munmap pairs of one page and of N openat +
 * close of /dev/null; for the cost of tools on raw_syscalls.
 */
static double sys_ns(const struct timespec *t0, const struct timespec *t1,
		     unsigned long n)
{
	return ((t1->tv_sec - t0->tv_sec) * 1e9 +
		(t1->tv_nsec - t0->tv_nsec)) / n;
}

static int syscalls_bench(int argc, char **argv)
{
	struct timespec t0, t1, t2, t3;
	unsigned long n, i;
	void *p;

	if (argc != 3 || parse_count(argv[2], &n) || !n) {
		fprintf(stderr, "usage: %s %s N\n", argv[0], argv[1]);
		return 2;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < n; i++)
		syscall(SYS_getppid);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	for (i = 0; i < n; i++) {
		p = mmap(NULL, page_size, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS,
			 -1, 0);
		if (p == MAP_FAILED || munmap(p, page_size))
			die("mmap");
	}
	clock_gettime(CLOCK_MONOTONIC, &t2);
	for (i = 0; i < n; i++)
		close(open("/dev/null", O_RDONLY));
	clock_gettime(CLOCK_MONOTONIC, &t3);
	printf("done calls=%lu getppid_ns=%.0f mmap_munmap_ns=%.0f open_close_ns=%.0f\n",
	       n, sys_ns(&t0, &t1, n), sys_ns(&t1, &t2, n), sys_ns(&t2, &t3, n));
	return 0;
}

/*
 * flood mprotect|shmdt N --go FILE: N calls one tool traces, as fast as
 * possible, for the tests of what a full ring buffer loses (and counts).
 */
static int wl_flood(int argc, char **argv)
{
	const char *go = argc == 6 && !strcmp(argv[4], "--go") ? argv[5] : NULL;
	bool shm = argc > 2 && !strcmp(argv[2], "shmdt");
	unsigned long n, i, failed = 0;
	void *page;

	if (!go || (!shm && strcmp(argv[2], "mprotect")) ||
	    parse_count(argv[3], &n) || !n) {
		fprintf(stderr, "usage: memstat_workload flood mprotect|shmdt N --go FILE\n");
		return 2;
	}
	page = map_anon(page_size, MAP_PRIVATE);
	printf("waiting pid=%d\n", getpid());
	fflush(stdout);
	wait_for(go);
	for (i = 0; i < n; i++)
		if (shm)
			failed += syscall(SYS_shmdt, page) != 0;
		else
			failed += syscall(SYS_mprotect, page, page_size,
					  i & 1 ? PROT_READ : PROT_READ | PROT_WRITE) != 0;
	printf("done calls=%lu failed=%lu\n", n, failed);
	return 0;
}

/* ---- faults: a known number of minor and major faults ------------- */

/* minflt (field 10) and majflt (12) of /proc/self/stat; 0 or -1. */
static int faults_stat(long *minflt, long *majflt)
{
	static char buf[1024];
	int fd = open("/proc/self/stat", O_RDONLY), field = 2;
	ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);
	char *p;

	if (fd >= 0)
		close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	p = strrchr(buf, ')');		/* comm may hold spaces */
	if (!p)
		return -1;
	for (; *p && field < 12; p++) {
		if (*p != ' ')
			continue;
		field++;
		if (field == 10)
			*minflt = strtol(p + 1, NULL, 10);
	}
	*majflt = strtol(p, NULL, 10);
	return 0;
}

/* DIR/NAME, @pages long, synced, in the page cache if @cached: fd. */
static int faults_file(const char *dir, const char *name, long pages,
		       bool cached)
{
	char path[PATH_MAX], *page = calloc(1, page_size);
	int fd;
	long i;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || !page)
		die(path);
	for (i = 0; i < pages; i++) {
		memset(page, (int)i + 1, page_size);
		if (write(fd, page, page_size) != page_size)
			die("write");
	}
	free(page);
	if (fsync(fd))
		die("fsync");
	if (!cached && posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED))
		die("posix_fadvise");
	return fd;
}

/*
 * Drop the file @fd mapped at @p from the page cache now (what read it
 * meanwhile, e.g. a symbolizer opening every mapped file, put it back);
 * how many of its @pages stayed (mincore into @vec, already touched).
 */
static long faults_drop(int fd, char *p, long pages, unsigned char *vec)
{
	long i, n = 0;

	if (posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED) ||
	    mincore(p, pages * page_size, vec))
		die("posix_fadvise, mincore");
	for (i = 0; i < pages; i++)
		n += vec[i] & 1;
	return n;
}

/*
 * The measured window: anon write faults, write faults on a private
 * mapping of a cached file (copy on write, no fault-around), read faults
 * on a mapping of an uncached file with MADV_RANDOM (no readahead: one
 * page read, one major fault each), then MAP_POPULATE of @gup anonymous
 * pages (faults taken by get_user_pages(), regs NULL).
 */
static noinline void faults_window(char *anon, long na, char *priv, long np,
				   char *shared, long ns, long gup, long *sum)
{
	void *pop;
	long i;

	for (i = 0; i < na; i++)
		anon[i * page_size] = 1;
	for (i = 0; i < np; i++)
		priv[i * page_size] = 2;
	for (i = 0; i < ns; i++)
		*sum += READ_ONCE(shared[i * page_size]);
	if (!gup)
		return;
	pop = mmap(NULL, gup * page_size, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (pop == MAP_FAILED)
		die("mmap");
}

static int faults(int argc, char **argv)
{
	long b_min = 0, b_maj = 0, a_min = 0, a_maj = 0, sum = 0, cached;
	unsigned long n[4];
	static char out[256];
	char *anon, *priv, *shared;
	unsigned char *vec;
	int fdp, fds, sig, len;
	sigset_t set;

	if (argc != 7 || parse_count(argv[2], &n[0]) || !n[0] ||
	    parse_count(argv[3], &n[1]) || !n[1] ||
	    parse_count(argv[4], &n[2]) || !n[2] ||
	    parse_count(argv[5], &n[3])) {
		fprintf(stderr, "usage: %s %s ANON FILE MAJOR GUP DIR\n",
			argv[0], argv[1]);
		return 2;
	}
	fdp = faults_file(argv[6], "faults_minor.dat", n[1], true);
	fds = faults_file(argv[6], "faults_major.dat", n[2], false);
	anon = map_anon(n[0] * page_size, MAP_PRIVATE);
	priv = mmap(NULL, n[1] * page_size, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE, fdp, 0);
	shared = mmap(NULL, n[2] * page_size, PROT_READ, MAP_SHARED, fds, 0);
	if (priv == MAP_FAILED || shared == MAP_FAILED)
		die("mmap");
	madvise(shared, n[2] * page_size, MADV_RANDOM);
	vec = calloc(n[2], 1);
	if (!vec)
		die("calloc");
	memset(vec, 1, n[2]);
	cached = faults_drop(fds, shared, n[2], vec);
	/* Everything the window runs, once, so that it faults on nothing else. */
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGTERM);
	sigprocmask(SIG_BLOCK, &set, NULL);
	raise(SIGUSR1);
	sigwait(&set, &sig);
	faults_stat(&b_min, &b_maj);
	faults_window(anon, 0, priv, 0, shared, 0, 0, &sum);
	len = snprintf(out, sizeof(out),
		       "done pid=%d minflt=%ld majflt=%ld anon=%lu file=%lu major=%lu gup=%lu cached=%ld\n",
		       getpid(), a_min - b_min, a_maj - b_maj, n[0], n[1],
		       n[2], n[3], cached);
	printf("waiting pid=%d\n", getpid());
	fflush(stdout);
	sigwait(&set, &sig);
	cached = faults_drop(fds, shared, n[2], vec);
	faults_stat(&b_min, &b_maj);
	faults_window(anon, n[0], priv, n[1], shared, n[2], n[3], &sum);
	faults_stat(&a_min, &a_maj);
	len = snprintf(out, sizeof(out),
		       "done pid=%d minflt=%ld majflt=%ld anon=%lu file=%lu major=%lu gup=%lu cached=%ld\n",
		       getpid(), a_min - b_min, a_maj - b_maj, n[0], n[1],
		       n[2], n[3], cached);
	if (write(1, out, len) != len)
		die("write");
	while (sig != SIGTERM)
		sigwait(&set, &sig);
	return sum == -1;
}

/* ---- swapin: a known swap-out and read-back ------------------------ */

static long status_kb(const char *key)
{
	char line[256];
	long v = -1;
	FILE *f = fopen("/proc/self/status", "r");

	if (!f)
		die("/proc/self/status");
	while (v < 0 && fgets(line, sizeof(line), f))
		if (!strncmp(line, key, strlen(key)))
			v = strtol(line + strlen(key), NULL, 10);
	fclose(f);
	return v;
}

/*
 * swapin --kb N [--fork]: N KiB of private anonymous memory, each page
 * different and not same-filled, paged out (MADV_PAGEOUT), then read
 * back page by page.  With --fork a child shares the swap entries
 * while the parent reads: the swap count is 2, so the fault takes the
 * readahead path (swapin_readahead) instead of zram's synchronous one.
 * Prints "swapin pid=P kb=N swapped_kb=S majflt=M minflt=m ns_per_page=T"
 * (faults of the read-back, getrusage; its time per page) and exits.
 */
static int wl_swapin(int argc, char **argv)
{
	unsigned long kb = 0, off, sum = 0;
	struct rusage r0, r1;
	struct timespec t0, t1;
	bool fork_child = false;
	long swapped;
	pid_t child = 0;
	char *p;
	int i;

	for (i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "--kb") && i + 1 < argc &&
		    !parse_count(argv[i + 1], &kb))
			i++;
		else if (!strcmp(argv[i], "--fork"))
			fork_child = true;
		else
			kb = 0;
	}
	if (!kb) {
		fprintf(stderr, "usage: %s swapin --kb N [--fork]\n", argv[0]);
		return 2;
	}
	p = map_anon(kb * 1024, MAP_PRIVATE);
	for (off = 0; off < kb * 1024; off += page_size)
		*(unsigned long *)(p + off) = off / page_size + 1;
	if (madvise(p, kb * 1024, MADV_PAGEOUT))
		die("madvise(MADV_PAGEOUT)");
	swapped = status_kb("VmSwap:");
	if (fork_child) {
		child = fork();
		if (child < 0)
			die("fork");
		if (!child) {
			pause();
			_exit(0);
		}
	}
	getrusage(RUSAGE_SELF, &r0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (off = 0; off < kb * 1024; off += page_size)
		sum += *(unsigned long *)(p + off);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	getrusage(RUSAGE_SELF, &r1);
	if (child) {
		kill(child, SIGKILL);
		waitpid(child, NULL, 0);
	}
	if (sum != (kb * 1024 / page_size) * (kb * 1024 / page_size + 1) / 2) {
		fprintf(stderr, "memstat_workload: swapin: wrong data read back\n");
		return 1;
	}
	printf("swapin pid=%d kb=%lu swapped_kb=%ld majflt=%ld minflt=%ld ns_per_page=%.0f\n",
	       getpid(), kb, swapped, r1.ru_majflt - r0.ru_majflt,
	       r1.ru_minflt - r0.ru_minflt,
	       ((t1.tv_sec - t0.tv_sec) * 1e9 + (t1.tv_nsec - t0.tv_nsec)) /
	       (kb * 1024 / page_size));
	return 0;
}

/* ---- hugetlb: known hugetlb faults ---------------------------------- */

/*
 * hugetlb --file PATH --pages N: map N huge pages of the hugetlbfs file
 * PATH (created, MAP_SHARED) and write one byte into each, then N of
 * MAP_HUGETLB private anonymous memory, the same: one hugetlb fault and
 * one huge page taken from the pool each.  The huge page size is the
 * kernel's default (Hugepagesize).  Prints "hugetlb pid=P pages=N
 * hpage_kb=K free_before=A free_file=B free_anon=C ns_per_fault=T"
 * (HugePages_Free before, after the file's faults, after the anonymous
 * ones; the time of a file fault) and exits.
 */
static int wl_hugetlb(int argc, char **argv)
{
	long hp = meminfo_kb("Hugepagesize") * 1024, free0, free1, free2;
	unsigned long pages = 0, i;
	const char *path = NULL;
	struct timespec t0, t1;
	char *f, *a;
	int fd;

	for (i = 2; i < (unsigned long)argc; i++) {
		if (!strcmp(argv[i], "--file") && i + 1 < (unsigned long)argc)
			path = argv[++i];
		else if (!strcmp(argv[i], "--pages") && i + 1 < (unsigned long)argc &&
			 !parse_count(argv[i + 1], &pages))
			i++;
		else
			path = NULL;
	}
	if (!path || !pages || hp <= 0) {
		fprintf(stderr, "usage: %s hugetlb --file PATH --pages N\n", argv[0]);
		return 2;
	}
	fd = open(path, O_CREAT | O_RDWR, 0600);
	if (fd < 0)
		die(path);
	f = mmap(NULL, pages * hp, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (f == MAP_FAILED)
		die("mmap of the hugetlbfs file");
	free0 = meminfo_kb("HugePages_Free");
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < pages; i++)
		f[i * hp] = 1;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	free1 = meminfo_kb("HugePages_Free");
	a = mmap(NULL, pages * hp, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB, -1, 0);
	if (a == MAP_FAILED)
		die("mmap(MAP_HUGETLB)");
	for (i = 0; i < pages; i++)
		a[i * hp] = 1;
	free2 = meminfo_kb("HugePages_Free");
	printf("hugetlb pid=%d pages=%lu hpage_kb=%ld ", getpid(), pages,
	       hp / 1024);
	printf("free_before=%ld free_file=%ld free_anon=%ld ns_per_fault=%.0f\n",
	       free0, free1, free2,
	       ((t1.tv_sec - t0.tv_sec) * 1e9 + (t1.tv_nsec - t0.tv_nsec)) /
	       pages);
	munmap(a, pages * hp);
	munmap(f, pages * hp);
	close(fd);
	return 0;
}

/* ---- numa-move: pages moved between two nodes ----------------------- */

/* How many of the @n pages at @p are on node @node (move_pages' query). */
static long pages_on(char *p, unsigned long n, int node, void **pages,
		     int *status)
{
	unsigned long i;
	long on = 0;

	for (i = 0; i < n; i++)
		pages[i] = p + i * page_size;
	if (syscall(SYS_move_pages, 0, n, pages, NULL, status, 0))
		die("move_pages (query)");
	for (i = 0; i < n; i++)
		on += status[i] == node;
	return on;
}

/*
 * N anonymous pages (no THP) faulted in on node 0, the node of the CPUs;
 * "waiting pid=P on0=N"; at SIGUSR1 mbind(MPOL_BIND node 1,
 * MPOL_MF_MOVE) moves them (reason mempolicy_mbind), then move_pages(2)
 * moves them back to node 0 (syscall_or_cpuset); "done pid=P mbind=M
 * move_pages=B on0=N": the pages the query found on node 1 after mbind,
 * those move_pages moved, those on node 0 at the end.  Waits for SIGTERM.
 */
static int numa_move(int argc, char **argv)
{
	unsigned long n, i, node1 = 1UL << 1;
	long on0, on1, back = 0;
	int *nodes, *status, sig;
	void **pages;
	sigset_t set;
	char *p;

	if (argc != 4 || strcmp(argv[2], "--pages") ||
	    parse_count(argv[3], &n) || !n) {
		fprintf(stderr, "usage: %s numa-move --pages N\n", argv[0]);
		return 2;
	}
	p = map_anon(n * page_size, MAP_PRIVATE);
	memset(p, 1, n * page_size);
	pages = calloc(n, sizeof(*pages));
	nodes = calloc(n, sizeof(*nodes));
	status = calloc(n, sizeof(*status));
	if (!pages || !nodes || !status)
		die("calloc");
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGTERM);
	sigprocmask(SIG_BLOCK, &set, NULL);
	on0 = pages_on(p, n, 0, pages, status);
	printf("waiting pid=%d on0=%ld\n", getpid(), on0);
	fflush(stdout);
	sigwait(&set, &sig);
	if (syscall(SYS_mbind, p, n * page_size, MPOL_BIND, &node1,
		    8 * sizeof(node1), MPOL_MF_MOVE))
		die("mbind");
	on1 = pages_on(p, n, 1, pages, status);
	/* pages[] is filled: back to node 0, every page. */
	if (syscall(SYS_move_pages, 0, n, pages, nodes, status, MPOL_MF_MOVE))
		die("move_pages");
	for (i = 0; i < n; i++)
		back += status[i] == 0;
	on0 = pages_on(p, n, 0, pages, status);
	printf("done pid=%d mbind=%ld move_pages=%ld on0=%ld\n", getpid(),
	       on1, back, on0);
	fflush(stdout);
	while (sig != SIGTERM)
		sigwait(&set, &sig);
	return 0;
}

int main(int argc, char **argv)
{
	page_size = sysconf(_SC_PAGESIZE);
	if (argc >= 2 && !strcmp(argv[1], "hold"))
		return hold(argc, argv);
	if (argc >= 2 && !strcmp(argv[1], "pressure"))
		return pressure(argc, argv);
	if (argc >= 2 && !strcmp(argv[1], "grow"))
		return grow(argc, argv);
	if (argc >= 2 && !strcmp(argv[1], "sigdfl"))
		return wl_sigdfl(argc, argv);
	if (argc >= 2 && !strcmp(argv[1], "as-nobody"))
		return as_nobody(argc, argv);
	if (argc >= 2 && !strcmp(argv[1], "bracket"))
		return bracket(argc, argv);
	if (argc >= 2 && !strcmp(argv[1], "fragment"))
		return fragment(argc, argv);
	if (argc >= 2 && !strcmp(argv[1], "failpipe"))
		return failpipe(argc, argv);
	if (argc >= 2 && !strcmp(argv[1], "numa-move"))
		return numa_move(argc, argv);
	if (argc >= 2 && !strcmp(argv[1], "json-check"))
		return json_check(argc, argv);
	if (argc >= 2 && !strcmp(argv[1], "churn"))
		return churn(argc, argv);
	if (argc >= 2 && !strcmp(argv[1], "reread"))
		return reread(argc, argv);
	if (argc >= 2 && !strcmp(argv[1], "brk"))
		return brk_moves(argc >= 3 && !strcmp(argv[2], "--stop"));
	if (argc >= 2 && !strcmp(argv[1], "mmap-calls"))
		return mmap_calls(argc, argv);
	if (argc >= 2 && !strcmp(argv[1], "shm-calls"))
		return shm_calls(argc, argv);
	if (argc >= 2 && !strcmp(argv[1], "flood"))
		return wl_flood(argc, argv);
	if (argc >= 2 && !strcmp(argv[1], "syscalls"))
		return syscalls_bench(argc, argv);
	if (argc >= 2 && !strcmp(argv[1], "faults"))
		return faults(argc, argv);
	if (argc >= 2 && !strcmp(argv[1], "swapin"))
		return wl_swapin(argc, argv);
	if (argc >= 2 && !strcmp(argv[1], "hugetlb"))
		return wl_hugetlb(argc, argv);
	fprintf(stderr,
		"usage: memstat_workload hold [options] | pressure --anon-kb N [--threads T] |\n"
		"       grow --anon-kb N --tables T --go FILE |\n"
		"       as-nobody CMD [ARGS] | sigdfl CMD [ARGS] |\n"
		"       bracket DIR CMD [ARGS] | fragment ... |\n"
		"       failpipe ... | json-check FILE | churn PAGES ROUNDS | brk |\n"
		"       reread FILE |\n"
		"       mmap-calls ... | shm-calls ... | flood ... | syscalls N\n");
	return 2;
}
