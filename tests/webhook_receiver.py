"""A merchant's webhook receiver on loopback, for tests: a real HTTP server in a thread.

It answers ``fail_first`` requests with 500 (or holds them ``hold_s`` seconds first), then
200. It dedupes by webhook-id, as the Standard Webhooks guide tells receivers to, and counts
both what arrived and what it processed, so a test can show at-least-once delivery with
exactly-once processing.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Receipt:
    headers: dict[str, str]
    body: bytes
    status: int


@dataclass
class Receiver:
    fail_first: int = 0
    fail_status: int = 500
    hold_s: float = 0.0
    """Sleep this long before answering the first request (a worker killed meanwhile)."""
    receipts: list[Receipt] = field(default_factory=list)
    processed: Counter[str] = field(default_factory=Counter)
    arrived: threading.Event = field(default_factory=threading.Event)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self._server is not None
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}/hooks"

    def answer(self, headers: dict[str, str], body: bytes) -> int:
        with self._lock:
            number = len(self.receipts)
            status = self.fail_status if number < self.fail_first else 200
            self.receipts.append(Receipt(headers, body, status))
            if status == 200 and headers.get("webhook-id") not in self.processed:
                self.processed[headers["webhook-id"]] += 1
        self.arrived.set()
        if number == 0 and self.hold_s:
            time.sleep(self.hold_s)
        return status

    def __enter__(self) -> Receiver:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("content-length", "0"))
                body = self.rfile.read(length)
                status = receiver.answer({k.lower(): v for k, v in self.headers.items()}, body)
                try:
                    self.send_response(status)
                    self.send_header("content-length", "2")
                    self.end_headers()
                    self.wfile.write(b"ok")
                except BrokenPipeError:
                    return  # the sender went away (a killed worker): nobody to answer

            def log_message(self, format: str, *args: Any) -> None:
                return

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.shutdown()
        self._server.server_close()

    def ids_received(self) -> Counter[str]:
        return Counter(r.headers["webhook-id"] for r in self.receipts)
