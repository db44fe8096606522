"""The ``huawei_vrp`` NAPALM driver (PyPI napalm-huawei-vrp), with two fixes ixpctl relies on.

1. ``rollback()`` after a *failed* commit. The upstream driver saves the running config to a backup
   file, then applies the candidate line by line; when a line is refused it raises before marking
   the session as changed, so its ``rollback()`` does nothing and the device keeps the lines applied
   before the refused one. Here ``rollback()`` restores the backup whenever this session saved one.
2. The merge diff is the contextual one (diffplus, ``contextual_diff``) by default: the upstream
   default compares single lines against the whole running config, so a line that exists on *another*
   interface (every port has ``port-security enable``) would not show up in the diff.
"""

from __future__ import annotations

import importlib.util
import sys
import types
from typing import Any

# The driver imports telnetlib (for its telnet transport), which Python 3.13 removed (Debian 13).
# ixpctl only speaks SSH: an empty stand-in lets the module import there.
if importlib.util.find_spec("telnetlib") is None:  # pragma: no cover - Python >= 3.13
    sys.modules.setdefault("telnetlib", types.ModuleType("telnetlib"))

from napalm_huawei_vrp.huawei_vrp import VRPDriver


class IxpctlHuaweiVRPDriver(VRPDriver):
    def __init__(self, hostname: str, username: str, password: str, timeout: int = 60,
                 optional_args: dict[str, Any] | None = None):
        args = {"contextual_diff": True, **(optional_args or {})}
        super().__init__(hostname, username, password, timeout=timeout, optional_args=args)

    def rollback(self) -> None:
        if self.changed or self.backup_file:
            if not self.backup_file:
                raise RuntimeError("no backup of the running config was saved in this session")
            self._load_config(self.backup_file)
            self.changed = False
            self._save_config()
