#!/usr/bin/env bash
# Every BIRD version ixpctl renders for, runnable on this machine, without changing the system's apt
# sources: one wrapper per target in $CACHE/bin (bird-2.0, birdc-2.0, bird-2.17, ..., bird-3.1).
#
#   scripts/bird-versions.sh            fetch what is missing (idempotent; offline once cached)
#   scripts/bird-versions.sh --list     print "series  version  wrapper  how" for each target
#
# A target is the Debian package that ships it: BIRD 2.0 is bookworm's bird2, 2.17 trixie's bird2,
# 3.1 trixie's bird3. When the host is that suite and has the package installed, the wrapper runs
# the native /usr/sbin/bird (Debian 12: 2.0; Debian 13: 2.17). Debian 13's bird3 conflicts with its
# bird2, so there it is downloaded from trixie and unpacked (dpkg -x) without installing, and runs on
# the host's own libraries (same suite). Otherwise the package is fetched
# with a private apt configuration (own sources.list, lists, cache and an empty dpkg status, so
# nothing of the system's apt state is read or written) and unpacked with `dpkg -x` into
# $CACHE/<series>/root together with the suite's libc6 and every library it depends on; the wrapper
# starts the daemon through that root's own ld.so, so the host's older (or newer) glibc is not used.
# The private apt, unpacking and ld.so parts are scripts/lib/private-root.sh, shared with
# scripts/openbgpd-versions.sh.
# ixpctl finds the wrappers itself (IXPCTL_BIRD_CACHE, default .cache/bird; see
# ixpctl/deploy/bird_binaries.py).
set -euo pipefail
cd "$(dirname "$0")/.."

CACHE=${IXPCTL_BIRD_CACHE:-.cache/bird}
MIRROR=${IXPCTL_DEBIAN_MIRROR:-http://deb.debian.org/debian}
KEYRING=/usr/share/keyrings/debian-archive-keyring.gpg
# series  package  suite  (the series names match ixpctl/render/bird_versions.py)
TARGETS=(
  "2.0  bird2 bookworm"
  "2.17 bird2 trixie"
  "3.1  bird3 trixie"
)
ARCH_LIBDIR=x86_64-linux-gnu

# IXPCTL_HOST_SUITE=none forces private roots even for the native version (to test that path).
host_suite=${IXPCTL_HOST_SUITE:-$(. /etc/os-release 2>/dev/null && echo "${VERSION_CODENAME:-}")}
mkdir -p "$CACHE/bin"
CACHE=$(cd "$CACHE" && pwd)

LOG_NAME=bird-versions
# shellcheck source=scripts/lib/private-root.sh
. scripts/lib/private-root.sh

write_wrappers() {  # series, then the directory holding this series' bird and birdc
  write_bin_wrappers "BIRD $1 for ixpctl's per-version checks (written by scripts/bird-versions.sh)." \
    "$1" "$2" bird birdc
}

same_suite() {  # series package suite: the host's own suite's package, unpacked, on the host's libraries
  # (Debian 13's bird3 cannot be installed next to its bird2: both are /usr/sbin/bird). Only when
  # every library it needs is on the host already; otherwise a private root as for other suites.
  local series=$1 pkg=$2 suite=$3
  local dir="$CACHE/$series" debs="$CACHE/debs/$suite" deb missing
  apt_update_once "$suite"
  mkdir -p "$debs"
  (cd "$debs" && apt_private "$suite" apt-get download "$pkg" >/dev/null)
  deb=$(latest_deb "$suite" "$pkg")
  rm -rf "$dir.tmp" && mkdir -p "$dir.tmp/root"
  dpkg -x "$deb" "$dir.tmp/root"
  missing=$(ldd "$dir.tmp/root/usr/sbin/bird" "$dir.tmp/root/usr/sbin/birdc" 2>&1 | grep 'not found' |
            grep -o "lib[^ ]*\.so[^ :']*\|GLIBC_[0-9.]*" | sort -u | tr '\n' ' ' || true)
  if [ -n "$missing" ]; then
    log "BIRD $series ($pkg of $suite) needs what this host lacks (${missing% }): a private root instead"
    rm -rf "$dir.tmp"
    return 1
  fi
  log "BIRD $series: Debian $suite's $pkg unpacked into $dir/root, run on this host's libraries"
  rm -rf "$dir" && mv "$dir.tmp" "$dir"
  dpkg-deb -f "$deb" Version > "$dir/version"
  touch "$dir/host-libraries"
  write_wrappers "$series" "$dir/root/usr/sbin"
}

fetch_private() {  # series package suite → $CACHE/<series>/root and its wrappers
  local series=$1 pkg=$2 suite=$3
  local dir="$CACHE/$series"
  if [ "$suite" = "$host_suite" ] && same_suite "$series" "$pkg" "$suite"; then
    return 0
  fi
  unpack_closure BIRD "$series" "$pkg" "$suite"
  local root="$dir/root" ldso libpath name outside
  ldso=$(root_ldso "$dir.tmp/root") || { log "no ld.so in the unpacked libc6 of $suite"; exit 1; }
  ldso="$root/$ldso"
  # Wrappers through the root's ld.so, for each binary: "ld.so --library-path ... ROOT/usr/sbin/bird"
  libpath=$(root_libpath "$root")
  rm -rf "$dir" && mv "$dir.tmp" "$dir"
  mkdir -p "$dir/sbin"
  for name in bird birdc; do
    cat > "$dir/sbin/$name" <<EOF
#!/bin/sh
exec $ldso --library-path $libpath $root/usr/sbin/$name "\$@"
EOF
    chmod +x "$dir/sbin/$name"
  done
  outside=$(libs_outside "$ldso" "$libpath" "$root/usr/sbin/bird" "$root/")
  if [ -n "$outside" ]; then
    log "BIRD $series from $suite needs libraries not in its private root:"; echo "$outside" >&2
    exit 1
  fi
  deb_version "$suite" "$pkg" > "$dir/version"
  write_wrappers "$series" "$dir/sbin"
}

ensure() {  # series package suite
  local series=$1 pkg=$2 suite=$3 version
  if version=$(native_version "$pkg" "$suite"); then
    write_wrappers "$series" /usr/sbin
    echo "$version" > "$CACHE/bin/.native-$series"
    return 0
  fi
  rm -f "$CACHE/bin/.native-$series"
  if [ -f "$CACHE/$series/version" ] && "$CACHE/bin/bird-$series" --version >/dev/null 2>&1; then
    return 0  # cached and working
  fi
  fetch_private "$series" "$pkg" "$suite"
}

list() {
  local t series pkg suite how
  for t in "${TARGETS[@]}"; do
    read -r series pkg suite <<<"$t"
    how="private root $CACHE/$series/root ($pkg from $suite)"
    [ -f "$CACHE/$series/host-libraries" ] && how="$pkg from $suite unpacked in $CACHE/$series/root, host libraries"
    [ -f "$CACHE/bin/.native-$series" ] && how="native /usr/sbin/bird ($pkg $(cat "$CACHE/bin/.native-$series"))"
    printf '%-5s %-8s %s  %s\n' "$series" \
      "$("$CACHE/bin/bird-$series" --version 2>&1 | awk '{print $NF}')" "$CACHE/bin/bird-$series" "$how"
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
