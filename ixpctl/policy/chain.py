"""THE definition of the route-server import filter chain: ordered checks with stable reject codes.

Both back ends read this list: the BIRD template renders one named function call per check, in this
order, and ``ixpctl.policy.evaluate`` runs the same checks in Python. Codes follow arouteserver's
Euro-IX style reject reasons (1–16) so looking glasses such as Alice-LG decode them; ixpctl's own
checks use 17+. A rejected route is tagged ``(RS_ASN, 65520, code)``; a check running in "tag" mode
tags ``(RS_ASN, 65521, code)`` and lets the route through.
"""

from __future__ import annotations

from dataclasses import dataclass

REJECT_REASON = 65520  # (RS_ASN, 65520, code): rejected, with the reason
WOULD_REJECT = 65521  # (RS_ASN, 65521, code): a check in tag mode failed; route accepted
INFO_RPKI = 1000  # (RS_ASN, 1000, 1) RPKI valid, (RS_ASN, 1000, 2) RPKI not found
INFO_IRR = 1001  # (RS_ASN, 1001, 1) prefix registered in IRR, (RS_ASN, 1001, 2) authorised by a ROA

RPKI_VALID, RPKI_NOT_FOUND = 1, 2
IRR_PREFIX_REGISTERED, IRR_PREFIX_VIA_ROA = 1, 2

# Well-known communities (RFC 1997, 7999, 8326)
GRACEFUL_SHUTDOWN = (65535, 0)
BLACKHOLE = (65535, 666)
NO_EXPORT = (65535, 65281)


@dataclass(frozen=True)
class Check:
    name: str  # BIRD function suffix and Python check name
    code: int  # stable reject code
    title: str  # short English reason, shown to members
    title_fr: str
    explain: str  # one sentence for the published policy
    explain_fr: str
    fix: str  # what the member does about it (self-check, welcome pack)
    fix_fr: str


CHAIN: tuple[Check, ...] = (
    Check("next_hop", 5, "invalid NEXT_HOP", "NEXT_HOP invalide",
          "The NEXT_HOP must be the announcing router's own address on the peering LAN (RFC 7948 §4.8).",
          "Le NEXT_HOP doit être l'adresse du routeur annonceur sur le LAN d'échange (RFC 7948 §4.8).",
          "Announce with next-hop-self; do not set a third-party next hop.",
          "Annoncez avec next-hop-self ; ne positionnez pas de next hop tiers."),
    Check("default_route", 17, "default route", "route par défaut",
          "Default routes (0.0.0.0/0, ::/0) are never accepted.",
          "Les routes par défaut (0.0.0.0/0, ::/0) ne sont jamais acceptées.",
          "Do not announce a default route to the route servers.",
          "N'annoncez pas de route par défaut aux serveurs de routes."),
    Check("bogon", 2, "bogon prefix", "préfixe bogon",
          "Bogon prefixes (private, reserved, documentation space) and their more-specifics are rejected.",
          "Les préfixes bogons (espaces privés, réservés, de documentation) et leurs sous-préfixes sont rejetés.",
          "Filter private and reserved space on your export to the IXP.",
          "Filtrez les espaces privés et réservés dans vos annonces vers l'IXP."),
    Check("peering_lan", 18, "peering LAN prefix", "préfixe du LAN d'échange",
          "The IXP's own peering LAN prefixes are never accepted from members.",
          "Les préfixes du LAN d'échange de l'IXP ne sont jamais acceptés des membres.",
          "Do not redistribute the IXP LAN (connected route) into BGP.",
          "Ne redistribuez pas le LAN de l'IXP (route connectée) dans BGP."),
    Check("prefix_length", 13, "prefix length out of range", "longueur de préfixe hors limites",
          "Prefixes must be between the minimum and maximum length of the policy.",
          "Les préfixes doivent avoir une longueur comprise entre le minimum et le maximum de la politique.",
          "Announce the covering aggregate, within the accepted prefix lengths.",
          "Annoncez l'agrégat couvrant, dans les longueurs de préfixe acceptées."),
    Check("ipv6_global_unicast", 10, "IPv6 prefix not global unicast", "préfixe IPv6 hors unicast global",
          "IPv6 prefixes must be inside the global unicast space 2000::/3.",
          "Les préfixes IPv6 doivent appartenir à l'espace unicast global 2000::/3.",
          "Announce only global unicast IPv6 space.",
          "N'annoncez que de l'espace IPv6 unicast global."),
    Check("first_as", 6, "left-most AS is not the peer", "premier AS différent du pair",
          "The left-most AS in the AS_PATH must be the member's own ASN.",
          "Le premier AS de l'AS_PATH doit être l'ASN du membre.",
          "Do not strip or replace your own ASN in the AS_PATH.",
          "Ne retirez pas et ne remplacez pas votre propre ASN dans l'AS_PATH."),
    Check("as_path_length", 1, "AS_PATH too long", "AS_PATH trop long",
          "AS_PATHs longer than the policy's maximum (prepends included) are rejected.",
          "Les AS_PATH plus longs que le maximum de la politique (prepends compris) sont rejetés.",
          "Reduce prepending.", "Réduisez le prepending."),
    Check("invalid_asn", 7, "invalid ASN in AS_PATH", "ASN invalide dans l'AS_PATH",
          "Private, reserved and documentation ASNs and AS_TRANS must not appear anywhere in the AS_PATH.",
          "Les ASN privés, réservés, de documentation et AS_TRANS ne doivent pas figurer dans l'AS_PATH.",
          "Remove private ASNs (remove-private-as) before announcing.",
          "Retirez les ASN privés (remove-private-as) avant d'annoncer."),
    Check("as_set", 19, "AS_SET in AS_PATH", "AS_SET dans l'AS_PATH",
          "AS_PATHs with AS_SET segments are rejected (RFC 6472).",
          "Les AS_PATH contenant des segments AS_SET sont rejetés (RFC 6472).",
          "Announce without aggregation into AS_SETs (no 'as-set' on aggregates).",
          "Annoncez sans agrégation en AS_SET (pas d'option 'as-set' sur les agrégats)."),
    Check("transit_free", 8, "transit-free ASN in AS_PATH", "ASN sans transit dans l'AS_PATH",
          "Routes through a transit-free network behind the member are a leak and are rejected.",
          "Les routes passant par un réseau sans transit derrière le membre sont une fuite et sont rejetées.",
          "Do not announce routes learned from your upstream providers.",
          "N'annoncez pas les routes apprises de vos fournisseurs de transit."),
    Check("never_via_rs", 15, "ASN does not want to be reached via route servers",
          "ASN refusant les serveurs de routes",
          "Routes through a network that asked (in PeeringDB) never to be reached via route servers are rejected.",
          "Les routes passant par un réseau ayant demandé (dans PeeringDB) à ne jamais être joint via des "
          "serveurs de routes sont rejetées.",
          "Do not announce routes of that network to the route servers.",
          "N'annoncez pas les routes de ce réseau aux serveurs de routes."),
    Check("irr_origin", 9, "origin ASN not in AS-SET", "ASN d'origine absent de l'AS-SET",
          "The origin ASN must be in the member's AS-SET (IRR), expanded daily.",
          "L'ASN d'origine doit appartenir à l'AS-SET du membre (IRR), développé chaque jour.",
          "Add the origin ASN (or its AS-SET) to your AS-SET in your IRR database.",
          "Ajoutez l'ASN d'origine (ou son AS-SET) à votre AS-SET dans votre base IRR."),
    Check("irr_prefix", 12, "prefix not registered in IRR", "préfixe non enregistré dans l'IRR",
          "The prefix must be covered by a route/route6 object of the AS-SET (or, where allowed, be RPKI valid).",
          "Le préfixe doit être couvert par un objet route/route6 de l'AS-SET (ou, si permis, être valide RPKI).",
          "Create a route/route6 object for the prefix and its origin in your RIR's IRR, or a ROA.",
          "Créez un objet route/route6 pour le préfixe et son origine dans l'IRR de votre RIR, ou un ROA."),
    Check("rpki_invalid", 14, "RPKI invalid", "RPKI invalide",
          "Routes that are RPKI invalid (RFC 6811: wrong origin or longer than the ROA's maxLength) are rejected.",
          "Les routes invalides RPKI (RFC 6811 : mauvaise origine ou plus longues que le maxLength du ROA) "
          "sont rejetées.",
          "Fix the ROA in your RIR's RPKI portal (origin ASN and maxLength) or stop announcing the route.",
          "Corrigez le ROA dans le portail RPKI de votre RIR (ASN d'origine et maxLength) ou retirez l'annonce."),
    Check("aspa", 21, "ASPA invalid AS_PATH", "AS_PATH invalide selon ASPA",
          "AS_PATHs that ASPA records prove to be a route leak (an AS in the path whose ASPA does not list "
          "the next AS towards the member as its provider) are tagged or rejected; route servers on BIRD "
          ">= 2.16 only.",
          "Les AS_PATH que des enregistrements ASPA désignent comme une fuite de routes (un AS du chemin "
          "dont l'ASPA ne liste pas l'AS suivant vers le membre comme fournisseur) sont marqués ou rejetés ; "
          "serveurs de routes sous BIRD >= 2.16 uniquement.",
          "Announce only your own and your customers' routes; if the path is legitimate, the AS named in it "
          "must add the missing provider to its ASPA.",
          "N'annoncez que vos routes et celles de vos clients ; si le chemin est légitime, l'AS concerné doit "
          "ajouter le fournisseur manquant à son ASPA."),
    Check("blackhole_not_allowed", 20, "blackholing not enabled for this member",
          "blackholing non activé pour ce membre",
          "BLACKHOLE (65535:666) routes are accepted only from members that opted in, inside their own space.",
          "Les routes BLACKHOLE (65535:666) ne sont acceptées que des membres inscrits, dans leur propre espace.",
          "Ask the IXP to enable blackholing for your sessions.",
          "Demandez à l'IXP d'activer le blackholing pour vos sessions."),
    Check("black_list", 11, "prefix black-listed for this member", "préfixe sur liste noire pour ce membre",
          "Prefixes on the member's black list are rejected.",
          "Les préfixes de la liste noire du membre sont rejetés.",
          "Contact the IXP: this prefix was black-listed for your sessions.",
          "Contactez l'IXP : ce préfixe est sur liste noire pour vos sessions."),
)

BY_NAME = {c.name: c for c in CHAIN}
BY_CODE = {c.code: c for c in CHAIN}


def check(name: str) -> Check:
    return BY_NAME[name]
