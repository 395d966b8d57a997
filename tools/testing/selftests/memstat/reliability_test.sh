#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Trying to break the tools: signals at random moments, two instances at
# once, floods into the smallest maps and a stopped reader.
#
# 1. Kill: every tool of `memstat list` three times: SIGINT or SIGTERM
#    (one picked at random) at a random moment of its run, which times
#    its attach; then the other of the two at a random moment of its
#    attach (0 .. that time), and SIGKILL at a random moment of attach
#    and run.  Each must end within 20 s, with exit 0 and its summary
#    (or, signalled before its handler is set, die of that signal);
#    afterwards the kernel holds the BPF programs, maps and links it held
#    before (memstat_truth bpf-objects), and kprobe_events, uprobe_events
#    and debugfs' kprobes/list are as they were: nothing of a tool stays,
#    not even after SIGKILL.  The moments count from the tool's exec.
#    The seed (MEMSTAT_SEED replays a run) and
#    every delay are printed.
# 2. Two at once: two pagealloc instances across a load of the test
#    module (N blocks), each counting the module's N blocks exactly; two
#    mmapsnoop -p instances on memstat_workload mmap-calls, each printing
#    its twelve calls exactly.
# 3. Floods: pagealloc -G 256 (its fewest group slots) while 512 short
#    processes take pages: the slots run out; the processes' rows plus
#    the pages it says it could not track equal every page it counted,
#    which is what the kernel's pgalloc counters saw.  mmapsnoop
#    and shmsnoop -p stopped (SIGSTOP) while the workload makes 20000
#    calls, far more than their ring buffer holds, then continued: the
#    lines printed plus the records they say they lost equal 20000; their
#    -S instance (counts in maps, no ring buffer) counts 20000.
#    (Neither ends when its -p process exits: they are sent SIGINT.)
. "$(dirname "$0")/lib.sh"

[ "$(id -u)" -eq 0 ] || { echo "1..0 # SKIP needs root"; exit $ksft_skip; }
tmp=${TMPDIR:-/tmp}/reliability_test.$$
mkdir -p "$tmp"
rmmod memstat_alloc_test 2> /dev/null
ko=$(alloc_test_module 2> /dev/null)

tools=$(memstat list | awk '{ print $1 }')
ntools=$(echo $tools | wc -w)
tap_plan $((ntools * 2 + 5))

# ---- helpers -----------------------------------------------------------
# The tools start through memstat_workload sigdfl: a background command of
# this shell would ignore SIGINT until the tool sets its handler, and a
# SIGINT sent before that would be lost (the tool then runs on).

# A generator of our own (busybox's $RANDOM cannot be replayed): rnd N
# sets r to 0 .. N-1.
seed=${MEMSTAT_SEED:-$(od -An -N2 -tu2 /dev/urandom | tr -d ' ')}
diag "seed $seed (MEMSTAT_SEED=$seed replays these delays)"
rnd() {
	seed=$(((seed * 1103515245 + 12345) % 2147483648))
	r=$(((seed / 65536) % ($1 > 0 ? $1 : 1)))
}

# now_cs: uptime in hundredths of a second.
now_cs() {
	read -r up _ < /proc/uptime
	echo $((${up%.*} * 100 + $(echo "${up#*.}" | sed 's/^0//')))
}

# sleep_cs N: sleep N hundredths of a second.
sleep_cs() { sleep "$(($1 / 100)).$(printf %02d $(($1 % 100)))"; }

# ended PID: the process is gone or a zombie.
ended() {
	s=$(awk '{ print $3 }' /proc/$1/stat 2> /dev/null)
	[ -z "$s" ] || [ "$s" = Z ]
}

# wait_end PID TENTHS: until PID has ended (default 20 s); then its exit
# status in rc, or SIGKILL and rc=hang.
wait_end() {
	i=0
	while ! ended $1 && [ $i -lt "${2:-200}" ]; do
		sleep 0.1
		i=$((i + 1))
	done
	if ended $1; then
		wait $1
		rc=$?
	else
		kill -KILL $1
		wait $1
		rc=hang
	fi
}

# execed PID TOOL: until PID runs TOOL (up to 5 s): sigdfl has set
# SIGINT back to its default; before, the shell's child ignores it.
execed() {
	i=0
	until readlink /proc/$1/exe 2> /dev/null | grep -q "/$2\$"; do
		[ $i -lt 500 ] && ! ended $1 || return 0
		sleep 0.01
		i=$((i + 1))
	done
}

# args_of TOOL: what the tool needs in the VM: heapsnoop the test
# program's probes (Debian's C library has none), memaccess the events
# every machine has (no PMU); an interval, but for report (one window).
args_of() {
	case $1 in
	heapsnoop) echo "-O $(command -v memstat_mallocprobes) 1" ;;
	memaccess) echo "-E minor-faults,major-faults 1" ;;
	report) ;;
	*) echo 1 ;;
	esac
}

# attached FILE: the tool said it is attached (stderr of all but
# procstat and sysstat) or printed its first report.
attached() { grep -q -e 'Ctrl-C' "$1.err" 2> /dev/null || [ -s "$1" ]; }

# summary_of TOOL FILE: its final summary is in FILE.
summary_of() {
	case $1 in
	report) grep -q '^memstat report: a' "$2" ;;
	memleak) grep -q -E '^kleak: [0-9]+ reports' "$2" ;;
	*) grep -q -E "^$1: [0-9]+ reports" "$2" ;;
	esac
}

signo() { case $1 in INT) echo 2 ;; TERM) echo 15 ;; KILL) echo 9 ;; esac; }

# What a tool could leave in the kernel: BPF objects, tracefs probe
# events, registered kprobes (perf's too).
tr=$(tracefs) || tr=/nonexistent
leftovers() {
	memstat_truth bpf-objects | head -n 1
	for f in $tr/kprobe_events $tr/uprobe_events /sys/kernel/debug/kprobes/list; do
		[ -r $f ] && sed "s|^|${f##*/}: |" $f
	done
}

# clean: the kernel holds what it held at the start again; a program's
# maps go an RCU grace period after it: up to 5 s.
clean() {
	i=0
	while leftovers > "$tmp/left" 2>&1 && ! cmp -s "$tmp/left0" "$tmp/left" &&
	      [ $i -lt 50 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	cmp -s "$tmp/left0" "$tmp/left"
}

# ---- 1. kill at random moments -------------------------------------------

leftovers > "$tmp/left0" 2>&1
diag "before: $(head -n 1 "$tmp/left0"); $(grep -c . "$tmp/left0") lines of probes and objects"
for tool in $tools; do
	rnd 2
	[ $r -eq 0 ] && { runsig=INT attsig=TERM; } || { runsig=TERM attsig=INT; }
	o=$tmp/k.$tool
	bad=
	# (a) in the run: attach time A, then up to 1 s more.
	rm -f "$o" "$o.err"
	t0=$(now_cs)
	memstat_workload sigdfl $tool $(args_of $tool) > "$o" 2> "$o.err" &
	pid=$!
	i=0
	while ! attached "$o" && ! ended $pid && [ $i -lt 600 ]; do
		sleep 0.05
		i=$((i + 1))
	done
	A=$(($(now_cs) - t0))
	rnd 100
	sleep_cs $r
	kill -$runsig $pid
	wait_end $pid
	what="SIG$runsig at attach ${A}0 ms + ${r}0 ms: rc $rc"
	{ [ "$rc" = 0 ] && summary_of $tool "$o"; } || bad="$bad run"
	# (b) in the attach: 0 .. A.
	rm -f "$o" "$o.err"
	rnd $((A + 1))
	d=$r
	memstat_workload sigdfl $tool $(args_of $tool) > "$o" 2> "$o.err" &
	pid=$!
	execed $pid $tool
	sleep_cs $d
	kill -$attsig $pid
	wait_end $pid
	what="$what; SIG$attsig at ${d}0 ms: rc $rc"
	{ [ "$rc" = 0 ] && summary_of $tool "$o"; } ||
		[ "$rc" = $((128 + $(signo $attsig))) ] || bad="$bad attach"
	# (c) SIGKILL in attach or run: 0 .. A + 1 s.
	rnd $((A + 100))
	d=$r
	memstat_workload sigdfl $tool $(args_of $tool) > "$o" 2> "$o.err" &
	pid=$!
	execed $pid $tool
	sleep_cs $d
	kill -KILL $pid
	wait_end $pid
	what="$what; SIGKILL at ${d}0 ms: rc $rc"
	[ "$rc" = 137 ] || bad="$bad kill"
	diag "$tool: $what"
	[ -z "$bad" ] || sed "s/^/# $tool: /" "$o.err" | head -n 5
	d="$tool: SIGINT/SIGTERM in attach and run end it cleanly,"
	check "$d SIGKILL kills it${bad:+ (failed:$bad)}" \
		-z "$bad"
	if clean; then
		ok "$tool: nothing left: BPF objects, kprobe/uprobe events, kprobes as before"
	else
		diff "$tmp/left0" "$tmp/left" | sed 's/^/# /' | head -n 20
		not_ok "$tool: nothing left: BPF objects, kprobe/uprobe events, kprobes as before"
		# The next tool's check starts from what is there now.
		cp "$tmp/left" "$tmp/left0"
	fi
done

# ---- 2. two instances at once ----------------------------------------------


if [ -n "$ko" ]; then
	nr=1024 order=2
	pages=$((nr << order))
	for n in 1 2; do
		pagealloc -j -R 1 -F 32 -n 0 > "$tmp/pa$n" 2> "$tmp/pa$n.err" &
		eval pa$n=\$!
	done
	wait_for "$tmp/pa1.err" tracing
	wait_for "$tmp/pa2.err" tracing
	insmod "$ko" nr_allocs=$nr order=$order
	irc=$?
	kill -INT $pa1 $pa2
	wait_end $pa1
	rc1=$rc
	wait_end $pa2
	rmmod memstat_alloc_test
	got=
	for n in 1 2; do
		got="$got $(mod_pages alloc "$tmp/pa$n")/$(mod_pages outstanding "$tmp/pa$n")"
	done
	d="two pagealloc at once: each counts all $pages of the module's pages"
	check "$d allocated/outstanding (${got# }; exit $rc1 $rc, insmod $irc)" \
		"$got" = " $pages/$pages $pages/$pages" -a "$rc1" = 0 -a "$rc" = 0 -a $irc -eq 0
else
	skip "two pagealloc at once: no memstat_alloc_test.ko"
fi

rm -f "$tmp/go"
memstat_workload mmap-calls --file "$tmp/mc.dat" --go "$tmp/go" > "$tmp/mc" 2>&1 &
wpid=$!
wait_for "$tmp/mc" '^waiting'
for n in 1 2; do
	mmapsnoop -j -p $wpid > "$tmp/ms$n" 2> "$tmp/ms$n.err" &
	eval ms$n=\$!
done
wait_for "$tmp/ms1.err" tracing
wait_for "$tmp/ms2.err" tracing
touch "$tmp/go"
wait_for "$tmp/mc" '^done'
wait $wpid
sleep 0.5
kill -INT $ms1 $ms2
wait_end $ms1
rc1=$rc
wait_end $ms2
grep '^"call"' "$tmp/mc" > "$tmp/mc.want"
same=0
for n in 1 2; do
	grep '"type":"event"' "$tmp/ms$n" | sed 's/.*"comm":"[^"]*",//; s/}$//' > "$tmp/ms$n.got"
	cmp -s "$tmp/mc.want" "$tmp/ms$n.got" && same=$((same + 1))
done
d="two mmapsnoop -p at once: each prints the $(wc -l < "$tmp/mc.want") calls"
check "$d exactly ($same of 2; exit $rc1 $rc)" \
	$same -eq 2 -a "$(wc -l < "$tmp/mc.want")" -eq 12 -a "$rc1" = 0 -a "$rc" = 0

# ---- 3. floods -------------------------------------------------------------

pgalloc() { awk '$1 ~ /^pgalloc_/ { s += $2 } END { print s + 0 }' /proc/vmstat; }
a0=$(pgalloc)
pagealloc -j -F 0 -R 1 -G 256 -n 0 > "$tmp/pag" 2> "$tmp/pag.err" &
pid=$!
wait_for "$tmp/pag.err" tracing
a1=$(pgalloc)
i=0
while [ $i -lt 512 ]; do
	memstat_workload churn 16 1 > /dev/null
	i=$((i + 1))
done
a2=$(pgalloc)
kill -INT $pid
wait_end $pid
a3=$(pgalloc)
sum=$(grep '"type":"summary"' "$tmp/pag" | sed 's/.*"processes":\[//; s/\].*//' |
      tr '}' '\n' | json_nums alloc_kib | sum)
line=$(grep '"type":"summary"' "$tmp/pag" | sed 's/,"meminfo".*//')
total=$(echo "$line" | json_num alloc_kib)
u=$(echo "$line" | json_num untracked_kib)
drops=$(echo "$line" | json_num drop_group)
pages=$((${total:-0} / page_kib))
d="pagealloc -G 256, 512 processes: rows $sum + untracked $u = $total KiB,"
d="$d $drops not tracked, within pgalloc +$((a2 - a1))..+$((a3 - a0)) pages"
check "$d (exit $rc)" \
	$((${sum:-0} + ${u:-0})) -eq "${total:--1}" -a "${drops:-0}" -gt 0 -a \
	$pages -ge $((a2 - a1)) -a $pages -le $((a3 - a0)) -a "$rc" = 0

# flood TOOL CALL KEY: TOOL -j -p (stopped during the flood) and TOOL -j
# -S -p on memstat_workload flood CALL 20000; KEY the -S count.
flood() {
	calls=20000
	rm -f "$tmp/go" "$tmp/fl"
	memstat_workload flood $2 $calls --go "$tmp/go" > "$tmp/fl" 2>&1 &
	wpid=$!
	wait_for "$tmp/fl" '^waiting'
	$1 -j -p $wpid > "$tmp/fe" 2> "$tmp/fe.err" &
	fe=$!
	$1 -j -S -n 0 -p $wpid > "$tmp/fs" 2> "$tmp/fs.err" &
	fs=$!
	wait_for "$tmp/fe.err" tracing
	wait_for "$tmp/fs.err" tracing
	kill -STOP $fe
	wait_stopped $fe
	touch "$tmp/go"
	wait_for "$tmp/fl" '^done'
	wait $wpid
	wrc=$?
	kill -CONT $fe
	# SIGINT: the ring's records are read before the summary.
	kill -INT $fe $fs
	wait_end $fe
	rce=$rc
	wait_end $fs
	printed=$(grep -c "\"type\":\"event\",.*\"pid\":$wpid," "$tmp/fe")
	sum=$(grep '"type":"summary"' "$tmp/fe")
	lost=$(echo "$sum" | json_num lost_events)
	n=$(grep "\"type\":\"proc\",\"pid\":$wpid," "$tmp/fs" | json_num $3)
	diag "$1: $(cat "$tmp/fl"); printed $printed, lost $lost; -S $n; $sum"
	d="$1 -p stopped during $calls $2 calls: printed $printed + lost ${lost:-?}"
	check "$d = $calls, -S counts ${n:-?} (exit $rce $rc, workload $wrc)" \
		$((printed + ${lost:-0})) -eq $calls -a "${lost:-0}" -gt 0 -a \
		"${n:-0}" -eq $calls -a "$rce" = 0 -a "$rc" = 0 -a $wrc -eq 0
}
flood mmapsnoop mprotect "mprotect"
flood shmsnoop shmdt "shmdt"

diag "the kernel log is checked by run-vm.sh (its console log)"
rm -rf "$tmp"
tap_exit
