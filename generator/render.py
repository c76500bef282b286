"""The one Jinja2 environment: autoescaping for HTML/XML, StrictUndefined, templates/ only.

Site-wide values (settings, navigation, the fingerprinted stylesheet's URL) are globals, so page
contexts carry only what differs between pages.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from urllib.parse import urlsplit

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from core.models import SiteConfig
from generator.pages import NAV_STATES, Page, page_url, site_root

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
STYLESHEET = "static/site.css"


def plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


class Renderer:
    """Renders pages to bytes; ``css_path``/``css`` are the fingerprinted stylesheet."""

    def __init__(self, site: SiteConfig, templates: Path = TEMPLATES) -> None:
        self.css = (templates / STYLESHEET).read_bytes()
        digest = hashlib.sha256(self.css).hexdigest()[:12]
        self.css_path = f"static/site.{digest}.css"
        self.env = Environment(
            loader=FileSystemLoader(templates),
            autoescape=select_autoescape(("html", "xml")),
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=True,
        )
        root = site_root(site)
        parts = urlsplit(site.base_url)
        nav = [("home", "In-person", f"{root}/"), ("virtual", "Virtual", f"{root}/virtual/")]
        nav += [(s, s, f"{root}/locations/{s}/") for s in NAV_STATES if s in site.only_states]
        nav.append(("groups", "Groups", f"{root}/groups/"))
        self.env.globals.update(
            site=site,
            root=root,
            base=site.base_url.rstrip("/"),
            origin=f"{parts.scheme}://{parts.netloc}",
            css_href=f"{root}/{self.css_path}",
            nav_items=nav,
        )
        self.env.filters["plural"] = plural

    def render(self, page: Page) -> bytes:
        template = self.env.get_template(page.template)
        return template.render(url=page_url(page.path), **page.context).encode("utf-8")
