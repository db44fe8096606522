"""The running config of a modelled switch and how configuration commands change it."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

# Lines that open a configuration view (a block) at the top level, per dialect.
BLOCK_START = {
    "ios": r"^(interface \S+|vlan \d+|(ip|ipv6|mac) access-list( extended)? \S+|ipv6 nd raguard policy \S+)$",
    "nxos": r"^(interface \S+|vlan \d+|(ip|ipv6|mac) access-list \S+|ipv6 nd raguard policy \S+)$",
    "huawei": r"^(interface \S+|vlan \d+|acl (ipv6 )?name \S+( link| advance| basic)?)$",
}
# Top-level single lines that are accepted and stored.
TOP_LEAF = {
    "ios": r"^(hostname \S+|archive|spanning-tree .+|lldp run|cdp run|ip scp server enable|file prompt quiet)$",
    "nxos": r"^(hostname \S+|feature \S+|spanning-tree .+)$",
    "huawei": r"^(sysname \S+|vlan batch [\d ]+|stp bpdu-protection|lldp enable)$",
}
# What a view accepts (anything else is an error, as on the device: "% Invalid input").
CHILD_OK = {
    "ios": r"^(description .+|speed \S+|duplex \S+|switchport( .+)?|spanning-tree .+|storm-control .+|"
           r"(no )?lldp (transmit|receive)|(no )?cdp enable|channel-group \d+ mode \S+|(no )?shutdown|"
           r"mac access-group \S+ in|ip access-group \S+ in|ipv6 traffic-filter \S+ in|"
           r"ipv6 nd raguard attach-policy \S+|name \S+|device-role \S+|(permit|deny) .+)$",
    "nxos": r"^(description .+|speed \S+|switchport( .+)?|spanning-tree .+|storm-control .+|"
            r"(no )?lldp (transmit|receive)|(no )?cdp enable|channel-group \d+ mode \S+|(no )?shutdown|"
            r"mac port access-group \S+|ip port access-group \S+ in|ipv6 port traffic-filter \S+ in|"
            r"ipv6 nd raguard attach-policy \S+|name \S+|device-role \S+|\d+ (permit|deny) .+)$",
    "huawei": r"^(description .+|(undo )?negotiation auto|speed \d+|port link-type \S+|port default vlan \d+|"
              r"(undo )?port trunk allow-pass vlan [\d ]+|stp (edged-port|bpdu-filter) enable|"
              r"port-security .+|(broadcast|multicast|unicast)-suppression \d+|lldp admin-status \S+|"
              r"traffic-filter inbound (ipv6 )?acl name \S+|eth-trunk \d+|mode lacp|(undo )?shutdown|"
              r"rule \d+ (permit|deny)( .+)?)$",
}
# One value per view: a new value replaces the old line.
SINGLE = (r"^(description|speed|duplex|switchport access vlan|switchport trunk allowed vlan|switchport mode|"
          r"switchport port-security maximum|switchport port-security violation|storm-control \S+ level|"
          r"port default vlan|port link-type|port-security max-mac-num|port-security protect-action|"
          r"(broadcast|multicast|unicast)-suppression|lldp admin-status|(no )?lldp transmit|(no )?cdp enable|"
          r"name|device-role|rule \d+|\d+|channel-group|eth-trunk|(undo |no )?shutdown|(undo )?negotiation auto)\b")
# Negative lines the device shows in its running config (the rest only remove a line).
SHOWN_NEGATIVE = {
    "ios": r"^no (lldp transmit|cdp enable)$",
    "nxos": r"^no (lldp transmit|cdp enable|shutdown)$",
    "huawei": r"^undo (negotiation auto|port trunk allow-pass vlan 1)$",
}
NEG = {"ios": "no ", "nxos": "no ", "huawei": "undo "}


class CommandError(Exception):
    """The device refused a line; the message is what the device prints."""


def _single(line: str) -> str | None:
    m = re.match(SINGLE, line)
    if not m:
        return None
    key = m.group(0)
    return re.sub(r"^(no |undo )", "", key)


@dataclass
class Config:
    dialect: str
    hostname: str
    blocks: dict[str, list[str]] = field(default_factory=dict)  # top line → children ([] = a leaf)
    refuse: list[str] = field(default_factory=list)  # regexes of lines the "hardware" refuses (error paths)

    # ---- reading
    def text(self) -> str:
        out = []
        for key, children in self.blocks.items():
            out.append(key)
            indent = "  " if self.dialect == "nxos" else " "
            out.extend(indent + c for c in children)
            out.append("#" if self.dialect == "huawei" else "!")
        return "\n".join(out) + "\n"

    def block_text(self, key: str) -> str:
        indent = "  " if self.dialect == "nxos" else " "
        return "\n".join([key, *(indent + c for c in self.blocks.get(key, []))]) + "\n"

    @classmethod
    def parse(cls, dialect: str, hostname: str, text: str) -> Config:
        cfg = cls(dialect, hostname)
        current = None
        for raw in text.splitlines():
            s = raw.strip()
            if not s or s[0] in "!#" or s in ("end", "return"):
                continue
            if raw[:1].isspace() and current is not None:
                cfg.blocks[current].append(s)
            else:
                current = s
                cfg.blocks.setdefault(s, [])
        return cfg

    # ---- changing
    def apply(self, view: str | None, line: str) -> str | None:
        """Apply one configuration line typed in ``view`` (None = top level); return the new view."""
        s = line.strip()
        neg = NEG[self.dialect]
        if any(re.search(r, s) for r in self.refuse):
            raise CommandError("Error: Failed to apply the ACL because the hardware resources are insufficient."
                               if self.dialect == "huawei" else "% Error: TCAM region is full, entry not added")
        if view is not None:
            if s.startswith(neg):
                target = s[len(neg):]
                removed = self._remove_child(view, target)
                if removed or re.match(CHILD_OK[self.dialect], target) or re.match(CHILD_OK[self.dialect], s):
                    if re.match(SHOWN_NEGATIVE[self.dialect], s):
                        self._set_child(view, s)
                    return view  # (removing what is not there is accepted and changes nothing)
            elif re.match(CHILD_OK[self.dialect], s):
                self._set_child(view, s)
                return view
        # not a command of this view: the device goes back to the top level and tries there
        if s.startswith(neg):
            target = s[len(neg):]
            if target in self.blocks:
                del self.blocks[target]
                return None
            if self.dialect == "huawei" and re.match(r"^acl (ipv6 )?name \S+$", target):
                # `undo acl name X` deletes the named ACL whatever its type keyword (link, advance...)
                for key in [k for k in self.blocks if k.startswith(target + " ")]:
                    del self.blocks[key]
                return None
            if re.match(TOP_LEAF[self.dialect], target) or re.match(BLOCK_START[self.dialect], target):
                return None  # nothing to remove
        if re.match(BLOCK_START[self.dialect], s):
            self.blocks.setdefault(s, [])
            return s
        if re.match(TOP_LEAF[self.dialect], s):
            if s.startswith(("hostname ", "sysname ")):
                self.hostname = s.split()[1]
                for k in [k for k in self.blocks if k.startswith(("hostname ", "sysname "))]:
                    del self.blocks[k]
            self.blocks.setdefault(s, [])
            return None
        if self.dialect == "huawei":
            raise CommandError("Error: Unrecognized command found at '^' position.")
        if self.dialect == "nxos":
            raise CommandError("% Invalid command at '^' marker.")
        raise CommandError("% Invalid input detected at '^' marker.")

    def _set_child(self, view: str, line: str) -> None:
        children = self.blocks.setdefault(view, [])
        if line in children:
            return
        key = _single(line)
        if key is not None:
            for i, c in enumerate(children):
                if _single(c) == key:
                    children[i] = line
                    return
        positive = re.sub(r"^(no |undo )", "", line)
        if positive != line and positive in children:
            children.remove(positive)
        if line in ("no shutdown", "undo shutdown") and "shutdown" in children:
            children.remove("shutdown")
            if self.dialect != "nxos":
                return
        if line == "shutdown":
            for n in ("no shutdown",):
                if n in children:
                    children.remove(n)
        if line.startswith(("no ", "undo ")) and not re.match(SHOWN_NEGATIVE[self.dialect], line):
            return
        children.append(line)

    def _remove_child(self, view: str, target: str) -> bool:
        """``no X`` / ``undo X``: drop the children equal to X or starting with X (``undo rule 5``)."""
        children = self.blocks.get(view, [])
        m = re.match(r"^(\d+)$|^rule (\d+)$", target)
        if m:  # a sequence number alone: NX-OS `no 10`, VRP `undo rule 10`
            n = m.group(1) or m.group(2)
            prefix = f"{n} " if m.group(1) else f"rule {n} "
            hit = [c for c in children if c.startswith(prefix)]
        else:
            hit = [c for c in children if c == target or c.startswith(target + " ")]
            if target == "shutdown":
                hit = [c for c in children if c == "shutdown"]
        for c in hit:
            children.remove(c)
        return bool(hit) or target == "shutdown"
