#!/usr/bin/env bash
# The main job on the bundled MLIX example, offline: validate the inventory and show the IXP.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=${VENV:-.venv}
IXPCTL="$VENV/bin/ixpctl"
step() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }

step "ixpctl validate   (inventory/ + policies/default.yml)"
"$IXPCTL" validate
