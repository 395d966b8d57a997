#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# memleak against programs that leak known blocks from known sites.
# memstat_leaker (frame pointers) runs each site in threads and prints
# what each leaves outstanding ("site NAME BYTES COUNT": the sizes it
# asked for, counted at the call); a site is a function site_NAME, the
# first frame of its blocks' stacks.  Sites: malloc, calloc, realloc
# (malloc'ed blocks grown by realloc: outstanding under realloc),
# posix_memalign, aligned_alloc, memalign, partial (17 blocks, 10 freed),
# valloc, reallocarray, mmap (3 kept, 1 unmapped), big (1 MiB blocks:
# malloc calls mmap itself), freed and realloc_zero (nothing left).
# The leaker stops itself before it starts and after it printed, so the
# tracers are attached before its first allocation and read it alive.
#
#  1. two leakers (3 threads and 1) under -p A,B, with -o 1, -o 3600,
#     -z/-Z and a text table on A: every site exact, per process;
#  2. the leaker with an allocator of our own LD_PRELOAD'ed
#     (memstat_interpose.so: every allocation function): found in the
#     maps by itself, every site exact;
#  3. memleak -- COMMAND: the leaker run by memleak, exact at its exit;
#  4. a program that frees everything: nothing outstanding;
#  5. -r 20 (sampling): every site leaking >= 1 MiB named;
#  6. bad input (without a process it is kleak: kleak_test.sh).
. "$(dirname "$0")/lib.sh"

[ "$(id -u)" -eq 0 ] || { echo "1..0 # SKIP needs root"; exit $ksft_skip; }
tmp=${TMPDIR:-/tmp}/memleak_test.$$
mkdir -p "$tmp"

tap_plan 43

# start_leaker NAME CMD...: CMD (memstat_leaker, maybe through env) in
# the background, output in $tmp/NAME, stopped before it starts; its pid
# in $lpid.
start_leaker() {
	name=$1
	shift
	"$@" > "$tmp/$name" 2>&1 &
	lpid=$!
	wait_stopped $lpid
}

# trace NAME ARGS...: memleak ARGS in the background, output in
# $tmp/NAME, until it traces; its pid in $mpid.
trace() {
	name=$1
	shift
	memleak "$@" > "$tmp/$name" 2> "$tmp/$name.err" &
	mpid=$!
	wait_for "$tmp/$name.err" 'tracing' && return
	diag "$name: $(cat "$tmp/$name.err")"
	memleak -v -d 1 "$@" 2>&1 | grep -v '^libbpf: \(elf\|sec\|map\|prog\|CO-RE\)' |
		tail -n 40 | sed 's/^/# /'
}

# run_leaker PID FILE: let it run until it printed the truth and stopped;
# if it died on the way, say how (exit status, its output, the kernel's
# last lines: a segfault shows there).
run_leaker() {
	kill -CONT "$1"
	wait_for "$2" '^done' 1200
	wait_stopped "$1"
	kill -0 "$1" 2> /dev/null && return
	wait "$1"
	diag "leaker $1 ended early, exit status $?; its output:"
	tail -n 5 "$2" | sed 's/^/#   /'
	dmesg | tail -n 8 | sed 's/^/#   /'
}

# site_sum FILE PID SITE KEY: KEY summed over PID's stack records whose
# first frame is site_SITE.
site_sum() {
	grep "\"type\":\"stack\",\"pid\":$2,.*\"stack\":\[\"site_$3+0x" "$1" |
		json_nums "$4" | sum
}

# exact FILE PID TRUTH WHAT: one check per site of TRUTH that FILE
# shows PID's outstanding bytes and blocks as TRUTH says.
exact() {
	grep '^site ' "$3" > "$tmp/sites"
	while read -r _ site bytes count; do
		sb=$(site_sum "$1" "$2" "$site" bytes)
		sc=$(site_sum "$1" "$2" "$site" allocs)
		check "memleak $4: site_$site holds $bytes in $count blocks ($sb, $sc)" \
			"$sb" = "$bytes" -a "$sc" = "$count"
		[ "$sb" = "$bytes" ] ||
			grep "\"pid\":$2,.*\"stack\":\[\"[^\"]*\"" "$1" |
			grep -v '"site_[a-z_]*+' | head -n 4 | cut -c 1-300 | sed 's/^/# /'
	done < "$tmp/sites"
}

# 1. Two leakers, five tracers.
start_leaker a memstat_leaker leak 3
a=$lpid
start_leaker b memstat_leaker leak 1
b=$lpid
trace pp -j -n 0 -p $a,$b
pp=$mpid
trace old1 -j -n 0 -o 1 -p $a
old1=$mpid
trace old3600 -j -n 0 -o 3600 -p $a
old3600=$mpid
trace size -j -n 0 -z 4000 -Z 6000 -p $a
size=$mpid
trace text -n 0 -F 3 -p $a
text=$mpid
run_leaker $a "$tmp/a"
run_leaker $b "$tmp/b"
sleep 1.5
for p in $pp $old1 $old3600 $size $text; do kill -INT $p; done
rc=0
for p in $pp $old1 $old3600 $size $text; do wait $p || rc=$?; done
check "memleak: five instances ran and ended cleanly (exit $rc)" $rc -eq 0
exact "$tmp/pp" $a "$tmp/a" "-p A,B (A, 3 threads)"
n=$(grep '^site ' "$tmp/b" | awk '$3 > 0' | while read -r _ site bytes count; do
	[ "$(site_sum "$tmp/pp" $b "$site" bytes)" = "$bytes" ] &&
	[ "$(site_sum "$tmp/pp" $b "$site" allocs)" = "$count" ] && echo ok
done | wc -l)
check "memleak -p A,B: B's 11 leaking sites exact too ($n)" "$n" = 11
if [ "$n" != 11 ]; then
	grep '"type":"proc"' "$tmp/pp" | sed 's/^/# /'
	grep "\"pid\":$b," "$tmp/pp" | head -n 20 | cut -c 1-300 | sed 's/^/# /'
	sed 's/^/# /' "$tmp/pp.err"
	diag "a=$a b=$b"
fi
# The process's row adds its stacks up.
rec=$(grep "\"type\":\"proc\",\"pid\":$a," "$tmp/pp")
all=$(grep "\"type\":\"stack\",\"pid\":$a," "$tmp/pp" | json_nums bytes | sum)
check "memleak: A's row adds up its stacks ($(echo "$rec" | json_num bytes) = $all)" \
	"$(echo "$rec" | json_num bytes)" = "$all"
sum=$(grep '"type":"summary"' "$tmp/pp")
d=$(echo "$sum" | json_num dropped)
check "memleak: nothing dropped ($d)" "$d" = 0
# -o 1: every block is older than that now; -o 3600: none.
n=$(grep '^site ' "$tmp/a" | awk '$3 > 0' | while read -r _ site bytes count; do
	[ "$(site_sum "$tmp/old1" $a "$site" bytes)" = "$bytes" ] &&
	[ "$(site_sum "$tmp/old1" $a "$site" allocs)" = "$count" ] && echo ok
done | wc -l)
check "memleak -o 1: A's 11 leaking sites exact from the block table ($n)" "$n" = 11
n=$(grep -c '"type":"stack"' "$tmp/old3600")
check "memleak -o 3600: nothing that old ($n stacks)" "$n" = 0
# -z 4000 -Z 6000: malloc 4099, calloc 4303, realloc 5003 only.
v=$(grep "\"type\":\"stack\",\"pid\":$a,.*\"stack\":\[\"site_" "$tmp/size" |
    sed 's/.*"stack":\["site_\([a-z_]*\)+.*/\1/' | sort -u | tr '\n' ' ')
check "memleak -z 4000 -Z 6000: sites calloc malloc realloc ($v)" \
	"$v" = "calloc malloc realloc "
# The table: the caller's frame first, with its module (threads' stacks
# may differ below the start of the thread: a site may show twice).
n=$(sed -n 's/^ *\(site_[a-z_]*\)+0x[0-9a-f]* (memstat_leaker)$/\1/p' "$tmp/text" |
    sort -u | wc -l)
check "memleak: the table names the 11 leaking sites ($n)" "$n" = 11
grep -A 4 "^$a " "$tmp/text" | sed 's/^/# /'
kill -CONT $a $b
wait $a $b

# 2. An interposed allocator, found in the maps.
start_leaker pre env LD_PRELOAD="$(command -v memstat_interpose.so)" memstat_leaker leak 2
trace ipose -j -n 0 -p $lpid
ipose=$mpid
run_leaker $lpid "$tmp/pre"
kill -INT $ipose
wait $ipose
rc=$?
check "memleak: found the interposed allocator (exit $rc: $(head -n 1 "$tmp/ipose.err"))" \
	$rc -eq 0 -a -n "$(grep 'tracing.*memstat_interpose\.so' "$tmp/ipose.err")"
exact "$tmp/ipose" $lpid "$tmp/pre" "(LD_PRELOAD)"
kill -CONT $lpid
wait $lpid

# 3. A command memleak runs: its end ends the run, the report follows.
MEMSTAT_LEAKER_NOSTOP=1 memleak -j -n 0 -- memstat_leaker leak 2 > "$tmp/cmd" 2> "$tmp/cmd.err"
rc=$?
cpid=$(sed -n 's/^pid \([0-9]*\)$/\1/p' "$tmp/cmd")
check "memleak -- COMMAND: ran it, ended with it (exit $rc, pid $cpid)" \
	$rc -eq 0 -a -n "$cpid"
n=$(grep '^site ' "$tmp/cmd" | while read -r _ site bytes count; do
	[ "$(site_sum "$tmp/cmd" "$cpid" "$site" bytes)" = "$bytes" ] &&
	[ "$(site_sum "$tmp/cmd" "$cpid" "$site" allocs)" = "$count" ] && echo ok
done | wc -l)
check "memleak -- COMMAND: all 13 sites exact at its exit ($n)" "$n" = 13

# 4. Everything freed again: nothing outstanding, whatever the age.
start_leaker free memstat_leaker noleak
trace none -j -n 0 -o 1 -p $lpid
none=$mpid
trace none0 -j -n 0 -p $lpid
none0=$mpid
run_leaker $lpid "$tmp/free"
sleep 1.5
kill -INT $none $none0
wait $none $none0
n=$(grep -c '"type":"stack"' "$tmp/none")
n0=$(grep -c '"type":"stack"' "$tmp/none0")
f=$(grep '"type":"summary"' "$tmp/none0" | json_num frees)
al=$(grep '"type":"summary"' "$tmp/none0" | json_num allocs)
check "memleak: a program freeing all shows nothing (-o 1: $n, $n0 stacks; $al allocs, $f frees)" \
	"$n" = 0 -a "$n0" = 0 -a "$al" -gt 100 -a "$al" = "$f"
kill -CONT $lpid
wait $lpid

# 5. Sampling: allocation probes 20% of the time, frees always.
start_leaker steady memstat_leaker steady 1500
trace sampled -j -n 0 -r 20 -p $lpid
sampled=$mpid
run_leaker $lpid "$tmp/steady"
kill -INT $sampled
wait $sampled
rc=$?
pct=$(grep '"type":"summary"' "$tmp/sampled" | json_num sampled_pct)
check "memleak -r 20: ran (exit $rc), probes on $pct% of the time" \
	$rc -eq 0 -a "${pct:-0}" -ge 10 -a "${pct:-0}" -le 30
for site in steady_a steady_b; do
	t=$(awk -v s=$site '$1 == "site" && $2 == s { print $3 }' "$tmp/steady")
	b=$(site_sum "$tmp/sampled" $lpid $site bytes)
	check "memleak -r 20: names $site (truth $t >= 1 MiB, sampled $b bytes)" \
		"$t" -ge 1048576 -a "$b" -gt 0 -a "$b" -le "$t"
done
kill -CONT $lpid
wait $lpid

# 6. Bad input: usage errors exit 2, runtime ones 1, with one line.
memleak -p 1 -z 10 -Z 5 > "$tmp/e1" 2>&1
r1=$?
memleak -p 999999999 > "$tmp/e2" 2>&1
r2=$?
memleak -p 1 -r 100 > "$tmp/e3" 2>&1
r3=$?
memleak -p 1 -O no-such-allocator > "$tmp/e4" 2>&1
r4=$?
memleak -p 1 -- true > "$tmp/e5" 2>&1
r5=$?
for e in e1 e2 e3 e4 e5; do diag "$e: $(cat "$tmp/$e")"; done
check "memleak: -z above -Z, a bad pid, -r 100, -p with a command exit 2 ($r1 $r2 $r3 $r5)" \
	$r1 = 2 -a $r2 = 2 -a $r3 = 2 -a $r5 = 2
check "memleak -O: an object not mapped exits 1, naming it ($r4)" \
	$r4 = 1 -a -n "$(grep 'no-such-allocator' "$tmp/e4")"
for f in "$tmp"/*.err; do
	grep -v tracing "$f" | while read -r l; do diag "$(basename "$f"): $l"; done
done
rm -rf "$tmp"
tap_exit
