#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# sysstat against /proc/meminfo: every field, idle and with page-cache,
# anon, dirty and shmem load in place, system wide and for node 0.
#
# sysstat's own pages (its binary, libraries, heap) count in meminfo while
# it runs, so meminfo must be read while it is alive: "memstat_workload
# bracket" runs `sysstat -j -N 1 3` and reads /proc/meminfo right after each
# report, without starting any process.  Report k was taken between
# readings k-1 and k; its values must lie between them, widened by 1 % or
# 2 pages, whichever is larger.  Reports 2 and 3 are checked.
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
# Node meminfo has no MemAvailable, KReclaimable or NFS_Unstable.
node_fields="total:MemTotal free:MemFree active:Active inactive:Inactive
anon_active:Active(anon) anon_inactive:Inactive(anon) file_active:Active(file)
file_inactive:Inactive(file) unevictable:Unevictable dirty:Dirty
writeback:Writeback anonpages:AnonPages mapped:Mapped shmem:Shmem slab:Slab
sreclaimable:SReclaimable sunreclaim:SUnreclaim writebacktmp:WritebackTmp
anonhugepages:AnonHugePages shmemhugepages:ShmemHugePages"

have_nodes=0
[ -r /sys/devices/system/node/node0/meminfo ] && have_nodes=1
tap_plan 12

# fields_bracketed RECORD BEFORE AFTER FIELDS LABEL: mismatching keys on stdout
fields_bracketed() {
	for f in $4; do
		key=${f%%:*} name=${f##*:}
		v=$(echo "$1" | json_num "${key}_kb")
		b=$(meminfo_kb "$2" "$name")
		a=$(meminfo_kb "$3" "$name")
		if [ -z "$v" ] || [ -z "$b" ] || ! bracketed "$v" "$b" "$a"; then
			echo "$key"
			echo "# $5: $key=$v kB, meminfo $name $b..$a kB" >&2
		else
			# Distance to the reading just after it, for the summary.
			echo "$6$key $((v > a ? v - a : a - v)) $a" >> "$tmp/dev"
		fi
	done
}

# compare LABEL: sysstat reports 2 and 3 against the meminfo around them.
compare() {
	rm -f "$tmp"/report.* "$tmp"/meminfo.* "$tmp"/node.*
	memstat_workload bracket "$tmp" sysstat -j -N 1 3 2> "$tmp/err"
	rc=$?
	bad="" nbad=""
	for k in 2 3; do
		line=$(grep '"type":"system"' "$tmp/report.$k" 2>/dev/null)
		bad="$bad$(fields_bracketed "$line" "$tmp/meminfo.$((k - 1))" \
			"$tmp/meminfo.$k" "$fields" "$1, report $k" "")"
		[ $have_nodes -eq 1 ] || continue
		# Node files read "Node 0 MemFree: 123 kB".
		for i in $((k - 1)) $k; do
			awk '{ print $3, $4 }' "$tmp/node.$i" > "$tmp/nodekb.$i"
		done
		line=$(grep '"type":"node","node":0,' "$tmp/report.$k" 2>/dev/null)
		nbad="$nbad$(fields_bracketed "$line" "$tmp/nodekb.$((k - 1))" \
			"$tmp/nodekb.$k" "$node_fields" "$1, node 0, report $k" node0.)"
	done
	line=$(grep '"type":"system"' "$tmp/report.3" 2>/dev/null)
	for key in dirty writeback anonpages shmem file_inactive file_active; do
		printf '%s=%s ' $key "$(echo "$line" | json_num ${key}_kb)"
	done > "$tmp/load"
	diag "$1: $(cat "$tmp/load")(kB)"
	[ $rc -eq 0 ] || diag "$1: sysstat failed: $(cat "$tmp/err")"
	bad=$(echo $bad) nbad=$(echo $nbad)
	check "sysstat: all fields match /proc/meminfo ($1)${bad:+, wrong: $bad}" \
		$rc -eq 0 -a -z "$bad" -a -s "$tmp/report.3"
	if [ $have_nodes -eq 1 ]; then
		check "sysstat: node 0 matches its meminfo ($1)${nbad:+, wrong: $nbad}" \
			$rc -eq 0 -a -z "$nbad" -a -s "$tmp/report.3"
	else
		skip "sysstat: node 0 ($1): no NUMA node files (CONFIG_NUMA off)"
	fi
}

compare idle
idle_shmem=$(grep -h '"type":"system"' "$tmp/report.3" | json_num shmem_kb)

dd if=/dev/zero of=$disk/pagecache bs=1M count=64 2>/dev/null
sync
cat $disk/pagecache > /dev/null
compare "page-cache load"

memstat_workload hold --anon-kb 131072 > "$tmp/wl" &
wpid=$!
i=0
while ! grep -q '^ready' "$tmp/wl" && [ $i -lt 1200 ]; do sleep 0.1; i=$((i + 1)); done
compare "anon load"
kill -TERM $wpid
wait $wpid

# 48 MiB stays dirty for dirty_expire_centisecs (30 s): it is below the
# background writeback threshold of this 2 GiB machine, so the counters
# hold still while they are compared.
dd if=/dev/zero of=$disk/dirty bs=1M count=48 2>/dev/null
compare "dirty load"
dirty=$(grep -h '"type":"system"' "$tmp/report.3" | json_num dirty_kb)

dd if=/dev/zero of=/dev/shm/sysstat_test bs=1M count=64 2>/dev/null ||
	dd if=/dev/zero of=$tmp/shm bs=1M count=64 2>/dev/null
compare "shmem load"
shmem=$(grep -h '"type":"system"' "$tmp/report.3" | json_num shmem_kb)
rm -f /dev/shm/sysstat_test $disk/pagecache $disk/dirty

# The loads must have shown up, or the comparisons above prove little.
check "sysstat: dirty load seen (${dirty:-?} kB dirty)" "${dirty:-0}" -gt 40000
check "sysstat: shmem load seen (${idle_shmem:-?} -> ${shmem:-?} kB)" \
	"${shmem:-0}" -ge $((${idle_shmem:-0} + 60000))
# Accuracy per field: largest distance to the meminfo read right after.
awk '{ if (!($1 in max) || $2 > max[$1]) { max[$1] = $2; of[$1] = $3 } }
     END { for (k in max) printf "# accuracy %s: max %d kB off (of %d kB)\n",
	   k, max[k], of[k] }' "$tmp/dev" | sort
rm -rf "$tmp"
tap_exit
