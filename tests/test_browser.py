"""The built site in a real headless Chromium (Debian's package, driven by Playwright): no console
errors, no horizontal scrolling on a 360 px phone, no serious or critical axe-core violations in
the light and dark schemes, a visible skip link, and a screenshot of the home page written to
test-artifacts/."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from fixtures.events import build_fixture_site

from generator.preview import make_server

REPO = Path(__file__).parent.parent
CHROMIUM = Path("/usr/bin/chromium")
AXE = REPO / "node_modules/axe-core/axe.min.js"
ARTIFACTS = REPO / "test-artifacts"
FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
]  # fmt: skip
PAGES = [
    "/",
    "/virtual/",
    "/locations/",
    "/locations/DC/",
    "/week/2026-W49/",
    "/week/2027-W05/",  # an empty week
    "/groups/",
    "/topics/",
    "/topics/cloud/",  # in-person and virtual events, badges
    "/topics/gaming/",  # an empty topic
    "/404.html",
    "/newsletter.html",
]

NO_CHROMIUM = "needs /usr/bin/chromium (apt-get install chromium)"
pytestmark = [pytest.mark.browser, pytest.mark.skipif(not CHROMIUM.exists(), reason=NO_CHROMIUM)]


@pytest.fixture(scope="module")
def base_url(tmp_path_factory):
    site = tmp_path_factory.mktemp("site")
    build_fixture_site(site)
    httpd = make_server(site, port=0)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_port}"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(scope="module")
def browser():
    playwright = pytest.importorskip("playwright.sync_api")
    with playwright.sync_playwright() as driver:
        chromium = driver.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
        yield chromium
        chromium.close()


@pytest.fixture
def phone(browser):
    context = browser.new_context(viewport={"width": 360, "height": 740})
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.on("requestfailed", lambda r: problems.append(f"failed: {r.url}"))
    yield page, problems
    context.close()


@pytest.mark.parametrize("path", PAGES)
def test_pages_load_cleanly_and_fit_a_phone(phone, base_url, path):
    page, problems = phone
    response = page.goto(base_url + path)
    assert response.status == 200
    assert problems == []
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{path} scrolls sideways by {overflow}px at 360px"
    if path != "/newsletter.html":  # the email is self-contained; pages use the stylesheet
        assert "system-ui" in page.evaluate("getComputedStyle(document.body).fontFamily")


@pytest.mark.skipif(not AXE.exists(), reason="needs axe-core: npm install (package.json)")
@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("path", PAGES)
def test_no_serious_accessibility_violations(phone, base_url, path, scheme):
    page, _ = phone
    page.emulate_media(color_scheme=scheme)
    page.goto(base_url + path)
    page.add_script_tag(path=str(AXE))
    violations = page.evaluate(
        """async () => (await axe.run()).violations.map(v => ({
            id: v.id, impact: v.impact, targets: v.nodes.map(n => n.target.join(' ')).slice(0, 3)
        }))"""
    )
    serious = [v for v in violations if v["impact"] in ("serious", "critical")]
    assert serious == [], f"{path} ({scheme}): {serious}"


def test_skip_link_appears_on_focus_and_focus_is_visible(phone, base_url):
    page, _ = phone
    page.goto(base_url + "/")
    page.keyboard.press("Tab")
    focused = page.evaluate(
        """() => { const e = document.activeElement, r = e.getBoundingClientRect(),
                   s = getComputedStyle(e);
                   return {cls: e.className, top: r.top, outline: s.outlineStyle}; }"""
    )
    assert focused["cls"] == "skip" and focused["top"] >= 0
    page.keyboard.press("Tab")
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline == "solid"


def test_details_open_without_javascript(browser, base_url):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(base_url + "/")
    summary = page.locator("li.event details summary").first
    summary.click()
    assert page.locator("li.event details .description").first.is_visible()
    context.close()


def test_home_page_screenshot(browser, base_url):
    ARTIFACTS.mkdir(exist_ok=True)
    for name, viewport, scheme in [
        ("home.png", {"width": 1280, "height": 900}, "light"),
        ("home-phone-dark.png", {"width": 360, "height": 740}, "dark"),
    ]:
        context = browser.new_context(viewport=viewport, color_scheme=scheme)
        page = context.new_page()
        page.goto(base_url + "/")
        page.screenshot(path=str(ARTIFACTS / name), full_page=True)
        context.close()
        assert (ARTIFACTS / name).stat().st_size > 10_000
