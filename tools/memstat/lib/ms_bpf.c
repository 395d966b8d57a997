// SPDX-License-Identifier: GPL-2.0
/*
 * libmemstat: kallsyms lookup, BPF object loading with clear errors,
 * on-demand program runs and iterator reads.
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <linux/bpf.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "libmemstat.h"

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

void ms_libbpf_init(const struct ms_env *env)
{
	/* 5.10 charges map memory against RLIMIT_MEMLOCK. */
	struct rlimit unlimited = { RLIM_INFINITY, RLIM_INFINITY };

	if (setrlimit(RLIMIT_MEMLOCK, &unlimited))
		ms_warn(env, "cannot raise RLIMIT_MEMLOCK: %s", strerror(errno));
	libbpf_verbose = env->verbose;
	libbpf_set_print(ms_libbpf_print);
}

void ms_tool_init(const struct ms_env *env)
{
	ms_require_root(env);
	ms_signals_init();
	ms_libbpf_init(env);
}

void *ms_zalloc(const struct ms_env *env, size_t n, size_t size)
{
	void *p = calloc(n, size);

	if (!p)
		ms_fatal(env, "out of memory");
	return p;
}

void *ms_percpu_buf(const struct ms_env *env, size_t value_size, int *ncpus)
{
	*ncpus = libbpf_num_possible_cpus();
	if (*ncpus <= 0)
		ms_fatal(env, "cannot count the possible CPUs: %s",
			 ms_strerror(*ncpus));
	return ms_zalloc(env, *ncpus, value_size);
}

void ms_kallsyms_resolve(const struct ms_env *env, struct ms_ksym_req *reqs,
			 size_t n)
{
	const char *path = getenv("MEMSTAT_KALLSYMS");
	char line[512], sym[256], type;
	unsigned long long a;
	bool hidden = false;
	size_t i, left = n;
	FILE *f;

	for (i = 0; i < n; i++)
		reqs[i].addr = 0;
	path = path ? path : "/proc/kallsyms";
	f = fopen(path, "r");
	if (!f)
		ms_fatal(env, "cannot read %s: %s", path, strerror(errno));
	while (left && fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%llx %c %255s", &a, &type, sym) != 3)
			continue;
		for (i = 0; i < n; i++) {
			if (reqs[i].addr || strcmp(sym, reqs[i].name))
				continue;
			/* Addresses read as 0 when kptr_restrict hides them. */
			hidden |= !a;
			reqs[i].addr = a;
			left--;
		}
	}
	fclose(f);
	if (hidden)
		ms_fatal(env,
			 "kernel addresses in %s are hidden by kptr_restrict: run as root or set kernel.kptr_restrict=0",
			 path);
	for (i = 0; i < n; i++)
		if (!reqs[i].addr && reqs[i].config)
			ms_fatal(env,
				 "kernel symbol %s not found in %s: this kernel needs %s=y",
				 reqs[i].name, path, reqs[i].config);
}

bool ms_kernel_btf_exists(void)
{
	const char *path = getenv("MEMSTAT_BTF");

	return access(path ? path : "/sys/kernel/btf/vmlinux", R_OK) == 0;
}

struct bpf_object *ms_obj_open(const struct ms_env *env)
{
	const char *dir = getenv("MEMSTAT_BPF_DIR");
	char exe[PATH_MAX], path[PATH_MAX + 32];
	struct bpf_object *obj;
	ssize_t n;
	long err;

	if (!dir) {
		n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
		if (n < 0)
			ms_fatal(env, "cannot read /proc/self/exe: %s",
				 strerror(errno));
		exe[n] = '\0';
		*strrchr(exe, '/') = '\0';
		dir = exe;
	}
	snprintf(path, sizeof(path), "%s/%s_kern.o", dir, env->prog);
	if (access(path, R_OK))
		ms_fatal(env,
			 "BPF object %s: %s (install it beside the tool or set MEMSTAT_BPF_DIR)",
			 path, strerror(errno));
	obj = bpf_object__open_file(path, NULL);
	err = libbpf_get_error(obj);
	if (err)
		ms_fatal(env, "cannot open BPF object %s: %s", path,
			 ms_strerror(err));
	return obj;
}

void ms_obj_load(const struct ms_env *env, struct bpf_object *obj)
{
	int err = bpf_object__load(obj);

	if (!err)
		return;
	if (err == -EPERM)
		ms_fatal(env,
			 "loading BPF programs failed: operation not permitted (run as root; check kernel.lockdown)");
	ms_fatal(env,
		 "loading BPF programs failed: %s (run with -v for libbpf's log and the verifier's)",
		 ms_strerror(err));
}

struct bpf_program *ms_prog_find(const struct ms_env *env,
				 struct bpf_object *obj, const char *name)
{
	struct bpf_program *prog;

	prog = bpf_object__find_program_by_name(obj, name);
	if (!prog)
		ms_fatal(env,
			 "BPF program %s missing from %s_kern.o (rebuild the tool)",
			 name, env->prog);
	return prog;
}

int ms_map_fd(const struct ms_env *env, struct bpf_object *obj,
	      const char *name)
{
	int fd = bpf_object__find_map_fd_by_name(obj, name);

	if (fd < 0)
		ms_fatal(env,
			 "BPF map %s missing from %s_kern.o (rebuild the tool)",
			 name, env->prog);
	return fd;
}

int ms_prog_run(int prog_fd, __u32 *retval)
{
	/* One zeroed argument as context; runs on the calling CPU. */
	__u64 args[1] = { 0 };
	union bpf_attr attr;

	memset(&attr, 0, sizeof(attr));
	attr.test.prog_fd = prog_fd;
	attr.test.ctx_in = (__u64)(unsigned long)args;
	attr.test.ctx_size_in = sizeof(args);
	if (syscall(__NR_bpf, BPF_PROG_TEST_RUN, &attr, sizeof(attr)))
		return -errno;
	if (retval)
		*retval = attr.test.retval;
	return 0;
}

ssize_t ms_iter_read(int link_fd, char **buf, size_t *cap)
{
	size_t len = 0;
	ssize_t n;
	int fd;

	fd = bpf_iter_create(link_fd);
	if (fd < 0)
		return -errno;
	for (;;) {
		if (*cap - len < 4096) {
			size_t ncap = *cap ? *cap * 2 : 65536;
			char *nbuf = realloc(*buf, ncap);

			if (!nbuf) {
				close(fd);
				return -ENOMEM;
			}
			*buf = nbuf;
			*cap = ncap;
		}
		n = read(fd, *buf + len, *cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			n = -errno;
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

int ms_percpu_sum(int map_fd, __u32 key, __u64 *sum)
{
	int ncpus = libbpf_num_possible_cpus();
	__u64 *vals;
	int i, err;

	if (ncpus < 0)
		return ncpus;
	vals = calloc(ncpus, sizeof(*vals));
	if (!vals)
		return -ENOMEM;
	err = bpf_map_lookup_elem(map_fd, &key, vals);
	if (err) {
		err = -errno;
	} else {
		*sum = 0;
		for (i = 0; i < ncpus; i++)
			*sum += vals[i];
	}
	free(vals);
	return err;
}

struct bpf_link *ms_attach_tracepoint(const struct ms_env *env,
				      struct bpf_object *obj, const char *prog,
				      const char *event)
{
	struct bpf_link *link;
	long err;

	link = bpf_program__attach(ms_prog_find(env, obj, prog));
	err = libbpf_get_error(link);
	if (err)
		ms_fatal(env,
			 "cannot attach to tracepoint %s: %s (kernel needs CONFIG_TRACEPOINTS and CONFIG_BPF_EVENTS)",
			 event, ms_strerror(err));
	return link;
}
