#!/bin/sh
# Debian's sshd for the tests (tests/support/sshd.py runs it inside a network namespace as the
# route-server host), WITHOUT installing the openssh-server package: installing it would enable a
# system SSH server on port 22 of the test machine. The package is fetched with apt-get download
# (the system's apt lists are read, nothing is installed) and unpacked with dpkg -x into
# .cache/openssh/root; its libraries are those of openssh-client (TEST_APT). sshd's privilege
# separation needs the system user `sshd`, created here as the package's postinst would (no
# service, no port). Idempotent, offline once cached. Prints the sshd path.
set -eu
cd "$(dirname "$0")/.."
root=.cache/openssh/root
sshd="$root/usr/sbin/sshd"
if [ ! -x "$sshd" ]; then
  tmp=$(mktemp -d)
  chmod 755 "$tmp"  # apt's download sandbox user (_apt) writes there
  trap 'rm -rf "$tmp"' EXIT
  download() { (cd "$tmp" && apt-get download -q -o APT::Sandbox::User=root openssh-server >/dev/null); }
  # no package lists yet (a fresh image): read them once, as the bootstrap's apt-get install would
  download || { apt-get update -q >/dev/null && download; }
  rm -rf "$root.tmp" && mkdir -p "$root.tmp"
  dpkg -x "$tmp"/openssh-server_*.deb "$root.tmp"
  # the package's library dependencies (they differ per release: Debian 13's sshd-session links
  # libwtmpdb, which Debian 12 does not have), installed below like the package itself would pull them
  dpkg-deb -f "$tmp"/openssh-server_*.deb Depends | tr ',' '\n' | sed 's/^ *//; s/[ (|].*//' | grep '^lib' \
    > "$root.tmp/.ixpctl-lib-depends" || true
  rm -rf "$root" && mv "$root.tmp" "$root"
fi
missing=""
for pkg in $(cat "$root/.ixpctl-lib-depends" 2>/dev/null); do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing="$missing $pkg"
done
if [ -n "$missing" ]; then
  if [ "$(id -u)" -eq 0 ]; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >/dev/null
  else
    echo "openssh-server.sh: sshd needs the Debian packages:$missing (as root: apt-get install$missing)" >&2
  fi
fi
# OpenSSH >= 9.8 (Debian 13) runs connections in sshd-session / sshd-auth, which link libwrap too
# (the package's library dependencies, installed above): check every binary, not only sshd.
for bin in "$sshd" "$root/usr/lib/openssh/sshd-session" "$root/usr/lib/openssh/sshd-auth"; do
  [ -x "$bin" ] || continue
  if ldd "$bin" | grep -q "not found"; then
    echo "openssh-server.sh: $bin misses libraries (install the Debian packages that provide them):" >&2
    ldd "$bin" | grep "not found" >&2
    exit 1
  fi
done
if ! getent passwd sshd >/dev/null; then
  if [ "$(id -u)" -eq 0 ]; then
    useradd --system --no-create-home --home-dir /run/sshd --shell /usr/sbin/nologin sshd
  else
    echo "openssh-server.sh: the system user sshd is missing (sshd's privilege separation): as root run" >&2
    echo "  useradd --system --no-create-home --home-dir /run/sshd --shell /usr/sbin/nologin sshd" >&2
  fi
fi
echo "$sshd"
