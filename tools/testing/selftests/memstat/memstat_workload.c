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
 *                                     "ready pid=P anon_kb=N threads=T" and
 *                                     holds the memory until SIGTERM.
 *   memstat_workload as-nobody CMD [ARGS]   run CMD as uid/gid 65534
 *   memstat_workload bracket DIR CMD [ARGS]  run CMD (a tool printing JSON
 *                                     Lines every interval); after each
 *                                     "system" record k, save the record(s)
 *                                     in DIR/report.k and /proc/meminfo (and
 *                                     node0's meminfo) in DIR/meminfo.k and
 *                                     DIR/node.k.  Record k was taken
 *                                     between meminfo.(k-1) and meminfo.k,
 *                                     read while CMD was alive and idle and
 *                                     without starting any other process.
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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <linux/compiler.h>

#ifndef MADV_PAGEOUT
#define MADV_PAGEOUT 21
#endif

#define MAX_THREADS 16
#define THREAD_STACK (256 * 1024)

struct hold_opts {
	long anon_kb, swap_kb, file_kb, shmem_kb, stack_kb;
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
	start_threads(o.threads);

	printf("ready pid=%d anon_kb=%ld swap_kb=%ld file_kb=%ld",
	       getpid(), o.anon_kb, o.swap_kb, o.file_kb);
	printf(" shmem_kb=%ld stack_kb=%ld threads=%d\n",
	       o.shmem_kb, o.stack_kb, o.threads);
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
};

static void *pressure_worker(void *arg)
{
	struct pressure_part *part = arg;
	size_t off;

	for (off = 0; off < part->len; off += page_size)
		memset(part->area + off, 0x5a, page_size);
	return NULL;
}

static int pressure(int argc, char **argv)
{
	struct pressure_part part[MAX_THREADS];
	pthread_t tid[MAX_THREADS];
	long anon_kb = 0, threads = 2, i;
	size_t len;
	sigset_t set;
	int sig;

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
	for (i = 0; i < threads; i++)
		if (pthread_create(&tid[i], NULL, pressure_worker, &part[i]))
			die("pthread_create");
	for (i = 0; i < threads; i++)
		pthread_join(tid[i], NULL);
	printf("ready pid=%d anon_kb=%ld threads=%ld\n", getpid(), anon_kb,
	       threads);
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

int main(int argc, char **argv)
{
	page_size = sysconf(_SC_PAGESIZE);
	if (argc >= 2 && !strcmp(argv[1], "hold"))
		return hold(argc, argv);
	if (argc >= 2 && !strcmp(argv[1], "pressure"))
		return pressure(argc, argv);
	if (argc >= 2 && !strcmp(argv[1], "as-nobody"))
		return as_nobody(argc, argv);
	if (argc >= 2 && !strcmp(argv[1], "bracket"))
		return bracket(argc, argv);
	fprintf(stderr,
		"usage: memstat_workload hold [options] | pressure --anon-kb N [--threads T] |\n"
		"       as-nobody CMD [ARGS] | bracket DIR CMD [ARGS]\n");
	return 2;
}
