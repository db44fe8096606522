"""The pages' words in French and English (French first: MLIX works in French)."""

from __future__ import annotations

from .config import LANGS

TEXT: dict[str, tuple[str, str]] = {  # key: (fr, en)
    "home": ("Accueil", "Home"),
    "check": ("Vérifier mes préfixes", "Check my prefixes"),
    "lg": ("Looking glass", "Looking glass"),
    "policy": ("Politique", "Policy"),
    "communities": ("Communautés", "Communities"),
    "ixf": ("Export IX-F", "IX-F export"),
    "skip": ("Aller au contenu", "Skip to content"),
    "switch": ("English", "Français"),
    "route_servers": ("Serveurs de routes", "Route servers"),
    "members": ("Membres", "Members"),
    "name": ("Nom", "Name"),
    "asn": ("ASN", "ASN"),
    "as_sets": ("AS-SET", "AS-SET"),
    "addresses": ("Adresses", "Addresses"),
    "status": ("État", "Status"),
    "join": ("Comment rejoindre", "How to join"),
    "join_text": (("Pour vous connecter, écrivez à {email}. Avant de connecter votre routeur, vérifiez vos "
                  "préfixes avec le formulaire « Vérifier mes préfixes » : les serveurs de routes "
                  "appliquent exactement ces règles."),
                  ("To connect, write to {email}. Before connecting your router, check your prefixes with the "
                  "“Check my prefixes” form: the route servers apply exactly these rules.")),
    "check_intro": (("Donnez votre ASN et, si vous voulez, les préfixes que vous allez annoncer (un par "
                    "ligne, « préfixe [ASN d'origine] », ou la sortie de « show route all »). Sans préfixes, "
                    "ce sont vos objets IRR qui sont vérifiés."),
                    ("Give your ASN and, optionally, the prefixes you will announce (one per line, "
                    "“prefix [origin ASN]”, or a “show route all” dump). Without prefixes, your IRR "
                    "route objects are checked.")),
    "prefixes": ("Préfixes", "Prefixes"),
    "as_set_label": ("AS-SET (futurs membres : recherche IRR en direct)",
                     "AS-SET (prospective members: live IRR lookup)"),
    "route_server": ("Serveur de routes", "Route server"),
    "submit": ("Vérifier", "Check"),
    "prefix": ("Préfixe", "Prefix"),
    "as_path": ("Chemin d'AS", "AS path"),
    "verdict": ("Verdict", "Verdict"),
    "reason_fix": ("Raison et correction", "Reason and fix"),
    "accepted": ("accepté", "accepted"),
    "rejected": ("rejeté", "rejected"),
    "summary": ("{a} acceptés, {r} rejetés sur {t}", "{a} accepted, {r} rejected of {t}"),
    "sessions": ("Sessions", "Sessions"),
    "session": ("Session", "Session"),
    "neighbor": ("Voisin", "Neighbor"),
    "state": ("État", "State"),
    "since": ("Depuis", "Since"),
    "received": ("Reçues", "Received"),
    "imported": ("Acceptées", "Accepted"),
    "filtered": ("Filtrées", "Filtered"),
    "exported": ("Exportées", "Exported"),
    "unreachable": ("injoignable", "unreachable"),
    "accepted_routes": ("Routes acceptées", "Accepted routes"),
    "filtered_routes": ("Routes filtrées", "Filtered routes"),
    "routes_of": ("Routes de AS{asn} sur {rs}", "Routes of AS{asn} on {rs}"),
    "reason": ("Raison", "Reason"),
    "next_hop": ("Next hop", "Next hop"),
    "details": ("Détails", "Details"),
    "lookup": ("Chercher un préfixe ou une adresse", "Look up a prefix or an address"),
    "search": ("Chercher", "Search"),
    "no_routes": ("Aucune route.", "No routes."),
    "route_details": ("Détails de la route", "Route details"),
    "community": ("Communauté", "Community"),
    "meaning": ("Signification", "Meaning"),
    "kind": ("Type", "Type"),
    "code": ("Code", "Code"),
    "reject_reasons": ("Raisons de rejet", "Reject reasons"),
    "control": ("Contrôle des annonces", "Announcement control"),
    "info_tags": ("Marquages informatifs", "Informational tags"),
    "well_known": ("Communautés bien connues", "Well-known communities"),
    "ixf_text": ("La liste des membres au format IX-F (JSON), à une adresse stable :",
                 "The member list in the IX-F format (JSON), at a stable URL:"),
    "error": ("Erreur", "Error"),
    "fix": ("Correction", "Fix"),
    "previous": ("Précédent", "Previous"),
    "next": ("Suivant", "Next"),
    "page": ("Page {n} sur {m}", "Page {n} of {m}"),
    "peeringdb": ("PeeringDB", "PeeringDB"),
    "demo": ("DÉMONSTRATION : données fictives", "DEMO: fictional data"),
    "notes": ("Remarques", "Notes"),
    "api": ("API", "API"),
}


def pick(lang: str | None, default: str) -> str:
    return lang if lang in LANGS else default


def t(lang: str, key: str, **values: object) -> str:
    fr, en = TEXT[key]
    text = fr if lang == "fr" else en
    return text.format(**values) if values else text
