#!/usr/bin/env bash
# Install what ixpctl needs on a Debian 12 or 13 machine: Debian packages (when root; otherwise print the
# exact apt command) and a virtualenv with the Python dependencies. Idempotent and quiet when done.
#
#   scripts/bootstrap.sh [--apt "pkg pkg..."]      VENV=.venv by default
set -euo pipefail
cd "$(dirname "$0")/.."

VENV=${VENV:-.venv}
APT_PACKAGES=${APT_PACKAGES:-"bird2 bgpq4"}
PYTHON=${PYTHON:-python3}

missing=()
for pkg in $APT_PACKAGES; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
# Debian's python3 has no venv module until python3-venv is installed.
if ! "$PYTHON" -c 'import ensurepip, venv' >/dev/null 2>&1; then
  missing+=(python3-venv)
fi
# Some dependencies (pytricia) ship no wheel for every Python (none for Debian 13's 3.13): pip
# builds them, which needs a C compiler, libc headers and Python's headers.
command -v gcc >/dev/null 2>&1 || missing+=(gcc)
dpkg-query -W -f='${Status}' libc6-dev 2>/dev/null | grep -q "install ok installed" || missing+=(libc6-dev)
"$PYTHON" -c 'import os, sysconfig; raise SystemExit(not os.path.exists(os.path.join(sysconfig.get_paths()["include"], "Python.h")))' \
  2>/dev/null || missing+=(python3-dev)
if [ ${#missing[@]} -gt 0 ]; then
  cmd="apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ${missing[*]}"
  if [ "$(id -u)" = 0 ]; then
    echo "bootstrap: installing Debian packages: ${missing[*]}"
    # Packaged daemons must not start on install: ixpctl starts its own instances when it needs them.
    if [ ! -e /usr/sbin/policy-rc.d ]; then
      printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d
      trap 'rm -f /usr/sbin/policy-rc.d' EXIT
    fi
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "bootstrap: missing Debian packages: ${missing[*]}" >&2
    echo "bootstrap: run as root:  $cmd" >&2
    exit 1
  fi
fi

stamp="$VENV/.ixpctl-installed"
if [ ! -x "$VENV/bin/python" ]; then
  echo "bootstrap: creating virtualenv $VENV"
  "$PYTHON" -m venv "$VENV"
fi
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  echo "bootstrap: installing Python dependencies into $VENV"
  log="$VENV/pip-install.log"
  # pip's output goes to a log, shown only when the install fails (it is long and noisy otherwise).
  if ! { "$VENV/bin/pip" install -q --disable-pip-version-check -U pip &&
         "$VENV/bin/pip" install -q --disable-pip-version-check -e '.[dev]'; } >"$log" 2>&1; then
    grep -v '^WARNING: Location' "$log" >&2
    echo "bootstrap: pip install failed (full log: $log)" >&2
    exit 1
  fi
  "$VENV/bin/python" -c 'import ixpctl, pydantic, ruamel.yaml, peeringdb'
  touch "$stamp"
fi
