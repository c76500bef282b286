"""The URL map (generator/urls.py): the layout it spells, the files it names, and that nothing
else in the generator or the templates spells a site path by hand."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from core.models import SiteConfig
from generator import urls

REPO = Path(__file__).parent.parent
TEMPLATES = REPO / "templates"

# A folder of the layout, a page's or a feed's file, or a root file written as a URL. Template
# names ("sitemap.xml") match none: only the URL form ("/sitemap.xml") is a path.
SITE_PATH = re.compile(
    r"(?:^|/)(?:week|locations|groups|topics|virtual|events|static)/"
    r"|index\.html|events\.ics"
    r"|/(?:newsletter\.html|newsletter\.txt|sitemap\.xml|robots\.txt|404\.html)\b"
)
# Modules that others own and still spell paths; they are to use generator.urls too.
NOT_YET = {
    "generator/media.py": {"static/"},  # cache_control: the fingerprinted assets' folder
    "generator/preview.py": {"index.html"},  # locate: a directory URL's file
}


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        (urls.home(), "/"),
        (urls.virtual(), "/virtual/"),
        (urls.week("2026-W49"), "/week/2026-W49/"),
        (urls.week_day("2026-W49", "2026-12-01"), "/week/2026-W49/#2026-12-01"),
        (urls.locations(), "/locations/"),
        (urls.location("DC"), "/locations/DC/"),
        (urls.groups(), "/groups/"),
        (urls.topics(), "/topics/"),
        (urls.topic("ai"), "/topics/ai/"),
        (urls.events_ics(), "/events.ics"),
        (urls.virtual_ics(), "/virtual/events.ics"),
        (urls.location_ics("MD"), "/locations/MD/events.ics"),
        (urls.group_ics("pydc"), "/groups/pydc/events.ics"),
        (urls.topic_ics("cybersecurity"), "/topics/cybersecurity/events.ics"),
        (urls.event_ics("abc123"), "/events/abc123.ics"),
        (urls.newsletter_html(), "/newsletter.html"),
        (urls.newsletter_txt(), "/newsletter.txt"),
        (urls.not_found(), "/404.html"),
        (urls.robots(), "/robots.txt"),
        (urls.sitemap(), "/sitemap.xml"),
        (urls.static("site.0123.css"), "/static/site.0123.css"),
    ],
)
def test_the_layout_contract(path, expected):
    assert path == expected


@pytest.mark.parametrize(
    ("path", "file"),
    [
        ("/", "index.html"),
        ("/week/2026-W49/", "week/2026-W49/index.html"),
        ("/locations/DC/events.ics", "locations/DC/events.ics"),
        ("/topics/ai/", "topics/ai/index.html"),
        ("/404.html", "404.html"),
    ],
)
def test_a_directory_url_is_written_as_its_index_html(path, file):
    assert urls.output_file(path) == file


@pytest.mark.parametrize("base_url", ["https://example.org/dc", "https://example.org/dc/"])
def test_a_site_under_a_path(base_url):
    site = SiteConfig(base_url=base_url)
    assert urls.site_root(site) == "/dc"
    assert urls.absolute(site, urls.groups()) == "https://example.org/dc/groups/"
    assert urls.site_root(SiteConfig(base_url="https://example.org")) == ""


def hand_written_paths(source: str) -> set[str]:
    """The site paths spelled in string literals (f-string parts included, docstrings not)."""
    tree = ast.parse(source)
    docstrings = {
        id(node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)
    }
    return {
        match.group(0)
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
        if id(node) not in docstrings
        for match in SITE_PATH.finditer(node.value)
    }


def test_no_generator_module_but_the_url_map_spells_a_site_path():
    found = {
        str(path.relative_to(REPO)): hand_written_paths(path.read_text(encoding="utf-8"))
        for path in sorted((REPO / "generator").glob("*.py"))
        if path.name != "urls.py"
    }
    offenders = {name: sorted(paths - NOT_YET.get(name, set())) for name, paths in found.items()}
    assert {name: paths for name, paths in offenders.items() if paths} == {}


def test_the_source_checker_sees_paths():
    """Guard against a checker that passes because it matches nothing."""
    probe = '''"""Docstrings may show /week/2026-W49/."""
root, w = "", "2026-W49"
week = f"{root}/week/{w}/"
feed = "locations/DC/events.ics"
sitemap = root + "/sitemap.xml"
template = "sitemap.xml"
'''
    assert hand_written_paths(probe) == {"/week/", "locations/", "events.ics", "/sitemap.xml"}
    assert hand_written_paths('topic = f"{root}/topics/{slug}/"') == {"/topics/"}
    assert hand_written_paths((REPO / "generator" / "urls.py").read_text(encoding="utf-8"))


JINJA = re.compile(r"{{.*?}}|{%.*?%}|{#.*?#}", re.S)
LITERAL_LINK = re.compile(r"""(?:href|src|content|action)=["']/""")


def template_paths(text: str) -> set[str]:
    """Paths a template writes by hand: a path glued to an expression (``{{ base }}/``), or in
    the literal text a root-relative link or a layout name."""
    literal = JINJA.sub("", text)
    found = re.findall(r"}}/[^\"'\s<]*", text) + LITERAL_LINK.findall(literal)
    return set(found) | {match.group(0) for match in SITE_PATH.finditer(literal)}


def test_templates_link_only_through_the_url_map():
    found = {
        str(path.relative_to(REPO)): template_paths(path.read_text(encoding="utf-8"))
        for path in sorted(TEMPLATES.glob("*.*"))
    }
    assert {name: paths for name, paths in found.items() if paths} == {}


def test_the_template_checker_sees_paths():
    """Guard against a checker that passes because it matches nothing."""
    assert template_paths('<a href="{{ root }}/groups/">') == {"}}/groups/", 'href="/', "/groups/"}
    assert template_paths('<a href="/">') == {'href="/'}
    assert template_paths("Home: {{ base }}/") == {"}}/"}
    assert template_paths("Feed: {{ base }}{{ x }} and /events.ics") == {"events.ics"}
    assert template_paths('<a href="{{ root }}{{ urls.groups() }}">') == set()
