#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Build the pristine Debian 5.10 tree that the series applies to and that the
# tools for the stock Debian kernel are built against:
# extract linux-source-5.10, commit it (fixed identity and dates, so the
# commit id and hence patches/ are reproducible), then configure it with the
# stock image's /boot/config and run prepare, modules_prepare and
# headers_install.  Generated files stay untracked, so `git am` works.
# Out-of-tree modules built against it load in the stock kernel: it gets
# Debian's Module.symvers and release name (module_setup).
#
# Usage: prepare-tree.sh        prints the tree's path on stdout
set -euo pipefail
. "$(dirname "$0")/common.sh"

load_vars "$MEMSTAT_TOP/scripts/fetch-kernel.sh" --headers
tree=$MEMSTAT_CACHE/trees/debian-$KVER

# For out-of-tree modules (the selftests' test module): Debian's
# Module.symvers, whose modversions CRCs the stock kernel checks, and
# Debian's release name for vermagic.  Debian's Makefile reads an override
# of KERNELRELEASE from .kernelvariables, as in its linux-headers package:
# include/generated/utsrelease.h then says 5.10.0-NN-amd64, while
# include/config/kernel.release keeps the upstream name, which only the
# Makefile reads, as KERNELRELEASE's default.  Done once per tree, trees
# prepared before this step included.
module_setup() {
	[ "$(cat "$tree/.memstat-modules" 2>/dev/null)" = "$KABI" ] && return
	log "setting up $tree for modules of the stock $KABI kernel"
	dpkg-deb --fsys-tarfile "$HEADERS_DEB" |
		tar -xO "./usr/src/linux-headers-$KABI/Module.symvers" > "$tree/Module.symvers" ||
		die "no Module.symvers for $KABI in $(basename "$HEADERS_DEB")"
	echo "override KERNELRELEASE = $KABI" > "$tree/.kernelvariables"
	make -C "$tree" -s prepare >/dev/null
	grep -qx "#define UTS_RELEASE \"$KABI\"" "$tree/include/generated/utsrelease.h" ||
		die "$tree: UTS_RELEASE is not $KABI after make prepare"
	echo "$KABI" > "$tree/.memstat-modules"
}

if [ -f "$tree/.memstat-prepared" ]; then
	module_setup
	echo "$tree"
	exit 0
fi

log "extracting linux-source $KVER into $tree"
rm -rf "$tree" "$tree.tmp"
mkdir -p "$tree.tmp"
dpkg-deb --fsys-tarfile "$SRC_DEB" |
	tar -xO --wildcards './usr/src/linux-source-5.10.tar.xz' |
	tar -xJ -C "$tree.tmp" --strip-components=1
mv "$tree.tmp" "$tree"

cd "$tree"
export GIT_AUTHOR_NAME=memstat GIT_AUTHOR_EMAIL=memstat@localhost
export GIT_COMMITTER_NAME=memstat GIT_COMMITTER_EMAIL=memstat@localhost
export GIT_AUTHOR_DATE='2000-01-01T00:00:00Z' GIT_COMMITTER_DATE='2000-01-01T00:00:00Z'
git init -q -b pristine .
git config core.autocrlf false
git config gc.auto 0
# Debian's .gitignore ignores every top-level path: force-add the source.
git add -f -A .
git commit -q -m "Linux $KVER (Debian linux-source-5.10)"

log "configuring with the stock $KABI config"
dpkg-deb --fsys-tarfile "$IMAGE_DEB" | tar -xO "./boot/config-$KABI" > .config
# Debian signs modules with a key we do not have: keep module builds working.
scripts/config --set-str SYSTEM_TRUSTED_KEYS '' --set-str MODULE_SIG_KEY 'certs/signing_key.pem' \
	--disable MODULE_SIG_ALL
make -s olddefconfig
make -s -j"$MEMSTAT_JOBS" prepare modules_prepare >/dev/null
make -s headers_install >/dev/null
touch .memstat-prepared
module_setup
echo "$tree"
