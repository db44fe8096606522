"""pytest fixtures for the PeeringDB source: a local PeeringDB server and settings pointing at it.

Import the fixtures where they are used (``from tests.support.pdb_fixtures import pdb_server``) or
list them in tests/conftest.py. Servers bind 127.0.0.1 on an ephemeral port and always stop, also
when the test fails.
"""

from __future__ import annotations

import shutil
import socket
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from ixpctl.inventory.sources_config import PeeringDBSource

from .pdb_server import PdbServer

REPO = Path(__file__).resolve().parents[2]
MLIX_PDB = REPO / "examples" / "mlix" / "peeringdb"
MLIX_INVENTORY = REPO / "inventory" / "mlix.yml"
MLIX_IX_ID = 1


def pdb_settings(server: PdbServer, *, cache: bool = True, timeout: int = 10,
                 api_key_env: str = "IXPCTL_TEST_PDB_KEY") -> PeeringDBSource:
    """Settings for ``server``: cache mode (fast full syncs from /<tag>-0.json) or API mode."""
    return PeeringDBSource(url=server.api_url, cache_url=server.base_url if cache else "",
                           timeout=timeout, api_key_env=api_key_env)


def closed_port() -> int:
    """A 127.0.0.1 port nobody listens on (bound, then released), for connection-refused tests."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def pdb_server() -> Iterator[PdbServer]:
    """A fresh server on the MLIX fixture (its own overlay, failures and request log)."""
    with PdbServer(MLIX_PDB) as server:
        yield server


@pytest.fixture(scope="session")
def _migrated_empty_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An empty, fully migrated client database, made once: Django's migrations take ~1.5 s."""
    from ixpctl.sources.peeringdb import DB_FILE, sync

    from .pdb_server import TAGS

    empty = tmp_path_factory.mktemp("pdb-empty-fixture")
    for tag in TAGS:
        (empty / f"{tag}.json").write_text('{"data": []}')
    db_dir = tmp_path_factory.mktemp("pdb-template")
    with PdbServer(empty) as server:
        sync(pdb_settings(server), db_dir=db_dir)
    return db_dir / DB_FILE


@pytest.fixture
def fresh_db_dir(tmp_path: Path, _migrated_empty_db: Path) -> Callable[[], Path]:
    """Make a never-synced cache directory holding an empty migrated database (saves the migrations).

    The client sees empty tables, exactly as on a first run, so the sync is still a full one.
    """
    from ixpctl.sources.peeringdb import DB_FILE

    def make(name: str = "pdb") -> Path:
        db_dir = tmp_path / name
        db_dir.mkdir()
        shutil.copyfile(_migrated_empty_db, db_dir / DB_FILE)
        return db_dir

    return make


@pytest.fixture(scope="session")
def mlix_pdb_cache(tmp_path_factory: pytest.TempPathFactory, _migrated_empty_db: Path) -> Iterator[Path]:
    """A cache synced once per session from the MLIX fixture, for read-only lookups."""
    from ixpctl.sources.peeringdb import DB_FILE, sync

    db_dir = tmp_path_factory.mktemp("mlix-pdb")
    shutil.copyfile(_migrated_empty_db, db_dir / DB_FILE)
    with PdbServer(MLIX_PDB) as server:
        sync(pdb_settings(server), db_dir=db_dir)
    yield db_dir
