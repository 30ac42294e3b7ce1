"""Fixed one-minute window request counters, shared through Django's cache (Redis in production, so every
web process counts together; locmem when embedded). A cache outage fails open: alerts matter more than the limit.

Hits are counted in the process first and added to the shared counter in bulk, so a busy integration far
below its limit costs no cache round trip per request. The shared counter is consulted (and this process's
hits added to it) when any of these holds:

* this process's view of the count (shared count at the last sync + hits since) passes half the limit:
  near the limit every request is exact, as if there were no local counting;
* this process has counted a twentieth of the limit since its last sync;
* a second has passed since its last sync.

Another process's hits can thus be missing from the shared count for at most a second and a twentieth of the
limit: with N web processes an integration gets at most its limit plus (N - 1)/20 of it in a window (5 % per
extra process), and limits under 40 are exact (every request syncs). Once the shared count is known to be over
the limit, the rest of the window is refused without asking the cache again (counts only grow in a window).
"""

import logging
import math
import threading
import time
from dataclasses import dataclass

from django.core.cache import cache

logger = logging.getLogger(__name__)

WINDOW_SECONDS = 60
SYNC_SECONDS = 1.0


@dataclass
class _Counter:
    window: int
    synced_at: float
    known: int = 0  # the shared count at the last sync, our hits up to then included
    pending: int = 0  # our hits since, not yet added to the shared count


_counters: dict[str, _Counter] = {}
_lock = threading.Lock()


def _retry_after(window: int, now: float) -> int:
    return max(1, math.ceil((window + 1) * WINDOW_SECONDS - now))


def ratelimit_hit_local(*, scope: str, limit: int, now: float | None = None) -> int | None:
    """Count one request for `scope` in this process: 0 if allowed, seconds to the next window if refused, or
    None when the shared counter must decide (then call `ratelimit_sync`, which does the cache round trip)."""
    now = time.time() if now is None else now
    window = int(now // WINDOW_SECONDS)
    with _lock:
        counter = _counters.get(scope)
        if counter is None or counter.window != window:
            counter = _counters[scope] = _Counter(window=window, synced_at=now)
        counter.pending += 1
        if counter.known > limit:
            return _retry_after(window, now)
        if (
            counter.known + counter.pending > limit // 2
            or counter.pending >= max(1, limit // 20)
            or now - counter.synced_at >= SYNC_SECONDS
        ):
            return None
        return 0


def ratelimit_sync(*, scope: str, limit: int, now: float | None = None) -> int:
    """Add this process's pending hits of `scope` to the shared counter and decide on the total: 0 if within
    `limit`, else seconds to the next window. Call after `ratelimit_hit_local` answered None."""
    now = time.time() if now is None else now
    window = int(now // WINDOW_SECONDS)
    with _lock:
        counter = _counters.get(scope)
        if counter is None or counter.window != window:
            counter = _counters[scope] = _Counter(window=window, synced_at=now, pending=1)
        delta, counter.pending = counter.pending, 0
    key = f"ratelimit:{scope}:{window}"
    try:
        try:
            count = cache.incr(key, delta) if delta else cache.get(key, 0)
        except ValueError:  # first sync of the window (or the key just expired)
            count = delta if cache.add(key, delta, timeout=WINDOW_SECONDS + 5) else cache.incr(key, delta)
    except Exception:  # the limiter must never drop an alert: a broken cache means no limit
        logger.warning("rate limit cache unavailable; letting %s through", scope, exc_info=True)
        with _lock:
            counter.pending += delta
            counter.synced_at = now
        return 0
    with _lock:
        counter.known = max(counter.known, count)
        counter.synced_at = now
    if count <= limit:
        return 0
    return _retry_after(window, now)


def ratelimit_hit(*, scope: str, limit: int, now: float | None = None) -> int:
    """Count one request for `scope` in the current window: 0 if within `limit`, else seconds to the next window."""
    decision = ratelimit_hit_local(scope=scope, limit=limit, now=now)
    return ratelimit_sync(scope=scope, limit=limit, now=now) if decision is None else decision


def ratelimit_reset_local() -> None:
    """Forget this process's counters (tests clear the shared cache between cases)."""
    with _lock:
        _counters.clear()


def integration_scope(integration_uuid: object) -> str:
    """The counter of an integration: by UUID, which no other integration ever had (pks can be reused)."""
    return f"integration:{integration_uuid}"


def integration_throttle(*, integration_uuid: object, limit: int) -> int:
    """Count one inbound request of an integration; 0 if allowed, else the Retry-After in seconds."""
    return ratelimit_hit(scope=integration_scope(integration_uuid), limit=limit)
