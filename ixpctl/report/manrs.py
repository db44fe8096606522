"""Evidence for MANRS for IXPs, Actions 1-5, from the data the route servers run.

MANRS for IXPs (https://www.manrs.org/netops/ixps/): Action 1 prevent the propagation of incorrect
routing information (route-server filtering), Action 2 promote MANRS to the members (help them fix
what the filters catch), Action 3 protect the peering platform (traffic policy on the peering LAN),
Action 4 facilitate global operational communication (member contacts), Action 5 provide monitoring
and debugging tools. Each action is *met*, *partly met* or *missing*, with the evidence and what to
do, in English and French: the numbers come from ``impact`` and the policy/switch intent as built.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from ..inventory.models import Inventory
from ..policy.model import Policy
from ..switch.intent import switch_intents
from .audit_state import AuditState
from .impact import Impact

Level = Literal["met", "partly", "missing"]


@dataclass
class Evidence:
    en: str
    fr: str


@dataclass
class Action:
    number: int
    level: Level
    evidence: list[Evidence] = field(default_factory=list)
    todo: list[Evidence] = field(default_factory=list)
    members: list[dict[str, Any]] = field(default_factory=list)  # per-member detail (Action 2, 4)
    switches: list[dict[str, Any]] = field(default_factory=list)  # per-switch detail (Action 3)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def _level(good: int, of: int) -> Level:
    return "met" if good == of else "partly" if good else "missing"


def action1(policy: Policy, impact: Impact) -> Action:
    checks = [
        (policy.irr.enforce_origin and policy.irr.enforce_prefix, "IRR filtering of origin and prefix",
         "filtrage IRR de l'origine et du préfixe"),
        (policy.rpki.enabled and policy.rpki.reject_invalid, "RPKI invalid routes rejected",
         "routes RPKI invalides rejetées"),
        (True, "bogon prefixes rejected", "préfixes bogons rejetés"),
        (policy.as_path.reject_invalid_asns, "bogon ASNs rejected in the AS path", "ASN bogons rejetés dans l'AS_PATH"),
        (policy.next_hop is not None, "next hop must be the member's router", "le next hop doit être le routeur du membre"),
    ]
    act = Action(1, _level(sum(ok for ok, *_ in checks), len(checks)))
    for ok, en, fr in checks:
        mark = "✔" if ok else "✘"
        act.evidence.append(Evidence(f"{mark} {en}", f"{mark} {fr}"))
        if not ok:
            act.todo.append(Evidence(f"turn on: {en} (policies/default.yml)", f"activer : {fr} (policies/default.yml)"))
    total = impact.routes_accepted + impact.routes_filtered
    reasons = ", ".join(f"{k} {v}" for k, v in impact.filtered_by_reason.items())
    reasons = f" ({reasons})" if reasons else ""
    act.evidence.append(Evidence(
        f"enforced on the route servers: {impact.routes_filtered} of {total} routes filtered{reasons}",
        f"appliqué sur les serveurs de routes : {impact.routes_filtered} routes filtrées sur {total}{reasons}"))
    if not total:
        act.level = "partly" if act.level == "met" else act.level
        act.todo.append(Evidence("no route was read from the route servers: run the report against them",
                                 "aucune route lue sur les serveurs de routes : lancez le rapport sur eux"))
    return act


def action2(impact: Impact, notices: dict[int, list[str]] | None = None) -> Action:
    """``notices``: member ASN → when `ixpctl apply` e-mailed it about filtered routes (None: no
    run history). Met when no member needs help, or every member that does was told."""
    flagged = [m for m in impact.per_member if m.invalid_prefixes or m.unregistered_prefixes]
    told = [m for m in flagged if notices and notices.get(m.asn)]
    act = Action(2, "met" if len(told) == len(flagged) else "partly")
    act.evidence.append(Evidence(
        f"{len(flagged)} of {len(impact.per_member)} members announce RPKI-invalid or unregistered routes",
        f"{len(flagged)} membres sur {len(impact.per_member)} annoncent des routes RPKI invalides ou non enregistrées"))
    if notices is not None:
        act.evidence.append(Evidence(
            f"{len(told)} of them were e-mailed about their filtered routes by ixpctl apply "
            f"({sum(len(v) for v in notices.values())} notices in the run history)",
            f"{len(told)} d'entre eux ont reçu un e-mail d'ixpctl apply sur leurs routes filtrées "
            f"({sum(len(v) for v in notices.values())} avis dans l'historique des exécutions)"))
    act.members = [{"asn": m.asn, "name": m.name, "rpki_invalid": m.invalid_prefixes,
                    "unregistered": m.unregistered_prefixes,
                    "notified": sorted(notices.get(m.asn, []))[-1:] if notices else []} for m in flagged]
    if len(told) < len(flagged):
        act.todo.append(Evidence(
            "send each member not yet told their list and the fix (`ixpctl check ASN --html` makes the member's "
            "report); `ixpctl apply` e-mails them and records it when its notifications are on",
            "envoyez à chaque membre pas encore prévenu sa liste et la correction (`ixpctl check ASN --html` "
            "produit le rapport du membre) ; `ixpctl apply` les prévient par e-mail et l'enregistre si ses "
            "notifications sont activées"))
    return act


def action3(inventory: Inventory, audit: AuditState | None = None) -> Action:
    """From the switch intent; with ``audit`` (the last ``ixpctl switch audit --state`` file) also
    from what the switches showed: a MAC, port or control-protocol finding there means the policy
    is not enforced on that switch (partly met), as does a switch the audit could not read."""
    rows = []
    for intent in switch_intents(inventory):
        groups = intent.groups
        rows.append({"switch": intent.name, "platform": intent.platform.name, "ports": len(groups),
                     "mac_locked": sum(1 for g in groups if g.macs),
                     "storm_control_percent": intent.options.storm_level_percent})
    ports = sum(r["ports"] for r in rows)
    good = sum(r["mac_locked"] for r in rows)  # the port filter admits only the member's own MACs
    act = Action(3, _level(good, ports) if ports else "missing", switches=rows)
    act.evidence.append(Evidence(
        f"{len(rows)} switches, {ports} member ports, {good} locked to the member's MAC addresses: "
        "`ixpctl switch build` renders per port a MAC limit and a filter that admits only those MACs "
        "and only IPv4, ARP and IPv6 frames, drops DHCP and IPv6 router advertisements, and turns on "
        "BPDU guard and storm control",
        f"{len(rows)} commutateurs, {ports} ports membres, {good} limités aux adresses MAC du membre : "
        "`ixpctl switch build` génère par port une limite de MAC et un filtre qui n'admet que ces MAC "
        "et que des trames IPv4, ARP et IPv6, bloque DHCP et les annonces de routeur IPv6, et active "
        "la protection BPDU et le contrôle des tempêtes"))
    if not rows:
        act.todo.append(Evidence("describe the switches in the inventory (switches:) and push their configs",
                                 "décrivez les commutateurs dans l'inventaire (switches:) et poussez leurs configurations"))
    elif good < ports:
        act.todo.append(Evidence("record every member router's MAC address in the inventory (connections[].macs)",
                                 "enregistrez l'adresse MAC de chaque routeur membre dans l'inventaire (connections[].macs)"))
    if audit is not None and rows:
        _audited(act, rows, audit)
    else:
        act.todo.append(Evidence(
            "check that the switches run the pushed config (`ixpctl switch diff`) and audit what they see "
            "(`ixpctl switch audit --state FILE`, then `ixpctl report manrs --audit-state FILE`)",
            "vérifiez que les commutateurs appliquent la configuration poussée (`ixpctl switch diff`) et "
            "auditez ce qu'ils voient (`ixpctl switch audit --state FICHIER`, puis `ixpctl report manrs "
            "--audit-state FICHIER`)"))
    return act


def _audited(act: Action, rows: list[dict[str, Any]], audit: AuditState) -> None:
    unread, dirty = [], []
    for row in rows:
        seen = audit.switches.get(row["switch"])
        if seen is None or seen.error or seen.findings is None:
            why = "not in the audit" if seen is None else seen.error or "findings not recorded (older ixpctl)"
            row["audit"] = {"read": False, "why": why}
            unread.append(row["switch"])
            continue
        kinds: dict[str, int] = {}
        for f in seen.violations:
            kinds[f["kind"]] = kinds.get(f["kind"], 0) + 1
        row["audit"] = {"read": True, "taken_at": seen.when, "violations": kinds,
                        "findings": len(seen.findings or [])}
        if kinds:
            dirty.append(f"{row['switch']} ({', '.join(f'{k} {v}' for k, v in sorted(kinds.items()))})")
    read = len(rows) - len(unread)
    when = max((s.when for s in audit.switches.values() if s.taken_at), default="never")
    act.evidence.append(Evidence(
        f"last switch audit ({when}, {audit.path}): {read} of {len(rows)} switches read, "
        f"{len(dirty)} with MAC, port or control-protocol findings" + (f": {'; '.join(dirty)}" if dirty else ""),
        f"dernier audit des commutateurs ({when}, {audit.path}) : {read} commutateurs lus sur {len(rows)}, "
        f"{len(dirty)} avec des constats MAC, port ou protocole de contrôle" + (f" : {'; '.join(dirty)}" if dirty else "")))
    if dirty:
        act.todo.append(Evidence(
            "fix what the audit found (`ixpctl switch audit` lists each finding with the port and the member): "
            "an unknown MAC, a MAC on the wrong port, LLDP/CDP/STP from a member, or an unassigned port up",
            "corrigez ce que l'audit a trouvé (`ixpctl switch audit` liste chaque constat avec le port et le "
            "membre) : MAC inconnue, MAC sur le mauvais port, LLDP/CDP/STP d'un membre, port non attribué actif"))
    if unread:
        act.todo.append(Evidence(f"audit these switches too: {', '.join(unread)}",
                                 f"auditez aussi ces commutateurs : {', '.join(unread)}"))
    if (dirty or unread) and act.level == "met":
        act.level = "partly"


def action4(impact: Impact) -> Action:
    members = impact.per_member
    complete = [m for m in members if m.contact_email and m.contact_phone]
    act = Action(4, _level(len(complete), len(members)) if members else "missing")
    act.evidence.append(Evidence(
        f"{len(complete)} of {len(members)} members have an e-mail and a phone contact "
        "(inventory contact, PeeringDB contacts)",
        f"{len(complete)} membres sur {len(members)} ont un contact e-mail et téléphone "
        "(contact de l'inventaire, contacts PeeringDB)"))
    act.members = [{"asn": m.asn, "name": m.name, "email": m.contact_email, "phone": m.contact_phone}
                   for m in members if not (m.contact_email and m.contact_phone)]
    if act.members:
        act.todo.append(Evidence("ask these members to complete their PeeringDB NOC contact (e-mail and phone)",
                                 "demandez à ces membres de compléter leur contact NOC PeeringDB (e-mail et téléphone)"))
    return act


def action5(inventory: Inventory, policy: Policy) -> Action:
    """Met when the reasons are kept on the route servers and a looking glass is published
    (``ixp.looking_glass`` in the inventory: where ``ixpctl serve`` or an Alice-LG answers)."""
    evidence = [Evidence("reject reasons are tagged on every filtered route (large communities "
                         f"{inventory.ixp.rs_asn}:{policy.communities.reject_reason_base}:code) and kept "
                         "(`ixpctl routes --member ASN --filtered`)",
                         "chaque route filtrée porte sa raison (grandes communautés "
                         f"{inventory.ixp.rs_asn}:{policy.communities.reject_reason_base}:code) et reste visible "
                         "(`ixpctl routes --member ASN --filtered`)")]
    kept = policy.reject_policy.keep_filtered
    lg = inventory.ixp.looking_glass
    if lg:
        evidence.append(Evidence(
            f"looking glass for members: {lg} (sessions, accepted and filtered routes with the reason; "
            "`ixpctl serve` also answers the prefix self-check and exports Prometheus metrics at /metrics)",
            f"looking glass pour les membres : {lg} (sessions, routes acceptées et filtrées avec la raison ; "
            "`ixpctl serve` répond aussi à l'auto-vérification de préfixes et exporte des métriques "
            "Prometheus sur /metrics)"))
    act = Action(5, ("met" if lg else "partly") if kept else ("partly" if lg else "missing"), evidence)
    if not kept:
        act.todo.append(Evidence(
            "keep the filtered routes on the route servers (policies: reject_policy.keep_filtered: true), "
            "so members see what was filtered and why",
            "gardez les routes filtrées sur les serveurs de routes (politique : reject_policy.keep_filtered: "
            "true), pour que les membres voient ce qui est filtré et pourquoi"))
    if not lg:
        act.todo.append(Evidence(
            "publish a looking glass for members (`ixpctl serve` behind nginx, contrib/nginx/, or Alice-LG over "
            "its birdwatcher API), monitor the sessions (its /metrics) and record its address in the inventory "
            "(ixp.looking_glass); then this action is met",
            "publiez un looking glass pour les membres (`ixpctl serve` derrière nginx, contrib/nginx/, ou "
            "Alice-LG via son API birdwatcher), surveillez les sessions (ses /metrics) et inscrivez son adresse "
            "dans l'inventaire (ixp.looking_glass) ; l'action sera alors remplie"))
    return act


def evaluate(inventory: Inventory, policy: Policy, impact: Impact,
             notices: dict[int, list[str]] | None = None, audit: AuditState | None = None) -> list[Action]:
    return [action1(policy, impact), action2(impact, notices), action3(inventory, audit), action4(impact),
            action5(inventory, policy)]
