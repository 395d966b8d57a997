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
	  qemu-system-x86 busybox-static
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
qemu_dir=$MEMSTAT_CACHE/qemu
if [ ! -x "$qemu_dir/usr/bin/qemu-system-x86_64" ]; then
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
		qemu-system-x86/bookworm-backports qemu-system-data/bookworm-backports \
		seabios/bookworm-backports >&2) ||
		die "cannot download qemu-system-x86 from bookworm-backports"
	rm -rf "$qemu_dir.tmp"
	for deb in "$apt_dir"/debs/*.deb; do
		dpkg-deb -x "$deb" "$qemu_dir.tmp"
	done
	missing=$(ldd "$qemu_dir.tmp/usr/bin/qemu-system-x86_64" | awk '/not found/ { print $1 }')
	[ -z "$missing" ] || die "backported qemu needs libraries not installed: $missing"
	"$qemu_dir.tmp/usr/bin/qemu-system-x86_64" --version > /dev/null ||
		die "the backported qemu in $qemu_dir.tmp does not run"
	rm -rf "$qemu_dir"
	mv "$qemu_dir.tmp" "$qemu_dir"
fi
