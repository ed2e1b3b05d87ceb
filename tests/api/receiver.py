"""A real webhook receiver on loopback whose answers a test scripts: ok, fail, redirect, hang.

Each request is answered as ``script(n, payload)`` says (``n`` counts requests from 0):

- ``"ok"``: 204, and the payload joins :attr:`Receiver.received` (what the client system got);
- ``"fail"``: 500;
- ``"redirect"``: 302 to ``/moved``, which would answer 200 to anybody who followed it;
- ``"hang"``: no answer until the test ends (the sender's timeout fires first).

Waiting is by condition with a timeout (:meth:`Receiver.wait_for`), never by sleeping.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from dispatch.store.outbox import SIGNATURE_HEADER

Script = Callable[[int, dict[str, Any]], str]
HANG_LIMIT_S = 60  # a hanging request gives up by itself at the latest then


def always_ok(_n: int, _payload: dict[str, Any]) -> str:
    return "ok"


@dataclass
class Receiver:
    """What a scripted receiver saw: every request in order, and the payloads it took."""

    script: Script = always_ok
    url: str = ""
    requests: list[tuple[str, str, str]] = field(default_factory=list)
    """(method, path, answer) of every request, in arrival order."""
    received: list[dict[str, Any]] = field(default_factory=list)
    signatures: list[tuple[bytes, str]] = field(default_factory=list)
    changed: threading.Condition = field(default_factory=threading.Condition)
    released: threading.Event = field(default_factory=threading.Event)

    def wait_for(self, count: int, timeout_s: float = 30) -> list[dict[str, Any]]:
        """The payloads once at least ``count`` arrived; AssertionError after ``timeout_s``."""
        with self.changed:
            arrived = self.changed.wait_for(lambda: len(self.received) >= count, timeout_s)
            assert arrived, f"{len(self.received)} of {count} events arrived in {timeout_s} s"
            return list(self.received)

    def _answer(self, handler: BaseHTTPRequestHandler) -> None:
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length)
        if handler.path == "/moved":
            answer = "followed"
        else:
            payload = json.loads(body) if body else {}
            with self.changed:
                answer = self.script(len(self.requests), payload)
        with self.changed:
            self.requests.append((handler.command, handler.path, answer))
        if answer == "hang":
            self.released.wait(HANG_LIMIT_S)
            return
        if answer == "ok":  # noted before answering: the sender's next request comes after
            with self.changed:
                self.received.append(json.loads(body))
                self.signatures.append((body, handler.headers.get(SIGNATURE_HEADER, "")))
                self.changed.notify_all()
        status = {"ok": 204, "fail": 500, "redirect": 302, "followed": 200}[answer]
        handler.send_response(status)
        if answer == "redirect":
            handler.send_header("Location", "/moved")
        handler.send_header("Content-Length", "0")
        handler.end_headers()


@contextmanager
def receiving(script: Script = always_ok) -> Iterator[Receiver]:
    """A :class:`Receiver` serving on 127.0.0.1 (a free port) until the block ends."""
    receiver = Receiver(script)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            receiver._answer(self)

        do_GET = do_POST

        def log_message(self, *_args: object) -> None:  # keep test output clean
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    receiver.url = f"http://127.0.0.1:{server.server_port}/hook"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        receiver.released.set()
        server.shutdown()
        server.server_close()
