#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# In the VM: what a report of each snapshot tool and an event of each
# tracing tool cost (run under qemu -icount).
# /memstat/bench.list: the tools to benchmark (MEMSTAT_BENCH), else all.
# The page fault churn comes first, on the fresh boot: its "nothing" is
# what the patched kernel's other boots (bench-base.sh) are set against.
export PATH=/memstat/bin:$PATH
only=$(cat /memstat/bench.list 2> /dev/null)
[ "$only" = churn ] || sh /memstat/tests/bench_event_cost.sh churn
if [ -z "$only" ]; then
	sh /memstat/tests/bench_report_cost.sh 200 &&
		echo "ok - report cost benchmark ran"
fi
sh /memstat/tests/bench_event_cost.sh $only && echo "ok - event cost benchmark ran"
