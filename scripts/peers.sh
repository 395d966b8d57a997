#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The peers the benchmarks set beside memstat's tools, as Debian packages
# them: libbpf-tools' drsnoop and oomkill, and bpftrace with its
# oomkill.bt and swapin.bt.  The packages are downloaded and unpacked, not
# installed (libbpf-tools' oomkill would shadow memstat's on the host).
# Lays out a gzipped cpio to append to a VM's initramfs:
#
#   /memstat/peers/bin    drsnoop, oomkill, bpftrace
#   /memstat/peers/share  oomkill.bt, swapin.bt
#   /memstat/peers/lib    every library they need but the loader
#                         (bpftrace's LLVM and clang: about 200 MiB)
#   /usr/include          linux, asm, asm-generic: the user API headers
#                         bpftrace's clang parser includes (the host's,
#                         linux-libc-dev)
#
# The libraries are the host's (Debian 12: clang's libllvm14 and
# libclang1-14, which setup-host.sh installs) and libbpfcc's
# libbcc_bpf, from its package.  Cached under $MEMSTAT_CACHE/peers by the
# packages' and this script's content; prints the cpio's path.
#
# Usage: peers.sh
set -euo pipefail
. "$(dirname "$0")/common.sh"

[ $# -eq 0 ] || { sed -n '/^# Usage:/s/^# //p' "$0" >&2; exit 2; }

debs=$MEMSTAT_CACHE/debs
mkdir -p "$debs"
files=()
for p in libbpf-tools bpftrace libbpfcc; do
	f=$(ls "$debs/${p}_"*.deb 2> /dev/null | tail -n 1 || true)
	if [ -z "$f" ]; then
		log "downloading $p (a benchmark peer)"
		(cd "$debs" && apt-get download -qq "$p" >&2) ||
			{ apt-get update -q >&2 &&
			  (cd "$debs" && apt-get download -qq "$p" >&2); } ||
			die "cannot download Debian's $p package: check apt's sources"
		f=$(ls "$debs/${p}_"*.deb | tail -n 1)
	fi
	files+=("$f")
done

dir=$MEMSTAT_CACHE/peers/$(cat "${files[@]}" "$0" | content_hash)
if [ ! -s "$dir/peers.cpio.gz" ]; then
	rm -rf "$dir.tmp"
	x=$dir.tmp/x r=$dir.tmp/tree/memstat/peers
	mkdir -p "$x" "$r/bin" "$r/share" "$r/lib"
	for f in "${files[@]}"; do
		dpkg-deb -x "$f" "$x"
	done
	cp "$x/usr/sbin/drsnoop" "$x/usr/sbin/oomkill" "$x/usr/bin/bpftrace" "$r/bin/"
	cp "$x/usr/sbin/oomkill.bt" "$x/usr/sbin/swapin.bt" "$r/share/"
	inc=$dir.tmp/tree/usr/include
	mkdir -p "$inc"
	[ -r /usr/include/linux/types.h ] ||
		die "no /usr/include/linux/types.h: apt-get install linux-libc-dev"
	cp -R /usr/include/linux /usr/include/asm-generic "$inc/"
	cp -R "/usr/include/$(gcc -print-multiarch)/asm" "$inc/asm"
	path=$(find "$x" -name '*.so*' -printf '%h\n' | sort -u | paste -sd:)
	libs=$(LD_LIBRARY_PATH=$path ldd "$r"/bin/*) || die "ldd on the peers failed"
	! grep -q 'not found' <<< "$libs" ||
		die "the peers need libraries missing here: $(grep 'not found' <<< "$libs" |
			awk '{ print $1 }' | sort -u | tr '\n' ' ')(run setup-host.sh)"
	awk '$2 == "=>" && $3 ~ /^\// { print $3 }' <<< "$libs" | sort -u |
		while read -r lib; do
			cp -L "$lib" "$r/lib/"
		done
	# Same inputs, same archive: fixed times and owners, sorted names.
	find "$dir.tmp/tree" -exec touch -h -d @0 {} +
	(cd "$dir.tmp/tree" && find . -mindepth 1 | LC_ALL=C sort |
		cpio --quiet -o -H newc -R 0:0 --reproducible) |
		gzip -n -6 > "$dir.tmp/peers.cpio.gz"
	rm -rf "$dir" "$x" "$dir.tmp/tree"
	mv "$dir.tmp" "$dir"
	log "peers $dir/peers.cpio.gz: $(du -h "$dir/peers.cpio.gz" | cut -f1)"
fi
echo "$dir/peers.cpio.gz"
