#!/usr/bin/env bash
# `make test` and `make demo` on Debian 13 (trixie), in a debootstrapped root on this machine: the
# stand-in for a fresh Debian 13 machine. Run as root; CPU- and network-heavy (debootstrap, the
# Debian packages the Makefile installs, PyPI for the virtualenvs; 30-60 min on 2 cores).
#
#   scripts/debian13-check.sh [--remove-root] [--only test|demo] [--command CMD]
#
#   ROOT  IXPCTL_DEBIAN13_ROOT (default /var/tmp/ixpctl-trixie): the Debian 13 root; debootstrapped
#         once and reused (a fresh clone goes in each time); `--remove-root` deletes it afterwards
#   LOG   IXPCTL_DEBIAN13_LOG (default /var/tmp/ixpctl-debian13-check.log): everything printed inside
#
# What it does: debootstrap trixie (deb.debian.org, or IXPCTL_DEBIAN_MIRROR); mount /proc, /sys,
# /dev, /dev/pts and a tmpfs on /run (`ip netns` keeps its namespaces in /run/netns: inside the
# root, so the lab tests' namespaces never mix with the host's names); copy a clean `git clone` of
# this repository to /src/ixpctl and ../shared to /src/shared (as CI lays them out); then, chrooted,
# `make test` and `make demo` with a minimal environment. Whatever happens, the trap kills the
# processes still running inside the root (found by their /proc/PID/root, so nothing of the host)
# and unmounts everything it mounted, deepest first. Exit status: that of the failing make (or 0).
set -euo pipefail
cd "$(dirname "$0")/.."
REPO=$(pwd)
ROOT=${IXPCTL_DEBIAN13_ROOT:-/var/tmp/ixpctl-trixie}
LOG=${IXPCTL_DEBIAN13_LOG:-/var/tmp/ixpctl-debian13-check.log}
MIRROR=${IXPCTL_DEBIAN_MIRROR:-http://deb.debian.org/debian}
KEEP=1
ONLY="test demo"
COMMAND=""
while [ $# -gt 0 ]; do
  case "$1" in
    --remove-root) KEEP=0 ;;
    --only) ONLY=$2; shift ;;
    --command) COMMAND=$2; shift ;;  # e.g. "make test-unit": instead of make test / make demo
    *) echo "usage: $0 [--remove-root] [--only test|demo] [--command CMD]" >&2; exit 2 ;;
  esac
  shift
done

say() { echo "debian13-check: $*" >&2; }
[ "$(id -u)" = 0 ] || { say "needs root (debootstrap, mount, chroot)"; exit 1; }
[ -d "$REPO/../shared" ] || { say "no ../shared next to $REPO (the tests read ../shared/schemas)"; exit 1; }

MOUNTED=()
cleanup() {
  local rc=$? pid root p i
  trap - EXIT INT TERM
  set +e  # clean up everything, whatever fails on the way
  # processes inside the root (a daemon a failed test left, a build still running): ours, by PID
  for p in /proc/[0-9]*; do
    root=$(readlink "$p/root" 2>/dev/null) || continue
    [ "$root" = "$ROOT" ] || continue
    pid=${p#/proc/}
    kill -TERM "$pid" 2>/dev/null || true
  done
  sleep 1
  for p in /proc/[0-9]*; do
    root=$(readlink "$p/root" 2>/dev/null) || continue
    [ "$root" = "$ROOT" ] && kill -KILL "${p#/proc/}" 2>/dev/null || true
  done
  # network namespaces `ip netns` made inside the root are bind mounts under its /run/netns
  for ns in "$ROOT"/run/netns/*; do
    [ -e "$ns" ] && { umount "$ns" 2>/dev/null || umount -l "$ns" 2>/dev/null || true; }
  done
  for ((i = ${#MOUNTED[@]} - 1; i >= 0; i--)); do
    umount "${MOUNTED[$i]}" 2>/dev/null || umount -l "${MOUNTED[$i]}" 2>/dev/null || say "could not unmount ${MOUNTED[$i]}"
  done
  # anything else below the root (a test's tmpfs) goes too
  grep -o " $ROOT/[^ ]*" /proc/self/mounts | sort -r | while read -r m; do umount -l "$m" 2>/dev/null || true; done
  if [ "$KEEP" = 0 ] && ! grep -q " $ROOT" /proc/self/mounts; then
    rm -rf --one-file-system "$ROOT"
  fi
  [ "$rc" = 0 ] && say "done: all passed (log: $LOG)" || say "FAILED with exit $rc (log: $LOG)"
  exit "$rc"
}
trap cleanup EXIT INT TERM

mount_in() {  # type-or-bind source target
  local how=$1 src=$2 dst="$ROOT$3"
  mkdir -p "$dst"
  if [ "$how" = bind ]; then mount --bind "$src" "$dst"; else mount -t "$how" "$src" "$dst"; fi
  MOUNTED+=("$dst")
}

if [ ! -f "$ROOT/.debootstrap-done" ]; then
  command -v debootstrap >/dev/null || {
    say "installing debootstrap"
    apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends debootstrap >/dev/null
  }
  rm -rf --one-file-system "$ROOT"
  say "debootstrap trixie into $ROOT (from $MIRROR)"
  debootstrap --variant=minbase --include=ca-certificates,git,make,python3,iproute2 trixie "$ROOT" "$MIRROR" \
    >"$LOG.debootstrap" 2>&1 || { say "debootstrap failed: tail of $LOG.debootstrap:"; tail -20 "$LOG.debootstrap" >&2; exit 1; }
  touch "$ROOT/.debootstrap-done"
fi
grep -q 'VERSION_CODENAME=trixie' "$ROOT/etc/os-release" || { say "$ROOT is not Debian 13"; exit 1; }

# The root itself as a mount point of its own: `ip netns exec` makes "/" a slave mount, which fails
# on a plain directory; private, so nothing mounted inside reaches the host.
mount --bind "$ROOT" "$ROOT" && MOUNTED+=("$ROOT") && mount --make-private "$ROOT"
mount_in proc proc /proc
mount_in bind /sys /sys
mount_in bind /dev /dev
mount_in bind /dev/pts /dev/pts
mount_in tmpfs tmpfs /dev/shm
mount_in tmpfs tmpfs /run
mkdir -p "$ROOT/run/netns" "$ROOT/run/lock" "$ROOT/dev/shm"
cp -L /etc/resolv.conf "$ROOT/etc/resolv.conf"  # apt and pip inside (installing only)
# The host's local CA certificates (e.g. a TLS-inspecting egress proxy's): trusted inside as outside,
# so pip reaches PyPI the way the host does.
if compgen -G "/usr/local/share/ca-certificates/*.crt" >/dev/null; then
  mkdir -p "$ROOT/usr/local/share/ca-certificates"
  cp /usr/local/share/ca-certificates/*.crt "$ROOT/usr/local/share/ca-certificates/"
  chroot "$ROOT" update-ca-certificates >/dev/null 2>&1 || say "update-ca-certificates failed inside the root"
fi

rm -rf "$ROOT/src" && mkdir -p "$ROOT/src"
git clone -q "$REPO" "$ROOT/src/ixpctl"  # the committed state, as CI's clone sees it
cp -a "$REPO/../shared" "$ROOT/src/shared"
say "clean clone of $(git -C "$REPO" rev-parse --short HEAD) in $ROOT/src/ixpctl; ../shared copied"

inside() {  # run a command in the root, minimal environment, output to the log (and a tail)
  say "chroot: $*"
  chroot "$ROOT" /usr/bin/env -i HOME=/root LANG=C.UTF-8 TERM=dumb \
    PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    bash -c "cd /src/ixpctl && $*" >>"$LOG" 2>&1
}

: >"$LOG"
started=$(date +%s)
if [ -n "$COMMAND" ]; then
  inside "$COMMAND"
else
  failed=""
  for target in $ONLY; do  # each one, even after a failure: the report names every target's result
    t0=$(date +%s)
    echo "===== make $target =====" >>"$LOG"
    if inside "make $target"; then
      say "make $target passed on Debian 13 in $(( $(date +%s) - t0 )) s"
    else
      say "make $target FAILED on Debian 13 after $(( $(date +%s) - t0 )) s; tail of $LOG:"
      tail -40 "$LOG" >&2
      failed="$failed $target"
    fi
  done
  say "total $(( $(date +%s) - started )) s"
  [ -z "$failed" ] || exit 1
fi
