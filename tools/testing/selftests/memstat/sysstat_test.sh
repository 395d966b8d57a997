#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# sysstat against /proc/meminfo: every field, idle and with page-cache,
# anon, dirty, shmem, mlocked and huge-page (THP anon and shmem) load in
# place, and while a throttled disk drains its writeback; system wide and
# for node 0 (against node0's meminfo, or on a kernel without NUMA
# against /proc/meminfo, which is then node 0's).  Each load must show in
# /proc/meminfo itself, or its comparison proves little.
#
# sysstat's own pages (its binary, libraries, heap) count in meminfo while
# it runs, so meminfo must be read while it is alive: "memstat_workload
# bracket" runs `sysstat -j -N 1 3` and reads /proc/meminfo right after each
# report, without starting any process.  Report k was taken between
# readings k-1 and k; its values must lie between them, widened by 0.1 % or
# 32 pages, whichever is larger (bracketed()).  Reports 2 and 3 are
# checked (5 and 6 of 6 under writeback).
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

have_nodes=0 node_truth="/proc/meminfo (no NUMA)"
[ -r /sys/devices/system/node/node0/meminfo ] &&
	have_nodes=1 node_truth="node0's meminfo"
tap_plan 22

# fields_bracketed RECORD BEFORE AFTER FIELDS LABEL: mismatching keys on stdout
fields_bracketed() {
	for f in $4; do
		key=${f%%:*} name=${f##*:}
		v=$(echo "$1" | json_num "${key}_kib")
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

# compare LABEL [N]: sysstat's last two reports of N (3) against the
# meminfo around them.
compare() {
	last=${2:-3}
	rm -f "$tmp"/report.* "$tmp"/meminfo.* "$tmp"/node.*
	memstat_workload bracket "$tmp" sysstat -j -N 1 "$last" 2> "$tmp/err"
	rc=$?
	bad="" nbad=""
	for k in $((last - 1)) $last; do
		line=$(grep '"type":"system"' "$tmp/report.$k" 2>/dev/null)
		bad="$bad$(fields_bracketed "$line" "$tmp/meminfo.$((k - 1))" \
			"$tmp/meminfo.$k" "$fields" "$1, report $k" "")"
		# Node files read "Node 0 MemFree: 123 kB"; without NUMA,
		# node 0 is all of /proc/meminfo.
		for i in $((k - 1)) $k; do
			if [ $have_nodes -eq 1 ]; then
				awk '{ print $3, $4 }' "$tmp/node.$i" > "$tmp/nodekb.$i"
			else
				cp "$tmp/meminfo.$i" "$tmp/nodekb.$i"
			fi
		done
		line=$(grep '"type":"node","node":0,' "$tmp/report.$k" 2>/dev/null)
		nbad="$nbad$(fields_bracketed "$line" "$tmp/nodekb.$((k - 1))" \
			"$tmp/nodekb.$k" "$node_fields" "$1, node 0, report $k" node0.)"
	done
	line=$(grep '"type":"system"' "$tmp/report.$last" 2>/dev/null)
	for key in dirty writeback anonpages shmem file_inactive file_active; do
		printf '%s=%s ' $key "$(echo "$line" | json_num ${key}_kib)"
	done > "$tmp/load"
	diag "$1: $(cat "$tmp/load")(kB)"
	[ $rc -eq 0 ] || diag "$1: sysstat failed: $(cat "$tmp/err")"
	bad=$(echo $bad) nbad=$(echo $nbad)
	check "sysstat: all fields match /proc/meminfo ($1)${bad:+, wrong: $bad}" \
		$rc -eq 0 -a -z "$bad" -a -s "$tmp/report.$last"
	check "sysstat: node 0 matches $node_truth ($1)${nbad:+, wrong: $nbad}" \
		$rc -eq 0 -a -z "$nbad" -a -s "$tmp/report.$last"
}

# seen FIELD MIN LABEL: /proc/meminfo's FIELD (kB) during the last
# comparison was at least MIN: the load was there.
seen() {
	v=$(meminfo_kb "$tmp/meminfo.$last" "$1")
	check "sysstat: $3 in /proc/meminfo ($1 ${v:-?} kB >= $2)" "${v:-0}" -ge "$2"
}

compare idle
idle_shmem=$(meminfo_kb "$tmp/meminfo.3" Shmem)

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

# 48 MiB stays dirty for dirty_expire_centisecs: it is below the
# background writeback threshold of this 2 GiB machine, so the counters
# hold still while they are compared.  The default 30 s ran out once
# before the comparison was done (stock, under three VMs: 24 MiB left
# dirty): an hour, until the file is gone.
expire=$(cat /proc/sys/vm/dirty_expire_centisecs)
echo 360000 > /proc/sys/vm/dirty_expire_centisecs
dd if=/dev/zero of=$disk/dirty bs=1M count=48 2>/dev/null
compare "dirty load"
seen Dirty 40000 "dirty load seen"

dd if=/dev/zero of=/dev/shm/sysstat_test bs=1M count=64 2>/dev/null ||
	dd if=/dev/zero of=$tmp/shm bs=1M count=64 2>/dev/null
compare "shmem load"
seen Shmem $((idle_shmem + 60000)) "shmem load seen"
rm -f /dev/shm/sysstat_test $disk/pagecache $disk/dirty
echo "$expire" > /proc/sys/vm/dirty_expire_centisecs

# mlock()ed and THP-backed anonymous memory.
rm -f "$tmp/wl"
memstat_workload hold --mlock-kb 16384 --thp-kb 32768 > "$tmp/wl" &
wpid=$!
wait_for "$tmp/wl" '^ready' 1200
compare "mlock and THP load"
# 16 MiB mlocked, less what per-CPU counter folds may hide for a while
# (bracketed(): 32 pages; arm64 once showed 16320 kB, a page short).
seen Unevictable $((16384 - 32 * page_kib)) "mlocked load seen"
if thp_small; then
	seen AnonHugePages 30720 "THP load seen"
else
	skip "sysstat: THP load seen: $thp_big_why"
fi
kill -TERM $wpid
wait $wpid

# Huge pages in shmem: a tmpfs that always uses them.
mkdir -p "$tmp/huge"
if mount -t tmpfs -o huge=always,size=64m tmpfs "$tmp/huge"; then
	dd if=/dev/zero of="$tmp/huge/f" bs=1M count=16 2>/dev/null
	compare "shmem THP load"
	if thp_small; then
		seen ShmemHugePages 14336 "shmem THP load seen"
	else
		skip "sysstat: shmem THP load seen: $thp_big_why"
	fi
	umount "$tmp/huge"
else
	for i in 1 2 3; do skip "sysstat: no tmpfs huge=always (CONFIG_TRANSPARENT_HUGEPAGE)"; done
fi

# Writeback that lasts: the VM's slow disk (run-vm.sh gives qemu a virtio
# disk of 32 MiB, writes throttled to 1 MiB/s) takes 24 MiB of dirty
# block-device cache and writes it back while the counters are compared.
# The write starts at sysstat's first report and reports 5 and 6 are
# compared, about 5 s later: sysstat's own start, which under TCG has
# outlasted the drain, is not part of that time.
slow=${MEMSTAT_SLOW_DISK:-/dev/vda}
if [ -b "$slow" ]; then
	rm -f "$tmp"/report.*
	{
		wait_for "$tmp/report.1" . 600 || exit
		cut -d ' ' -f 1 /proc/uptime > "$tmp/dd"
		dd if=/dev/zero of="$slow" bs=1M count=24 2>> "$tmp/dd" ||
			echo "exit $?" >> "$tmp/dd"
		sync
	} &
	spid=$!
	compare "writeback load" 6
	t=$(awk '{ print $1 }' /proc/uptime)
	seen Writeback 2048 "writeback load seen"
	wait $spid
	diag "writeback load: dd began at uptime $(head -n 1 "$tmp/dd" 2> /dev/null) s," \
	     "compared by $t s; dd: $(sed 1d "$tmp/dd" | tr '\n' ' ')"
else
	for i in 1 2 3; do skip "sysstat: no slow disk $slow for writeback"; done
fi
# Accuracy per field: largest distance to the meminfo read right after.
awk '{ if (!($1 in max) || $2 > max[$1]) { max[$1] = $2; of[$1] = $3 } }
     END { for (k in max) printf "# accuracy %s: max %d kB off (of %d kB)\n",
	   k, max[k], of[k] }' "$tmp/dev" | sort
rm -rf "$tmp"
tap_exit
