// SPDX-License-Identifier: GPL-2.0
/*
 * libmemstat: a tool's BPF object from open to close (programs chosen
 * by a table of hooks, errors that name the fix), its config map, and
 * reads of per-CPU and hash maps.
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <linux/bpf.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "libmemstat.h"

/* Room left for one read() of an iterator's output. */
#define MS_ITER_READ	16384

static bool libbpf_verbose;

/* libbpf speaks only with -v: the tools print one line per error. */
static int ms_libbpf_print(enum libbpf_print_level level, const char *fmt,
			   va_list ap)
{
	if (!libbpf_verbose)
		return 0;
	return vfprintf(stderr, fmt, ap);
}

const char *ms_strerror(long err)
{
	static char buf[128];

	if (err < 0)
		err = -err;
	if (libbpf_strerror(err, buf, sizeof(buf)))
		snprintf(buf, sizeof(buf), "%s", strerror(err));
	return buf;
}

/*
 * The release of the kernel tree the tools were built in (its struct
 * layouts are in the BPF halves): the build force-includes the tree's
 * include/generated/utsrelease.h (samples/bpf/Makefile.memstat, Kbuild).
 */
#ifndef UTS_RELEASE
#error "build with -include <kernel tree>/include/generated/utsrelease.h"
#endif

/*
 * The running kernel's release, uname(2)'s, into @buf; with
 * MEMSTAT_OSRELEASE the first line of the file it names (tests).
 */
static int ms_running_release(char *buf, size_t len)
{
	const char *path = getenv("MEMSTAT_OSRELEASE");
	struct utsname u;
	FILE *f;

	if (!path) {
		if (uname(&u))
			return ms_set_error(-errno, "uname: %s", strerror(errno));
		snprintf(buf, len, "%s", u.release);
		return 0;
	}
	f = fopen(path, "re");
	if (!f)
		return ms_set_error(-errno, "MEMSTAT_OSRELEASE=%s: %s", path,
				    strerror(errno));
	if (!fgets(buf, len, f))
		buf[0] = '\0';
	fclose(f);
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

void ms_tool_init(const struct ms_env *env)
{
	/* 5.10 charges map memory against RLIMIT_MEMLOCK. */
	struct rlimit unlimited = { RLIM_INFINITY, RLIM_INFINITY };
	char running[sizeof(((struct utsname *)0)->release)];

	/* First: root would not help, and nothing else makes sense. */
	ms_die_on(env, ms_running_release(running, sizeof(running)));
	if (strcmp(running, UTS_RELEASE))
		ms_fatal(env,
			 "built for kernel %s, running %s: rebuild memstat against the running kernel's tree (or its headers package: make -f Kbuild)",
			 UTS_RELEASE, running);
	if (geteuid() != 0)
		ms_fatal(env,
			 "must run as root: loading BPF programs needs CAP_SYS_ADMIN (try sudo %s)",
			 env->prog);
	/* Before the slow setup: a signal during it still ends cleanly. */
	ms_signals_init();
	if (setrlimit(RLIMIT_MEMLOCK, &unlimited))
		ms_warn(env, "cannot raise RLIMIT_MEMLOCK: %s", strerror(errno));
	libbpf_verbose = env->verbose;
	libbpf_set_print(ms_libbpf_print);
}

bool ms_kernel_btf_exists(void)
{
	const char *path = getenv("MEMSTAT_BTF");

	return access(path ? path : "/sys/kernel/btf/vmlinux", R_OK) == 0;
}

bool ms_fentry_works(const char *fn)
{
	/* r0 = 0; exit: by the syscall, the same with any libbpf. */
	struct bpf_insn insns[2] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	union bpf_attr attr = {};
	int id, prog, link;

	if (!ms_kernel_btf_exists())
		return false;
	id = libbpf_find_vmlinux_btf_id(fn, BPF_TRACE_FENTRY);
	if (id < 0)
		return false;
	attr.prog_type = BPF_PROG_TYPE_TRACING;
	attr.expected_attach_type = BPF_TRACE_FENTRY;
	attr.attach_btf_id = id;
	attr.insns = (__u64)(unsigned long)insns;
	attr.insn_cnt = 2;
	attr.license = (__u64)(unsigned long)"GPL";
	prog = syscall(__NR_bpf, BPF_PROG_LOAD, &attr, sizeof(attr));
	if (prog < 0)
		return false;
	memset(&attr, 0, sizeof(attr));
	attr.raw_tracepoint.prog_fd = prog;
	link = syscall(__NR_bpf, BPF_RAW_TRACEPOINT_OPEN, &attr, sizeof(attr));
	close(prog);
	if (link < 0)
		return false;
	close(link);
	return true;
}

static const struct ms_hook *ms_hook_of(struct ms_bpf *b, const char *prog,
					size_t *idx)
{
	size_t i;

	for (i = 0; i < b->nhooks; i++) {
		if (strcmp(b->hooks[i].prog, prog))
			continue;
		if (idx)
			*idx = i;
		return &b->hooks[i];
	}
	return NULL;
}

/* Programs of the table are loaded, the others not; BTF checked. */
static int ms_bpf_select(struct ms_bpf *b)
{
	struct bpf_program *prog;
	const struct ms_hook *h;
	size_t i;
	int err;

	if (!b->hooks)
		return 0;
	bpf_object__for_each_program(prog, b->obj) {
		h = ms_hook_of(b, bpf_program__name(prog), NULL);
		bpf_program__set_autoload(prog, !!h);
		if (!h || (h->type != MS_HOOK_FEXIT && h->type != MS_HOOK_FENTRY))
			continue;
		err = bpf_program__set_attach_target(prog, 0, h->target);
		if (err)
			return ms_set_error(err, "%s on %s: %s",
					    h->type == MS_HOOK_FEXIT ? "fexit" : "fentry",
					    h->target, ms_strerror(err));
	}
	for (i = 0; i < b->nhooks; i++) {
		h = &b->hooks[i];
		if (!bpf_object__find_program_by_name(b->obj, h->prog))
			return ms_set_error(-ENOENT,
					    "BPF program %s missing from %s_kern.o (rebuild the tool)",
					    h->prog, b->tool);
		if ((h->type == MS_HOOK_FEXIT || h->type == MS_HOOK_FENTRY ||
		     h->type == MS_HOOK_ITER) &&
		    !ms_kernel_btf_exists())
			return ms_set_error(-ENOENT,
					    "kernel BTF (/sys/kernel/btf/vmlinux) not found: %s needs CONFIG_DEBUG_INFO_BTF=y",
					    h->type == MS_HOOK_ITER ?
					    "a BPF iterator" : "fexit");
	}
	return 0;
}

int ms_bpf_open(struct ms_bpf *b, const struct ms_env *env,
		const struct ms_hook *hooks, size_t nhooks)
{
	return ms_bpf_open_obj(b, env, env->prog, hooks, nhooks);
}

int ms_bpf_open_obj(struct ms_bpf *b, const struct ms_env *env,
		    const char *tool, const struct ms_hook *hooks,
		    size_t nhooks)
{
	const char *dir = getenv("MEMSTAT_BPF_DIR");
	char exe[PATH_MAX], path[PATH_MAX + 32];
	ssize_t n;
	long err;

	memset(b, 0, sizeof(*b));
	b->env = env;
	b->tool = tool;
	b->hooks = hooks;
	b->nhooks = nhooks < MS_MAX_HOOKS ? nhooks : MS_MAX_HOOKS;
	if (!dir) {
		n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
		if (n < 0)
			return ms_set_error(-errno, "cannot read /proc/self/exe: %s",
					    strerror(errno));
		exe[n] = '\0';
		*strrchr(exe, '/') = '\0';
		dir = exe;
	}
	snprintf(path, sizeof(path), "%s/%s_kern.o", dir, tool);
	if (access(path, R_OK))
		return ms_set_error(-errno,
				    "BPF object %s: %s (install it beside the tool or set MEMSTAT_BPF_DIR)",
				    path, strerror(errno));
	b->obj = bpf_object__open_file(path, NULL);
	err = libbpf_get_error(b->obj);
	if (err) {
		b->obj = NULL;
		return ms_set_error(err, "cannot open BPF object %s: %s", path,
				    ms_strerror(err));
	}
	err = ms_bpf_select(b);
	if (err)
		ms_bpf_close(b);
	return err;
}

int ms_bpf_resize(struct ms_bpf *b, const char *name, unsigned int entries)
{
	struct bpf_map *map = bpf_object__find_map_by_name(b->obj, name);
	int err = -ENOENT;

	/* libbpf 1.0 (a distribution's, in Kbuild) renamed it. */
#ifdef LIBBPF_MAJOR_VERSION
	if (map)
		err = bpf_map__set_max_entries(map, entries);
#else
	if (map)
		err = bpf_map__resize(map, entries);
#endif

	if (err)
		return ms_set_error(err, "cannot size BPF map %s to %u entries: %s",
				    name, entries, ms_strerror(err));
	return 0;
}

/*
 * A common LRU hash hands each CPU free entries LOCAL_FREE_TARGET (128)
 * at a time, and when its own run out it evicts before it borrows
 * another CPU's: with fewer entries than that per CPU it drops live ones
 * long before it is full.  The per-thread slots of the tools that time
 * calls ("inflight", memstat_kern.h's ms_thread_slot) get twice that.
 */
static int ms_bpf_size_slots(struct ms_bpf *b)
{
	struct bpf_map *map = bpf_object__find_map_by_name(b->obj, "inflight");
	int cpus = libbpf_num_possible_cpus();

	if (!map || bpf_map__type(map) != BPF_MAP_TYPE_LRU_HASH || cpus <= 0 ||
	    bpf_map__max_entries(map) >= 256U * cpus)
		return 0;
	return ms_bpf_resize(b, "inflight", 256U * cpus);
}

int ms_bpf_load(struct ms_bpf *b)
{
	int err = ms_bpf_size_slots(b);

	if (err)
		return err;
	err = bpf_object__load(b->obj);

	if (err == -EPERM)
		return ms_set_error(err,
				    "loading BPF programs failed: operation not permitted (run as root; check kernel.lockdown)");
	if (err)
		return ms_set_error(err,
				    "loading BPF programs failed: %s (run with -v for libbpf's log and the verifier's)",
				    ms_strerror(err));
	return 0;
}

static struct bpf_link *ms_hook_attach(const struct ms_hook *h,
				       struct bpf_program *prog)
{
	const char *colon;

	switch (h->type) {
	case MS_HOOK_TRACEPOINT:
		colon = strchr(h->target, ':');
		return bpf_program__attach_raw_tracepoint(prog, colon ?
							  colon + 1 :
							  h->target);
	case MS_HOOK_KPROBE:
	case MS_HOOK_KRETPROBE:
		return bpf_program__attach_kprobe(prog,
						  h->type == MS_HOOK_KRETPROBE,
						  h->target);
	case MS_HOOK_FEXIT:
	case MS_HOOK_FENTRY:
		return bpf_program__attach_trace(prog);
	case MS_HOOK_ITER:
		return bpf_program__attach_iter(prog, NULL);
	default:
		return NULL;
	}
}

static int ms_attach_error(const struct ms_hook *h, long err)
{
	switch (h->type) {
	case MS_HOOK_TRACEPOINT:
		return ms_set_error(err,
				    "cannot attach to tracepoint %s: %s (kernel needs CONFIG_TRACEPOINTS and CONFIG_BPF_EVENTS)",
				    h->target, ms_strerror(err));
	case MS_HOOK_KPROBE:
	case MS_HOOK_KRETPROBE:
		return ms_set_error(err,
				    "cannot attach a %s to %s: %s (kernel needs CONFIG_KPROBES and CONFIG_KPROBE_EVENTS)",
				    h->type == MS_HOOK_KPROBE ? "kprobe" :
				    "kretprobe", h->target, ms_strerror(err));
	case MS_HOOK_FEXIT:
	case MS_HOOK_FENTRY:
		return ms_set_error(err, "%s on %s failed: %s",
				    h->type == MS_HOOK_FEXIT ? "fexit" : "fentry",
				    h->target, ms_strerror(err));
	default:
		return ms_set_error(err,
				    "cannot create the BPF iterator %s: %s (needs CONFIG_DEBUG_INFO_BTF=y and Linux 5.8+)",
				    h->prog, ms_strerror(err));
	}
}

int ms_bpf_attach(struct ms_bpf *b)
{
	struct bpf_program *prog;
	const struct ms_hook *h;
	size_t i;
	long err;

	for (i = 0; i < b->nhooks; i++) {
		h = &b->hooks[i];
		if (h->type == MS_HOOK_NONE || h->type == MS_HOOK_UPROBE)
			continue;
		prog = bpf_object__find_program_by_name(b->obj, h->prog);
		b->links[i] = ms_hook_attach(h, prog);
		err = libbpf_get_error(b->links[i]);
		if (err) {
			b->links[i] = NULL;
			ms_bpf_detach(b);
			return ms_attach_error(h, err);
		}
	}
	return 0;
}

void ms_bpf_detach(struct ms_bpf *b)
{
	size_t i;

	for (i = b->nhooks; i-- > 0;) {
		bpf_link__destroy(b->links[i]);
		b->links[i] = NULL;
	}
}

void ms_bpf_close(struct ms_bpf *b)
{
	ms_bpf_detach(b);
	bpf_object__close(b->obj);
	b->obj = NULL;
	free(b->twins);
	b->twins = NULL;
}

void ms_bpf_start(struct ms_bpf *b, const struct ms_env *env,
		  const struct ms_hook *hooks, size_t nhooks,
		  const void *cfg, size_t cfg_size)
{
	ms_die_on(env, ms_bpf_open(b, env, hooks, nhooks));
	ms_die_on(env, ms_bpf_load(b));
	if (cfg)
		ms_die_on(env, ms_bpf_cfg(b, cfg, cfg_size));
	ms_die_on(env, ms_bpf_attach(b));
}

static int try_start(struct ms_bpf *b, const struct ms_env *env,
		     const struct ms_hook_set *set, const void *cfg,
		     size_t cfg_size)
{
	int err = ms_bpf_open(b, env, set->hooks, set->nhooks);

	if (!err)
		err = ms_bpf_load(b);
	if (!err && cfg)
		err = ms_bpf_cfg(b, cfg, cfg_size);
	if (!err)
		err = ms_bpf_attach(b);
	if (err && b->obj)
		ms_bpf_close(b);
	return err;
}

size_t ms_bpf_start_first(struct ms_bpf *b, const struct ms_env *env,
			  const struct ms_hook_set *sets, size_t nsets,
			  const void *cfg, size_t cfg_size)
{
	size_t i;

	for (i = 0; i + 1 < nsets; i++) {
		if (!try_start(b, env, &sets[i], cfg, cfg_size))
			return i;
		if (env->verbose)
			ms_warn(env, "%s; trying %s", ms_last_error(),
				sets[i + 1].name);
	}
	ms_die_on(env, try_start(b, env, &sets[i], cfg, cfg_size));
	return i;
}

/* A hook table's kprobe twins (ms_bpf_start_fentry()). */
struct ms_kprobes {
	struct ms_hook hooks[MS_MAX_HOOKS];
	char prog[MS_MAX_HOOKS][64];
	char target[MS_MAX_HOOKS][128];
};

bool ms_bpf_start_fentry(struct ms_bpf *b, const struct ms_env *env,
			 const struct ms_hook *hooks, size_t nhooks,
			 const void *cfg, size_t cfg_size)
{
	struct ms_kprobes *k = calloc(1, sizeof(*k));
	struct ms_hook_set sets[] = {
		{ "fentry", hooks, nhooks },
		{ "kprobe", k ? k->hooks : hooks, nhooks },
	};
	size_t i;

	if (!k)
		ms_fatal(env, "out of memory");
	for (i = 0; i < nhooks && i < MS_MAX_HOOKS; i++) {
		struct ms_hook *h = &k->hooks[i];

		*h = hooks[i];
		if (h->type != MS_HOOK_FENTRY && h->type != MS_HOOK_FEXIT)
			continue;
		snprintf(k->prog[i], sizeof(k->prog[i]), "%s_kp", h->prog);
		h->prog = k->prog[i];
		h->type = h->type == MS_HOOK_FEXIT ? MS_HOOK_KRETPROBE :
						     MS_HOOK_KPROBE;
		if (!ms_ksym_func(h->target, k->target[i], sizeof(k->target[i])))
			h->target = k->target[i];
	}
	if (!ms_bpf_start_first(b, env, sets, ARRAY_SIZE(sets), cfg, cfg_size)) {
		free(k);
		return true;
	}
	b->twins = k;
	return false;
}

int ms_bpf_map(struct ms_bpf *b, const char *name)
{
	int fd = bpf_object__find_map_fd_by_name(b->obj, name);

	if (fd < 0)
		ms_fatal(b->env,
			 "BPF map %s missing from %s_kern.o (rebuild the tool)",
			 name, b->tool);
	return fd;
}

int ms_bpf_cfg(struct ms_bpf *b, const void *cfg, size_t size)
{
	__u32 zero = 0;

	(void)size;
	if (bpf_map_update_elem(ms_bpf_map(b, "ms_cfg_map"), &zero, cfg, BPF_ANY))
		return ms_set_error(-errno, "cannot configure the BPF program: %s",
				    strerror(errno));
	return 0;
}

int ms_percpu_read(int fd, __u32 key, __u64 *sum, size_t nfields)
{
	static __u64 *buf;
	static size_t cap;
	int ncpus = libbpf_num_possible_cpus();
	size_t cpu, f;

	if (ncpus < 0)
		return ms_set_error(ncpus, "cannot count the possible CPUs: %s",
				    ms_strerror(ncpus));
	if (cap < ncpus * nfields) {
		__u64 *n = realloc(buf, ncpus * nfields * sizeof(*buf));

		if (!n)
			return ms_set_error(-ENOMEM, "out of memory");
		buf = n;
		cap = ncpus * nfields;
	}
	if (bpf_map_lookup_elem(fd, &key, buf))
		return ms_set_error(-errno, "reading a BPF map failed: %s",
				    strerror(errno));
	memset(sum, 0, nfields * sizeof(*sum));
	for (cpu = 0; cpu < (size_t)ncpus; cpu++)
		for (f = 0; f < nfields; f++)
			sum[f] += buf[cpu * nfields + f];
	return 0;
}

__u64 ms_bpf_drops(struct ms_bpf *b, __u64 *each, unsigned int nreasons)
{
	int fd = ms_bpf_map(b, "drops");
	__u64 total = 0, n;
	unsigned int r;

	for (r = 0; r < nreasons; r++) {
		if (ms_percpu_read(fd, r, &n, 1))
			n = 0;
		if (each)
			each[r] = n;
		total += n;
	}
	return total;
}

int ms_array_read(int fd, void *vals, size_t val_size, size_t n)
{
	DECLARE_LIBBPF_OPTS(bpf_map_batch_opts, opts);
	__u32 done = 0, count, batch, *keys;
	char *v = vals;
	int ret;

	keys = malloc(n * sizeof(*keys));
	if (!keys)
		return ms_set_error(-ENOMEM, "out of memory");
	/* In batches (one system call for many entries), else one by one. */
	while (done < n) {
		count = n - done;
		ret = bpf_map_lookup_batch(fd, done ? &batch : NULL, &batch,
					   keys, v + done * val_size, &count,
					   &opts);
		if (ret && errno != ENOENT)
			break;
		done += count;
		if (ret || !count)
			break;	/* ENOENT: the end */
	}
	for (; done < n; done++)
		if (bpf_map_lookup_elem(fd, &done, v + done * val_size))
			break;
	free(keys);
	if (done < n)
		return ms_set_error(-errno, "reading a BPF map failed: %s",
				    strerror(errno));
	return 0;
}

ssize_t ms_hash_read(int fd, void *keys, size_t key_size, void *vals,
		     size_t val_size, size_t max)
{
	char *k = keys, *v = vals, *cur = malloc(key_size);
	void *prev = NULL;
	size_t n = 0;
	int err = 0;

	if (!cur)
		return ms_set_error(-ENOMEM, "out of memory");
	/* Each next key lands in the next free slot, kept if it still has a value. */
	while (n < max &&
	       !bpf_map_get_next_key(fd, prev, k + n * key_size)) {
		memcpy(cur, k + n * key_size, key_size);
		prev = cur;
		if (!bpf_map_lookup_elem(fd, cur, v + n * val_size))
			n++;
	}
	if (n < max && errno != ENOENT)
		err = ms_set_error(-errno, "reading a BPF map failed: %s",
				   strerror(errno));
	free(cur);
	return err ? err : (ssize_t)n;
}

const char *ms_map_comm(int fd, __u32 tgid, char *buf)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);
	char val[512];

	if (bpf_obj_get_info_by_fd(fd, &info, &len) ||
	    info.value_size > sizeof(val) || info.value_size < MS_COMM_LEN ||
	    bpf_map_lookup_elem(fd, &tgid, val))
		return strcpy(buf, "?");
	return ms_cstr(buf, val, MS_COMM_LEN);
}

int ms_bpf_run(struct ms_bpf *b, const char *prog)
{
	/* One zeroed argument as context; runs on the calling CPU. */
	__u64 args[1] = { 0 };
	struct bpf_program *p;
	union bpf_attr attr;

	p = bpf_object__find_program_by_name(b->obj, prog);
	memset(&attr, 0, sizeof(attr));
	attr.test.prog_fd = p ? bpf_program__fd(p) : -1;
	attr.test.ctx_in = (__u64)(unsigned long)args;
	attr.test.ctx_size_in = sizeof(args);
	if (syscall(__NR_bpf, BPF_PROG_TEST_RUN, &attr, sizeof(attr)))
		return ms_set_error(-errno, "running BPF program %s failed: %s",
				    prog, strerror(errno));
	if (attr.test.retval)
		return ms_set_error(-EIO, "BPF program %s failed (%u)", prog,
				    attr.test.retval);
	return 0;
}

ssize_t ms_bpf_iter_read(struct ms_bpf *b, const char *prog, char **buf,
			 size_t *cap)
{
	size_t len = 0, i;
	ssize_t n;
	int fd;

	if (!ms_hook_of(b, prog, &i) || !b->links[i])
		return ms_set_error(-ENOENT, "no iterator %s attached", prog);
	fd = bpf_iter_create(bpf_link__fd(b->links[i]));
	if (fd < 0)
		return ms_set_error(-errno, "reading the BPF iterator failed: %s",
				    strerror(errno));
	for (;;) {
		if (*cap - len < MS_ITER_READ) {
			size_t ncap = *cap ? *cap * 2 : 65536;
			char *nbuf = realloc(*buf, ncap);

			if (!nbuf) {
				close(fd);
				return ms_set_error(-ENOMEM, "out of memory");
			}
			*buf = nbuf;
			*cap = ncap;
		}
		n = read(fd, *buf + len, *cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			n = ms_set_error(-errno,
					 "reading the BPF iterator failed: %s",
					 strerror(errno));
			close(fd);
			return n;
		}
		if (n == 0)
			break;
		len += n;
	}
	close(fd);
	return len;
}
