"""Where ixpctl's build time goes: each phase of `ixpctl build` timed separately, in one process.

    .venv/bin/python bench/phases.py /tmp/ixbench/n1000 [--runs 3]

Phases as `ixpctl.build.build` runs them: load inventory (ruamel + pydantic), load policy, read the
facts snapshot (hash check + JSON + Facts), validate, compile the Intent, render the BIRD config,
serialise the Intent (`<rs>.intent.json`), `bird -p`. Prints the median of each phase as JSON.
"""

from __future__ import annotations

import argparse
import gc
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from ixpctl.analysis.validate import validate
from ixpctl.base.fsutil import write_text_chunked
from ixpctl.inventory.loader import load_inventory
from ixpctl.policy.intent import compile_route_server
from ixpctl.policy.loader import load_policy
from ixpctl.render.bird import render_route_server
from ixpctl.sources.snapshot import read_snapshot


def once(base: Path) -> dict[str, float]:
    t: dict[str, float] = {}

    def lap(name: str, started: float) -> float:
        now = time.monotonic()
        t[name] = now - started
        return now

    s = time.monotonic()
    loaded = load_inventory(base / "ixpctl" / "inventory")
    s = lap("load inventory", s)
    lpolicy = load_policy(base / "ixpctl" / "policy.yml")
    s = lap("load policy", s)
    facts = read_snapshot(base / "ixpctl" / "snapshot")
    s = lap("read snapshot", s)
    validate(loaded, lpolicy, base_dir=base)
    s = lap("validate", s)
    intent = compile_route_server(loaded, lpolicy, facts, loaded.inventory.route_servers[0])
    s = lap("compile intent", s)
    text = render_route_server(intent)
    s = lap("render BIRD config", s)
    with tempfile.TemporaryDirectory() as tmp:
        write_text_chunked(Path(tmp) / "rs1.intent.json", json.dumps(intent.to_json(), default=str))
        s = lap("write intent.json", s)
        write_text_chunked(Path(tmp) / "rs1.conf", text)
        subprocess.run(["bird", "-p", "-c", str(Path(tmp) / "rs1.conf")], check=True)
        lap("write config + bird -p", s)
    return t


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("base", type=Path)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    gc.disable()  # as `ixpctl build` runs (ixpctl/cli/build.py)
    runs = [once(args.base) for _ in range(args.runs)]
    out = {k: round(statistics.median(r[k] for r in runs), 3) for k in runs[0]}
    out["total"] = round(sum(out.values()), 3)
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
