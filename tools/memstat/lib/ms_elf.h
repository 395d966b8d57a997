/* SPDX-License-Identifier: GPL-2.0 */
/* libmemstat's own: ELF files read with libelf (ms_uprobe.c, ms_usdt.c). */
#ifndef __MS_ELF_H
#define __MS_ELF_H

#include <gelf.h>
#include <linux/types.h>

/* Open @path with libelf: the fd, *@elf; or -errno with the reason set. */
int ms_elf_open(const char *path, struct Elf **elf);
void ms_elf_close(Elf *elf, int fd);
/* The file offset of virtual address @vaddr: in an executable PT_LOAD. */
__u64 ms_elf_vaddr_offset(Elf *elf, GElf_Addr vaddr);

#endif /* __MS_ELF_H */
