#!/usr/bin/env python3
"""Re-write ``lab/conformance/snapshot/manifest.json`` after a hand edit of the snapshot's files.

The conformance snapshot is hand-made (there is no IRR, PeeringDB or validator behind it): edit
``irr.json``, ``rpki.json`` or ``peeringdb.json`` (format 2, one entry per line, see
ixpctl/sources/snapshot.py), then run this so the manifest's hashes match again; a build refuses a
snapshot whose files do not match their hashes. The files themselves are left exactly as written.

    .venv/bin/python lab/conformance/rehash_snapshot.py
"""

from __future__ import annotations

import hashlib
import json
import sys
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1]))

from ixpctl.sources.snapshot import MANIFEST, SOURCES, data_sha256, read_snapshot
from ixpctl.sources.snapshot_write import build_manifest

CREATED = datetime(2026, 11, 23, tzinfo=UTC)  # fixed: a re-hash without data changes is a no-op diff


def main(directory: Path = HERE / "snapshot") -> None:
    texts = {f"{s}.json": (directory / f"{s}.json").read_text(encoding="utf-8") for s in SOURCES}
    provenance = {s: {"source": s, "origin": f"hand-made: {directory.relative_to(HERE.parents[1])}/{s}.json",
                      "fetched_at": "2026-11-23T00:00:00Z", "sha256": data_sha256(json.loads(texts[f'{s}.json'])),
                      "detail": {}} for s in SOURCES}
    # a manifest without hashes first, so read_snapshot can decode the files (it checks hashes)
    draft = {"format": 2, "sources": {s: {"file": f"{s}.json", "provenance": provenance[s],
                                          "sha256": hashlib.sha256(texts[f"{s}.json"].encode()).hexdigest()}
                                      for s in SOURCES}}
    (directory / MANIFEST).write_text(json.dumps(draft))
    facts = read_snapshot(directory)
    manifest = build_manifest(facts, texts, now=CREATED)
    (directory / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")
    print(f"{directory / MANIFEST}: " + ", ".join(f"{s} {manifest['sources'][s]['entries']}" for s in SOURCES))


if __name__ == "__main__":
    main()
