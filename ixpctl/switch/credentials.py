"""Switch credentials: from the environment or a secrets file, never from the inventory.

Order (first hit wins), per field:
  1. ``IXPCTL_SWITCH_<NAME>_USER`` / ``IXPCTL_SWITCH_<NAME>_PASSWORD`` (NAME upper-cased, '-' → '_')
  2. the secrets file's ``switches: {<name>: {user, password, optional_args}}``
  3. ``IXPCTL_SWITCH_USER`` / ``IXPCTL_SWITCH_PASSWORD``
  4. the secrets file's ``default: {user, password, optional_args}``

The secrets file (``--secrets`` or ``IXPCTL_SWITCH_SECRETS``) is YAML or JSON and must not be readable
by other users. ``optional_args`` are passed to the NAPALM driver (e.g. ``transport: https`` for EOS,
``port: 830`` for Junos) — connection details that differ per site but are not secrets.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML

from ..errors import DeployError, InputError

SECRETS_ENV = "IXPCTL_SWITCH_SECRETS"


@dataclass(frozen=True)
class Credentials:
    user: str
    password: str = field(repr=False)
    optional_args: dict[str, Any] = field(default_factory=dict)
    source: str = ""  # where they came from, for error messages (never the secret itself)


def env_prefix(switch_name: str) -> str:
    return "IXPCTL_SWITCH_" + re.sub(r"[^A-Z0-9]", "_", switch_name.upper()) + "_"


def load_secrets_file(path: str | Path | None) -> dict[str, Any]:
    if path is None:
        path = os.environ.get(SECRETS_ENV) or None
    if path is None:
        return {}
    path = Path(path)
    if not path.is_file():
        raise InputError.at("switch secrets file does not exist", path,
                            fix=f"create it or unset {SECRETS_ENV} / drop --secrets")
    if path.stat().st_mode & 0o077:
        raise InputError.at("switch secrets file is readable by other users", path, fix=f"chmod 600 {path}")
    try:
        data = YAML(typ="safe").load(path.read_text()) or {}
    except Exception as exc:  # noqa: BLE001 -- ruamel raises several unrelated types
        raise InputError.at(f"switch secrets file is not YAML/JSON: {exc}", path) from None
    if not isinstance(data, dict) or not set(data) <= {"default", "switches"}:
        raise InputError.at("switch secrets file must be a mapping with 'default' and/or 'switches'", path,
                            fix="default: {user: .., password: ..}\nswitches: {sw1: {password: ..}}")
    return data


def resolve(switch_name: str, secrets: dict[str, Any], *, required: bool = True) -> Credentials:
    """The credentials for one switch; DeployError naming every place looked at when none found."""
    per_switch = (secrets.get("switches") or {}).get(switch_name) or {}
    default = secrets.get("default") or {}
    prefix = env_prefix(switch_name)

    def pick(name: str) -> tuple[str | None, str]:
        for value, source in ((os.environ.get(prefix + name.upper()), f"${prefix}{name.upper()}"),
                              (per_switch.get(name), f"secrets file switches.{switch_name}.{name}"),
                              (os.environ.get(f"IXPCTL_SWITCH_{name.upper()}"), f"$IXPCTL_SWITCH_{name.upper()}"),
                              (default.get(name), f"secrets file default.{name}")):
            if value:
                return str(value), source
        return None, ""

    user, user_src = pick("user")
    password, pw_src = pick("password")
    optional = {**(default.get("optional_args") or {}), **(per_switch.get("optional_args") or {})}
    if required and (not user or password is None):
        missing = "user" if not user else "password"
        raise DeployError(
            f"{switch_name}: no switch {missing} configured",
            fix=f"export {prefix}{missing.upper()}=... or IXPCTL_SWITCH_{missing.upper()}=..., "
                f"or pass --secrets FILE (or {SECRETS_ENV}) with default/switches entries")
    return Credentials(user or "", password or "", optional, source=f"user from {user_src or '-'}, "
                       f"password from {pw_src or '-'}")
