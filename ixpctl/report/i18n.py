"""The words of the reports in French and English, and numbers written the way each reader expects
(French: ``12,5 %`` and thin spaces between thousands; English: ``12.5%`` and commas).

Templates never hold text of their own: they read ``t.<key>``, so both languages always show the
same sections, and a translator edits one file.
"""

from __future__ import annotations

from typing import Literal

Lang = Literal["en", "fr"]
LANGS: tuple[Lang, ...] = ("en", "fr")

TEXT: dict[str, dict[Lang, str]] = {
    "impact_title": {"en": "Impact of {ixp}: local reachability and resilience",
                     "fr": "Impact de {ixp} : joignabilité locale et résilience"},
    "manrs_title": {"en": "{ixp} and MANRS for IXPs: evidence for Actions 1–5",
                    "fr": "{ixp} et MANRS pour les IXP : éléments pour les actions 1 à 5"},
    "generated": {"en": "Route servers read at {when} ({where}); facts snapshot: {snapshot}.",
                  "fr": "Serveurs de routes lus le {when} ({where}) ; instantané des données : {snapshot}."},
    "country_data": {"en": "Country data: {registry} statistics for {country}, file of {serial}, from {origin}.",
                     "fr": "Données du pays : statistiques {registry} pour {country}, fichier du {serial}, "
                           "source {origin}."},
    "no_country": {"en": "No RIR statistics in the snapshot: the country shares cannot be computed "
                         "(run `ixpctl sources refresh --rir`).",
                   "fr": "Pas de statistiques RIR dans l'instantané : les parts du pays ne peuvent pas être "
                         "calculées (lancez `ixpctl sources refresh --rir`)."},
    "key_numbers": {"en": "Key numbers", "fr": "Chiffres clés"},
    "members": {"en": "Active members", "fr": "Membres actifs"},
    "members_sending": {"en": "Members whose routes the route servers accept",
                        "fr": "Membres dont les serveurs de routes acceptent des routes"},
    "country_asns": {"en": "ASNs allocated in {country}", "fr": "ASN attribués au pays ({country})"},
    "asn_members": {"en": "of the country's ASNs are members", "fr": "des ASN du pays sont membres"},
    "asn_sending": {"en": "of the country's ASNs send routes to the route servers",
                    "fr": "des ASN du pays envoient des routes aux serveurs de routes"},
    "space4": {"en": "of the country's IPv4 addresses are reachable through the route servers",
               "fr": "des adresses IPv4 du pays sont joignables via les serveurs de routes"},
    "space6": {"en": "of the country's IPv6 addresses are reachable through the route servers",
               "fr": "des adresses IPv6 du pays sont joignables via les serveurs de routes"},
    "filtered_share": {"en": "of the routes members send are filtered", "fr": "des routes envoyées par les membres sont filtrées"},
    "shares_chart": {"en": "What the route servers reach in {country}", "fr": "Ce que les serveurs de routes joignent au pays ({country})"},
    "bar_asn_members": {"en": "ASNs: members", "fr": "ASN : membres"},
    "bar_asn_sending": {"en": "ASNs: sending routes", "fr": "ASN : envoient des routes"},
    "bar_space4": {"en": "IPv4 space reachable", "fr": "Espace IPv4 joignable"},
    "bar_space6": {"en": "IPv6 space reachable", "fr": "Espace IPv6 joignable"},
    "addresses": {"en": "{reach} of {total} addresses", "fr": "{reach} adresses sur {total}"},
    "per_member": {"en": "Per member", "fr": "Par membre"},
    "member": {"en": "Member", "fr": "Membre"},
    "in_country": {"en": "in country", "fr": "au pays"},
    "sessions": {"en": "Sessions up", "fr": "Sessions établies"},
    "accepted": {"en": "Accepted", "fr": "Acceptées"},
    "filtered": {"en": "Filtered", "fr": "Filtrées"},
    "reasons": {"en": "Filtered, by reason", "fr": "Filtrées, par raison"},
    "irr_cov": {"en": "IRR coverage", "fr": "Couverture IRR"},
    "roa_cov": {"en": "ROA valid / invalid / none", "fr": "ROA valide / invalide / aucun"},
    "reach4": {"en": "Country IPv4 via this member", "fr": "IPv4 du pays via ce membre"},
    "routes_chart": {"en": "Routes per member", "fr": "Routes par membre"},
    "reasons_chart": {"en": "Why routes are filtered", "fr": "Pourquoi des routes sont filtrées"},
    "recruit": {"en": "Networks of {country} not at the IXP (largest first): who to invite",
                "fr": "Réseaux du pays ({country}) absents de l'IXP (les plus grands d'abord) : qui inviter"},
    "recruit_none": {"en": "Every network of the country is a member.", "fr": "Tous les réseaux du pays sont membres."},
    "holder": {"en": "RIR holder", "fr": "Titulaire RIR"},
    "asns": {"en": "ASNs", "fr": "ASN"},
    "ipv4_addresses": {"en": "IPv4 addresses", "fr": "Adresses IPv4"},
    "ipv6_48s": {"en": "IPv6 (/48s)", "fr": "IPv6 (/48)"},
    "peeringdb": {"en": "PeeringDB", "fr": "PeeringDB"},
    "pdb_at_ix": {"en": "registered at this IXP", "fr": "inscrit à cet IXP"},
    "pdb_known": {"en": "has a record", "fr": "a une fiche"},
    "pdb_none": {"en": "not in PeeringDB", "fr": "absent de PeeringDB"},
    "resilience": {"en": "Resilience: what still works in the country if international links are cut",
                   "fr": "Résilience : ce qui fonctionne encore au pays si les liens internationaux sont coupés"},
    "resilience_none": {"en": "No critical service is listed in the inventory (critical_services:).",
                        "fr": "Aucun service critique n'est listé dans l'inventaire (critical_services:)."},
    "service": {"en": "Service", "fr": "Service"},
    "kind": {"en": "Kind", "fr": "Type"},
    "status": {"en": "Today", "fr": "Aujourd'hui"},
    "via": {"en": "Through", "fr": "Via"},
    "missing": {"en": "Not reachable locally", "fr": "Non joignable localement"},
    "reachable": {"en": "reachable locally", "fr": "joignable localement"},
    "partial": {"en": "partly reachable", "fr": "partiellement joignable"},
    "unreachable": {"en": "NOT reachable locally", "fr": "NON joignable localement"},
    "trends": {"en": "Trends", "fr": "Évolution"},
    "trends_members": {"en": "Active members", "fr": "Membres actifs"},
    "trends_shares": {"en": "Shares over time (%)", "fr": "Parts dans le temps (%)"},
    "trend_registered": {"en": "IPv4 registered by members (IRR)", "fr": "IPv4 enregistré par les membres (IRR)"},
    "trend_reachable": {"en": "IPv4 reachable via the RS", "fr": "IPv4 joignable via les RS"},
    "trend_filtered": {"en": "routes filtered", "fr": "routes filtrées"},
    "trend_routes": {"en": "Routes accepted by a route server", "fr": "Routes acceptées par un serveur de routes"},
    "trends_source": {"en": "Points: commits of the inventory and snapshot in git, past reports committed "
                            "(impact.json), the runs of ixpctl apply, and today.",
                      "fr": "Points : commits de l'inventaire et de l'instantané dans git, rapports passés "
                            "versionnés (impact.json), les exécutions d'ixpctl apply, et aujourd'hui."},
    "definitions": {"en": "How these numbers are computed", "fr": "Comment ces chiffres sont calculés"},
    "def_text": {"en": "Country resources are the RIR's allocated and assigned ASNs and addresses for the country. "
                       "Reachable space is the part of it covered by at least one route accepted by a route server; "
                       "overlapping routes count once. A route is a member's prefix, whichever route servers hold it.",
                 "fr": "Les ressources du pays sont les ASN et adresses attribués ou assignés au pays par le RIR. "
                       "L'espace joignable en est la part couverte par au moins une route acceptée par un serveur "
                       "de routes ; les routes qui se chevauchent comptent une fois. Une route est un préfixe "
                       "d'un membre, quel que soit le serveur de routes qui la porte."},
    "action": {"en": "Action", "fr": "Action"},
    "manrs_intro": {"en": "Each action is met, partly met or missing, with the evidence from the route servers, "
                          "the policy and the switches, and what to do next.",
                    "fr": "Chaque action est remplie, partiellement remplie ou manquante, avec les éléments tirés "
                          "des serveurs de routes, de la politique et des commutateurs, et ce qu'il reste à faire."},
    "met": {"en": "met", "fr": "remplie"},
    "partly": {"en": "partly met", "fr": "partiellement remplie"},
    "level_missing": {"en": "missing", "fr": "manquante"},
    "evidence": {"en": "Evidence", "fr": "Éléments"},
    "todo": {"en": "What to do", "fr": "À faire"},
    "action1": {"en": "Prevent propagation of incorrect routing information",
                "fr": "Empêcher la propagation d'informations de routage incorrectes"},
    "action2": {"en": "Promote MANRS to the IXP membership", "fr": "Promouvoir MANRS auprès des membres"},
    "action3": {"en": "Protect the peering platform", "fr": "Protéger la plateforme d'échange"},
    "action4": {"en": "Facilitate global operational communication",
                "fr": "Faciliter la communication opérationnelle"},
    "action5": {"en": "Provide monitoring and debugging tools", "fr": "Fournir des outils de supervision et de diagnostic"},
    "rpki_invalid": {"en": "RPKI invalid", "fr": "RPKI invalides"},
    "unregistered": {"en": "not in IRR", "fr": "absentes de l'IRR"},
    "email": {"en": "e-mail", "fr": "e-mail"},
    "notified": {"en": "e-mailed (ixpctl apply)", "fr": "prévenu par e-mail (ixpctl apply)"},
    "phone": {"en": "phone", "fr": "téléphone"},
    "switch": {"en": "Switch", "fr": "Commutateur"},
    "ports": {"en": "member ports", "fr": "ports membres"},
    "mac_locked": {"en": "locked to the member's MACs", "fr": "limités aux MAC du membre"},
    "other_lang": {"en": "Version française", "fr": "English version"},
    "yes": {"en": "yes", "fr": "oui"},
    "no": {"en": "no", "fr": "non"},
    "none": {"en": "none", "fr": "aucun"},
    "notes": {"en": "Notes", "fr": "Remarques"},
    "last_audit": {"en": "Last switch audit", "fr": "Dernier audit"},
    "audit_clean": {"en": "no MAC, port or control-protocol finding", "fr": "aucun constat MAC, port ou protocole de contrôle"},
    "audit_unread": {"en": "not audited", "fr": "non audité"},
    "per_rs": {"en": "Per route server", "fr": "Par serveur de routes"},
    "per_rs_intro": {"en": "Each route server on its own (the numbers above count a route once, whichever "
                           "route servers hold it).",
                     "fr": "Chaque serveur de routes séparément (les chiffres ci-dessus comptent une route une "
                           "fois, quel que soit le serveur de routes qui la porte)."},
    "route_server": {"en": "Route server", "fr": "Serveur de routes"},
    "daemon": {"en": "Daemon", "fr": "Logiciel"},
    "members_sending_short": {"en": "Members sending", "fr": "Membres émetteurs"},
    "rs_reach4": {"en": "Country IPv4 via this route server", "fr": "IPv4 du pays via ce serveur"},
    "disagree": {"en": "{n} routes accepted by one route server and filtered by, or missing from, another",
                 "fr": "{n} routes acceptées par un serveur de routes et filtrées par un autre, ou absentes d'un autre"},
    "disagree_none": {"en": "The route servers agree on every route.",
                      "fr": "Les serveurs de routes sont d'accord sur chaque route."},
    "prefix": {"en": "Prefix", "fr": "Préfixe"},
    "accepted_on": {"en": "Accepted on", "fr": "Acceptée sur"},
    "filtered_on": {"en": "Filtered on", "fr": "Filtrée sur"},
    "missing_on": {"en": "Missing on", "fr": "Absente sur"},
}


class Words:
    """``t.key`` in templates; ``t("key", x=...)`` for texts with placeholders."""

    def __init__(self, lang: Lang) -> None:
        self.lang = lang

    def __getattr__(self, key: str) -> str:
        try:
            return TEXT[key][self.lang]
        except KeyError:
            raise AttributeError(key) from None

    def __call__(self, key: str, **values: object) -> str:
        return TEXT[key][self.lang].format(**values)


def number(value: float | None, lang: Lang) -> str:
    if value is None:
        return "–"
    text = f"{value:,}" if isinstance(value, int) else f"{value:,.1f}"
    return text.replace(",", "\u202f").replace(".", ",") if lang == "fr" else text


def percent(value: float | None, lang: Lang) -> str:
    if value is None:
        return "–"
    text = f"{100 * value:.1f}"
    return f"{text.replace('.', ',')}\u00a0%" if lang == "fr" else f"{text}%"
