"""No broken links: every internal href/src of every built HTML page, and every sitemap <loc>,
names a file of the built tree (a directory URL its index.html), and a #fragment names an id on
the target page. The site is built at the domain's root and under a path, where a link that
forgets the site's root points outside the site."""

from __future__ import annotations

import hashlib
from html.parser import HTMLParser
from pathlib import Path
from typing import ClassVar
from urllib.parse import unquote, urljoin, urlsplit
from xml.etree import ElementTree

import pytest
from fixtures.events import SITE, build_fixture_site

from core.models import SiteConfig
from generator import urls

SITES = {"at-root": SITE, "under-a-path": SiteConfig(base_url="https://example.org/dc")}
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}loc"


class Site:
    """A built site folder and the base URL it was built for."""

    def __init__(self, folder: Path, base_url: str) -> None:
        self.folder = folder
        self.base = urlsplit(base_url.rstrip("/"))

    def url_of(self, file: str) -> str:
        """The URL a built file is served at (an index.html at its folder's URL)."""
        return f"{self.base.geturl()}/{file.removesuffix('index.html')}"

    def refs(self, file: str) -> Refs:
        return Refs.of((self.folder / file).read_bytes())

    def ids(self, file: str) -> set[str]:
        return self.refs(file).ids

    def problem(self, here: str, link: str) -> str | None:
        """Why ``link``, on the page at URL ``here``, is broken; None if it resolves or names
        another site."""
        url = urlsplit(urljoin(here, link))
        if url.scheme == "webcal":  # a calendar app's subscription: the feed over http(s)
            url = url._replace(scheme=self.base.scheme)
        if url.scheme not in ("http", "https") or url.netloc != self.base.netloc:
            return None
        root = self.base.path + "/"
        if not url.path.startswith(root):
            return f"outside the site (not under {root})"
        file = unquote(url.path.removeprefix(root))
        if "/" + file in urls.APP_PAGES:  # the API app's forms: tested in test_issue_15_*
            return None
        if file == "" or file.endswith("/"):
            file += "index.html"
        if not (self.folder / file).is_file():
            return f"no file {file}"
        if url.fragment and url.fragment not in self.ids(file):
            return f"no id {url.fragment!r} in {file}"
        return None


class Refs(HTMLParser):
    """Every URL a page points to (href and src attributes, the og:url) and every id it has,
    read with the standard library's parser, as BeautifulSoup's "html.parser" reads them."""

    # by digest: a year of builds rechecks mostly the same pages
    _seen: ClassVar[dict[bytes, Refs]] = {}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []
        self.ids: set[str] = set()

    @classmethod
    def of(cls, html: bytes) -> Refs:
        key = hashlib.sha256(html).digest()
        if key not in cls._seen:
            refs = cls()
            refs.feed(html.decode("utf-8"))
            refs.close()
            cls._seen[key] = refs
        return cls._seen[key]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        self.links += [v for k, v in found.items() if k in ("href", "src") and v is not None]
        if tag == "meta" and found.get("property") == "og:url" and found.get("content"):
            self.links.append(found["content"])
        if found.get("id"):
            self.ids.add(found["id"])


def broken_links(site: Site) -> tuple[list[str], int]:
    """Each broken link as ``page: link (why)``, and how many links were checked."""
    broken, checked = [], 0
    for path in sorted(site.folder.rglob("*.html")):
        file = path.relative_to(site.folder).as_posix()
        for link in site.refs(file).links:
            checked += 1
            if why := site.problem(site.url_of(file), link):
                broken.append(f"{file}: {link} ({why})")
    return broken, checked


@pytest.fixture(scope="module", params=sorted(SITES))
def site(request, tmp_path_factory) -> Site:
    config = SITES[request.param]
    folder = tmp_path_factory.mktemp(request.param)
    build_fixture_site(folder, site=config)
    return Site(folder, config.base_url)


def test_every_link_of_every_page_resolves(site):
    broken, checked = broken_links(site)
    assert checked > 500  # the walk saw the pages and their links
    assert not broken, f"{len(broken)} broken links:\n" + "\n".join(broken)


def test_every_sitemap_location_and_the_robots_sitemap_resolve(site):
    locs = [loc.text for loc in ElementTree.parse(site.folder / "sitemap.xml").iter(SITEMAP)]
    robots = (site.folder / "robots.txt").read_text(encoding="utf-8").splitlines()
    locs += [line.removeprefix("Sitemap: ") for line in robots if line.startswith("Sitemap: ")]
    assert len(locs) > 20
    home = site.url_of("index.html")
    assert [loc for loc in locs if not loc.startswith(home)] == []  # full URLs of this site
    broken = [f"{loc} ({why})" for loc in locs if (why := site.problem(home, loc))]
    assert not broken, "sitemap locations that do not resolve:\n" + "\n".join(broken)


def test_the_checker_reports_each_kind_of_broken_link(tmp_path):
    """Guard against a checker that passes because it resolves nothing."""
    (tmp_path / "week").mkdir()
    (tmp_path / "week" / "index.html").write_text('<h2 id="day">Day</h2>')
    (tmp_path / "pic.png").write_bytes(b"")
    good = [
        "/dc/week/#day", "week/", "pic.png", "#top", "https://example.org/dc/",
        "webcal://example.org/dc/pic.png", "https://elsewhere.example/x", "data:,",
    ]  # fmt: skip
    bad = [
        "/dc/groups/", "/week/", "#nope", "/dc/week/#nope", "https://example.org/week/",
        "webcal://example.org/dc/events.ics", "/dc/week", "missing.css",
    ]  # fmt: skip
    anchors = "".join(f'<a href="{link}">x</a>' for link in good + bad)
    (tmp_path / "index.html").write_text(f'<main id="top">{anchors}</main>')
    broken, checked = broken_links(Site(tmp_path, "https://example.org/dc/"))
    assert checked == len(good) + len(bad)
    assert [line.split(" ")[1] for line in broken] == bad
