#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# pr against /proc/vmstat: reclaim inside a memory cgroup limited to 48 MiB
# (96 MiB of page cache on a zram-backed ext4, then 64 MiB of anon with zram
# swap); pr's totals of pages scanned and reclaimed, anon and file, must
# equal the pgscan_{anon,file} and pgsteal_{anon,file} deltas of the same
# window.  Nothing else reclaims in the VM, so the window can be wider than
# the load.
. "$(dirname "$0")/lib.sh"

[ "$(id -u)" -eq 0 ] || { echo "1..0 # SKIP needs root"; exit $ksft_skip; }
root=/sys/fs/cgroup
[ -w $root/cgroup.subtree_control ] ||
	{ echo "1..0 # SKIP no cgroup2 at $root"; exit $ksft_skip; }
tmp=${TMPDIR:-/tmp}/pr_test.$$
mkdir -p "$tmp"
disk=/mnt/disk
grep -q " $disk " /proc/mounts || disk=$tmp
have_swap=0
[ "$(wc -l < /proc/swaps)" -gt 1 ] && have_swap=1

tap_plan 6

echo +memory > $root/cgroup.subtree_control
cg=$root/pr_test.$$
mkdir $cg
echo $((48 * 1024 * 1024)) > $cg/memory.max

pr -P -j 1 > "$tmp/out" 2> "$tmp/err" &
prpid=$!
i=0
while ! grep -q '"type":"priority"' "$tmp/out" && [ $i -lt 600 ]; do
	sleep 0.1
	i=$((i + 1))
done

for k in pgscan_anon pgscan_file pgsteal_anon pgsteal_file; do
	eval "before_$k=$(vmstat $k)"
done
sh -c "echo \$\$ > $cg/cgroup.procs
	dd if=/dev/zero of=$disk/pr_test bs=1M count=96 2>/dev/null
	cat $disk/pr_test > /dev/null
	exec memstat_workload hold --anon-kb 65536" > "$tmp/wl" &
wpid=$!
i=0
while ! grep -q '^ready' "$tmp/wl" && [ $i -lt 1200 ]; do sleep 0.1; i=$((i + 1)); done
kill -TERM $wpid
wait $wpid
sleep 1
for k in pgscan_anon pgscan_file pgsteal_anon pgsteal_file; do
	eval "after_$k=$(vmstat $k)"
done
kill -INT $prpid
wait $prpid
rc=$?
rm -f $disk/pr_test
rmdir $cg

sum=$(grep '"type":"summary"' "$tmp/out")
check "pr: ran and ended cleanly (exit $rc)" $rc -eq 0 -a -n "$sum"
for k in scanned_file:pgscan_file reclaimed_file:pgsteal_file \
	 scanned_anon:pgscan_anon reclaimed_anon:pgsteal_anon; do
	key=${k%%:*} name=${k##*:}
	v=$(echo "$sum" | json_num "$key")
	eval "d=\$((after_$name - before_$name))"
	diag "$key: pr $v pages, /proc/vmstat $name +$d"
	if [ "$name" = pgscan_anon ] || [ "$name" = pgsteal_anon ]; then
		[ $have_swap -eq 1 ] || { skip "pr: $key: no swap device"; continue; }
	fi
	check "pr: $key = $name delta ($v vs $d)" -n "$v" -a "${v:-x}" = "$d"
done
check "pr: the load reclaimed file pages" "$((after_pgsteal_file - before_pgsteal_file))" -gt 1000
rm -rf "$tmp"
tap_exit
