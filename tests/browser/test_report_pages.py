"""The report pages in a real browser: Debian's chromium driven by Playwright, at a phone's size.

Judged where the reader sees it: the key numbers of the hand-computed example (tests/unit/
test_report_impact.py) are on screen, the charts are drawn, nothing overflows a 390 px screen,
the page needs no JavaScript, and the link to the other language works. Screenshots are kept as
test artefacts (IXPCTL_TEST_ARTEFACTS, default build/test-artefacts/ in the checkout).
"""

from __future__ import annotations

import pytest

from ixpctl.policy.model import Policy
from ixpctl.report.assemble import assemble
from ixpctl.report.render import write
from ixpctl.sources.rir import parse
from tests.support.browser import artefacts, phone_browser
from tests.unit.test_report_impact import RIR, _facts, _inventory, _state

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def pages(tmp_path_factory):
    out = tmp_path_factory.mktemp("report")
    report = assemble(_inventory(), Policy(), _facts(), (parse(RIR, "ML"), None), _state())
    write(report, out, ("impact", "manrs"), formats=("html",))
    return out


@pytest.fixture(scope="module")
def browser():
    with phone_browser() as context:
        yield context


def test_impact_page_on_a_phone(pages, browser):
    page = browser.new_page()
    page.goto((pages / "impact.fr.html").as_uri())
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # tables scroll inside their box
    assert page.locator("script").count() == 0
    card = page.locator("#card-space4")
    assert card.is_visible() and "58,3\u00a0%" in card.inner_text()  # 3584 / 6144
    assert "2 / 5" in page.locator("#card-asn-members").inner_text()
    first = page.locator("#recruit-table tr").nth(1)
    assert "AS64600" in first.inner_text() and "4\u202f096" in first.inner_text()
    charts = page.locator("figure svg")
    assert charts.count() >= 3
    for i in range(charts.count()):
        box = charts.nth(i).bounding_box()
        assert box and 100 < box["width"] <= 390 and box["height"] > 50
    assert "NON joignable localement" in page.locator("#resilience-table").inner_text()
    page.screenshot(path=str(artefacts() / "report-impact-fr-phone.png"), full_page=True)
    page.get_by_text("English version").click()
    page.wait_for_load_state()
    assert page.url.endswith("impact.en.html")
    assert "58.3%" in page.locator("#card-space4").inner_text()
    page.close()


def test_manrs_page_shows_each_action_with_its_level(pages, browser):
    page = browser.new_page()
    page.goto((pages / "manrs.en.html").as_uri())
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    for number, level in ((1, "met"), (2, "partly"), (4, "missing"), (5, "partly")):
        section = page.locator(f"#action-{number}")
        assert section.is_visible() and level in section.get_attribute("class")
    assert "AS64502" in page.locator("#action-2").inner_text()
    page.screenshot(path=str(artefacts() / "report-manrs-en-phone.png"), full_page=True)
    page.close()
