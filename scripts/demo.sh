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

step "ixpctl build             (rs1: BIRD 2.0.12, checked with bird -p; rs2: OpenBGPD 7.7, checked with bgpd -n)"
"$IXPCTL" build

step "build/rs1.conf — the import policy of one session (BIRD)"
grep -n -A 12 '^protocol bgp AS64496_1_v4' build/rs1.conf

step "build/rs2.conf — the same member on the second route server (OpenBGPD: RFC 7948 §4.4, another implementation)"
grep -n -A 10 '^group "AS64496"' build/rs2.conf

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
step "ixpctl lab up            (rs1 on BIRD, rs2 on OpenBGPD, every member in network namespaces: BIRD, GoBGP, ExaBGP, StayRTR)"
"$IXPCTL" lab up
trap '"$IXPCTL" lab down >/dev/null 2>&1 || true' EXIT

step "ixpctl lab test --no-destructive   (scenarios: announcements and their expected outcomes)"
"$IXPCTL" lab test --no-destructive || true

step "ixpctl lab compare       (members receive identical routes from rs1 on BIRD and rs2 on OpenBGPD)"
"$IXPCTL" lab compare

step "ixpctl sessions --rs rs1"
"$IXPCTL" sessions --rs rs1

step "ixpctl sessions --rs rs2   (OpenBGPD, read with bgpctl -j)"
"$IXPCTL" sessions --rs rs2

step "ixpctl routes --rs rs2 --member 64496 --filtered   (OpenBGPD: the Rejected RIB, with the reason)"
"$IXPCTL" routes --rs rs2 --member 64496 --filtered || true

step "ixpctl routes --member 64496 --filtered   (routes rs1 kept but did not use, with the reason)"
"$IXPCTL" routes --member 64496 --filtered || true

# --- impact and MANRS reports (issue #22) -------------------------------------------------------
step "ixpctl report impact / manrs   (from the lab's rs1 (BIRD) and rs2 (OpenBGPD, bgpctl -j) + the RIR statistics of Mali in the snapshot)"
"$IXPCTL" report impact -o build/report --save-state build/report/rs-state.json
"$IXPCTL" report manrs -o build/report --state build/report/rs-state.json   # the same reading of both route servers
echo "Reports, French and English: $(pwd)/build/report/{impact,manrs}.{fr,en}.html (+ .md, .json, charts/)"
# --- end of the reports block -------------------------------------------------------------------

# --- ixpctl serve (issue #18) ---------------------------------------------------------------------
step "ixpctl serve --lab       (the members' front door on 127.0.0.1, reading the lab's route servers)"
SERVE_PORT=${SERVE_PORT:-8089}
SERVE_URL="http://127.0.0.1:$SERVE_PORT"
"$IXPCTL" serve --lab --bind 127.0.0.1 --port "$SERVE_PORT" &
SERVE_PID=$!
trap 'kill "$SERVE_PID" 2>/dev/null || true; "$IXPCTL" lab down >/dev/null 2>&1 || true' EXIT
for _ in $(seq 1 120); do
  "$VENV/bin/python" -c "import urllib.request,sys; urllib.request.urlopen(sys.argv[1], timeout=2)" \
    "$SERVE_URL/api/v1/route-servers" 2>/dev/null && break
  sleep 0.5
done
fetch() { "$VENV/bin/python" -c "import urllib.request,sys; r=urllib.request.urlopen(sys.argv[1], timeout=30); \
print(r.status, len(r.read()), 'bytes', sys.argv[1])" "$1"; }
for path in / /check "/check?asn=64496&prefixes=10.0.0.0/8" /lg "/lg/rs1/member/64496?filtered=1" \
            "/lg/lookup?q=198.18.0.0/22" /policy /communities /ixf/member-export.json \
            "/api/v1/check?asn=64496&prefix=198.18.0.0/22&prefix=10.0.0.0/8" /birdwatcher/rs1/status \
            /birdwatcher/rs1/protocols/bgp /birdwatcher/rs2/status /birdwatcher/rs2/protocols/bgp /metrics /openapi.json; do
  fetch "$SERVE_URL$path"
done
echo "pages: $SERVE_URL/ (French; $SERVE_URL/?lang=en in English) · self-check: $SERVE_URL/check"
echo "looking glass: $SERVE_URL/lg · API: $SERVE_URL/openapi.json · Alice-LG sources: $SERVE_URL/birdwatcher/rs1/ and $SERVE_URL/birdwatcher/rs2/"
kill "$SERVE_PID" && wait "$SERVE_PID" 2>/dev/null || true
trap '"$IXPCTL" lab down >/dev/null 2>&1 || true' EXIT
# --- end of ixpctl serve ---------------------------------------------------------------------------

step "ixpctl lab down"
"$IXPCTL" lab down
trap - EXIT
