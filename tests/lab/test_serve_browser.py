"""ixpctl serve in a real browser: Debian's chromium driven by Playwright (never `playwright
install`: executable_path=/usr/bin/chromium), against the service reading the lab's real BIRD route
servers. A member opens the self-check, submits a prefix list and reads the verdict table; opens its
filtered routes; switches French/English. No page runs JavaScript, and the CSP would block any.
Screenshots are kept as test artefacts (the path is printed)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

pytestmark = [pytest.mark.lab, pytest.mark.skipif(shutil.which("chromium") is None, reason="needs Debian chromium")]

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="module")
def artefacts(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("serve-screenshots")
    print(f"\nscreenshots: {path}")
    return path


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    sync_api = pytest.importorskip("playwright.sync_api")
    profile = tmp_path_factory.mktemp("chromium-profile")
    with sync_api.sync_playwright() as p:
        context = p.chromium.launch_persistent_context(str(profile), executable_path="/usr/bin/chromium",
                                                       args=FLAGS, headless=True, java_script_enabled=False)
        try:
            yield context
        finally:
            context.close()


@pytest.fixture(scope="module")
def base(served):
    return served[1]


def test_self_check_verdict_table(browser, base, artefacts):
    page = browser.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(base + "/check")
    assert page.locator("html").get_attribute("lang") == "fr"  # MLIX: French by default
    page.fill("#asn", "64496")
    page.fill("#prefixes", "10.99.0.0/16\n198.18.40.0/25\n198.18.8.0/22\n")
    page.click("button[type=submit]")
    page.wait_for_selector("#verdict-table")
    rows = page.locator("#verdict-table tbody tr")
    verdicts = {rows.nth(i).get_attribute("data-prefix"): rows.nth(i).locator("td.verdict").inner_text()
                for i in range(rows.count())}
    assert set(verdicts) == {"10.99.0.0/16", "198.18.40.0/25", "198.18.8.0/22"}
    assert verdicts["10.99.0.0/16"].startswith("rejeté") and "(2)" in verdicts["10.99.0.0/16"]
    assert verdicts["198.18.40.0/25"].startswith("rejeté")
    assert "préfixe bogon" in page.locator("#verdict-table").inner_text()
    page.screenshot(path=str(artefacts / "self-check-fr.png"), full_page=True)
    assert not errors, errors  # no CSP violation, nothing broken
    page.close()


def test_member_filtered_routes_from_the_looking_glass(browser, base, artefacts):
    page = browser.new_page()
    page.goto(base + "/lg?lang=en")
    page.locator("#rs-rs1 a.filtered-link[href*='/member/64496']").first.click()
    page.wait_for_selector("table.routes")
    text = page.locator("table.routes").inner_text()
    assert "10.99.0.0/16" in text and "bogon prefix (2)" in text
    assert "198.18.40.0/25" in text and "prefix length out of range (13)" in text
    page.screenshot(path=str(artefacts / "filtered-routes-en.png"), full_page=True)
    page.get_by_role("link", name="Details").first.click()
    page.wait_for_selector("table.communities")
    assert "reject:" in page.locator("table.communities").inner_text()
    page.close()


def test_language_switch_and_small_screen(browser, base, artefacts):
    page = browser.new_page()
    page.set_viewport_size({"width": 380, "height": 800})
    page.goto(base + "/?lang=fr")  # the earlier tests chose English: a cookie remembers it
    assert page.locator("h2").first.inner_text() == "Serveurs de routes"
    page.click("#lang-switch")
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("h2").first.inner_text() == "Route servers"
    page.goto(base + "/communities")  # the choice is remembered
    assert page.locator("html").get_attribute("lang") == "en"
    page.click("#lang-switch")
    assert page.locator("html").get_attribute("lang") == "fr"
    # responsive: on a phone the page is as wide as the screen (wide tables scroll inside their box)
    box = page.locator("main").bounding_box()
    assert box is not None and box["x"] + box["width"] <= 380
    page.screenshot(path=str(artefacts / "communities-phone-fr.png"), full_page=True)
    page.close()
