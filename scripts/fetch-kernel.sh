#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Download Debian's linux-source-5.10 and the matching linux-image (and,
# on request, linux-headers) .debs from the bullseye-security suite, through
# the Debian mirror this machine already uses.  A private apt configuration
# and lists folder under the cache keep the system's sources untouched.
#
# Usage: fetch-kernel.sh [--headers]
# Prints shell assignments: KVER (Debian version), KABI (5.10.0-NN-amd64),
# SRC_DEB, IMAGE_DEB and, with --headers, HEADERS_DEB and HEADERS_COMMON_DEB.
set -euo pipefail
. "$(dirname "$0")/common.sh"

want_headers=0
[ "${1:-}" = --headers ] && want_headers=1

apt_dir=$MEMSTAT_CACHE/apt
deb_dir=$MEMSTAT_CACHE/debs
mkdir -p "$apt_dir/lists/partial" "$apt_dir/cache/archives/partial" "$deb_dir"

# The security archive URI of the configured Debian mirror: a deb822 or
# one-line source whose URI ends in debian-security, else the main Debian
# URI with -security appended (the archive layout Debian mirrors use).
mirror_uri() {
	local uris
	uris=$( { cat /etc/apt/sources.list 2>/dev/null
		  cat /etc/apt/sources.list.d/*.list 2>/dev/null; } |
		awk '$1 == "deb" { for (i = 2; i <= NF; i++) if ($i ~ /:\/\//) { print $i; break } }'
		cat /etc/apt/sources.list.d/*.sources 2>/dev/null |
		awk 'tolower($1) == "uris:" { for (i = 2; i <= NF; i++) print $i }')
	uris=$(printf '%s\n' "$uris" | sed 's:/*$::' | grep -v '^$' || true)
	if printf '%s\n' "$uris" | grep -q -- '-security$'; then
		printf '%s\n' "$uris" | grep -- '-security$' | head -n1
		return
	fi
	printf '%s\n' "$uris" | grep -E '/debian$' | head -n1 | sed 's:$:-security:'
}

uri=${MEMSTAT_DEBIAN_SECURITY_URI:-$(mirror_uri)}
[ -n "$uri" ] || die "no Debian mirror found in /etc/apt/sources*; set MEMSTAT_DEBIAN_SECURITY_URI"
keyring=/usr/share/keyrings/debian-archive-keyring.gpg
[ -r "$keyring" ] || die "$keyring missing: apt-get install debian-archive-keyring"
echo "deb [signed-by=$keyring] $uri $MEMSTAT_SUITE main" > "$apt_dir/sources.list"

apt_opts=(-o "Dir::Etc::SourceList=$apt_dir/sources.list"
	  -o "Dir::Etc::SourceParts=$apt_dir/none"
	  -o "Dir::State::Lists=$apt_dir/lists"
	  -o "Dir::Cache=$apt_dir/cache"
	  -o "Dir::State::status=/dev/null"
	  -o "APT::Architecture=amd64"
	  -o "APT::Sandbox::User=root"
	  -q)

# Refresh the package lists at most once an hour.
stamp=$apt_dir/lists/.updated
if [ -z "$(find "$stamp" -mmin -60 2>/dev/null)" ]; then
	apt-get "${apt_opts[@]}" update >&2 || die "apt-get update of $MEMSTAT_SUITE failed"
	touch "$stamp"
fi

# Resolve the ABI name (5.10.0-NN-amd64) from the metapackage: never hard-coded.
kver=$(apt-cache "${apt_opts[@]}" policy linux-image-amd64 | awk '/Candidate:/ { print $2 }')
[ -n "$kver" ] && [ "$kver" != "(none)" ] || die "linux-image-amd64 not found in $MEMSTAT_SUITE"
kabi=$(apt-cache "${apt_opts[@]}" show "linux-image-amd64=$kver" |
	sed -n 's/^Depends:.*linux-image-\(5\.10\.[0-9]*-[0-9]*-amd64\).*/\1/p' | head -n1)
[ -n "$kabi" ] || die "cannot resolve linux-image-5.10.0-NN-amd64 from linux-image-amd64 $kver"

pkgs=("linux-source-5.10=$kver" "linux-image-$kabi=$kver")
[ $want_headers = 1 ] && pkgs+=("linux-headers-$kabi=$kver")
if [ $want_headers = 1 ]; then
	common=$(apt-cache "${apt_opts[@]}" show "linux-headers-$kabi=$kver" |
		sed -n 's/^Depends:.*\(linux-headers-5\.10\.0-[0-9]*-common\).*/\1/p' | head -n1)
	[ -n "$common" ] && pkgs+=("$common=$kver")
fi

missing=()
for p in "${pkgs[@]}"; do
	name=${p%%=*}
	ls "$deb_dir/${name}_${kver}_"*.deb >/dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	log "downloading ${missing[*]}"
	(cd "$deb_dir" && apt-get "${apt_opts[@]}" download "${missing[@]}" >&2) ||
		die "download of ${missing[*]} failed"
fi

deb() { ls "$deb_dir/${1}_${kver}_"*.deb | head -n1; }
printf 'KVER=%q\nKABI=%q\n' "$kver" "$kabi"
printf 'SRC_DEB=%q\nIMAGE_DEB=%q\n' "$(deb linux-source-5.10)" \
	"$(deb "linux-image-$kabi")"
if [ $want_headers = 1 ]; then
	printf 'HEADERS_DEB=%q\n' "$(deb "linux-headers-$kabi")"
	[ -n "${common:-}" ] && printf 'HEADERS_COMMON_DEB=%q\n' "$(deb "$common")"
fi
exit 0
