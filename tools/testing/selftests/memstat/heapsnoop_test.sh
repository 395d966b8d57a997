#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# heapsnoop against probes fired at known values.  Debian's C library has
# no USDT probes (heapsnoop must say so), so memstat_mallocprobes carries
# probes of its own in glibc's format (provider libc, glibc's names and
# argument types; register, memory and constant operands): it changes
# mallopt settings, grows and trims the main heap and makes an arena per
# thread for real, fires the probe glibc would with the values it knows
# and prints each.  Two of them (3 and 2 threads) run at once, watched
# by heapsnoop -j -p A,B (every hit), -S -j of every process mapping the
# program (-O FILE), text lines of A, and -l.
#
# Ground truth: the workloads' own lists of probes fired, which must come
# out per process and thread with every argument, nothing missing and
# nothing else; the tables are the sums of those lists.
. "$(dirname "$0")/lib.sh"

[ "$(id -u)" -eq 0 ] || { echo "1..0 # SKIP needs root"; exit $ksft_skip; }
tmp=${TMPDIR:-/tmp}/heapsnoop_test.$$
mkdir -p "$tmp"
prog=$(command -v memstat_mallocprobes)

tap_plan 12

# ---- no probes: the C library of this system, a static shell ----------
heapsnoop > "$tmp/out" 2> "$tmp/err"
rc=$?
diag "heapsnoop without a target: $(cat "$tmp/err")"
check "heapsnoop: a C library without probes -> one line, exit 1" $rc -eq 1 -a \
	"$(grep -c 'no USDT probes of provider libc named memory_\*' "$tmp/err")" -eq 1 -a \
	"$(wc -l < "$tmp/err")" -eq 1 -a ! -s "$tmp/out"
heapsnoop -p $$ > "$tmp/out" 2> "$tmp/err"
rc=$?
check "heapsnoop -p: a process without probes -> exit 1 ($rc)" $rc -eq 1 -a \
	"$(grep -c 'no USDT probes' "$tmp/err")" -eq 1

# ---- two workloads, four instances ---------------------------------------
memstat_mallocprobes --go "$tmp/go" --threads 3 > "$tmp/a" 2>&1 &
a=$!
memstat_mallocprobes --go "$tmp/go" --threads 2 > "$tmp/b" 2>&1 &
b=$!
wait_for "$tmp/a" '^waiting'
wait_for "$tmp/b" '^waiting'
heapsnoop -l -p $a > "$tmp/list" 2> "$tmp/list.err"
lrc=$?
heapsnoop -j -p $a,$b > "$tmp/ev" 2> "$tmp/ev.err" &
ev=$!
heapsnoop -j -S -n 0 -O "$prog" > "$tmp/sum" 2> "$tmp/sum.err" &
sm=$!
heapsnoop -p $a > "$tmp/text" 2> "$tmp/text.err" &
tx=$!
for f in ev sum text; do
	wait_for "$tmp/$f.err" tracing || diag "$f: $(cat "$tmp/$f.err")"
done
touch "$tmp/go"
wait $a
arc=$?
wait $b
brc=$?
sleep 0.5
kill -INT $ev $sm $tx
rc=0
for p in $ev $sm $tx; do wait $p || rc=$?; done
diag "A: $(grep '^done' "$tmp/a"); B: $(grep '^done' "$tmp/b")"
check "heapsnoop: workloads ran ($arc, $brc), three instances ended cleanly ($rc)" \
	$arc -eq 0 -a $brc -eq 0 -a $rc -eq 0
# Each thread really made an arena (malloc_info lists main + one each);
# sbrk really moved the break up and down.
check "workloads: the heap grew and was trimmed, an arena per thread" \
	"$(kv arenas < "$tmp/a")" = 4 -a "$(kv arenas < "$tmp/b")" = 3 -a \
	"$(kv sbrk_more < "$tmp/a")" -gt 0 -a "$(kv sbrk_less < "$tmp/a")" -gt 0

# ---- -l: every site, every operand read ----------------------------------
sites=$(kv sites < "$tmp/a")
n=$(grep -c ' memory_' "$tmp/list")
check "heapsnoop -l: every site ($n of $sites), no operand left unread (exit $lrc)" \
	$lrc -eq 0 -a "$n" = "$sites" -a "$(grep -c 'not read' "$tmp/list")" -eq 0

# ---- every hit with its arguments ----------------------------------------
# fired tid=T memory_x k=v ... : the same from the JSON events.
hits() {
	grep "\"type\":\"event\".*\"pid\":$1," "$tmp/ev" |
		sed -n 's/.*"tid":\([0-9]*\),.*"probe":"\([^"]*\)",/tid=\1 \2 /p' |
		sed 's/"args":{\(.*\)}}$/\1/; s/"\([a-z_0-9]*\)":/\1=/g; s/"//g; s/,/ /g' |
		sort
}
for w in a b; do
	eval pid=\$$w
	sed -n 's/^fired //p' "$tmp/$w" | sort > "$tmp/want.$w"
	hits $pid > "$tmp/got.$w"
	n=$(wc -l < "$tmp/got.$w")
	if cmp -s "$tmp/want.$w" "$tmp/got.$w"; then
		ok "heapsnoop -j -p: every hit of $w, thread and arguments exact ($n)"
	else
		diff "$tmp/want.$w" "$tmp/got.$w" | head -n 12 | sed 's/^/# /'
		not_ok "heapsnoop -j -p: every hit of $w, thread and arguments exact"
	fi
done
check "heapsnoop -j: no hit lost, no argument unread" \
	"$(json_num lost_events < "$tmp/ev")" = 0 -a "$(json_num unread_args < "$tmp/ev")" = 0

# ---- the table: sums of the hits ------------------------------------------
keys="events sbrk_more_bytes sbrk_less_bytes heaps_new heaps_freed heap_grown_bytes
heap_shrunk_bytes arenas_new retries mallopt tcache_double_frees"
# The workload's list (stdin), summed as glibc's manual defines the probes.
truth() {
	awk '{
		for (i = 3; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
		n++
		p = $2
		if (p == "memory_sbrk_more") sm += v["size"]
		if (p == "memory_sbrk_less") sl += v["size"]
		if (p == "memory_heap_new") { hn++; hg += v["size"]; hs[v["heap"]] = v["size"] }
		if (p == "memory_heap_more" || p == "memory_heap_less") {
			d = v["size"] - hs[v["heap"]]; hs[v["heap"]] = v["size"]
			if (d > 0) hg += d; else hk -= d
		}
		if (p == "memory_heap_free") { hf++; hk += v["size"] }
		if (p == "memory_arena_new") an++
		if (p ~ /_retry$/) rt++
		if (p == "memory_mallopt") mo++
		if (p == "memory_tcache_double_free") df++
	} END { print n+0, sm+0, sl+0, hn+0, hf+0, hg+0, hk+0, an+0, rt+0, mo+0, df+0 }'
}
for w in a b; do
	eval pid=\$$w
	row=$(grep "\"type\":\"proc\".*\"pid\":$pid," "$tmp/sum")
	got=$(for k in $keys; do echo "$row" | json_num $k; done | tr '\n' ' ')
	want=$(sed -n 's/^fired //p' "$tmp/$w" | truth)
	diag "$w: table $got; hits $want"
	check "heapsnoop -S -O FILE: $w's row = the sums of its hits" "${got% }" = "$want"
done

# ---- text lines ----------------------------------------------------------
# A line per hit, the probe without "memory_"; long ones wrap.
n=$(grep -c " sbrk_\| heap_\| arena_\| mallopt\| malloc_retry\| tcache_" "$tmp/text")
check "heapsnoop: text lines of A, one per hit ($n of $(wc -l < "$tmp/want.a"))" \
	"$n" -eq "$(wc -l < "$tmp/want.a")" -a \
	"$(grep -c " malloc_retry  *bytes=12345\$" "$tmp/text")" -eq 1

# ---- a command, started and traced from its first instruction ------------
heapsnoop -j -O "$prog" -- memstat_mallocprobes --go "$tmp/go" --threads 1 \
	> "$tmp/cmd" 2> "$tmp/cmd.err"
rc=$?
n=$(grep -c '"type":"event"' "$tmp/cmd")
want=$(grep -c '^fired' "$tmp/cmd")
check "heapsnoop -- COMMAND: every hit of the command ($n of $want), exit $rc" \
	$rc -eq 0 -a "$n" -eq "$want" -a "$n" -gt 0

rm -rf "$tmp"
tap_exit
