#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Benchmark (not a test): what each event costs a tracing tool.  The tool
# runs next to an empty program at every hook it uses (bpf_event_cost
# empty), a load makes the hooks fire, and the kernel's run statistics
# (kernel.bpf_stats_enabled) give runs and ns per run of every program.
# The empty program is the floor: the same hook, nothing done.  Under
# qemu -icount the nanoseconds are instructions.  End to end, each load
# also runs with "count" programs at the hooks (bpf_event_cost count):
# one hash map update per event by process, the least a tool counting
# per process can do there.
#
# Usage: bench_event_cost.sh [TOOL...]     (default: every tool below,
#                                          memleak's end-to-end table)
#        bench_event_cost.sh churn            only the allocator's own cost
# pagealloc-0 and pagealloc-x are pagealloc -F 0 (no call paths) and
# pagealloc -R 1 (every call path walked); pagealloc-t and pagealloc-k
# are pagealloc -A tracepoint (kmem:mm_page_alloc) and pagealloc -A
# kprobe (the allocator entry);
# faults-k is faults -A kprobe (its kretprobe has no empty twin here).
# memaccess runs with the fault software events at period 1 (the test VM
# has no PMU).  Each tool's memory while it ran comes after its programs:
# its BPF maps (memlock of its map fds), its RSS and peak RSS.
# dreclaim, oomkill and swapin are then set beside their peers, where the
# VM has them (/memstat/peers, scripts/peers.sh): see "peers" below.
. "$(dirname "$0")/lib.sh"

[ "$(id -u)" -eq 0 ] || { echo "# bench needs root"; exit 4; }
tmp=${TMPDIR:-/tmp}/bench_event_cost.$$
mkdir -p "$tmp"
root=/sys/fs/cgroup
disk=/mnt/disk
grep -q " $disk " /proc/mounts || disk=$tmp

# The allocator entry differs: __alloc_pages_nodemask (5.10 LTS),
# __alloc_pages (OLK-5.10).
alloc_entry=__alloc_pages_nodemask
grep -q " T __alloc_pages_nodemask$" /proc/kallsyms || alloc_entry=__alloc_pages
alloc_event=mm_page_alloc
grep -q " __tracepoint_mm_page_alloc_path$" /proc/kallsyms && alloc_event=mm_page_alloc_path
# The C library memleak probes, as a dynamic program maps it (busybox is
# static): memstat_leaker, stopped at its start.
memstat_leaker steady 1 > /dev/null &
n=0
until grep -q '/libc[.-]' /proc/$!/maps 2> /dev/null || [ $n -ge 100 ]; do
	sleep 0.1
	n=$((n + 1))
done
libc=$(awk '$NF ~ "/libc[.-][^/]*so" { print $NF; exit }' /proc/$!/maps)
kill -CONT $!
kill $!
wait $! 2> /dev/null

# hooks TOOL: the hooks the tool attaches to (keep in step with *_kern.c).
hooks() {
	case $1 in
	pr) echo raw_tp:mm_vmscan_lru_shrink_inactive raw_tp:mm_vmscan_lru_isolate ;;
	paf) echo fexit:$alloc_entry ;;
	pagealloc|pagealloc-0|pagealloc-x) echo raw_tp:$alloc_event raw_tp:mm_page_free ;;
	pagealloc-t) echo raw_tp:mm_page_alloc raw_tp:mm_page_free ;;
	pagealloc-k) echo kprobe:$alloc_entry ;;
	brkstack) echo raw_tp:sys_exit raw_tp:sys_enter raw_tp:sched_process_exec ;;
	mmapsnoop|shmsnoop) echo raw_tp:sys_enter raw_tp:sys_exit ;;
	faults) echo fexit:handle_mm_fault ;;
	faults-k) echo kprobe:handle_mm_fault ;;
	dreclaim)
		for e in direct_reclaim_begin direct_reclaim_end \
			 memcg_reclaim_begin memcg_reclaim_end lru_shrink_inactive \
			 wakeup_kswapd kswapd_wake; do
			printf 'raw_tp:mm_vmscan_%s ' $e
		done ;;
	oomkill)
		echo kprobe:out_of_memory kprobe:$(awk '
			$3 ~ /^__oom_kill_process($|\.(constprop|isra|part)\.)/ {
				print $3; exit }' /proc/kallsyms) ;;
	swapin)
		echo fentry:do_swap_page fexit:do_swap_page fexit:swap_readpage
		grep -q " __frontswap_load$" /proc/kallsyms &&
			echo fexit:__frontswap_load ;;
	swapin-k) echo kprobe:do_swap_page ;;
	hfaults|hfaults-k)
		echo fentry:hugetlb_fault fexit:hugetlb_fault fexit:alloc_huge_page ;;
	memleak) echo uprobe:$libc:malloc uretprobe:$libc:malloc uprobe:$libc:free ;;
	compact)
		echo fentry:try_to_compact_pages fexit:try_to_compact_pages \
		     fentry:compaction_defer_reset fentry:compact_zone \
		     fexit:compact_zone fexit:__isolate_free_page \
		     raw_tp:mm_compaction_isolate_migratepages raw_tp:mm_migrate_pages ;;
	migrate) echo fentry:migrate_pages raw_tp:mm_migrate_pages ;;
	memaccess) echo perf:minor-faults perf:major-faults ;;
	vmscan)
		for e in vmscan_direct_reclaim_begin vmscan_direct_reclaim_end \
			 vmscan_memcg_reclaim_begin vmscan_memcg_reclaim_end \
			 vmscan_memcg_softlimit_reclaim_begin \
			 vmscan_memcg_softlimit_reclaim_end shrink_slab_start \
			 shrink_slab_end vmscan_lru_shrink_inactive \
			 vmscan_writepage vmscan_wakeup_kswapd vmscan_kswapd_wake; do
			printf 'raw_tp:mm_%s ' $e
		done ;;
	esac
}

# reclaim_load: memcg reclaim of page cache and anon (zram swap) in a
# 48 MiB cgroup: every vmscan hook but the global direct reclaim and
# kswapd ones fires (those cost the same as their memcg twins).
reclaim_load() {
	echo +memory > $root/cgroup.subtree_control
	cg=$root/bench.$$.$1
	mkdir $cg || { echo "# bench: cannot create $cg"; return 1; }
	echo $((48 * 1024 * 1024)) > $cg/memory.max
	# Ends by itself: sleeping in a wait loop is unreliable under -icount.
	sh -c "echo \$\$ > $cg/cgroup.procs
		dd if=/dev/zero of=$disk/bench bs=1M count=96 2>/dev/null
		cat $disk/bench > /dev/null
		exec memstat_workload churn 16384 1" > "$tmp/wl" ||
		echo "# bench: the reclaim load failed"
	rm -f $disk/bench
	rmdir $cg || echo "# bench: cannot remove $cg"
}

# oom_load: five memcg OOM kills, each of a process mlocking 32 MiB in a
# 16 MiB cgroup (the kills stay inside it).
oom_load() {
	echo +memory > $root/cgroup.subtree_control
	cg=$root/bench.$$.oom
	mkdir $cg || { echo "# bench: cannot create $cg"; return 1; }
	echo $((16 * 1024 * 1024)) > $cg/memory.max
	[ ! -e $cg/memory.swap.max ] || echo 0 > $cg/memory.swap.max
	for i in 1 2 3 4 5; do
		sh -c "echo \$\$ > $cg/cgroup.procs
			exec memstat_workload hold --mlock-kb 32768" > "$tmp/wl" 2>&1 &
		n=0
		while kill -0 $! 2> /dev/null && [ $n -lt 600 ]; do
			grep -q '^ready' "$tmp/wl" && kill -KILL $!
			sleep 0.1
			n=$((n + 1))
		done
		wait $!
	done
	rmdir $cg || echo "# bench: cannot remove $cg"
}

# swapin_load: 16 MiB paged out to zram and read back, alone (one page
# per fault) and shared with a child (readahead, minor faults): every
# swapin hook fires.  Prints the read-back's ns per page of each.
swapin_load() {
	for f in "" --fork; do
		memstat_workload swapin --kb 16384 $f | sed -n 's/.*ns_per_page=//p'
	done | tr '\n' ' '
}

# hfaults_load: 64 hugetlb faults, 32 of them on a hugetlbfs file (four
# runs of 8 and 8).  Prints the file faults' ns per fault, the best run.
hfaults_load() {
	nr=$(cat /proc/sys/vm/nr_hugepages)
	echo $((nr + 18)) > /proc/sys/vm/nr_hugepages
	mkdir -p "$tmp/huge"
	mount -t hugetlbfs none "$tmp/huge" || return 1
	for r in 1 2 3 4; do
		memstat_workload hugetlb --file "$tmp/huge/f" --pages 8 |
			sed -n 's/.*ns_per_fault=//p'
		rm -f "$tmp/huge/f"
	done | sort -n | head -n 1
	umount "$tmp/huge"
	echo $nr > /proc/sys/vm/nr_hugepages
}

# compaction_load: memory fragmented (memstat_workload fragment), then 32
# THP regions faulted in that compact directly, then every zone compacted
# (compact_memory).  Prints the milliseconds from the first THP fault to
# the end (/proc/uptime: instructions under -icount, 10 ms resolution).
compaction_load() {
	thp_compact_on
	rm -f "$tmp/go"
	memstat_workload fragment --regions 32 --go "$tmp/go" > "$tmp/frag" &
	wl=$!
	wait_for "$tmp/frag" '^filled' 3000
	start=$(cut -d' ' -f1 /proc/uptime)
	touch "$tmp/go"
	wait $wl
	echo 1 > /proc/sys/vm/compact_memory
	end=$(cut -d' ' -f1 /proc/uptime)
	thp_restore
	echo "$start $end" | awk '{ printf "%d\n", ($2 - $1) * 1000 }'
}

# map_kib PID: KiB of BPF map memory (memlock) behind PID's map fds,
# each map once.
map_kib() {
	for f in /proc/$1/fdinfo/*; do
		grep -q '^map_type:' "$f" 2> /dev/null || continue
		echo "$(sed -n 's/^map_id:[[:space:]]*//p' "$f" | grep . || echo "$f")" \
			"$(sed -n 's/^memlock:[[:space:]]*//p' "$f")"
	done | awk '!($1 in seen) { seen[$1] = 1; s += $2 } END { print int(s / 1024) }'
}

# mem_row LABEL PID: "LABEL maps_KiB RSS_KiB peak_RSS_KiB" of a running tool.
mem_row() {
	cp /proc/$2/status "$tmp/status" 2> /dev/null
	printf '# bench: %-22s %10s %10s %10s\n' "$1" "$(map_kib $2)" \
		"$(status_kb "$tmp/status" VmRSS)" "$(status_kb "$tmp/status" VmHWM)"
}
mem_head() {
	printf '# bench: %-22s %10s %10s %10s\n' "memory of" "maps KiB" "RSS KiB" \
		"peak KiB"
}

# tool_cmd TOOL: the command line that runs it.
tool_cmd() {
	case $1 in
	pagealloc-0) echo pagealloc -F 0 ;;
	pagealloc-x) echo pagealloc -R 1 ;;
	pagealloc-t) echo pagealloc -A tracepoint ;;
	pagealloc-k) echo pagealloc -A kprobe ;;
	faults-k) echo faults -A kprobe ;;
	swapin-k) echo swapin -A kprobe ;;
	hfaults-k) echo hfaults -A kprobe ;;
	memleak) echo memleak -c $root ;;	# every process: the load's too
	memaccess) echo memaccess -E minor-faults,major-faults -P 1 ;;
	*) echo $1 ;;
	esac
}

load() {
	case $1 in
	paf|pagealloc*|faults*|memaccess)
		memstat_workload churn 1024 50 > /dev/null ;;	# 51200 allocations
	compact|migrate) compaction_load > /dev/null ;;
	oomkill) oom_load ;;
	# 20000 each of getppid, mmap + munmap, open + close of /dev/null;
	# brkstack: and 7 brk() (5 moves) with user stacks, 20 times
	mmapsnoop|shmsnoop) memstat_workload syscalls 20000 > /dev/null ;;
	brkstack)
		memstat_workload syscalls 20000 > /dev/null
		for i in $(seq 20); do memstat_workload brk > /dev/null; done ;;
	swapin*) swapin_load > /dev/null ;;
	hfaults*) hfaults_load > /dev/null ;;
	memleak) memstat_leaker churn 20000 0 > /dev/null ;;
	*) reclaim_load $1 ;;
	esac
}

# churn_ns: ns per 4 KiB page faulted in and freed, the best of three.
churn_ns() {
	for r in 1 2 3; do
		memstat_workload churn 1024 50 | sed -n 's/.*ns_per_page=//p'
	done | sort -n | head -n 1
}

echo "# bench: kernel $(uname -r), $(nproc) CPU(s)"
if [ "$*" = churn ]; then
	printf '# bench: %-30s %10s\n' "page fault + free, attached:" "ns/page"
	printf '# bench: %-30s %10s\n' nothing "$(churn_ns)"
	rm -rf "$tmp"
	exit 0
fi
echo 1 > /proc/sys/kernel/bpf_stats_enabled || exit 1
printf '# bench: %-9s %-46s %10s %8s\n' tool program runs ns/run
all_tools="pr dreclaim vmscan paf pagealloc"
all_tools="$all_tools pagealloc-t pagealloc-k oomkill pagealloc-0 pagealloc-x"
all_tools="$all_tools brkstack mmapsnoop shmsnoop"
all_tools="$all_tools faults-k faults"
all_tools="$all_tools swapin hfaults swapin-k hfaults-k memleak"
all_tools="$all_tools compact migrate memaccess"
for tool in ${*:-$all_tools}; do
	h=$(hooks $tool)
	[ -n "$h" ] || { echo "# bench: no hooks known for $tool"; continue; }
	$(tool_cmd $tool) -d 100000 > /dev/null 2> "$tmp/$tool.err" &
	tpid=$!
	bpf_event_cost empty $h > "$tmp/empty" 2>&1 &
	epid=$!
	n=0
	while ! grep -q '^ready' "$tmp/empty" && [ $n -lt 600 ]; do
		sleep 0.1
		n=$((n + 1))
	done
	sleep 2
	load $tool
	bpf_event_cost stats > "$tmp/stats"
	mem_row "$tool" $tpid >> "$tmp/mem"
	kill -INT $tpid $epid
	wait $tpid $epid
	# The empty programs load after the tool's, in hook order.
	awk -v t=$tool -v hooks="$h" 'BEGIN { nh = split(hooks, hook, " ") }
		$1 !~ /^[0-9]+$/ { next }
		$2 == "empty" { printf "# bench: %-9s %-46s %10s %8s\n", t,
				"(empty) " hook[++i], $3, $5; next }
		{ printf "# bench: %-9s %-46s %10s %8s\n", t, $2, $3, $5 }' \
		"$tmp/stats"
done
if [ -s "$tmp/mem" ]; then
	mem_head
	cat "$tmp/mem"
fi
echo 0 > /proc/sys/kernel/bpf_stats_enabled

# What a tool on the allocator costs a page fault, end to end: ns per 4 KiB
# page faulted in and freed (bpf_stats off, as in production).
wait_ready() {
	n=0
	while ! grep -q "$2" "$1" 2>/dev/null && [ $n -lt 600 ]; do
		sleep 0.1
		n=$((n + 1))
	done
	# Attaching leaves the kernel and the tool busy for a while.
	sleep 5
}
# with_progs KIND LABEL CMD HOOK...: "LABEL  <CMD's output>" with
# bpf_event_cost KIND programs at the hooks.
with_progs() {
	kind=$1 label=$2 cmd=$3
	shift 3
	bpf_event_cost $kind "$@" > "$tmp/$kind" 2>&1 &
	epid=$!
	wait_ready "$tmp/$kind" '^ready'
	printf '# bench: %-30s %10s\n' "$label" "$($cmd)"
	kill -INT $epid
	wait $epid
}
case " ${*:-paf} " in
*" paf "*)
	printf '# bench: %-30s %10s\n' "page fault + free, attached:" "ns/page"
	printf '# bench: %-30s %10s\n' nothing "$(churn_ns)"
	for k in empty count; do
		with_progs $k "$k fexit" churn_ns fexit:$alloc_entry
	done
	paf > /dev/null 2> "$tmp/paf.err" &
	ppid=$!
	wait_ready "$tmp/paf.err" 'Ctrl-C'
	printf '# bench: %-30s %10s\n' paf "$(churn_ns)"
	kill -INT $ppid
	wait $ppid
	with_progs empty "empty at pagealloc's hooks" churn_ns $(hooks pagealloc)
	for args in "" "-R 1" "-F 0" "-F 0 -R 16" "-A tracepoint" "-A kprobe"; do
		pagealloc $args -d 100000 > /dev/null 2> "$tmp/pa.err" &
		ppid=$!
		wait_ready "$tmp/pa.err" 'Ctrl-C'
		printf '# bench: %-30s %10s\n' "pagealloc${args:+ $args}" "$(churn_ns)"
		kill -INT $ppid
		wait $ppid
	done
	;;
esac
# What the tools on raw_syscalls cost a system call, end to end: ns per
# getppid() (no tool traces it), mmap + munmap and open + close.
case " ${*:-brkstack} " in
*" brkstack "*|*" mmapsnoop "*|*" shmsnoop "*)
	sys_ns() { memstat_workload syscalls 20000 | sed 's/^done calls=[0-9]* //'; }
	printf '# bench: %-30s %s\n' nothing "$(sys_ns)"
	for k in empty count; do
		with_progs $k "$k raw_syscalls" sys_ns raw_tp:sys_enter raw_tp:sys_exit
	done
	for args in brkstack mmapsnoop "mmapsnoop -S" "mmapsnoop -p 1" shmsnoop; do
		$args -d 100000 > /dev/null 2> "$tmp/sc.err" &
		ppid=$!
		wait_ready "$tmp/sc.err" 'Ctrl-C'
		printf '# bench: %-30s %s\n' "$args" "$(sys_ns)"
		kill -INT $ppid
		wait $ppid
	done
	;;
esac
case " $* " in
*" faults "*|"  ")
	# faults on every page fault: the churn loop with each variant.
	printf '# bench: %-30s %10s\n' "page fault + free, attached:" "ns/page"
	printf '# bench: %-30s %10s\n' nothing "$(churn_ns)"
	for k in empty count; do
		with_progs $k "$k fexit" churn_ns fexit:handle_mm_fault
	done
	for args in "" "-A kprobe" "-K -U"; do
		faults $args -d 100000 > /dev/null 2> "$tmp/ft.err" &
		ppid=$!
		wait_ready "$tmp/ft.err" 'Ctrl-C'
		printf '# bench: %-30s %10s\n' "faults${args:+ $args}" "$(churn_ns)"
		kill -INT $ppid
		wait $ppid
	done
	;;
esac
# memaccess on every page fault (software events, period 1): the churn
# loop with nothing, empty and count programs on the events, the tool.
case " ${*:-memaccess} " in
*" memaccess "*)
	printf '# bench: %-30s %10s\n' "page fault + free, sampled:" "ns/page"
	printf '# bench: %-30s %10s\n' nothing "$(churn_ns)"
	for k in empty count; do
		with_progs $k "$k perf_event" churn_ns $(hooks memaccess)
	done
	$(tool_cmd memaccess) -d 100000 > /dev/null 2> "$tmp/ma.err" &
	ppid=$!
	wait_ready "$tmp/ma.err" 'Ctrl-C'
	printf '# bench: %-30s %10s\n' "memaccess -E faults -P 1" "$(churn_ns)"
	kill -INT $ppid
	wait $ppid
	;;
esac
# compact and migrate on a compaction load: its milliseconds with
# nothing, the empty and count programs at the tool's hooks, the tool.
for tool in compact migrate; do
	case " ${*:-compact migrate} " in *" $tool "*) ;; *) continue ;; esac
	printf '# bench: %-30s %10s\n' "$tool: compaction load" "ms"
	printf '# bench: %-30s %10s\n' nothing "$(compaction_load)"
	for k in empty count; do
		with_progs $k "$k programs" compaction_load $(hooks $tool)
	done
	$tool -d 100000 > /dev/null 2> "$tmp/cp.err" &
	ppid=$!
	wait_ready "$tmp/cp.err" 'Ctrl-C'
	printf '# bench: %-30s %10s\n' "$tool" "$(compaction_load)"
	kill -INT $ppid
	wait $ppid
done
# What swapin and hfaults cost the faults they watch, end to end: the
# load's own time per page (swapin: alone, then with readahead) and per
# hugetlb fault, with nothing, the empty programs at the tool's hooks,
# the tool (bpf_stats off).
for tool in swapin hfaults; do
	case " ${*:-swapin hfaults} " in *" $tool "*) ;; *) continue ;; esac
	printf '# bench: %-30s %s\n' "$tool load, attached:" "ns/page (or /fault)"
	printf '# bench: %-30s %s\n' nothing "$(${tool}_load)"
	for k in empty count; do
		with_progs $k "$k programs" ${tool}_load $(hooks $tool)
	done
	for args in "" "-A kprobe"; do
		$tool $args -d 100000 > /dev/null 2> "$tmp/t.err" &
		ppid=$!
		wait_ready "$tmp/t.err" 'Ctrl-C'
		printf '# bench: %-30s %s\n' "$tool${args:+ $args}" "$(${tool}_load)"
		kill -INT $ppid
		wait $ppid
	done
done
# What memleak costs a malloc + free pair, end to end: ns per pair of
# memstat_leaker churn (instructions under -icount) with no block and
# with 10000 blocks live, run as memleak's command; the floor is empty
# programs at the three probe hits of a pair (malloc's entry and return,
# free's entry), and at malloc's two alone.
case " ${*:-memleak} " in
*" memleak "*)
	# 400000 pairs: several seconds of sampling periods (-r).
	pair_ns() { memstat_leaker churn 400000 $1 | sed -n 's/.*ns_per_pair=//p'; }
	for live in 0 10000; do
		printf '# bench: %-30s %10s\n' "malloc + free, blocks: $live" "ns/pair"
		printf '# bench: %-30s %10s\n' nothing "$(pair_ns $live)"
		with_progs empty "empty malloc entry+return" "pair_ns $live" \
			uprobe:$libc:malloc uretprobe:$libc:malloc
		with_progs empty "empty malloc, free" "pair_ns $live" \
			uprobe:$libc:malloc uretprobe:$libc:malloc uprobe:$libc:free
		for args in "" "-F 0" "-F 32" "-r 10"; do
			v=$(memleak $args -- memstat_leaker churn 400000 $live 2> /dev/null |
			    sed -n 's/.*ns_per_pair=//p')
			printf '# bench: %-30s %10s\n' "memleak${args:+ $args}" "$v"
		done
	done
	# Start-up: attach to a process and end at once (-d 1 less the second).
	memstat_leaker steady 1 > "$tmp/st" &
	lpid=$!
	wait_ready "$tmp/st" '^pid'
	start=$(cut -d' ' -f1 /proc/uptime)
	memleak -p $lpid -d 1 > /dev/null 2>&1
	end=$(cut -d' ' -f1 /proc/uptime)
	printf '# bench: %-30s %10s\n' "memleak -p start+stop (ms)" \
		"$(echo "$start $end" | awk '{ printf "%d", ($2 - $1 - 1) * 1000 }')"
	kill $lpid
	kill -CONT $lpid
	wait $lpid 2> /dev/null
	;;
esac
# What a report window costs: the page fault + free of the churn loop
# (report's one hot hook is pagealloc's, on every allocation) with
# nothing, empty programs at pagealloc's hooks, pagealloc, report; the
# memory report holds while it watches (its maps' memlock, its peak RSS);
# and the CPU time of a 1 s and a 10 s window on an idle system (shell's
# times: the children's user and system time; instructions under
# -icount).
case " ${*:-report} " in
*" report "*)
	printf '# bench: %-30s %10s\n' "page fault + free, report:" "ns/page"
	printf '# bench: %-30s %10s\n' nothing "$(churn_ns)"
	with_progs empty "empty programs" churn_ns $(hooks pagealloc)
	pagealloc -d 100000 > /dev/null 2> "$tmp/pa.err" &
	ppid=$!
	wait_ready "$tmp/pa.err" 'Ctrl-C'
	printf '# bench: %-30s %10s\n' pagealloc "$(churn_ns)"
	kill -INT $ppid
	wait $ppid
	report -d 100000 > /dev/null 2> "$tmp/rp.err" &
	ppid=$!
	wait_ready "$tmp/rp.err" '^report: watching'
	printf '# bench: %-30s %10s\n' report "$(churn_ns)"
	memlock=$(cat /proc/$ppid/fdinfo/* 2> /dev/null |
		  awk '$1 == "memlock:" { s += $2 } END { print int(s / 1024) }')
	hwm=$(status_kb /proc/$ppid/status VmHWM)
	kill -INT $ppid
	wait $ppid
	printf '# bench: %-30s %10s\n' "report: BPF maps (KiB)" "$memlock"
	printf '# bench: %-30s %10s\n' "report: peak RSS (KiB)" "$hwm"
	# A subshell: its times are those of the one report it ran.
	for d in 1 10; do
		( report -d $d > /dev/null 2>&1; times ) > "$tmp/times"
		printf '# bench: %-30s %10s\n' "report -d $d: user, sys time" \
			"$(sed -n 2p "$tmp/times")"
	done
	;;
esac
# The peers: the same job done by tools Debian packages (libbpf-tools'
# drsnoop and oomkill, bpftrace's oomkill.bt and swapin.bt), which the VM
# holds in /memstat/peers (scripts/peers.sh).  A job's tools all run at
# once, on one load, next to empty programs at every hook any of them
# uses: their programs see the same events.  A program belongs to the
# tool that was starting when its id appeared (each is started alone and
# waited for until the kernel's program list holds still).  Then each
# tool's memory, and the load end to end with nothing, then each tool
# alone (bpf_stats off).  dreclaim's load here is global direct reclaim
# (drsnoop sees no memcg reclaim); a peer that cannot run says why.
peers=${MEMSTAT_PEERS:-/memstat/peers}

# peer_list TOOL: "LABEL|HOOKS|COMMAND" of each peer doing TOOL's job.
peer_list() {
	env="env LD_LIBRARY_PATH=$peers/lib"
	bt="$env $peers/bin/bpftrace $peers/share"
	dr=raw_tp:mm_vmscan_direct_reclaim
	case $1 in
	dreclaim)
		echo "libbpf-tools/drsnoop|${dr}_begin ${dr}_end|$env $peers/bin/drsnoop" ;;
	oomkill)
		echo "libbpf-tools/oomkill|kprobe:oom_kill_process|$env $peers/bin/oomkill"
		echo "bpftrace/oomkill.bt|kprobe:oom_kill_process|$bt/oomkill.bt" ;;
	swapin)
		echo "bpftrace/swapin.bt|kprobe:swap_readpage|$bt/swapin.bt" ;;
	esac
}

# direct_load KB: four threads fault in KB of anon memory with
# min_free_kbytes at 8 MiB (lib.sh's global_pressure at a size fixed for
# every run) and kswapd at nice 19: on one CPU (-icount) a woken kswapd
# at nice 0 keeps ahead of them and nothing stalls.  Prints the load's
# time (10 ms /proc/uptime ticks, polled every 100 ms) and its direct
# reclaims.
direct_load() {
	min_free=$(cat /proc/sys/vm/min_free_kbytes)
	echo 8192 > /proc/sys/vm/min_free_kbytes
	kswapd=$(pidof kswapd0)
	renice 19 -p $kswapd > /dev/null
	s0=$(allocstall)
	start=$(cut -d' ' -f1 /proc/uptime)
	rm -f "$tmp/pr"
	memstat_workload pressure --anon-kb $1 --threads 4 > "$tmp/pr" 2>&1 &
	wait_for "$tmp/pr" '^ready' 6000
	end=$(cut -d' ' -f1 /proc/uptime)
	kill -TERM $!
	wait $!
	echo "$min_free" > /proc/sys/vm/min_free_kbytes
	renice 0 -p $kswapd > /dev/null
	echo "$start $end $(($(allocstall) - s0))" |
		awk '{ printf "%d ms, %d direct reclaims\n", ($2 - $1) * 1000, $3 }'
}

# peer_load TOOL: the job's load; prints its figure.
peer_load() {
	case $1 in
	dreclaim) direct_load $direct_kb ;;
	oomkill)
		start=$(cut -d' ' -f1 /proc/uptime)
		oom_load
		end=$(cut -d' ' -f1 /proc/uptime)
		echo "$start $end" | awk '{ printf "%d ms\n", ($2 - $1) * 1000 }' ;;
	swapin) echo "$(swapin_load)ns/page (alone, readahead)" ;;
	esac
}

alive() { [ -e /proc/$1 ] && ! grep -q '^State:.*Z' /proc/$1/status 2> /dev/null; }
prog_ids() { bpf_event_cost stats | awk 'NR > 1 { print $1 }'; }

# start_owned LABEL CMD...: CMD in the background ($owned_pid); once the
# kernel's program list has grown and held still for two seconds, the
# new programs are LABEL's in $tmp/owner.  False, with a one-line reason
# in $tmp/why, if CMD ended or loaded nothing within two minutes.
start_owned() {
	label=$1
	shift
	prog_ids > "$tmp/ids.before"
	"$@" > /dev/null 2> "$tmp/owned.err" &
	owned_pid=$!
	prev='' same=0 n=0
	while [ $same -lt 2 ] && [ $n -lt 120 ] && alive $owned_pid; do
		sleep 1
		n=$((n + 1))
		prog_ids > "$tmp/ids.now"
		new=$(awk 'FILENAME == ARGV[1] { old[$1] = 1; next } !($1 in old)' \
			"$tmp/ids.before" "$tmp/ids.now" | tr '\n' ' ')
		if [ -n "$new" ] && [ "$new" = "$prev" ]; then
			same=$((same + 1))
		else
			same=0
		fi
		prev=$new
	done
	if [ $same -ge 2 ] && alive $owned_pid; then
		for i in $new; do echo "$i $label"; done >> "$tmp/owner"
		return 0
	fi
	kill -INT $owned_pid 2> /dev/null
	wait $owned_pid
	{ grep -i -m 1 -E 'error|fail|cannot|no such|not found' "$tmp/owned.err" ||
	  tail -n 1 "$tmp/owned.err"; } | cut -c1-100 > "$tmp/why"
	[ -s "$tmp/why" ] || echo "loaded no BPF program in 120 s" > "$tmp/why"
	return 1
}

peer_jobs=
for tool in dreclaim oomkill swapin; do
	case " ${*:-$tool} " in *" $tool "*) peer_jobs="$peer_jobs $tool" ;; esac
done
[ -x "$peers/bin/bpftrace" ] || {
	[ -z "$peer_jobs" ] || echo "# bench: no peers in $peers (scripts/peers.sh)"
	peer_jobs=
}
direct_kb=$(($(meminfo_kb /proc/meminfo MemAvailable) + 102400))
for tool in $peer_jobs; do
	echo 1 > /proc/sys/kernel/bpf_stats_enabled
	printf '# bench: %-22s %-28s %10s %8s\n' "peers of $tool" program runs ns/run
	: > "$tmp/owner"
	: > "$tmp/peermem"
	: > "$tmp/failed"
	hooks=$(hooks $tool)
	pids=''
	start_owned "memstat/$tool" $(tool_cmd $tool) -d 100000 &&
		pids="$pids $owned_pid:memstat/$tool"
	peer_list $tool > "$tmp/peers"
	while IFS='|' read -r label h cmd; do
		if start_owned "$label" $cmd; then
			pids="$pids $owned_pid:$label"
			hooks="$hooks $h"
		else
			echo "$label $(cat "$tmp/why")" >> "$tmp/failed"
		fi
	done < "$tmp/peers"
	hooks=$(echo $hooks | tr ' ' '\n' | awk '!($0 in s) { s[$0] = 1; print }' | tr '\n' ' ')
	epid=
	start_owned "(empty)" bpf_event_cost empty $hooks && epid=$owned_pid
	peer_load $tool > /dev/null
	bpf_event_cost stats > "$tmp/stats"
	for p in $pids; do mem_row "${p#*:}" ${p%%:*} >> "$tmp/peermem"; done
	awk -v hooks="$hooks" 'BEGIN { split(hooks, hook, " ") }
		FILENAME == ARGV[1] { own[$1] = $2; next }
		!($1 in own) { next }
		own[$1] == "(empty)" { printf "# bench: %-22s %-28s %10s %8s\n",
			"(empty)", hook[++i], $3, $5; next }
		{ printf "# bench: %-22s %-28s %10s %8s\n", own[$1], $2, $3, $5 }' \
		"$tmp/owner" "$tmp/stats"
	while read -r label why; do
		printf '# bench: %-22s not run: %s\n' "$label" "$why"
	done < "$tmp/failed"
	mem_head
	cat "$tmp/peermem"
	for p in $pids $epid; do kill -INT ${p%%:*}; done
	for p in $pids $epid; do wait ${p%%:*}; done
	echo 0 > /proc/sys/kernel/bpf_stats_enabled
	# End to end, each alone.
	printf '# bench: %-22s %s\n' "$tool's load, with" "end to end"
	printf '# bench: %-22s %s\n' nothing "$(peer_load $tool)"
	{ echo "memstat/$tool|-|$(tool_cmd $tool) -d 100000"; cat "$tmp/peers"; } |
	while IFS='|' read -r label h cmd; do
		grep -q "^$label " "$tmp/failed" && continue
		: > "$tmp/owner"
		if start_owned "$label" $cmd; then
			v=$(peer_load $tool)
			kill -INT $owned_pid
			wait $owned_pid
		else
			v="not run: $(cat "$tmp/why")"
		fi
		printf '# bench: %-22s %s\n' "$label" "$v"
	done
done
rm -rf "$tmp"
