#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# procstat against ground truth: a workload holds known amounts of anon
# (part of it swapped out), file-mapped, shmem and stack memory, single- and
# multi-threaded.  Checks: folded values equal /proc/PID/status read at the
# same moment (the workload is quiescent, so they must be equal to the kB);
# exact RSS values equal a walk of the process's page tables
# (/proc/PID/pagemap, each page classified by /proc/kpageflags), which
# counts what is mapped, not what the counters say; VmSize, VmData and
# VmStk equal the VMA sizes in /proc/PID/smaps; each worker thread's
# unfolded deltas equal the pages it faulted in, its pending events its
# page faults (/proc/PID/task/TID/stat); the thread count /proc's.  Then
# the table of every process: each row equals its /proc/PID/status, no
# kernel thread is listed, and -s sorts as /proc's own numbers do.
. "$(dirname "$0")/lib.sh"

[ "$(id -u)" -eq 0 ] || { echo "1..0 # SKIP needs root"; exit $ksft_skip; }
tmp=${TMPDIR:-/tmp}/procstat_test.$$
mkdir -p "$tmp"
filedir=/mnt/ramfs
[ -d $filedir ] && grep -q " $filedir ramfs" /proc/mounts || filedir=$tmp
have_swap=0
[ "$(wc -l < /proc/swaps)" -gt 1 ] && have_swap=1

tap_plan 46

fields="vsize:VmSize hwm:VmHWM anon:RssAnon file:RssFile shmem:RssShmem
swap:VmSwap data:VmData pte:VmPTE stk:VmStk"

# run_variant NAME THREADS
run_variant() {
	name=$1 threads=$2 swap_kb=0
	[ $have_swap -eq 1 ] && swap_kb=2048
	rm -f "$tmp/wl"
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
	for t in /proc/$wpid/task/*; do cat "$t/stat" > "$tmp/stat.${t##*/}"; done
	procstat -j -t -p $wpid > "$tmp/exact" 2> "$tmp/exact.err"
	rc_exact=$?
	procstat -j -f -p $wpid > "$tmp/folded" 2> "$tmp/folded.err"
	rc_folded=$?
	cat /proc/$wpid/status > "$tmp/status2"
	memstat_truth rss $wpid > "$tmp/walk" 2>&1
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
		v=$(echo "$folded" | json_num "${key}_kib")
		p=$(status_kb "$tmp/status1" "$proc")
		if [ -n "$v" ] && [ -n "$p" ] && [ "$v" -eq "$p" ]; then
			ok "procstat ($name): folded $key = $proc"
		else
			diag "procstat $key=$v kB, /proc $proc=$p kB"
			not_ok "procstat ($name): folded $key = $proc"
		fi
	done
	# Exact RSS is what the page tables map; sizes what the VMAs span.
	diag "page walk: $(cat "$tmp/walk")"
	diag "procstat:  $(echo "$exact" | cut -c 1-300)"
	for key in anon file shmem swap vsize data stk; do
		v=$(echo "$exact" | json_num "${key}_kib")
		w=$(kv "${key}_kb" < "$tmp/walk")
		if [ -n "$v" ] && [ "$v" = "$w" ]; then
			ok "procstat ($name): exact $key = page-table walk ($v kB)"
		else
			not_ok "procstat ($name): exact $key = page-table walk ($v vs ${w:-?} kB)"
		fi
	done
	# RSS is what is mapped; the peak is the kernel's high-water mark
	# (of folded counts) or RSS now, whichever is larger.
	w=$(( $(kv anon_kb < "$tmp/walk") + $(kv file_kb < "$tmp/walk") +
	      $(kv shmem_kb < "$tmp/walk") ))
	v=$(echo "$exact" | json_num rss_kib)
	p=$(status_kb "$tmp/status1" VmHWM)
	[ "$p" -gt "$w" ] && hwm=$p || hwm=$w
	h=$(echo "$exact" | json_num hwm_kib)
	check "procstat ($name): exact rss = walk ($v vs $w), hwm = max(VmHWM, rss) ($h vs $hwm)" \
		"${v:-x}" = "$w" -a "${h:-x}" = "$hwm"
	v=$(echo "$exact" | json_num threads)
	p=$(status_kb "$tmp/status1" Threads)
	check "procstat ($name): threads = /proc Threads ($v vs $p)" "${v:-x}" = "${p:-y}"

	# Each worker's unfolded anon delta is the pages it faulted in, and
	# its pending events are its page faults: none has synced yet.
	bad="" expect_threads=0
	grep '^thread' "$tmp/wl" > "$tmp/threads"
	while read -r _ tid pages; do
		tid=${tid#tid=} pages=${pages#anon_pages=}
		expect_threads=$((expect_threads + pages * page_kib))
		rec=$(grep "\"tid\":$tid," "$tmp/exact")
		v=$(echo "$rec" | json_num pending_anon_kib)
		ev=$(echo "$rec" | json_num pending_events)
		flt=$(sed 's/.*) //' "$tmp/stat.$tid" | awk '{ print $8 + $10 }')
		[ "$v" = $((pages * page_kib)) ] ||
			bad="$bad $tid:anon:$v/$((pages * page_kib))"
		[ "$ev" = "$flt" ] || bad="$bad $tid:events:$ev/$flt"
	done < "$tmp/threads"
	if [ "$threads" -eq 0 ]; then
		skip "procstat ($name): worker deltas: no worker threads"
	else
		check "procstat ($name): workers' deltas and events${bad:+ (wrong:$bad)}" \
			-z "$bad" -a "$(wc -l < "$tmp/threads")" -eq "$threads"
	fi
	v=$(echo "$exact" | json_num swap_kib)
	if [ $have_swap -eq 1 ]; then
		check "procstat ($name): the workload's anon was paged out ($v of $swap_kb kB)" \
			"${v:-0}" -gt 0
	else
		skip "procstat ($name): swap: no swap device"
	fi
	rm -f $filedir/procstat_test.$$
}

run_variant single-threaded 0
run_variant 4-threaded 4

# ---- every process --------------------------------------------------------
# The table (JSON, folded, all rows) against each process's
# /proc/PID/status read right after it: the processes of this VM are
# idle meanwhile (shells waiting, a workload holding memory), all but
# procstat itself and this script's shell, whose rows are skipped.
rm -f "$tmp/wl"
memstat_workload hold --anon-kb 4096 --swap-kb $((have_swap * 1024)) > "$tmp/wl" &
wpid=$!
wait_for "$tmp/wl" '^ready'
procstat -j -f -n 0 > "$tmp/all" 2> "$tmp/all.err"
rc=$?
bad="" rows=0 kthreads=""
for pid in $(grep '"type":"process"' "$tmp/all" | json_nums pid); do
	[ -r /proc/$pid/status ] || continue	# gone since
	cat /proc/$pid/status > "$tmp/st" 2>/dev/null || continue
	grep -q '^VmSize:' "$tmp/st" || kthreads="$kthreads $pid"
	rec=$(grep "\"type\":\"process\",\"pid\":$pid," "$tmp/all")
	[ "$(status_kb "$tmp/st" Name)" = procstat ] || [ $pid = $$ ] && continue
	rows=$((rows + 1))
	for f in $fields; do
		v=$(echo "$rec" | json_num "${f%%:*}_kib")
		[ "$v" = "$(status_kb "$tmp/st" "${f##*:}")" ] || bad="$bad $pid:${f%%:*}"
	done
done
diag "procstat -n 0: $rows processes compared with /proc/PID/status"
check "procstat (all): exit 0, the workload and init are listed ($rc)" $rc -eq 0 -a \
	"$(grep -c -e "\"pid\":$wpid," -e '"pid":1,' "$tmp/all")" -eq 2
check "procstat (all): every row equals /proc/PID/status${bad:+ (wrong:$bad)}" \
	-z "$bad" -a $rows -gt 2
check "procstat (all): no kernel thread listed${kthreads:+ (listed:$kthreads)}" -z "$kthreads"

# -s: the top 3 by each field are the 3 largest of /proc's numbers (this
# script's shell and procstat left out: they change meanwhile).
bad=""
for f in vsize:VmSize anon:RssAnon swap:VmSwap pte:VmPTE; do
	procstat -j -f -s "${f%%:*}" -n 5 > "$tmp/top" 2>/dev/null
	got=$(grep '"type":"process"' "$tmp/top" | grep -v -e '"comm":"procstat"' \
		-e "\"pid\":$$," | head -n 3 | json_nums "${f%%:*}_kib" | tr '\n' ' ')
	cat /proc/[0-9]*/status > "$tmp/all.status" 2>/dev/null
	want=$(awk -v k="${f##*:}:" -v me=$$ '$1 == "Pid:" { pid = $2 }
		$1 == k && pid != me { print $2 }' "$tmp/all.status" |
	       sort -rn | head -n 3 | tr '\n' ' ')
	[ "$got" = "$want" ] || bad="$bad ${f%%:*}:[$got]/[$want]"
done
kill -TERM $wpid
wait $wpid
check "procstat -s: the top 3 rows are /proc's 3 largest${bad:+ (wrong:$bad)}" -z "$bad"
rm -rf "$tmp"
tap_exit
