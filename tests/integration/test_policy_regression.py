"""A deliberate regression in the BIRD template (the RPKI check removed) is caught: BIRD then accepts
RPKI-invalid routes that the evaluator rejects, so the back-end comparison fails."""

from __future__ import annotations

import shutil

import pytest

from ixpctl.base.paths import templates_dir
from ixpctl.policy.evaluate import PolicyEngine
from tests.support.bird_harness import BirdHarness
from tests.support.policy_cases import CASES, policy_intent

pytestmark = [pytest.mark.integration, pytest.mark.skipif(shutil.which("bird") is None, reason="no bird")]


def test_removing_the_rpki_check_from_the_template_is_detected(tmp_path, monkeypatch):
    broken = tmp_path / "templates"
    shutil.copytree(templates_dir(), broken)
    (broken / "bird" / "calls" / "rpki_invalid.j2").write_text("# regression: RPKI check removed")
    monkeypatch.setenv("IXPCTL_TEMPLATES", str(broken))
    intent = policy_intent(tmp_path)
    cases = [c for c in CASES if c.bird]
    bird = BirdHarness(tmp_path).run(intent, [(c.session, c.route) for c in cases])
    engine = PolicyEngine(intent)
    disagree = [c.label for i, c in enumerate(cases)
                if engine.evaluate(c.route, c.session).accepted != bird[i].accepted]
    assert disagree and all("RPKI invalid" in label for label in disagree), disagree
