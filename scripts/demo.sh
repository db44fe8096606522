#!/usr/bin/env bash
# The main job on the bundled MLIX example, offline: validate the inventory, show the pinned facts,
# build and check the route-server configs.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=${VENV:-.venv}
IXPCTL="$VENV/bin/ixpctl"
step() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }

step "ixpctl validate          (inventory/ + policies/default.yml)"
"$IXPCTL" validate

step "ixpctl sources status    (pinned PeeringDB / IRR / RPKI snapshot in snapshots/mlix, offline)"
"$IXPCTL" sources status

step "ixpctl build             (BIRD 2 configs for rs1 and rs2, each checked with bird -p)"
"$IXPCTL" build

step "build/rs1.conf — the import policy of one session"
grep -n -A 12 '^protocol bgp AS64496_1_v4' build/rs1.conf

step "ixpctl switch build      (peering-LAN switch configs: sw1 Arista EOS, sw2 Juniper Junos)"
"$IXPCTL" switch build

step "ixpctl docs              (the published route-server policy for members, English and French)"
"$IXPCTL" docs

step "ixpctl check 64504       (a member's IRR-registered prefixes through the route-server policy)"
"$IXPCTL" check 64504

step "ixpctl check 64496 --prefix ...   (routes a member might announce by mistake: rejected, with the reason and the fix)"
"$IXPCTL" check 64496 --prefix 198.18.0.0/25 --prefix 10.0.0.0/8 --prefix "198.18.99.0/24 AS65540" \
  --html build/check-AS64496.html || true
echo "HTML report for the member (English and French): build/check-AS64496.html"

if [ "$(id -u)" -ne 0 ]; then
  step "lab skipped: bringing MLIX up in network namespaces needs root"
  exit 0
fi
step "ixpctl lab up            (rs1, rs2 and every member in network namespaces: BIRD, GoBGP, ExaBGP, StayRTR)"
"$IXPCTL" lab up
trap '"$IXPCTL" lab down >/dev/null 2>&1 || true' EXIT

step "ixpctl lab test --no-destructive   (scenarios: announcements and their expected outcomes)"
"$IXPCTL" lab test --no-destructive || true

step "ixpctl sessions --rs rs1"
"$IXPCTL" sessions --rs rs1

step "ixpctl routes --member 64496 --filtered   (routes rs1 kept but did not use, with the reason)"
"$IXPCTL" routes --member 64496 --filtered || true

# --- impact and MANRS reports (issue #22) -------------------------------------------------------
step "ixpctl report impact / manrs   (from the lab's rs1 and rs2 + the RIR statistics of Mali in the snapshot)"
"$IXPCTL" report impact -o build/report
"$IXPCTL" report manrs -o build/report
echo "Reports, French and English: $(pwd)/build/report/{impact,manrs}.{fr,en}.html (+ .md, .json, charts/)"
# --- end of the reports block -------------------------------------------------------------------

step "ixpctl lab down"
"$IXPCTL" lab down
trap - EXIT
