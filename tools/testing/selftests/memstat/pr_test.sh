#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# pr against /proc/vmstat: reclaim inside a memory cgroup limited to 48 MiB
# (96 MiB of page cache on a zram-backed ext4, then 64 MiB of anon with zram
# swap); pr's totals of pages scanned and reclaimed, anon and file, must
# equal the pgscan_{anon,file} and pgsteal_{anon,file} deltas of the same
# window.  Every column of every row, and the runs per reclaim priority,
# must equal what the kernel itself prints for the same tracepoints, read
# through a tracefs instance: mm_vmscan_lru_shrink_inactive (per node and
# LRU type: runs, scanned, reclaimed, dirty, congested, writeback,
# immediate, activated, ref_keep, unmap_fail; priority) and
# mm_vmscan_lru_isolate (scans of an inactive list that took no page, the
# "-" row).  Unqueued dirty pages are in no trace event and no counter:
# they can only be checked against the dirty pages they are part of.
# Nothing else reclaims in the VM, so the window can be wider than the
# load.
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

tap_plan 10

echo +memory > $root/cgroup.subtree_control
cg=$root/pr_test.$$
mkdir $cg
echo $((48 * 1024 * 1024)) > $cg/memory.max

pr -P -j 1 > "$tmp/out" 2> "$tmp/err" &
prpid=$!
wait_for "$tmp/out" '"type":"priority"'
trace_start pr vmscan/mm_vmscan_lru_shrink_inactive vmscan/mm_vmscan_lru_isolate
check "tracefs instance with the vmscan events" $? -eq 0

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
trace_stop pr "$tmp/trace"
traced=$?
kill -INT $prpid
wait $prpid
rc=$?
rm -f $disk/pr_test
rmdir $cg

sum=$(grep '"type":"summary"' "$tmp/out")
check "pr: ran and ended cleanly, trace complete (exit $rc)" \
	$rc -eq 0 -a -n "$sum" -a $traced -eq 0
for k in scanned_file:pgscan_file reclaimed_file:pgsteal_file \
	 scanned_anon:pgscan_anon reclaimed_anon:pgsteal_anon; do
	key=${k%%:*} name=${k##*:}
	v=$(($(echo "$sum" | json_num "${key}_kib") / page_kib))
	eval "d=\$((after_$name - before_$name))"
	diag "$key: pr $v pages, /proc/vmstat $name +$d"
	if [ "$name" = pgscan_anon ] || [ "$name" = pgsteal_anon ]; then
		[ $have_swap -eq 1 ] || { skip "pr: $key: no swap device"; continue; }
	fi
	check "pr: $key = $name delta ($v vs $d)" -n "$v" -a "${v:-x}" = "$d"
done
check "pr: the load reclaimed file pages" "$((after_pgsteal_file - before_pgsteal_file))" -gt 1000

# Every column, per node and LRU type, against the trace: "NODE LRU f..."
# lines, pr's sums of its interval rows and the trace's own sums.
cols="runs scanned reclaimed dirty congested writeback immediate activated ref_keep unmap_fail"
grep '"type":"lru"' "$tmp/out" |
	awk -v cols="$cols" -v pk=$page_kib '{
		n = split(cols, c, " ")
		for (i = 2; i <= n; i++) c[i] = c[i] "_kib"
		match($0, /"node":-?[0-9]+/); node = substr($0, RSTART + 7, RLENGTH - 7)
		match($0, /"lru":"[a-z]+"/); lru = substr($0, RSTART + 7, RLENGTH - 8)
		for (i = 1; i <= n; i++) {
			if (!match($0, "\"" c[i] "\":[0-9]+")) continue
			l = length(c[i]) + 3
			v[node " " lru, i] += substr($0, RSTART + l, RLENGTH - l) / (i > 1 ? pk : 1)
		}
		key[node " " lru] = 1
	}
	END { for (k in key) {
		line = k
		for (i = 1; i <= n; i++)
			line = line " " v[k, i] + 0
		print line
	} }' |
	sort > "$tmp/pr.rows"
trace_lines "$tmp/trace" mm_vmscan_lru_shrink_inactive |
	awk '{
		for (i = 4; i <= NF; i++) { split($i, kv, "="); a[kv[1]] = kv[2] }
		k = a["nid"] " " (a["flags"] ~ /RECLAIM_WB_FILE/ ? "file" : "anon")
		runs[k]++; sc[k] += a["nr_scanned"]; rc[k] += a["nr_reclaimed"]
		d[k] += a["nr_dirty"]; cg[k] += a["nr_congested"]; wb[k] += a["nr_writeback"]
		im[k] += a["nr_immediate"]; ac[k] += a["nr_activate_anon"] + a["nr_activate_file"]
		rk[k] += a["nr_ref_keep"]; uf[k] += a["nr_unmap_fail"]
		prio[a["priority"]]++
	}
	END {
		for (k in runs)
			print k, runs[k], sc[k], rc[k], d[k], cg[k], wb[k], im[k], ac[k],
			      rk[k], uf[k]
		for (p in prio) print "prio" p, prio[p] > "/dev/stderr"
	}' 2> "$tmp/trace.prio" > "$tmp/trace.rows"
# Scans that took no page have no node: pr's "-" row.
trace_lines "$tmp/trace" mm_vmscan_lru_isolate |
	awk '/nr_taken=0 / && /lru=inactive_/ {
		lru = /lru=inactive_file/ ? "file" : "anon"
		for (i = 4; i <= NF; i++)
			if ($i ~ /^nr_scanned=/) { sub(/.*=/, "", $i); s[lru] += $i }
	}
	END { for (l in s) if (s[l]) print "-1", l, 0, s[l], 0, 0, 0, 0, 0, 0, 0, 0 }' \
	>> "$tmp/trace.rows"
sort -o "$tmp/trace.rows" "$tmp/trace.rows"
diag "pr rows (node lru $cols):"
sed 's/^/#   /' "$tmp/pr.rows"
diff "$tmp/pr.rows" "$tmp/trace.rows" > "$tmp/rows.diff"
ndiff=$(grep -c '^[<>]' "$tmp/rows.diff")
check "pr: every row and column = the trace's sums ($ndiff lines differ)" \
	-s "$tmp/pr.rows" -a ! -s "$tmp/rows.diff"
sed 's/^/# /' "$tmp/rows.diff" | head -n 10
nz=$(awk '{ for (i = 6; i <= 12; i++) if ($i > 0) seen[i] = 1 }
	  END { for (i in seen) c++; print c + 0 }' "$tmp/pr.rows")
diag "reason columns (dirty .. unmap_fail) not zero in this run: $nz of 7"
bad=""
for p in 0 1 2 3 4 5 6 7 8 9 10 11 12; do
	v=$(grep '"type":"priority"' "$tmp/out" | json_nums "prio$p" | sum)
	t=$(awk -v k="prio$p" '$1 == k { print $2 }' "$tmp/trace.prio")
	[ "$v" = "${t:-0}" ] || bad="$bad $p:$v/${t:-0}"
done
check "pr -P: runs per reclaim priority = the trace's${bad:+ (wrong:$bad)}" -z "$bad"
diag "priorities (trace): $(sort "$tmp/trace.prio" | tr '\n' ' ')"
v=$(awk '{ s += $6 } END { print s + 0 }' "$tmp/pr.rows")
uq=$(($(grep '"type":"lru"' "$tmp/out" | json_nums unqueued_dirty_kib | sum) / page_kib))
check "pr: unqueued dirty pages are part of the dirty ones ($uq <= $v)" "$uq" -le "$v"
rm -rf "$tmp"
tap_exit
