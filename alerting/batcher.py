"""Group commit for the inbound endpoints served under ASGI: one writer per web process.

Requests hand their already-validated events to the batcher and wait. A single writer task takes everything
that is waiting, stores it with one `actions.alert_ingest_batch` (one transaction, one WAL flush) on its own
thread, and only after the commit answers each waiting request. 202 still means stored; nothing is delayed on
purpose: while one batch commits the next one gathers, so batches grow with the load and a lone event is
written at once.

Failures never become a 202: if a batch fails (a database error, a bug), each request in it is retried alone,
so one request's events cannot fail the others, and a request that still fails gets an error (503 upstream).
When more events wait than MAX_WAITING_EVENTS, new requests are refused (503) instead of queueing unboundedly.
"""

import asyncio
import logging
from collections import deque
from concurrent.futures import ThreadPoolExecutor

from django.db import connection

from alerting import actions
from alerting.events import InboundEvent
from alerting.models import Integration

logger = logging.getLogger(__name__)

MAX_BATCH_EVENTS = 1000  # per transaction: bounds a batch's latency and lock time
MAX_WAITING_EVENTS = 20_000  # beyond this the process is too far behind: refuse rather than queue
IDLE_RELEASE_SECONDS = 1.0  # the writer keeps its database connection while events keep coming

Items = list[tuple[Integration, InboundEvent]]


class Overloaded(Exception):
    """Too many events wait for the writer; the sender should retry shortly."""


class StoreFailed(Exception):
    """The request's events could not be stored (nothing of them was committed)."""


def _write(requests: list[Items]) -> list[list[actions.IngestResult] | BaseException]:
    """Store the requests' events in one transaction; if that fails, each request alone. Runs on the writer thread."""
    flat = [item for items in requests for item in items]
    try:
        results = actions.alert_ingest_batch(items=flat)
    except Exception as error:
        connection.close()  # it may be broken; the next batch takes a fresh one
        if len(requests) == 1:
            logger.exception("inbound batch of %s events could not be stored", len(flat))
            return [error]
        logger.warning("inbound batch of %s requests failed; storing them one by one", len(requests), exc_info=True)
        return [outcome for items in requests for outcome in _write([items])]
    outcomes: list[list[actions.IngestResult] | BaseException] = []
    start = 0
    for items in requests:
        outcomes.append(results[start : start + len(items)])
        start += len(items)
    return outcomes


def _release_connection() -> None:
    """Give the writer thread's connection back (to the pool in production) while nothing waits."""
    connection.close()


class IngestBatcher:
    """The per-event-loop group-commit writer. Create it inside the running loop; use `submit`."""

    def __init__(self) -> None:
        """Start the writer task on the running loop, with one dedicated writer thread."""
        self.loop = asyncio.get_running_loop()
        self._waiting: deque[tuple[Items, asyncio.Future]] = deque()
        self._waiting_events = 0
        self._wakeup = asyncio.Event()
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="alert-ingest-writer")
        self._release: asyncio.TimerHandle | None = None
        self._task = self.loop.create_task(self._run())
        self.batches = 0  # committed transactions, for tests and benchmarks

    async def submit(self, items: Items) -> list[actions.IngestResult]:
        """Store the events of one request and return their results once committed; raises StoreFailed or
        Overloaded (nothing of this request stored)."""
        if self._waiting_events + len(items) > MAX_WAITING_EVENTS:
            raise Overloaded
        future = self.loop.create_future()
        self._waiting.append((items, future))
        self._waiting_events += len(items)
        self._wakeup.set()
        outcome = await future
        if isinstance(outcome, BaseException):
            raise StoreFailed from outcome
        return outcome

    def _take(self) -> list[tuple[Items, asyncio.Future]]:
        """Whole requests from the front of the queue, up to MAX_BATCH_EVENTS events (at least one request)."""
        taken, events = [], 0
        while self._waiting and (not taken or events + len(self._waiting[0][0]) <= MAX_BATCH_EVENTS):
            items, future = self._waiting.popleft()
            taken.append((items, future))
            events += len(items)
        self._waiting_events -= events
        return taken

    async def _run(self) -> None:
        """Write whatever waits, answer, repeat. The database connection is kept while events keep coming and
        released after a second idle: taking one from the pool costs a health-check round trip per batch."""
        while True:
            await self._wakeup.wait()
            self._wakeup.clear()
            if self._release is not None:
                self._release.cancel()
                self._release = None
            while self._waiting:
                taken = self._take()
                try:
                    outcomes = await self.loop.run_in_executor(self._executor, _write, [items for items, _ in taken])
                except BaseException as error:  # cancelled (loop closing) or the executor is gone
                    for _, future in taken:
                        if not future.done():
                            future.set_result(error if isinstance(error, Exception) else StoreFailed())
                    raise
                self.batches += 1
                for (_, future), outcome in zip(taken, outcomes, strict=True):
                    if not future.done():  # a request whose client went away was cancelled
                        future.set_result(outcome)
            self._release = self.loop.call_later(IDLE_RELEASE_SECONDS, self._release_connection)

    def _release_connection(self) -> None:
        """Idle for a second: give the connection back (on the writer thread, after any write queued there)."""
        self._release = None
        self.loop.run_in_executor(self._executor, _release_connection)

    async def close(self) -> None:
        """Stop the writer once nothing waits (tests; shutdown), closing its database connection."""
        while self._waiting:
            await asyncio.sleep(0.01)
        if self._release is not None:
            self._release.cancel()
        self._task.cancel()
        await asyncio.gather(self._task, return_exceptions=True)
        await self.loop.run_in_executor(self._executor, _release_connection)
        self._executor.shutdown(wait=True)


_batcher: IngestBatcher | None = None


def batcher() -> IngestBatcher:
    """This event loop's batcher, created on first use (a new loop, e.g. in tests, gets a new one)."""
    global _batcher
    loop = asyncio.get_running_loop()
    if _batcher is None or _batcher.loop is not loop:
        _batcher = IngestBatcher()
    return _batcher


async def batcher_close() -> None:
    """Stop this process's batcher if it runs on the current loop."""
    global _batcher
    if _batcher is not None and _batcher.loop is asyncio.get_running_loop():
        current, _batcher = _batcher, None
        await current.close()
