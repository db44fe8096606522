"""The ``huawei_vrp`` NAPALM driver (PyPI napalm-huawei-vrp), with two fixes ixpctl relies on.

1. ``rollback()`` after a *failed* commit. The upstream driver saves the running config to a backup
   file, then applies the candidate line by line; when a line is refused it raises before marking
   the session as changed, so its ``rollback()`` does nothing and the device keeps the lines applied
   before the refused one. Here ``rollback()`` restores the backup whenever this session saved one.
2. The merge diff is the contextual one (diffplus, ``contextual_diff``) by default: the upstream
   default compares single lines against the whole running config, so a line that exists on *another*
   interface (every port has ``port-security enable``) would not show up in the diff.
3. VRPv8 (CloudEngine) two-stage commit. system-view edits a candidate that ``commit`` applies all or
   nothing (VRP V200R, the S series, applies each line at once and does not know ``commit``). The
   upstream driver sends ``commit`` without reading its answer, so a commit the device refuses went
   unnoticed, and leaving system-view then hangs on the "Uncommitted configurations found" question.
   Here a refused line or a refused commit answers that question "N" (the candidate is discarded),
   and ``nothing_committed`` tells ``switch.push`` there is nothing to roll back.
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

import re

from napalm.base.exceptions import MergeConfigException
from napalm_huawei_vrp.huawei_vrp import VRPDriver

_VIEW = r"\[.+\]"
_UNCOMMITTED = "Uncommitted configurations"


class IxpctlHuaweiVRPDriver(VRPDriver):
    def __init__(self, hostname: str, username: str, password: str, timeout: int = 60,
                 optional_args: dict[str, Any] | None = None):
        args = {"contextual_diff": True, **(optional_args or {})}
        super().__init__(hostname, username, password, timeout=timeout, optional_args=args)
        self.two_stage: bool | None = None  # known after the first commit: VRPv8 (True) or V200R (False)
        self.nothing_committed = False  # the last failed commit left the device as it was (VRPv8)

    def _commit_merge(self) -> None:
        commands = [command for command in self.merge_candidate.splitlines() if command]
        self.nothing_committed = False
        output = ""
        try:
            output += self.device.send_command("system-view", expect_string=_VIEW)
            for command in commands:
                output += self.device.send_command(command, expect_string=_VIEW)
            if not self.device.check_config_mode():
                raise MergeConfigException("Not in configuration mode.")
            if re.search("error", output, re.IGNORECASE):
                output += self._leave_discarding()
                raise MergeConfigException("Error while applying config!")
            answer = self.device.send_command("commit", expect_string=_VIEW)
            output += answer
            self.two_stage = "Unrecognized command" not in answer
            if self.two_stage and re.search(r"error|failed", answer, re.IGNORECASE):
                output += self._leave_discarding()
                raise MergeConfigException("the device refused the commit")
            output += self.device.send_command("return", expect_string=r"<.+>")
        except Exception as exc:
            raise MergeConfigException(f"{exc}\nconfiguration output: {output}") from exc

    def _leave_discarding(self) -> str:
        """Back to the user view; on VRPv8 the candidate is dropped (nothing was committed)."""
        log = self.device.send_command("return", expect_string=r"<.+>|\[Y\(yes\)/N\(no\)/C\(cancel\)\]:")
        if _UNCOMMITTED in log:
            log += self.device.send_command("n", expect_string=r"<.+>")
            self.two_stage = self.nothing_committed = True
        return log

    def rollback(self) -> None:
        if self.changed or self.backup_file:
            if not self.backup_file:
                raise RuntimeError("no backup of the running config was saved in this session")
            self._load_config(self.backup_file)
            self.changed = False
            self._save_config()
