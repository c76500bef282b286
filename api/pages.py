"""The write path's HTML: the two forms and the answer page, rendered with Jinja from
templates/ (autoescaped: a value typed into a form comes back as text, never as markup)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape

from core.runtime import BUNDLE

TEMPLATES = BUNDLE / "templates"


@dataclass(frozen=True)
class Paths:
    """The write path's URLs (the routes of api/write.py), as the templates link them."""

    login: str = "/auth/login"
    callback: str = "/auth/callback"
    logout: str = "/auth/logout"
    submit_event: str = "/submit/"
    submit_group: str = "/submit-group/"
    submissions: str = "/api/submissions"


PATHS = Paths()


@cache
def _environment(folder: Path) -> Environment:
    return Environment(
        loader=FileSystemLoader(str(folder)),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render(name: str, **context: Any) -> str:
    return _environment(TEMPLATES).get_template(name).render(paths=PATHS, **context)
