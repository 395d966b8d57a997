#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# oomkill against the kernel's own account of each OOM kill.  Two kills,
# each of a process that set its own oom_score_adj to 1000 (so that it is
# the victim; this script and the tools run at -1000, vm.panic_on_oom 0):
# - a memcg OOM: the process faults in and mlocks 64 MiB in a cgroup v2
#   child with memory.max 32 MiB (and memory.swap.max 0);
# - a global OOM: with swap off, the process faults in MemTotal + 256 MiB
#   (vm.overcommit_memory 1 for the mmap()).
# Five oomkill instances watch: JSON records (-j), JSON counts (-j -S),
# text, the other victim hook (-j -A process) and JSON records of the
# memcg OOM's cgroup only (-c).
#
# Ground truth, from a /dev/kmsg mark on:
# - the "Killed process" line of each kill: pid, comm, total-vm,
#   anon-rss, file-rss, shmem-rss, UID, pgtables, oom_score_adj;
# - its "oom-kill:" line: constraint, oom_memcg, task_memcg, task, pid;
# - its "invoked oom-killer" line: trigger comm, gfp_mask, order,
#   oom_score_adj;
# - memory.events oom_kill of the cgroup, /proc/vmstat oom_kill.
. "$(dirname "$0")/lib.sh"

[ "$(id -u)" -eq 0 ] || { echo "1..0 # SKIP needs root"; exit $ksft_skip; }
[ -w /dev/kmsg ] || { echo "1..0 # SKIP needs /dev/kmsg"; exit $ksft_skip; }
tmp=${TMPDIR:-/tmp}/oomkill_test.$$
mkdir -p "$tmp"

tap_plan 15

# kfield LINE KEY: the number after "KEY:" in a kernel line.
kfield() { echo "$1" | sed -n "s/.*[ ,]$2:\(-\{0,1\}[0-9]*\).*/\1/p" | head -n 1; }
# jstr KEY: the string "KEY" of the JSON record on stdin.
jstr() { sed -n "s/.*\"$1\":\"\([^\"]*\)\".*/\1/p" | head -n 1; }
# oom_wait PID FILE WHAT: wait for PID (a workload) to be killed; if it
# says "ready" in FILE first (or 5 minutes pass), nothing killed it:
# end it and say so.
oom_wait() {
	i=0
	while kill -0 $1 2> /dev/null && ! grep -q '^ready' "$2" && [ $i -lt 3000 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	kill -0 $1 2> /dev/null && { diag "$3 workload $1 not OOM killed"; kill -KILL $1; }
	wait $1
	diag "$3 workload $1 exit $?"
}

echo -1000 > /proc/self/oom_score_adj
panic=$(cat /proc/sys/vm/panic_on_oom)
overcommit=$(cat /proc/sys/vm/overcommit_memory)
echo 0 > /proc/sys/vm/panic_on_oom
b_kills=$(vmstat oom_kill)

# The memcg OOM's cgroup first: oomkill -c watches it.
root=/sys/fs/cgroup
cg=
if [ -w $root/cgroup.subtree_control ] &&
   echo +memory > $root/cgroup.subtree_control 2> /dev/null; then
	cg=$root/oomkill_test.$$
	mkdir $cg || cg=
fi
tools="ev sum text proc"
[ -z "$cg" ] || { oomkill -j -c $cg > "$tmp/cg" 2> "$tmp/cg.err" & cgp=$!; tools="$tools cg"; }
oomkill -j > "$tmp/ev" 2> "$tmp/ev.err" &
ev=$!
oomkill -j -S -n 0 > "$tmp/sum" 2> "$tmp/sum.err" &
sum=$!
oomkill -F 4 > "$tmp/text" 2> "$tmp/text.err" &
text=$!
oomkill -j -A process > "$tmp/proc" 2> "$tmp/proc.err" &
proc=$!
for f in $tools; do wait_for "$tmp/$f.err" 'tracing'; done
echo "oomkill_test: begin $$" > /dev/kmsg

# ---- a memcg OOM ---------------------------------------------------------
mpid= mkill=
if [ -n "$cg" ]; then
	echo $((32 * 1024 * 1024)) > $cg/memory.max
	[ ! -e $cg/memory.swap.max ] || echo 0 > $cg/memory.swap.max
	b_mkill=$(awk '$1 == "oom_kill" { print $2 }' $cg/memory.events)
	sh -c "echo \$\$ > $cg/cgroup.procs; echo 1000 > /proc/self/oom_score_adj
		exec memstat_workload hold --mlock-kb 65536" > "$tmp/mcg.wl" 2>&1 &
	mpid=$!
	oom_wait $mpid "$tmp/mcg.wl" memcg
	mkill=$(($(awk '$1 == "oom_kill" { print $2 }' $cg/memory.events) - b_mkill))
fi

# ---- a global OOM --------------------------------------------------------
# Without swap: under TCG, swapping out to zram until it is full took
# minutes of soft lockups before the OOM killer ran.
swaps=$(awk 'NR > 1 { print $1 }' /proc/swaps)
for s in $swaps; do swapoff "$s"; done
kb=$(($(meminfo_kb /proc/meminfo MemTotal) + 262144))
echo 1 > /proc/sys/vm/overcommit_memory
sh -c 'echo 1000 > /proc/self/oom_score_adj
	exec memstat_workload hold --anon-kb '$kb > "$tmp/g.wl" 2>&1 &
gpid=$!
oom_wait $gpid "$tmp/g.wl" "global ($kb KiB)"
for s in $swaps; do swapon "$s"; done
echo "$overcommit" > /proc/sys/vm/overcommit_memory
echo "$panic" > /proc/sys/vm/panic_on_oom
sleep 1
kills=$(($(vmstat oom_kill) - b_kills))
for p in $ev $sum $text $proc $cgp; do kill -INT $p; done
rc=0
for p in $ev $sum $text $proc $cgp; do wait $p || rc=$?; done
[ -z "$cg" ] || rmdir $cg
dmesg | sed -n "/oomkill_test: begin $$/,\$p" > "$tmp/dmesg"

n=$(grep -c '"type":"kill"' "$tmp/ev")
k=$(grep -c ': Killed process ' "$tmp/dmesg")
check "oomkill: the instances ended cleanly (exit $rc)" $rc -eq 0 -a \
	-n "$(grep '"type":"summary"' "$tmp/ev")"
check "oomkill: one record per kill = dmesg = vmstat oom_kill ($n, $k, $kills)" \
	"$n" = "$k" -a "$k" = "$kills" -a "$n" -ge 1

# victim PID KIND: the record of the kill of PID against the kernel's lines.
victim() {
	rec=$(grep '"type":"kill"' "$tmp/ev" | grep "\"pid\":$1,")
	line=$(grep ": Killed process $1 " "$tmp/dmesg" | head -n 1)
	bad=""
	for f in total-vm:total_vm_kib anon-rss:anon_rss_kib \
		 file-rss:file_rss_kib shmem-rss:shmem_rss_kib UID:uid \
		 pgtables:pgtables_kib oom_score_adj:oom_score_adj; do
		kv=$(kfield "$line" "${f%%:*}")
		jv=$(echo "$rec" | json_num "${f#*:}")
		[ -n "$kv" ] && [ "$kv" = "$jv" ] || bad="$bad ${f%%:*}=$jv/$kv"
	done
	comm=$(echo "$line" | sed -n 's/.*Killed process [0-9]* (\(.*\)) total-vm.*/\1/p')
	[ "$(echo "$rec" | jstr comm)" = "$comm" ] || bad="$bad comm"
	diag "$2 kernel: $line"
	check "oomkill: $2 victim $1 = the kernel's Killed process line${bad:+ (wrong:$bad)}" \
		-n "$rec" -a -n "$line" -a -z "$bad"
	# oom-kill:constraint=...,task=comm,pid=N,uid=U
	ctx=$(grep "oom-kill:constraint=.*,pid=$1," "$tmp/dmesg" | head -n 1)
	con=$(echo "$ctx" | sed -n 's/.*constraint=CONSTRAINT_\([A-Z_]*\),.*/\1/p')
	case "$con" in NONE) con=global ;; MEMORY_POLICY) con=mempolicy ;;
		*) con=$(echo "$con" | tr A-Z a-z) ;; esac
	tcg=$(echo "$ctx" | sed -n 's/.*task_memcg=\([^,]*\),.*/\1/p')
	ocg=$(echo "$ctx" | sed -n 's/.*oom_memcg=\([^,]*\),.*/\1/p')
	diag "$2 kernel: $ctx"
	d="constraint, oom_memcg, task_memcg = oom-kill: line"
	check "oomkill: $2 $d ($con ${ocg:--} $tcg)" \
		-n "$ctx" -a "$(echo "$rec" | jstr constraint)" = "$con" -a \
		"$(echo "$rec" | jstr task_memcg)" = "$tcg" -a \
		"$(echo "$rec" | jstr oom_memcg)" = "$ocg"
	# "comm invoked oom-killer: gfp_mask=0xcc0(GFP_KERNEL), order=0, oom_score_adj=1000"
	# printed before this kill's Killed process line.
	inv=$(sed -n "1,/: Killed process $1 /p" "$tmp/dmesg" |
	      grep 'invoked oom-killer:' | tail -n 1)
	diag "$2 kernel: $inv"
	tc=$(echo "$inv" | sed -n 's/^\(\[[^]]*\] \)\{0,1\}\(.*\) invoked oom-killer.*/\2/p')
	g=$(echo "$inv" | sed -n 's/.*gfp_mask=\(0x[0-9a-f]*\).*/\1/p')
	o=$(echo "$inv" | sed -n 's/.*order=\(-\{0,1\}[0-9]*\).*/\1/p')
	a=$(echo "$inv" | sed -n 's/.*oom_score_adj=\(-\{0,1\}[0-9]*\).*/\1/p')
	check "oomkill: $2 trigger = invoked oom-killer line ($tc $g order $o adj $a)" \
		-n "$inv" -a "$(echo "$rec" | jstr trigger_comm)" = "$tc" -a \
		"$(echo "$rec" | jstr gfp_hex)" = "$g" -a \
		"$(echo "$rec" | json_num order)" = "$o" -a \
		"$(echo "$rec" | json_num trigger_oom_score_adj)" = "$a"
	check "oomkill: $2 record has the trigger's kernel stack through out_of_memory" \
		-n "$(echo "$rec" | grep '"stack":\[.*out_of_memory')"
}

if [ -n "$mpid" ]; then
	victim $mpid memcg
	rec=$(grep '"type":"kill"' "$tmp/ev" | grep "\"pid\":$mpid,")
	lim=$(echo "$rec" | json_num memcg_limit_kib)
	use=$(echo "$rec" | json_num memcg_usage_kib)
	nm=$(grep '"type":"kill"' "$tmp/ev" | grep -c "\"oom_memcg\":\"/oomkill_test.$$\"")
	d="memcg kills = memory.events oom_kill ($nm, $mkill)"
	check "oomkill: $d; limit 32768 KiB ($lim), usage near it ($use)" \
		"$nm" = "$mkill" -a "${lim:-x}" = 32768 -a "${use:-0}" -le 32768 -a \
		"${use:-0}" -ge 30720
	c=$(grep -c '"type":"kill"' "$tmp/cg")
	check "oomkill -c: the cgroup's kill only ($c, pid $(json_num pid < "$tmp/cg"))" \
		"$c" -eq 1 -a "$(json_num pid < "$tmp/cg")" = "$mpid"
else
	for i in 1 2 3 4 5 6; do skip "oomkill: memcg: no cgroup2 memory controller at $root"; done
fi
victim $gpid global

# -S: counts in the kernel, by constraint and victim name.
# (the top-level keys: "kills" is in each victim too)
s=$(grep '"type":"summary"' "$tmp/sum" | sed 's/"victims".*//')
v=$(grep '"type":"summary"' "$tmp/sum" | sed 's/.*"victims"//')
g=$(grep '"type":"kill"' "$tmp/ev" | grep -c '"constraint":"global"')
m=$(grep '"type":"kill"' "$tmp/ev" | grep -c '"constraint":"memcg"')
w=$(echo "$v" | sed -n 's/.*{"comm":"memstat_workloa","kills":\([0-9]*\).*/\1/p')
d="kills $(echo "$s" | json_num kills) = records $n"
check "oomkill -S: $d; global $g, memcg $m; by name $w" \
	"$(echo "$s" | json_num kills)" = "$n" -a "$(echo "$s" | json_num global)" = "$g" -a \
	"$(echo "$s" | json_num memcg)" = "$m" -a "${w:-x}" -ge $((${mpid:+1} + 1)) -a \
	-z "$(grep '"type":"kill"' "$tmp/sum")"
check "oomkill: the text shows the global kill of $gpid" \
	-n "$(grep "OOM kill (global) pid $gpid " "$tmp/text")"
# -A process: oom_kill_process(), oc->chosen as the victim: the same kills.
# Its anon RSS is read before dump_header() prints, and a global OOM's
# victim may go on faulting in on another CPU meanwhile (1 MiB seen):
# at most the -j record's, and not under half of it (no swap to shrink).
# kills FILE: "pid comm anon_rss_kib" of each kill record.
kills() {
	grep '"type":"kill"' "$1" |
	sed 's/.*"pid":\([0-9]*\),.*"comm":"\([^"]*\)",.*"anon_rss_kib":\([0-9]*\),.*/\1 \2 \3/'
}
kills "$tmp/ev" > "$tmp/ev.kills"
kills "$tmp/proc" > "$tmp/proc.kills"
bad=$(paste -d ' ' "$tmp/ev.kills" "$tmp/proc.kills" |
      awk 'NF != 6 || $1 != $4 || $2 != $5 || $6 > $3 || 2 * $6 < $3 { n++ } END { print n + 0 }')
d="$(tr '\n' ' ' < "$tmp/proc.kills")vs $(tr '\n' ' ' < "$tmp/ev.kills")"
check "oomkill -A process: the same kills (pid comm anon: $d)" \
	-s "$tmp/proc.kills" -a "$bad" -eq 0 -a \
	"$(wc -l < "$tmp/proc.kills")" -eq "$(wc -l < "$tmp/ev.kills")"
sed 's/^/# /' "$tmp/text" | head -n 40
for f in $tools; do
	grep -v tracing "$tmp/$f.err" | while read -r l; do diag "$f: $l"; done
done
rm -rf "$tmp"
tap_exit
