#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# A quick compile check without booting: build the tools, the front-end
# and the selftests of this work tree against the stock Debian config, in
# a tree of its own ($MEMSTAT_CACHE/dev/<work tree name>, prepared once).
# Prints the compiler's diagnostics; exits non-zero on any.  The binaries
# are left in that tree's samples/bpf.  `run-vm.sh test` is the real check.
# Usage: dev-build.sh [TOOL...]   (default: every tool)
set -euo pipefail
. "$(dirname "$0")/common.sh"

load_vars "$MEMSTAT_TOP/scripts/fetch-kernel.sh"
pristine=$("$MEMSTAT_TOP/scripts/prepare-tree.sh")
dir=$MEMSTAT_CACHE/dev/$(basename "$MEMSTAT_TOP")
series=$MEMSTAT_CACHE/dev/$(basename "$MEMSTAT_TOP").series
mkdir -p "$MEMSTAT_CACHE/dev"
"$MEMSTAT_TOP/scripts/mkpatches.sh" --out "$series" > /dev/null
"$MEMSTAT_TOP/scripts/apply-series.sh" "$dir" "$series/linux-5.10" > /dev/null
if [ ! -f "$dir/.memstat-prepared" ]; then
	log "preparing $dir (once)"
	cp "$pristine/.config" "$dir/.config"
	make -C "$dir" -s olddefconfig
	make -C "$dir" -s -j"$MEMSTAT_JOBS" prepare > /dev/null
	make -C "$dir" -s headers_install > /dev/null
	touch "$dir/.memstat-prepared"
fi
log=$dir.build.log
{
	make -C "$dir" -j"$MEMSTAT_JOBS" M=samples/bpf MEMSTAT_ONLY=1 \
		${1:+MEMSTAT_TOOLS="$*"} &&
	make -C "$dir/tools/testing/selftests/memstat"
} > "$log" 2>&1 || { tail -n 40 "$log"; exit 1; }
if grep -E '(warning|error):' "$log"; then
	exit 1
fi
log "built in $dir/samples/bpf"
