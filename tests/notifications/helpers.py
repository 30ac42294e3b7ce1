"""A real local HTTP server for delivery tests: records every request and answers from a script; and what a
verification sends (its code), read from the delivery's encrypted recipient-only content."""

import json
import re
import ssl
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Received:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    """Answers each request with the next (status, body, delay) of `script`, then `default` forever."""

    url: str = ""
    script: list[tuple[int, str, float]] = field(default_factory=list)
    default: tuple[int, str, float] = (200, "ok", 0.0)
    requests: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def next_answer(self) -> tuple[int, str, float]:
        with self.lock:
            return self.script.pop(0) if self.script else self.default


@contextmanager
def http_receiver(
    *answers: tuple[int, str, float],
    default: tuple[int, str, float] = (200, "ok", 0.0),
    tls: ssl.SSLContext | None = None,
    keep_alive: bool = False,
) -> Iterator[Receiver]:
    """Serves on 127.0.0.1 (over TLS with the server context `tls`: then the URL is https); with `keep_alive`,
    HTTP/1.1 connections stay open between requests."""
    receiver = Receiver(script=list(answers), default=default)

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1" if keep_alive else "HTTP/1.0"

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length)
            with receiver.lock:
                receiver.requests.append(Received("POST", self.path, dict(self.headers.items()), body))
            status, text, delay = receiver.next_answer()
            if delay:
                time.sleep(delay)
            payload = text.encode()
            try:
                self.send_response(status)
                self.send_header("Content-Type", "text/plain")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)
            except (BrokenPipeError, ConnectionResetError):
                pass

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    if tls is not None:
        server.socket = tls.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    receiver.url = f"{'https' if tls else 'http'}://127.0.0.1:{server.server_address[1]}"
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()


def sent_verification(method: Any) -> dict[str, str]:
    """What the latest verification of `method` sends in place of the redacted text the delivery log keeps (the
    row's encrypted `secret_content`: the code's subject and message, or the email's link)."""
    from notifications.models import Notification

    notification = Notification.objects.filter(contact_method=method, reason="verification").latest("pk")
    return json.loads(notification.secret_content)


def sent_code(method: Any) -> str:
    """The 6-digit code the latest verification of `method` sends."""
    return re.search(r"\b(\d{6})\b", sent_verification(method)["subject"]).group(1)
