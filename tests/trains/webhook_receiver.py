"""A webhook receiver on 127.0.0.1 for the tests: it verifies every delivery's signature as a real
receiver would (trains.webhooks.services.signature_is_valid) and answers with the statuses given."""

import json
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from trains.webhooks.services import signature_is_valid


@dataclass
class Received:
    at: float
    headers: Message  # case-insensitive, as HTTP headers are
    body: bytes
    signature_valid: bool

    @property
    def payload(self) -> dict:
        return json.loads(self.body)


@dataclass
class Receiver:
    secret: str
    statuses: list[int] = field(default_factory=lambda: [200])  # the last one repeats
    received: list[Received] = field(default_factory=list)
    url: str = ""

    def answer(self) -> int:
        return self.statuses[min(len(self.received) - 1, len(self.statuses) - 1)]


@contextmanager
def receiver(secret: str, statuses: list[int] | None = None):
    state = Receiver(secret=secret, statuses=statuses or [200])

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 - http.server's naming
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            valid = signature_is_valid(
                state.secret,
                self.headers.get("X-ARTops-Timestamp", ""),
                body,
                self.headers.get("X-ARTops-Signature", ""),
            )
            state.received.append(Received(time.monotonic(), self.headers, body, valid))
            status = state.answer() if valid else 401
            self.send_response(status)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args):  # keep the test output quiet
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{server.server_address[1]}/hooks/artops"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
