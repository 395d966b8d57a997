#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Install what building and testing memstat needs on Debian 12, as root.
# Does nothing when everything is already there.
set -euo pipefail
. "$(dirname "$0")/common.sh"

packages=(build-essential bc bison flex cpio kmod rsync xz-utils gzip
	  libelf-dev libdw-dev libssl-dev zlib1g-dev dwarves
	  clang llvm
	  qemu-system-x86 qemu-system-arm busybox-static
	  gcc-aarch64-linux-gnu binutils-aarch64-linux-gnu
	  python3 python3-ply python3-git python3-docutils git
	  debian-archive-keyring rpm libbpf-dev pkg-config)

missing=()
for p in "${packages[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
		missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	[ "$(id -u)" -eq 0 ] || die "missing packages ${missing[*]}: run as root (sudo $0)"
	log "installing ${missing[*]}"
	apt-get update -q >&2
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
		"${missing[@]}" >&2
fi

# promtool (Debian's prometheus package) checks report's OpenMetrics
# text.  Only the one binary, unpacked into the cache: installing the
# package would set up a Prometheus server.
promtool=$MEMSTAT_CACHE/promtool/promtool
if [ ! -x "$promtool" ]; then
	mkdir -p "$MEMSTAT_CACHE/debs" "$MEMSTAT_CACHE/promtool"
	deb=$(ls "$MEMSTAT_CACHE"/debs/prometheus_*.deb 2>/dev/null | tail -n 1 || true)
	if [ -z "$deb" ]; then
		log "downloading prometheus (for promtool)"
		(cd "$MEMSTAT_CACHE/debs" && apt-get download -qq prometheus >&2) ||
			{ apt-get update -q >&2 &&
			  (cd "$MEMSTAT_CACHE/debs" && apt-get download -qq prometheus >&2); } ||
			die "cannot download Debian's prometheus package (promtool)"
		deb=$(ls "$MEMSTAT_CACHE"/debs/prometheus_*.deb | tail -n 1)
	fi
	dpkg-deb --fsys-tarfile "$deb" | tar -xO ./usr/bin/promtool > "$promtool.tmp"
	chmod +x "$promtool.tmp"
	mv "$promtool.tmp" "$promtool"
fi

# The test VMs' qemu: 8.1 or later, from Debian 12's backports, unpacked
# into the cache beside Debian 12's qemu 7.2 (which the benchmarks keep,
# for instruction counts comparable with earlier ones).  qemu 7.2 reads a
# guest's code for translation before it locks the page, so with a host
# thread per vCPU a translation racing with the kernel's live patching
# (text_poke_bp) can keep a stale int3 for good: the stall of
# Documentation/memstat/testing.rst, "Stalls"; qemu 8.1 locks first.
# Debian's own mirror of this host, backports suite, apt state of our own.
# qemu-system-arm's qemu-system-aarch64 runs the arm64 VM.
qemu_dir=$MEMSTAT_CACHE/qemu
if [ ! -x "$qemu_dir/usr/bin/qemu-system-x86_64" ] ||
   [ ! -x "$qemu_dir/usr/bin/qemu-system-aarch64" ]; then
	apt_dir=$MEMSTAT_CACHE/apt-backports
	mkdir -p "$apt_dir/lists/partial" "$apt_dir/cache/archives/partial" "$apt_dir/debs"
	mirror=$(apt-cache policy | sed -n 's|^ *[0-9]* \([^ ]*\) bookworm/main amd64 Packages$|\1|p' |
		 head -n 1)
	[ -n "$mirror" ] || die "no Debian 12 (bookworm) mirror in apt's sources for qemu's backport"
	echo "deb $mirror bookworm-backports main" > "$apt_dir/sources.list"
	apt_opts=(-o Dir::Etc::sourcelist="$apt_dir/sources.list" -o Dir::Etc::sourceparts=-
		  -o APT::Sandbox::User=root
		  -o Dir::State::Lists="$apt_dir/lists" -o Dir::Cache="$apt_dir/cache")
	log "downloading qemu from Debian 12's backports (for the test VMs)"
	apt-get "${apt_opts[@]}" update -q >&2 ||
		die "apt-get update of bookworm-backports failed: check the network and apt's sources"
	rm -f "$apt_dir"/debs/*.deb
	(cd "$apt_dir/debs" && apt-get "${apt_opts[@]}" download -qq \
		qemu-system-x86/bookworm-backports qemu-system-arm/bookworm-backports \
		qemu-system-data/bookworm-backports seabios/bookworm-backports >&2) ||
		die "cannot download qemu-system-x86 and -arm from bookworm-backports"
	rm -rf "$qemu_dir.tmp"
	for deb in "$apt_dir"/debs/*.deb; do
		dpkg-deb -x "$deb" "$qemu_dir.tmp"
	done
	for q in x86_64 aarch64; do
		missing=$(ldd "$qemu_dir.tmp/usr/bin/qemu-system-$q" | awk '/not found/ { print $1 }')
		[ -z "$missing" ] || die "backported qemu needs libraries not installed: $missing"
		"$qemu_dir.tmp/usr/bin/qemu-system-$q" --version > /dev/null ||
			die "the backported qemu-system-$q in $qemu_dir.tmp does not run"
	done
	rm -rf "$qemu_dir"
	mv "$qemu_dir.tmp" "$qemu_dir"
fi

# The arm64 target's user space: Debian 12's arm64 packages unpacked
# into a sysroot the cross compiler links against (--sysroot) and the
# arm64 VM's initramfs takes busybox and libraries from.  Downloaded with
# a private apt configuration for arm64; the system's stay untouched.
arm64_pkgs=(libc6 libc6-dev linux-libc-dev libgcc-s1 libelf1 libelf-dev libdw1 libdw-dev
	    zlib1g zlib1g-dev libzstd1 liblzma5 libbz2-1.0 busybox-static)
sysroot=$MEMSTAT_CACHE/sysroot-arm64
if [ "$(cat "$sysroot/.packages" 2>/dev/null)" != "${arm64_pkgs[*]}" ]; then
	apt_dir=$MEMSTAT_CACHE/apt-arm64
	mkdir -p "$apt_dir/lists/partial" "$apt_dir/cache/archives/partial" "$apt_dir/debs"
	mirror=$(apt-cache policy | sed -n 's|^ *[0-9]* \([^ ]*\) bookworm/main amd64 Packages$|\1|p' |
		 head -n 1)
	[ -n "$mirror" ] || die "no Debian 12 (bookworm) mirror in apt's sources for the arm64 sysroot"
	echo "deb $mirror bookworm main" > "$apt_dir/sources.list"
	apt_opts=(-o Dir::Etc::sourcelist="$apt_dir/sources.list" -o Dir::Etc::sourceparts=-
		  -o APT::Sandbox::User=root -o APT::Architecture=arm64
		  -o APT::Architectures=arm64 -o Dir::State::status=/dev/null
		  -o Dir::State::Lists="$apt_dir/lists" -o Dir::Cache="$apt_dir/cache")
	log "downloading Debian 12's arm64 libc, libelf, libdw, zlib and busybox (arm64 sysroot)"
	apt-get "${apt_opts[@]}" update -q >&2 ||
		die "apt-get update of bookworm (arm64) failed: check the network and apt's sources"
	rm -f "$apt_dir"/debs/*.deb
	(cd "$apt_dir/debs" && apt-get "${apt_opts[@]}" download -qq \
		"${arm64_pkgs[@]}" >&2) ||
		die "cannot download the arm64 packages ${arm64_pkgs[*]}"
	rm -rf "$sysroot.tmp"
	for deb in "$apt_dir"/debs/*.deb; do
		dpkg-deb -x "$deb" "$sysroot.tmp"
	done
	# libc.so and the like name their libraries by absolute path: the
	# linker finds them under --sysroot.
	[ -x "$sysroot.tmp/bin/busybox" ] && [ -e "$sysroot.tmp/lib/ld-linux-aarch64.so.1" ] ||
		die "the arm64 packages lack busybox or the loader"
	echo "${arm64_pkgs[*]}" > "$sysroot.tmp/.packages"
	rm -rf "$sysroot"
	mv "$sysroot.tmp" "$sysroot"
fi
