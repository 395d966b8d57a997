#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# In the VM: what a report of each snapshot tool and an event of each
# tracing tool cost (run under qemu -icount).
# /memstat/bench.list: the tools to benchmark (MEMSTAT_BENCH), else all;
# "soak" there runs every tool at once for 10 minutes under load instead
# (reliability_soak_test.sh: exit status, summary, RSS and map growth).
# The page fault churn comes first, on the fresh boot: its "nothing" is
# what the patched kernel's other boots (bench-base.sh) are set against.
export PATH=/memstat/bin:$PATH
only=$(cat /memstat/bench.list 2> /dev/null)
case " $only " in
*" soak "*)
	only=$(echo " $only " | sed 's/ soak / /; s/^ *//; s/ *$//')
	{ MEMSTAT_SOAK_SEC=600 sh /memstat/tests/reliability_soak_test.sh
	  echo $? > /tmp/soak.rc; } 2>&1
	[ "$(cat /tmp/soak.rc)" = 0 ] && echo "ok - soak: every tool for 600 s under load" ||
		echo "not ok - soak: every tool for 600 s under load"
	[ -n "$only" ] || exit 0
	;;
esac
[ "$only" = churn ] || sh /memstat/tests/bench_event_cost.sh churn
if [ -z "$only" ]; then
	sh /memstat/tests/bench_report_cost.sh 200 &&
		echo "ok - report cost benchmark ran"
fi
sh /memstat/tests/bench_event_cost.sh $only && echo "ok - event cost benchmark ran"
