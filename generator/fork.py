"""Shares of a build in forked processes, so that a folder build uses every core.

The render is single-threaded Python: on threads it would hold the GIL, and creating tens of
thousands of files is the kernel's work either way. So a large first build into a folder forks
after planning (``generator.build``): children render and write the event pages and calendars
(most of the work at 30,000 events), each its share of the event parts, into the writer's
staging folder while the parent does the rest, then report what they produced for the parent's
writer to record (``Writer.absorb``). A bucket's render is split across Lambda invocations
instead (``generator.lambda_handler``).

A child never returns into the caller's code: whatever happens it ends with ``os._exit``, so
no context manager of the parent's (the writer's abort above all) runs twice.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import signal
from collections.abc import Callable, Sequence
from typing import Generic, TypeVar

T = TypeVar("T")
A = TypeVar("A")
CAN_FORK = hasattr(os, "fork")


class ForkError(RuntimeError):
    """The worker process ended without a report (killed, out of memory)."""


class Forked(Generic[T]):
    """``work()`` running in a forked child: ``join`` returns what it returned or raises what it
    raised; ``cancel`` stops it (after the parent's own share failed)."""

    def __init__(self, work: Callable[[], T]) -> None:
        read, write = os.pipe()
        pid = os.fork()
        if pid == 0:
            _child(work, read, write)
        os.close(write)
        self.pid: int | None = pid
        self._read = read

    def join(self) -> T:
        read, self._read = self._read, -1
        with os.fdopen(read, "rb") as pipe:  # read to the end first: a big report fills
            data = pipe.read()  # the pipe, and the child waits until it is read
        status = self._reap()
        if not data:
            raise ForkError(f"the build's worker process died ({_how(status)}) without a report")
        done, value = pickle.loads(data)
        if not done:
            raise value
        return value

    def cancel(self) -> None:
        """Stop the child and wait for it (never raises: the parent's error is the one shown)."""
        if self._read >= 0:
            os.close(self._read)
            self._read = -1
        if self.pid is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.pid, signal.SIGKILL)
        self._reap()

    def _reap(self) -> int:
        assert self.pid is not None
        _, status = os.waitpid(self.pid, 0)
        self.pid = None
        return status


def on_both_cores(items: Sequence[A], work: Callable[[A], T]) -> list[T]:
    """``work`` of each item, the second half in a forked child whose answers are pickled
    back: for what every process of a build needs, worked out once before the fork."""
    half = len(items) // 2
    child = Forked(lambda: [work(item) for item in items[half:]])
    try:
        mine = [work(item) for item in items[:half]]
    except BaseException:
        child.cancel()
        raise
    return mine + child.join()


def _child(work: Callable[[], object], read: int, write: int) -> None:
    os.close(read)
    code = 1
    try:
        try:
            outcome: tuple[bool, object] = (True, work())
            code = 0
        except BaseException as exc:  # reported, raised again in the parent
            outcome = (False, exc)
        try:
            data = pickle.dumps(outcome)
        except Exception:  # an exception that cannot travel: its text does
            data = pickle.dumps((False, ForkError(f"the build's worker failed: {outcome[1]!r}")))
        with os.fdopen(write, "wb") as out:
            out.write(data)
    finally:
        os._exit(code)


def _how(status: int) -> str:
    if os.WIFSIGNALED(status):
        return f"signal {signal.Signals(os.WTERMSIG(status)).name}"
    return f"exit code {os.waitstatus_to_exitcode(status)}"
