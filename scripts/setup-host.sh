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
	  debian-archive-keyring rpm)

missing=()
for p in "${packages[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
		missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
[ "$(id -u)" -eq 0 ] || die "missing packages ${missing[*]}: run as root (sudo $0)"
log "installing ${missing[*]}"
apt-get update -q >&2
DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
	"${missing[@]}" >&2
