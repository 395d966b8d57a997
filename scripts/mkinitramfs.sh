#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Build the initramfs the memstat VMs boot: static busybox, the payload
# under /memstat with the shared libraries its binaries need, on request
# the Debian modules for zram and ext4, and an /init that mounts the kernel
# filesystems, puts swap and an ext2/ext4 disk on zram, runs
# /memstat/vm-main.sh and powers off.  --append adds a prebuilt
# compressed cpio (scripts/peers.sh) as is after the image: the kernel
# unpacks one archive after the other into the same root.
#
# Usage: mkinitramfs.sh --out FILE.cpio.gz --payload DIR
#                       [--modules-deb IMAGE_DEB --kabi KABI]
#                       [--append FILE.cpio.gz] [--sysroot DIR]
#
# --sysroot: the payload is built for another architecture (arm64):
# busybox and the shared libraries come from DIR, Debian packages of that
# architecture unpacked (scripts/setup-host.sh), found by the binaries'
# DT_NEEDED entries (readelf) instead of ldd.
#
# Needs busybox-static, cpio, kmod (depmod) and, for modules, dpkg-deb.
set -euo pipefail
. "$(dirname "$0")/common.sh"

usage() { sed -n '/^# Usage:/,/^#$/s/^# \{0,1\}//p' "$0" >&2; exit 2; }

out='' payload='' mdeb='' kabi='' append='' sysroot=''
while [ $# -gt 0 ]; do
	[ $# -ge 2 ] || usage
	case $1 in
	--out) out=$2 ;;
	--payload) payload=$2 ;;
	--modules-deb) mdeb=$2 ;;
	--kabi) kabi=$2 ;;
	--append) append=$2 ;;
	--sysroot) sysroot=$2 ;;
	*) usage ;;
	esac
	shift 2
done
[ -n "$out" ] && [ -n "$payload" ] || usage
[ -d "$payload" ] || die "payload $payload is not a directory"
[ -z "$mdeb" ] || [ -n "$kabi" ] || die "--modules-deb needs --kabi"
[ -z "$mdeb" ] || [ -r "$mdeb" ] || die "cannot read $mdeb"
[ -z "$append" ] || [ -r "$append" ] || die "cannot read $append"
[ -z "$sysroot" ] || [ -x "$sysroot/bin/busybox" ] ||
	die "no busybox in the sysroot $sysroot: run scripts/setup-host.sh"

# depmod and ldconfig live in sbin, which a user's PATH may lack.
PATH=$PATH:/usr/sbin:/sbin
busybox=$(command -v busybox) || die "busybox missing: apt-get install busybox-static"
! ldd "$busybox" >/dev/null 2>&1 || die "$busybox is dynamic: apt-get install busybox-static"

root=$(mktemp -d "${TMPDIR:-/tmp}/memstat-initramfs.XXXXXX")
trap 'rm -rf "$root"' EXIT

mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,proc,sys,dev,tmp,mnt,run,etc,root}
if [ -n "$sysroot" ]; then
	cp "$sysroot/bin/busybox" "$root/bin/busybox"
else
	cp "$busybox" "$root/bin/busybox"
fi
# The sysroot's busybox cannot run here: the host's, of the same Debian
# release, lists the applets.
"$busybox" --list-full | while read -r applet; do
	[ -e "$root/$applet" ] || ln -s /bin/busybox "$root/$applet"
done
printf '%s\n' 'root:x:0:0:root:/root:/bin/sh' \
	'nobody:x:65534:65534:nobody:/nonexistent:/bin/false' > "$root/etc/passwd"
printf '%s\n' 'root:x:0:' 'nogroup:x:65534:' > "$root/etc/group"
ln -s /proc/mounts "$root/etc/mtab"

# sysroot_libs FILE: the shared libraries FILE needs, and theirs, as
# paths in the sysroot (the loader is one of them).
sysroot_libs() {
	local queue=("$1") seen=' ' f lib d

	# The loader by the path the executable names, a link in Debian.
	readelf -l "$1" | sed -n 's/.*program interpreter: \(.*\)]$/\1/p'
	while [ ${#queue[@]} -gt 0 ]; do
		f=${queue[0]}
		queue=("${queue[@]:1}")
		for lib in $(readelf -d "$f" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'); do
			[[ $seen != *" $lib "* ]] || continue
			seen+="$lib "
			for d in "$sysroot"/lib/*-linux-gnu "$sysroot"/usr/lib/*-linux-gnu \
				 "$sysroot"/lib; do
				[ -e "$d/$lib" ] || continue
				echo "${d#"$sysroot"}/$lib"
				queue+=("$d/$lib")
				continue 2
			done
			die "${f##*/} needs $lib, which is not in $sysroot"
		done
	done
}

# The payload, and the libraries (and loader) its dynamic executables use.
mkdir -p "$root/memstat"
cp -R --preserve=mode,links "$payload/." "$root/memstat/"
find "$root/memstat" -type f -perm -u+x | LC_ALL=C sort | while read -r f; do
	[ "$(od -An -tx1 -N4 "$f" | tr -d ' ')" = 7f454c46 ] || continue
	if [ -n "$sysroot" ]; then
		sysroot_libs "$f"
		continue
	fi
	libs=$(ldd "$f" 2>/dev/null) || continue	# static or not for this host
	! grep -q 'not found' <<< "$libs" || die "${f#"$root"/memstat/}: $(grep 'not found' <<< "$libs")"
	awk '{ for (i = 1; i <= NF; i++) if ($i ~ /^\//) print $i }' <<< "$libs"
done | LC_ALL=C sort -u > "$root/.libs"
while read -r lib; do
	mkdir -p "$root$(dirname "$lib")"
	cp -L "$sysroot$lib" "$root$lib"
done < "$root/.libs"
# The sysroot's libraries are in its loader's default directories.
if [ -s "$root/.libs" ] && [ -z "$sysroot" ]; then
	# A cache, so libraries found outside the loader's default dirs load too.
	grep -v '/ld-linux' "$root/.libs" | xargs -rn1 dirname | sort -u > "$root/etc/ld.so.conf"
	ldconfig -r "$root" 2>/dev/null ||
		log "warning: ldconfig -r failed; only default library dirs will work"
fi
rm -f "$root/.libs"

# module_tree DEB KABI: the deb's /lib/modules/KABI with a modules.dep
# (the deb ships none: its postinst runs depmod), unpacked once and cached.
module_tree() {
	local dir
	dir=$MEMSTAT_CACHE/modules/$(basename "$1" .deb)-$(content_hash < "$1")
	if [ ! -s "$dir/lib/modules/$2/modules.dep" ]; then
		rm -rf "$dir.tmp"
		mkdir -p "$dir.tmp"
		dpkg-deb --fsys-tarfile "$1" | tar -x -C "$dir.tmp" "./lib/modules/$2" ||
			die "no lib/modules/$2 in $1"
		depmod -b "$dir.tmp" "$2" || die "depmod on $1 failed"
		rm -rf "$dir"
		mv "$dir.tmp" "$dir"
	fi
	echo "$dir/lib/modules/$2"
}

# The dependency closure, as files relative to TREE, of the modules named.
# Names missing from modules.dep are reported unless built in.
module_files() {
	local tree=$1
	shift
	awk -v want="$*" '
	function name(f) { sub(/.*\//, "", f); sub(/\.ko.*/, "", f); gsub(/-/, "_", f); return f }
	FILENAME ~ /modules\.builtin$/ { builtin[name($1)] = 1; next }
	{ sub(/:$/, "", $1); file[name($1)] = $1; deps[$1] = $0 }
	END {
		n = split(want, w, " ")
		for (i = 1; i <= n; i++) {
			m = w[i]; gsub(/-/, "_", m)
			if (m in file) queue[++q] = file[m]
			else if (!(m in builtin)) print "missing " m > "/dev/stderr"
		}
		for (i = 1; i <= q; i++) {
			if (queue[i] in seen) continue
			seen[queue[i]] = 1
			print queue[i]
			k = split(deps[queue[i]], d, " ")
			for (j = 2; j <= k; j++) queue[++q] = d[j]
		}
	}' "$tree/modules.builtin" "$tree/modules.dep"
}

if [ -n "$mdeb" ]; then
	tree=$(module_tree "$mdeb" "$kabi")
	mdir=$root/lib/modules/$kabi
	mkdir -p "$mdir"
	# zram's default compressor (lzo-rle) is built in; ext4 asks for crc32c.
	module_files "$tree" zram zsmalloc ext4 jbd2 mbcache crc16 \
		crc32c_generic crc32c_intel libcrc32c virtio_pci virtio_blk \
		2> "$root/.missing" |
		(cd "$tree" && cpio --quiet -pd "$mdir")
	[ ! -s "$root/.missing" ] ||
		log "warning: not in $(basename "$mdeb"): $(tr '\n' ' ' < "$root/.missing")"
	rm -f "$root/.missing"
	for f in modules.order modules.builtin modules.builtin.modinfo; do
		[ ! -e "$tree/$f" ] || cp "$tree/$f" "$mdir/"
	done
	# modules.dep, .alias and .symbols for just the modules we carry.
	depmod -b "$root" "$kabi" || die "depmod on the initramfs failed"
fi

cat > "$root/init" <<'INIT'
#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# memstat VM init: kernel filesystems, swap and a disk on zram, then
# /memstat/vm-main.sh; setup problems are warnings, the run goes on.
export PATH=/sbin:/bin:/usr/sbin:/usr/bin HOME=/root TERM=dumb
# The firmware's last console line may lack its end: start a fresh one.
echo
warn() { echo "MEMSTAT-VM: warning: $*"; }
mnt() { mkdir -p "$2" && mount -t "$1" "$1" "$2" || warn "cannot mount $1 on $2"; }
for m in proc:/proc sysfs:/sys devtmpfs:/dev tmpfs:/tmp tmpfs:/run \
	 tmpfs:/dev/shm devpts:/dev/pts tracefs:/sys/kernel/tracing \
	 debugfs:/sys/kernel/debug cgroup2:/sys/fs/cgroup; do
	mnt "${m%%:*}" "${m#*:}"
done

# zram is a module on Debian, built in (one device to start with) on the
# patched kernel.
modprobe zram num_devices=2 2>/dev/null
[ -e /sys/block/zram0 ] || warn "no zram device"
[ ! -e /sys/block/zram0 ] || [ -e /sys/block/zram1 ] ||
	cat /sys/class/zram-control/hot_add >/dev/null 2>&1
zram() { [ -e "/sys/block/$1" ] && echo "$2" > "/sys/block/$1/disksize"; }
zram zram0 256M && mkswap /dev/zram0 >/dev/null 2>&1 && swapon /dev/zram0 ||
	warn "no swap on zram0"

# The slow disk (vmtest.sh): a virtio disk with throttled writes.
modprobe -a virtio_pci virtio_blk 2>/dev/null
[ -b /dev/vda ] || warn "no slow disk /dev/vda"

# A block-backed filesystem for the page-cache (Dirty/Writeback) tests;
# 4k blocks, as zram's logical block size is 4k.
modprobe ext4 2>/dev/null
mkdir -p /mnt/disk
if zram zram1 256M && mke2fs -F -b 4096 /dev/zram1 >/dev/null 2>&1; then
	mount -t ext4 /dev/zram1 /mnt/disk 2>/dev/null ||
		mount -t ext2 /dev/zram1 /mnt/disk || warn "cannot mount zram1 on /mnt/disk"
else
	warn "no ext2 filesystem on zram1"
fi
mnt ramfs /mnt/ramfs

echo "MEMSTAT-VM: up $(uname -r)"
rc=0
if [ -f /memstat/vm-main.sh ]; then
	(cd /memstat && sh ./vm-main.sh < /dev/null)
	rc=$?
else
	warn "no /memstat/vm-main.sh"
fi
echo "MEMSTAT-VM: exit $rc"
sync
poweroff -f
# Should poweroff fail, init exiting panics and panic=-1 ends qemu.
INIT
chmod 755 "$root/init"

# /dev/console as a hand-written newc entry: the kernel opens it for
# init's stdio before anything is mounted, and mknod would need root.
newc() {	# newc INO MODE RDEVMAJOR RDEVMINOR NAME
	printf '070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%s\0' \
		"$1" "$2" 0 0 1 0 0 0 0 "$3" "$4" $((${#5} + 1)) 0 "$5"
	# Header and name are padded to a multiple of 4.
	head -c $(((4 - (110 + ${#5} + 1) % 4) % 4)) /dev/zero
}

# Fixed times and owners, sorted names: same inputs, same image.
find "$root" -exec touch -h -d @0 {} +
mkdir -p "$(dirname "$out")"
{
	(cd "$root" && find . -mindepth 1 | LC_ALL=C sort |
		cpio --quiet -o -H newc -R 0:0 --reproducible)
	newc 1 $((8#20600)) 5 1 dev/console	# char device, 0600
	newc 0 0 0 0 'TRAILER!!!'
} | gzip -n -6 > "$out.tmp"
[ -z "$append" ] || cat "$append" >> "$out.tmp"
mv "$out.tmp" "$out"
log "initramfs $out: $(du -h "$out" | cut -f1)"
