#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# In the VM: what a report of each snapshot tool and an event of each
# tracing tool cost (run under qemu -icount).
export PATH=/memstat/bin:$PATH
sh /memstat/tests/bench_report_cost.sh 200 && echo "ok - report cost benchmark ran"
sh /memstat/tests/bench_event_cost.sh && echo "ok - event cost benchmark ran"
