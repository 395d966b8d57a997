#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Make DIR a checkout of the pristine Debian tree with the memstat series
# applied by plain `git am` (DIR is created as a git worktree of the
# pristine tree when it does not exist yet).  Files that are already up to
# date keep their timestamps, so a build left in DIR stays incremental.
#
# Usage: apply-series.sh DIR [SERIES_DIR]
# (default series: $MEMSTAT_SERIES, else the stored linux-5.10 series)
set -euo pipefail
. "$(dirname "$0")/common.sh"

dir=${1:?usage: apply-series.sh DIR [SERIES_DIR]}
series=${2:-${MEMSTAT_SERIES:-$(series_view linux-5.10)}}
pristine=$("$MEMSTAT_TOP/scripts/prepare-tree.sh")

export GIT_COMMITTER_NAME=memstat GIT_COMMITTER_EMAIL=memstat@localhost
export GIT_COMMITTER_DATE='2000-01-01T00:00:00Z'
if [ ! -e "$dir/.git" ]; then
	git -C "$pristine" worktree prune
	git -C "$pristine" worktree add -q --detach "$dir" pristine
fi
cd "$dir"
git am --abort >/dev/null 2>&1 || true
git checkout -q --detach -f pristine
patches=()
for p in "$series"/0*.patch; do
	# 0000 is the cover letter.
	case $p in *0000-cover-letter.patch) ;; *) patches+=("$p") ;; esac
done
[ ${#patches[@]} -gt 0 ] || die "no patches in $series"
# Files the series creates must not exist yet; stale copies (ignored by
# Debian's .gitignore, so git does not see them) would make git am fail.
awk '/^diff --git / { path = substr($4, 3) } /^new file mode/ { print path }' \
	"${patches[@]}" | while read -r f; do rm -f -- "$f"; done
git am -q --whitespace=error-all "${patches[@]}" ||
	die "git am of $series onto the pristine tree failed in $dir"
echo "$dir"
