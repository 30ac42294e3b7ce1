"""The embedded channel layer: a process that serves websockets delivers in memory and reads what other processes
(the Celery worker) spooled since it started serving; any other process writes its group messages to the spool."""

import asyncio
import json
import os
import stat
import time

import pytest

from core.channel_layer import EmbeddedChannelLayer

pytestmark = pytest.mark.asyncio


def web_and_worker(tmp_path, **options):
    spool = str(tmp_path / "spool")
    return EmbeddedChannelLayer(spool_dir=spool, **options), EmbeddedChannelLayer(spool_dir=spool, **options)


def spooled(tmp_path) -> list[dict]:
    return [json.loads(path.read_text()) for path in sorted((tmp_path / "spool").glob("*.json"))]


async def test_a_worker_push_reaches_the_web_process_consumer(tmp_path):
    web, worker = web_and_worker(tmp_path, poll_interval=0.01)
    channel = await web.new_channel()  # a browser's consumer connects: the web process serves
    await web.group_add("org.1.alerts", channel)

    await worker.group_send("org.1.alerts", {"type": "alert.group", "html": "<tr>unanswered</tr>"})
    received = await asyncio.wait_for(web.receive(channel), timeout=5)

    assert received == {"type": "alert.group", "html": "<tr>unanswered</tr>"}
    assert worker.serving_since_ns is None
    assert await web.deliver_spooled() == 0  # read once only


async def test_the_serving_process_delivers_its_own_pushes_in_memory_and_spools_nothing(tmp_path):
    web, _ = web_and_worker(tmp_path, poll_interval=60)
    channel = await web.new_channel()
    await web.group_add("incident.7", channel)

    await web.group_send("incident.7", {"type": "timeline.event", "html": "<article>"})

    assert await asyncio.wait_for(web.receive(channel), timeout=1) == {"type": "timeline.event", "html": "<article>"}
    assert spooled(tmp_path) == []


async def test_only_messages_written_after_the_web_process_started_serving_are_delivered(tmp_path):
    web, worker = web_and_worker(tmp_path, poll_interval=60)
    await worker.group_send("org.1.alerts", {"type": "alert.group", "html": "before the restart"})
    time.sleep(0.001)
    channel = await web.new_channel()
    await web.group_add("org.1.alerts", channel)
    await worker.group_send("org.1.alerts", {"type": "alert.group", "html": "after"})
    await worker.group_send("org.2.alerts", {"type": "alert.group", "html": "another org"})

    await web.deliver_spooled()

    assert await asyncio.wait_for(web.receive(channel), timeout=1) == {"type": "alert.group", "html": "after"}
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(web.receive(channel), timeout=0.3)
    assert [m["message"]["html"] for m in spooled(tmp_path)] == ["before the restart", "after", "another org"]


async def test_expired_messages_and_abandoned_staging_files_are_removed_by_the_next_writer(tmp_path):
    _, worker = web_and_worker(tmp_path, spool_ttl=30)
    spool = tmp_path / "spool"
    spool.mkdir()
    old_ns = time.time_ns() - 31 * 10**9
    (spool / f"{old_ns:020d}-1-aaaa.json").write_text('{"group": "g", "message": {"type": "x"}}')
    (spool / f".{old_ns:020d}-1-bbbb.json.tmp").write_text('{"group": "g", "mess')

    await worker.group_send("org.1.alerts", {"type": "alert.group", "html": "fresh"})

    assert [m["message"]["html"] for m in spooled(tmp_path)] == ["fresh"]
    assert sorted(p.name.startswith(".") for p in spool.iterdir()) == [False]


async def test_a_half_written_message_is_never_read(tmp_path):
    web, _ = web_and_worker(tmp_path, poll_interval=60)
    channel = await web.new_channel()
    await web.group_add("org.1.alerts", channel)
    (tmp_path / "spool" / f".{time.time_ns():020d}-1-cccc.json.tmp").write_text('{"group": "org.1.al')

    assert await web.deliver_spooled() == 0


async def test_the_spool_is_readable_by_its_owner_only(tmp_path):
    _, worker = web_and_worker(tmp_path)

    await worker.group_send("org.1.alerts", {"type": "alert.group", "html": "x"})

    assert stat.S_IMODE(os.stat(tmp_path / "spool").st_mode) == 0o700


async def test_a_bad_group_name_is_refused_before_anything_is_written(tmp_path):
    _, worker = web_and_worker(tmp_path)

    with pytest.raises(TypeError):
        await worker.group_send("not a valid group!", {"type": "x"})

    assert (tmp_path / "spool").exists() is False


async def test_a_push_from_another_thread_of_the_web_process_is_delivered_on_the_consumers_loop(tmp_path):
    web, _ = web_and_worker(tmp_path, poll_interval=60)
    channel = await web.new_channel()
    await web.group_add("org.1.alerts", channel)
    consumers_loop = asyncio.get_running_loop()
    queued_on = []
    send = web.send

    async def recording_send(channel_name: str, message: dict) -> None:
        queued_on.append(asyncio.get_running_loop())
        await send(channel_name, message)

    web.send = recording_send

    def from_a_thread() -> None:  # as the ingest writer thread does after its commit
        asyncio.run(web.group_send("org.1.alerts", {"type": "alert.group", "html": "from a thread"}))

    await asyncio.to_thread(from_a_thread)

    assert await asyncio.wait_for(web.receive(channel), timeout=2) == {"type": "alert.group", "html": "from a thread"}
    assert queued_on == [consumers_loop]
    assert spooled(tmp_path) == []
