#!/usr/bin/env bash
# Every OpenBGPD version ixpctl renders for, runnable on this machine, without changing the system's
# apt sources: wrappers bgpd-<series> and bgpctl-<series> in $CACHE/bin (default .cache/openbgpd).
#
#   scripts/openbgpd-versions.sh          fetch what is missing (idempotent; offline once cached)
#   scripts/openbgpd-versions.sh --list   print "series  version  wrapper  how" for each target
#
# 7.7 is bookworm's openbgpd, 8.8 trixie's (bookworm-backports has the same 8.8). Where the host is
# that suite and has the package, the wrapper runs the native /usr/sbin binaries. Otherwise the
# package is fetched with a private apt configuration (own sources.list, lists, cache, empty dpkg
# status: the system's apt state is neither read nor written) and unpacked with `dpkg -x` into
# $CACHE/<series>/root with the suite's libc6 and every library it depends on; the wrappers start
# the binaries through that root's own ld.so. bgpd re-executes itself for its three child processes
# (`execvp(argv[0])`), so the wrapper passes itself as argv[0] (ld.so --argv0): every child goes
# through the private ld.so too. bgpctl must match the bgpd it talks to (imsg version), hence a
# bgpctl per series. Like scripts/bird-versions.sh (the shared part is scripts/lib/private-root.sh);
# ixpctl finds the wrappers itself (IXPCTL_OPENBGPD_CACHE, see ixpctl/deploy/bgpd_binaries.py). When the archive cannot be reached
# and nothing is cached, it says so and exits 0: the tests that need a missing series skip with
# that message.
set -euo pipefail
cd "$(dirname "$0")/.."

CACHE=${IXPCTL_OPENBGPD_CACHE:-.cache/openbgpd}
MIRROR=${IXPCTL_DEBIAN_MIRROR:-http://deb.debian.org/debian}
KEYRING=/usr/share/keyrings/debian-archive-keyring.gpg
# series  package  suite  (the series names match ixpctl/render/openbgpd_caps.py)
TARGETS=(
  "7.7 openbgpd bookworm"
  "8.8 openbgpd trixie"
)
ARCH_LIBDIR=x86_64-linux-gnu

host_suite=${IXPCTL_HOST_SUITE:-$(. /etc/os-release 2>/dev/null && echo "${VERSION_CODENAME:-}")}
mkdir -p "$CACHE/bin"
CACHE=$(cd "$CACHE" && pwd -P)  # physical: a symlinked .cache shared by clones keeps valid paths

LOG_NAME=openbgpd-versions
# shellcheck source=scripts/lib/private-root.sh
. scripts/lib/private-root.sh

write_wrappers() {  # series, then the directory holding this series' bgpd and bgpctl
  write_bin_wrappers "OpenBGPD $1 for ixpctl (written by scripts/openbgpd-versions.sh)." "$1" "$2" bgpd bgpctl
}

fetch_private() {  # series package suite → $CACHE/<series>/root and its wrappers
  local series=$1 pkg=$2 suite=$3
  local dir="$CACHE/$series"
  unpack_closure OpenBGPD "$series" "$pkg" "$suite"
  rm -rf "$dir" && mv "$dir.tmp" "$dir"
  private_wrappers "$series" "$suite" || exit 1
  local root="$dir/root" outside
  outside=$(libs_outside "$dir/ld/bgpd" "$(root_libpath "$root")" "$root/usr/sbin/bgpd" "$dir/")
  if [ -n "$outside" ]; then
    log "OpenBGPD $series from $suite needs libraries not in its private root:"; echo "$outside" >&2
    exit 1
  fi
  deb_version "$suite" "$pkg" > "$dir/version"
  write_wrappers "$series" "$dir/sbin"
}

private_wrappers() {  # series suite: $CACHE/<series>/sbin/{bgpd,bgpctl} start the private root's binaries
  local series=$1 suite=$2 dir="$CACHE/$1" ldso name
  local root="$dir/root" libpath
  libpath=$(root_libpath "$root")
  ldso=$(root_ldso "$root") || { log "no ld.so in the unpacked libc6 of $suite"; return 1; }
  ldso="$root/$ldso"
  mkdir -p "$dir/sbin" "$dir/ld"
  for name in bgpd bgpctl; do
    # ld.so under the program's name (a symlink): the kernel names a process after the file it
    # executes, so bgpd's processes are "bgpd" in /proc/PID/comm, as deploy's lookup
    # (ixpctl/deploy/bgpd_daemon.py) and ps expect, not "ld-linux-x86-64".
    ln -sfn "$ldso" "$dir/ld/$name"
    # --argv0 "$0": bgpd re-executes argv[0] for its children, which must come back through here
    printf '#!/bin/sh\nexec %s --library-path %s --argv0 "$0" %s "$@"\n' \
      "$dir/ld/$name" "$libpath" "$root/usr/sbin/$name" > "$dir/sbin/$name.tmp"
    chmod +x "$dir/sbin/$name.tmp"
    mv "$dir/sbin/$name.tmp" "$dir/sbin/$name"
  done
}

ensure() {  # series package suite
  local series=$1 pkg=$2 suite=$3 version
  if version=$(native_version "$pkg" "$suite"); then
    write_wrappers "$series" /usr/sbin
    echo "$version" > "$CACHE/bin/.native-$series"
    return 0
  fi
  rm -f "$CACHE/bin/.native-$series"
  if [ -f "$CACHE/$series/version" ] && private_wrappers "$series" "$suite" &&
     "$CACHE/bin/bgpd-$series" -V >/dev/null 2>&1; then
    return 0  # cached and working (the wrappers rewritten, so a cache of an older script gets these)
  fi
  if ! (fetch_private "$series" "$pkg" "$suite"); then
    log "OpenBGPD $series is not available (Debian $suite unreachable and nothing cached in $CACHE):" \
        "the tests that run it will skip"
  fi
}

list() {
  local t series pkg suite how
  for t in "${TARGETS[@]}"; do
    read -r series pkg suite <<<"$t"
    how="private root $CACHE/$series/root ($pkg from $suite)"
    [ -f "$CACHE/bin/.native-$series" ] && how="native /usr/sbin/bgpd ($pkg $(cat "$CACHE/bin/.native-$series"))"
    printf '%-5s %-8s %s  %s\n' "$series" \
      "$("$CACHE/bin/bgpd-$series" -V 2>&1 | awk '{print $NF}')" "$CACHE/bin/bgpd-$series" "$how"
  done
}

if [ "${1:-}" = "--list" ]; then
  list
  exit 0
fi
for t in "${TARGETS[@]}"; do
  # shellcheck disable=SC2086
  ensure $t
done
