"""Writes in flight: a few threads doing a writer's I/O while the build renders the next page.

An upload waits on the network, a file written to a folder on the kernel (creating tens of
thousands of files costs seconds of system time): on threads, that overlaps with rendering,
which holds the GIL the I/O releases. At most ``in_flight`` jobs wait, so memory stays bounded
however many files a build writes. The first failure is raised, as it was, by the next
``submit`` or by ``wait``, so a failed write stops the build before anything is deleted.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor


class Background:
    def __init__(self, workers: int, in_flight: int, name: str) -> None:
        self.workers, self.name = workers, name
        self._slots = threading.BoundedSemaphore(in_flight)
        self._pool: ThreadPoolExecutor | None = None
        self._failure: BaseException | None = None

    def submit(self, job: Callable[[], None]) -> None:
        self._raise()
        if self._pool is None:
            self._pool = ThreadPoolExecutor(self.workers, thread_name_prefix=self.name)
        self._slots.acquire()
        try:
            self._pool.submit(job).add_done_callback(self._done)
        except BaseException:
            self._slots.release()
            raise

    def _done(self, future: Future[None]) -> None:
        self._slots.release()
        if not future.cancelled() and future.exception() is not None and self._failure is None:
            self._failure = future.exception()

    def wait(self) -> None:
        """Every job done; the first failure raised."""
        if self._pool is not None:
            self._pool.shutdown()
            self._pool = None
        self._raise()

    def cancel(self) -> None:
        """Drop the jobs not begun and wait for the others (after a failure: never raises)."""
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)
            self._pool = None
        self._failure = None

    def _raise(self) -> None:
        if self._failure is not None:
            failure, self._failure = self._failure, None
            raise failure
