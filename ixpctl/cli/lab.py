"""`ixpctl lab up | test | conformance | down | status | export containerlab`: the route-server lab."""

from __future__ import annotations

import time
from pathlib import Path

import click
from rich.markup import escape
from rich.table import Table

from ..errors import IxpctlError
from .common import console, console_err, json_option, print_json

lab_file_option = click.option("--lab", "lab_file", default="lab/mlix.lab.yml", show_default=True,
                               type=click.Path(path_type=Path), help="Lab description.")


@click.group()
def lab() -> None:
    """Route servers and member speakers (BIRD, GoBGP, ExaBGP) in network namespaces (root)."""


rs_bird_option = click.option("--rs-bird", "rs_bird", default=None, metavar="VERSION|BINARY",
                              help="The route servers' BIRD for this run, e.g. 3.1 (configs rendered for it; "
                                   "scripts/bird-versions.sh installs it). Default: the inventory's bird_version.")
rs_openbgpd_option = click.option("--rs-openbgpd", "rs_openbgpd", default=None, metavar="SERIES",
                                  help="The OpenBGPD route servers' version for this run, e.g. 8.8 (configs "
                                       "rendered for it; scripts/openbgpd-versions.sh installs it).")


@lab.command()
@lab_file_option
@rs_bird_option
@rs_openbgpd_option
@json_option
def up(lab_file: Path, rs_bird: str | None, rs_openbgpd: str | None, as_json: bool) -> None:
    """Build the peering LAN, start rs1/rs2 with the generated configs, the members and StayRTR."""
    from dataclasses import replace

    from ..lab import Lab, LabConfig

    if Lab.current() is not None:
        raise IxpctlError(f"a lab is already running (run {Lab.current().state.run_id}): `ixpctl lab down` first")
    started = time.monotonic()
    config = LabConfig.load(lab_file)
    config = replace(config, rs_bird=rs_bird) if rs_bird else config
    lab_obj = Lab.up(replace(config, rs_openbgpd=rs_openbgpd) if rs_openbgpd else config)
    info = lab_obj.state.info
    data = {"run_id": lab_obj.state.run_id, "run_dir": lab_obj.state.run_dir,
            "seconds": round(time.monotonic() - started, 2), "namespaces": lab_obj.state.namespaces,
            "members": [{"asn": n["asn"], "speaker": n["speaker"], "ns": n["ns"], "ipv4": n["ipv4"],
                         "ipv6": n["ipv6"]} for n in info["members"]],
            "route_servers": info["route_servers"], "route_server_bird": info["rs_bird"]}
    if as_json:
        print_json(data)
        return
    table = Table(title=f"Lab {data['run_id']} up in {data['seconds']} s ({data['run_dir']})", title_justify="left")
    for col in ("node", "speaker", "namespace", "IPv4", "IPv6"):
        table.add_column(col)
    for rs in info["route_servers"]:
        daemon = f"OpenBGPD {rs.get('version', '')}".strip() if rs.get("daemon") == "openbgpd" \
            else f"BIRD {info['rs_bird']['version']}"
        table.add_row(rs["name"], f"{daemon} (route server)", rs["ns"], rs["ipv4"] or "", rs["ipv6"] or "")
    for n in info["members"]:
        table.add_row(f"AS{n['asn']} #{n['connection']}", n["speaker"], n["ns"], n["ipv4"] or "", n["ipv6"] or "")
    console.print(table)
    console.print("sessions: `ixpctl sessions --rs rs1`; tear down: `ixpctl lab down`")


@lab.command()
@json_option
def compare(as_json: bool) -> None:
    """Do members receive identical routes from every route server (e.g. rs1 on BIRD, rs2 on
    OpenBGPD)? Prefix, AS path, next hop, MED, communities, per BIRD member and address family.
    Exit 1 when they differ."""
    from ..lab import Lab
    from ..lab.equivalence import compare_route_servers

    lab_obj = Lab.current()
    if lab_obj is None:
        raise IxpctlError("no lab is running", fix="`ixpctl lab up` first")
    result = compare_route_servers(lab_obj)
    if as_json:
        print_json(result.to_json())
    else:
        who = ", ".join(f"{rs} ({d})" for rs, d in result.route_servers.items())
        if result.identical:
            console.print(f"[green]identical[/]: {result.receivers} member routers received the same "
                          f"{result.routes} routes from {who}")
        for d in result.differences[:50]:
            console.print(f"[red]differs[/] {escape(str(d))}")
    if not result.identical:
        raise SystemExit(1)


@lab.command()
@json_option
def down(as_json: bool) -> None:
    """Stop every process the running lab started and delete its namespaces (by recorded PID / name)."""
    from ..lab import Lab

    lab_obj = Lab.current()
    if lab_obj is None:
        if as_json:
            print_json({"down": False, "reason": "no lab running"})
        else:
            console.print("no lab is running")
        return
    done = lab_obj.down()
    if as_json:
        print_json({"down": True, "run_id": lab_obj.state.run_id, "actions": done})
    else:
        for line in done:
            console.print(line)


@lab.command()
@lab_file_option
@click.option("--scenarios", "scenario_dir", default="lab/scenarios", show_default=True,
              type=click.Path(path_type=Path), help="Directory of scenario files (or one file).")
@click.option("-k", "only", multiple=True, help="Run only scenarios whose name contains this (repeatable).")
@click.option("--no-destructive", is_flag=True, help="Skip destructive scenarios (max-prefix).")
@click.option("--differential", "diff_n", type=int, default=0, show_default=True,
              help="Also announce N random routes and compare BIRD with the Python evaluator.")
@click.option("--seed", type=int, default=1)
@json_option
def test(lab_file: Path, scenario_dir: Path, only: tuple[str, ...], no_destructive: bool, diff_n: int,
         seed: int, as_json: bool) -> None:
    """Run the scenarios against the running lab (or bring one up for the run and tear it down).

    Exit 0 when every expectation holds, 1 otherwise."""
    from ..lab import Lab, LabConfig
    from ..lab.scenarios import Runner, load_scenarios, scenario_files

    files = [scenario_dir] if scenario_dir.is_file() else scenario_files(scenario_dir)
    scenarios = load_scenarios(files)
    if only:
        scenarios = [s for s in scenarios if any(o in s.name for o in only)]
    lab_obj = Lab.current()
    own = lab_obj is None
    started = time.monotonic()
    try:
        if own:
            lab_obj = Lab.up(LabConfig.load(lab_file))
        diff = None
        results = Runner(lab_obj).run([s for s in scenarios if not s.destructive])
        if diff_n:
            from ..lab.differential import compare, random_routes
            member = next(n for n in lab_obj.state.info["members"] if n["speaker"] == "exabgp")
            sp = lab_obj.speaker(member["asn"])
            routes = random_routes(lab_obj.intent(lab_obj.rs_names[0]), member["asn"], sp.own_address(4),
                                   member["ipv6"], diff_n, seed)
            mismatches, compared = compare(lab_obj, member["asn"], routes)
            diff = {"member": member["asn"], "compared": compared,
                    "mismatches": [m.__dict__ for m in mismatches]}
        if not no_destructive:
            results += Runner(lab_obj).run([s for s in scenarios if s.destructive])
    finally:
        if own and lab_obj is not None:
            lab_obj.down()
    failed = [r for r in results if not r.ok] + ([None] if diff and diff["mismatches"] else [])
    seconds = round(time.monotonic() - started, 1)
    if as_json:
        print_json({"ok": not failed, "seconds": seconds, "results": [r.to_json() for r in results],
                    "differential": diff})
    else:
        table = Table(title=f"Lab scenarios ({seconds} s)", title_justify="left")
        for col in ("result", "scenario", "step", "expectation", "detail"):
            table.add_column(col, overflow="fold")
        for r in results:
            table.add_row("[green]PASS[/]" if r.ok else "[red]FAIL[/]", r.scenario, str(r.step), r.expectation,
                          r.detail)
        console.print(table)
        if diff:
            console.print(f"differential: {diff['compared']} verdicts compared, "
                          f"{len(diff['mismatches'])} mismatch(es)")
            for m in diff["mismatches"][:20]:
                console_err.print(f"  [red]MISMATCH[/] {m}")
        passed = sum(r.ok for r in results)
        console.print(f"{passed}/{len(results)} expectations hold")
    if failed:
        raise SystemExit(1)


@lab.command()
@click.option("--lab", "lab_file", default="lab/conformance.lab.yml", show_default=True,
              type=click.Path(path_type=Path), help="The conformance lab.")
@click.option("--cases", "cases_path", default="lab/conformance/cases", show_default=True,
              type=click.Path(path_type=Path), help="Catalogue directory (or one file).")
@click.option("--rtr", is_flag=True, help="RPKI over RTR (StayRTR) instead of the static ROA tables of a build.")
@click.option("-k", "only", multiple=True, help="Run only cases whose name contains this (repeatable).")
@click.option("--timeout", type=float, default=20.0, show_default=True, help="Seconds a round may take to converge.")
@rs_bird_option
@rs_openbgpd_option
@json_option
def conformance(lab_file: Path, cases_path: Path, rtr: bool, only: tuple[str, ...], timeout: float,
                rs_bird: str | None, rs_openbgpd: str | None, as_json: bool) -> None:
    """Run the member-perspective conformance catalogue in its own lab (brought up and torn down).

    Exit 0 when every case passes (known bugs marked xfail_reason must still fail), 1 otherwise."""
    from ..lab import Lab
    from ..lab.conformance import run_conformance

    if Lab.current() is not None:
        raise IxpctlError(f"a lab is already running (run {Lab.current().state.run_id}): `ixpctl lab down` first")
    report = run_conformance(lab_file, cases_path, rtr=rtr, only=only, timeout=timeout, rs_bird=rs_bird,
                             rs_openbgpd=rs_openbgpd)
    if as_json:
        print_json(report.to_json())
    else:
        colour = {"PASS": "green", "FAIL": "red", "XFAIL": "yellow", "XPASS": "red", "SKIP": "dim"}
        servers = ", ".join(f"{rs} {d}" for rs, d in report.daemons.items()) or f"BIRD {report.route_server_bird}"
        table = Table(title=f"Conformance, RPKI {report.mode}, route servers {servers} "
                            f"({report.seconds:.1f} s)", title_justify="left")
        for col in ("result", "case", "ref", "mismatches"):
            table.add_column(col, overflow="fold")
        for r in report.results:
            detail = "\n".join(m.text() for m in r.mismatches[:6]) + (
                f"\n… {len(r.mismatches) - 6} more" if len(r.mismatches) > 6 else "")
            if r.xfail_reason:
                detail = f"known: {r.xfail_reason}\n{detail}".strip()
            table.add_row(f"[{colour[r.status]}]{r.status}[/]", r.case, r.ref, detail)
        console.print(table)
        for note in report.notes:
            console_err.print(f"note: {note}")
        console.print(", ".join(f"{n} {s}" for s, n in report.counts().items()))
    if not report.ok:
        raise SystemExit(1)


@lab.command()
@json_option
def status(as_json: bool) -> None:
    """The running lab: namespaces and processes (alive or not)."""
    from ..lab import Lab

    lab_obj = Lab.current()
    if lab_obj is None:
        raise IxpctlError("no lab is running")
    st = lab_obj.state
    procs = [{"name": p.name, "pid": p.pid, "ns": p.ns, "alive": st.alive(p)} for p in st.processes]
    if as_json:
        print_json({"run_id": st.run_id, "namespaces": st.namespaces, "processes": procs})
        return
    for p in procs:
        console.print(f"{'[green]alive[/]' if p['alive'] else '[red]dead[/]'} {p['name']} pid {p['pid']} in {p['ns']}")


@lab.group()
def export() -> None:
    """Export the lab topology for other tools."""


@export.command()
@lab_file_option
@click.option("-o", "--out", "out", default="lab/mlix.clab.yml", show_default=True, type=click.Path(path_type=Path))
@click.option("--configs", "config_dir", default="lab/clab-configs", show_default=True,
              type=click.Path(path_type=Path), help="Where the generated node configs are written (bound in).")
@json_option
def containerlab(lab_file: Path, out: Path, config_dir: Path, as_json: bool) -> None:
    """Write a containerlab topology (linux nodes with BIRD / GoBGP / ExaBGP images, config binds)."""
    from ..lab import LabConfig
    from ..lab.clab import export_containerlab

    topo = export_containerlab(LabConfig.load(lab_file), out, config_dir)
    if as_json:
        print_json({"file": str(out), "nodes": len(topo["topology"]["nodes"]),
                    "links": len(topo["topology"]["links"])})
    else:
        console.print(f"wrote {out}: {len(topo['topology']['nodes'])} nodes, {len(topo['topology']['links'])} links; "
                      f"configs in {config_dir}")
