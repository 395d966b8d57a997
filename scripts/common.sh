# SPDX-License-Identifier: GPL-2.0
# Shared settings for the memstat scripts: cache layout, logging, helpers.
# Sourced, never run.

MEMSTAT_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
MEMSTAT_CACHE=${MEMSTAT_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/memstat}
# Debian suite that carries the 5.10 LTS kernel we build and test against.
MEMSTAT_SUITE=${MEMSTAT_SUITE:-bullseye-security}
MEMSTAT_JOBS=${MEMSTAT_JOBS:-$(nproc)}

log() { printf '[memstat %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { printf 'memstat: %s\n' "$*" >&2; exit 1; }

# load_vars CMD...: run a script that prints NAME=value lines and set them;
# a failing script stops the caller (plain eval "$(cmd)" would hide it).
load_vars() {
	local out
	out=$("$@") || die "$(basename "$1") failed"
	eval "$out"
}

# series_view TARGET: a directory with the whole stored series for TARGET
# (linux-5.10 or OLK-5.10): its kernel patch and the common ones.
series_view() {
	local d
	d=$(mktemp -d "${TMPDIR:-/tmp}/memstat-series.XXXXXX")
	cp "$MEMSTAT_TOP/patches/$1"/0*.patch "$MEMSTAT_TOP/patches/common"/0*.patch "$d/"
	echo "$d"
}

# Print a short content hash of stdin.
content_hash() { sha256sum | cut -c1-16; }

# Run "$@" and report how long it took, as one "phase" line.
phase() {
	local name=$1 start=$SECONDS rc
	shift
	"$@"
	rc=$?
	printf 'phase %-24s %4ds%s\n' "$name" $((SECONDS - start)) \
		"$([ $rc -eq 0 ] || echo " (failed: $rc)")" >&2
	return $rc
}
