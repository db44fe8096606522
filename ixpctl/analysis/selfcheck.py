"""The member prefix self-check: every route a member intends to announce, run through the same
``PolicyEngine`` as the route server (the one that mirrors the BIRD config), with the reason and
what to do about each rejection.

Where the routes come from:
- ``--prefix P`` (origin = the member's ASN unless given as ``P AS<origin>``);
- ``--from-file``: lines ``prefix [origin] [as-path...]`` (comments with '#'), or a ``birdc show
  route`` dump (lines starting with a prefix, then ``BGP.as_path:`` lines);
- by default the member's IRR data: every route object of its AS-SET expansion. bgpq4 prefix lists
  do not say which ASN originates each prefix, so the origin is guessed: the ASN of a covering ROA
  if that ASN is in the member's AS-SET, else the member's own ASN (reported as "origin assumed").
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from ipaddress import ip_network
from pathlib import Path

import pytricia

from ..errors import InputError
from ..inventory.irr_names import source_and_name
from ..policy.chain import BY_NAME
from ..policy.evaluate import PolicyEngine, Route, Verdict
from ..policy.export import missing_receivers
from ..policy.intent import RouteServerIntent
from ..sources.aspa import aspa_culprit
from ..sources.facts import Facts


@dataclass
class Announcement:
    prefix: str
    path: list[int]
    origin_assumed: bool = False
    line: int | None = None
    communities: list[tuple[int, int]] = field(default_factory=list)
    large_communities: list[tuple[int, int, int]] = field(default_factory=list)


@dataclass
class PrefixResult:
    prefix: str
    origin: int
    path: list[int]
    accepted: bool
    check: str | None
    code: int | None
    reason: str | None
    reason_fr: str | None
    fix: str | None
    fix_fr: str | None
    rpki: str | None
    origin_assumed: bool
    details: list[str] = field(default_factory=list)
    aspa: str | None = None  # valid / invalid / unknown where the route server runs ASPA
    # export, for an accepted route: how many members could receive it, and who does not get it
    # (its announcement-control communities, blackhole opt-outs) — the evaluator's export half
    receivers: int | None = None
    not_exported_to: list[int] = field(default_factory=list)
    details_fr: list[str] = field(default_factory=list)  # the same sentences as details, in French

    def to_json(self) -> dict:
        return dict(self.__dict__)


@dataclass
class CheckReport:
    asn: int
    name: str
    route_server: str
    results: list[PrefixResult]
    notes: list[str]

    @property
    def counts(self) -> dict[str, int]:
        out = {"total": len(self.results), "accepted": sum(r.accepted for r in self.results)}
        out["rejected"] = out["total"] - out["accepted"]
        for r in self.results:
            if r.check:
                out[f"rejected:{r.check}"] = out.get(f"rejected:{r.check}", 0) + 1
        return out

    def to_json(self) -> dict:
        return {"asn": self.asn, "name": self.name, "route_server": self.route_server, "counts": self.counts,
                "notes": self.notes, "results": [r.to_json() for r in self.results]}


class VrpIndex:
    """Covering VRPs of a prefix, to explain RPKI verdicts ("the ROA says AS X, maxLength Y")."""

    def __init__(self, vrps: Iterable[tuple[str, int, int]]):
        self.trees = {4: pytricia.PyTricia(32), 6: pytricia.PyTricia(128)}
        for prefix, max_len, asn in vrps:
            tree = self.trees[6 if ":" in prefix else 4]
            if tree.has_key(prefix):
                tree[prefix].append((max_len, asn))
            else:
                tree[prefix] = [(max_len, asn)]

    def covering(self, prefix: str) -> list[tuple[str, int, int]]:
        tree = self.trees[6 if ":" in prefix else 4]
        out = []
        key = tree.get_key(prefix)
        while key is not None:
            out += [(key, m, a) for m, a in tree[key]]
            key = tree.parent(key)
        return out


_COMMUNITY = re.compile(r"^\d+:\d+(:\d+)?$")
_BIRDC_WORDS = {"unicast", "via", "blackhole", "unreachable", "prohibit", "dev"}


def parse_announcements(text: str, member_asn: int, *, source: str = "<input>") -> list[Announcement]:
    """Routes from a text file: ``prefix [origin] [path...]`` lines, or a ``birdc show route all`` dump."""
    out: list[Announcement] = []
    pending: Announcement | None = None
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.split("#", 1)[0].rstrip()
        if not line.strip():
            continue
        if "BGP.as_path:" in line:
            if pending is not None:
                path = [int(a) for a in re.findall(r"\d+", line.split(":", 1)[1])]
                pending.path = path or pending.path
            continue
        if "BGP.community:" in line or "BGP.large_community:" in line:
            if pending is not None:
                values = [tuple(int(x) for x in re.findall(r"\d+", v))
                          for v in re.findall(r"\(([^)]*)\)", line.split(":", 1)[1])]
                if "BGP.large_community:" in line:
                    pending.large_communities += [v for v in values if len(v) == 3]  # type: ignore[misc]
                else:
                    pending.communities += [v for v in values if len(v) == 2]  # type: ignore[misc]
            continue
        first = line.split()[0]
        try:
            net = ip_network(first, strict=False)
        except ValueError:
            if raw.startswith((" ", "\t")) or line.endswith(":") or first in ("BIRD", "Table"):
                continue  # headers and attribute lines of a birdc dump
            raise InputError.at(f"'{first}' is not a prefix", source, number,
                                fix="one route per line: prefix [origin ASN] [AS path...]") from None
        rest = line.split()[1:]
        # communities in a plain line: A:B (standard) and A:B:C (large), anywhere after the prefix
        tags = [tuple(int(x) for x in t.split(":")) for t in rest if _COMMUNITY.match(t)]
        rest = [t for t in rest if not _COMMUNITY.match(t)]
        if "[" in line or (rest and rest[0] in _BIRDC_WORDS):
            numbers = []  # a `birdc show route all` line: the path follows on a BGP.as_path line
        else:
            numbers = [int(a) for a in re.findall(r"\b(?:AS)?(\d+)\b", " ".join(rest), re.IGNORECASE)]
        if len(numbers) >= 2:
            path = numbers
        elif len(numbers) == 1 and numbers[0] != member_asn:
            path = [member_asn, numbers[0]]
        else:
            path = [member_asn]
        pending = Announcement(str(net), path, len(numbers) == 0, number,
                               [t for t in tags if len(t) == 2], [t for t in tags if len(t) == 3])  # type: ignore[misc]
        out.append(pending)
    return out


def irr_announcements(intent: RouteServerIntent, facts: Facts, member_asn: int,
                      vrps: VrpIndex) -> list[Announcement]:
    member = intent.member(member_asn)
    if member is None:
        return []
    out = []
    seen = set()
    for afi, set_name in ((4, member.prefix_set4), (6, member.prefix_set6)):
        oset = intent.asn_set(member.origin_set_for(afi))  # per-family AS-SETs: the family's own origins
        origins = set(oset.asns) if oset else {member_asn}
        pset = intent.prefix_set(set_name)
        for prefix, lo, _hi in (pset.entries if pset else []):
            net = ip_network(prefix)
            if lo > net.prefixlen:  # a route-set range: announce its shortest member
                net = next(net.subnets(new_prefix=lo))
            text = str(net)
            if text in seen:
                continue
            seen.add(text)
            candidates = [a for _, _, a in vrps.covering(text) if a in origins]
            origin = member_asn if member_asn in candidates or not candidates else candidates[0]
            path = [member_asn] if origin == member_asn else [member_asn, origin]
            out.append(Announcement(text, path, origin_assumed=True))
    return out


def _details(result: Verdict, ann: Announcement, vrps: VrpIndex, member_sets: list[str],
             lengths: dict[int, tuple[int, int]], engine: PolicyEngine | None = None) -> list[tuple[str, str]]:
    """What exactly is wrong, as (English, French) sentences."""
    details: list[tuple[str, str]] = []
    if result.aspa == "invalid" and engine is not None:
        culprit = aspa_culprit(ann.path, engine.aspas)
        if culprit:
            tagged, tagged_fr = ("", "") if result.check == "aspa" else (" (tagged, accepted)", " (marquée, acceptée)")
            details.append(((f"ASPA invalid{tagged}: the ASPA of AS{culprit[0]} does not list AS{culprit[1]} "
                            "as a provider"),
                            (f"ASPA invalide{tagged_fr} : l'ASPA de AS{culprit[0]} ne liste pas AS{culprit[1]} "
                            "comme fournisseur")))
    origin = ann.path[-1]
    if result.check == "rpki_invalid":
        for prefix, max_len, asn in vrps.covering(ann.prefix):
            details.append((f"ROA {prefix} maxLength {max_len} authorises AS{asn}",
                            f"le ROA {prefix} maxLength {max_len} autorise AS{asn}"))
    if result.check in ("irr_prefix", "irr_origin"):
        registries = sorted({source_and_name(s)[0] or "your RIR" for s in member_sets})
        where = ", ".join(registries)
        where_fr = where.replace("your RIR", "votre RIR")
        if result.check == "irr_prefix":
            what = f"route object for {ann.prefix} with origin AS{origin}"
            what_fr = f"l'objet route pour {ann.prefix} avec l'origine AS{origin}"
        else:
            what = f"AS{origin} as a member of {', '.join(member_sets) or 'your AS-SET'}"
            what_fr = f"AS{origin} comme membre de {', '.join(member_sets) or 'votre AS-SET'}"
        details.append((f"create the {what} in {where}, or a ROA for it",
                        f"créez {what_fr} dans {where_fr}, ou un ROA"))
    if result.check == "prefix_length":
        net = ip_network(ann.prefix)
        lo, hi = lengths[net.version]
        details.append((f"announced /{net.prefixlen}; the route servers accept /{lo} to /{hi} for IPv{net.version}",
                        (f"annoncé en /{net.prefixlen} ; les serveurs de routes acceptent de /{lo} à /{hi} "
                        f"en IPv{net.version}")))
    return details


def self_check(intent: RouteServerIntent, facts: Facts, member_asn: int,
               announcements: list[Announcement] | None = None, engine: PolicyEngine | None = None,
               vrps: VrpIndex | None = None) -> CheckReport:
    """Evaluate a member's routes with the route server's policy (``intent``) and explain each verdict.
    A long-running caller (``ixpctl serve``) passes its ``engine`` and ``vrps`` index, built once."""
    member = intent.member(member_asn)
    if member is None:
        raise InputError(f"AS{member_asn} has no route-server sessions in this inventory",
                         fix="add the member (status: active) to the inventory, or use `ixpctl onboard`")
    engine = engine or PolicyEngine(intent)
    vrps = vrps or VrpIndex(intent.vrps4 + intent.vrps6)
    notes = list(member.warnings)
    if announcements is None:
        announcements = irr_announcements(intent, facts, member_asn, vrps)
        notes.append("routes taken from the member's IRR data; origins assumed from ROAs where the AS-SET "
                     "has several ASNs (give exact routes with --from-file)")
    sessions = {s.afi: s for s in intent.sessions if s.member_asn == member_asn}
    receivers = {afi: sorted({s.member_asn for s in intent.sessions if s.afi == afi} - {member_asn}) for afi in (4, 6)}
    results = []
    for ann in announcements:
        afi = 6 if ":" in ann.prefix else 4
        session = sessions.get(afi)
        if session is None:
            results.append(PrefixResult(ann.prefix, ann.path[-1], ann.path, False, "no_session", None,
                                        f"no IPv{afi} session with the route server",
                                        f"pas de session IPv{afi} avec le serveur de routes",
                                        f"register an IPv{afi} address on the peering LAN",
                                        f"enregistrez une adresse IPv{afi} sur le LAN d'échange",
                                        None, ann.origin_assumed))
            continue
        route = Route.make(ann.prefix, ann.path, session.neighbor, ann.communities, ann.large_communities)
        verdict = engine.evaluate(route, session)
        check = BY_NAME.get(verdict.check) if verdict.check else None
        details = _details(verdict, ann, vrps, member.as_sets, {4: member.length4, 6: member.length6}, engine)
        others = receivers[afi]
        missing = missing_receivers(engine, route, verdict, others) if verdict.accepted else []
        results.append(PrefixResult(
            ann.prefix, ann.path[-1], ann.path, verdict.accepted, verdict.check, verdict.code,
            check.title if check else None, check.title_fr if check else None,
            check.fix if check else None, check.fix_fr if check else None,
            verdict.rpki, ann.origin_assumed, [en for en, _ in details], verdict.aspa,
            len(others) if verdict.accepted else None, missing, [fr for _, fr in details]))
    return CheckReport(member_asn, member.name, intent.name, results, notes)


def read_announcements(path: Path, member_asn: int) -> list[Announcement]:
    try:
        text = Path(path).read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        raise InputError.at(f"cannot read routes file: {exc.strerror}", path) from None
    return parse_announcements(text, member_asn, source=str(path))
