"""What an OpenBGPD route server runs right now (``route_servers[].daemon: openbgpd``), read with
``bgpctl -j`` over the deploy target (local or ssh) into the same ``LiveState`` the BIRD reader
fills, so the guard rails, the rollout and the member e-mails need not know the daemon.

The parsing is ``verify.bgpctl``'s (the reader of `ixpctl sessions/routes --daemon openbgpd`);
only the transport differs: every query goes through ``Target.run`` instead of a local process.

- sessions: ``show neighbor``; each session's accepted routes ("imported", what the rollout
  compares) are its paths in the Loc-RIB;
- accepted routes: ``show rib detail`` (the Loc-RIB);
- filtered routes: the ``Rejected`` RIB the generated config keeps, each with its reason tag
  (RS, 65520, code), plus the routes bgpd treated as withdrawn before any filter (``show rib in
  error``, RFC 7606 / ``reject as-set``: no tag; the member e-mail explains them with the
  Python evaluator). The latter needs one query per Established neighbour.
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

from ..deploy.openbgpd import openbgpd_settings
from ..deploy.target import Target
from ..errors import DeployError
from ..verify.bgpctl import BgpctlClient, BgpctlError
from .live import LiveState


class TargetBgpctl(BgpctlClient):
    """``BgpctlClient`` whose queries run on the deploy target (its ``deploy.bgpctl_binary`` and
    ``deploy.control_socket``, OpenBGPD's defaults where the inventory left BIRD's)."""

    def __init__(self, target: Target):
        s = openbgpd_settings(target.settings)
        super().__init__(s.control_socket, binary=s.bgpctl_binary)
        self.target = target

    def query(self, *args: str) -> dict[str, Any]:
        res = self.target.run([self.binary, "-j", "-s", self.socket_path, *args], timeout=300)
        if res.returncode != 0:
            raise BgpctlError(f"bgpctl {' '.join(args)} on {self.target.describe()} ({self.socket_path}): "
                              f"{res.text[:300] or res.returncode}")
        text = res.stdout.strip()
        try:
            return json.loads(text) if text else {}
        except json.JSONDecodeError as exc:
            raise BgpctlError(f"bgpctl {' '.join(args)} on {self.target.describe()}: not JSON ({exc}): "
                              f"{text[:200]!r}") from None


def _filtered(client: TargetBgpctl, sessions: set[str]):
    try:
        rejected = client.rib(rejected=True)
    except BgpctlError as exc:  # a config without reject_policy.keep_filtered has no such RIB
        if "table" not in exc.message.lower() and "rib" not in exc.message.lower():
            raise
        rejected = []
    seen: set[tuple[str, str]] = set()
    out = []
    for r in rejected + client.errors():
        key = (r.protocol, r.prefix)
        if r.protocol in sessions and key not in seen:
            seen.add(key)
            out.append(r)
    return out


def read_live_openbgpd(name: str, target: Target, *, routes: bool = True) -> LiveState:
    """The route server's sessions (and, with ``routes``, its member routes, accepted and filtered)."""
    client = TargetBgpctl(target)
    try:
        if not routes:  # the rollout's polling: counts only (`show rib` without detail)
            return LiveState(name, {s.name: s for s in client.sessions(counts=True)})
        found, loc = client.sessions(), client.rib()
        counts = Counter(r.protocol for r in loc)
        for session in found:
            for ch in session.channels:  # as BIRD's "imported": the session's paths in the Loc-RIB
                ch.imported = counts.get(session.name, 0)
                ch.filtered = max(ch.import_updates.get("received", 0) - ch.imported, 0)
        state = LiveState(name, {s.name: s for s in found})
        state.accepted = [r for r in loc if r.protocol in state.sessions]
        state.filtered = _filtered(client, set(state.sessions))
    except BgpctlError as err:
        raise DeployError(f"OpenBGPD does not answer on {target.describe()} ({client.socket_path}): {err.message}",
                          fix="start bgpd there, or fix route_servers[].deploy.control_socket / bgpctl_binary") from None
    return state


__all__ = ["TargetBgpctl", "read_live_openbgpd"]
