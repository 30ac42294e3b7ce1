"""The Celery broker's Redis, for the few things that live next to the queue: the paging engine's "a runner is
pending" flag and the sweepers' look at how many messages wait.

Any app may use it (oncall, notifications); config/celery.py defines the Celery app, and this module reads that
app's broker URL through `celery.current_app`, so it imports no Firebreak app.
"""

import os
from typing import TYPE_CHECKING

from celery import current_app

if TYPE_CHECKING:
    import redis

_redis_clients: dict[tuple[int, str], "redis.Redis"] = {}


def broker_redis() -> "redis.Redis | None":
    """A client for the broker's Redis, or None for other brokers (embedded mode's filesystem one).

    One per process and broker URL (redis-py pools its connections), so a flag set next to the queue
    costs one round trip, not a new connection.
    """
    url = str(current_app.conf.broker_url or "")
    if not url.startswith(("redis://", "rediss://")):
        return None
    key = (os.getpid(), url)
    client = _redis_clients.get(key)
    if client is None:
        import redis

        client = _redis_clients[key] = redis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=5)
    return client


def queue_backlog(queue: str = "critical") -> int:
    """Messages waiting in `queue` on a Redis broker (0 when it cannot tell: other brokers, errors).

    The paging sweepers use it to tell a lost task from one that is merely queued behind a burst:
    re-sending copies into a long queue only slows the real work down.
    """
    client = broker_redis()
    if client is None:
        return 0
    try:
        return int(client.llen(queue))
    except Exception:  # an unreachable broker means nothing is queued that we could wait for
        return 0
