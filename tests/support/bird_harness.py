"""Run the generated import policy in a real BIRD, without any BGP session.

The route server's config is rendered with every BGP session ``disabled``; one static protocol per
test route feeds the route (with its AS_PATH, NEXT_HOP and communities set as attributes) through
exactly the same import-filter call the member's session uses (``render_import_call``). BIRD keeps
rejected routes (``import keep filtered``) with the reject-reason community, so its verdict can be
read back with birdc and compared with ``ixpctl.policy.evaluate``. Any BIRD version runs it (pass its
``bird``/``birdc``); ``check_output`` keeps what ``bird -p`` said (warnings: there should be none).

What this cannot express: AS_SET segments (BIRD filters cannot build them); the lab covers those
with real BGP speakers. BIRD runs as a daemon with a private control socket in a temp dir and is
stopped by its recorded PID, even when the test fails.
"""

from __future__ import annotations

import re
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

from ixpctl.policy.evaluate import Route
from ixpctl.policy.intent import RouteServerIntent
from ixpctl.render.bird import render_import_call, render_route_server


@dataclass
class BirdVerdict:
    accepted: bool
    large_communities: set[tuple[int, int, int]] = field(default_factory=set)
    communities: set[tuple[int, int]] = field(default_factory=set)
    local_pref: int | None = None

    def reject_code(self, rs_asn: int) -> int | None:
        codes = [c for a, b, c in self.large_communities if a == rs_asn and b == 65520]
        return codes[0] if codes else None


def _route_block(route: Route) -> str:
    stmts = ["bgp_path = +empty+;"]
    for kind, asns in route.as_path:
        if kind != "seq":
            raise ValueError("the BIRD harness cannot build AS_SET segments")
    for asn in reversed([a for _, asns in route.as_path for a in asns]):
        stmts.append(f"bgp_path.prepend({asn});")
    stmts.append(f"bgp_next_hop = {route.next_hop};")
    for a, b in sorted(route.communities):
        stmts.append(f"bgp_community.add(({a}, {b}));")
    for a, b, c in sorted(route.large_communities):
        stmts.append(f"bgp_large_community.add(({a}, {b}, {c}));")
    return f"  route {route.prefix} blackhole {{ {' '.join(stmts)} }};"


def harness_config(intent: RouteServerIntent, routes: list[tuple[str, Route]]) -> tuple[str, dict[str, str]]:
    """Config text and the protocol name given to each route id."""
    parts = [render_route_server(intent, disable_sessions=True), "\n# ---- test harness ----"]
    names: dict[str, str] = {}
    sessions = {s.name: s for s in intent.sessions}
    for index, (session_name, route) in enumerate(routes):
        session = sessions[session_name]
        afi = 6 if ":" in route.prefix else 4
        name = f"h{index}"
        names[name] = str(index)
        call = render_import_call(intent, session)
        parts.append(
            f"protocol static {name} {{\n  ipv{afi} {{ import keep filtered on; import filter {{ {call} }}; }};\n"
            f"{_route_block(route)}\n}}")
    return "\n".join(parts) + "\n", names


_ROUTE_LINE = re.compile(r"^(\S+)?\s+\S+.*\[(h\d+) ")


def _parse(output: str) -> dict[str, dict]:
    routes: dict[str, dict] = {}
    current = None
    for line in output.splitlines():
        m = _ROUTE_LINE.match(line)
        if m and not line.startswith("\t"):
            current = routes.setdefault(m.group(2), {"large": set(), "std": set(), "local_pref": None})
            continue
        if current is None:
            continue
        # BIRD 2 prints "BGP.large_community:", BIRD 3 "bgp_large_community:"
        if "BGP.large_community:" in line or "bgp_large_community:" in line:
            current["large"] |= {tuple(int(x) for x in t) for t in
                                 re.findall(r"\((\d+), (\d+), (\d+)\)", line)}
        elif "BGP.community:" in line or "bgp_community:" in line:
            current["std"] |= {tuple(int(x) for x in t) for t in re.findall(r"\((\d+),(\d+)\)", line)}
        elif "BGP.local_pref:" in line or "bgp_local_pref:" in line:
            current["local_pref"] = int(line.split(":")[1])
    return routes


class BirdHarness:
    def __init__(self, workdir: Path, bird: str = "bird", birdc: str = "birdc"):
        self.dir = Path(workdir)
        self.bird, self.birdc = bird, birdc
        self.pid: int | None = None
        self.check_output = ""

    def _birdc(self, *args: str) -> str:
        return subprocess.run([self.birdc, "-s", str(self.dir / "bird.ctl"), *args], capture_output=True,
                              text=True, timeout=60, check=False).stdout

    def run(self, intent: RouteServerIntent, routes: list[tuple[str, Route]]) -> dict[int, BirdVerdict]:
        config, names = harness_config(intent, routes)
        conf = self.dir / "harness.conf"
        conf.write_text(config)
        check = subprocess.run([self.bird, "-p", "-c", str(conf)], capture_output=True, text=True, check=False)
        assert check.returncode == 0, check.stderr
        # The generated config parses without a single warning on its target (BIRD writes them to stderr).
        self.check_output = (check.stdout + check.stderr).strip()
        # Foreground (-f) so the PID we hold is BIRD's own: we stop exactly what we started.
        self.proc = subprocess.Popen([self.bird, "-f", "-c", str(conf), "-s", str(self.dir / "bird.ctl")],
                                     stdout=subprocess.DEVNULL, stderr=(self.dir / "bird.stderr").open("w"))
        self.pid = self.proc.pid
        try:
            deadline = time.monotonic() + 30
            expected = (len(intent.vrps4), len(intent.vrps6)) + ((len(intent.aspas),) if intent.aspa else ())
            while time.monotonic() < deadline:
                if "ready" in self._birdc("show", "status") and self._table_counts(intent.aspa) == expected:
                    break
                time.sleep(0.1)
            # The ROA tables may have filled after the static routes were imported: re-run the filters.
            self._birdc("reload", "in", "all")
            time.sleep(0.3)
            found: dict[str, dict] = {}
            filtered: set[str] = set()
            for table in ("master4", "master6"):
                found.update(_parse(self._birdc("show", "route", "table", table, "all")))
                flt = _parse(self._birdc("show", "route", "table", table, "filtered", "all"))
                filtered |= set(flt)
                found.update(flt)
        finally:
            self.stop()
        out: dict[int, BirdVerdict] = {}
        for name, index in names.items():
            data = found.get(name)
            assert data is not None, f"BIRD shows no route for {name} ({routes[int(index)]})"
            out[int(index)] = BirdVerdict(name not in filtered, data["large"], data["std"], data["local_pref"])
        return out

    def _table_counts(self, aspa: bool) -> tuple[int, ...]:
        """Routes in the ROA tables (and the ASPA table where the config has one)."""
        counts = []
        for table in ("rpki4", "rpki6") + (("rpki_aspa",) if aspa else ()):
            m = re.search(r"(\d+) of \d+ routes", self._birdc("show", "route", "table", table, "count"))
            counts.append(int(m.group(1)) if m else -1)
        return tuple(counts)

    def stop(self) -> None:
        if self.pid is None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=10)
        self.pid = None
