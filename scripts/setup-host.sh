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
