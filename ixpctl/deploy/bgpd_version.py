"""Before a deploy: the route server's bgpd must be of the OpenBGPD series its config was written for.

The OpenBGPD counterpart of ``bird_version``: a config for 7.7 (``announce policy rs``) does not
load on 8.8, and an 8.8 one (``role rs``, ASPA) not on 7.7. The target's ``bgpd -n`` would refuse
it, but only as a syntax error after the upload; so, before the lock or the upload, the deploy asks
``deploy.bgpd_binary -V`` on the route server and refuses with the inventory's file, line and
field when the series differ, or when the config on its way was built for another series than
``route_servers[].openbgpd_version`` says now (its header names its target).
"""

from __future__ import annotations

import re

from ..errors import DeployError
from ..inventory.loader import LoadedInventory
from ..inventory.models import RouteServer
from .bird_version import VersionField
from .target import Target

_CONFIG_TARGET = re.compile(rb"^#.*\btarget OpenBGPD (\d+\.\d+(?:\.\d+)?)", re.MULTILINE)
_BINARY_VERSION = re.compile(r"(\d+\.\d+(?:\.\d+)?)")  # bgpd -V: "OpenBGPD 7.7" (as deploy.bgpd_check reads it)
INSTALL = {"7.7": "Debian 12's openbgpd", "8.8": "Debian 13's openbgpd (or bookworm-backports)"}


def openbgpd_version_field(loaded: LoadedInventory, rs: RouteServer) -> VersionField:
    """Where ``route_servers[i].openbgpd_version`` is (or would be) written in the inventory."""
    index = next(i for i, r in enumerate(loaded.inventory.route_servers) if r.name == rs.name)
    explicit = "openbgpd_version" in rs.model_fields_set
    file, line = loaded.locate(("route_servers", index, "openbgpd_version") if explicit else ("route_servers", index))
    return VersionField(rs.openbgpd_version, f"route_servers[{index}].openbgpd_version", file, line, explicit)


def same_series(a: str, b: str) -> bool:
    return a.split(".")[:2] == b.split(".")[:2]


def check_bgpd_version(name: str, config: bytes, target: Target, field: VersionField) -> str:
    """``bgpd -V`` of ``deploy.bgpd_binary`` on ``target`` (one read-only command); DeployError,
    nothing changed, when it or the built config is of another series than ``field`` names."""
    built = _CONFIG_TARGET.search(config[:4096])
    if built is not None and not same_series(built.group(1).decode(), field.value):
        raise DeployError(f"{name}: the built config was written for OpenBGPD {built.group(1).decode()}, but "
                          f"{field.describe()}: the inventory changed after the build; nothing was deployed",
                          fix="run `ixpctl build` again (or set the openbgpd_version back)")
    binary = target.settings.bgpd_binary
    res = target.run([binary, "-V"], timeout=30)
    found = _BINARY_VERSION.search(res.text)
    version = found.group(1) if found else None
    if version is None:
        raise DeployError(f"{name}: `{binary} -V` on {target.describe()} says no OpenBGPD version "
                          f"({res.text[:200] or f'exit code {res.returncode}'}); nothing was deployed",
                          fix=f"install OpenBGPD there or set deploy.bgpd_binary to it "
                              f"(the config is for OpenBGPD {field.value})")
    if not same_series(version, field.value):
        series = ".".join(field.value.split(".")[:2])
        raise DeployError(f"{name}: `{binary} -V` on {target.describe()} says OpenBGPD {version}, but its config is "
                          f"written for OpenBGPD {field.value} ({field.describe()}): the two series differ; "
                          "nothing was deployed",
                          fix=f"{field.fix_to('.'.join(version.split('.')[:2]), name)}; or install OpenBGPD "
                              f"{series} there ({INSTALL.get(series, 'openbgpd')})")
    return version


__all__ = ["check_bgpd_version", "openbgpd_version_field", "same_series"]
