"""Hand a build's pages and feeds to the writer, rendering only what is not current.

Every file's digest (``generator.digest``: what it is made from) is put to the writer first: a
file an earlier build wrote from the same digest, and still there, is this build's as it is
(``Writer.current``), so a rebuild renders only the pages and feeds whose inputs changed. Each
digest is recorded beside the file it names. A writer that renders one part of the site
(``Writer.owns``) is handed only the files of that part.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import cast

from core.models import SiteConfig
from generator.atom import AtomFeed, render_atom
from generator.digest import Variables, build_digest, code_digest, digest, page_digest
from generator.ics import VEvents, calendar
from generator.outputs import Feed, Page
from generator.render import Renderer
from generator.writers import Writer


class Publisher:
    """One build's hand-over to ``writer``; ``rendered`` counts the files it had to make and
    ``pages`` the HTML pages of its part, made or current. ``per_page`` names the renderer's
    globals that map a page's URL to what that page shows of them (each page's digest covers
    its own value, so that one page's changing does not change every page's digest)."""

    def __init__(
        self, writer: Writer, renderer: Renderer, vevents: VEvents, per_page: Sequence[str] = ()
    ) -> None:
        self.writer, self.renderer, self.vevents = writer, renderer, vevents
        env = renderer.env
        templates = Path(getattr(env.loader, "searchpath", ["templates"])[0])
        self.code = code_digest()  # what feeds are made with
        self.build = build_digest(env, templates)  # what pages are made with
        self.per_page = [cast(Mapping[str, object], env.globals[name]) for name in per_page]
        self.variables = Variables(env, per_page)
        self.rendered = self.pages = 0

    def page_key(self, page: Page) -> str:
        """What ``page`` is made from."""
        own = [values.get(page.url) for values in self.per_page]
        return page_digest(self.build, self.variables, page.url, page.template, page.context, own)

    def page(self, page: Page) -> None:
        if not self.writer.owns(page.path):
            return
        self.pages += page.path.endswith(".html")
        self._publish(page.path, self.page_key(page), lambda: self.renderer.render(page))

    def feed(self, feed: Feed) -> None:
        if not self.writer.owns(feed.path):
            return
        views = feed.views
        key = digest(self.code, feed.path, feed.name, [self.vevents.key(v) for v in views])
        self._publish(
            feed.path,
            key,
            lambda: calendar(feed.name, (self.vevents[v.event.event_id] for v in views)),
        )

    def atom(self, feed: AtomFeed, site: SiteConfig) -> None:
        """An Atom feed: its entries' ``updated`` is the events' ``updated_at``, counted here
        whether or not the views' tokens count it."""
        if not self.writer.owns(feed.path):
            return
        key = digest(self.code, site, feed, [e.view.event.updated_at for e in feed.entries])
        self._publish(feed.path, key, lambda: render_atom(feed, site))

    def _publish(self, path: str, key: str, make: Callable[[], bytes]) -> None:
        if not self.writer.current(path, key):
            self.writer.write(path, make(), digest=key)
            self.rendered += 1
