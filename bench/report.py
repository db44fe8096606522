"""Markdown tables from a ``bench/run.py`` raw JSON file (medians, min-max, ratios).

    .venv/bin/python bench/report.py bench/results/raw-<time>.json [-o bench/results/latest.md]
"""

from __future__ import annotations

import argparse
import json
import statistics
from pathlib import Path


def _med(runs: list[dict] | None, key: str) -> float | None:
    vals = [r[key] for r in runs or [] if r.get(key) is not None]
    return statistics.median(vals) if vals else None


def _span(runs: list[dict] | None, key: str) -> str:
    vals = [r[key] for r in runs or [] if r.get(key) is not None]
    if not vals:
        return "–"
    if len(vals) == 1:
        return f"{_fmt_s(vals[0])} (1 run)"
    return f"{_fmt_s(min(vals))}–{_fmt_s(max(vals))}"


def _fmt_s(v: float | None) -> str:
    if v is None:
        return "–"
    return f"{v:.3f} s" if v < 1 else f"{v:.2f} s" if v < 100 else f"{v:.0f} s"


def _fmt_mb(v: float | None) -> str:
    return "–" if v is None else f"{v:.0f} MB" if v >= 10 else f"{v:.1f} MB"


def _ratio(a: float | None, b: float | None) -> str:
    if not a or not b:
        return "–"
    r = b / a
    return f"**{r:.0f}×**" if r >= 10 else f"{r:.1f}×"


def write_report(raw: dict, path: Path) -> str:
    sizes = sorted(raw["sizes"], key=int)
    S = {n: raw["sizes"][n] for n in sizes}
    head = "| metric (median) | " + " | ".join(f"N={n}" for n in sizes) + " |"
    sep = "|---|" + "---|" * len(sizes)
    stamps = raw["stamp"].split("+")
    lines = [f"Runs {', '.join(stamps)} (raw data: " + ", ".join(f"`bench/results/raw-{s}.json`" for s in stamps)
             + ").", ""]

    def row(label: str, fn) -> None:
        lines.append(f"| {label} | " + " | ".join(fn(S[n]) for n in sizes) + " |")

    lines += [head, sep]
    row("BGP sessions (v4+v6)", lambda s: f"{s['stats']['sessions_v4']}+{s['stats']['sessions_v6']}")
    row("IRR entries expanded v4 / v6", lambda s: f"{s['stats']['expanded_entries_v4']:,} / "
                                                  f"{s['stats']['expanded_entries_v6']:,}")
    row("VRPs v4 / v6", lambda s: f"{s['stats']['vrps_v4']:,} / {s['stats']['vrps_v6']:,}")
    for tool, name in (("ars", "arouteserver 1.27.0"), ("ixpctl", "ixpctl")):
        lines.append(f"| **{name}** | " + " | ".join("" for _ in sizes) + " |")
        row("build wall", lambda s, t=tool: _fmt_s(_med(s.get(f"{t}_build"), "wall")))
        row("build min–max", lambda s, t=tool: _span(s.get(f"{t}_build"), "wall"))
        if tool == "ixpctl":
            row("build wall without its `bird -p` check", lambda s: _fmt_s(_med(s.get("ixpctl_build_nocheck"), "wall")))
        row("build CPU (user+sys)", lambda s, t=tool: _fmt_s(_med(s.get(f"{t}_build"), "cpu")))
        row("build peak RSS", lambda s, t=tool: _fmt_mb(_med(s.get(f"{t}_build"), "rss_mb")))
        row("config size / lines", lambda s, t=tool: "–" if not s.get(f"{t}_build") else
            f"{s[f'{t}_build'][0]['bytes'] / 1e6:.1f} MB / {s[f'{t}_build'][0]['lines']:,}")
        row("`bird -p`", lambda s, t=tool: _fmt_s(_med(s.get(f"{t}_parse"), "wall")))
        row("`bird -p` min–max", lambda s, t=tool: _span(s.get(f"{t}_parse"), "wall"))
        row("`bird -p` peak RSS", lambda s, t=tool: _fmt_mb(_med(s.get(f"{t}_parse"), "rss_mb")))
        row("BIRD start → `show status` answers", lambda s, t=tool: _fmt_s(_med(s.get(f"{t}_live"), "startup")))
        row("BIRD `show memory` / RSS after start", lambda s, t=tool: f"{_fmt_mb(_med(s.get(f'{t}_live'), 'mem_start_mb'))}"
            f" / {_fmt_mb(_med(s.get(f'{t}_live'), 'rss_start_mb'))}")
        row("`birdc configure` (same file)", lambda s, t=tool: _fmt_s(_med(s.get(f"{t}_live"), "configure")))
        row("BIRD `show memory` / RSS after configure", lambda s, t=tool:
            f"{_fmt_mb(_med(s.get(f'{t}_live'), 'mem_configure_mb'))} / "
            f"{_fmt_mb(_med(s.get(f'{t}_live'), 'rss_configure_mb'))}")
    lines.append("| **ratio arouteserver / ixpctl** | " + " | ".join("" for _ in sizes) + " |")
    row("build wall, ixpctl without `bird -p` (like for like)",
        lambda s: _ratio(_med(s.get("ixpctl_build_nocheck"), "wall"), _med(s.get("ars_build"), "wall")))
    for label, stage, key in (("build wall", "build", "wall"), ("build peak RSS", "build", "rss_mb"),
                              ("config size", "build", "bytes"), ("`bird -p`", "parse", "wall"),
                              ("BIRD start-up", "live", "startup"), ("`birdc configure`", "live", "configure"),
                              ("BIRD RSS after start", "live", "rss_start_mb"),
                              ("BIRD RSS after configure", "live", "rss_configure_mb")):
        row(label, lambda s, st=stage, k=key: _ratio(_med(s.get(f"ixpctl_{st}"), k), _med(s.get(f"ars_{st}"), k)))
    row("runs build / parse / live (ars; ixpctl)", lambda s: " / ".join(str(len(s.get(f"ars_{x}", []))) for x in
                                                                         ("build", "parse", "live")) + "; " +
        " / ".join(str(len(s.get(f"ixpctl_{x}", []))) for x in ("build", "parse", "live")))
    text = "\n".join(lines) + "\n"
    for n in sizes:
        s = S[n]
        if s.get("ixpctl_onboard"):
            text += (f"\nOnboarding one member at N={n} (full re-build, N+1 members): wall "
                     f"{_fmt_s(_med(s['ixpctl_onboard'], 'wall'))} ({_span(s['ixpctl_onboard'], 'wall')}), "
                     f"peak RSS {_fmt_mb(_med(s['ixpctl_onboard'], 'rss_mb'))}.\n")
        if s.get("ixpctl_rtr"):
            r = s["ixpctl_rtr"]
            text += (f"\nVRPs over RTR at N={n} (`sources.rpki.rtr_servers`, StayRTR serving the same "
                     f"{sum(r['vrps'].values()):,} VRPs; median of {len(r['runs']['live'])}): config "
                     f"{r['bytes'] / 1e6:.1f} MB / {r['lines']:,} lines, build {_fmt_s(r['build_wall'])} "
                     f"({_fmt_mb(r['build_rss_mb'])}), `bird -p` {_fmt_s(r['parse_wall'])}, BIRD answers after "
                     f"{_fmt_s(r['startup'])} and holds every VRP after {_fmt_s(r['roas_loaded'])}; BIRD RSS "
                     f"{_fmt_mb(r['rss_start_mb'])} at start, {_fmt_mb(r['rss_loaded_mb'])} with all VRPs.\n")
        for series, o in sorted((s.get("ixpctl_openbgpd") or {}).items()):
            if "skipped" in o:
                text += f"\nOpenBGPD {series} at N={n}: skipped ({o['skipped']}).\n"
                continue
            m = o["summary"]
            text += (f"\nOpenBGPD {o['version']} at N={n} (every route server `daemon: openbgpd`, median of "
                     f"{len(o['build'])}): bgpd.conf {m['bytes'] / 1e6:.1f} MB / {m['lines']:,} lines, "
                     f"{m['sessions']:,} neighbours; `ixpctl build` {_fmt_s(m['build_wall'])} "
                     f"({_fmt_mb(m['build_rss_mb'])}) including its `bgpd -n` check "
                     f"({_fmt_s(m['bgpd_check_in_build'])}); `bgpd -n` alone {_fmt_s(m['bgpd_n_wall'])} "
                     f"({_fmt_mb(m['bgpd_n_rss_mb'])}).\n")
        if s.get("selfcheck"):
            c = s["selfcheck"]
            text += (f"\nSelf-check at N={n}: {c['routes']:,} routes, {c['vrps']:,} VRPs, {c['irr_entries']:,} IRR "
                     f"entries in {c['prefix_sets']:,} prefix sets: wall {_fmt_s(c['wall'])} (load + compile "
                     f"{c['seconds']['load_and_compile']} s, ROV table {c['seconds']['engine_init_rov_table']} s, "
                     f"evaluation {c['seconds']['evaluate']} s = {c['routes_per_second']:,} routes/s), peak RSS "
                     f"{_fmt_mb(c['rss_mb'])}. Verdicts: {json.dumps(c['verdicts'])}.\n")
        if s.get("agreement") and "routes" in s["agreement"]:
            a = s["agreement"]
            text += (f"\nSame decisions at N={n}: {a['routes']:,} routes over {a['sessions']} sessions; verdicts "
                     f"equal in all three (ixpctl evaluator, ixpctl config in BIRD, arouteserver config in BIRD): "
                     f"{a['verdicts_agree_all_three']:,}; reject reason evaluator = ixpctl BIRD: "
                     f"{a['reason_python_eq_ixpctl_bird']:,}; reason ixpctl = arouteserver: "
                     f"{a['reason_ixpctl_eq_arouteserver']:,} (differences: {json.dumps(a['reason_differences'])}).\n")
    if raw.get("lab50"):
        runs = raw["lab50"]
        ups = sorted(r["up_until_all_established_s"] for r in runs)
        r0 = runs[0]
        text += (f"\nLab bring-up, {r0['members']} members ({r0['member_speakers']} member routers as BIRD speakers, "
                 f"{r0['namespaces']} network namespaces, {r0['processes']} processes incl. the route server and "
                 f"StayRTR): all {r0['rs_sessions']} route-server sessions Established after "
                 f"{statistics.median(ups):.2f} s (median of {len(runs)}, {ups[0]:.2f}–{ups[-1]:.2f} s); tear-down "
                 f"{statistics.median(r['down_s'] for r in runs):.2f} s.\n")
    if raw.get("versions"):  # bench/versions.py: one config on every BIRD target
        from versions import table

        v = raw["versions"]
        text += (f"\nEvery BIRD target at N={v['n']} (rs1's config rendered for each, "
                 f"{v['results'][0]['sessions']} sessions; medians of {len(v['results'][0]['live'])} runs):\n\n"
                 f"{table(v['results'])}\n")
    path.write_text(text)
    return text


def merge(raws: list[dict]) -> dict:
    """Stages of several runs (e.g. one tool re-run): a later run's stage replaces an earlier one."""
    out = {"stamp": "+".join(r["stamp"] for r in raws), "machine": raws[0]["machine"], "sizes": {},
           "parts": [{"stamp": r["stamp"], "args": r.get("args"), "stages": {n: sorted(s) for n, s in
                                                                              r["sizes"].items()}} for r in raws]}
    for r in raws:
        for n, stages in r["sizes"].items():
            out["sizes"].setdefault(n, {}).update(stages)
        if r.get("lab50"):
            out["lab50"] = r["lab50"]
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("raw", type=Path, nargs="+", help="raw files; a later file's stages replace earlier ones")
    ap.add_argument("-o", "--out", type=Path)
    args = ap.parse_args()
    raw = merge([json.loads(p.read_text()) for p in args.raw])
    text = write_report(raw, args.out or args.raw[-1].with_suffix(".md"))
    print(text)


if __name__ == "__main__":
    main()
