"""Before a deploy: the route server's BIRD must be of the series its config was written for.

A config for BIRD 3.1 does not load on 2.0 (typed functions, ``case`` blocks), and a config for 2.0
on 3.1 is refused too (``rs_client`` is a keyword there). ``bird -p`` on the route server would catch
the syntax, but only as a confusing parse error, after the upload, and not every difference is a
syntax error (2.17 takes a 2.0 config with warnings and without ASPA). So, before the lock, the
upload or anything else, the deploy asks the route server (locally or over the deploy's ssh) and
refuses with the inventory's file, line and field when:

- the config on its way was built for another series than ``route_servers[].bird_version`` says
  now (the inventory changed after the build: the config header names its target);
- ``deploy.bird_binary --version`` (the binary that runs ``bird -p`` there) is of another series;
- the running daemon (``birdc show status``: "BIRD 3.1.8") is of another series: a package
  upgraded without a restart, or another BIRD started by hand. A BIRD that does not answer is left
  to the daemon check that follows (it refuses a deploy to a BIRD that is not running).

Versions of one series (2.0.x, 2.17.x, 3.1.x) take the same config text (``render.bird_versions``):
a patch release is fine.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..errors import DeployError
from ..inventory.loader import LoadedInventory
from ..inventory.models import RouteServer
from ..render.bird_versions import BY_SERIES, parse_version, same_series
from .target import Target

_CONFIG_TARGET = re.compile(rb"^#.*\btarget BIRD (\d+\.\d+(?:\.\d+)?)", re.MULTILINE)
_BINARY_VERSION = re.compile(r"BIRD version (\d+\.\d+(?:\.\d+)?)")
_DAEMON_VERSION = re.compile(r"^BIRD (\d+\.\d+(?:\.\d+)?)\b", re.MULTILINE)  # show status / the greeting


@dataclass(frozen=True)
class VersionField:
    """Where ``route_servers[i].bird_version`` is (or would be) written in the inventory."""

    value: str
    field: str  # "route_servers[0].bird_version"
    file: str | None
    line: int | None
    explicit: bool  # written in the file (else the default applies)

    def where(self) -> str:
        place = f"{self.file}:{self.line}" if self.file and self.line else (self.file or "the inventory")
        return f"{place}: {self.field}"

    def describe(self) -> str:
        """'inventory/ixp.yml:14: route_servers[0].bird_version is 3.1.8' (or 'is not set: ...')."""
        if self.explicit:
            return f"{self.where()} is {self.value}"
        return f"{self.where()} is not set (the default {self.value} applies)"

    def fix_to(self, version: str, name: str) -> str:
        verb = "set" if self.explicit else "add"
        at = f" in {self.file}" + (f" line {self.line}" if self.line else "") if self.file else ""
        key = self.field.rpartition(".")[2]  # bird_version or openbgpd_version (deploy/bgpd_version.py)
        return (f"{verb} `{key}: \"{version}\"` for route server {name} ({self.field.rpartition('.')[0]}){at}, "
                "then run `ixpctl build`")


def version_field(loaded: LoadedInventory, rs: RouteServer) -> VersionField:
    index = next(i for i, r in enumerate(loaded.inventory.route_servers) if r.name == rs.name)
    field = f"route_servers[{index}].bird_version"
    explicit = "bird_version" in rs.model_fields_set
    file, line = loaded.locate(("route_servers", index, "bird_version") if explicit else ("route_servers", index))
    return VersionField(rs.bird_version, field, file, line, explicit)


def config_target(config: bytes) -> str | None:
    """The BIRD version a rendered config was written for (its header says "target BIRD 3.1.8")."""
    match = _CONFIG_TARGET.search(config[:4096])
    return match.group(1).decode() if match else None


@dataclass(frozen=True)
class VersionCheck:
    binary: str  # `bird --version` of deploy.bird_binary on the target
    daemon: str | None  # what the running BIRD says (None: it does not answer)

    def to_json(self) -> dict:
        return {"bird_binary": self.binary, "daemon": self.daemon}


def _install_hint(series: tuple[int, ...]) -> str:
    target = BY_SERIES.get(tuple(series[:2]))  # type: ignore[arg-type]
    name = ".".join(map(str, series[:2]))
    return f"install BIRD {name} there ({target.debian})" if target else f"install BIRD {name} there"


def check_versions(name: str, config: bytes, target: Target, field: VersionField) -> VersionCheck:
    """The versions found on ``target``; DeployError (nothing changed) when one is not of the series
    ``field`` names. Runs two read-only commands on the target."""
    s = target.settings
    built = config_target(config)
    wanted = parse_version(field.value)
    if built is not None and not same_series(built, field.value):
        message = (f"{name}: the built config was written for BIRD {built}, but {field.describe()}: "
                   "the inventory changed after the build; nothing was deployed")
        fix = f"run `ixpctl build` again (or set the bird_version back to {built})"
        raise DeployError(message, fix=fix)

    res = target.run([s.bird_binary, "--version"], timeout=30)
    found = _BINARY_VERSION.search(res.text)
    if found is None:
        raise DeployError(f"{name}: `{s.bird_binary} --version` on {target.describe()} says no BIRD version "
                          f"({res.text[:200] or f'exit code {res.returncode}'}); nothing was deployed",
                          fix=f"install BIRD there or set deploy.bird_binary to it (the config is for BIRD {field.value})")
    binary = found.group(1)
    if not same_series(binary, field.value):
        _refuse(name, f"`{s.bird_binary} --version` on {target.describe()} says BIRD {binary}", binary, wanted, field)

    status = target.run([s.birdc_binary, "-s", s.control_socket, "show", "status"], timeout=30)
    running = _DAEMON_VERSION.search(status.stdout) if status.returncode == 0 else None
    daemon = running.group(1) if running else None
    if daemon is not None and not same_series(daemon, field.value):
        _refuse(name, f"the BIRD running on {target.describe()} ({s.control_socket}) is {daemon} although "
                f"{s.bird_binary} is {binary} (upgraded without a restart?)", daemon, wanted, field,
                extra="restart BIRD so that it runs the installed version, or ")
    return VersionCheck(binary, daemon)


def _refuse(name: str, what: str, have: str, wanted: tuple[int, ...], field: VersionField, extra: str = "") -> None:
    message = (f"{name}: {what}, but its config is written for BIRD {field.value} ({field.describe()}): "
               "the two series differ; nothing was deployed")
    fix = f"{extra}{field.fix_to(have, name)}; or {_install_hint(wanted)}"
    raise DeployError(message, fix=fix)


__all__ = ["VersionCheck", "VersionField", "check_versions", "config_target", "version_field"]
