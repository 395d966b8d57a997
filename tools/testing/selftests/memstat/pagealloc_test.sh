#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# pagealloc against known allocations.
#
# 1. The test module memstat_alloc_test allocates exactly N blocks of
#    order K from memstat_alloc_test_alloc() and frees them on unload:
#    pagealloc must show N * 2^K outstanding pages on call paths through
#    that function while it is loaded (category "other": meminfo counts
#    such pages nowhere, and its unexplained memory must grow by about as
#    much), none after the unload, and, with page_owner=on, exactly what
#    page_owner lists for that function.  With mm_page_alloc_path every
#    one of those allocations took the fast path.
# 2. Memory pressure (patched kernel): four threads fault in
#    MemAvailable + 100 MiB; allocations served after direct reclaim or
#    compaction must show up as such, compaction exactly as often as
#    compact_success, reclaim at most as often as allocstall.
# 3. fail_page_alloc (patched kernel): N injected failures of pipe_write
#    must be N "fail" allocations on pipe_write's path, and the event's
#    text in tracefs must be readable.
. "$(dirname "$0")/lib.sh"

[ "$(id -u)" -eq 0 ] || { echo "1..0 # SKIP needs root"; exit $ksft_skip; }
tmp=${TMPDIR:-/tmp}/pagealloc_test.$$
mkdir -p "$tmp"

tap_plan 20

# reports FILE: how many interval reports FILE has.
reports() { grep -c '"type":"interval"' "$1" 2>/dev/null || true; }

# wait_reports FILE N: until FILE has N more interval reports than now.
wait_reports() {
	want=$(($(reports "$1") + $2))
	i=0
	while [ "$(reports "$1")" -lt $want ] && [ $i -lt 600 ]; do
		sleep 0.1
		i=$((i + 1))
	done
}

# paths_of JSONLINE: one line per element of its "paths" array.
paths_of() {
	sed 's/.*"paths":\[//; s/\],"processes":.*//' |
		awk '{ n = split($0, a, /\},\{"stack_id"/)
		       for (i = 1; i <= n; i++) print (i > 1 ? "{\"stack_id\"" : "") a[i] }'
}

# sum_key KEY: the sum of "KEY" over the lines of stdin.
sum_key() {
	sed -n "s/.*\"$1\":\(-\{0,1\}[0-9]*\).*/\1/p" | awk '{ s += $1 } END { print s + 0 }'
}

# step_sum STEP: the sum of "steps":{..."STEP":N...} over stdin's lines.
step_sum() {
	sed -n "s/.*\"steps\":{[^}]*\"$1\":\([0-9]*\).*/\1/p" |
		awk '{ s += $1 } END { print s + 0 }'
}

# What a kprobe could see of the allocator's steps on this build: the
# helpers that are functions of their own (the others are inlined).
syms=
for f in __alloc_pages_slowpath __alloc_pages_direct_compact \
	 __alloc_pages_direct_reclaim __alloc_pages_may_oom \
	 __alloc_pages_cpuset_fallback get_page_from_freelist rmqueue; do
	syms="$syms $(awk -v f=$f '$3 ~ "^" f "(\\.[a-z]+\\.[0-9]+)?$" { s = s $3 " " }
		END { print (s == "" ? f ":inlined" : s) }' /proc/kallsyms)"
done
diag "allocator helpers:$syms"
has_event=0
grep -q ' __tracepoint_mm_page_alloc_path$' /proc/kallsyms && has_event=1
[ $has_event = 1 ] && event=mm_page_alloc_path || event=mm_page_alloc

# ---- 1. the test module ---------------------------------------------
ko=$(alloc_test_module 2>/dev/null)
nr=1024
order=3
pages=$((nr << order))
if [ -n "$ko" ]; then
	# -n: every path in the JSON, also those holding nothing any more.
	pagealloc -j -f 32 -n 1000000 1 > "$tmp/mod.json" 2> "$tmp/mod.err" &
	pa=$!
	wait_for "$tmp/mod.json" '"type":"interval"'
	insmod "$ko" nr_allocs=$nr order=$order
	rc=$?
	check "insmod memstat_alloc_test nr_allocs=$nr order=$order" $rc -eq 0
	wait_reports "$tmp/mod.json" 2
	loaded=$(grep '"type":"interval"' "$tmp/mod.json" | tail -n 1)
	if [ -r /sys/kernel/debug/page_owner ]; then
		# Blocks allocated by the module and not freed, from
		# page_owner's records (one per block, at its first pfn).
		# page_owner fails reads shorter than a record (ENOMEM):
		# cat reads in pages.
		# Blocks of the module's order only: allocations nested in
		# them (page_owner's stack depot) name the function too.
		cat /sys/kernel/debug/page_owner > "$tmp/po"
		owner=$(awk -v k=$order '/^Page allocated via order/ { o = $5 + 0; hit = 0 }
			     /memstat_alloc_test_alloc/ { hit = o == k }
			     /^$/ { if (hit) s += pages(o); hit = 0 }
			     END { if (hit) s += pages(o); print s + 0 }
			     # Busybox awk may lack "^".
			     function pages(o, p) { for (p = 1; o > 0; o--) p *= 2
						    return p }' "$tmp/po")
		nested=$(awk -v k=$order '/^Page allocated via order/ { o = $5 + 0; r = "" }
			     { r = r " " $1 }
			     /memstat_alloc_test_alloc/ && o != k { print o ":" r; exit }' \
			 "$tmp/po")
		[ -n "$nested" ] && diag "page_owner, other blocks under the function: $nested"
		rm -f "$tmp/po"
	fi
	rmmod memstat_alloc_test
	check "rmmod memstat_alloc_test" $? -eq 0
	wait_reports "$tmp/mod.json" 2
	kill -INT $pa
	wait $pa
	rc=$?
	check "pagealloc -j: SIGINT -> summary, exit 0 ($rc)" $rc -eq 0 -a \
		"$(grep -c '"type":"summary"' "$tmp/mod.json")" -eq 1
	summary=$(grep '"type":"summary"' "$tmp/mod.json")

	# Paths on which the module's function called the allocator itself.
	echo "$loaded" | paths_of | grep '"frames":\["memstat_alloc_test_alloc+' > "$tmp/mod.paths"
	out=$(sum_key outstanding_pages < "$tmp/mod.paths")
	got=$(sum_key alloc_pages < "$tmp/mod.paths")
	diag "module paths while loaded: $(cut -c 1-400 "$tmp/mod.paths" | head -n 3)"
	check "loaded: $pages outstanding on the module's paths (got $out, allocated $got)" \
		"$out" -eq $pages -a "$got" -eq $pages
	check "loaded: those paths are in no meminfo category" \
		"$(grep -c '"category":"other"' "$tmp/mod.paths")" -eq "$(wc -l < "$tmp/mod.paths")"
	held=$(echo "$loaded" | json_num other_outstanding_pages)
	check "loaded: paths outside meminfo hold at least the module's pages ($held)" \
		"${held:-0}" -ge $pages
	# meminfo's unexplained memory grew by the module's pages, give or
	# take what else the VM allocated meanwhile (4 MiB).
	unexp=$(echo "$loaded" | sed 's/.*"meminfo_kib"://' | json_num unexplained)
	unexp0=$(echo "$loaded" | sed 's/.*"meminfo_kib"://' | json_num unexplained_start)
	grow=$((unexp - unexp0))
	want=$((pages * $(awk '/^KernelPageSize:/ { print $2; exit }' /proc/self/smaps)))
	diag "meminfo unexplained: $unexp0 -> $unexp KiB (+$grow), module $want KiB"
	check "loaded: meminfo's unexplained grew by the module's $want KiB +- 4 MiB ($grow)" \
		$grow -ge $((want - 4096)) -a $grow -le $((want + 4096))
	ids=$(sed -n 's/^{*"stack_id":\(-\{0,1\}[0-9]*\).*/\1/p' "$tmp/mod.paths")
	left=0 freed=0
	for id in $ids; do
		line=$(echo "$summary" | paths_of | grep "^{*\"stack_id\":$id,")
		left=$((left + $(echo "$line" | sum_key outstanding_pages)))
		freed=$((freed + $(echo "$line" | sum_key free_pages)))
	done
	check "unloaded: 0 pages outstanding on those paths, $pages freed (got $left, $freed)" \
		"$left" -eq 0 -a "$freed" -eq $pages
	blocks=$(echo "$summary" | sed 's/.*"orders":\[//; s/\].*//' |
		 awk '{ n = split($0, a, /\},\{/); for (i = 1; i <= n; i++) print a[i] }' |
		 grep "\"order\":$order," | json_num alloc_blocks)
	check "orders: at least $nr blocks of order $order (got $blocks)" "${blocks:-0}" -ge $nr
	check "pagealloc uses kmem:$event" \
		"$(echo "$summary" | grep -c "\"event\":\"$event\"")" -eq 1
	if [ $has_event = 1 ]; then
		fast=$(step_sum fast < "$tmp/mod.paths")
		check "mm_page_alloc_path: the module's $nr allocations were fast ($fast)" \
			"$fast" -eq $nr
	else
		anyn=$(step_sum any < "$tmp/mod.paths")
		check "mm_page_alloc: no allocator steps, all $nr counted as any ($anyn)" \
			"$anyn" -eq $nr
	fi
	if [ -n "${owner:-}" ]; then
		check "page_owner: the module's pages equal pagealloc's ($owner, $out)" \
			"$owner" -eq "$out"
	else
		skip "page_owner not enabled (boot with page_owner=on, CONFIG_PAGE_OWNER)"
	fi
	memstat_workload json-check "$tmp/mod.json" > /dev/null 2>&1
	check "pagealloc -j: every line is a JSON object" $? -eq 0
else
	for i in 1 2 3 4 5 6 7 8 9 10 11 12 13; do
		skip "test module memstat_alloc_test.ko not built for this kernel"
	done
fi

# ---- text mode and -S ---------------------------------------------------
pagealloc -d 2 > "$tmp/text" 2> "$tmp/text.err"
rc=$?
check "pagealloc text: summary with paths, processes and meminfo (exit $rc)" $rc -eq 0 -a \
	"$(grep -c -e '^paths by outstanding' -e '^processes by outstanding' \
		   -e '^unexplained by meminfo' "$tmp/text")" -eq 3
pagealloc -S -j -d 1 > "$tmp/nostack" 2> "$tmp/nostack.err"
check "pagealloc -S: no call paths, processes still counted" \
	"$(grep -c '"paths"' "$tmp/nostack")" -eq 0 -a \
	"$(grep -c '"processes":\[{' "$tmp/nostack")" -eq 1

# ---- 2. memory pressure -------------------------------------------------
if [ $has_event = 1 ] && [ "$(wc -l < /proc/swaps)" -gt 1 ]; then
	v0c=$(vmstat compact_success) v0s=$(allocstall)
	pagealloc -j -S > "$tmp/pr.json" 2> "$tmp/pr.err" &
	pa=$!
	wait_for "$tmp/pr.err" 'tracing'
	v1c=$(vmstat compact_success) v1s=$(allocstall)
	min_free=$(cat /proc/sys/vm/min_free_kbytes)
	echo 8192 > /proc/sys/vm/min_free_kbytes
	avail=$(awk '$1 == "MemAvailable:" { print $2 }' /proc/meminfo)
	memstat_workload pressure --anon-kb $((avail + 102400)) --threads 4 > "$tmp/pr.wl" 2>&1 &
	wpid=$!
	wait_for "$tmp/pr.wl" '^ready' 1800
	kill -TERM $wpid
	wait $wpid
	echo "$min_free" > /proc/sys/vm/min_free_kbytes
	v2c=$(vmstat compact_success) v2s=$(allocstall)
	kill -INT $pa
	wait $pa
	v3c=$(vmstat compact_success) v3s=$(allocstall)
	steps=$(grep '"type":"summary"' "$tmp/pr.json" | sed 's/.*"steps":\[//; s/\].*//')
	step() {
		echo "$steps" |
			awk '{ n = split($0, a, /\},\{/); for (i = 1; i <= n; i++) print a[i] }' |
			grep "\"name\":\"$1\"" | json_num alloc_blocks
	}
	reclaim=$(step reclaim) compact=$(step compact)
	diag "steps: $(echo "$steps" | cut -c 1-600)"
	diag "allocstall +$((v2s - v1s))..$((v3s - v0s))"
	diag "compact_success +$((v2c - v1c))..$((v3c - v0c))"
	check "pressure: served after reclaim or compaction (${reclaim:-0} + ${compact:-0})" \
		$((${reclaim:-0} + ${compact:-0})) -gt 0
	check "pressure: compact = compact_success" \
		"$(bracketed "${compact:-0}" $((v2c - v1c)) $((v3c - v0c)) && echo 1)" = 1
	check "pressure: reclaim <= allocstall (${reclaim:-0} <= $((v3s - v0s)))" \
		"${reclaim:-0}" -le $((v3s - v0s))
else
	for i in 1 2 3; do skip "needs mm_page_alloc_path (patched kernel) and swap"; done
fi

# ---- 3. fault injection and the event's text --------------------------
fpa=/sys/kernel/debug/fail_page_alloc
n=7
if [ $has_event = 1 ] && [ -w $fpa/times ]; then
	memstat_workload failpipe --writes 16 --go "$tmp/go" > "$tmp/fi.wl" &
	wpid=$!
	wait_for "$tmp/fi.wl" '^ready'
	pagealloc -j -p $wpid > "$tmp/fi.json" 2> "$tmp/fi.err" &
	pa=$!
	wait_for "$tmp/fi.err" 'tracing'
	for kv in task-filter=Y probability=100 interval=1 times=$n space=0 \
		  ignore-gfp-wait=N ignore-gfp-highmem=N min-order=0 verbose=0; do
		echo "${kv#*=}" > $fpa/${kv%%=*}
	done
	touch "$tmp/go"
	wait $wpid
	echo 0 > $fpa/probability
	echo N > $fpa/task-filter
	echo 1 > $fpa/times
	kill -INT $pa
	wait $pa
	grep '"type":"summary"' "$tmp/fi.json" | paths_of | grep 'pipe_write+' > "$tmp/fi.paths"
	failed=$(sum_key fail < "$tmp/fi.paths")
	steps=$(step_sum fail < "$tmp/fi.paths")
	check "fault injection: $n failures on pipe_write's path (fail $failed, step fail $steps)" \
		"${failed:-0}" -eq $n -a "${steps:-0}" -eq $n

	tr=/sys/kernel/tracing
	[ -d $tr/events ] || tr=/sys/kernel/debug/tracing
	ev=$tr/events/kmem/mm_page_alloc_path
	echo 1 > $ev/enable
	sh -c true
	echo 0 > $ev/enable
	line=$(grep -m 1 'mm_page_alloc_path: ' $tr/trace)
	format='mm_page_alloc_path: pfn=0x[0-9a-f]+ order=[0-9]+ migratetype=[0-9]+ '
	format="${format}path=(fast|slow|compact|reclaim|oom|nofail|fail) gfp_flags=[A-Z_|]+"
	echo > $tr/trace
	diag "trace: $line"
	check "tracefs: mm_page_alloc_path reads pfn, order, migratetype, path, gfp_flags" \
		"$(echo "$line" | grep -c -E "$format")" -eq 1
else
	for i in 1 2; do skip "needs mm_page_alloc_path (patched kernel) and fail_page_alloc"; done
fi

rm -rf "$tmp"
tap_exit
