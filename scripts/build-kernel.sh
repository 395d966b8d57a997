#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Build the patched test kernel: the pristine Debian source plus the memstat
# series, configured as tinyconfig + scripts/memstat.config + the
# architecture's fragment (scripts/memstat-ARCH.config), the boot image
# and modules only.  The image is cached by content: source version,
# config fragments and the part of the series that changes the kernel
# itself (samples/, tools/ and Documentation/ do not), so editing a tool
# never rebuilds the kernel.
#
# Usage: build-kernel.sh     prints the patched tree and bzImage paths as
#                            PATCHED_TREE=... and PATCHED_KERNEL=...
#        build-kernel.sh --base
#                            the same kernel without the series' kernel
#                            changes (only samples/, tools/, Documentation/),
#                            for benchmarks: BASE_TREE=... BASE_KERNEL=...
#        build-kernel.sh --arm64
#                            the patched kernel cross-built for arm64 with
#                            64 KiB pages, in a tree of its own:
#                            ARM64_TREE=... ARM64_KERNEL=... (an Image)
set -euo pipefail
. "$(dirname "$0")/common.sh"

variant=patched
case ${1:-} in
--base) variant=base ;;
--arm64) variant=arm64 ;;
esac
arch=x86_64 image=arch/x86/boot/bzImage target=bzImage cross=()
if [ $variant = arm64 ]; then
	arch=arm64 image=arch/arm64/boot/Image target=Image
	cross=(ARCH=arm64 CROSS_COMPILE=aarch64-linux-gnu-)
fi
load_vars "$MEMSTAT_TOP/scripts/fetch-kernel.sh"
tree=$MEMSTAT_CACHE/trees/$variant-$KVER
series=${MEMSTAT_SERIES:-$(series_view linux-5.10)}
if [ $variant = base ]; then
	# The series minus every patch that touches the kernel itself.
	only=$(mktemp -d)
	for p in "$series"/0*.patch; do
		awk '/^diff --git / { print substr($3, 3) }' "$p" |
			grep -q -v -E '^(samples|tools|Documentation)/' || cp "$p" "$only/"
	done
	series=$only
fi
"$MEMSTAT_TOP/scripts/apply-series.sh" "$tree" "$series" >/dev/null
fragment=$(mktemp)
trap 'rm -rf "${only:-}" "$fragment"' EXIT
cat "$MEMSTAT_TOP/scripts/memstat.config" "$MEMSTAT_TOP/scripts/memstat-$arch.config" > "$fragment"

key=$( { echo "$KVER $arch"; cat "$fragment"
	 git -C "$tree" diff pristine HEAD -- . ':!samples' ':!tools' ':!Documentation'
       } | content_hash)
out=$MEMSTAT_CACHE/kernels/$key
if [ ! -f "$out/$target" ]; then
	cd "$tree"
	if [ ! -f .memstat-config ] || ! cmp -s .memstat-config "$fragment"; then
		log "configuring the $variant kernel (tinyconfig + memstat.config + memstat-$arch.config)"
		make -s "${cross[@]}" tinyconfig >/dev/null
		scripts/kconfig/merge_config.sh -m -O . .config "$fragment" \
			> .memstat-merge.log 2>&1 || die "merge_config failed: see $tree/.memstat-merge.log"
		make -s "${cross[@]}" olddefconfig
		# Every option of the fragment must have survived olddefconfig.
		missing=$(grep '^CONFIG_' "$fragment" | while IFS= read -r line; do
			grep -qx -- "$line" .config || echo "$line"; done)
		[ -z "$missing" ] || die "config options not accepted: $missing"
		cp "$fragment" .memstat-config
	fi
	log "building the $variant kernel $key (about 6 minutes on 2 cores)"
	# "modules" also writes Module.symvers, which out-of-tree modules
	# (the selftests' test module) are built against.
	make -s "${cross[@]}" -j"$MEMSTAT_JOBS" $target modules >/dev/null ||
		die "$variant kernel build failed in $tree"
	make -s "${cross[@]}" headers_install >/dev/null
	mkdir -p "$out.tmp"
	cp $image .config "$out.tmp/"
	rm -rf "$out"
	mv "$out.tmp" "$out"
fi
# A tree built before Module.symvers was made here (benchmarks build no
# modules for the base kernel).
if [ $variant != base ] && [ ! -f "$tree/Module.symvers" ]; then
	make -C "$tree" -s "${cross[@]}" -j"$MEMSTAT_JOBS" modules >/dev/null ||
		die "make modules failed in $tree"
fi
prefix=$(echo $variant | tr a-z A-Z)
printf '%s_TREE=%q\n%s_KERNEL=%q\n' "$prefix" "$tree" "$prefix" "$out/$target"
