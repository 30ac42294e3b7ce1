"""core.broker.queue_backlog: how many messages wait in a queue on the real Redis broker (the Celery app's)."""

import pytest
import redis

from config.celery import app
from core.broker import broker_redis, queue_backlog


def test_counts_the_messages_waiting_in_a_redis_queue(redis_url):
    # Given a broker on this machine's Redis with three messages waiting in `critical`
    url = redis_url.rsplit("/", 1)[0] + "/15"
    client = redis.Redis.from_url(url)
    client.delete("critical")
    client.rpush("critical", b"a", b"b", b"c")
    previous = app.conf.broker_url
    app.conf.broker_url = url
    try:
        assert queue_backlog("critical") == 3
        assert queue_backlog("default") == 0
    finally:
        app.conf.broker_url = previous
        client.delete("critical")


@pytest.mark.parametrize("url", ["filesystem://", "memory://"])
def test_other_brokers_report_no_backlog(url):
    previous = app.conf.broker_url
    app.conf.broker_url = url
    try:
        assert queue_backlog("critical") == 0
    finally:
        app.conf.broker_url = previous


def test_the_client_follows_the_celery_apps_broker(redis_url):
    previous = app.conf.broker_url
    url = redis_url.rsplit("/", 1)[0] + "/15"
    app.conf.broker_url = url
    try:
        client = broker_redis()
        assert client.connection_pool.connection_kwargs["db"] == 15
        assert broker_redis() is client  # one per process and URL
        app.conf.broker_url = "filesystem://"
        assert broker_redis() is None
    finally:
        app.conf.broker_url = previous
