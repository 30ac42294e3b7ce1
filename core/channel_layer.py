"""The channel layer of embedded mode (`make run`: no Redis): the in-process layer, plus a spool directory that
carries the pushes of other processes (the Celery worker, a management command) to the web process.

Channels' InMemoryChannelLayer only reaches consumers of its own process, so a push made by the worker (a group
turning "unanswered" after its last escalation step) went nowhere. Here a process that serves websockets (it has
created a consumer's channel) delivers its own pushes in memory, on the loop its consumers run on whichever
thread sends them, and reads the spool: every message
another process wrote there since it started serving, about five times a second. A process that serves no
websocket writes its `group_send`s to the spool instead, one small JSON file each (written aside, then renamed
into place, so a reader never sees half a file).

Like a Redis group_send to a group nobody is in, a message that no web process is there to read is dropped: it
expires after `spool_ttl` seconds, and a web process that (re)starts reads only what was written after it
started serving; browsers catch up on reconnect as they do in production. No extra service, nothing to
configure: the spool lives in the var directory, readable by its owner only. Production (REDIS_URL) uses
channels_redis and never loads this module.
"""

import asyncio
import contextlib
import json
import logging
import os
import secrets
import time
from pathlib import Path
from typing import Any

from channels.layers import InMemoryChannelLayer

logger = logging.getLogger(__name__)

SUFFIX = ".json"


class EmbeddedChannelLayer(InMemoryChannelLayer):
    """InMemoryChannelLayer whose group messages also cross processes through a spool directory."""

    def __init__(self, spool_dir: str, poll_interval: float = 0.2, spool_ttl: float = 30.0, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.spool_dir = Path(spool_dir)
        self.poll_interval = poll_interval
        self.spool_ttl = spool_ttl
        self.serving_since_ns: int | None = None
        self._seen: set[str] = set()
        self._poller: asyncio.Task | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    # --- serving websockets: local delivery plus what other processes spooled -----------------------------

    async def new_channel(self, prefix: str = "specific.") -> str:
        """A consumer is being created: this process serves websockets, so it reads the spool from now on."""
        self._serve()
        return await super().new_channel(prefix)

    def _serve(self) -> None:
        if self.serving_since_ns is None:
            self.serving_since_ns = time.time_ns()
            self._ensure_dir()
        loop = self._loop = asyncio.get_running_loop()
        if self._poller is None or self._poller.done() or self._poller.get_loop() is not loop:
            self._poller = loop.create_task(self._poll_forever(), name="embedded-channel-layer-spool")

    async def _poll_forever(self) -> None:
        while True:
            try:
                await self.deliver_spooled()
            except Exception:  # a bad file or a full disk must not stop the live pages for good
                logger.exception("reading the channel layer spool %s failed", self.spool_dir)
            await asyncio.sleep(self.poll_interval)

    async def deliver_spooled(self) -> int:
        """Hand every message spooled since this process started serving to its group here; the number sent."""
        delivered = 0
        present = set()
        for name, path, written_ns in self._spool_entries():
            present.add(name)
            if name in self._seen or self.serving_since_ns is None or written_ns < self.serving_since_ns:
                continue
            self._seen.add(name)
            try:
                envelope = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                continue  # expired and removed meanwhile, or not ours
            await super().group_send(envelope["group"], envelope["message"])
            delivered += 1
        self._seen &= present
        return delivered

    # --- not serving: write to the spool --------------------------------------------------------------------

    async def group_send(self, group: str, message: dict) -> None:
        if self.serving_since_ns is not None:
            serving = self._loop
            if serving is not None and serving.is_running() and serving is not asyncio.get_running_loop():
                # Another thread of the web process (the ingest writer, a push thread): the consumers' queues
                # belong to the serving loop, and asyncio queues are not thread-safe.
                delivery = asyncio.run_coroutine_threadsafe(super().group_send(group, message), serving)
                await asyncio.wrap_future(delivery)
                return
            await super().group_send(group, message)
            return
        assert isinstance(message, dict), "Message is not a dict"
        self.require_valid_group_name(group)
        self.spool_write(group, message)

    def spool_write(self, group: str, message: dict) -> Path:
        """Write one message for the serving process (atomically) and drop expired ones."""
        self._ensure_dir()
        name = f"{time.time_ns():020d}-{os.getpid()}-{secrets.token_hex(4)}{SUFFIX}"
        staging = self.spool_dir / f".{name}.tmp"
        staging.write_text(json.dumps({"group": group, "message": message}), encoding="utf-8")
        target = self.spool_dir / name
        os.replace(staging, target)
        self._spool_entries()  # nobody may be serving to clear the expired ones
        return target

    # --- the spool directory --------------------------------------------------------------------------------

    def _ensure_dir(self) -> None:
        self.spool_dir.mkdir(mode=0o700, parents=True, exist_ok=True)

    def _spool_entries(self) -> list[tuple[str, Path, int]]:
        """The spool's messages, oldest first, as (name, path, written at in ns); expired ones are removed."""
        expired_before = time.time_ns() - int(self.spool_ttl * 1e9)
        entries = []
        try:
            scan = list(os.scandir(self.spool_dir))
        except FileNotFoundError:
            return []
        for entry in scan:
            name = entry.name.removeprefix(".")
            try:
                written_ns = int(name.split("-", 1)[0])
            except ValueError:
                continue
            if entry.name.startswith(".") or not entry.name.endswith(SUFFIX):
                if written_ns < expired_before:  # staging left behind by a writer that died mid-write
                    with contextlib.suppress(FileNotFoundError):
                        os.unlink(entry.path)
                continue
            if written_ns < expired_before:
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(entry.path)
                continue
            entries.append((entry.name, Path(entry.path), written_ns))
        return sorted(entries)

    async def flush(self) -> None:
        await super().flush()
        self._seen = set()
