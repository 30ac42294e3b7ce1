"""Raw local HTTP servers for the outbound guard's tests: each answers every request with bytes the test
scripts (a redirect, an endless body, a trickle, something that is not HTTP at all)."""

import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from socketserver import BaseRequestHandler, ThreadingTCPServer

Answer = Callable[[], Iterable[bytes]]


@dataclass
class RawServer:
    url: str = ""
    port: int = 0
    requests: list[bytes] = field(default_factory=list)
    sent: list[int] = field(default_factory=list)  # bytes written per answer before the client hung up


def http_answer(status: int, body: bytes = b"", headers: dict[str, str] | None = None) -> Answer:
    """One whole HTTP/1.1 answer (the connection closes after it)."""
    lines = [f"HTTP/1.1 {status} Status", f"Content-Length: {len(body)}", "Connection: close"]
    lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
    head = ("\r\n".join(lines) + "\r\n\r\n").encode()
    return lambda: [head + body]


def endless_answer(status: int = 200, chunk: int = 64 * 1024, total: int = 50 * 1024 * 1024) -> Answer:
    """A declared body of `total` bytes, sent as fast as the client takes it."""

    def answer() -> Iterator[bytes]:
        yield f"HTTP/1.1 {status} Status\r\nContent-Length: {total}\r\n\r\n".encode()
        for _ in range(total // chunk):
            yield b"x" * chunk

    return answer


def trickle_answer(every: float = 0.1, total: int = 10_000) -> Answer:
    """A 200 whose body comes one byte every `every` seconds."""

    def answer() -> Iterator[bytes]:
        yield f"HTTP/1.1 200 OK\r\nContent-Length: {total}\r\n\r\n".encode()
        for _ in range(total):
            time.sleep(every)
            yield b"x"

    return answer


@contextmanager
def raw_server(answer: Answer, host: str = "127.0.0.1") -> Iterator[RawServer]:
    """Serves on `host`, port chosen by the system; records each request's raw bytes."""
    server_state = RawServer()

    class Handler(BaseRequestHandler):
        def handle(self) -> None:
            data = b""
            written = 0
            self.request.settimeout(5)
            try:
                while b"\r\n\r\n" not in data:
                    chunk = self.request.recv(65536)
                    if not chunk:
                        return
                    data += chunk
                head, _, body = data.partition(b"\r\n\r\n")
                length = 0
                for line in head.split(b"\r\n")[1:]:
                    name, _, value = line.partition(b":")
                    if name.strip().lower() == b"content-length":
                        length = int(value.strip())
                while len(body) < length:
                    chunk = self.request.recv(65536)
                    if not chunk:
                        break
                    body += chunk
                server_state.requests.append(head + b"\r\n\r\n" + body)
                for piece in answer():
                    self.request.sendall(piece)
                    written += len(piece)
            except (BrokenPipeError, ConnectionResetError, TimeoutError):
                pass
            finally:
                server_state.sent.append(written)

    class Server(ThreadingTCPServer):
        daemon_threads = True
        allow_reuse_address = True

    server = Server((host, 0), Handler)
    server_state.port = server.server_address[1]
    server_state.url = f"http://{host}:{server_state.port}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server_state
    finally:
        server.shutdown()
        server.server_close()
