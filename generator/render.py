"""The one Jinja2 environment: autoescaping for HTML/XML, StrictUndefined, templates/ only.

Site-wide values (settings, navigation, the fingerprinted assets' URLs) are globals, so page
contexts carry only what differs between pages. So is the URL map, ``urls``: templates link
``{{ root }}{{ urls.groups() }}`` and write full URLs as ``{{ urls.absolute(site, path) }}``,
never a path by hand.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from jinja2 import (
    BytecodeCache,
    Environment,
    FileSystemLoader,
    StrictUndefined,
    select_autoescape,
)
from jinja2.bccache import Bucket

from core.models import SiteConfig
from generator import urls
from generator.month_pages import month_id
from generator.outputs import Page
from generator.pages import NAV_STATES

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
STATIC = "static"  # the assets' folder in templates/
ASSETS = ("site.css", "card.png", "icon.svg", "icon.png")  # stylesheet, share card, favicons
CARD = "card.png"  # the 1200x630 image link previews show (og:image, JSON-LD image)


@dataclass(frozen=True)
class Asset:
    """A file of templates/static/ as published: named by its content's digest, so it is cached
    for good and a changed file is a new URL."""

    url: str  # /static/site.<digest>.css
    body: bytes

    @property
    def path(self) -> str:
        return urls.output_file(self.url)


def load_asset(templates: Path, name: str) -> Asset:
    body = (templates / STATIC / name).read_bytes()
    stem, _, suffix = name.rpartition(".")
    digest = hashlib.sha256(body).hexdigest()[:12]
    return Asset(urls.static(f"{stem}.{digest}.{suffix}"), body)


def plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


class CompiledTemplates(BytecodeCache):
    """Every Renderer's compiled templates, kept for the process by template file and source
    checksum (Jinja checks both, and recompiles a changed file): a process that builds again (a
    warm Lambda rendering the next part, the preview server, the tests) compiles each once. The
    Renderers share one configuration, which the compiled code depends on."""

    def __init__(self) -> None:
        self._code: dict[str, bytes] = {}

    def load_bytecode(self, bucket: Bucket) -> None:
        if (code := self._code.get(bucket.key)) is not None:
            bucket.bytecode_from_string(code)

    def dump_bytecode(self, bucket: Bucket) -> None:
        self._code[bucket.key] = bucket.bytecode_to_string()


COMPILED = CompiledTemplates()


class Renderer:
    """Renders pages to bytes. ``assets`` are the fingerprinted files pages link, by source
    name, ``card_url`` the share card's full URL; ``today`` is the build's: the nav's "Month" is
    its month."""

    def __init__(self, site: SiteConfig, *, today: date, templates: Path = TEMPLATES) -> None:
        self.assets = {name: load_asset(templates, name) for name in ASSETS}
        self.card_url = urls.absolute(site, self.assets[CARD].url)
        self.env = Environment(
            loader=FileSystemLoader(templates),
            autoescape=select_autoescape(("html", "xml")),
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=True,
            auto_reload=False,  # one build, one set of templates: no stat per page rendered
            bytecode_cache=COMPILED,
        )
        root = urls.site_root(site)
        nav = [("home", "In-person", urls.home()), ("virtual", "Virtual", urls.virtual())]
        nav += [(s, s, urls.location(s)) for s in NAV_STATES if s in site.only_states]
        nav += [("month", "Month", urls.month(month_id(today)))]
        nav += [("topics", "Topics", urls.topics()), ("groups", "Groups", urls.groups())]
        self.env.globals.update(
            site=site,
            urls=urls,
            root=root,
            static={name: root + asset.url for name, asset in self.assets.items()},
            card_url=self.card_url,
            nav_items=[(key, label, root + url) for key, label, url in nav],
        )
        self.env.filters["plural"] = plural

    def render(self, page: Page) -> bytes:
        template = self.env.get_template(page.template)
        return template.render(url=page.url, **page.context).encode("utf-8")
