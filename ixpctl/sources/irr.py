"""IRR data source: expand members' AS-SETs into origin ASNs and prefix lists with bgpq4.

Why bgpq4 and not our own whois client: bgpq4 is what operators already trust and debug with; it
knows the IRRd ``!a``/``!i``/``!g`` dialects, recursion, loops and aggregation. We run it three times
per query (``-t`` origin ASNs, ``-4``, ``-6``), always with JSON output, and check everything it says,
because bgpq4 1.9 is quiet about the things that matter to a route server:

* it exits 0 on a missing or empty AS-SET (``[]``) — we turn that into a loud warning;
* it drops documentation/private ASNs from ``-t`` output unless ``-p`` (we pass ``-p`` only when
  ``allow_special_asns``, and report what was dropped otherwise);
* without ``-h`` it asks a public IRR: we always pass ``-h host:port``;
* route-set ranges are spelt out prefix by prefix, so ``-m`` is always passed.

``SOURCE::NAME`` queries (how bgpq4 1.9 handles them, checked against IRRd 4.5): bgpq4 sends
``!sSOURCE`` + ``!iNAME`` — the set itself is looked up only in SOURCE — then resolves nested sets and
the members' routes (``!g``/``!6`` per ASN) in the ``-S`` sources, in order. So we pass the query
verbatim and make sure SOURCE is in ``-S`` (appended last when the settings do not list it), otherwise
the routes registered next to the set would be missed. If the server does not carry SOURCE, bgpq4
prints ``Error expanding !sSOURCE`` yet exits 0 and silently expands the name from its *default*
sources; we treat that as a failure of this host. Because ``SOURCE::`` queries go through ``!g`` per
ASN, special-purpose ASNs disappear from their prefix lists too unless ``-p``. An unqualified name is
taken from the first ``-S`` source that has it.

Host failover: hosts are tried in order. A host that refuses, times out (``settings.timeout`` per
bgpq4 call), exits non-zero or lacks the query's source is skipped; all three lists of an expansion
always come from the same host. A host that answers with output we cannot parse is a
``SourceError`` at once: something is broken, and papering over it with another host would hide it.

This module builds the bgpq4 commands, runs them and fails over; reading and checking what bgpq4
answered is ``sources/irr_parse.py``.
"""

from __future__ import annotations

import logging
import re
import subprocess
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from ..errors import SourceError
from ..inventory.irr_names import AsSetNameError, normalise_as_set, source_and_name, split_irr_as_set
from ..inventory.sources_config import IrrSource
from .facts import IrrExpansion, PdbNetwork
from .irr_parse import (
    LIST_NAME,
    _emptiness_warnings,
    _stderr_warnings,
    apply_limits,
    parse_asn_json,
    parse_prefix_json,
)

if TYPE_CHECKING:
    from ..inventory.models import Member

log = logging.getLogger(__name__)

DEFAULT_PORT = 43
_SOURCE_ERROR_RE = re.compile(r"Error expanding !s([A-Za-z0-9,_-]+)")


class IrrPartialFailure(SourceError):
    """Some queries of ``expand_all`` failed. ``results`` holds every query that worked,
    ``failures`` the error of each one that did not, so the caller can use last-good data for
    exactly those (and must say so loudly)."""

    exit_code = 3

    def __init__(self, results: dict[str, IrrExpansion], failures: dict[str, SourceError]):
        lines = [f"{q}: {err.message}" for q, err in sorted(failures.items())]
        super().__init__(
            f"IRR expansion failed for {len(failures)} of {len(failures) + len(results)} queries:\n  "
            + "\n  ".join(lines),
            fix="check that the IRR hosts in sources.irr.hosts are reachable and carry the sources in "
                "sources.irr.sources; until then the last good snapshot is used for these queries")
        self.results = results
        self.failures = failures


@dataclass
class ExpandOutcome:
    """An expansion plus where it came from: the host that answered and the ones that failed."""

    expansion: IrrExpansion
    host: str
    failed_hosts: list[tuple[str, str]] = field(default_factory=list)  # (host, why)


class _HostFailed(Exception):
    """This host could not answer (refused, timed out, bgpq4 failed, source missing): try the next."""


# --- public API -----------------------------------------------------------------------------------


def expand_options(policy: Any, inventory: Any) -> dict[str, Any]:
    """The keyword options of :func:`expand` / :func:`expand_all` (and of ``refresh``'s
    ``irr_options``) that follow the policy: its maximum prefix lengths (bgpq4 ``-m``), its
    aggregation (``-A``), and documentation/private ASNs kept (``-p``) only for an inventory in demo
    mode (``ixp.fictional_resources``). One definition, so ``sources refresh``, ``apply`` and
    ``onboard`` expand the same way and live data agrees with the snapshot. ``policy`` is the
    policy model (``LoadedPolicy.policy``), typed loosely because ``policy`` sits above ``sources``."""
    fictional = inventory.ixp.fictional_resources
    return {"max_length4": policy.prefixes.length.ipv4.max, "max_length6": policy.prefixes.length.ipv6.max,
            "aggregate": policy.irr.aggregate, "allow_special_asns": bool(fictional is not None and fictional.enabled)}


def expand(query: str, settings: IrrSource, *, max_length4: int = 24, max_length6: int = 48,
           aggregate: bool = False, allow_special_asns: bool = False) -> IrrExpansion:
    """Expand one AS-SET (``RIPE::AS-FOO``, ``AS-FOO``, ``AS64496:AS-CUST``) or aut-num (``AS64496``).

    Returns the origin ASNs and the IPv4/IPv6 prefix ranges (longer than ``max_length4/6`` are left
    out; ``aggregate`` merges them into ranges with bgpq4 ``-A``). Empty results and size limits are
    reported in ``warnings`` (``truncated`` when a limit cut the lists). Failover to the next host
    is noted in ``warnings`` too. Raises SourceError when no host could answer, or a host answered
    garbage.
    """
    return expand_detailed(query, settings, max_length4=max_length4, max_length6=max_length6,
                           aggregate=aggregate, allow_special_asns=allow_special_asns).expansion


def expand_detailed(query: str, settings: IrrSource, *, max_length4: int = 24, max_length6: int = 48,
                    aggregate: bool = False, allow_special_asns: bool = False) -> ExpandOutcome:
    """Like :func:`expand`, and also says which host answered (for provenance and logs)."""
    name = canonical_query(query)
    if not settings.hosts:
        raise SourceError(f"IRR query {name}: no IRR hosts configured",
                          fix="list at least one host under sources.irr.hosts")
    failed: list[tuple[str, str]] = []
    for host in settings.hosts:
        target = bgpq4_host(host)
        try:
            expansion = _expand_on_host(name, target, settings, max_length4=max_length4,
                                        max_length6=max_length6, aggregate=aggregate,
                                        allow_special_asns=allow_special_asns)
        except _HostFailed as why:
            log.warning("IRR host %s failed for %s: %s", target, name, why)
            failed.append((target, str(why)))
            continue
        if failed:
            tried = "; ".join(f"{h}: {why}" for h, why in failed)
            expansion.warnings.insert(0, f"IRR host failover for {name}: answered by {target} after {tried}")
        log.info("IRR %s answered by %s: %d ASNs, %d IPv4 and %d IPv6 prefixes", name, target,
                 len(expansion.asns), len(expansion.prefixes4), len(expansion.prefixes6))
        return ExpandOutcome(expansion, target, failed)
    raise SourceError(
        f"IRR query {name} failed on every host: " + "; ".join(f"{h}: {why}" for h, why in failed),
        fix="check that sources.irr.hosts are reachable from here (whois, TCP port 43 unless given as "
            "host:port) and carry the sources in sources.irr.sources; raise sources.irr.timeout for slow hosts")


def member_queries(member: Member, pdb_network: PdbNetwork | None, *,
                   notes: list[str] | None = None) -> list[str]:
    """The AS-SETs to expand for one member, canonical and without duplicates.

    * ``as_set: [..]`` in the inventory: those, as written (already normalised by the model);
    * ``as_set: from_peeringdb``: PeeringDB's ``irr_as_set`` parsed with ``split_irr_as_set``;
    * nothing usable: the member's own ``AS<n>`` — a filter that accepts only its own routes.
    Anything worth telling the operator (fallbacks, unreadable PeeringDB tokens) is appended to
    ``notes`` when given, and logged.
    """
    said: list[str] = []
    if member.as_set_from_peeringdb:
        queries = _queries_from_peeringdb(member.asn, pdb_network, said)
    else:
        queries = list(dict.fromkeys(member.as_sets))
    if not queries:
        if not member.as_set_from_peeringdb:
            said.append(f"info: AS{member.asn} has no AS-SET in the inventory; expanding its own aut-num "
                        f"AS{member.asn} (only routes originated by AS{member.asn} will be accepted)")
        queries = [f"AS{member.asn}"]
    queries = list(dict.fromkeys([*queries, *member.family_as_sets()]))  # per-family sets are expanded too
    for note in said:
        log.info("%s", note)
    if notes is not None:
        notes.extend(said)
    return queries


def expand_all(queries: Iterable[str], settings: IrrSource, *,
               progress: Callable[[str], None] | None = None, **expand_kwargs: Any) -> dict[str, IrrExpansion]:
    """Expand many queries with at most ``settings.workers`` bgpq4 runs in parallel.

    Queries are canonicalised and de-duplicated; the result is keyed by the canonical query.
    ``progress(query)`` is called once per query as it finishes (for a progress bar).

    Failure policy: a failing query never costs the others. If any query failed, this raises
    :class:`IrrPartialFailure` (a SourceError) *after* all queries ran; it lists every failed query
    and carries ``results`` (all that worked) and ``failures`` (query → SourceError), so the caller
    can take last-good data for exactly the failed ones. It raises rather than returning an empty
    expansion with a warning because an empty expansion would build a filter that rejects all of
    that member's routes — the one outcome that must never happen silently.
    """
    unique: list[str] = []
    failures: dict[str, SourceError] = {}
    for query in queries:
        try:
            name = canonical_query(query)
        except SourceError as err:
            failures[query] = err
            continue
        if name not in unique:
            unique.append(name)
    results: dict[str, IrrExpansion] = {}
    with ThreadPoolExecutor(max_workers=max(1, settings.workers), thread_name_prefix="irr") as pool:
        futures = {pool.submit(expand, name, settings, **expand_kwargs): name for name in unique}
        for future in as_completed(futures):
            name = futures[future]
            try:
                results[name] = future.result()
            except SourceError as err:
                failures[name] = err
            if progress is not None:
                progress(name)
    ordered = {name: results[name] for name in unique if name in results}
    if failures:
        raise IrrPartialFailure(ordered, failures)
    return ordered


def canonical_query(query: str) -> str:
    """``AS-FOO@RIPE`` → ``RIPE::AS-FOO``; also the gate that keeps anything that is not an AS-SET or
    ASN name (e.g. a PeeringDB value starting with '-') away from bgpq4's command line."""
    try:
        return normalise_as_set(query)
    except AsSetNameError as err:
        raise SourceError(f"IRR query '{query}': {err}", fix=err.fix) from err


def bgpq4_host(host: str) -> str:
    """``host`` or ``host:port`` → ``host:port`` for bgpq4's ``-h`` (bgpq4 1.9 takes the port only
    there; its ``-p`` means something else)."""
    host = host.strip()
    if host.count(":") > 1:
        raise SourceError(f"IRR host '{host}': IPv6 address literals are not supported by bgpq4 -h",
                          fix="use a host name (or an IPv4 address) in sources.irr.hosts")
    if ":" in host:
        name, _, port = host.partition(":")
        if not name or not port.isdigit() or not 0 < int(port) < 65536:
            raise SourceError(f"IRR host '{host}' is not host:port", fix="write it as e.g. rr.ntt.net:43")
        return f"{name}:{int(port)}"
    return f"{host}:{DEFAULT_PORT}"


def sources_for(query: str, settings: IrrSource) -> list[str]:
    """The ``-S`` list for one query: the configured sources, plus the query's own SOURCE (last)
    when it is source-qualified and not configured — so routes registered next to the set count."""
    sources = [s.upper() for s in settings.sources]
    source, _ = source_and_name(query)
    if source and source not in sources:
        sources.append(source)
    return sources


def bgpq4_command(query: str, host: str, settings: IrrSource, what: str, *, max_length: int | None = None,
                  aggregate: bool = False, allow_special_asns: bool = False) -> list[str]:
    """The bgpq4 argv for one list: ``what`` is ``asns``, ``v4`` or ``v6``."""
    argv = [settings.bgpq4, "-h", host]
    sources = sources_for(query, settings)
    if sources:
        argv += ["-S", ",".join(sources)]
    argv += ["-j", "-l", LIST_NAME]
    if allow_special_asns:
        argv.append("-p")
    if what == "asns":
        argv.append("-t")
    else:
        argv += ["-4" if what == "v4" else "-6", "-m", str(max_length)]
        if aggregate:
            argv.append("-A")
    return argv + [query]


# --- running bgpq4 ----------------------------------------------------------------------------------


@dataclass
class _Run:
    stdout: str
    stderr: str


def _run_bgpq4(argv: list[str], timeout: int) -> _Run:
    """Run bgpq4 once. Host-level problems raise _HostFailed (the caller tries the next host)."""
    try:
        res = subprocess.run(argv, check=False, capture_output=True, text=True, timeout=timeout,
                             stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired as err:
        raise _HostFailed(f"no answer within {timeout} s") from err
    except FileNotFoundError as err:
        raise SourceError(f"bgpq4 not found: '{argv[0]}'",
                          fix="install bgpq4 (Debian: apt install bgpq4) or set sources.irr.bgpq4 to its path") from err
    if res.returncode != 0:
        errors = [ln.strip() for ln in res.stderr.splitlines() if ln.strip()]
        raise _HostFailed(f"bgpq4 exited with {res.returncode}: " + (errors[-1] if errors else "(no message)"))
    missing_source = _SOURCE_ERROR_RE.search(res.stderr)
    if missing_source:
        raise _HostFailed(f"the host does not carry source {missing_source.group(1)}")
    return _Run(res.stdout, res.stderr)


def _expand_on_host(query: str, host: str, settings: IrrSource, *, max_length4: int, max_length6: int,
                    aggregate: bool, allow_special_asns: bool) -> IrrExpansion:
    """All three lists from one host, checked and limited."""
    common = {"aggregate": aggregate, "allow_special_asns": allow_special_asns}
    asn_run = _run_bgpq4(bgpq4_command(query, host, settings, "asns", **common), settings.timeout)
    v4_run = _run_bgpq4(bgpq4_command(query, host, settings, "v4", max_length=max_length4, **common),
                        settings.timeout)
    v6_run = _run_bgpq4(bgpq4_command(query, host, settings, "v6", max_length=max_length6, **common),
                        settings.timeout)
    expansion = IrrExpansion(
        query=query,
        asns=parse_asn_json(asn_run.stdout, query=query, host=host),
        prefixes4=parse_prefix_json(v4_run.stdout, family=4, query=query, host=host),
        prefixes6=parse_prefix_json(v6_run.stdout, family=6, query=query, host=host),
    )
    expansion.warnings += _stderr_warnings(query, host, [asn_run.stderr, v4_run.stderr, v6_run.stderr])
    expansion.warnings += _emptiness_warnings(expansion, host)
    apply_limits(expansion, settings)
    return expansion



# --- member queries -------------------------------------------------------------------------------


def _queries_from_peeringdb(asn: int, pdb_network: PdbNetwork | None, notes: list[str]) -> list[str]:
    if pdb_network is None:
        notes.append(f"warning: AS{asn} takes its AS-SET from PeeringDB, but PeeringDB has no network AS{asn}; "
                     f"expanding AS{asn} itself")
        return []
    names, bad = split_irr_as_set(pdb_network.irr_as_set)
    if bad:
        notes.append(f"warning: AS{asn}: PeeringDB irr_as_set {pdb_network.irr_as_set!r} has tokens that are not "
                     f"AS-SET names, ignored: {', '.join(bad)}")
    if not names:
        notes.append(f"info: AS{asn} has no usable irr_as_set in PeeringDB; expanding its own aut-num AS{asn} "
                     f"(only routes originated by AS{asn} will be accepted)")
    return names


# --- JSON (the offline snapshot format: {query: IrrExpansion as dict}) ------------------------------


def expansions_to_json(expansions: dict[str, IrrExpansion]) -> dict[str, Any]:
    """{query: IrrExpansion} → plain JSON-able dict, sorted by query (stable diffs in git)."""
    return {query: asdict(expansions[query]) for query in sorted(expansions)}


def expansions_from_json(data: dict[str, Any]) -> dict[str, IrrExpansion]:
    """Inverse of :func:`expansions_to_json` (prefix ranges back to tuples)."""
    out = {}
    for query, item in data.items():
        item = dict(item)
        item["prefixes4"] = [tuple(p) for p in item.get("prefixes4", [])]
        item["prefixes6"] = [tuple(p) for p in item.get("prefixes6", [])]
        out[query] = IrrExpansion(**item)
    return out
