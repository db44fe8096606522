"""``ixpctl import arouteserver``: arouteserver's ``clients.yml`` (+ ``general.yml``) → inventory data.

Decisions: clients are grouped by ASN (one member, one connection per client entry: arouteserver
describes one router per entry, its ``ip`` list holding its IPv4 and IPv6 addresses); AS-SETs come
from the client's ``cfg.filtering.irrdb.as_sets`` or the top-level ``asns:`` section; with
``irrdb.peering_db`` on, a member without one gets ``as_set: from_peeringdb``. Passwords never
reach the inventory: each is written to ``DIR/secrets/md5/AS<asn>`` (mode 600, git-ignored) and
the member says ``md5: {file: ...}``. Client ``cfg`` keys with an ixpctl equivalent become the
member's policy overrides; ``general.yml`` settings go into ``policies/default.yml``; every other
setting is reported with the closest ixpctl one (``ars_settings.py``).

arouteserver's files hold neither the peering LAN nor the route servers' LAN addresses: ``--lan``
and ``--route-server`` give them; otherwise the LAN is guessed (the covering prefix of the clients'
addresses, at least a /24 and a /64) and the route servers are the clients whose ASN is ``rs_as``
(arouteserver users often list them), each guess with a warning.
"""

from __future__ import annotations

from ipaddress import IPv4Network, IPv6Network, ip_address, ip_network
from pathlib import Path
from typing import Any

from ..base.yamlio import YamlDoc, parse_yaml, to_plain
from ..errors import InputError
from ..inventory.asn import parse_asn
from .ars_settings import CLIENT, GENERAL, HANDLED, NoEquivalent, closest, flatten
from .assemble import Assembler, Lan, Router, Where
from .model import Imported, Unmapped
from .routeservers import RouteServerSpec, route_servers_yaml
from .text import clean_text, decode_text

CLIENT_KEYS = {"asn", "ip", "description", "password", "cfg", "16bit_mapped_asn"}


def _ips(value: Any) -> list[str]:
    return [str(v) for v in (value if isinstance(value, list) else [value]) if v is not None]


def _covering(addresses: list[Any], version: int, floor: int) -> IPv4Network | IPv6Network | None:
    addrs = sorted(a for a in addresses if a.version == version)
    if not addrs:
        return None
    bits = 32 if version == 4 else 128
    common = bits - (int(addrs[0]) ^ int(addrs[-1])).bit_length()
    return ip_network(f"{addrs[0]}/{min(common, floor)}", strict=False)


def _lan(lans: list[str], clients: list[dict[str, Any]], vlan: int | None, imported: Imported) -> Lan:
    nets: dict[int, Any] = {}
    for text in lans:
        try:
            net = ip_network(text, strict=False)
        except ValueError:
            raise InputError(f"--lan {text!r} is not a prefix", fix="write e.g. --lan 192.0.2.0/24") from None
        if net.version in nets:
            raise InputError(f"--lan given twice for IPv{net.version}", fix="one IPv4 and one IPv6 prefix")
        nets[net.version] = net
    addresses = []
    for c in clients:
        for raw in _ips(c.get("ip")):
            try:
                addresses.append(ip_address(raw))
            except ValueError:
                continue
    for version, floor in ((4, 24), (6, 64)):
        if version not in nets:
            guess = _covering(addresses, version, floor)
            if guess is not None:
                nets[version] = guess
                imported.note(f"peering LAN IPv{version} guessed from the clients' addresses: {guess}",
                              file=imported.origin, fix=f"give the real prefix with --lan (e.g. --lan {guess})")
    if not nets:
        raise InputError("no peering LAN: give --lan PREFIX (the clients have no addresses to guess it from)")
    if vlan is None:
        imported.note("arouteserver does not know the peering LAN's VLAN tag: the LAN is written without vlan:",
                      file=imported.origin, severity="info",
                      fix="give --vlan ID, or set ixp.lans[0].vlan before managing switches with ixpctl")
    return Lan("peering", vlan, nets.get(4), nets.get(6))


def import_arouteserver(clients_path: Path, general_path: Path | None = None, *, lans: list[str] = (),
                        route_servers: list[RouteServerSpec] | None = None, vlan: int | None = None,
                        ixp_name: str = "IXP") -> Imported:
    doc, recoded = _load(clients_path, "arouteserver clients file")
    data = to_plain(doc.node)
    clients = data.get("clients")
    if not isinstance(clients, list):
        raise InputError.at("no 'clients:' list", clients_path, doc.line_of(("clients",)), "clients",
                            "give arouteserver's clients.yml")
    imported = Imported("arouteserver", str(clients_path), {}, [], [])
    if recoded:
        imported.note("the file is not valid UTF-8: the bytes that are not were read as Windows-1252",
                      file=str(clients_path), fix="check the names noted below; the inventory is written in UTF-8")
    general: dict[str, Any] = {}
    gdoc: YamlDoc | None = None
    if general_path is not None:
        gdoc, _ = _load(general_path, "arouteserver general file")
        general = to_plain(gdoc.node).get("cfg") or {}
    rs_asn = general.get("rs_as")
    specs = list(route_servers or [])
    listed = [c for c in clients if isinstance(c, dict) and rs_asn is not None and _asn_or_none(c) == rs_asn]
    if not specs and listed:
        for n, c in enumerate(listed, 1):
            spec = RouteServerSpec(f"rs{n}")
            for raw in _ips(c.get("ip")):
                addr = ip_address(raw)
                setattr(spec, "ipv4" if addr.version == 4 else "ipv6", addr)
            specs.append(spec)
        imported.note(f"route servers guessed from the clients with the route-server ASN AS{rs_asn}: "
                      + ", ".join(f"{s.name} {s.ipv4 or ''} {s.ipv6 or ''}".strip() for s in specs),
                      file=str(clients_path), fix="give them with --route-server NAME=ADDR[,ADDR]")
    if rs_asn is None:
        raise InputError("the route-server ASN is unknown", fix="give --general general.yml (cfg.rs_as)")
    if not specs:
        raise InputError("no route server: arouteserver's files do not hold their LAN addresses",
                         fix="give --route-server NAME=ADDR[,ADDR] for each route server")
    router_id = general.get("router_id")
    if router_id and specs[0].ipv4 is None:
        imported.note(f"general.yml router_id {router_id} kept for {specs[0].name}", file=str(general_path),
                      severity="info")
    lan = _lan(list(lans), [c for c in clients if isinstance(c, dict)], vlan, imported)
    rs_addresses = {str(a) for s in specs for a in (s.ipv4, s.ipv6) if a is not None}
    asm = Assembler(imported, lan, rs_asn, rs_addresses=rs_addresses)
    as_sets_of = {}
    for key, value in (data.get("asns") or {}).items():
        try:
            as_sets_of[parse_asn(str(key))] = (value or {}).get("as_sets") or []
        except (ValueError, AttributeError):
            continue
    from_pdb = bool(((general.get("filtering") or {}).get("irrdb") or {}).get("peering_db"))
    for i, client in enumerate(clients):
        _client(asm, imported, doc, i, client, as_sets_of, from_pdb, rs_addresses)
    imported.members = asm.finish()
    imported.route_servers = route_servers_yaml(specs)
    if router_id and specs[0].ipv4 is None:
        imported.route_servers[0]["router_id"] = str(router_id)
    name = clean_text(ixp_name, limit=64, fallback="IXP").value
    # arouteserver knows no switch ports or MACs: a route-server-only deployment
    imported.ixp = {"name": name, "rs_asn": rs_asn, "ports_and_macs": "elsewhere", "lans": [lan.to_yaml()]}
    if gdoc is not None:
        _general(imported, general, gdoc)
    return imported


def _load(path: Path, what: str) -> tuple[YamlDoc, bool]:
    """The YAML file, with stray Windows-1252 bytes (old member lists have them) read as such."""
    try:
        data = Path(path).read_bytes()
    except OSError as err:
        raise InputError.at(f"cannot read {what}: {err.strerror}", path,
                            fix="give the path of arouteserver's file") from None
    text, recoded = decode_text(data)
    return parse_yaml(text, Path(path), what=what), recoded


def _asn_or_none(client: dict[str, Any]) -> int | None:
    try:
        return parse_asn(str(client.get("asn")))
    except ValueError:
        return None


def _client(asm: Assembler, imported: Imported, doc: YamlDoc, i: int, client: Any, as_sets_of: dict,
            from_pdb: bool, rs_addresses: set[str]) -> None:
    where = Where(str(doc.path), doc.line_of(("clients", i)), f"clients[{i}]")
    if not isinstance(client, dict):
        imported.note("not a client entry (a mapping with asn and ip): left out", **where.kw())
        return
    asn = _asn_or_none(client)
    if asn is None:
        imported.note(f"{client.get('asn')!r} is not an AS number: client left out", **where.kw(),
                      fix="every client needs asn: <number>")
        return
    if asn == asm.rs_asn:
        if not set(_ips(client.get("ip"))) <= rs_addresses:
            imported.note(f"AS{asn} is the route-server ASN: this client is not imported as a member",
                          **where.kw(), fix="describe the route servers with --route-server")
        return
    for key in client:
        if key not in CLIENT_KEYS:
            imported.unmapped.append(Unmapped(f"clients[{i}].{key}", client[key], "none (unknown client key)",
                                              str(doc.path), doc.line_of(("clients", i, key))))
    routers = []
    for raw in _ips(client.get("ip")):
        try:
            addr = ip_address(raw)
        except ValueError:
            imported.note(f"AS{asn}: {raw!r} is not an IP address: left out", **where.kw())
            continue
        routers.append(Router(**{("ipv4" if addr.version == 4 else "ipv6"): str(addr)}))
    router = Router()
    for r in routers:  # one client entry = one router, dual-stack
        router.ipv4 = router.ipv4 or r.ipv4
        router.ipv6 = router.ipv6 or r.ipv6
    policy: dict[str, Any] = {}
    member_keys: dict[str, Any] = {}
    for path, value in flatten(client.get("cfg") or {}):
        line = doc.line_of(("clients", i, "cfg", *path.split(".")))
        if path not in CLIENT:
            imported.unmapped.append(Unmapped(f"clients[{i}].cfg.{path}", value, closest(path), str(doc.path), line))
            continue
        target, convert = CLIENT[path]
        try:
            converted = convert(value)
        except (NoEquivalent, ValueError, TypeError) as err:
            imported.unmapped.append(Unmapped(f"clients[{i}].cfg.{path}", value,
                                              getattr(err, "closest", str(err)), str(doc.path), line))
            continue
        if target.startswith("member:"):
            member_keys[target.removeprefix("member:")] = converted
        else:
            _put(policy, target, converted)
    mp = policy.get("max_prefix", {})
    if mp.get("action") == "disable" and mp.get("restart_after"):
        mp["action"] = "restart"
    as_sets = member_keys.pop("as_set", None) or as_sets_of.get(asn) or []
    max_prefix = {k.split(".")[1]: v for k, v in member_keys.items() if k.startswith("max_prefix.")}
    extra: dict[str, Any] = {}
    existing = asm.members.get(asn)
    password = client.get("password")
    if password:
        rel = f"secrets/md5/AS{asn}"
        known = imported.secrets.get(rel)
        if known is not None and known != str(password):
            imported.note(f"AS{asn}: this router has another MD5 password than the member's first one: "
                          "ixpctl keeps one password per member (the first)", **where.kw(),
                          fix="agree one password per member, or describe it by hand")
        else:
            imported.secrets[rel] = str(password)
            extra["md5"] = {"file": rel}
    if policy:
        if existing is not None and existing.get("policy", {}) != policy:
            imported.note(f"AS{asn}: this router's cfg differs from the member's first one: ixpctl keeps "
                          "one policy per member (the first)", **where.kw())
        elif existing is None:
            extra["policy"] = policy
    entry = asm.member(asn, client.get("description"), where, as_sets=as_sets, max_prefix=max_prefix,
                       routers=[router], extra=extra)
    if entry is not None and "as_set" not in entry and from_pdb:
        entry["as_set"] = "from_peeringdb"
        # keep the key order of the other members: as_set right after name
        connections = entry.pop("connections")
        entry["connections"] = connections


def _put(tree: dict[str, Any], dotted: str, value: Any) -> None:
    *heads, last = dotted.split(".")
    for head in heads:
        tree = tree.setdefault(head, {})
    tree[last] = value


def _shutdown_with_restart(settings: dict[str, Any], action_key: str, restart_key: str) -> None:
    """arouteserver's ``shutdown`` with ``restart_after`` brings the session back after that delay:
    ixpctl's ``restart``; without it the session stays down: ``disable``."""
    if settings.get(action_key) == "disable" and settings.get(restart_key):
        settings[action_key] = "restart"


def _general(imported: Imported, general: dict[str, Any], gdoc: YamlDoc) -> None:
    for path, value in flatten(general):
        line = gdoc.line_of(("cfg", *path.split(".")))
        if path in HANDLED:
            continue
        if path not in GENERAL:
            imported.unmapped.append(Unmapped(f"cfg.{path}", value, closest(path), str(gdoc.path), line))
            continue
        target, convert = GENERAL[path]
        try:
            imported.policy[target] = convert(value)
        except (NoEquivalent, ValueError, TypeError) as err:
            imported.unmapped.append(Unmapped(f"cfg.{path}", value, getattr(err, "closest", str(err)),
                                              str(gdoc.path), line))
    _shutdown_with_restart(imported.policy, "max_prefix.action", "max_prefix.restart_after")
