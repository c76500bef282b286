"""`dctech`: the command line.

Each command builds its runtime (core/runtime.py: settings, clock, store) from its options and
hands it to ordinary library code; this module reads only arguments.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from datetime import date
from pathlib import Path

from core.config import Override, load_overrides, override_file, validate_all
from core.errors import DctechError
from core.query import EventFilter, list_events
from core.runtime import Clock, Runtime, github_settings, pinned_today, store_url
from core.store import StoreError, open_store


def main(argv: list[str] | None = None) -> int:
    """Run one command. Errors the user can act on (every DctechError: bad settings, a missing
    store; every OSError: a full disk, a busy port) are one line on stderr and exit 2, never a
    traceback."""
    args = _parser().parse_args(argv)
    try:
        status = args.run(args)
        sys.stdout.flush()  # a reader that went away shows here, not in the exit's own flush
        return status
    except BrokenPipeError:
        # `dctech events | head -1`: the reader has what it wanted. Quiet, with the status a
        # shell gives a filter that SIGPIPE stopped (128 + 13), as `cat` would; stdout goes to
        # /dev/null so the interpreter's final flush cannot fail again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141
    except (DctechError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="dctech", description="DC Tech Events: collect group calendars, build the site."
    )
    commands = parser.add_subparsers(required=True, metavar="COMMAND")

    def command(name: str, run, help: str, *options) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=help, description=help)
        sub.set_defaults(run=run)
        sub.add_argument("--store", help="sqlite:///PATH or dynamodb://TABLE (env DCTECH_STORE)")
        sub.add_argument("--config", default="config.yaml", help="site settings file")
        for option in options:
            option(sub)
        return sub

    command(
        "collect",
        _collect,
        "fetch every group's feed into the store",
        _folders,
        _collect_opts,
        _today,
    )
    command("build", _build, "render the site from the store", _folders, _build_opts, _today)
    command(
        "refresh",
        _refresh,
        "collect, then build: the main job",
        _folders,
        _collect_opts,
        _build_opts,
        _today,
    )
    serve = command("serve", _serve, "preview the built site and /api/events on 127.0.0.1")
    serve.add_argument("--dir", default="_site", help="the built site (default _site)")
    serve.add_argument("--port", type=_port, default=8000, help="default 8000")
    serve.add_argument(
        "--categories", help="topics folder /api/events?category= checks (default _categories)"
    )
    events = command(
        "events", _events, "list the upcoming events the store holds", _today, _overrides
    )
    events.add_argument("--format", choices=("table", "json"), default="table")
    command(
        "check",
        _check,
        "validate config.yaml and every topic, group, single event and override file at once",
        _folders,
    )
    hide = command(
        "hide",
        _hide,
        "hide one feed event from the site: write its _overrides/<group_id>/<uid>.yaml",
        _today,
        _overrides,
    )
    hide.add_argument("event_id", help="the event's id (`dctech events --format json`)")
    feeds = command("feeds", _feeds, "show each feed's health: last success, errors, counts")
    feeds.add_argument("--format", choices=("table", "json"), default="table")
    store = command("store", _store_create, "create the store: the DynamoDB table or SQLite file")
    store.add_argument("action", choices=("create",), help="create (idempotent)")
    add = command(
        "add-group",
        _add_group,
        "write a group file from its Meetup, Luma, Google Calendar or iCal URL",
        _today,
    )
    add.add_argument("url", help="the group's page or its iCal feed URL")
    add.add_argument("--name", help="the group's name (default: the feed's X-WR-CALNAME)")
    add.add_argument("--id", help="the group id, the file's name (default: from the URL or name)")
    add.add_argument("--categories", help="topic slugs, comma-separated: ai,cloud")
    add.add_argument(
        "--groups", type=_folder, help="groups folder (default _groups beside --config)"
    )
    add.add_argument(
        "--force",
        action="store_true",
        help="write the file even when a group file already follows the same feed",
    )
    parity = command(
        "parity", _parity, "compare the store with another calendar: the live site's", _today
    )
    parity.add_argument("--against", required=True, help="the other calendar: a URL or file")
    parity.add_argument("--format", choices=("table", "json"), default="table")
    return parser


def _today(sub: argparse.ArgumentParser) -> None:
    sub.add_argument("--today", type=_date, help="YYYY-MM-DD (default: today in the site timezone)")


def _date(text: str) -> date:
    """An argparse type: argparse prefixes the option's name to the message."""
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a date YYYY-MM-DD, got {text!r}") from None


def _port(text: str) -> int:
    """An argparse type: a TCP port a server can listen on."""
    if not text.isdigit() or not 1 <= int(text) <= 65535:
        raise argparse.ArgumentTypeError(f"must be a port 1-65535, got {text!r}")
    return int(text)


FOLDERS = {  # option -> the repository folder it defaults to
    "groups": "_groups",
    "single_events": "_single_events",
    "categories": "_categories",
    "recurring_events": "_recurring_events",
    "overrides": "_overrides",
}


def _folder(text: str) -> str:
    """An argparse type: a folder that exists. Only an absent default folder means none of its
    files: a mistyped --single-events would read as no single events, and a collect would then
    retire every stored one."""
    if not Path(text).is_dir():
        raise argparse.ArgumentTypeError(f"no such folder: {text!r}")
    return text


def _folders(sub: argparse.ArgumentParser) -> None:
    """The repository's content folders; `check` reads them beside --config by default."""
    for name, folder in FOLDERS.items():
        flag = "--" + name.replace("_", "-")
        help = f"{name.replace('_', ' ')} folder (default {folder})"
        sub.add_argument(flag, type=_folder, help=help)


def _overrides(sub: argparse.ArgumentParser) -> None:
    sub.add_argument(
        "--overrides", type=_folder, help=f"overrides folder (default {FOLDERS['overrides']})"
    )


def _collect_opts(sub: argparse.ArgumentParser) -> None:
    sub.add_argument("--strict", action="store_true", help="exit 1 when any feed failed")


def _build_opts(sub: argparse.ArgumentParser) -> None:
    target = sub.add_mutually_exclusive_group()
    target.add_argument("--out", help="output folder (default _site)")
    target.add_argument("--bucket", help="S3 bucket to publish to instead of a folder")
    sub.add_argument("--base-url", help="absolute URL the site is served from")


def _runtime(
    args: argparse.Namespace, *, create_store: bool = False, clock: Clock | None = None
) -> Runtime:
    """The command's runtime, from the options it has, in the working folder (a checkout):
    the store from --store, else DCTECH_STORE; the real clock, or noon of --today."""
    option = vars(args).get
    return Runtime(
        config=Path(args.config),
        store_url=store_url(args.store),
        clock=clock or Clock(option("today")),
        create_store=create_store,
        root=Path("."),
        groups_dir=Path(option("groups") or FOLDERS["groups"]),
        single_events_dir=Path(option("single_events") or FOLDERS["single_events"]),
        categories_dir=Path(option("categories") or FOLDERS["categories"]),
        recurring_events_dir=Path(option("recurring_events") or FOLDERS["recurring_events"]),
        overrides_dir=Path(option("overrides") or FOLDERS["overrides"]),
        bucket=option("bucket"),
        base_url=option("base_url"),
    )


def _collect(args: argparse.Namespace) -> int:
    from collector.report import print_progress, print_summary
    from collector.run import collect

    with _runtime(args, create_store=True) as runtime:
        site = runtime.site
        catalogue = runtime.catalogue
        today, now = runtime.today_and_now()
        summary = collect(
            runtime.store(),
            catalogue.groups,
            site,
            today=today,
            now=now,
            single_events=catalogue.single_events,
            recurring_events=catalogue.recurring_events,
            overrides=catalogue.overrides,
            on_fetched=print_progress,
            root=runtime.root,
        )
    print_summary(summary)
    return 1 if args.strict and summary.failed else 0


def _build(args: argparse.Namespace) -> int:
    from generator.build import build_site
    from generator.writers import open_writer

    with _runtime(args) as runtime:
        today, now = runtime.today_and_now()
        report = build_site(
            runtime.store(),
            open_writer(args.out or (None if runtime.bucket else "_site"), runtime.bucket),
            site=runtime.site,
            groups=runtime.catalogue.groups,
            categories=runtime.catalogue.categories,
            today=today,
            now_ts=int(now.timestamp()),
        )
    print(report)
    return 0


def _refresh(args: argparse.Namespace) -> int:
    status = _collect(args)
    return _build(args) or status


def _serve(args: argparse.Namespace) -> int:
    from api.app import configure
    from api.local import handle
    from collector.lambda_handler import probe
    from generator.preview import serve

    # The API answers from this runtime, in this process: the settings given here (a mistake
    # fails now, not at the first request), "today" pinned as in Lambda by DCTECH_TODAY, sign-in
    # and submissions from the DCTECH_GITHUB_* variables. The store is opened when there is one;
    # until then the site serves and the API answers 503.
    with _runtime(args, clock=Clock(pinned_today())) as runtime:
        runtime.github = github_settings()
        _ = runtime.site  # config.yaml now: a mistake fails at startup
        try:
            runtime.store()
        except StoreError as error:
            url = runtime.store_url
            if not url.startswith("sqlite:///") or Path(url[len("sqlite:///") :]).exists():
                raise  # a bad URL, an unreadable file: a mistake, reported now
            print(f"note: the API has no store yet: {error}")
        if not runtime.categories_dir.is_dir():
            print(
                f"note: no topics folder {runtime.categories_dir}: /api/events?category= answers"
                " 503 (run from the repository's root, or pass --categories)",
                file=sys.stderr,
            )
        # a submitted group's feed is read here, as the probe Lambda reads it in production
        configure(runtime, lambda request: probe(request, runtime=runtime))
        serve(args.dir, port=args.port, api_handler=handle)
    return 0


def _events(args: argparse.Namespace) -> int:
    with _runtime(args) as runtime:
        today, now = runtime.today_and_now()
        upcoming = EventFilter(start=today)
        events = list(list_events(runtime.store(), upcoming, now_ts=int(now.timestamp())))
    if args.format == "json":
        json.dump([e.to_dict() for e in events], sys.stdout, indent=2, ensure_ascii=False)
        print()
        return 0
    curated = _curation(Path(vars(args).get("overrides") or FOLDERS["overrides"]))
    rows = [
        (
            e.start_datetime.replace("T", " ")[:16],
            e.state or "-",
            e.location_type,
            e.group_id,
            ("[cancelled] " if e.cancelled else "")
            + ("[corrected] " if _overridden(e, curated) else "")
            + e.title,
        )
        for e in events
    ]
    _table(("start", "state", "type", "group", "title"), rows)
    print(f"{len(events)} upcoming events")
    hidden = [o for o in curated.values() if o.hide or o.duplicate_of]
    if hidden:
        folder = args.overrides or FOLDERS["overrides"]
        print(f"{len(hidden)} feed event(s) hidden or merged by the overrides in {folder}/")
    return 0


def _curation(folder: Path) -> dict[tuple[str, str], Override]:
    """The overrides in ``folder`` by (group_id, source_uid); broken ones are `check`'s to
    report."""
    return {(o.group_id, o.source_uid): o for o in load_overrides(folder)[0]}


def _overridden(event, curated: dict[tuple[str, str], Override]) -> bool:
    keys = ((event.group_id, event.source_uid), (event.group_id, event.source_uid.split("#")[0]))
    return bool(event.source_uid) and any(k in curated for k in keys)


def _hide(args: argparse.Namespace) -> int:
    """`dctech hide EVENT_ID`: write the override that hides an upcoming feed event, keyed by
    its feed UID so it survives a retitle or reschedule. Applied from the next collect."""
    folder = Path(args.overrides or FOLDERS["overrides"])
    with _runtime(args) as runtime:
        today, now = runtime.today_and_now()
        listing = list_events(
            runtime.store(), EventFilter(start=today), now_ts=int(now.timestamp())
        )
        event = next((e for e in listing if e.event_id == args.event_id), None)
    if event is None:
        raise DctechError(
            f"no upcoming event {args.event_id!r} in the store",
            hint="find its id with `dctech events --format json`",
        )
    if not event.source_uid or event.group_id.startswith("_"):
        raise DctechError(
            f"{event.title!r} has no feed UID to key an override by",
            hint="a single or recurring event is hidden by deleting its file",
        )
    path = folder / override_file(event.group_id, event.source_uid)
    if path.exists():
        raise DctechError(f"{path} already exists", hint="edit it instead")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"# {event.start_datetime[:10]} {event.title}\nhide: true\n", encoding="utf-8")
    print(f"wrote {path}: the event is hidden from the next collect on")
    return 0


def _check(args: argparse.Namespace) -> int:
    root = Path(args.config).resolve().parent
    problems = validate_all(
        root,
        config=args.config,
        groups_dir=args.groups,
        single_events_dir=args.single_events,
        categories_dir=args.categories,
        recurring_events_dir=args.recurring_events,
        overrides_dir=args.overrides,
    )
    for problem in problems:
        print(f"error: {problem}", file=sys.stderr)
    for warning in _override_warnings(args, root):
        print(f"warning: {warning}", file=sys.stderr)
    print(f"{len(problems)} problem(s)" if problems else "configuration ok")
    return 1 if problems else 0


def _override_warnings(args: argparse.Namespace, root: Path) -> list[str]:
    """Overrides that match nothing: of a group that does not exist, or (when there is a store)
    that matched no event of the group's feed at the last collect. A warning, not an error: a
    feed drops past events, and a stale override is harmless."""
    folder = Path(args.overrides) if args.overrides else root / FOLDERS["overrides"]
    groups = Path(args.groups) if args.groups else root / FOLDERS["groups"]
    overrides = load_overrides(folder)[0]
    if not overrides:
        return []
    found = [
        f"{folder}/{o.source_file}: no group {o.group_id!r} in {groups}"
        for o in overrides
        if not (groups / f"{o.group_id}.yaml").is_file()
    ]
    try:
        store = open_store(store_url(args.store), create=False)
    except StoreError:
        return found  # no store yet: nothing was collected to match against
    try:
        states = store.load_feed_states()
    finally:
        store.close()
    for state in states.values():
        found += [
            f"{folder}/{name}: matched no event at the last collect"
            for name in state.unmatched_overrides
        ]
    return found


def _feeds(args: argparse.Namespace) -> int:
    from collector.report import feed_notes

    with _runtime(args) as runtime:
        states = sorted(runtime.store().load_feed_states().values(), key=lambda s: s.group_id)
    if args.format == "json":
        json.dump([s.to_dict() for s in states], sys.stdout, indent=2)
        print()
        return 0
    rows = [
        (
            s.group_id,
            s.last_success[:16] or "never",
            str(s.http_status or "-"),
            f"{s.events_parsed}/{s.vevents_in_source}",
            s.error or feed_notes(s.cut, s.skipped, s.note),
        )
        for s in states
    ]
    header = ("group", "last success", "http", "events/vevents", "error, note, limit or skipped")
    _table(header, rows)
    return 0


def _store_create(args: argparse.Namespace) -> int:
    """`dctech store create`: a DynamoDB table with the keys, indexes and TTL of
    core/store/schema.py (waiting until it is ACTIVE), or the SQLite database file. Safe to
    re-run: an existing store with that schema is left as it is."""
    from core.store.dynamodb import DynamoDBStore, create_table

    url = store_url(args.store)
    try:
        store, created = open_store(url, create=False), False
    except StoreError:  # no SQLite file yet (a bad URL fails again just below)
        store, created = open_store(url), True
    try:
        if isinstance(store, DynamoDBStore):
            created = create_table(store.table_name)
    finally:
        store.close()
    print(f"{url}: {'created' if created else 'already exists'}")
    return 0


def _add_group(args: argparse.Namespace) -> int:
    """`dctech add-group URL`: fetch the feed once, show what it holds, write the group file
    for review and validate it as `dctech check` would. Exit 1, writing nothing, when the URL
    gives no readable feed or the file would not pass."""
    import yaml

    from collector import discover as d
    from collector.parse import WINDOW_DAYS
    from collector.probe import Unreadable, read_calendar
    from core.config import GROUP_ID
    from core.models import Group

    if args.id and not GROUP_ID.fullmatch(args.id):
        raise DctechError(f"--id {args.id!r}: use only lowercase letters, digits, '-' and '_'")
    root = Path(args.config).resolve().parent
    groups_dir = Path(args.groups) if args.groups else root / FOLDERS["groups"]
    with _runtime(args) as runtime:
        site, (today, _) = runtime.site, runtime.today_and_now()
    try:
        source = d.discover(args.url)
    except d.NoFeed as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    followed = _following(groups_dir, source.feed)
    if followed:
        said = f"{', '.join(map(str, followed))} already follow(s) the feed {source.feed}"
        if not args.force:
            raise DctechError(said, hint="pass --force to add another group for it anyway")
        print(f"warning: {said}; --force: adding another", file=sys.stderr)
    try:
        draft = Group(args.id or "new-group", args.name or "", source.page or d.web(source.feed))
        body, feed = read_calendar(source.feed, draft, site, today)
    except Unreadable as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    name = args.name or d.group_name(body, source)
    path = groups_dir / f"{args.id or d.group_id(name, source)}.yaml"
    if path.exists():
        raise DctechError(f"{path} already exists", hint="pass --id to choose another group id")
    site_url = d.website(body, source)
    print(f"feed: {source.feed} ({source.kind})", f"name: {name}", f"website: {site_url}", sep="\n")
    print(*d.describe(feed, WINDOW_DAYS), sep="\n")
    topics = [t.strip() for t in (args.categories or "").split(",") if t.strip()]
    data = d.group_file(name, site_url, source.feed, topics)
    text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=1000)
    path.write_text(text, encoding="utf-8")
    checked = validate_all(root, config=args.config, groups_dir=groups_dir)
    problems = [p for p in checked if p.path == path]  # the checkout's others are not ours
    for problem in problems:
        print(f"error: {problem}", file=sys.stderr)
    if problems:
        path.unlink()
        print("nothing written: fix the above (--name, --id, --categories) and run it again")
        return 1
    print(f"wrote {path}")
    print("next: review the file (name, website, categories), run `dctech check`,")
    print("      open a pull request")
    return 0


def _following(groups_dir: Path, feed: str) -> list[Path]:
    """The group files whose ``ical`` is ``feed`` (compared by collector.discover.feed_key:
    webcal:// as https://, the host's case and a trailing slash aside). A file that does not
    load is `dctech check`'s to report."""
    from collector.discover import feed_key
    from core.config import ConfigError, load_group

    key, found = feed_key(feed), []
    for path in sorted(groups_dir.glob("*.yaml")):
        try:
            ical = load_group(path).ical
        except ConfigError:
            continue
        if ical and feed_key(ical) == key:
            found.append(path)
    return found


def _parity(args: argparse.Namespace) -> int:
    """`dctech parity --against URL_OR_FILE`: what the other calendar and our store list over
    the collection window, compared by core/parity.py. Exit 1 when anything differs.

    The other calendar is read whole (collector/probe.py): its events outside the site's states
    too, so that they show as only there, under bounds for a site's calendar rather than a
    feed's. What the read still left out (events that do not parse, past the bounds) cannot be
    compared: a warning line (stderr) or, with --format json, ``not_compared`` and ``cut``."""
    from datetime import timedelta

    from collector.discover import SKIP_REASONS
    from collector.parse import WINDOW_DAYS
    from collector.probe import read_calendar
    from core.models import Group
    from core.parity import compare

    with _runtime(args) as runtime:
        today, now = runtime.today_and_now()
        group = Group("parity", "", "")
        theirs = read_calendar(args.against, group, runtime.site, today, whole=True)[1]
        window = EventFilter(start=today, end=today + timedelta(days=WINDOW_DAYS - 1))
        ours = list(list_events(runtime.store(), window, now_ts=int(now.timestamp())))
    parity = compare(theirs.events, ours)
    left_out = {r: n for r, n in sorted(theirs.skipped.items()) if r != "outside_window"}
    if args.format == "json":
        report = parity.to_dict() | {"not_compared": left_out, "cut": theirs.cut}
        json.dump(report, sys.stdout, indent=2, ensure_ascii=False)
        print()
    else:
        if left_out:
            reasons = ", ".join(f"{n} {SKIP_REASONS.get(r, r)}" for r, n in left_out.items())
            count = sum(left_out.values())
            print(f"warning: {count} event(s) there not compared: {reasons}", file=sys.stderr)
        for cut in theirs.cut:
            print(f"warning: {args.against}: {cut}", file=sys.stderr)
        found = [("differs", p.here, p.describe()) for p in parity.differ]
        found += [("only there", e, e.url) for e in parity.only_there]
        found += [("only here", e, e.url) for e in parity.only_here]
        rows: list[tuple[str, ...]] = [
            (k, e.start_datetime[:16].replace("T", " "), e.title, x) for k, e, x in found
        ]
        if rows:
            _table(("what", "start", "title", "difference or link"), rows)
        print(parity.summary())
    return 0 if parity.identical else 1


def _table(header: tuple[str, ...], rows: list[tuple[str, ...]]) -> None:
    widths = [max(len(str(c)) for c in col) for col in zip(header, *rows, strict=False)]
    for row in (header, *rows):
        print("  ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=False)).rstrip())


if __name__ == "__main__":
    sys.exit(main())
