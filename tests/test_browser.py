"""The built site in a real headless Chromium (Debian's package, driven by Playwright): no console
errors, no horizontal scrolling on a 360 px phone, no serious or critical axe-core violations in
the light and dark schemes, a visible skip link, and a screenshot of the home page written to
test-artifacts/."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from fixtures.events import build_fixture_site, load_events

from generator.preview import make_server

REPO = Path(__file__).parent.parent
CHROMIUM = Path("/usr/bin/chromium")
AXE = REPO / "node_modules/axe-core/axe.min.js"
ARTIFACTS = REPO / "test-artifacts"
FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
]  # fmt: skip
EVENTS = load_events()
EVENT_PAGES = {  # an ordinary, a cancelled, a virtual and a multi-day, cross-posted event
    name: f"/events/{EVENTS[name].event_id}/"
    for name in ("pydc-december", "cancelled-talk", "virtual-lunch", "devfest")
}
PAGES = [
    "/",
    "/virtual/",
    "/locations/",
    "/locations/DC/",
    "/week/2026-W49/",
    "/week/2027-W05/",  # an empty week
    "/groups/",
    "/groups/pydc/",  # events by day, cross-posts, topics, a healthy feed
    "/groups/md-code/",  # a failing feed
    "/month/2026-12/",  # the grid with today, counts and titles, then the list
    "/month/2027-01/",  # an empty month
    "/topics/",
    "/topics/cloud/",  # in-person and virtual events, badges
    "/topics/gaming/",  # an empty topic
    "/404.html",
    "/newsletter.html",
    *EVENT_PAGES.values(),
    "/new/",  # by the day events were added, each card dated
    "/search/",  # the one page with script (Pagefind), under its own content policy
    "/feeds/",
]

NO_CHROMIUM = "needs /usr/bin/chromium (apt-get install chromium)"
pytestmark = [pytest.mark.browser, pytest.mark.skipif(not CHROMIUM.exists(), reason=NO_CHROMIUM)]


@pytest.fixture(scope="module")
def base_url(tmp_path_factory):
    site = tmp_path_factory.mktemp("site")
    build_fixture_site(site)
    httpd = make_server(site, port=0)
    threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True).start()
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


# What the colour scheme can change: colours. The rest of axe's rules read the page's structure,
# which is the same in both schemes, so the dark scheme is checked for these alone.
COLOUR_RULES = ["color-contrast", "link-in-text-block"]
SERIOUS = ("serious", "critical")


AXE_RUN = """async (options) => (await axe.run(document, options)).violations.map(v => ({
    id: v.id, impact: v.impact, targets: v.nodes.map(n => n.target.join(' ')).slice(0, 3)
}))"""


@pytest.mark.skipif(not AXE.exists(), reason="needs axe-core: npm install (package.json)")
@pytest.mark.parametrize("path", PAGES)
def test_pages_load_cleanly_fit_a_phone_and_have_no_serious_accessibility_violations(
    phone, base_url, path
):
    """One load per page: no console error, failed request or sideways scroll at 360px, our
    font stack; then axe in the light scheme, and its colour rules in the dark one."""
    page, problems = phone
    page.emulate_media(color_scheme="light")
    response = page.goto(base_url + path)
    assert response.status == 200
    assert problems == []
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{path} scrolls sideways by {overflow}px at 360px"
    if path != "/newsletter.html":  # the email is self-contained; pages use the stylesheet
        assert "system-ui" in page.evaluate("getComputedStyle(document.body).fontFamily")
    page.evaluate(AXE.read_text(encoding="utf-8"))  # not a <script>: the CSP allows none
    for scheme, options in (("light", {}), ("dark", {"runOnly": COLOUR_RULES})):
        page.emulate_media(color_scheme=scheme)  # restyles the loaded page
        assert page.evaluate(f"matchMedia('(prefers-color-scheme: {scheme})').matches")
        serious = [v for v in page.evaluate(AXE_RUN, options) if v["impact"] in SERIOUS]
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


def test_event_page_call_to_action_is_a_big_target_and_its_facts_stack_on_a_phone(phone, base_url):
    page, _ = phone
    page.emulate_media(color_scheme="dark")
    page.goto(base_url + EVENT_PAGES["pydc-december"])
    button = page.locator("a.button").bounding_box()
    assert button["height"] >= 44 and button["x"] >= 0 and button["x"] + button["width"] <= 360
    term = page.locator(".event-facts dt").first.bounding_box()
    value = page.locator(".event-facts dd").first.bounding_box()
    assert value["y"] >= term["y"] + term["height"]  # below its term: no cramped columns at 360
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "event-phone-dark.png"), full_page=True)


def test_month_grid_without_javascript_counts_on_a_phone_titles_when_wide(browser, base_url):
    for width, titles in [(360, False), (1280, True)]:
        context = browser.new_context(
            java_script_enabled=False, viewport={"width": width, "height": 800}
        )
        page = context.new_page()
        page.goto(base_url + "/month/2026-12/")
        grid = page.locator("table.month-grid").bounding_box()
        assert grid["x"] >= 0 and grid["x"] + grid["width"] <= width
        today = page.locator('td[aria-current="date"]')
        assert today.locator(".titles").is_visible() == titles
        assert today.locator(".count").is_visible()
        today.locator("a").click()
        page.wait_for_url("**/week/2026-W49/#2026-12-01")
        assert page.locator('h2[id="2026-12-01"]').is_visible()
        context.close()


def test_search_finds_an_event_by_typing_under_the_production_policy(phone, base_url):
    """The real page: its script, Pagefind's worker and WebAssembly, with the CSP CloudFront
    sends (`dctech serve` sends the same); results link event pages, with date and place."""
    page, problems = phone
    response = page.goto(base_url + "/search/")
    assert "'wasm-unsafe-eval'" in response.headers["content-security-policy"]
    page.get_by_label("Search events").press_sequentially("python", delay=30)  # key by key
    page.wait_for_selector("#search-results li.event")
    results = page.locator("#search-results li.event")
    titles = results.locator("h3 a").all_inner_texts()
    assert "Python Night: Typing in Practice" in titles
    first = results.filter(has_text="Python Night")
    assert first.locator("h3 a").get_attribute("href") == EVENT_PAGES["pydc-december"]
    assert first.locator(".when").inner_text().startswith("Tuesday, December 1, 2026, 6:30 pm")
    assert first.locator(".where").inner_text() == "1776 I St NW, Washington, DC"
    assert "match “python”" in page.locator("#search-status").inner_text()
    for query, title in {  # later months' bundles (2026-12, 2027-03), merged into the first
        "data engineering": "Remote Data Engineering Hour",
        "spring cloud": "Spring Cloud Conference",
    }.items():
        page.get_by_label("Search events").fill(query)
        results.get_by_role("link", name=title).wait_for()
    page.get_by_label("Search events").fill("zzzzqqq")
    page.get_by_text("No event matches “zzzzqqq”.").wait_for()
    assert results.count() == 0
    first_result = EVENT_PAGES["pydc-december"]
    page.goto(base_url + "/search/?q=typing")  # a shared link runs its search
    page.wait_for_selector(f'#search-results a[href="{first_result}"]')
    assert problems == []


@pytest.mark.parametrize("shard", ["2026-11", "2027-03"], ids=["the first", "a later one"])
def test_search_says_so_when_a_bundle_does_not_load(phone, base_url, shard):
    """A shard that fails to load (a network error, a deploy half done) is a plain note, never
    a search box that silently misses events or does nothing."""
    page, problems = phone
    page.route(f"**/search/pagefind/{shard}/pagefind-entry.json*", lambda route: route.abort())
    page.goto(base_url + "/search/?q=python")
    page.get_by_text("Search could not load its index.").wait_for()
    assert page.locator("#search-results li").count() == 0
    assert any(shard in problem for problem in problems)  # the abort, as Chromium saw it


def test_search_without_javascript_says_where_to_browse(browser, base_url):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(base_url + "/search/")
    advice = page.get_by_text("Without it, browse the events by")
    assert advice.is_visible()
    assert advice.get_by_role("link", name="topic").get_attribute("href") == "/topics/"
    assert advice.get_by_role("link", name="month view").get_attribute("href") == "/month/2026-12/"
    context.close()
