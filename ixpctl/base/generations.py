"""Build outputs as generations: everything one build writes becomes visible in one rename.

A build (``ixpctl build``, ``ixpctl switch build``) writes several files that belong together: the
route-server configs, their intents and the manifest that vouches for them, the switch configs.
Replacing them one rename at a time let a kill between two renames leave ``rs1.conf`` new and
``manifest.json`` old. So the output directory looks like this::

    <out>/.lock                      held (fcntl) by the build writing: a second one fails at once
    <out>/.generations/000042/       one complete build
    <out>/.generations/000043.tmp/   a build being written; a dead build's is removed by the next one
    <out>/current -> .generations/000042    replaced by one rename(2): the switch
    <out>/rs1.conf -> current/rs1.conf      the paths people and tools open, as before
    <out>/manifest.json -> current/manifest.json, <out>/switch -> current/switch, ...

Every visible name resolves through ``current``, so a reader sees one generation, old or new, at
any moment of a build and after a SIGKILL at any point. Files the build does not write (rs2's
when building ``--rs rs1``, the switch configs during a route-server build) are carried over from
the current generation as hard links (no copy, no space). The newest few generations are kept
(a deploy reading the previous one keeps its files); older ones are removed.

A reader that opens several files of one build (deploy: a config and the manifest) resolves one
of them and reads the others from the same generation (:func:`generation_of`).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

from ..errors import BuildError, InputError

GENERATIONS = ".generations"
CURRENT = "current"
LOCK = ".lock"
KEEP = 3  # generations kept: the current one and the two before it
_LEGACY_STAGING = ".ixpctl-build-"  # the staging directories of ixpctl before generations


class Generation:
    """The staging directory of one build; :meth:`commit` switches it in."""

    def __init__(self, out_dir: Path, staging: Path, previous: Path | None) -> None:
        self.out_dir = out_dir
        self.path = staging  # write the build's files here
        self.previous = previous  # the current generation when the build started, if any

    def commit(self) -> Path:
        """Carry over what this build did not write, then make it the current generation."""
        gens = self.out_dir / GENERATIONS
        if self.previous is not None:
            _carry(self.previous, self.path)
        self.path.chmod(0o755)  # 0700 while written; files holding secrets are 0600 themselves
        # The rename and the symlink are fsynced below; without the files' own data on disk first, a
        # power cut right after the switch could leave `current` naming empty or short configs.
        _fsync_tree(self.path)
        final = gens / self.path.name.removesuffix(".tmp")
        os.rename(self.path, final)
        _fsync_dir(gens)
        _replace_symlink(self.out_dir / CURRENT, f"{GENERATIONS}/{final.name}")  # the switch
        _fsync_dir(self.out_dir)
        _publish_names(self.out_dir, final)
        _prune(gens, final)
        return final


@contextlib.contextmanager
def new_generation(out_dir: Path) -> Iterator[Generation]:
    """Lock ``out_dir`` and give the build a staging directory; on leaving without commit (an
    error, a refusal) the staging directory is removed and the output directory is as it was.
    OSError while writing (a full disk, permissions) becomes a BuildError quoting the system."""
    out_dir = Path(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise InputError.at("the output directory is a file", out_dir,
                            fix="pass -o a directory (it is created if missing), or move the file away")
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        lock = _lock(out_dir)
    except OSError as err:
        raise _write_error(out_dir, err) from None
    staging: Path | None = None
    try:
        gens = out_dir / GENERATIONS
        gens.mkdir(exist_ok=True)
        remove_dead_staging(out_dir)  # we hold the lock: no build is writing them
        staging = gens / f"{_next_id(gens)}.tmp"
        staging.mkdir(mode=0o700)
        yield Generation(out_dir, staging, current_generation(out_dir))
    except OSError as err:
        raise _write_error(out_dir, err) from None
    finally:
        if staging is not None and staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
        os.close(lock)


def current_generation(out_dir: Path) -> Path | None:
    """The directory ``<out>/current`` points to, or None (no generation yet, or an old layout)."""
    link = Path(out_dir) / CURRENT
    if not link.is_symlink():
        return None
    target = link.resolve()
    return target if target.is_dir() else None


def generation_of(path: Path) -> Path:
    """The directory a visible build file lives in, resolved once: read a build's other files
    from there, so that they come from the same build even if another one switches in meanwhile."""
    return Path(path).resolve().parent


def remove_dead_staging(out_dir: Path) -> list[Path]:
    """Staging directories of builds that died (SIGKILL, power loss); call with the lock held."""
    dead = [p for p in (Path(out_dir) / GENERATIONS).glob("*.tmp")]
    dead += [p for p in Path(out_dir).glob(f"{_LEGACY_STAGING}*") if p.is_dir()]
    for path in dead:
        shutil.rmtree(path, ignore_errors=True)
    return dead


def _lock(out_dir: Path) -> int:
    fd = os.open(out_dir / LOCK, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        raise BuildError(f"another build is writing {out_dir} (it holds {out_dir / LOCK}); nothing was changed",
                         fix="wait for it to finish and build again; builds into one directory run one at a "
                             "time (the lock goes away with the process that held it)") from None
    return fd


def _next_id(gens: Path) -> str:
    """One more than any generation there is (complete or not), so names sort in build order."""
    numbers = [int(p.name.removesuffix(".tmp")) for p in gens.iterdir() if p.name.removesuffix(".tmp").isdigit()]
    return f"{max(numbers, default=0) + 1:06d}"


def _carry(previous: Path, staging: Path) -> None:
    """Hard-link into ``staging`` every file of ``previous`` the build did not write itself."""
    for src in previous.rglob("*"):
        if src.is_dir() or src.is_symlink():
            continue
        dst = staging / src.relative_to(previous)
        if dst.exists():
            continue
        dst.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.link(src, dst)  # same inode: a file is never written again once in a generation
        except OSError:
            shutil.copy2(src, dst)


def _replace_symlink(link: Path, target: str) -> None:
    tmp = link.with_name(f".{link.name}.{os.getpid()}.tmp")
    with contextlib.suppress(FileNotFoundError):
        tmp.unlink()
    os.symlink(target, tmp)
    try:
        os.replace(tmp, link)
    except IsADirectoryError:  # the layout before generations had a real directory here (switch/)
        aside = link.parent / GENERATIONS / f"old-{link.name}-{os.getpid()}.tmp"
        os.rename(link, aside)
        os.replace(tmp, link)
        shutil.rmtree(aside, ignore_errors=True)
    except OSError:
        tmp.unlink(missing_ok=True)
        raise


def _publish_names(out_dir: Path, generation: Path) -> None:
    """Each top-level name of the generation as ``<out>/name -> current/name``; links to names the
    generation no longer has are removed. Files of the layout before generations are replaced."""
    names = {p.name for p in generation.iterdir()}
    for name in sorted(names):
        link = out_dir / name
        if not (link.is_symlink() and os.readlink(link) == f"{CURRENT}/{name}"):
            _replace_symlink(link, f"{CURRENT}/{name}")
    for link in out_dir.iterdir():
        if link.is_symlink() and os.readlink(link).startswith(f"{CURRENT}/") and link.name not in names:
            link.unlink()


def _prune(gens: Path, current: Path) -> None:
    complete = sorted(p for p in gens.iterdir() if p.name.isdigit() and p != current)
    for old in complete[:max(0, len(complete) - (KEEP - 1))]:
        shutil.rmtree(old, ignore_errors=True)


def _fsync_tree(root: Path) -> None:
    """fsync every file and directory under ``root`` (a staging directory: a few dozen files)."""
    for dirpath, _dirs, files in os.walk(root):
        for name in files:
            path = os.path.join(dirpath, name)
            if os.path.islink(path):
                continue
            fd = os.open(path, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
        _fsync_dir(Path(dirpath))


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write_error(out_dir: Path, err: OSError) -> BuildError:
    where = f": {err.filename}" if err.filename else ""
    return BuildError(f"cannot write the build in {out_dir}: {err.strerror or err}{where}; nothing was changed "
                      "(the previous build, if any, is still the current one)",
                      fix="free space or fix the permissions of the output directory, then build again")
