#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# kleak against a test module that allocates known kernel objects from
# functions of its own and keeps them until it is unloaded:
# memstat_alloc_test with 29 kmalloc blocks of 300 bytes
# (memstat_alloc_test_kmalloc), 37 objects of 200 bytes of its own cache
# "memstat_alloc_test" (memstat_alloc_test_slab), 3 percpu areas of
# 32 KiB (memstat_alloc_test_percpu) and 13 blocks of 2 pages
# (memstat_alloc_test_alloc).  Ground truth: the module's parameters and
# its "allocated" count.
#
#  1. kleak across the load: each kind named exactly, by the first frame;
#  2. kleak across the unload: those frees counted as of objects from
#     before the start, never subtracted; nothing of the module shown;
#  3. kleak across both: nothing of the module outstanding;
#  4. memleak without a process runs kleak; -P leaves pages out.
. "$(dirname "$0")/lib.sh"

[ "$(id -u)" -eq 0 ] || { echo "1..0 # SKIP needs root"; exit $ksft_skip; }
ko=$(alloc_test_module) || { echo "1..0 # SKIP no memstat_alloc_test.ko"; exit $ksft_skip; }
grep -q ' kmem_cache_alloc$' /proc/kallsyms && [ -r /sys/kernel/btf/vmlinux ] ||
	{ echo "1..0 # SKIP no kernel BTF for fexit"; exit $ksft_skip; }
tmp=${TMPDIR:-/tmp}/kleak_test.$$
mkdir -p "$tmp"
rmmod memstat_alloc_test 2> /dev/null

tap_plan 13

# start NAME ARGS...: kleak ARGS (through memleak for "memleak") in the
# background until it traces; its pid in $kpid.
start() {
	name=$1
	shift
	"$@" > "$tmp/$name" 2> "$tmp/$name.err" &
	kpid=$!
	wait_for "$tmp/$name.err" 'tracing' && return
	diag "$name: $(cat "$tmp/$name.err")"
	"$@" -v -d 1 2>&1 | grep -v '^libbpf: \(elf\|sec\|map\|prog\|CO-RE\)' |
		tail -n 40 | sed 's/^/# /'
}

stop() {
	kill -INT "$1"
	wait "$1"
}

# field FILE TYPE FN KEY: KEY summed over TYPE records whose first frame
# is FN.
field() {
	grep "\"type\":\"$2\",.*\"stack\":\[\"$3+0x" "$1" | json_nums "$4" | sum
}

# 1. Across the load.
start load kleak -j -n 0
load=$kpid
start both kleak -j -n 0
both=$kpid
start viamemleak memleak -j -n 0
viam=$kpid
start nopages kleak -j -n 0 -P
nop=$kpid
insmod "$ko" nr_allocs=13 order=1 slab_objs=37 slab_size=200 kmalloc_objs=29 \
	kmalloc_size=300 percpu_allocs=3
rc=$?
got=$(cat /sys/module/memstat_alloc_test/parameters/allocated 2> /dev/null)
active=$(awk '$1 == "memstat_alloc_test" { print $2 }' /proc/slabinfo)
# slabinfo's active objects of SLUB count per-CPU free ones too: >=.
check "insmod memstat_alloc_test (exit $rc, $got blocks, $active cache objects)" \
	$rc -eq 0 -a "$got" = 13 -a "${active:-0}" -ge 37
stop $load
rc=$?
check "kleak: ran and ended cleanly (exit $rc)" $rc -eq 0

o=$(field "$tmp/load" objects memstat_alloc_test_kmalloc objects)
b=$(field "$tmp/load" objects memstat_alloc_test_kmalloc bytes)
k=$(grep '"stack":\["memstat_alloc_test_kmalloc+' "$tmp/load" | grep -c '"kind":"kmalloc"')
check "kleak: kmalloc, 29 blocks of 300 bytes from memstat_alloc_test_kmalloc ($o, $b)" \
	"$o" = 29 -a "$b" = 8700 -a "$k" -ge 1
o=$(field "$tmp/load" objects memstat_alloc_test_slab objects)
b=$(field "$tmp/load" objects memstat_alloc_test_slab bytes)
c=$(grep '"stack":\["memstat_alloc_test_slab+' "$tmp/load" |
    grep -c '"kind":"cache","cache":"memstat_alloc_test"')
check "kleak: cache memstat_alloc_test, 37 objects of 200 bytes ($o, $b, $c rows)" \
	"$o" = 37 -a "$b" = 7400 -a "$c" -ge 1
o=$(field "$tmp/load" objects memstat_alloc_test_percpu objects)
b=$(field "$tmp/load" objects memstat_alloc_test_percpu bytes)
check "kleak: percpu, 3 areas of 32 KiB from memstat_alloc_test_percpu ($o, $b)" \
	"$o" = 3 -a "$b" = 98304
p=$(field "$tmp/load" pages memstat_alloc_test_alloc pages)
check "kleak: pages, 13 blocks of order 1 from memstat_alloc_test_alloc ($p pages)" "$p" = 26
d=$(grep '"type":"summary"' "$tmp/load" | json_num dropped)
check "kleak: nothing dropped ($d)" "$d" = 0

# memleak without a process is kleak; -P: objects, no pages.
stop $viam
o=$(field "$tmp/viamemleak" objects memstat_alloc_test_slab objects)
check "memleak without a process runs kleak ($o cache objects)" \
	"$o" = 37 -a -n "$(grep 'kleak: tracing' "$tmp/viamemleak.err")"
stop $nop
n=$(grep -c '"type":"pages"' "$tmp/nopages")
o=$(field "$tmp/nopages" objects memstat_alloc_test_kmalloc objects)
check "kleak -P: no pages, objects still ($n pages records, $o kmalloc)" \
	"$n" = 0 -a "$o" = 29

# 2. Across the unload: frees of older objects are counted apart.
start unload kleak -j -n 0
unload=$kpid
rmmod memstat_alloc_test
rc=$?
stop $unload
sum=$(grep '"type":"summary"' "$tmp/unload")
fk=$(echo "$sum" | json_num kmalloc_frees_unknown)
fc=$(echo "$sum" | json_num cache_frees_unknown)
fp=$(echo "$sum" | json_num percpu_frees_unknown)
fg=$(echo "$sum" | json_num page_frees_unknown)
check "rmmod: older frees counted apart ($fk kmalloc, $fc cache, $fp percpu, $fg pages)" \
	$rc -eq 0 -a "$fk" -ge 29 -a "$fc" -ge 37 -a "$fp" -ge 3 -a "$fg" -ge 26
n=$(grep -c '"stack":\["memstat_alloc_test_' "$tmp/unload")
check "kleak across the unload: nothing of the module ($n records)" "$n" = 0

# 3. Across both: all given back.
stop $both
n=$(grep -c '"stack":\["memstat_alloc_test_' "$tmp/both")
check "kleak across load and unload: nothing of the module outstanding ($n)" "$n" = 0

# The table.
kleak -n 3 -F 2 -d 1 > "$tmp/text" 2>&1
rc=$?
check "kleak text: the tables (exit $rc)" $rc -eq 0 -a \
	-n "$(grep -e ' BYTES  *[A-Z]*  *CALL PATH$' -e '^no outstanding' "$tmp/text")"
sed 's/^/# /' "$tmp/text" | head -n 20
grep 'memstat_alloc_test' "$tmp/load" | head -n 5 | cut -c 1-300 | sed 's/^/# /'
for f in "$tmp"/*.err; do
	grep -v tracing "$f" | while read -r l; do diag "$(basename "$f"): $l"; done
done
rm -rf "$tmp"
tap_exit
