// SPDX-License-Identifier: GPL-2.0
/*
 * libmemstat: USDT probes (SystemTap SDT notes), as glibc's malloc has
 * them when built with --enable-systemtap.  Each probe is a nop at an
 * address named by a note in .note.stapsdt; its arguments are described
 * in the note as text, one "SIZE@OPERAND" each, the operand in the
 * assembler's syntax: a register, a constant, or memory at a register
 * plus a displacement.  Read with libelf; no systemtap header or
 * library needed.  The sites of a tool's targets are collected once per
 * file and offset.  The BPF side reads an argument with ms_usdt_arg().
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fnmatch.h>
#include <limits.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <asm/ptrace.h>

#include "libmemstat.h"
#include "ms_elf.h"

#define NT_STAPSDT	3	/* the notes' type, owner "stapsdt" */

struct ms_usdt_reg {
	const char *names;	/* the names of its parts, space-separated */
	unsigned short off;	/* its place in struct pt_regs */
};

#define PT(f)	offsetof(struct pt_regs, f)
#if defined(__x86_64__)
static const struct ms_usdt_reg regs[] = {
	{ "rax eax ax al", PT(rax) }, { "rbx ebx bx bl", PT(rbx) },
	{ "rcx ecx cx cl", PT(rcx) }, { "rdx edx dx dl", PT(rdx) },
	{ "rsi esi si sil", PT(rsi) }, { "rdi edi di dil", PT(rdi) },
	{ "rbp ebp bp bpl", PT(rbp) }, { "rsp esp sp spl", PT(rsp) },
	{ "r8 r8d r8w r8b", PT(r8) }, { "r9 r9d r9w r9b", PT(r9) },
	{ "r10 r10d r10w r10b", PT(r10) }, { "r11 r11d r11w r11b", PT(r11) },
	{ "r12 r12d r12w r12b", PT(r12) }, { "r13 r13d r13w r13b", PT(r13) },
	{ "r14 r14d r14w r14b", PT(r14) }, { "r15 r15d r15w r15b", PT(r15) },
	{ "rip", PT(rip) },
};
#elif defined(__aarch64__)
/* user_pt_regs is where the kernel's struct pt_regs starts. */
#undef PT
#define PT(f)	offsetof(struct user_pt_regs, f)
static const struct ms_usdt_reg regs[] = { { "sp", PT(sp) } };
#else
static const struct ms_usdt_reg regs[] = { { "", 0 } };
#endif

/* The place in struct pt_regs of register @name (no '%'); -1: unknown. */
static int ms_usdt_reg_off(const char *name, size_t len)
{
	const char *p;
	size_t i, n;
	char *end;
	long x;

#if defined(__aarch64__)
	/* x0..x30 and their lower halves w0..w30. */
	if ((name[0] == 'x' || name[0] == 'w') && len > 1 && len < 4) {
		x = strtol(name + 1, &end, 10);
		if (end == name + len && x >= 0 && x <= 30)
			return PT(regs) + x * sizeof(__u64);
	}
#else
	(void)x;
	(void)end;
#endif
	for (i = 0; i < ARRAY_SIZE(regs); i++)
		for (p = regs[i].names; *p; p += n + (p[n] == ' ')) {
			n = strcspn(p, " ");
			if (n == len && !strncmp(p, name, len))
				return regs[i].off;
		}
	return -1;
}

/* A number at @s, decimal or 0x hex, maybe signed; the end in *@end. */
static bool ms_usdt_num(const char *s, char **end, __s64 *v)
{
	errno = 0;
	*v = strtoll(s, end, 0);
	return *end != s && !errno;
}

/*
 * One operand, @op of @len characters, into @a: x86 "%reg", "$imm",
 * "disp(%reg)"; arm64 "reg", "imm", "[reg]", "[reg, disp]".  False for
 * what no uprobe can read alone (an index register, a symbol).
 */
static bool ms_usdt_operand(const char *op, struct ms_usdt_arg *a)
{
	const char *reg = op;
	char *end;
	size_t n;
	int off;

#if defined(__aarch64__)
	if (*op != '[') {
		if (ms_usdt_num(op, &end, &a->val) && !*end) {
			a->loc = MS_USDT_IMM;
			return true;
		}
		off = ms_usdt_reg_off(op, strlen(op));
		a->loc = MS_USDT_REG;
		a->reg = off;
		return off >= 0;
	}
	reg = op + 1;
	n = strcspn(reg, ",]");
	if (reg[n] == ',' && !(ms_usdt_num(reg + n + 1, &end, &a->val) &&
			       !strcmp(end, "]")))
		return false;
	if (reg[n] == ']' && reg[n + 1])
		return false;
#else
	if (*op == '$') {
		a->loc = MS_USDT_IMM;
		return ms_usdt_num(op + 1, &end, &a->val) && !*end;
	}
	if (*op != '%') {
		if (*op != '(' && !ms_usdt_num(op, &end, &a->val))
			return false;
		reg = *op == '(' ? op : end;
		if (*reg != '(' || reg[1] != '%')
			return false;
		reg += 2;
		n = strcspn(reg, ")");
		if (reg[n] != ')' || reg[n + 1])
			return false;
	} else {
		reg = op + 1;
		n = strlen(reg);
	}
#endif
	off = ms_usdt_reg_off(reg, n);
	a->loc = reg == op + 1 && *op != '[' ? MS_USDT_REG : MS_USDT_MEM;
	a->reg = off;
	return off >= 0;
}

int ms_usdt_args(const char *spec, struct ms_usdt_arg *args, int max,
		 const char **bad)
{
	char buf[MS_USDT_SPEC_LEN], *tok, *save = NULL, *at, *end;
	int n = 0;
	__s64 size;

	*bad = NULL;
	snprintf(buf, sizeof(buf), "%s", spec);
	/* arm64's "[x29, -20]" holds a blank: split at blanks outside []. */
	for (tok = buf; *tok; tok++)
		if (*tok == '[')
			for (; *tok && *tok != ']'; tok++)
				if (*tok == ' ')
					*tok = '\t';
	for (tok = strtok_r(buf, " ", &save); tok;
	     tok = strtok_r(NULL, " ", &save)) {
		if (n == max)
			return -E2BIG;
		for (at = tok; *at; at++)
			if (*at == '\t')
				*at = ' ';
		at = strchr(tok, '@');
		args[n] = (struct ms_usdt_arg){ .size = 8 };
		if (at && ms_usdt_num(tok, &end, &size) && end == at &&
		    (size == 1 || size == 2 || size == 4 || size == 8 ||
		     size == -1 || size == -2 || size == -4 || size == -8))
			args[n].size = size;
		else if (at)
			at = NULL;
		if (!ms_usdt_operand(at ? at + 1 : tok, &args[n])) {
			args[n].loc = MS_USDT_NONE;
			if (!*bad)
				*bad = spec + (tok - buf);
		}
		n++;
	}
	return n;
}

/* The address of section @name, 0 if none. */
static GElf_Addr ms_elf_section_addr(Elf *elf, const char *name)
{
	Elf_Scn *scn = NULL;
	size_t shstrndx;
	const char *s;
	GElf_Shdr sh;

	if (elf_getshdrstrndx(elf, &shstrndx))
		return 0;
	while ((scn = elf_nextscn(elf, scn))) {
		if (!gelf_getshdr(scn, &sh))
			continue;
		s = elf_strptr(elf, shstrndx, sh.sh_name);
		if (s && !strcmp(s, name))
			return sh.sh_addr;
	}
	return 0;
}

/* Note @desc (@len bytes) of @elf into @u; false if malformed. */
static bool ms_usdt_note(Elf *elf, const char *desc, size_t len,
			 GElf_Addr base, struct ms_usdt *u)
{
	size_t asz = gelf_getclass(elf) == ELFCLASS32 ? 4 : 8, n;
	__u64 addr[3] = {};
	const char *s[3];
	int i;

	if (len < 3 * asz)
		return false;
	for (i = 0; i < 3; i++)
		memcpy(&addr[i], desc + i * asz, asz);	/* little endian */
	s[0] = desc + 3 * asz;
	for (i = 0; i < 3; i++) {
		n = strnlen(s[i], desc + len - s[i]);
		if (s[i] + n == desc + len)
			return false;
		if (i < 2)
			s[i + 1] = s[i] + n + 1;
	}
	/* Prelinked or moved: the base section says by how much. */
	if (base && addr[1]) {
		addr[0] += base - addr[1];
		if (addr[2])
			addr[2] += base - addr[1];
	}
	memset(u, 0, sizeof(*u));
	snprintf(u->provider, sizeof(u->provider), "%s", s[0]);
	snprintf(u->name, sizeof(u->name), "%s", s[1]);
	snprintf(u->spec, sizeof(u->spec), "%s", s[2]);
	u->offset = ms_elf_vaddr_offset(elf, addr[0]);
	u->semaphore = addr[2];
	u->nargs = ms_usdt_args(u->spec, u->args, MS_USDT_MAX_ARGS, &u->bad);
	return u->offset && u->nargs >= 0;
}

int ms_usdt_probes(const char *path, const char *provider,
		   struct ms_usdt **out)
{
	struct ms_usdt *probes = NULL, *grown, u;
	Elf_Scn *scn = NULL;
	GElf_Addr base;
	size_t off, name_off, desc_off;
	Elf_Data *data;
	GElf_Nhdr nh;
	GElf_Shdr sh;
	int fd, n = 0;
	Elf *elf;

	*out = NULL;
	fd = ms_elf_open(path, &elf);
	if (fd < 0)
		return fd;
	base = ms_elf_section_addr(elf, ".stapsdt.base");
	while ((scn = elf_nextscn(elf, scn))) {
		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_NOTE)
			continue;
		data = elf_getdata(scn, NULL);
		off = 0;
		while (data && (off = gelf_getnote(data, off, &nh, &name_off,
						   &desc_off)) > 0) {
			if (nh.n_type != NT_STAPSDT || nh.n_namesz != 8 ||
			    memcmp((char *)data->d_buf + name_off, "stapsdt", 8) ||
			    !ms_usdt_note(elf, (char *)data->d_buf + desc_off,
					  nh.n_descsz, base, &u) ||
			    (provider && strcmp(u.provider, provider)))
				continue;
			grown = realloc(probes, (n + 1) * sizeof(*probes));
			if (!grown) {
				n = ms_set_error(-ENOMEM, "out of memory");
				break;
			}
			probes = grown;
			probes[n++] = u;
		}
	}
	ms_elf_close(elf, fd);
	if (n < 0)
		free(probes);
	else
		*out = probes;
	return n;
}

/* The site of probe @u of file @path, a new one if unseen. */
static int ms_usdt_site_of(struct ms_usdt_sites *s, const char *path,
			   const struct stat *st, const struct ms_usdt *u)
{
	struct ms_usdt_site *site;
	size_t i;

	for (i = 0; i < s->n; i++) {
		site = &s->site[i];
		if (site->dev == st->st_dev && site->ino == st->st_ino &&
		    site->probe.offset == u->offset)
			return i;
	}
	if (s->n == s->max) {
		s->beyond++;
		return -ENOSPC;
	}
	site = realloc(s->site, (s->n + 1) * sizeof(*site));
	if (!site)
		return ms_set_error(-ENOMEM, "out of memory");
	s->site = site;
	site += s->n;
	site->probe = *u;
	site->path = strdup(path);
	site->dev = st->st_dev;
	site->ino = st->st_ino;
	return site->path ? (int)s->n++ : ms_set_error(-ENOMEM, "out of memory");
}

/* The probes of file @path (as we open it), used for @pid. */
static int ms_usdt_add_file(struct ms_usdt_sites *s, const char *path,
			    pid_t pid)
{
	struct ms_usdt_use *use;
	struct ms_usdt *u;
	struct stat st;
	int n, i, site = 0;

	n = ms_usdt_probes(path, s->provider, &u);
	if (n <= 0 || stat(path, &st))
		return 0;
	for (i = 0; i < n; i++) {
		if (fnmatch(s->pattern, u[i].name, 0))
			continue;
		s->found++;
		/* Without a tracer's count in it, the probe never fires. */
		if (u[i].semaphore) {
			s->semaphores++;
			continue;
		}
		site = ms_usdt_site_of(s, path, &st, &u[i]);
		if (site == -ENOSPC)
			continue;
		if (site < 0)
			break;
		use = realloc(s->use, (s->nuse + 1) * sizeof(*use));
		if (!use) {
			site = ms_set_error(-ENOMEM, "out of memory");
			break;
		}
		s->use = use;
		use[s->nuse++] = (struct ms_usdt_use){ site, pid, strdup(path) };
	}
	free(u);
	return site < 0 && site != -ENOSPC ? site : 0;
}

/*
 * The objects of process @pid (0: ours, C libraries only unless -O)
 * whose path contains @s->object, used for @use_pid.
 */
static int ms_usdt_add_process(struct ms_usdt_sites *s, pid_t pid,
			       pid_t use_pid)
{
	char **objs, buf[PATH_MAX];
	int n, i, err = 0;

	n = ms_proc_objects(pid ? pid : getpid(), &objs);
	for (i = 0; i < n; i++) {
		if (!err && (s->object ? !!strstr(objs[i], s->object) :
			     pid || ms_path_is_libc(objs[i])))
			err = ms_usdt_add_file(s, pid ?
					       ms_proc_path(pid, objs[i], buf,
							    sizeof(buf)) :
					       objs[i], use_pid);
		free(objs[i]);
	}
	if (n > 0)
		free(objs);
	return n < 0 ? n : err;
}

int ms_usdt_sites_find(struct ms_usdt_sites *s, const struct ms_env *env,
		       pid_t child)
{
	unsigned int k;
	int err = 0;

	/* No -p: the C library we map (the one a command gets), or -O. */
	if (!env->npids && s->object && !access(s->object, R_OK))
		err = ms_usdt_add_file(s, s->object, child);
	else if (!env->npids)
		err = ms_usdt_add_process(s, 0, child);
	for (k = 0; !err && k < env->npids; k++)
		err = ms_usdt_add_process(s, env->pids[k], env->pids[k]);
	if (s->beyond)
		ms_warn(env, "%u probe sites beyond the first %zu not traced (name fewer probes)",
			s->beyond, s->max);
	if (s->semaphores)
		ms_warn(env, "%u probe sites with a semaphore not traced (not supported)",
			s->semaphores);
	return err ?: (int)s->found;
}

void ms_usdt_sites_print(const struct ms_usdt_sites *s)
{
	const struct ms_usdt_site *site = s->site;
	const char *bad;
	size_t i;

	printf("%-18s %-34s %s\n", "OFFSET", "PROBE", "ARGUMENTS  FILE");
	for (i = 0; i < s->n; i++, site++) {
		bad = site->probe.bad;
		printf("0x%-16llx %-34s %s  %s",
		       (unsigned long long)site->probe.offset, site->probe.name,
		       site->probe.spec, site->path);
		if (bad)
			printf(" (not read: %.*s)", (int)strcspn(bad, " "), bad);
		putchar('\n');
	}
}

int ms_usdt_sites_attach(const struct ms_usdt_sites *s, struct ms_bpf *b,
			 struct ms_links *u, const char *prog_fmt)
{
	const struct ms_usdt_use *use = s->use;
	struct bpf_link *link;
	char prog[64];
	size_t i;

	for (i = 0; i < s->nuse; i++, use++) {
		snprintf(prog, sizeof(prog), prog_fmt, use->site);
		link = ms_uprobe_attach(b, prog, false, use->pid, use->path,
					s->site[use->site].probe.offset);
		if (ms_links_add(u, link))
			return -1;
	}
	return 0;
}

void ms_usdt_sites_free(struct ms_usdt_sites *s)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		free(s->site[i].path);
	for (i = 0; i < s->nuse; i++)
		free(s->use[i].path);
	free(s->site);
	free(s->use);
	s->site = NULL;
	s->use = NULL;
	s->n = 0;
	s->nuse = 0;
}
