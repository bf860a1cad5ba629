"""A webhook receiver for tests: real HTTP on loopback, failing on purpose, keeping what it got."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class Receiver:
    """Answers `failures` 503s first, then 200 (`status`); keeps each request's headers and body."""

    def __init__(self, status: int = 200) -> None:
        """Listen on a free loopback port at once (`url`); `close` stops it."""
        self.failures, self.status = 0, status
        self.got: list[tuple[dict[str, str], bytes]] = []
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # the http.server name
                body = self.rfile.read(int(self.headers["Content-Length"]))
                with receiver._lock:
                    receiver.got.append((dict(self.headers), body))
                    failing = receiver.failures > 0
                    receiver.failures -= 1
                self.send_response(503 if failing else receiver.status)
                self.end_headers()

            def log_message(self, *_: Any) -> None:
                return None

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks/instagram"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def envelopes(self) -> list[dict[str, Any]]:
        """The JSON envelopes received, in order."""
        with self._lock:
            return [json.loads(body) for _, body in self.got]

    def close(self) -> None:
        """Stop listening."""
        self.server.shutdown()
        self.server.server_close()
