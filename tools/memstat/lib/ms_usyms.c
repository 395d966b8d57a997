// SPDX-License-Identifier: GPL-2.0
/*
 * libmemstat: user symbols, on elfutils' libdwfl (as perf uses it).
 *
 * One Dwfl per process, kept for the run: its modules are reported from
 * /proc/PID/maps (dwfl_linux_proc_report) when the process is tracked,
 * and every module's ELF file is opened right then, so that a process
 * that exits before the report still symbolizes.  The ELF is read into
 * memory (mapped) and its descriptor closed at once: a long run tracking
 * many processes does not run out of descriptors.  Symbols come from
 * .symtab, else from the separate debug file libdwfl finds by build-id
 * or .gnu_debuglink (/usr/lib/debug), else from .dynsym or
 * .gnu_debugdata; the lookup is lazy (at the first frame in a module),
 * by path, which still works when the process is gone.  An address in
 * no known module (a later dlopen) makes the mappings be read again
 * while the process lives.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <search.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/resource.h>
#include <elfutils/libdwfl.h>
#include <bpf/bpf.h>

#include "libmemstat.h"

struct ms_uproc {
	pid_t tgid;
	Dwfl *dwfl;		/* NULL: gone before it could be tracked */
};

static void *uprocs;		/* tsearch tree of struct ms_uproc */
static void *unames;		/* frame names, one copy each: ms_intern() */

/*
 * While a process's mappings are reported: the files it maps executable,
 * a line each.  Only those can hold a frame; a data file is never opened
 * (reading it would bring it into the page cache under the process).
 */
static char *exec_files;

char *ms_proc_exec_files(pid_t tgid)
{
	char path[64], line[4200], perms[8], *out = NULL, *file;
	size_t len = 0;
	FILE *maps, *mem;

	snprintf(path, sizeof(path), "/proc/%d/maps", tgid);
	maps = fopen(path, "r");
	if (!maps)
		return NULL;
	mem = open_memstream(&out, &len);
	while (mem && fgets(line, sizeof(line), maps)) {
		file = strchr(line, '/');
		if (file && sscanf(line, "%*s %7s", perms) == 1 &&
		    perms[2] == 'x')
			fputs(file, mem);
	}
	if (mem)
		fclose(mem);
	fclose(maps);
	return out;
}

static bool maps_executable(const char *name)
{
	size_t len = strlen(name);
	const char *p;

	for (p = exec_files; p && *p; p = strchr(p, '\n') + 1) {
		if (!strncmp(p, name, len) && p[len] == '\n')
			return true;
		if (!strchr(p, '\n'))
			break;
	}
	return false;
}

static int uproc_cmp(const void *a, const void *b)
{
	const struct ms_uproc *x = a, *y = b;

	return x->tgid < y->tgid ? -1 : x->tgid > y->tgid;
}

/*
 * dwfl_linux_proc_find_elf() returns the module's descriptor for libdwfl
 * to keep until dwfl_end(); here the ELF is read (mapped) now and the
 * descriptor closed, which libdwfl accepts as it does for the vDSO.
 */
static int find_elf(Dwfl_Module *mod, void **userdata, const char *name,
		    Dwarf_Addr base, char **file_name, Elf **elfp)
{
	Elf *elf;
	int fd;

	if (exec_files && name && name[0] == '/' && !maps_executable(name))
		return -1;
	fd = dwfl_linux_proc_find_elf(mod, userdata, name, base, file_name,
				      elfp);
	if (fd < 0 || *elfp)
		return fd;
	elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	if (!elf || elf_cntl(elf, ELF_C_FDREAD)) {
		elf_end(elf);
		return fd;	/* libdwfl tries it itself */
	}
	close(fd);
	*elfp = elf;
	return -1;
}

static const Dwfl_Callbacks uproc_callbacks = {
	.find_elf = find_elf,
	.find_debuginfo = dwfl_standard_find_debuginfo,
};

static int open_module(Dwfl_Module *mod, void **userdata, const char *name,
		       Dwarf_Addr start, void *arg)
{
	Dwarf_Addr bias;

	dwfl_module_getelf(mod, &bias);	/* a failure shows as hex frames */
	return DWARF_CB_OK;
}

/* Read @tgid's mappings (again) and open the ELF of every module. */
static int uproc_report(struct ms_uproc *p)
{
	int err;

	dwfl_report_begin_add(p->dwfl);
	err = dwfl_linux_proc_report(p->dwfl, p->tgid);
	if (dwfl_report_end(p->dwfl, NULL, NULL))
		err = err ?: EIO;
	if (err)
		return err > 0 ? -err : -EIO;
	exec_files = ms_proc_exec_files(p->tgid);
	dwfl_getmodules(p->dwfl, open_module, NULL, 0);
	free(exec_files);
	exec_files = NULL;
	return 0;
}

/*
 * Once: room for the debug files' descriptors libdwfl keeps, and no
 * debuginfod downloads (a report would wait on the network for every
 * module without local debug info) unless MEMSTAT_DEBUGINFOD is set.
 */
static void usyms_init(void)
{
	static bool done;
	struct rlimit r;

	if (done)
		return;
	done = true;
	if (!getrlimit(RLIMIT_NOFILE, &r) && r.rlim_cur < r.rlim_max) {
		r.rlim_cur = r.rlim_max;
		setrlimit(RLIMIT_NOFILE, &r);
	}
	if (!getenv("MEMSTAT_DEBUGINFOD"))
		unsetenv("DEBUGINFOD_URLS");
}

static struct ms_uproc *uproc_find(pid_t tgid)
{
	struct ms_uproc key = { .tgid = tgid }, **found;

	found = tfind(&key, &uprocs, uproc_cmp);
	return found ? *found : NULL;
}

int ms_usyms_track(pid_t tgid)
{
	struct ms_uproc *p = uproc_find(tgid), **slot;
	int err;

	if (p)
		return p->dwfl ? 0 : -ESRCH;
	if (tgid <= 0)
		return -EINVAL;
	usyms_init();
	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->tgid = tgid;
	p->dwfl = dwfl_begin(&uproc_callbacks);
	if (!p->dwfl) {
		free(p);
		return -ENOMEM;
	}
	err = uproc_report(p);
	if (err && kill(tgid, 0) && errno == ESRCH) {
		/* Gone: remember that, not to read /proc again. */
		dwfl_end(p->dwfl);
		p->dwfl = NULL;
		err = -ESRCH;
	}
	slot = tsearch(p, &uprocs, uproc_cmp);
	if (!slot) {
		if (p->dwfl)
			dwfl_end(p->dwfl);
		free(p);
		return -ENOMEM;
	}
	return err;
}

static int count_module(Dwfl_Module *mod, void **userdata, const char *name,
			Dwarf_Addr start, void *arg)
{
	++*(int *)arg;
	return DWARF_CB_OK;
}

int ms_usyms_retrack(pid_t tgid)
{
	struct ms_uproc *p = uproc_find(tgid);
	Dwfl *old;
	int n = 0;

	if (!p || !p->dwfl)
		return p ? -ESRCH : ms_usyms_track(tgid);
	old = p->dwfl;
	p->dwfl = dwfl_begin(&uproc_callbacks);
	if (p->dwfl && !uproc_report(p))
		dwfl_getmodules(p->dwfl, count_module, &n, 0);
	if (!n) {
		/* Gone or going (no mappings left): keep what was read. */
		if (p->dwfl)
			dwfl_end(p->dwfl);
		p->dwfl = old;
		return -ESRCH;
	}
	dwfl_end(old);
	return 0;
}

int ms_usyms_refresh(pid_t tgid)
{
	struct ms_uproc *p = uproc_find(tgid);

	if (!p)
		return ms_usyms_track(tgid);
	return p->dwfl ? uproc_report(p) : -ESRCH;
}

/* The module of @addr, reading the mappings again once on a miss. */
static Dwfl_Module *uproc_module(struct ms_uproc *p, Dwarf_Addr addr,
				 bool *reread)
{
	Dwfl_Module *mod = dwfl_addrmodule(p->dwfl, addr);

	if (mod || *reread)
		return mod;
	*reread = true;
	if (uproc_report(p))
		return NULL;
	return dwfl_addrmodule(p->dwfl, addr);
}

static const char *module_name(Dwfl_Module *mod)
{
	const char *name = dwfl_module_info(mod, NULL, NULL, NULL, NULL,
					    NULL, NULL, NULL);
	const char *slash;

	if (!name)
		return "?";
	slash = strrchr(name, '/');
	return slash ? slash + 1 : name;
}

/*
 * One frame.  Every frame but the innermost is a return address: it is
 * looked up one byte back, inside the call, for a call that ends its
 * function (to a noreturn one) returns past it.
 */
static char *frame_name(struct ms_uproc *p, __u64 ip, bool ret, bool *reread)
{
	Dwarf_Addr addr = ret && ip ? ip - 1 : ip;
	Dwfl_Module *mod = NULL;
	const char *name = NULL;
	GElf_Off off = 0;
	GElf_Sym sym;
	char *s;

	if (p && p->dwfl)
		mod = uproc_module(p, addr, reread);
	if (mod)
		name = dwfl_module_addrinfo(mod, addr, &off, &sym, NULL, NULL,
					    NULL);
	off += ip - addr;	/* the offset of @ip itself */
	if (name && asprintf(&s, "%s+0x%llx (%s)", name,
			     (unsigned long long)off, module_name(mod)) >= 0)
		return s;
	if (mod && asprintf(&s, "0x%llx (%s)", (unsigned long long)ip,
			    module_name(mod)) >= 0)
		return s;
	if (asprintf(&s, "0x%llx", (unsigned long long)ip) >= 0)
		return s;
	return NULL;
}

int ms_ustack_symbolize(pid_t tgid, const __u64 *ips, int n, char **out)
{
	struct ms_uproc *p;
	bool reread = false;
	int i, len = 0;

	while (len < n && ips[len])
		len++;
	if (!len)
		return 0;
	ms_usyms_track(tgid);
	p = uproc_find(tgid);
	for (i = 0; i < len; i++) {
		out[i] = frame_name(p, ips[i], i > 0, &reread);
		if (!out[i]) {
			ms_stack_free(out, i);
			return -ENOMEM;
		}
	}
	return len;
}

static void uproc_free(void *node)
{
	struct ms_uproc *p = node;

	if (p->dwfl)
		dwfl_end(p->dwfl);
	free(p);
}

bool ms_usyms_tracked(pid_t tgid)
{
	struct ms_uproc *p = uproc_find(tgid);

	return p && p->dwfl;
}

void ms_usyms_forget(pid_t tgid)
{
	struct ms_uproc *p = uproc_find(tgid);

	if (!p)
		return;
	tdelete(p, &uprocs, uproc_cmp);
	uproc_free(p);
}

void ms_usyms_free(void)
{
	tdestroy(uprocs, uproc_free);
	uprocs = NULL;
	tdestroy(unames, free);
	unames = NULL;
}

static int ms_ustack_cmp(const void *a, const void *b)
{
	const struct ms_ustack *x = a, *y = b;

	if (x->tgid != y->tgid)
		return x->tgid < y->tgid ? -1 : 1;
	return x->key < y->key ? -1 : x->key > y->key;
}

struct ms_ustack *ms_ustack_get(const struct ms_env *env, void **cache, int fd,
				pid_t tgid, __u64 key, size_t key_size,
				bool valid)
{
	struct ms_ustack probe = { .tgid = tgid, .key = key }, *st, **slot;
	__u64 ips[MS_MAX_FRAMES] = {};
	char *names[MS_MAX_FRAMES];
	__u32 id = key;
	int i, n = 0;

	slot = tsearch(&probe, cache, ms_ustack_cmp);
	if (!slot)
		ms_fatal(env, "out of memory");
	if (*slot != &probe)
		return *slot;
	if (valid && !bpf_map_lookup_elem(fd, key_size == 4 ? (void *)&id :
					  (void *)&key, ips))
		n = ms_ustack_symbolize(tgid, ips, MS_MAX_FRAMES, names);
	if (n < 0)
		ms_fatal(env, "out of memory");
	/* Kept for the run, maybe for thousands of exited processes: small. */
	st = ms_zalloc(env, 1, sizeof(*st) + n * sizeof(st->frames[0]));
	*st = probe;
	st->nframes = n;
	for (i = 0; i < n; i++)
		st->frames[i] = ms_intern(env, &unames, names[i]);
	*slot = st;
	return st;
}

void ms_ustacks_free(void **cache)
{
	while (*cache) {	/* a node's first member is its key */
		struct ms_ustack *st = *(struct ms_ustack **)*cache;

		tdelete(st, cache, ms_ustack_cmp);
		free(st);	/* its names stay, until ms_usyms_free() */
	}
}
