#!/bin/bash
# Installs what the IRR integration tests need, and nothing more. Idempotent: a second run
# only checks and exits.
#
#   apt:  postgresql redis-server redis-tools bgpq4, only those missing; to build IRRd also gcc,
#         python3-dev and python3-venv when missing (a fresh Debian 12 lacks them)
#   pip:  irrd==4.5.4 in .venv-irrd at the repository root (about 50 s the first time)
#
# Why a venv of its own: IRRd pins exact versions of SQLAlchemy, pydantic, starlette and more,
# which would fight with ixpctl's dependencies in .venv. The tests only run its binaries.
#
# Env: IRRD_VERSION (4.5.4), IRRD_VENV (<repo>/.venv-irrd), PYTHON (python3).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
IRRD_VERSION=${IRRD_VERSION:-4.5.4}
VENV=${IRRD_VENV:-$ROOT/.venv-irrd}
PYTHON=${PYTHON:-python3}
say() { echo "[setup-irrd] $*" >&2; }

pg_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1; }

need_apt=()
command -v redis-server >/dev/null 2>&1 || need_apt+=(redis-server)
command -v bgpq4 >/dev/null 2>&1 || need_apt+=(bgpq4)
[ -n "$(pg_bin)" ] && [ -x "$(pg_bin)/initdb" ] || need_apt+=(postgresql)
command -v redis-cli >/dev/null 2>&1 || need_apt+=(redis-tools)
# Building IRRd's sdists (datrie, IPy, py-radix-sr, ...) needs a compiler and Python's headers; a
# Debian system python also needs python3-venv for `-m venv`.
if ! "$VENV/bin/irrd" --help >/dev/null 2>&1; then
  command -v gcc >/dev/null 2>&1 || need_apt+=(gcc)
  "$PYTHON" -c 'import ensurepip' 2>/dev/null || need_apt+=(python3-venv)
  "$PYTHON" -c 'import os, sysconfig; raise SystemExit(not os.path.exists(os.path.join(sysconfig.get_paths()["include"], "Python.h")))' \
    || need_apt+=(python3-dev)
fi
if [ ${#need_apt[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    say "missing: ${need_apt[*]}; run as root or: sudo apt-get install ${need_apt[*]}"
    exit 1
  fi
  say "apt-get install ${need_apt[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
fi
# Debian starts a system-wide PostgreSQL/Redis on install; the tests use throw-away instances of
# their own on unix sockets and do not need (or touch) those.

installed() {
  [ -x "$VENV/bin/irrd" ] && [ "$("$VENV/bin/python" -c 'import importlib.metadata as m; print(m.version("irrd"))' 2>/dev/null)" = "$IRRD_VERSION" ]
}
if installed; then
  say "irrd $IRRD_VERSION already in $VENV"
  exit 0
fi
say "creating $VENV with irrd==$IRRD_VERSION (about a minute: builds a few sdists)"
"$PYTHON" -m venv "$VENV"
# pip's 'Location ... is ignored' chatter comes from local find-links config; harmless.
"$VENV/bin/pip" install -q --disable-pip-version-check "irrd==$IRRD_VERSION" 2> >(grep -v 'is ignored' >&2)
"$VENV/bin/irrd" --help >/dev/null
say "done: $VENV/bin/irrd"
