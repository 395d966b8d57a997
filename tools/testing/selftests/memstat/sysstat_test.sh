#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# sysstat against /proc/meminfo: every field, idle and under page-cache,
# anon, dirty and shmem load.  meminfo is read just before and just after
# sysstat; sysstat's value must lie between the two readings, widened by
# 1 % or 2 pages (whichever is larger), so counters that move under load
# are still compared at the same moment.
. "$(dirname "$0")/lib.sh"

[ "$(id -u)" -eq 0 ] || { echo "1..0 # SKIP needs root"; exit $ksft_skip; }
tmp=${TMPDIR:-/tmp}/sysstat_test.$$
mkdir -p "$tmp"
disk=/mnt/disk
grep -q " $disk " /proc/mounts || disk=$tmp

fields="total:MemTotal free:MemFree available:MemAvailable active:Active
inactive:Inactive anon_active:Active(anon) anon_inactive:Inactive(anon)
file_active:Active(file) file_inactive:Inactive(file) unevictable:Unevictable
dirty:Dirty writeback:Writeback anonpages:AnonPages mapped:Mapped
shmem:Shmem kreclaimable:KReclaimable slab:Slab sreclaimable:SReclaimable
sunreclaim:SUnreclaim nfs_unstable:NFS_Unstable writebacktmp:WritebackTmp
anonhugepages:AnonHugePages shmemhugepages:ShmemHugePages"

tap_plan 7

# compare LABEL: one sysstat run bracketed by two meminfo reads.
compare() {
	cat /proc/meminfo > "$tmp/before"
	sysstat -j > "$tmp/sys" 2> "$tmp/err"
	rc=$?
	cat /proc/meminfo > "$tmp/after"
	line=$(grep '"type":"system"' "$tmp/sys")
	bad="" n=0
	for f in $fields; do
		key=${f%%:*} name=${f##*:}
		v=$(echo "$line" | json_num "${key}_kb")
		b=$(meminfo_kb "$tmp/before" "$name")
		a=$(meminfo_kb "$tmp/after" "$name")
		n=$((n + 1))
		if [ -z "$v" ] || [ -z "$b" ] || ! bracketed "$v" "$b" "$a"; then
			bad="$bad $key"
			diag "$1: $key=$v kB, meminfo $name $b..$a kB"
		fi
	done
	for key in dirty writeback anonpages shmem file_inactive file_active; do
		printf '%s=%s ' $key "$(echo "$line" | json_num ${key}_kb)"
	done > "$tmp/load"
	diag "$1: $(cat "$tmp/load")(kB)"
	[ $rc -eq 0 ] || diag "$1: sysstat failed: $(cat "$tmp/err")"
	check "sysstat: $n fields match /proc/meminfo ($1)${bad:+, wrong:$bad}" \
		$rc -eq 0 -a -z "$bad"
}

compare idle

dd if=/dev/zero of=$disk/pagecache bs=1M count=64 2>/dev/null
sync
cat $disk/pagecache > /dev/null
compare "page-cache load"

memstat_workload hold --anon-kb 131072 > "$tmp/wl" &
wpid=$!
i=0
while ! grep -q '^ready' "$tmp/wl" && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
compare "anon load"
kill -TERM $wpid
wait $wpid

dd if=/dev/zero of=$disk/dirty bs=1M count=128 2>/dev/null &
dpid=$!
sleep 1
compare "dirty load"
compare "dirty load, second sample"
wait $dpid

dd if=/dev/zero of=/dev/shm/sysstat_test bs=1M count=64 2>/dev/null ||
	dd if=/dev/zero of=$tmp/shm bs=1M count=64 2>/dev/null
compare "shmem load"
rm -f /dev/shm/sysstat_test $disk/pagecache $disk/dirty

# Per node (NUMA kernels): node rows against the node's own meminfo.
nm=/sys/devices/system/node/node0/meminfo
if [ -r $nm ]; then
	awk '{ print $3, $4 }' $nm > "$tmp/node_before"
	sysstat -j -N > "$tmp/sys"
	awk '{ print $3, $4 }' $nm > "$tmp/node_after"
	line=$(grep '"type":"node","node":0,' "$tmp/sys")
	bad=""
	for f in total:MemTotal free:MemFree active:Active inactive:Inactive \
		 file_active:Active(file) anonpages:AnonPages shmem:Shmem \
		 dirty:Dirty slab:Slab; do
		key=${f%%:*} name=${f##*:}
		v=$(echo "$line" | json_num "${key}_kb")
		b=$(meminfo_kb "$tmp/node_before" "$name")
		a=$(meminfo_kb "$tmp/node_after" "$name")
		if [ -z "$v" ] || [ -z "$b" ] || ! bracketed "$v" "$b" "$a"; then
			bad="$bad $key"
			diag "node0: $key=$v kB, node meminfo $name $b..$a kB"
		fi
	done
	check "sysstat: node 0 matches $nm${bad:+, wrong:$bad}" -n "$line" -a -z "$bad"
else
	skip "sysstat: per-node check: no NUMA node files (CONFIG_NUMA off)"
fi
rm -rf "$tmp"
tap_exit
