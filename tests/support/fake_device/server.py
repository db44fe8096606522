"""The SSH side of a modelled switch: an asyncssh server with an interactive shell.

    python -m tests.support.fake_device.server DEVICE.json LIVE.json PORTFILE

DEVICE.json holds the dialect, hostname, login, running config and files (written back after every
change, so a test can also look at the device's state from outside); LIVE.json the live state a
test plants (MAC table, LLDP neighbours, interface state/counters), re-read on every command.
The server binds 127.0.0.1 on a free port and writes the port to PORTFILE once it listens.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import re
import sys
from pathlib import Path
from typing import Any

import asyncssh

from . import ios_flash, shows
from .model import CommandError, Config

CONFIG_ENTER = {"ios": "configure terminal", "nxos": "configure terminal", "huawei": "system-view"}
CONFIG_LEAVE = {"ios": "end", "nxos": "end", "huawei": "return"}
QUIET = {"terminal length 0", "terminal width 511", "terminal dont-ask", "no terminal dont-ask",
         "terminal session-timeout 0", "screen-length 0 temporary", "file prompt quiet"}
NO_PAGING = {"terminal length 0", "screen-length 0 temporary"}
PAGE_LINES = 24
MORE = {"huawei": "  ---- More ----", "ios": " --More-- ", "nxos": " --More-- "}


class Device:
    def __init__(self, device_file: Path, live_file: Path):
        self.device_file = device_file
        self.live_file = live_file
        data = json.loads(device_file.read_text())
        self.data = data
        self.dialect = data["dialect"]
        self.config = Config.parse(self.dialect, data["hostname"], data.get("running", ""))
        self.config.refuse = list(data.get("refuse", []))
        self.files: dict[str, str] = data.get("files", {})
        # VRPv8 (CloudEngine): system-view edits a candidate of this session; `commit` applies it
        self.two_stage = bool(data.get("two_stage"))
        self.refuse_commit: list[str] = list(data.get("refuse_commit", []))

    @property
    def flash(self) -> Path:
        """IOS flash: a directory the SCP server writes into (``<flash>/flash:/name``)."""
        return Path(self.data["flash"])

    def live(self) -> dict[str, Any]:
        try:
            return json.loads(self.live_file.read_text())
        except (OSError, ValueError):
            return {}

    def save(self) -> None:
        self.data.update(running=self.config.text(), hostname=self.config.hostname, files=self.files)
        tmp = self.device_file.with_suffix(".tmp")
        tmp.write_text(json.dumps(self.data, indent=1))
        tmp.replace(self.device_file)

    def restore(self, name: str) -> None:
        refuse = self.config.refuse
        self.config = Config.parse(self.dialect, self.config.hostname, self.files[name])
        self.config.refuse = refuse
        self.save()


class Session:
    """One shell: mode (exec / config), the current view, and a pending yes/no question."""

    def __init__(self, device: Device, process: asyncssh.SSHServerProcess):
        self.d = device
        self.p = process
        self.config_mode = False
        self.view: str | None = None
        self.pending: tuple[str, str] | None = None  # (action, argument) waiting for Y/N
        self.paging = True  # as on a device: long output stops at a More prompt until paging is off
        self.more: list[str] | None = None  # the lines still to show after a More prompt
        self.candidate: Config | None = None  # VRPv8: this session's uncommitted configuration

    def target(self) -> Config:
        return self.candidate if self.candidate is not None else self.d.config

    def dirty(self) -> bool:
        return self.candidate is not None and self.candidate.text() != self.d.config.text()

    def open_candidate(self) -> None:
        self.candidate = Config.parse(self.d.dialect, self.d.config.hostname, self.d.config.text())
        self.candidate.refuse = self.d.config.refuse

    def commit(self) -> bool:
        """VRPv8 `commit`: the candidate becomes the running config, all or nothing."""
        assert self.candidate is not None
        text = self.candidate.text()
        if any(re.search(r, text, re.MULTILINE) for r in self.d.refuse_commit):
            self.write("Error: Failed to generate committed config. The hardware resources are insufficient.\n")
            return False
        self.d.config = Config.parse(self.d.dialect, self.candidate.hostname, text)
        self.d.config.refuse = self.candidate.refuse
        self.d.save()
        self.open_candidate()
        return True

    def leave_config(self) -> None:
        if self.dirty():  # VRPv8 asks before dropping what was not committed
            self.pending = ("uncommitted", "")
            self.write("Warning: Uncommitted configurations found. Are you sure to commit them before exiting? "
                       "[Y(yes)/N(no)/C(cancel)]:")
            return
        self.config_mode, self.view, self.candidate = False, None, None

    def prompt(self) -> str:
        h = self.d.config.hostname
        if self.d.dialect == "huawei":
            if not self.config_mode:
                return f"<{h}>"
            if self.d.two_stage:  # VRPv8: [~sw1] nothing to commit, [*sw1] uncommitted changes
                h = ("*" if self.dirty() else "~") + h
            if self.view is None:
                return f"[{h}]"
            return f"[{h}-{self.view.split()[-1] if self.view.startswith('interface ') else self.view.replace(' ', '-')}]"
        if not self.config_mode:
            return f"{h}#"
        if self.view is None:
            return f"{h}(config)#"
        return f"{h}(config-{'if' if self.view.startswith('interface ') else 'sub'})#"

    def write(self, text: str) -> None:
        self.p.stdout.write(text.replace("\r\n", "\n").replace("\n", "\r\n"))

    def handle(self, line: str) -> None:
        cmd = line.strip()
        if self.pending:
            action, arg = self.pending
            self.pending = None
            if action == "uncommitted":
                answer = cmd.lower()[:1]
                if answer == "c":
                    return
                if answer == "y" and not self.commit():
                    return
                self.config_mode, self.view, self.candidate = False, None, None
                return
            if cmd.lower().startswith("y"):
                self.write(self.confirmed(action, arg))
            else:
                self.write("Info: Operation cancelled.\n")
            return
        if not cmd:
            return
        if cmd in NO_PAGING:
            self.paging = False
        if cmd in QUIET:
            if cmd.startswith("screen-length"):
                self.write("Info: The configuration takes effect on the current user terminal interface only.\n")
            return
        if self.config_mode:
            self.configure(cmd)
            return
        if cmd == CONFIG_ENTER[self.d.dialect]:
            self.config_mode, self.view = True, None
            if self.d.two_stage:
                self.open_candidate()
            if self.d.dialect != "huawei":
                self.write("Enter configuration commands, one per line.  End with CNTL/Z.\n")
            return
        if cmd in ("exit", "quit", "logout"):
            self.p.exit(0)
            return
        self.page(self.exec_command(cmd))

    def page(self, text: str) -> None:
        lines = text.split("\n")
        if not self.paging or len(lines) <= PAGE_LINES:
            self.write(text)
            return
        self.write("\n".join(lines[:PAGE_LINES]) + "\n" + MORE[self.d.dialect])
        self.more = lines[PAGE_LINES:]

    def more_key(self, key: str) -> None:
        """A key at the More prompt: space shows the next page, anything else (q, Ctrl-C) stops."""
        rest, self.more = self.more or [], None
        self.write("\r" + " " * len(MORE[self.d.dialect]) + "\r")
        if key == " ":
            self.page("\n".join(rest))
        else:
            self.write("\n")

    def configure(self, cmd: str) -> None:
        dialect = self.d.dialect
        if cmd == CONFIG_LEAVE[dialect] or cmd == "end":
            self.leave_config()
            return
        if cmd.startswith("!") and dialect != "huawei":
            return  # a comment line: IOS and NX-OS accept and ignore it
        if cmd in ("exit", "quit"):
            if self.view is None:
                self.leave_config()
                return
            self.view = None
            return
        if dialect == "huawei" and cmd == "commit" and self.d.two_stage:
            self.commit()
            return
        if dialect == "huawei" and cmd == "commit":
            # VRP V200R (S series) applies each line at once; only VRPv8 has a two-stage commit.
            self.write("            ^\nError: Unrecognized command found at '^' position.\n")
            return
        if cmd.startswith(("do ", "display ")) and dialect != "huawei" or cmd.startswith("display "):
            self.write(self.exec_command(cmd.removeprefix("do ")))
            return
        try:
            self.view = self.target().apply(self.view, cmd)
        except CommandError as exc:
            self.write(("                    ^\n" if dialect != "huawei" else "   ^\n") + str(exc) + "\n")
            return
        if self.candidate is None:  # VRPv5, IOS, NX-OS: each line takes effect at once
            self.d.save()

    def exec_command(self, cmd: str) -> str:
        d = self.d
        dialect = d.dialect
        out = (shows.huawei if dialect == "huawei" else shows.cisco)(cmd, d.config, d.live())
        if out is not None:
            return out
        words = cmd.split()
        if dialect == "ios":
            out = ios_flash.command(cmd, d.config, d.flash, d.config.apply)
            if out is not None:
                d.save()
                return out
        if dialect == "huawei":
            if words[0] == "save":
                self.pending = ("save", words[1] if len(words) > 1 else "vrpcfg.zip")
                return (f"Warning: The current configuration will be written to flash:/{self.pending[1]}.\n"
                        "Are you sure to continue?[Y/N]:")
            if words[0] == "dir" and len(words) == 2:
                name = words[1].split("/")[-1].removeprefix("flash:")
                if name in d.files:
                    return (f"Directory of flash:/\n\n  Idx  Attr     Size(Byte)  Date        Time(LMT)  FileName\n"
                            f"    0  -rw-{len(d.files[name]):>15}  Dec 04 2026 01:00:00   {name}\n")
                return "Error: No file found in flash:/.\n"
            if words[:3] == ["delete", "/unreserved", "/quiet"]:
                d.files.pop(words[3], None)
                d.save()
                return ""
            if words[:4] == ["rollback", "configuration", "to", "file"]:
                self.pending = ("rollback", words[4])
                return "Warning: All the configurations will be rolled back. Continue? [Y/N]:"
            if words[:3] == ["display", "system", "file-md5"]:
                text = d.files.get(words[3], "")
                return f"{words[3]}  {hashlib.md5(text.encode()).hexdigest()}\n"
            return "            ^\nError: Unrecognized command found at '^' position.\n"
        if words[:2] == ["checkpoint", "file"]:
            d.files[words[2]] = d.config.text()
            d.save()
            return "Done\n"
        if words[0] == "dir" and len(words) == 2:
            name = words[1].split(":")[-1]
            if name in d.files:
                return f"      {len(d.files[name])}    Dec 04 01:00:00 2026  {name}\n\nUsage for bootflash://sup-local\n"
            return "No such file or directory\n"
        if words[:3] == ["rollback", "running-config", "file"]:
            name = words[3].split(":")[-1]
            if name not in d.files:
                return "Rollback failed.\n"
            d.restore(name)
            return "Note: Applying config parallelly may fail Rollback verification\nCollecting Running-Config\n" \
                   "#Generating Rollback Patch\nExecuting Rollback Patch\nRollback completed successfully.\n"
        if cmd in ("copy running-config startup-config", "copy run start"):
            d.files["startup-config"] = d.config.text()
            d.save()
            return "[########################################] 100%\nCopy complete.\n"
        return ("                    ^\n% Invalid command at '^' marker.\n" if dialect == "nxos"
                else "                    ^\n% Invalid input detected at '^' marker.\n")

    def confirmed(self, action: str, arg: str) -> str:
        d = self.d
        if action == "save":
            d.files[arg] = d.config.text()
            d.save()
            return "Now saving the current configuration to the slot 0.\nInfo: Save the configuration successfully.\n"
        if arg not in d.files:
            return "Error: The file does not exist.\n"
        d.restore(arg)
        return "Info: Configuration rollback succeeded.\n"


async def _shell(device: Device, process: asyncssh.SSHServerProcess) -> None:
    s = Session(device, process)
    if device.dialect == "huawei":
        s.write("\nInfo: The max number of VTY users is 10, the number of current VTY users online is 1.\n")
    s.write("\n" + s.prompt())
    buf = ""
    skip_lf = False
    try:
        while not process.stdin.at_eof():
            chunk = await process.stdin.read(1024)
            if not chunk:
                break
            for ch in chunk:
                if s.more is not None:  # at a More prompt: a key, not a line, and no echo
                    s.more_key(ch)
                    if s.more is None:
                        s.write(s.prompt())
                    continue
                if ch == "\n" and skip_lf:
                    skip_lf = False
                    continue
                skip_lf = ch == "\r"
                if ch in "\r\n":
                    process.stdout.write("\r\n")
                    s.handle(buf)
                    buf = ""
                    # VRPv8's commit question ends the line itself: no prompt until it is answered
                    if s.more is None and not (s.pending and s.pending[0] == "uncommitted"):
                        s.write(s.prompt())
                elif ch in "\x7f\b":
                    buf = buf[:-1]
                else:
                    buf += ch
                    process.stdout.write(ch)  # echo, as a terminal does
    except (asyncssh.BreakReceived, asyncssh.TerminalSizeChanged, BrokenPipeError, ConnectionError):
        pass
    process.exit(0)


class _Server(asyncssh.SSHServer):
    def __init__(self, device: Device):
        self.device = device

    def begin_auth(self, username: str) -> bool:
        return True

    def password_auth_supported(self) -> bool:
        return True

    def validate_password(self, username: str, password: str) -> bool:
        return username == self.device.data["user"] and password == self.device.data["password"]


async def main(device_file: str, live_file: str, port_file: str) -> None:
    device = Device(Path(device_file), Path(live_file))
    key = asyncssh.generate_private_key("ssh-ed25519")
    scp = {}
    if device.dialect == "ios":  # NAPALM's ios driver copies the candidate into flash by SCP
        (device.flash / "flash:").mkdir(parents=True, exist_ok=True)
        scp = {"allow_scp": True, "sftp_factory": lambda chan: asyncssh.SFTPServer(chan, chroot=str(device.flash))}
    server = await asyncssh.create_server(
        lambda: _Server(device), "127.0.0.1", 0, server_host_keys=[key],
        process_factory=lambda p: _shell(device, p), line_editor=False, encoding="utf-8", **scp)
    port = server.sockets[0].getsockname()[1]
    tmp = Path(port_file + ".tmp")
    tmp.write_text(str(port))
    tmp.replace(port_file)
    await asyncio.Event().wait()


if __name__ == "__main__":
    asyncio.run(main(*sys.argv[1:4]))
