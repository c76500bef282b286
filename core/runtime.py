"""The composition root: the settings, environment, clock and store a run depends on.

The command line, both Lambda handlers and the API build a `Runtime` here and hand its parts to
library code, which never reads the environment or the clock itself. Every environment variable
the system reads is named once, in `ENVIRONMENT` (the README's table is checked against it).

No boto3 here (`open_store` imports the DynamoDB store only for a ``dynamodb://`` URL), and no
YAML parser until there is a config file to read: the API's Chalice package ships neither.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from core.errors import DctechError, raise_if_any
from core.models import SiteConfig
from core.store import DEFAULT_STORE_URL, EventStore, open_store

if TYPE_CHECKING:
    from core.config import Catalogue

BUNDLE = Path(__file__).resolve().parent.parent  # the folder holding core/: a bundle or checkout
PREVIEW_URL = "http://127.0.0.1:8000"  # where `dctech serve` shows a folder build by default


@dataclass(frozen=True)
class Variable:
    """One environment variable: who reads it, what it means, what applies when it is unset."""

    name: str
    used_by: str
    meaning: str
    default: str  # as the README shows it
    external: bool = False  # read by a tool we run (boto3, the CDK), listed for the README only

    def read(self, environ: Mapping[str, str]) -> str | None:
        """The value; an empty one counts as unset."""
        return environ.get(self.name) or None


STORE = Variable(
    "DCTECH_STORE",
    "CLI, all Lambdas, API",
    "store URL: `sqlite:///PATH` or `dynamodb://TABLE` (CDK sets `dynamodb://<table>`)",
    f"`{DEFAULT_STORE_URL}`",
)
CONFIG = Variable(
    "DCTECH_CONFIG",
    "collector, render Lambdas, API",
    "site settings file",
    "the bundled `config.yaml`",
)
GROUPS_DIR = Variable(
    "DCTECH_GROUPS_DIR",
    "collector, render Lambdas",
    "group files, when no content bucket is named",
    "`_groups` beside `core/`",
)
SINGLE_EVENTS_DIR = Variable(
    "DCTECH_SINGLE_EVENTS_DIR",
    "collector, render Lambdas",
    "single events, when no content bucket is named",
    "`_single_events` beside `core/`",
)
RECURRING_EVENTS_DIR = Variable(
    "DCTECH_RECURRING_EVENTS_DIR",
    "collector, render Lambdas",
    "curated recurring series, when no content bucket is named",
    "`_recurring_events` beside `core/`",
)
OVERRIDES_DIR = Variable(
    "DCTECH_OVERRIDES_DIR",
    "collector, render Lambdas",
    "curators' overrides of feed events (`_overrides/<group_id>/<uid>.yaml`), when no content"
    " bucket is named",
    "`_overrides` beside `core/`",
)
CATEGORIES_DIR = Variable(
    "DCTECH_CATEGORIES_DIR",
    "all Lambdas, API",
    "topic files, when no content bucket is named",
    "`_categories` beside `core/`",
)
CONTENT_BUCKET = Variable(
    "DCTECH_CONTENT_BUCKET",
    "collector, render Lambdas, API",
    "private bucket holding the content folders (`_groups/`, `_categories/`, `_single_events/`,"
    " `_recurring_events/`, `_overrides/`; CDK deploys them, no Lambda bundle ships them), read"
    " at the start of each collector and render run; the API reads `_categories/`, again once"
    " its copy is 15 minutes old",
    "none: the folders above",
)
RENDER_FUNCTION = Variable(
    "DCTECH_RENDER_FUNCTION",
    "collector Lambda",
    "render Lambda, invoked asynchronously with the run's summary after each collect",
    "none: no render",
)
BUCKET = Variable(
    "DCTECH_BUCKET",
    "render Lambda",
    "the private site bucket the pages are written to",
    "none: the render fails",
)
BASE_URL = Variable(
    "DCTECH_BASE_URL",
    "render Lambda",
    "absolute site URL (`https://<domain>` or the distribution's domain)",
    "`base_url` of `config.yaml`",
)
DISTRIBUTION_ID = Variable(
    "DCTECH_DISTRIBUTION_ID",
    "render Lambda",
    "CloudFront distribution invalidated after a build that changed files",
    "none: no invalidation",
)
TODAY = Variable(
    "DCTECH_TODAY",
    "API (`dctech serve`'s too), all Lambdas",
    'pin "today" (YYYY-MM-DD, at noon in the site timezone) for tests and previews: '
    "the API's default date window, a Lambda run's date",
    "the real date",
)
GITHUB_CLIENT_ID = Variable(
    "DCTECH_GITHUB_CLIENT_ID",
    "API",
    "the GitHub OAuth app's client id: sign-in and submissions at `/submit/`",
    "none: sign-in and submissions are off",
)
GITHUB_CLIENT_SECRET = Variable(
    "DCTECH_GITHUB_CLIENT_SECRET",
    "API (local)",
    "the OAuth app's client secret (production reads it from `DCTECH_GITHUB_SECRET_ARN`)",
    "none",
)
SESSION_KEY = Variable(
    "DCTECH_SESSION_KEY",
    "API (local)",
    "the key that signs sign-in states and form tokens: 32 or more random characters"
    " (production reads it from `DCTECH_GITHUB_SECRET_ARN`)",
    "none",
)
GITHUB_SECRET_ARN = Variable(
    "DCTECH_GITHUB_SECRET_ARN",
    "API",
    'Secrets Manager secret holding `{"client_secret": ..., "session_key": ...}` (CDK sets it)',
    "none: the two variables above",
)
ORIGIN_SECRET_ARN = Variable(
    "DCTECH_ORIGIN_SECRET_ARN",
    "API",
    "Secrets Manager secret CloudFront sends to the API as `X-Origin-Verify`: only a request"
    " carrying it is trusted for the visitor's address (`CloudFront-Viewer-Address`) in the"
    " per-address limits (CDK sets it)",
    "none: the connection's address",
)
OAUTH_CALLBACK_URL = Variable(
    "DCTECH_OAUTH_CALLBACK_URL",
    "API",
    "`https://<domain>/auth/callback`, as registered with the OAuth app",
    "`base_url` of `config.yaml` + `/auth/callback`",
)
SUBMISSIONS_REPO = Variable(
    "DCTECH_SUBMISSIONS_REPO",
    "API",
    "`owner/name` of the repository submissions open pull requests on",
    "none: submissions are off",
)
GITHUB_URL = Variable(
    "DCTECH_GITHUB_URL",
    "API",
    "GitHub's web address (the OAuth pages); tests point it at a fake",
    "`https://github.com`",
)
GITHUB_API_URL = Variable(
    "DCTECH_GITHUB_API_URL",
    "API",
    "GitHub's REST API; tests point it at a fake",
    "`https://api.github.com`",
)
PROBE_FUNCTION = Variable(
    "DCTECH_PROBE_FUNCTION",
    "API",
    "Lambda that reads a submitted group's feed once (the collector bundle's probe)",
    "none: `dctech serve` probes in-process; else the PR says the feed was not read",
)
ENVIRONMENT: tuple[Variable, ...] = (
    STORE,
    CONFIG,
    GROUPS_DIR,
    SINGLE_EVENTS_DIR,
    RECURRING_EVENTS_DIR,
    OVERRIDES_DIR,
    CATEGORIES_DIR,
    CONTENT_BUCKET,
    RENDER_FUNCTION,
    BUCKET,
    BASE_URL,
    DISTRIBUTION_ID,
    TODAY,
    GITHUB_CLIENT_ID,
    GITHUB_CLIENT_SECRET,
    SESSION_KEY,
    GITHUB_SECRET_ARN,
    ORIGIN_SECRET_ARN,
    OAUTH_CALLBACK_URL,
    SUBMISSIONS_REPO,
    GITHUB_URL,
    GITHUB_API_URL,
    PROBE_FUNCTION,
    Variable(
        "AWS_ENDPOINT_URL",
        "boto3",
        "point `dynamodb://` at any DynamoDB-compatible server (e.g. DynamoDB Local)",
        "AWS's endpoints",
        external=True,
    ),
    Variable(
        "CDK_DEFAULT_ACCOUNT",
        "CDK app",
        "account to deploy to (set by the `cdk` CLI from your credentials)",
        "set by `cdk`",
        external=True,
    ),
    Variable(
        "CDK_DEFAULT_REGION",
        "CDK app",
        "region to deploy to (set by the `cdk` CLI)",
        "set by `cdk`",
        external=True,
    ),
    Variable(
        "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION",
        "CDK, tests",
        "`20` hides node 20's end-of-life banner",
        "unset: the banner shows",
        external=True,
    ),
)


@dataclass(frozen=True)
class GitHubSettings:
    """Sign-in with GitHub and submissions as pull requests (api/auth.py, api/submissions.py).
    Secrets are here only for a local run; in Lambda ``secret_arn`` names where they are."""

    client_id: str | None = None
    client_secret: str | None = None
    session_key: str | None = None
    secret_arn: str | None = None
    origin_secret_arn: str | None = None  # what proves a request came through CloudFront
    callback_url: str | None = None  # None: the site's base_url + /auth/callback
    repository: str | None = None  # owner/name
    web_url: str = "https://github.com"
    api_url: str = "https://api.github.com"
    probe_function: str | None = None

    @property
    def enabled(self) -> bool:
        """Sign-in needs an OAuth app and a repository to send submissions to."""
        return bool(self.client_id and self.repository)

    def __repr__(self) -> str:  # never the secrets, in a log line or a traceback
        return f"GitHubSettings(client_id={self.client_id!r}, repository={self.repository!r})"


def github_settings(environ: Mapping[str, str] = os.environ) -> GitHubSettings:
    """The sign-in and submission settings of the environment."""
    return GitHubSettings(
        client_id=GITHUB_CLIENT_ID.read(environ),
        client_secret=GITHUB_CLIENT_SECRET.read(environ),
        session_key=SESSION_KEY.read(environ),
        secret_arn=GITHUB_SECRET_ARN.read(environ),
        origin_secret_arn=ORIGIN_SECRET_ARN.read(environ),
        callback_url=OAUTH_CALLBACK_URL.read(environ),
        repository=SUBMISSIONS_REPO.read(environ),
        web_url=(GITHUB_URL.read(environ) or GitHubSettings.web_url).rstrip("/"),
        api_url=(GITHUB_API_URL.read(environ) or GitHubSettings.api_url).rstrip("/"),
        probe_function=PROBE_FUNCTION.read(environ),
    )


@dataclass(frozen=True)
class Clock:
    """What time a run sees: the real clock, or ``pinned`` so that a run is reproducible, to
    noon of a day in the site timezone (a `date`: `--today`, DCTECH_TODAY) or to an instant
    (an aware `datetime`: tests and benchmarks that step through days)."""

    pinned: date | datetime | None = None

    def read(self, timezone: ZoneInfo) -> tuple[date, datetime]:
        """(today in ``timezone``, now in UTC), from one reading."""
        if isinstance(self.pinned, datetime):
            now = self.pinned.astimezone(UTC)
        elif self.pinned is not None:
            now = datetime.combine(self.pinned, time(12), timezone).astimezone(UTC)
        else:
            now = datetime.now(UTC)
        return now.astimezone(timezone).date(), now


@dataclass(eq=False)
class Runtime:
    """What one run (a command, a Lambda invocation) or the API's process works with. The
    defaults are a Lambda bundle's (or the checkout's): its config.yaml, groups and feeds."""

    config: Path = BUNDLE / "config.yaml"
    store_url: str = DEFAULT_STORE_URL
    clock: Clock = Clock()
    create_store: bool = True  # False for commands that only read: a missing SQLite file is a typo
    root: Path = BUNDLE  # where a group's local `ical` path is found
    groups_dir: Path = BUNDLE / "_groups"
    single_events_dir: Path = BUNDLE / "_single_events"
    recurring_events_dir: Path = BUNDLE / "_recurring_events"
    categories_dir: Path = BUNDLE / "_categories"
    overrides_dir: Path = BUNDLE / "_overrides"
    content_bucket: str | None = None  # the content folders' bucket, read in place of the above
    bucket: str | None = None  # publish here instead of into a folder
    base_url: str | None = None  # links' base, overriding the rule in `site`
    render_function: str | None = None
    distribution_id: str | None = None
    github: GitHubSettings = GitHubSettings()  # the API's sign-in and submissions
    # tests and benchmarks only: the Lambdas may read feeds on 127.0.0.1 (their loopback feed
    # servers). No variable sets it, so a deployed collector or probe reads public addresses only.
    loopback_feeds: bool = False
    opened: EventStore | None = None  # the store once open; a test may hand one in

    @cached_property
    def site(self) -> SiteConfig:
        """config.yaml's settings, read on first use (a command that needs only the store never
        reads them), with the base URL links point at: ``base_url`` when one is given; else a
        site published to a bucket links to the configured base_url, and one built into a
        folder is a preview that links to the local server `dctech serve` starts. Its
        ``canonical_url`` stays the configured one: what names the site's content (Atom ids)
        is the same in a preview."""
        site = _load_site(self.config)
        url = self.base_url or (site.base_url if self.bucket else PREVIEW_URL)
        return replace(site, base_url=url.rstrip("/"), canonical_url=site.base_url)

    @cached_property
    def catalogue(self) -> Catalogue:
        """The topics, groups, single events, series and overrides, read and cross-checked on
        first use."""
        from core.config import load_catalogue

        return load_catalogue(
            self.groups_dir,
            self.single_events_dir,
            self.categories_dir,
            self.recurring_events_dir,
            self.overrides_dir,
        )

    @cached_property
    def topics(self) -> tuple[str, ...]:
        """The topic slugs alone, sorted, read on first use: what the API checks ``category``
        against (it reads only the topics, so no catalogue to load)."""
        from core.config import load_category
        from core.yamldoc import load_all

        categories, errors = load_all(self.categories_dir, load_category, required=True)
        raise_if_any(errors)
        return tuple(sorted(c.slug for c in categories))

    def today_and_now(self) -> tuple[date, datetime]:
        """One reading of the clock: (today in the site timezone, now in UTC)."""
        return self.clock.read(ZoneInfo(self.site.timezone))

    def store(self) -> EventStore:
        """The store, opened on first use and kept: one connection per run, or per process for
        the API (one per Lambda container, not per request)."""
        if self.opened is None:
            self.opened = open_store(self.store_url, create=self.create_store)
        return self.opened

    def close(self) -> None:
        """Close the store if it is open (a later `store()` opens it again)."""
        if self.opened is not None:
            self.opened.close()
            self.opened = None

    def __enter__(self) -> Runtime:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def from_environment(
    environ: Mapping[str, str] = os.environ, *, clock: Clock | None = None
) -> Runtime:
    """The runtime of a Lambda or the API: each setting from its variable, the bundle's files
    for those unset. ``clock`` (tests, benchmarks) replaces the real or DCTECH_TODAY's."""
    return Runtime(
        config=Path(CONFIG.read(environ) or BUNDLE / "config.yaml"),
        store_url=store_url(None, environ),
        clock=clock or Clock(pinned_today(environ)),
        groups_dir=Path(GROUPS_DIR.read(environ) or BUNDLE / "_groups"),
        single_events_dir=Path(SINGLE_EVENTS_DIR.read(environ) or BUNDLE / "_single_events"),
        recurring_events_dir=Path(
            RECURRING_EVENTS_DIR.read(environ) or BUNDLE / "_recurring_events"
        ),
        categories_dir=Path(CATEGORIES_DIR.read(environ) or BUNDLE / "_categories"),
        overrides_dir=Path(OVERRIDES_DIR.read(environ) or BUNDLE / "_overrides"),
        content_bucket=CONTENT_BUCKET.read(environ),
        bucket=BUCKET.read(environ),
        base_url=BASE_URL.read(environ),
        render_function=RENDER_FUNCTION.read(environ),
        distribution_id=DISTRIBUTION_ID.read(environ),
        github=github_settings(environ),
    )


def store_url(option: str | None, environ: Mapping[str, str] = os.environ) -> str:
    """--store, else DCTECH_STORE, else the embedded default."""
    return option or STORE.read(environ) or DEFAULT_STORE_URL


def pinned_today(environ: Mapping[str, str] = os.environ) -> date | None:
    """The day DCTECH_TODAY pins, if it is set."""
    text = TODAY.read(environ)
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise DctechError(f"{TODAY.name} must be a date YYYY-MM-DD, got {text!r}") from None


def _load_site(path: Path) -> SiteConfig:
    """The settings in ``path``, the defaults when there is no such file. The loader (and with
    it the YAML parser) is imported only for a file that exists."""
    if not path.exists():
        return SiteConfig()
    from core.config import load_site_config

    return load_site_config(path)
