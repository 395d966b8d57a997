// SPDX-License-Identifier: GPL-2.0
/*
 * libmemstat: user probes.  Functions of an ELF file found by name in
 * its symbol tables (libelf), as the file offsets a uprobe takes; the
 * object of a process that provides a function as the dynamic linker
 * binds it (an interposer before the C library); programs attached
 * there for one process, as a set.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <limits.h>
#include <pthread.h>
#include <time.h>
#include <unistd.h>
#include <gelf.h>
#include <bpf/libbpf.h>

#include "libmemstat.h"
#include "ms_elf.h"

void ms_elf_close(Elf *elf, int fd)
{
	elf_end(elf);
	close(fd);
}

int ms_elf_open(const char *path, struct Elf **elf)
{
	int fd;

	elf_version(EV_CURRENT);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return ms_set_error(-errno, "cannot open %s: %s", path,
				    strerror(errno));
	*elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	if (!*elf || elf_kind(*elf) != ELF_K_ELF) {
		ms_elf_close(*elf, fd);
		return ms_set_error(-ENOEXEC, "%s is no ELF file", path);
	}
	return fd;
}

__u64 ms_elf_vaddr_offset(Elf *elf, GElf_Addr vaddr)
{
	GElf_Phdr ph;
	size_t i, n;

	if (elf_getphdrnum(elf, &n))
		return 0;
	for (i = 0; i < n; i++) {
		if (!gelf_getphdr(elf, i, &ph) || ph.p_type != PT_LOAD ||
		    !(ph.p_flags & PF_X))
			continue;
		if (vaddr >= ph.p_vaddr && vaddr < ph.p_vaddr + ph.p_memsz)
			return vaddr - ph.p_vaddr + ph.p_offset;
	}
	return 0;
}

/* Look @names up in symbol table @scn; fill the offsets still 0. */
static void ms_elf_scan(Elf *elf, Elf_Scn *scn, const GElf_Shdr *sh,
			const char *const *names, __u64 *offsets, size_t n)
{
	Elf_Data *data = elf_getdata(scn, NULL);
	size_t i, j, count;
	const char *name;
	GElf_Sym sym;

	if (!data || !sh->sh_entsize)
		return;
	count = sh->sh_size / sh->sh_entsize;
	for (i = 0; i < count; i++) {
		if (!gelf_getsym(data, i, &sym) || sym.st_shndx == SHN_UNDEF ||
		    GELF_ST_TYPE(sym.st_info) != STT_FUNC || !sym.st_value)
			continue;
		name = elf_strptr(elf, sh->sh_link, sym.st_name);
		if (!name)
			continue;
		for (j = 0; j < n; j++)
			if (!offsets[j] && !strcmp(name, names[j]))
				offsets[j] = ms_elf_vaddr_offset(elf,
								 sym.st_value);
	}
}

int ms_elf_funcs(const char *path, const char *const *names, __u64 *offsets,
		 size_t n)
{
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;
	int fd, found = 0;
	size_t i;
	Elf *elf;

	memset(offsets, 0, n * sizeof(*offsets));
	fd = ms_elf_open(path, &elf);
	if (fd < 0)
		return fd;
	/* .dynsym names what the dynamic linker binds; .symtab the rest. */
	while ((scn = elf_nextscn(elf, scn)))
		if (gelf_getshdr(scn, &sh) && sh.sh_type == SHT_DYNSYM)
			ms_elf_scan(elf, scn, &sh, names, offsets, n);
	while ((scn = elf_nextscn(elf, scn)))
		if (gelf_getshdr(scn, &sh) && sh.sh_type == SHT_SYMTAB)
			ms_elf_scan(elf, scn, &sh, names, offsets, n);
	ms_elf_close(elf, fd);
	for (i = 0; i < n; i++)
		found += !!offsets[i];
	return found;
}

int ms_proc_objects(pid_t tgid, char ***paths)
{
	char *files = ms_proc_exec_files(tgid), *line, *save = NULL;
	char **out = NULL, **grown;
	int n = 0, i;

	if (!files)
		return ms_set_error(-ESRCH, "cannot read /proc/%d/maps: %s",
				    tgid, strerror(errno ? errno : ESRCH));
	for (line = strtok_r(files, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		/* A file mapped again (deleted, or a second segment). */
		for (i = 0; i < n; i++)
			if (!strcmp(out[i], line))
				break;
		if (i < n || strstr(line, " (deleted)"))
			continue;
		grown = realloc(out, (n + 1) * sizeof(*out));
		if (!grown)
			break;
		out = grown;
		out[n] = strdup(line);
		if (!out[n])
			break;
		n++;
	}
	free(files);
	*paths = out;
	return n;
}

const char *ms_proc_path(pid_t tgid, const char *path, char *buf, size_t len)
{
	/* The process's own view: it may live in another mount namespace. */
	snprintf(buf, len, "/proc/%d/root%s", tgid, path);
	return buf;
}

bool ms_uprobes_supported(void)
{
	return !access("/sys/bus/event_source/devices/uprobe/type", R_OK);
}

struct bpf_link *ms_uprobe_attach(struct ms_bpf *b, const char *prog,
				  bool retprobe, pid_t pid, const char *path,
				  __u64 offset)
{
	struct bpf_program *p = bpf_object__find_program_by_name(b->obj, prog);
	struct bpf_link *link;
	long err;

	if (!p) {
		ms_set_error(-ENOENT,
			     "BPF program %s missing from %s_kern.o (rebuild the tool)",
			     prog, b->tool);
		return NULL;
	}
	link = bpf_program__attach_uprobe(p, retprobe, pid ? pid : -1, path,
					  offset);
	err = libbpf_get_error(link);
	if (!err)
		return link;
	if (err == -ENOENT && !ms_uprobes_supported())
		ms_set_error(err,
			     "cannot attach a uprobe: the kernel has no uprobe events (needs CONFIG_UPROBE_EVENTS)");
	else
		ms_set_error(err, "cannot attach a %s to %s+0x%llx%s: %s",
			     retprobe ? "uretprobe" : "uprobe", path,
			     (unsigned long long)offset,
			     err == -ESRCH ? " (the process exited)" : "",
			     ms_strerror(err));
	return NULL;
}

bool ms_path_is_libc(const char *path)
{
	const char *base = strrchr(path, '/');

	base = base ? base + 1 : path;
	return !strncmp(base, "libc.so", 7) || !strncmp(base, "libc-", 5);
}

static bool ms_is_ldso(const char *path)
{
	return strstr(path, "/ld-linux") || strstr(path, "/ld-musl");
}

/* @path as @pid opens it (0: as we do) into @buf. */
static const char *ms_upath(pid_t pid, const char *path, char *buf,
			    size_t len)
{
	return pid ? ms_proc_path(pid, path, buf, len) : path;
}

/* Does @path define @name? */
static bool ms_defines(pid_t pid, const char *path, const char *name)
{
	char buf[PATH_MAX];
	__u64 off;

	return ms_elf_funcs(ms_upath(pid, path, buf, sizeof(buf)), &name,
			    &off, 1) > 0;
}

/* The functions of @f that @path defines and no earlier object did. */
static int ms_utarget_take(struct ms_utarget *t, const char *path,
			   const struct ms_ufunc *f, size_t n, bool libc)
{
	const char *names[MS_MAX_UFUNCS];
	__u64 off[MS_MAX_UFUNCS];
	char buf[PATH_MAX];
	size_t i;

	for (i = 0; i < n; i++)
		names[i] = f[i].name;
	path = ms_upath(t->pid, path, buf, sizeof(buf));
	if (ms_elf_funcs(path, names, off, n) <= 0)
		return 0;
	for (i = 0; i < n; i++) {
		if (t->path[i] || !off[i] || (f[i].libc && !libc))
			continue;
		t->path[i] = strdup(path);
		if (!t->path[i])
			return ms_set_error(-ENOMEM, "out of memory");
		t->off[i] = off[i];
	}
	return 0;
}

int ms_utarget_resolve(struct ms_utarget *t, pid_t pid,
		       const struct ms_ufunc *f, size_t n, const char *object)
{
	const char *libc = NULL, *prov = NULL;
	char **objs;
	int nobj, i, err = 0;

	memset(t, 0, sizeof(*t));
	t->pid = pid;
	if (n > MS_MAX_UFUNCS)
		return ms_set_error(-E2BIG, "more than %d functions to probe",
				    MS_MAX_UFUNCS);
	nobj = ms_proc_objects(pid ? pid : getpid(), &objs);
	if (nobj < 0)
		return nobj;
	for (i = 0; i < nobj && !libc; i++)
		if (ms_path_is_libc(objs[i]))
			libc = objs[i];
	for (i = 0; i < nobj && !prov; i++)
		if (object ? !!strstr(objs[i], object) :
		    objs[i] != libc && !ms_is_ldso(objs[i]) &&
		    ms_defines(pid, objs[i], f[0].name))
			prov = objs[i];
	/* Not mapped by us: a file a command we start will load. */
	if (object && !prov && !pid && !access(object, R_OK))
		prov = object;
	if (object && !prov)
		err = ms_set_error(-ENOENT,
				   "-O %s: process %d maps no file whose path contains it",
				   object, pid ? pid : getpid());
	if (!err && prov)
		err = ms_utarget_take(t, prov, f, n, false);
	if (!err && libc)
		err = ms_utarget_take(t, libc, f, n, true);
	if (!err && !t->path[0])
		err = ms_set_error(-ENOENT,
				   "process %d: no mapped object defines %s (a static binary? name it with -O)",
				   pid ? pid : getpid(), f[0].name);
	if (!err) {
		t->provider = strdup(prov ? prov : libc);
		if (!t->provider)
			err = ms_set_error(-ENOMEM, "out of memory");
	}
	for (i = 0; i < nobj; i++)
		free(objs[i]);
	free(objs);
	if (err)
		ms_utarget_free(t);
	return err;
}

void ms_utarget_free(struct ms_utarget *t)
{
	size_t i;

	for (i = 0; i < MS_MAX_UFUNCS; i++)
		free(t->path[i]);
	free(t->provider);
	memset(t, 0, sizeof(*t));
}

struct ms_utarget *ms_utargets_or_die(const struct ms_env *env,
				      const struct ms_ufunc *f, size_t n,
				      const char *object, size_t *nt)
{
	struct ms_utarget *t;
	size_t k;

	if (!ms_uprobes_supported())
		ms_fatal(env,
			 "the kernel has no uprobe events: %s needs CONFIG_UPROBE_EVENTS=y",
			 env->prog);
	*nt = env->npids ? env->npids : 1;
	t = ms_zalloc(env, *nt, sizeof(*t));
	for (k = 0; k < *nt; k++)
		ms_die_on(env, ms_utarget_resolve(&t[k], env->npids ?
						  env->pids[k] : 0, f, n,
						  object));
	return t;
}

void ms_utargets_free(struct ms_utarget *t, size_t nt)
{
	size_t k;

	for (k = 0; k < nt; k++)
		ms_utarget_free(&t[k]);
	free(t);
}

int ms_links_add(struct ms_links *u, struct bpf_link *link)
{
	struct bpf_link **grown;

	if (!link)
		return -1;
	grown = realloc(u->links, (u->n + 1) * sizeof(*grown));
	if (!grown) {
		bpf_link__destroy(link);
		return ms_set_error(-ENOMEM, "out of memory");
	}
	grown[u->n++] = link;
	u->links = grown;
	return 0;
}

/* Function @i of @t is at an address an earlier one has (an alias). */
static bool ms_utarget_alias(const struct ms_utarget *t, size_t i)
{
	size_t k;

	for (k = 0; k < i; k++)
		if (t->path[k] && t->off[k] == t->off[i] &&
		    !strcmp(t->path[k], t->path[i]))
			return true;
	return false;
}

int ms_uprobes_attach(struct ms_links *u, struct ms_bpf *b,
		      const struct ms_utarget *t, size_t nt,
		      const struct ms_ufunc *f, size_t n, __u64 mask)
{
	struct bpf_link *link;
	const char *prog;
	size_t i, k;
	int ret;

	/* Return probes first: no entry is seen without its return. */
	for (ret = 1; ret >= 0; ret--) {
		for (k = 0; k < nt; k++) {
			for (i = 0; i < n; i++) {
				prog = ret ? f[i].ret_prog : f[i].prog;
				if (!prog || !t[k].path[i] ||
				    !(mask & (1ULL << i)) ||
				    ms_utarget_alias(&t[k], i))
					continue;
				link = ms_uprobe_attach(b, prog, ret, t[k].pid,
							t[k].path[i],
							t[k].off[i]);
				if (ms_links_add(u, link))
					return -1;
			}
		}
	}
	return 0;
}

void ms_links_detach(struct ms_links *u)
{
	while (u->n)
		bpf_link__destroy(u->links[--u->n]);
	free(u->links);
	u->links = NULL;
}

/* Attach the set now; with the lock held. */
static int ms_duty_on(struct ms_duty *d)
{
	int err = d->before_attach ? d->before_attach(d->ctx) : 0;

	if (!err)
		err = ms_uprobes_attach(&d->probes, d->b, d->targets,
					d->ntargets, d->funcs, d->nfuncs,
					d->mask);
	if (err)
		ms_links_detach(&d->probes);
	else
		d->on_since = ms_now();
	return err;
}

static void ms_duty_off(struct ms_duty *d)
{
	if (!d->probes.n)
		return;
	ms_links_detach(&d->probes);
	d->on_time += ms_now() - d->on_since;
}

static void ms_sleep(double sec)
{
	struct timespec ts = { (time_t)sec, (long)((sec - (time_t)sec) * 1e9) };

	nanosleep(&ts, NULL);
}

static void *ms_duty_thread(void *arg)
{
	struct ms_duty *d = arg;
	double off;
	int err;

	while (!ms_exiting() && READ_ONCE(d->running)) {
		pthread_mutex_lock(&d->lock);
		err = ms_duty_on(d);
		pthread_mutex_unlock(&d->lock);
		if (err) {
			ms_warn(d->b->env, "sampling stopped: %s",
				ms_last_error());
			break;
		}
		ms_sleep(d->pct / 100.0);
		pthread_mutex_lock(&d->lock);
		ms_duty_off(d);
		pthread_mutex_unlock(&d->lock);
		/*
		 * Off until they were on pct % of the time so far: detaching
		 * (counted on) and attaching (off) take time too, a lot of
		 * it under load or emulation.
		 */
		off = d->start + d->on_time * 100 / d->pct - ms_now();
		ms_sleep(off > 0 ? off : 0);
	}
	return NULL;
}

int ms_duty_start(struct ms_duty *d)
{
	pthread_mutex_init(&d->lock, NULL);
	d->start = ms_now();
	if (d->pct >= 100)
		return ms_duty_on(d);
	d->running = true;
	if (pthread_create(&d->thread, NULL, ms_duty_thread, d)) {
		d->running = false;
		return ms_set_error(-EAGAIN, "cannot start the sampling thread");
	}
	return 0;
}

void ms_duty_stop(struct ms_duty *d)
{
	if (d->running) {
		WRITE_ONCE(d->running, false);
		pthread_join(d->thread, NULL);
	}
	pthread_mutex_lock(&d->lock);
	ms_duty_off(d);
	pthread_mutex_unlock(&d->lock);
}

double ms_duty_share(struct ms_duty *d)
{
	double total = ms_now() - d->start, on;

	pthread_mutex_lock(&d->lock);
	on = d->on_time + (d->probes.n ? ms_now() - d->on_since : 0);
	pthread_mutex_unlock(&d->lock);
	return total > 0 ? 100.0 * on / total : 100.0;
}
