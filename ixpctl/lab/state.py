"""What a lab run created, recorded BEFORE/AS it is created, so ``down`` removes exactly that.

Namespaces are deleted by recorded name; processes are stopped by recorded PID, and only when the
PID still belongs to the process we started (same start time in /proc), never by name patterns.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import subprocess
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

PREFIX = "ixl-"


def lab_base() -> Path:
    return Path(os.environ.get("IXPCTL_LAB_DIR", "/tmp/ixpctl-lab"))


def new_run_id() -> str:
    return secrets.token_hex(2)


def _start_time(pid: int) -> str | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return stat.rsplit(")", 1)[1].split()[19]  # field 22: starttime


@dataclass
class ProcessRecord:
    name: str
    pid: int
    ns: str
    argv: list[str]
    log: str
    start: str | None = None


@dataclass
class LabState:
    run_id: str
    run_dir: str
    namespaces: list[str] = field(default_factory=list)
    processes: list[ProcessRecord] = field(default_factory=list)
    info: dict = field(default_factory=dict)  # topology: nodes, sockets, addresses (for verify/test)

    @property
    def path(self) -> Path:
        return Path(self.run_dir) / "state.json"

    def save(self) -> None:
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps(asdict(self), indent=1))
        os.replace(tmp, self.path)

    @classmethod
    def load(cls, path: Path) -> LabState:
        data = json.loads(Path(path).read_text())
        data["processes"] = [ProcessRecord(**p) for p in data["processes"]]
        return cls(**data)

    @classmethod
    def create(cls, base: Path | None = None) -> LabState:
        base = base or lab_base()
        run_id = new_run_id()
        run_dir = base / run_id
        run_dir.mkdir(parents=True, exist_ok=False)
        state = cls(run_id, str(run_dir))
        state.save()
        (base / "current").write_text(run_id + "\n")
        return state

    def ns_name(self, label: str) -> str:
        return f"{PREFIX}{self.run_id}-{label}"

    # --- namespaces --------------------------------------------------------------------------
    def add_namespace(self, label: str) -> str:
        name = self.ns_name(label)
        self.namespaces.append(name)
        self.save()  # recorded before it exists: a crash right after still cleans it up
        run(["ip", "netns", "add", name])
        run(["ip", "-n", name, "link", "set", "lo", "up"])
        return name

    # --- processes ---------------------------------------------------------------------------
    def spawn(self, name: str, ns: str, argv: list[str], env: dict[str, str] | None = None,
              cwd: str | None = None) -> ProcessRecord:
        """Start ``argv`` inside ``ns``. ``ip netns exec`` execs in place: the PID is the daemon's."""
        log = str(Path(self.run_dir) / f"{name}.log")
        full = ["ip", "netns", "exec", ns, *argv]
        with open(log, "ab") as fh:
            proc = subprocess.Popen(full, stdout=fh, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                    env={**os.environ, **(env or {})}, cwd=cwd, start_new_session=True)
        rec = ProcessRecord(name, proc.pid, ns, full, log, None)
        self.processes.append(rec)
        self.save()
        for _ in range(50):  # start time is readable once the process exists
            rec.start = _start_time(proc.pid)
            if rec.start:
                break
            time.sleep(0.01)
        self.save()
        return rec

    def adopt_pid(self, name: str, ns: str, pid: int, argv: list[str]) -> None:
        """Record a process started by one of ours (e.g. ExaBGP's API helper)."""
        self.processes.append(ProcessRecord(name, pid, ns, argv, "", _start_time(pid)))
        self.save()

    def alive(self, rec: ProcessRecord) -> bool:
        return rec.start is not None and _start_time(rec.pid) == rec.start

    def down(self, timeout: float = 5.0) -> list[str]:
        """Stop every recorded process, delete every recorded namespace. Returns what was done."""
        done: list[str] = []
        live = [r for r in self.processes if self.alive(r)]
        for rec in live:
            _signal(rec, signal.SIGTERM, "stopped", done)
        deadline = time.monotonic() + timeout
        while live and time.monotonic() < deadline:
            live = [r for r in live if self.alive(r)]
            for r in live:
                try:  # reap our own children so they do not linger as zombies
                    os.waitpid(r.pid, os.WNOHANG)
                except ChildProcessError:
                    pass
            live = [r for r in live if self.alive(r) and not _zombie(r.pid)]
            if live:
                time.sleep(0.05)
        for rec in live:
            _signal(rec, signal.SIGKILL, "killed", done)
        existing = set(list_namespaces())
        for ns in reversed(self.namespaces):
            if ns in existing:
                subprocess.run(["ip", "netns", "del", ns], check=False, capture_output=True)
                done.append(f"deleted netns {ns}")
        self.info["down"] = True
        # A second `down` (the atexit hook after an explicit one) may find the run directory removed
        # already, e.g. by a test's temporary-directory cleanup: there is nothing left to record.
        if Path(self.run_dir).is_dir():
            self.save()
        current = Path(self.run_dir).parent / "current"
        if current.exists() and current.read_text().strip() == self.run_id:
            current.unlink()
        return done


def _signal(rec: ProcessRecord, sig: int, verb: str, done: list[str]) -> None:
    """Send ``sig`` to a recorded process; note it in ``done`` unless the process is already gone."""
    try:
        os.kill(rec.pid, sig)
        done.append(f"{verb} {rec.name} (pid {rec.pid})")
    except ProcessLookupError:
        pass


def _zombie(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except OSError:
        return False


def list_namespaces() -> list[str]:
    out = subprocess.run(["ip", "netns", "list"], check=False, capture_output=True, text=True).stdout
    return [line.split()[0] for line in out.splitlines() if line.strip()]


def run(argv: list[str], **kw) -> subprocess.CompletedProcess:
    proc = subprocess.run(argv, check=False, capture_output=True, text=True, **kw)
    if proc.returncode != 0:
        from ..errors import IxpctlError
        raise IxpctlError(f"`{' '.join(argv)}` failed: {proc.stderr.strip() or proc.stdout.strip()}")
    return proc


def current_state(base: Path | None = None) -> LabState | None:
    base = base or lab_base()
    cur = base / "current"
    if not cur.exists():
        return None
    path = base / cur.read_text().strip() / "state.json"
    return LabState.load(path) if path.exists() else None
