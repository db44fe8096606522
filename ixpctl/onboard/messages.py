"""The wording of the pre-flight checks, in English and French: one catalog, one source per sentence.

A check result carries a :class:`Message` (a stable code and its parameters) rather than a finished
sentence, so the welcome pack prints it in the member's language. The English rendering is what the
CLI, ``--json`` and the English pack show; the French one goes into the French pack's to-do list.

Templates are ``str.format`` strings with named fields; both languages of a code use the same field
names (``tests/unit/test_onboard_messages.py`` holds the catalog to that). A parameter is a plain value
(ASN, count, prefix, AS-SET name...), ``None``, another :class:`Message` (rendered in the same
language first: a shared summary, the origin of the IRR data...) or a list of those (joined with
``"; "``, ``" ; "`` in French). Member-supplied strings stay raw here: escaping is the renderer's job
(``md_finalize`` in the welcome templates prints every line through ``md_escape``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from string import Formatter
from typing import NamedTuple, TypeAlias


class Text(NamedTuple):
    """One template in each language of the welcome pack (``ixpctl.publish.welcome.LANGS``)."""

    en: str
    fr: str


@dataclass(frozen=True)
class Message:
    """A catalog code and its parameters; :meth:`render` makes the sentence in one language."""

    code: str
    params: dict[str, Param] = field(default_factory=dict)

    def render(self, lang: str = "en") -> str:
        return render(self.code, self.params, lang)

    def __str__(self) -> str:
        return self.render("en")


Param: TypeAlias = str | int | float | None | Message | list[str | Message]


# Titles of the checks, by check id (the part of a message code before the first dot).
CHECKS: dict[str, Text] = {
    "as_set": Text("AS-SET", "AS-SET"),
    "route_objects": Text("route objects", "objets route"),
    "roa_coverage": Text("ROA coverage", "couverture ROA"),
    "rpki_invalid": Text("RPKI invalid", "RPKI invalides"),
    "self_check": Text("self-check", "auto-vérification"),
    "max_prefix": Text("max-prefix", "max-prefix"),
    "rs_peer": Text("is_rs_peer", "is_rs_peer"),
    "contacts": Text("contacts", "contacts"),
    "never_via_rs": Text("never via RS", "jamais via les serveurs de routes"),
}

# Codes outside CHECKS are pieces that other messages embed ("common.", "irr.").
CATALOG: dict[str, Text] = {
    # --- shared pieces
    "common.line": Text("{check}: {text}", "{check} : {text}"),
    # --- where the IRR data came from, and why it could not be had
    "irr.origin.snapshot": Text("facts snapshot", "instantané des données"),
    "irr.origin.mixed": Text("facts snapshot + bgpq4 {hosts}", "instantané des données + bgpq4 {hosts}"),
    "irr.origin.live": Text("{origin}", "{origin}"),  # "bgpq4 host:port, ...": names only
    "irr.offline_missing": Text(
        "{queries} not in the facts snapshot and --offline forbids a live bgpq4 query (run without --offline, "
        "or `ixpctl sources refresh --irr` first: it expands the AS-SETs of networks registered at the IXP "
        "in PeeringDB)",
        "{queries} absent de l'instantané des données, et --offline interdit une requête bgpq4 en direct "
        "(relancer sans --offline, ou lancer d'abord `ixpctl sources refresh --irr` : cette commande développe "
        "les AS-SET des réseaux inscrits à l'IXP dans PeeringDB)"),
    # a bgpq4 / IRR error as the tool reported it: raw technical text, like a check's details
    "irr.error": Text("{text}", "{text}"),
    # --- AS-SET
    "as_set.subject.autnum": Text(
        "no AS-SET in PeeringDB, so the aut-num AS{asn} is used (only its own routes are accepted)",
        "pas d'AS-SET dans PeeringDB : l'aut-num AS{asn} est utilisé à la place (seules ses propres routes "
        "sont acceptées)"),
    "as_set.subject.sets": Text("{queries} ({origin})", "{queries} ({origin})"),
    "as_set.unexpandable": Text("{queries} could not be expanded: {problems}",
                                "expansion impossible pour {queries} : {problems}"),
    "as_set.empty": Text(
        "{subject} expands to nothing: every route of AS{asn} would be rejected; the member must create or "
        "fix its AS-SET and route objects in its IRR",
        "{subject} : l'expansion est vide, toutes les routes de l'AS{asn} seraient rejetées ; le membre doit "
        "créer ou corriger son AS-SET et ses objets route dans son IRR"),
    "as_set.summary": Text(
        "{subject}: {asns} origin ASN(s), {prefixes4} IPv4 + {prefixes6} IPv6 prefixes; nesting and loops "
        "are resolved by bgpq4 (it reports neither depth nor loops)",
        "{subject} : {asns} ASN d'origine, {prefixes4} préfixe(s) IPv4 + {prefixes6} IPv6 ; les imbrications "
        "et les boucles sont résolues par bgpq4 (qui ne signale ni la profondeur ni les boucles)"),
    "as_set.partial_failure": Text("{summary}; some queries failed", "{summary} ; certaines requêtes ont échoué"),
    "as_set.truncated": Text("{summary}; a size limit cut the expansion (sources.irr.max_*)",
                             "{summary} ; une limite de taille a tronqué l'expansion (sources.irr.max_*)"),
    "as_set.member_missing": Text(
        "{summary}; AS{asn} itself is not in it (its own routes would be rejected): ask the member to add it",
        "{summary} ; l'AS{asn} lui-même n'y figure pas (ses propres routes seraient rejetées) : le membre "
        "doit l'y ajouter"),
    "as_set.large": Text(
        "{summary}; more than {limit} ASNs: check it is the customer cone, not a transit provider's full set",
        "{summary} ; plus de {limit} ASN : vérifier qu'il s'agit bien du cône client et non de l'ensemble "
        "complet d'un fournisseur de transit"),
    # --- route objects
    "route_objects.none": Text("no route/route6 objects: nothing would be accepted",
                               "aucun objet route/route6, donc aucune route ne serait acceptée"),
    "route_objects.family_missing": Text(
        "{routes} route + {routes6} route6 objects; none for {family} although it peers over it: create "
        "route objects",
        "{routes} objet(s) route + {routes6} objet(s) route6 ; aucun pour {family}, alors que le membre y "
        "échange des routes : créer les objets route correspondants"),
    "route_objects.ok": Text("{routes} route + {routes6} route6 objects",
                             "{routes} objet(s) route + {routes6} objet(s) route6"),
    # --- ROA coverage
    "roa_coverage.no_prefixes": Text("no IRR prefixes to check", "aucun préfixe IRR à vérifier"),
    "roa_coverage.summary": Text(
        "{valid} of {total} IRR prefixes covered by a matching ROA ({percent:.0f} %)",
        "{valid} sur {total} préfixes IRR couverts par un ROA correspondant ({percent:.0f} %)"),
    "roa_coverage.partial": Text("{summary}; create ROAs for the others at the RIR",
                                 "{summary} ; créer auprès du RIR les ROA des autres préfixes"),
    # --- RPKI invalid
    "rpki_invalid.not_run": Text("self-check not run (no route-server session)",
                                 "auto-vérification non effectuée (pas de session avec les serveurs de routes)"),
    "rpki_invalid.none": Text("none of the {total} IRR routes is RPKI invalid",
                              "aucune des {total} routes IRR n'est RPKI invalide"),
    "rpki_invalid.found": Text(
        "{count} IRR route(s) are RPKI invalid and will be rejected: fix the ROA or withdraw the route object",
        "{count} route(s) IRR RPKI invalide(s), donc rejetée(s) : corriger le ROA ou retirer l'objet route"),
    # --- self-check
    "self_check.not_run": Text("not run: the member has no route-server session",
                               "non effectuée : le membre n'a pas de session avec les serveurs de routes"),
    "self_check.summary": Text("{accepted} of {total} IRR routes accepted by {route_server}'s policy",
                               "{accepted} sur {total} routes IRR acceptées par la politique de {route_server}"),
    "self_check.nothing": Text("{summary}: nothing would be accepted", "{summary} : aucune route ne serait acceptée"),
    # --- max-prefix
    "max_prefix.limits": Text("; route-server limit {limit4}/{limit6} ({source})",
                              " ; limite sur les serveurs de routes : {limit4}/{limit6} ({source})"),
    "max_prefix.unset": Text(
        "not set in PeeringDB (info_prefixes4/6): the policy default applies{limits}; ask the member to set it",
        "non renseigné dans PeeringDB (info_prefixes4/6) : la valeur par défaut de la politique "
        "s'applique{limits} ; le membre doit le renseigner"),
    "max_prefix.summary": Text("PeeringDB {pdb4} IPv4 / {pdb6} IPv6, IRR {irr4}/{irr6}{limits}",
                               "PeeringDB {pdb4} IPv4 / {pdb6} IPv6, IRR {irr4}/{irr6}{limits}"),
    # --- is_rs_peer
    "rs_peer.ix_unknown": Text("ixp.peeringdb_ix_id is not set: registration not checked",
                               "ixp.peeringdb_ix_id n'est pas renseigné : l'inscription à l'IXP n'a pas été vérifiée"),
    "rs_peer.not_registered": Text(
        "not registered at this IXP in PeeringDB: ask the member to add the exchange (netixlan) with "
        "is_rs_peer once connected",
        "non inscrit à cet IXP dans PeeringDB : une fois raccordé, le membre doit y ajouter le point "
        "d'échange (netixlan) avec is_rs_peer"),
    "rs_peer.ok": Text("PeeringDB registration at this IXP says it peers with the route servers",
                       "d'après son inscription à cet IXP dans PeeringDB, le réseau fait du peering avec les "
                       "serveurs de routes"),
    "rs_peer.off": Text(
        "PeeringDB says is_rs_peer: false: confirm the member wants route-server sessions (and ask it to "
        "update PeeringDB)",
        "PeeringDB indique « is_rs_peer: false » : confirmer que le membre souhaite des sessions avec les "
        "serveurs de routes (et lui demander de mettre à jour PeeringDB)"),
    # --- contacts
    "contacts.ok": Text("{count} public contact(s) in PeeringDB; inventory contact: {contact}",
                        "{count} contact(s) public(s) dans PeeringDB ; contact dans l'inventaire : {contact}"),
    "contacts.not_public": Text(
        "no public contact in PeeringDB; inventory contact {contact} (from --contact): ask the member to "
        "publish a NOC contact",
        "aucun contact public dans PeeringDB (contact dans l'inventaire : {contact}, via --contact) : le "
        "membre doit publier un contact NOC"),
    "contacts.none": Text(
        "no contact: neither PeeringDB (public) nor --contact; the IXP cannot reach the NOC in an incident: "
        "pass --contact noc@...",
        "aucun contact : ni dans PeeringDB (public) ni via --contact ; l'IXP ne peut pas joindre le NOC en "
        "cas d'incident : passer --contact noc@..."),
    # --- never via route servers
    "never_via_rs.flagged": Text(
        "PeeringDB says this network never peers via route servers: the connection is recorded with "
        "route_server: false (no sessions); its routes would be rejected everywhere else on the route "
        "servers anyway",
        "selon PeeringDB, ce réseau ne fait jamais de peering via des serveurs de routes : le raccordement "
        "est enregistré avec route_server: false (aucune session) ; ses routes seraient de toute façon "
        "rejetées partout ailleurs sur les serveurs de routes"),
    "never_via_rs.ok": Text("not flagged 'never via route servers' in PeeringDB",
                            "pas marqué « never via route servers » dans PeeringDB"),
}

LIST_SEPARATOR = Text("; ", " ; ")


def check_id(code: str) -> str:
    """``"as_set.empty"`` → ``"as_set"``."""
    return code.split(".", 1)[0]


def _in(text: Text, lang: str) -> str:
    if lang not in Text._fields:
        raise ValueError(f"unknown language {lang!r} (expected one of {', '.join(Text._fields)})")
    return getattr(text, lang)


def _value(value: Param, lang: str) -> object:
    if isinstance(value, Message):
        return value.render(lang)
    if isinstance(value, list):
        return _in(LIST_SEPARATOR, lang).join(str(_value(v, lang)) for v in value)
    return value


def render(code: str, params: dict[str, Param], lang: str = "en") -> str:
    """The sentence of ``code`` in ``lang``, nested messages rendered in ``lang`` too."""
    return _in(CATALOG[code], lang).format(**{k: _value(v, lang) for k, v in params.items()})


def check_title(check: str, lang: str = "en") -> str:
    """The title of a check (``"as_set"``) in ``lang``."""
    return _in(CHECKS[check], lang)


def fields(template: str) -> set[str]:
    """The named fields of a ``str.format`` template."""
    return {name for _, name, _, _ in Formatter().parse(template) if name is not None}
