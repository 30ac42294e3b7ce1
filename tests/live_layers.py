"""Channel-layer fixtures shared by the consumer tests: every test runs on the in-process layer and,
marked `integration`, on the real Redis layer (tests/conftest.py exposes them). A module sets
REDIS_DB_OFFSET to get Redis databases of its own."""

import os
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
from channels.layers import BaseChannelLayer, get_channel_layer
from pytest_django.fixtures import Settings


def per_worker_redis_url(url: str, offset: int) -> str:
    """One Redis database per xdist worker and module family: test databases of different workers
    reuse the same ids, so their groups (incident.<id>, org.<id>.alerts) must not meet."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    index = offset + int(worker.removeprefix("gw") or 0)
    base = url.rsplit("/", 1)[0] if url.count("/") > 2 else url
    return f"{base}/{index}"


@pytest.fixture(params=["memory", pytest.param("redis", marks=pytest.mark.integration)])
def layer_backend(request: pytest.FixtureRequest, settings: Settings) -> str:
    """Point the app at the in-memory layer, or at Redis (one database per worker) for `integration`."""
    if request.param == "redis":
        offset = getattr(request.module, "REDIS_DB_OFFSET", 2)
        url = per_worker_redis_url(request.getfixturevalue("redis_url"), offset)
        settings.CHANNEL_LAYERS = {
            "default": {"BACKEND": "channels_redis.core.RedisChannelLayer", "CONFIG": {"hosts": [url]}}
        }
    else:
        settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    return request.param


@pytest_asyncio.fixture
async def layer(layer_backend: str) -> AsyncIterator[BaseChannelLayer]:
    """The channel layer the app and the actions use for this test, empty before and after."""
    channel_layer = get_channel_layer()
    assert type(channel_layer).__module__.startswith("channels_redis" if layer_backend == "redis" else "channels.")
    await channel_layer.flush()
    yield channel_layer
    await channel_layer.flush()
