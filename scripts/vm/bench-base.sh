#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# In the VM of the kernel without the series' kernel change, or of the
# patched kernel booted with page_owner=on: the allocator's own cost, to
# compare with the patched kernel's.
export PATH=/memstat/bin:$PATH
sh /memstat/tests/bench_event_cost.sh churn && echo "ok - allocator cost benchmark ran"
