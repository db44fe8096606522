#!/usr/bin/env python3
"""Break the BIRD templates one rule at a time and show which conformance cases catch each break.

A conformance suite is only as good as the defects it notices. Each mutation below removes or
inverts one import check, export rule or community handler in a copy of templates/ (pointed to by
IXPCTL_TEMPLATES, so the checkout is untouched), runs `ixpctl lab conformance --json` against it,
and lists the cases that failed. A mutation that no case catches is a hole in the catalogue.

    sudo .venv/bin/python scripts/conformance-mutations.py [--rtr] [-k NAME]   (root: the lab; ~35 s each)
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

# (name, template file, text to find, replacement) — each one rule of the policy, removed or inverted.
MUTATIONS: list[tuple[str, str, str, str]] = [
    ("transit-free check removed", "checks/transit_free.j2",
     'reject_route(8, "transit-free ASN in AS_PATH");', "tag_route(8);"),
    ("next-hop check removed", "checks/next_hop.j2",
     'if !next_hop_ok then reject_route(5, "invalid NEXT_HOP");', ""),
    ("RPKI invalid accepted", "checks/rpki_invalid.j2",
     'if rpki_reject_invalid then reject_route(14, "RPKI invalid");', ""),
    ("AS_SET check removed", "checks/as_set.j2",
     'then reject_route(19, "AS_SET in AS_PATH");', "then tag_route(19);"),
    ("IRR origin check removed", "checks/irr_origin.j2",
     'if enforce_origin then reject_route(9, "origin ASN not in AS-SET");', ""),
    ("do-not-announce-to-peer ignored", "functions.j2",
     'if {{ c.call("do_not_announce_to_peer") }} then reject;', ""),
    ("announce-only-to-peer inverted", "functions.j2",
     '&& !{{ c.call("announce_to_peer") }} then reject;', '&& {{ c.call("announce_to_peer") }} then reject;'),
    ("blackhole receive opt-out ignored", "functions.j2",
     "if is_blackhole_route() && !peer_receives_blackholes then reject;", ""),
    ("NO_EXPORT on blackholes not added", "functions.j2",
     "if is_blackhole_route() then bgp_community.add((65535, 65281));", ""),
    ("thrice-prepend prepends twice", "functions.j2",
     "bgp_path.prepend(bgp_path.first); bgp_path.prepend(bgp_path.first); bgp_path.prepend(bgp_path.first);",
     "bgp_path.prepend(bgp_path.first); bgp_path.prepend(bgp_path.first);"),
    ("NO_ADVERTISE control ignored", "functions.j2",
     'then bgp_community.add((65535, 65282));', "then bgp_community.add((65535, 65281));"),
    ("scrub removed", "functions.j2",
     "{%- for stmt in c.scrub() %}\n  {{ stmt }}\n{%- endfor %}", ""),
    ("graceful shutdown ignored", "functions.j2",
     'then bgp_local_pref = {{ policy.graceful_shutdown.local_pref }};', "then bgp_local_pref = 100;"),
    ("forged RS tags kept", "functions.j2",
     "{%- for stmt in c.delete_info() %}\n  {{ stmt }}\n{%- endfor %}", ""),
    ("path hiding: secondary off", "sessions.j2",
     "    secondary;                          # export the next-best route when the best is filtered for this peer\n",
     ""),
]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rtr", action="store_true", help="RPKI over RTR (StayRTR) instead of static ROA tables")
    ap.add_argument("-k", dest="only", help="run only mutations whose name contains this")
    args = ap.parse_args()
    rows, holes = [], 0
    for name, file, old, new in MUTATIONS:
        if args.only and args.only not in name:
            continue
        with tempfile.TemporaryDirectory(prefix="ixpctl-mutant-") as tmp:
            shutil.copytree(REPO / "templates", Path(tmp) / "templates")
            path = Path(tmp) / "templates" / "bird" / file
            text = path.read_text()
            if old not in text:
                print(f"mutation '{name}': text not found in {file} (the template changed: update the script)",
                      file=sys.stderr)
                return 2
            path.write_text(text.replace(old, new, 1))
            env = {**os.environ, "IXPCTL_TEMPLATES": str(Path(tmp) / "templates")}
            cmd = [sys.executable, "-m", "ixpctl", "lab", "conformance", "--json"] + (["--rtr"] if args.rtr else [])
            proc = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True, check=False)
        try:
            report = json.loads(proc.stdout)
        except json.JSONDecodeError:
            rows.append((name, "(the suite did not run: " + proc.stderr.strip().splitlines()[-1][:120] + ")"))
            continue
        failed = [c["case"] for c in report["cases"] if c["status"] != "PASS"]
        holes += not failed
        rows.append((name, ", ".join(failed[:6]) + (f" (+{len(failed) - 6} more)" if len(failed) > 6 else "")
                     if failed else "NOT CAUGHT"))
        print(f"{name}: {len(failed)} case(s) failed", file=sys.stderr)
    print("| mutation | conformance cases that failed |\n|---|---|")
    for name, caught in rows:
        print(f"| {name} | {caught} |")
    return 1 if holes else 0


if __name__ == "__main__":
    sys.exit(main())
