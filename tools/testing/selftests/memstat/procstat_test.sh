#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# procstat against ground truth: a workload holds known amounts of anon
# (part of it swapped out), file-mapped, shmem and stack memory, single- and
# multi-threaded.  Checks: folded values equal /proc/PID/status read at the
# same moment (the workload is quiescent, so they must be equal to the kB);
# exact values differ from /proc by
# exactly the unfolded per-thread deltas; each worker thread's deltas equal
# the pages it faulted in; the sizes match what the workload holds.
. "$(dirname "$0")/lib.sh"

[ "$(id -u)" -eq 0 ] || { echo "1..0 # SKIP needs root"; exit $ksft_skip; }
tmp=${TMPDIR:-/tmp}/procstat_test.$$
mkdir -p "$tmp"
filedir=/mnt/ramfs
[ -d $filedir ] && grep -q " $filedir ramfs" /proc/mounts || filedir=$tmp
have_swap=0
[ "$(wc -l < /proc/swaps)" -gt 1 ] && have_swap=1

tap_plan 34

fields="vsize:VmSize hwm:VmHWM anon:RssAnon file:RssFile shmem:RssShmem
swap:VmSwap data:VmData pte:VmPTE stk:VmStk"

# run_variant NAME THREADS
run_variant() {
	name=$1 threads=$2 swap_kb=0
	[ $have_swap -eq 1 ] && swap_kb=2048
	memstat_workload hold --anon-kb 8192 --swap-kb $swap_kb \
		--file-kb 2048 --file $filedir/procstat_test.$$ \
		--shmem-kb 4096 --stack-kb 512 --threads "$threads" \
		> "$tmp/wl" 2> "$tmp/wl.err" &
	wpid=$!
	i=0
	# Generous: a busy host slows the VM down a lot.
	while ! grep -q '^ready' "$tmp/wl" && [ $i -lt 1200 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	cat /proc/$wpid/status > "$tmp/status1"
	procstat -j -H -p $wpid > "$tmp/exact" 2> "$tmp/exact.err"
	rc_exact=$?
	procstat -j -f -p $wpid > "$tmp/folded" 2> "$tmp/folded.err"
	rc_folded=$?
	cat /proc/$wpid/status > "$tmp/status2"
	kill -TERM $wpid
	wait $wpid

	if ! grep -q '^ready' "$tmp/wl" || [ $rc_exact -ne 0 ] || [ $rc_folded -ne 0 ]; then
		diag "workload: $(cat "$tmp/wl.err")"
		diag "procstat: $(cat "$tmp/exact.err" "$tmp/folded.err")"
		not_ok "procstat ($name): workload and procstat ran"
		return
	fi
	ok "procstat ($name): workload and procstat ran"
	cmp -s "$tmp/status1" "$tmp/status2" ||
		diag "/proc/$wpid/status changed while procstat ran"

	exact=$(grep '"type":"process"' "$tmp/exact")
	folded=$(grep '"type":"process"' "$tmp/folded")
	# Folded values read the same counters as /proc/PID/status.
	for f in $fields; do
		key=${f%%:*} proc=${f##*:}
		v=$(echo "$folded" | json_num "${key}_kb")
		p=$(status_kb "$tmp/status1" "$proc")
		if [ -n "$v" ] && [ -n "$p" ] && [ "$v" -eq "$p" ]; then
			ok "procstat ($name): folded $key = $proc"
		else
			diag "procstat $key=$v kB, /proc $proc=$p kB"
			not_ok "procstat ($name): folded $key = $proc"
		fi
	done
	# Exact minus /proc is exactly the unfolded per-thread deltas.
	bad=""
	for f in anon:RssAnon file:RssFile shmem:RssShmem swap:VmSwap; do
		key=${f%%:*} proc=${f##*:}
		v=$(echo "$exact" | json_num "${key}_kb")
		pend=$(echo "$exact" | json_num "pending_${key}_kb")
		p=$(status_kb "$tmp/status1" "$proc")
		diag "$key: exact $v kB = /proc $p kB + unfolded $pend kB"
		[ -n "$v" ] && [ $((v - p)) -eq "$pend" ] || bad="$bad $key"
	done
	check "procstat ($name): exact - /proc = unfolded deltas${bad:+ (wrong:$bad)}" -z "$bad"

	# Each worker's unfolded anon delta is the pages it faulted in.
	bad="" expect_threads=0
	grep '^thread' "$tmp/wl" > "$tmp/threads"
	while read -r _ tid pages; do
		tid=${tid#tid=} pages=${pages#anon_pages=}
		expect_threads=$((expect_threads + pages * 4))
		v=$(grep "\"tid\":$tid," "$tmp/exact" | json_num pending_anon_kb)
		[ "$v" = $((pages * 4)) ] || bad="$bad $tid:$v/$((pages * 4))"
	done < "$tmp/threads"
	if [ "$threads" -eq 0 ]; then
		skip "procstat ($name): worker deltas: no worker threads"
	else
		check "procstat ($name): worker's unfolded anon = its faults${bad:+ (wrong:$bad)}" \
			-z "$bad" -a "$(wc -l < "$tmp/threads")" -eq "$threads"
	fi

	# Sizes against what the workload holds (plus libc, binary, heap).
	v=$(echo "$exact" | json_num anon_kb)
	want=$((8192 - swap_kb + 512 + expect_threads))
	diag "anon: $v kB, workload holds at least $want kB"
	check "procstat ($name): anon covers the workload's anon" \
		"$v" -ge "$want" -a "$v" -le $((want + 4096 + threads * 512))
	v=$(echo "$exact" | json_num swap_kb)
	if [ $have_swap -eq 1 ]; then
		check "procstat ($name): swap = paged-out anon ($v of $swap_kb kB)" \
			"$v" -ge $((swap_kb * 9 / 10)) -a "$v" -le $((swap_kb + 64))
	else
		skip "procstat ($name): swap: no swap device"
	fi
	v=$(echo "$exact" | json_num file_kb)
	check "procstat ($name): file covers the 2048 kB mapping ($v kB)" \
		"$v" -ge 2048 -a "$v" -le $((2048 + 4096))
	v=$(echo "$exact" | json_num shmem_kb)
	check "procstat ($name): shmem covers the 4096 kB mapping ($v kB)" \
		"$v" -ge 4096 -a "$v" -le $((4096 + 8192))
	v=$(echo "$exact" | json_num stk_kb)
	check "procstat ($name): stack covers the 512 kB grown ($v kB)" \
		"$v" -ge 512 -a "$v" -le 1024
	rm -f $filedir/procstat_test.$$
}

run_variant single-threaded 0
run_variant 4-threaded 4
rm -rf "$tmp"
tap_exit
