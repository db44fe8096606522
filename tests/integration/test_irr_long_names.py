"""Long AS-SET names with the real bgpq4 against the real IRRd 4.5 (tests/support/irrd.py).

bgpq4 1.9 takes a set name into a fixed-size query buffer: from about 251 characters it hangs, from
about 260 it aborts with "buffer overflow detected" (measured here). ixpctl bounds the name at
``MAX_AS_SET_NAME`` (128) before bgpq4 runs; this checks that the bound is safe (bgpq4 answers for a
name of exactly that length) and that a longer name is refused with the fix, never handed to bgpq4.
"""

from __future__ import annotations

import pytest

from ixpctl.errors import SourceError
from ixpctl.inventory.irr_names import MAX_AS_SET_NAME
from ixpctl.inventory.sources_config import IrrSource
from ixpctl.sources import irr

pytestmark = pytest.mark.integration

AT_BOUND = "AS-" + "X" * (MAX_AS_SET_NAME - 3)
LONG = "AS-" + "X" * 297  # 300 characters: bgpq4 aborts on it


def settings(host: str, **kw) -> IrrSource:
    return IrrSource(hosts=[host], sources=["TEST"], timeout=20, **kw)


@pytest.mark.parametrize("query", [AT_BOUND, f"TEST::{AT_BOUND}"])
def test_bgpq4_answers_for_a_name_at_the_bound(irrd_host, query):
    exp = irr.expand(query, settings(irrd_host))  # no such set: resolved to nothing, loudly, no crash
    assert exp.empty
    assert any("resolved to nothing" in w for w in exp.warnings)


def test_a_longer_name_never_reaches_bgpq4(irrd_host, tmp_path):
    # bgpq4 points at a program that does not exist: had the name been passed on, the error would
    # say the program is missing instead of naming the length.
    s = settings(irrd_host, bgpq4=str(tmp_path / "no-bgpq4"))
    with pytest.raises(SourceError) as exc:
        irr.expand(LONG, s)
    assert f"at most {MAX_AS_SET_NAME}" in exc.value.message and "registered in the IRR" in exc.value.fix


def test_expand_all_keeps_the_good_query_when_one_name_is_too_long(irrd_host):
    with pytest.raises(irr.IrrPartialFailure) as exc:
        irr.expand_all(["AS-TOP", LONG], settings(irrd_host), max_length4=25)
    assert exc.value.results["AS-TOP"].asns == [100600, 100601, 100602, 100603, 100604]
    assert list(exc.value.failures) == [LONG]
    assert "300 characters long" in exc.value.failures[LONG].message
