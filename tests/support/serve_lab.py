"""The served lab: ixpctl serve (real uvicorn on 127.0.0.1) reading the lab's real route servers, with
filtered routes a member really announces (AS64496, ExaBGP): a bogon and a too-long prefix,
withdrawn again when the module is done."""

from __future__ import annotations

import time

import pytest

from ixpctl.lab.model import Announcement, parse_path
from ixpctl.serve.service import Service
from tests.support.serve import lab_sources, mlix_config, running

BAD = {"10.99.0.0/16": "bogon", "198.18.40.0/25": "prefix_length"}


@pytest.fixture(scope="module")
def served(lab):
    speaker = lab.speaker(64496)
    speaker.announce([Announcement(p, parse_path([64496])) for p in BAD])
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            got = {r.prefix for r in lab.rs("rs1").routes(protocol="AS64496_1_v4", filtered=True)}
            if set(BAD) <= got:
                break
            time.sleep(0.3)
        service = Service.start(mlix_config(lab_sources(lab)))
        try:
            with running(service) as base:
                yield service, base
        finally:
            service.close()
    finally:
        speaker.withdraw(list(BAD))
