"""What the write path's routes work with, built once per runtime: the sign-in flow over the
store, the GitHub client, the session key, the feed probe, the topics for the forms and the
origin secret.

api/app.py connects the provider of its runtime at import, and `dctech serve` hands in the
collector's probe; in Lambda the probe is the function the runtime names.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from api.auth import CALLBACK_PATH, SignIn
from api.credentials import credentials, origin_secret
from api.github import GitHub, HttpGitHub
from api.probe import FeedProbe, lambda_probe
from core.config import load_category
from core.errors import raise_if_any
from core.models import Category
from core.runtime import Runtime
from core.yamldoc import load_all


@dataclass
class Services:
    """Everything a write-path request needs, for one runtime."""

    runtime: Runtime
    signin: SignIn
    key: bytes
    github: GitHub
    probe: FeedProbe | None
    categories: tuple[Category, ...]
    origin_secret: str | None  # CloudFront's header value: api/abuse.py client_address


_provider: Callable[[], Runtime] | None = None
_probe: FeedProbe | None = None
_built: Services | None = None


def connect(provider: Callable[[], Runtime]) -> None:
    """Answer from the runtime ``provider`` gives (api.app's)."""
    global _provider, _built
    _provider, _built = provider, None


def use_probe(probe: FeedProbe | None) -> None:
    """Read a submitted group's feed with ``probe`` in-process (`dctech serve`); None: with
    the probe Lambda the runtime names, if any."""
    global _probe, _built
    _probe, _built = probe, None


def services() -> Services:
    """Built once per runtime; SignInOff when sign-in is not configured."""
    global _built
    assert _provider is not None, "api.app registers the blueprint and connects it"
    runtime = _provider()
    if _built is None or _built.runtime is not runtime:
        settings = runtime.github
        secrets = credentials(settings)
        assert settings.client_id and settings.repository  # credentials() checked
        github = HttpGitHub(
            settings.web_url, settings.api_url, settings.client_id, secrets.client_secret
        )
        callback = settings.callback_url or runtime.site.base_url + CALLBACK_PATH
        signin = SignIn(
            runtime.store(),
            github,
            secrets.session_key,
            settings.client_id,
            settings.web_url + "/login/oauth/authorize",
            callback,
        )
        probe = _probe or (
            lambda_probe(settings.probe_function) if settings.probe_function else None
        )
        _built = Services(
            runtime,
            signin,
            secrets.session_key,
            github,
            probe,
            _categories(runtime),
            origin_secret(settings),
        )
    return _built


def _categories(runtime: Runtime) -> tuple[Category, ...]:
    found, errors = load_all(runtime.categories_dir, load_category, required=True)
    raise_if_any(errors)
    return tuple(sorted(found, key=lambda c: c.name))


def provider() -> Runtime:
    """The runtime the routes answer from."""
    assert _provider is not None, "api.app registers the blueprint and connects it"
    return _provider()
