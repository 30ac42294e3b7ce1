"""Fixed one-minute window request counters in Django's cache (Redis in production, so every web process
shares them; locmem when embedded). A cache outage fails open: alerts matter more than the limit."""

import logging
import math
import time

from django.core.cache import cache

logger = logging.getLogger(__name__)

WINDOW_SECONDS = 60


def ratelimit_hit(*, scope: str, limit: int, now: float | None = None) -> int:
    """Count one request for `scope` in the current window: 0 if within `limit`, else seconds to the next window."""
    now = time.time() if now is None else now
    window = int(now // WINDOW_SECONDS)
    key = f"ratelimit:{scope}:{window}"
    try:
        try:
            count = cache.incr(key)
        except ValueError:  # first request of the window (or the key just expired)
            count = 1 if cache.add(key, 1, timeout=WINDOW_SECONDS + 5) else cache.incr(key)
    except Exception:  # the limiter must never drop an alert: a broken cache means no limit
        logger.warning("rate limit cache unavailable; letting %s through", scope, exc_info=True)
        return 0
    if count <= limit:
        return 0
    return max(1, math.ceil((window + 1) * WINDOW_SECONDS - now))


def integration_throttle(*, integration_id: int, limit: int) -> int:
    """Count one inbound request of an integration; 0 if allowed, else the Retry-After in seconds."""
    return ratelimit_hit(scope=f"integration:{integration_id}", limit=limit)
