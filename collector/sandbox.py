"""Parse feeds in a worker process, so that one feed's parse can be stopped from outside.

Parsing is pure CPU (icalendar, recurrence expansion) that Python cannot interrupt from another
thread. In a process of its own it can be: before each feed the worker lowers its own CPU-time
limit (RLIMIT_CPU) to what it has used plus PARSE_CPU_SECONDS; its memory may grow at most
PARSE_MEMORY_MB past what it held when forked (RLIMIT_AS, set once, and the collector reading
its resident size while it parses); the collector waits at most PARSE_WALL_SECONDS for the
answer, and all feeds together may take at most RUN_PARSE_SECONDS of a collect (then the feed
parsing is stopped and the rest are not parsed). A worker that overruns or dies is killed and
replaced; only its feed fails, with a reason, and the feed's stored events are kept.
collector/expand.py's cooperative budget ends most runaway parses first, with the same message.

The memory ceiling never moves with what the worker holds, and the worker is replaced after any
feed that failed (on a limit, or a broken calendar that may have cost as much) and once it has
grown more than PARSE_WORKER_GROWTH_MB since its fork: freed memory is not all given back to the
system, so a worker kept after hungry feeds held their leftovers (314 MB idle after two; 896 MB
at peak after ten, against the Lambda's 512 MB).

The worker is forked once, before the fetch threads start, and reused for every feed (a fork
per feed would cost milliseconds each at thousands of feeds). A replacement is forked while the
fetch threads run: it inherits their sockets and whatever locks they held, which is tolerable
only because the child never touches them (it only parses). Without fork (Windows) a feed is
parsed in process with the cooperative budget alone, which cannot interrupt one long call into
the recurrence library; where /proc is missing (macOS) there is no memory ceiling.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import resource
import signal
import time as clock
from datetime import date
from multiprocessing.connection import Connection

from collector.expand import Budget
from collector.parse import FEED, FeedError, ParsedFeed, Reading, parse_feed
from core.limits import (
    PARSE_CPU_SECONDS,
    PARSE_MEMORY_MB,
    PARSE_WALL_SECONDS,
    PARSE_WORKER_GROWTH_MB,
    RUN_PARSE_SECONDS,
)
from core.models import Group, SiteConfig

CAN_FORK = "fork" in multiprocessing.get_all_start_methods()
KEPT = "skipped (its stored events are kept)"
MB = 1024 * 1024
WATCH_SECONDS = 0.05  # how often the worker's memory is read while it parses


class FeedParser:
    """``with FeedParser() as parser: parser.parse(body, group, site, today)``."""

    def __init__(
        self,
        *,
        cpu_seconds: float = PARSE_CPU_SECONDS,
        wall_seconds: float = PARSE_WALL_SECONDS,
        memory_mb: int = PARSE_MEMORY_MB,
        run_seconds: float | None = None,
    ) -> None:
        self.cpu_seconds, self.wall_seconds, self.memory_mb = cpu_seconds, wall_seconds, memory_mb
        self.run_seconds = RUN_PARSE_SECONDS if run_seconds is None else run_seconds
        self._spent = 0.0  # seconds parsing so far, all feeds together
        self._process: multiprocessing.process.BaseProcess | None = None
        self._conn: Connection | None = None
        self._baseline: int | None = None

    def __enter__(self) -> FeedParser:
        if CAN_FORK:
            self._start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def parse(
        self, body: bytes, group: Group, site: SiteConfig, today: date, reading: Reading = FEED
    ) -> ParsedFeed:
        """Like ``parse_feed``; raises FeedError also for a parse that overran or crashed, and
        for every feed once the run's ``run_seconds`` of parsing are spent: a run of slow feeds
        ends in time, each of those left over failing alone (its stored events kept)."""
        left = self.run_seconds - self._spent
        if left <= 0:
            raise FeedError(f"not parsed: {self._run_spent()}: {KEPT}")
        started = clock.monotonic()
        try:
            return self._parse(body, group, site, today, reading, left)
        finally:
            self._spent += clock.monotonic() - started

    def _run_spent(self) -> str:
        return f"this collect's {self.run_seconds:g} s of parsing were spent"

    def _parse(
        self,
        body: bytes,
        group: Group,
        site: SiteConfig,
        today: date,
        reading: Reading,
        left: float,
    ) -> ParsedFeed:
        if not CAN_FORK:  # no worker to stop: the feed's own CPU budget is the bound
            budget = Budget(min(self.cpu_seconds, left))
            return parse_feed(body, group, site, today, budget=budget, reading=reading)
        if self._process is not None and not self._process.is_alive():
            self._stop()  # it died idle (the OOM killer, say): this feed gets a fresh one
        if self._conn is None:
            self._start()
        assert self._conn is not None
        with contextlib.suppress(OSError):  # it stopped reading: its answer or death says why
            self._conn.send(((body, group, site, today, reading), self.cpu_seconds))
        self._watch(left)
        try:
            kind, value = self._conn.recv()
        except (EOFError, OSError):
            raise FeedError(f"{self._death()}: {KEPT}") from None
        if kind == "error" or self._grown() > PARSE_WORKER_GROWTH_MB * MB:
            self.close()  # the next feed gets a fresh worker
        if kind == "error":
            raise FeedError(value)
        return value

    def _watch(self, left: float) -> None:
        """Wait for the answer, killing a worker past its wall time (or what is ``left`` of the
        run's) or its memory allowance (its RLIMIT_AS is loose in a worker forked while the
        fetch threads run: it inherits their stacks and malloc arenas, hundreds of MB it counts
        but cannot use)."""
        assert self._conn is not None
        deadline = clock.monotonic() + min(self.wall_seconds, left)
        while not self._conn.poll(WATCH_SECONDS):
            if self._grown() > self.memory_mb * MB:
                self._stop()
                raise FeedError(f"parsing needed more than {self.memory_mb} MB of memory: {KEPT}")
            if clock.monotonic() > deadline:
                self._stop()
                over = f"took more than {self.wall_seconds:g} s"
                why = over if left > self.wall_seconds else f"stopped: {self._run_spent()}"
                raise FeedError(f"parsing {why}: {KEPT}")

    def _grown(self) -> int:
        """Bytes the worker holds beyond what it held when forked (0 where /proc is missing)."""
        assert self._process is not None and self._process.pid is not None
        now = _resident(self._process.pid)
        return now - self._baseline if now is not None and self._baseline is not None else 0

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()  # the worker reads EOF and exits
        if self._process is not None:
            self._process.join(timeout=5)
        self._stop()

    def _start(self) -> None:
        parent, child = multiprocessing.get_context("fork").Pipe()
        self._process = multiprocessing.get_context("fork").Process(
            target=_serve,
            args=(child, parent, self.memory_mb),
            name="dctech-feed-parser",
            daemon=True,
        )
        self._process.start()
        child.close()
        self._conn = parent
        assert self._process.pid is not None
        self._baseline = _resident(self._process.pid)  # its parent's pages, shared until written

    def _death(self) -> str:
        """Why the worker stopped answering, in words; it is replaced for the next feed."""
        assert self._process is not None
        self._process.join(timeout=5)
        code = self._process.exitcode
        self._stop()
        if code == -signal.SIGXCPU:
            return f"parsing took more than {self.cpu_seconds:g} s of CPU time"
        return f"the parser crashed (exit code {code})"

    def _stop(self) -> None:
        if self._process is not None and self._process.is_alive():
            self._process.kill()
            self._process.join()
        if self._conn is not None:
            self._conn.close()
        self._process = self._conn = None


def _serve(conn: Connection, parent_end: Connection, memory_mb: int) -> None:
    """The worker: parse each request under a fresh CPU allowance and the address space it was
    given at its fork, until the collector hangs up."""
    parent_end.close()
    _soft_limit(resource.RLIMIT_CORE, 0)  # no core file when SIGXCPU ends it (it dumps core)
    held = _address_space()
    if held:
        _soft_limit(resource.RLIMIT_AS, held + memory_mb * MB)
    too_big = f"parsing needed more than {memory_mb} MB of memory: {KEPT}"
    while True:
        try:
            request = conn.recv()
        except (EOFError, OSError):
            return
        except MemoryError:  # reading the feed in is an allocation too
            break
        (body, group, site, today, reading), cpu_seconds = request
        _limit_cpu(cpu_seconds)
        try:
            budget = Budget(cpu_seconds)
            parsed = parse_feed(body, group, site, today, budget=budget, reading=reading)
            reply: tuple[str, object] = ("ok", parsed)
        except (FeedError, MemoryError) as exc:
            reply = ("error", too_big if _out_of_memory(exc) else str(exc))
        del body
        try:
            conn.send(reply)
        except MemoryError:  # pickling the answer is an allocation too
            del reply
            conn.send(("error", too_big))
    conn.send(("error", too_big))  # the feed it could not read in: it exits, and is replaced


def _out_of_memory(exc: BaseException | None) -> bool:
    """icalendar reports a MemoryError inside it as a parse error: look down the chain."""
    while exc is not None:
        if isinstance(exc, MemoryError):
            return True
        exc = exc.__cause__ or exc.__context__
    return False


def _limit_cpu(cpu_seconds: float) -> None:
    """CPU time for the next feed, on top of what this process already used."""
    used = resource.getrusage(resource.RUSAGE_SELF)
    cpu = int(used.ru_utime + used.ru_stime + cpu_seconds) + 2  # expand.py's check comes first
    _soft_limit(resource.RLIMIT_CPU, cpu)


def _soft_limit(kind: int, value: int) -> None:
    hard = resource.getrlimit(kind)[1]
    resource.setrlimit(kind, (value if hard == resource.RLIM_INFINITY else min(value, hard), hard))


def _address_space() -> int | None:
    """This process's virtual size in bytes (Linux); None where /proc does not tell."""
    return _statm("self", 0)


def _resident(pid: int) -> int | None:
    """A process's resident size now, in bytes (not ru_maxrss: that is a peak, and a forked
    worker starts with its parent's)."""
    return _statm(str(pid), 1)


def _statm(pid: str, field: int) -> int | None:
    try:
        with open(f"/proc/{pid}/statm") as statm:
            return int(statm.read().split()[field]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return None
