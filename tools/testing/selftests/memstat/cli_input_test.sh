#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Bad input to every memstat tool: each case one stderr line naming the
# cause (matched), exit 2, nothing on stdout; a crash, a silent accept
# or a second line fails it.  Every tool gets the cases of the options
# every tool has (unknown option, interval and count not a number,
# negative, beyond 32 and 64 bits, 0; -d without a value or negative),
# those of -p (a pid that exited, a thread's id, out of range, two for a
# tool that traces one), of -c (no cgroup, no such path, two; refused by
# the tools without it, as -C is), and those of its own options and the
# pairs it refuses together.  What a tool takes is read from its -h.
# Each tool must have at least 8 cases.
. "$(dirname "$0")/lib.sh"

[ "$(id -u)" -eq 0 ] || { echo "1..0 # SKIP needs root"; exit $ksft_skip; }
tmp=${TMPDIR:-/tmp}/cli_input_test.$$
mkdir -p "$tmp"

# The one list (tools/memstat/memstat_tools.h), as the front-end prints it.
tools=$(memstat list | awk '{ print $1 }')
cg=/sys/fs/cgroup

# A pid that existed and has exited (reaped); a thread of a live process.
sh -c 'exit 0' &
dead=$!
wait $dead
memstat_workload hold --threads 1 > "$tmp/wl" &
wpid=$!
wait_for "$tmp/wl" '^thread'
tid=$(sed -n 's/^thread tid=\([0-9]*\).*/\1/p' "$tmp/wl")

# takes TOOL TEXT: TOOL's help lists an option line starting with TEXT.
takes() { "$1" -h 2>/dev/null | grep -q -e "^  $2"; }

# bad TOOL PATTERN DESC -- ARGS: one case, counted or run (below).
cases() {
	t=$1
	bad $t "unknown option -x" "unknown option" -- -x
	bad $t "unknown option --nope" "unknown long option" -- --nope
	bad $t "interval 'abc' is not a number" "interval not a number" -- abc
	bad $t "'-1' is negative: interval and count" "negative interval" -- -1
	bad $t "interval '99999999999999999999' out of range" \
		"interval beyond 64 bits" -- 99999999999999999999
	bad $t "count '4294967297' out of range" "count beyond 32 bits" -- 1 4294967297
	bad $t "interval '0' out of range" "interval 0" -- 0
	bad $t "count '0' out of range" "count 0" -- 1 0
	bad $t "unexpected argument '3'" "a third number" -- 1 2 3
	bad $t "option -d needs a value" "-d without a value" -- -d
	bad $t "duration '-5' out of range" "negative -d" -- -d -5
	if takes $t "-p, --pid"; then
		bad $t "option -p needs a value" "-p without a value" -- -p
		bad $t "pid 'x1' is not a number" "-p not a number" -- -p x1
		bad $t "pid '4294967297' out of range" "-p beyond 32 bits" -- -p 4294967297
		bad $t "no such process: $dead" "-p of a process that exited" -- -p $dead
		bad $t "${tid:-none} is a thread of process $wpid: use -p $wpid" \
			"-p of a thread: names the process" -- -p "${tid:-0}"
		if takes $t "-p, --pid PID,"; then
			bad $t "no such process: $dead" "-p PID,PID with one exited" \
				-- -p $$,$dead
		else
			bad $t "-p $wpid after -p $$: $t traces one process" \
				"-p twice" -- -p $$ -p $wpid
		fi
	else
		bad $t "unknown option -p" "no -p" -- -p 1
	fi
	if takes $t "-c, --cgroup"; then
		bad $t "/proc: not a cgroup directory" "-c not a cgroup" -- -c /proc
		bad $t "/nonexistent: No such file" "-c no such path" -- -c /nonexistent
		bad $t "-c $cg after -c $cg: one cgroup" "-c twice" -- -c $cg -c $cg
	else
		bad $t "$t shows system-wide state" "-c refused" -- -c $cg
	fi
	takes $t "-C, --show-cgroup" ||
		bad $t "$t has no table of processes" "-C refused" -- -C
	takes $t "-n" && bad $t "top '-1' out of range" "-n negative" -- -n -1
	takes $t "-F, --frames" &&
		bad $t "frames '33' out of range" "-F beyond 32 frames" -- -F 33
	takes $t "-A, --attach" && bad $t "unknown attach point 'nope'" "-A unknown" -- -A nope
	takes $t "-s, --sort" && bad $t "unknown sort" "-s unknown" -- -s nope
	takes $t "-e, --events" && bad $t "-e prints each event as it happens" \
		"-e with an interval" -- -e 1
	case $t in
	procstat)
		bad $t "-M is one report" "-M with -j" -- -M -j
		bad $t "-M is one report" "-M with -t" -- -M -t
		bad $t "-M is one report" "-M with an interval" -- -M 1 ;;
	sysstat)
		bad $t "-M is one report" "-M with -j" -- -M -j
		bad $t "-M is one report" "-M with an interval" -- -M 1 ;;
	report)
		bad $t "-M and -j: choose one output" "-M with -j" -- -M -j
		bad $t "report takes no interval" "an interval" -- 5 ;;
	faults)
		bad $t "-F 0 shows no frames" "-F 0 with -K" -- -F 0 -K ;;
	heapsnoop|memleak)
		bad $t "a command to run and -p or -c exclude each other" \
			"-p with a command" -- -p $$ -- true
		bad $t "a command to run and -p or -c exclude each other" \
			"-c with a command" -- -c $cg -- true
		bad $t "no command after --" "-- without a command" -- -p $$ -- ;;
	esac
	case $t in
	memleak)
		bad $t "-z 10 is above -Z 5" "-z above -Z" -- -z 10 -Z 5
		bad $t "sample '100' out of range" "-r 100 %" -- -r 100
		bad $t "max-size '99999999999999999999' out of range" \
			"-Z beyond 64 bits" -- -Z 99999999999999999999 ;;
	memaccess)
		bad $t "-E: minor-faults given twice" "an event twice" \
			-- -E minor-faults,minor-faults
		bad $t "-E: unknown event 'nope'" "-E unknown" -- -E nope
		bad $t "-P '0' out of range" "-P 0" -- -P 0 ;;
	kleak)
		bad $t "max-objs '0' out of range" "-M 0" -- -M 0 ;;
	paf)
		bad $t "order '99' out of range" "-o beyond the orders" -- -o 99 ;;
	pagealloc)
		bad $t "sample '0' out of range" "-R 0" -- -R 0
		bad $t "max-groups '-1' out of range" "-G negative" -- -G -1 ;;
	esac
}

# Count first: the plan, and at least 8 cases a tool.
total=0
bad() { n=$((n + 1)); }
for tool in $tools; do
	n=0
	cases $tool
	echo "$tool $n" >> "$tmp/counts"
	total=$((total + n))
done
ntools=$(echo $tools | wc -w)
tap_plan $((total + ntools))

bad() {
	tool=$1 pattern=$2 desc=$3
	shift 4
	# A tool that takes the input runs: SIGTERM after 30 s (exit 0).
	timeout 30 "$tool" "$@" > "$tmp/out" 2> "$tmp/err"
	rc=$?
	if [ $rc -eq 2 ] && one_line "$tmp/err" && grep -q -F -e "$pattern" "$tmp/err" &&
	   [ ! -s "$tmp/out" ]; then
		ok "$tool: $desc -> one line, exit 2"
	else
		diag "$tool $*: rc=$rc, $(wc -c < "$tmp/out") bytes out, $(cat "$tmp/err")"
		not_ok "$tool: $desc -> one line, exit 2"
	fi
}
for tool in $tools; do
	cases $tool
done
while read -r tool n; do
	check "$tool: $n bad-input cases (at least 8)" "$n" -ge 8
done < "$tmp/counts"

kill -TERM $wpid
wait $wpid
rm -rf "$tmp"
tap_exit
