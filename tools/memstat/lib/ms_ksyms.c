// SPDX-License-Identifier: GPL-2.0
/*
 * libmemstat: kernel symbols.  /proc/kallsyms (MEMSTAT_KALLSYMS
 * overrides) is read once per process, in one pass that both resolves
 * the addresses a tool asks for and keeps a sorted table for stacks;
 * it is read again only when modules come or go.  Addresses outside the
 * kernel's text and the loaded modules' (freed init code, an unloaded
 * module) are printed in hex: the nearest symbol below would lie.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "libmemstat.h"

struct ms_ksym {
	unsigned long long addr;
	char *name;
};

struct ms_range {
	unsigned long long lo, hi;
};

static struct {
	struct ms_ksym *syms;
	size_t nr;
	unsigned long long text_lo, text_hi;	/* _stext, _etext */
	char *modules;			/* /proc/modules at the last read */
	struct ms_range *mods;		/* their core text */
	size_t nmods;
} ks;

static int ksym_cmp(const void *a, const void *b)
{
	const struct ms_ksym *x = a, *y = b;

	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

static void ksyms_free(void)
{
	size_t i;

	for (i = 0; i < ks.nr; i++)
		free(ks.syms[i].name);
	free(ks.syms);
	ks.syms = NULL;
	ks.nr = 0;
}

static const char *kallsyms_path(void)
{
	const char *path = getenv("MEMSTAT_KALLSYMS");

	return path ? path : "/proc/kallsyms";
}

/*
 * One pass over kallsyms: the table and @reqs.  Returns -errno; -EPERM
 * when kptr_restrict hides the addresses.
 */
static int ksyms_read(struct ms_ksym_req *reqs, size_t n)
{
	char line[512], name[256], type;
	unsigned long long addr;
	bool hidden = false;
	size_t cap = 0, i;
	FILE *f;

	f = fopen(kallsyms_path(), "r");
	if (!f)
		return -errno;
	ksyms_free();
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%llx %c %255s", &addr, &type, name) != 3)
			continue;
		for (i = 0; i < n; i++) {
			if (reqs[i].addr || strcmp(name, reqs[i].name))
				continue;
			hidden |= !addr;
			reqs[i].addr = addr;
		}
		if (!addr) {
			hidden = true;
			continue;
		}
		if (!strcmp(name, "_stext"))
			ks.text_lo = addr;
		else if (!strcmp(name, "_etext"))
			ks.text_hi = addr;
		if (ks.nr == cap) {
			size_t ncap = cap ? cap * 2 : 65536;
			struct ms_ksym *s = realloc(ks.syms, ncap * sizeof(*s));

			if (!s)
				goto nomem;
			ks.syms = s;
			cap = ncap;
		}
		ks.syms[ks.nr].addr = addr;
		ks.syms[ks.nr].name = strdup(name);
		if (!ks.syms[ks.nr].name)
			goto nomem;
		ks.nr++;
	}
	fclose(f);
	if (hidden && !ks.nr)
		return -EPERM;
	qsort(ks.syms, ks.nr, sizeof(*ks.syms), ksym_cmp);
	return 0;
nomem:
	fclose(f);
	ksyms_free();
	return -ENOMEM;
}

/* /proc/modules as one string (NULL if unreadable), to see loads. */
static char *read_modules(void)
{
	FILE *f = fopen("/proc/modules", "r"), *m;
	char *buf = NULL;
	size_t len = 0;
	int c;

	if (!f)
		return NULL;
	m = open_memstream(&buf, &len);
	if (m) {
		while ((c = fgetc(f)) != EOF)
			fputc(c, m);
		fclose(m);
	}
	fclose(f);
	return buf;
}

/* The loaded modules' ranges: "name size refs deps state addr". */
static void parse_modules(void)
{
	unsigned long long size, addr;
	const char *line;
	size_t n = 1;

	free(ks.mods);
	ks.mods = NULL;
	ks.nmods = 0;
	if (!ks.modules)
		return;
	for (line = ks.modules; *line; line++)
		n += *line == '\n';
	ks.mods = calloc(n, sizeof(*ks.mods));
	if (!ks.mods)
		return;
	for (line = ks.modules; line && *line;) {
		if (sscanf(line, "%*s %llu %*s %*s %*s %llx", &size, &addr) == 2) {
			ks.mods[ks.nmods].lo = addr;
			ks.mods[ks.nmods].hi = addr + size;
			ks.nmods++;
		}
		line = strchr(line, '\n');
		if (line)
			line++;
	}
}

void ms_ksyms_init(const struct ms_env *env, struct ms_ksym_req *reqs,
		   size_t n)
{
	size_t i;
	int err;

	for (i = 0; i < n; i++)
		reqs[i].addr = 0;
	ks.modules = read_modules();
	parse_modules();
	err = ksyms_read(reqs, n);
	if (err == -EPERM)
		ms_fatal(env,
			 "kernel addresses in %s are hidden by kptr_restrict: run as root or set kernel.kptr_restrict=0",
			 kallsyms_path());
	if (err)
		ms_fatal(env, "cannot read %s: %s", kallsyms_path(),
			 strerror(-err));
	for (i = 0; i < n; i++)
		if (!reqs[i].addr && reqs[i].config)
			ms_fatal(env,
				 "kernel symbol %s not found in %s: this kernel needs %s=y",
				 reqs[i].name, kallsyms_path(), reqs[i].config);
}

bool ms_ksyms_refresh(void)
{
	char *now = read_modules();

	if (!now || (ks.modules && !strcmp(now, ks.modules))) {
		free(now);
		return false;
	}
	free(ks.modules);
	ks.modules = now;
	parse_modules();
	/* On failure the old table stays: better than none. */
	ksyms_read(NULL, 0);
	return true;
}

const char *ms_ksym_name(unsigned long long addr, unsigned long long *offset)
{
	size_t lo = 0, hi = ks.nr;

	if (!ks.nr || addr < ks.syms[0].addr)
		return NULL;
	/* The last symbol at or below @addr. */
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;

		if (ks.syms[mid].addr <= addr)
			lo = mid;
		else
			hi = mid;
	}
	if (offset)
		*offset = addr - ks.syms[lo].addr;
	return ks.syms[lo].name;
}

/* Kernel text or a loaded module: kallsyms names it truly. */
static bool nameable(unsigned long long ip)
{
	size_t i;

	if (!ks.text_hi || (ip >= ks.text_lo && ip < ks.text_hi))
		return true;
	for (i = 0; i < ks.nmods; i++)
		if (ip >= ks.mods[i].lo && ip < ks.mods[i].hi)
			return true;
	return false;
}

static bool is_allocator_entry(const char *name)
{
	return !strncmp(name, "__alloc_pages_nodemask", 22) ||
	       !strcmp(name, "__alloc_pages") ||
	       !strncmp(name, "__alloc_pages.", 14);
}

/* BPF's own frames and a tracepoint's plumbing into them. */
static bool is_bpf(const char *name)
{
	return !strncmp(name, "bpf_", 4) || !strncmp(name, "__bpf", 5) ||
	       !strncmp(name, "__traceiter_", 12);
}

/*
 * The first frame to print: past the allocator's entry, else past BPF
 * (its programs and trampolines are in no text kallsyms names).
 */
static int stack_start(const __u64 *ips, int n)
{
	const char *name;
	int i;

	for (i = 0; i < n; i++) {
		name = ms_ksym_name(ips[i], NULL);
		if (name && nameable(ips[i]) && is_allocator_entry(name))
			return i + 1;
	}
	for (i = 0; i < n; i++) {
		name = nameable(ips[i]) ? ms_ksym_name(ips[i], NULL) : NULL;
		if (name && !is_bpf(name))
			return i;
	}
	return 0;
}

int ms_stack_symbolize(const __u64 *ips, int n, char **out)
{
	unsigned long long off;
	const char *name;
	char buf[300];
	int i, len = 0, first;

	while (len < n && ips[len])
		len++;
	first = stack_start(ips, len);
	for (i = first; i < len; i++) {
		name = nameable(ips[i]) ? ms_ksym_name(ips[i], &off) : NULL;
		if (name)
			snprintf(buf, sizeof(buf), "%s+0x%llx", name, off);
		else
			snprintf(buf, sizeof(buf), "0x%llx",
				 (unsigned long long)ips[i]);
		out[i - first] = strdup(buf);
		if (!out[i - first]) {
			ms_stack_free(out, i - first);
			return -ENOMEM;
		}
	}
	return len - first;
}

void ms_stack_free(char **frames, int n)
{
	int i;

	for (i = 0; i < n; i++)
		free(frames[i]);
}

int ms_ksym_func(const char *name, char *out, size_t len)
{
	const char *path = getenv("MEMSTAT_KALLSYMS");
	char line[256], sym[128], type;
	size_t n = strlen(name);
	bool found = false, exact = false;
	FILE *f;

	f = fopen(path ? path : "/proc/kallsyms", "r");
	if (!f)
		return ms_set_error(-errno, "cannot read /proc/kallsyms: %s",
				    strerror(errno));
	while (!exact && fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%*s %c %127s", &type, sym) != 2 ||
		    (type != 't' && type != 'T') || strncmp(sym, name, n))
			continue;
		exact = !sym[n];
		if (exact || (!found && (!strncmp(sym + n, ".constprop.", 11) ||
					 !strncmp(sym + n, ".isra.", 6) ||
					 !strncmp(sym + n, ".part.", 6)))) {
			snprintf(out, len, "%s", sym);
			found = true;
		}
	}
	fclose(f);
	return found ? 0 : ms_set_error(-ENOENT, "%s is not in /proc/kallsyms",
					name);
}
