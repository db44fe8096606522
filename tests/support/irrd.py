"""A real, throw-away IRRd 4.5 for integration tests (bgpq4 talks to it over whois on 127.0.0.1).

Why a real IRRd and not a mock: bgpq4's behaviour depends on the server (``!a`` support, how
``SOURCE::`` and ``!s`` are handled, how loops and ``mbrs-by-ref`` resolve). Only the real thing tells
us the truth. The recipe (and the pitfalls handled here) come from the IRRd probe in the project's
research notes:

* IRRd lives in its own venv ``.venv-irrd`` (it pins its own dependency versions); create it with
  ``scripts/setup-irrd.sh``. This module installs nothing.
* PostgreSQL (own cluster, unix socket only) and Redis (unix socket only) are started as direct
  children, so every process is stopped by its recorded PID — no daemonising, no zombies to poll.
* IRRd refuses to run as root unless ``CI`` is set, so it is started with ``CI=true``.
* Start-up race: whois workers that subscribe to the preload channel after the first preload hang
  forever. Work-around: wait until all workers subscribed, publish a reload, then check that N
  simultaneous connections (one per worker) all answer.
* Reload lag: after ``irrd_load_database`` workers serve old data for ~1 s. A sentinel as-set with a
  fresh random member is loaded last; we wait until every worker returns that member.
"""

from __future__ import annotations

import os
import random
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Self

REPO = Path(__file__).resolve().parents[2]
DEFAULT_VENV = REPO / ".venv-irrd"
SETUP_HINT = "run scripts/setup-irrd.sh (creates .venv-irrd with IRRd 4.5.4, installs postgresql/redis/bgpq4)"
WHOIS_WORKERS = 4  # more workers = more memory and a likelier start-up race; 4 is plenty for tests
PRELOAD_COMPLETE_CHANNEL = "irrd-preload-complete-channel"
PRELOAD_RELOAD_CHANNEL = "irrd-preload-reload-channel"


class IrrdUnavailable(RuntimeError):
    """IRRd (or PostgreSQL / Redis) is not installed here; the message says how to install it."""


class IrrdStartError(RuntimeError):
    """Something was installed but did not come up; the message points at the log to read."""


def irrd_venv() -> Path:
    return Path(os.environ.get("IXPCTL_IRRD_VENV", DEFAULT_VENV))


def _pg_bin() -> Path | None:
    candidates = sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=lambda p: int(p.parent.name)
                        if p.parent.name.isdigit() else 0)
    for path in reversed(candidates):
        if (path / "initdb").exists():
            return path
    found = shutil.which("initdb")
    return Path(found).parent if found else None


def missing_prerequisites() -> list[str]:
    """What is missing to run IRRd here (empty list: everything is there)."""
    missing = []
    if not (irrd_venv() / "bin" / "irrd").exists():
        missing.append(f"IRRd venv {irrd_venv()}")
    if _pg_bin() is None:
        missing.append("PostgreSQL server binaries (apt: postgresql)")
    for tool, pkg in (("redis-server", "redis-server"), ("redis-cli", "redis-tools"), ("bgpq4", "bgpq4")):
        if shutil.which(tool) is None:
            missing.append(f"{tool} (apt: {pkg})")
    return missing


def free_port() -> int:
    """An ephemeral TCP port on 127.0.0.1 that was free a moment ago (tiny race; fine for tests)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# --- a minimal IRRd '!' client ------------------------------------------------------------------


def _read_answer(stream) -> bytes:
    """One IRRd answer: ``A<n>`` + n bytes + ``C``, or a single C/D/E/F line."""
    line = stream.readline()
    if not line:
        raise ConnectionError("IRRd closed the connection")
    if line.startswith(b"A"):
        size = int(line[1:].strip())
        data = stream.read(size)
        end = stream.readline()
        if end.strip() == b"":
            end = stream.readline()
        return line + data + end
    return line


def whois_query(port: int, query: str, timeout: float = 5.0) -> bytes:
    """Send one ``!`` query to IRRd on 127.0.0.1:port and return the raw answer."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        stream = sock.makefile("rwb")
        stream.write(b"!!\n" + query.encode() + b"\n")
        stream.flush()
        return _read_answer(stream)


def all_workers_answer(port: int, query: str, expect: str | None, parallel: int, timeout: float) -> bool:
    """Hold ``parallel`` connections open at once (so each lands on its own whois worker) and ask
    each the same query; True when all answer (and contain ``expect``, when given)."""
    socks: list[socket.socket] = []
    try:
        for _ in range(parallel):
            socks.append(socket.create_connection(("127.0.0.1", port), timeout=timeout))
        streams = [s.makefile("rwb") for s in socks]
        for stream in streams:
            stream.write(b"!!\n" + query.encode() + b"\n")
            stream.flush()
        answers = [_read_answer(stream) for stream in streams]
    except (OSError, ConnectionError, ValueError):
        return False
    finally:
        for sock in socks:
            sock.close()
    return expect is None or all(expect.encode() in answer for answer in answers)


# --- RPSL helpers ---------------------------------------------------------------------------------


def split_rpsl_by_source(text: str) -> dict[str, str]:
    """RPSL text → {SOURCE: objects of that source}. ``irrd_load_database`` loads one source at a
    time and rejects objects whose ``source:`` differs, so a mixed file must be split first."""
    out: dict[str, list[str]] = {}
    for block in re.split(r"\n\s*\n", text):
        lines = [ln for ln in block.strip().splitlines() if ln.strip() and not ln.lstrip().startswith(("#", "%"))]
        if not lines:
            continue
        obj = "\n".join(lines)
        match = re.search(r"^source:\s*(\S+)", obj, re.MULTILINE | re.IGNORECASE)
        if not match:
            raise ValueError(f"RPSL object without a source: attribute:\n{obj}")
        out.setdefault(match.group(1).upper(), []).append(obj)
    return {src: "\n\n".join(objs) + "\n" for src, objs in out.items()}


# --- the server -----------------------------------------------------------------------------------


@dataclass
class IrrdServer:
    """PostgreSQL + Redis + IRRd in ``base`` (a temp dir), whois on 127.0.0.1:whois_port.

    Use as a context manager, or call start()/stop(); stop() is safe to call at any point and
    always removes the temp dir unless ``keep`` is set.
    """

    sources: list[str]
    venv: Path = field(default_factory=irrd_venv)
    workers: int = WHOIS_WORKERS
    keep: bool = False
    base: Path | None = None
    whois_port: int = 0
    http_port: int = 0
    pids: dict[str, int] = field(default_factory=dict)
    _procs: dict[str, subprocess.Popen] = field(default_factory=dict)
    _logs: list[IO[bytes]] = field(default_factory=list)

    @property
    def host(self) -> str:
        """What bgpq4 wants after ``-h``."""
        return f"127.0.0.1:{self.whois_port}"

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    # -- start ----------------------------------------------------------------------------------
    def start(self) -> None:
        missing = missing_prerequisites()
        if missing:
            raise IrrdUnavailable("missing: " + "; ".join(missing) + f" — {SETUP_HINT}")
        self.base = Path(tempfile.mkdtemp(prefix="ixpctl-irrd-"))
        try:
            self.base.chmod(0o755)  # PostgreSQL runs as 'postgres' and must traverse it
            for sub in ("log", "redis", "piddir", "gnupg"):
                (self.base / sub).mkdir()
            (self.base / "gnupg").chmod(0o700)
            self._start_postgres()
            self._start_redis()
            self._start_irrd()
        except BaseException:
            self.stop()
            raise

    def _log(self, name: str) -> IO[bytes]:
        """An append handle on log/<name>.log, closed by stop() (it outlives this call)."""
        assert self.base is not None
        handle = (self.base / "log" / f"{name}.log").open("ab")
        self._logs.append(handle)
        return handle

    def _spawn(self, name: str, argv: list[str], **kwargs) -> subprocess.Popen:
        """Start a direct child in its own process group; its PID is recorded for stop()."""
        proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=self._log(name), stderr=subprocess.STDOUT,
                                start_new_session=True, **kwargs)
        self._procs[name] = proc
        self.pids[name] = proc.pid
        return proc

    def _pg_user_kwargs(self) -> dict:
        """PostgreSQL refuses to run as root: drop to 'postgres' when we are root."""
        if os.geteuid() != 0:
            return {}
        return {"user": "postgres", "group": "postgres", "extra_groups": []}

    def _start_postgres(self) -> None:
        pg_bin = _pg_bin()
        assert pg_bin is not None and self.base is not None
        pg_dir, sock_dir = self.base / "pg", self.base / "pgsock"
        pg_dir.mkdir()
        sock_dir.mkdir()
        if os.geteuid() == 0:
            shutil.chown(pg_dir, "postgres", "postgres")
            shutil.chown(sock_dir, "postgres", "postgres")
        subprocess.run([str(pg_bin / "initdb"), "-D", str(pg_dir / "data"), "-A", "trust", "-U", "postgres",
                        "-E", "UTF8", "--no-sync"], check=True, stdin=subprocess.DEVNULL,
                       stdout=self._log("initdb"), stderr=subprocess.STDOUT, cwd=pg_dir,
                       **self._pg_user_kwargs())
        self._spawn("postgres", [
            str(pg_bin / "postgres"), "-D", str(pg_dir / "data"),
            "-c", "listen_addresses=", "-c", f"unix_socket_directories={sock_dir}",
            "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off",
            "-c", "random_page_cost=1.0", "-c", "shared_buffers=64MB",
        ], cwd=pg_dir, **self._pg_user_kwargs())
        self._wait(lambda: subprocess.run([str(pg_bin / "pg_isready"), "-q", "-h", str(sock_dir)],
                                          check=False, stdin=subprocess.DEVNULL).returncode == 0,
                   30, "PostgreSQL", "postgres")
        sql = ("CREATE ROLE irrd WITH LOGIN;\nCREATE DATABASE irrd OWNER irrd;\n\\c irrd\n"
               "CREATE EXTENSION IF NOT EXISTS pgcrypto;\n")
        subprocess.run([str(pg_bin / "psql"), "-q", "-h", str(sock_dir), "-U", "postgres", "-v", "ON_ERROR_STOP=1"],
                       input=sql.encode(), check=True, stdout=self._log("psql"), stderr=subprocess.STDOUT)

    def _start_redis(self) -> None:
        assert self.base is not None
        redis_dir = self.base / "redis"
        self._spawn("redis", [
            "redis-server", "--port", "0", "--unixsocket", str(redis_dir / "redis.sock"),
            "--unixsocketperm", "700", "--save", "", "--appendonly", "no", "--daemonize", "no",
            "--maxmemory", "512mb", "--dir", str(redis_dir),
        ])
        self._wait(lambda: self._redis("PING") == "PONG", 15, "Redis", "redis")

    def _redis(self, *args: str) -> str:
        assert self.base is not None
        res = subprocess.run(["redis-cli", "-s", str(self.base / "redis" / "redis.sock"), *args],
                             check=False, capture_output=True, text=True, stdin=subprocess.DEVNULL)
        return res.stdout.strip()

    def _write_config(self) -> Path:
        assert self.base is not None
        base = self.base
        sources = "".join(f"        {s}:\n            keep_journal: false\n" for s in self.sources)
        config = f"""irrd:
    database_url: 'postgresql://irrd@/irrd?host={base}/pgsock'
    redis_url: 'unix://{base}/redis/redis.sock'
    piddir: {base}/piddir
    server:
        http:
            interface: 127.0.0.1
            port: {self.http_port}
            workers: 1
            url: http://127.0.0.1:{self.http_port}/
        whois:
            interface: 127.0.0.1
            port: {self.whois_port}
            max_connections: {self.workers}
    auth:
        gnupg_keyring: {base}/gnupg
    email:
        from: irrd@example.invalid
        smtp: localhost
    rpki:
        roa_source: null
    sources_default: [{", ".join(self.sources)}]
    sources:
{sources}"""
        path = base / "irrd.yaml"
        path.write_text(config)
        return path

    def _start_irrd(self) -> None:
        assert self.base is not None
        self.whois_port, self.http_port = free_port(), free_port()
        config = self._write_config()
        subprocess.run([str(self.venv / "bin" / "irrd_database_upgrade"), "--config", str(config)], check=True,
                       cwd=self.base, stdin=subprocess.DEVNULL, stdout=self._log("upgrade"),
                       stderr=subprocess.STDOUT)
        # CI=true: IRRd refuses to run as root otherwise ("Running as root is permitted on CI").
        env = {**os.environ, "CI": "true"}
        self._spawn("irrd", [str(self.venv / "bin" / "irrd"), "--foreground", "--config", str(config)],
                    cwd=self.base, env=env)

        def answers_version() -> bool:
            try:
                return b"IRRd" in whois_query(self.whois_port, "!v", timeout=2)
            except OSError:
                return False

        self._wait(answers_version, 60, "IRRd whois", "irrd")
        self._wait_preload(None, None)

    def _wait_preload(self, query: str | None, expect: str | None, timeout: float = 60) -> None:
        """Work around IRRd's worker start-up race (see module docstring), then wait until every
        worker answers ``query`` with ``expect`` in it."""
        want = self.workers + 1  # whois workers + the HTTP worker
        self._wait(lambda: int(self._redis("PUBSUB", "NUMSUB", PRELOAD_COMPLETE_CHANNEL).split()[-1] or 0) >= want,
                   timeout, f"{want} IRRd preload subscribers", "irrd")
        self._redis("PUBLISH", PRELOAD_RELOAD_CHANNEL, "unknown-classes-changed-preload-all")
        self._wait(lambda: all_workers_answer(self.whois_port, query or "!gAS0", expect, self.workers, 2),
                   timeout, "every IRRd whois worker", "irrd")

    def _wait(self, ready, timeout: float, what: str, log: str) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for name, proc in self._procs.items():
                if proc.poll() is not None:
                    raise IrrdStartError(f"{name} exited with {proc.returncode} while waiting for {what}; "
                                         f"see {self.base}/log/{name}.log\n{self._tail(name)}")
            try:
                if ready():
                    return
            except (OSError, ValueError, IndexError):
                pass
            time.sleep(0.1)
        raise IrrdStartError(f"{what} not ready after {timeout:.0f} s; see {self.base}/log/{log}.log\n"
                             f"{self._tail(log)}")

    def _tail(self, name: str, lines: int = 25) -> str:
        assert self.base is not None
        path = self.base / "log" / f"{name}.log"
        if not path.exists():
            return ""
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])

    # -- data -----------------------------------------------------------------------------------
    def load(self, files: Mapping[str, str | Path] | list[str | Path]) -> None:
        """Load RPSL into IRRd, replacing each named source's content, and wait until every whois
        worker serves the new data.

        ``files``: RPSL files (objects are split by their ``source:``), or {SOURCE: file} where the
        whole file goes to that source. Every source loaded must be one of ``self.sources``.
        """
        assert self.base is not None
        per_source: dict[str, list[str]] = {}
        paths = files.items() if isinstance(files, Mapping) else [(None, f) for f in files]
        for source, path in paths:
            text = Path(path).read_text()
            parts = {source.upper(): text} if source else split_rpsl_by_source(text)
            for src, objs in parts.items():
                if src not in self.sources:
                    raise ValueError(f"{path}: source {src} is not configured in this IRRd ({self.sources})")
                per_source.setdefault(src, []).append(objs)
        nonce = random.randint(1, 4_000_000_000)
        last = list(per_source)[-1]
        sentinel = f"AS-IXPCTL-SENTINEL-{last}"
        per_source[last].append(f"as-set: {sentinel}\nmembers: AS{nonce}\nmnt-by: MNT-IXPCTL\nsource: {last}\n")
        for src, chunks in per_source.items():
            path = self.base / f"load-{src}.rpsl"
            path.write_text("\n\n".join(chunks) + "\n")
            res = subprocess.run([str(self.venv / "bin" / "irrd_load_database"), "--config",
                                  str(self.base / "irrd.yaml"), "--source", src, str(path)],
                                 cwd=self.base, check=False, capture_output=True, text=True,
                                 stdin=subprocess.DEVNULL)
            if res.returncode != 0:
                raise IrrdStartError(f"irrd_load_database {src} {path} failed:\n{res.stdout}\n{res.stderr}")
        self._wait_preload(f"!i{sentinel}", f"AS{nonce}")

    # -- stop -----------------------------------------------------------------------------------
    def stop(self) -> None:
        """Stop IRRd, Redis and PostgreSQL by their recorded PIDs (SIGTERM / SIGINT = fast shutdown,
        then SIGKILL to the process group after a grace period) and remove the temp dir."""
        for name, sig in (("irrd", signal.SIGTERM), ("redis", signal.SIGTERM), ("postgres", signal.SIGINT)):
            proc = self._procs.pop(name, None)
            if proc is not None:
                _terminate(proc, sig)
        for handle in self._logs:
            handle.close()
        self._logs.clear()
        if self.base is not None and not self.keep:
            shutil.rmtree(self.base, ignore_errors=True)


def _terminate(proc: subprocess.Popen, sig: int, grace: float = 15) -> None:
    """Signal one recorded child, wait until it has exited, then SIGKILL whatever is left of its
    process group (e.g. IRRd workers). The child is reaped only at the very end, so its PID (and
    with it the process-group id) cannot have been reused by an unrelated process meanwhile."""
    if proc.returncode is None:
        try:
            os.kill(proc.pid, sig)
        except ProcessLookupError:
            pass
        deadline = time.monotonic() + grace
        while time.monotonic() < deadline and not _exited(proc.pid):
            time.sleep(0.05)
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
    proc.wait(timeout=10)


def _exited(pid: int) -> bool:
    """True when the child has exited (without reaping it: WNOWAIT)."""
    try:
        info = os.waitid(os.P_PID, pid, os.WEXITED | os.WNOHANG | os.WNOWAIT)
    except ChildProcessError:
        return True
    return info is not None and info.si_pid == pid


# --- pytest fixture -------------------------------------------------------------------------------

FIXTURES = REPO / "tests" / "fixtures" / "irr"
TEST_SOURCES = ["TEST", "ALT", "RIPE", "AFRINIC"]
TEST_DATA = [FIXTURES / "fixture.rpsl", REPO / "examples" / "mlix" / "irr.rpsl"]

try:
    import pytest
except ImportError:  # the module is also used by scripts outside pytest
    pytest = None  # type: ignore[assignment]

if pytest is not None:

    @pytest.fixture(scope="session")
    def irrd_server() -> Iterator[IrrdServer]:
        """A running IRRd with tests/fixtures/irr/fixture.rpsl (sources TEST, ALT) and the MLIX
        example data (RIPE, AFRINIC). Skips when IRRd is not installed, unless
        IXPCTL_REQUIRE_IRRD=1 (CI sets it, so CI cannot silently skip)."""
        missing = missing_prerequisites()
        if missing:
            message = "IRRd integration tests need: " + "; ".join(missing) + f" — {SETUP_HINT}"
            if os.environ.get("IXPCTL_REQUIRE_IRRD") == "1":
                pytest.fail(message)
            pytest.skip(message)
        server = IrrdServer(sources=TEST_SOURCES, keep=os.environ.get("IXPCTL_KEEP_IRRD") == "1")
        try:
            server.start()
            server.load(TEST_DATA)
            yield server
        finally:
            server.stop()

    @pytest.fixture(scope="session")
    def irrd_host(irrd_server: IrrdServer) -> str:
        """``127.0.0.1:<port>`` of the session's IRRd, as bgpq4's ``-h`` wants it."""
        return irrd_server.host
