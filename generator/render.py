"""The one Jinja2 environment: autoescaping for HTML/XML, StrictUndefined, templates/ only.

Site-wide values (settings, navigation, the fingerprinted stylesheet's URL) are globals, so page
contexts carry only what differs between pages. So is the URL map, ``urls``: templates link
``{{ root }}{{ urls.groups() }}`` and write full URLs as ``{{ urls.absolute(site, path) }}``,
never a path by hand.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from core.models import SiteConfig
from generator import urls
from generator.outputs import Page
from generator.pages import NAV_STATES

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
STYLESHEET = Path("static", "site.css")  # the source, in templates/; published fingerprinted


def plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


class Renderer:
    """Renders pages to bytes; ``css_path``/``css`` are the fingerprinted stylesheet."""

    def __init__(self, site: SiteConfig, templates: Path = TEMPLATES) -> None:
        self.css = (templates / STYLESHEET).read_bytes()
        digest = hashlib.sha256(self.css).hexdigest()[:12]
        css_url = urls.static(f"site.{digest}.css")
        self.css_path = urls.output_file(css_url)
        self.env = Environment(
            loader=FileSystemLoader(templates),
            autoescape=select_autoescape(("html", "xml")),
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=True,
        )
        root = urls.site_root(site)
        nav = [("home", "In-person", urls.home()), ("virtual", "Virtual", urls.virtual())]
        nav += [(s, s, urls.location(s)) for s in NAV_STATES if s in site.only_states]
        nav += [("topics", "Topics", urls.topics()), ("groups", "Groups", urls.groups())]
        self.env.globals.update(
            site=site,
            urls=urls,
            root=root,
            css_href=root + css_url,
            nav_items=[(key, label, root + url) for key, label, url in nav],
        )
        self.env.filters["plural"] = plural

    def render(self, page: Page) -> bytes:
        template = self.env.get_template(page.template)
        return template.render(url=page.url, **page.context).encode("utf-8")
