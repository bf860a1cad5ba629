"""Serving the receiver with uvicorn: in the foreground (the command) or in a thread (tests)."""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import uvicorn

from instagram_webhooks.receiver import Receiver, create_app


def bind(host: str, port: int) -> socket.socket:
    """A listening socket; port 0 picks a free one."""
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(2048)
    return sock


def url_of(sock: socket.socket) -> str:
    """`http://host:port` of a bound socket."""
    host, port = sock.getsockname()[:2]
    return f"http://{f'[{host}]' if ':' in host else host}:{port}"


def server(receiver: Receiver, log_level: str = "warning") -> uvicorn.Server:
    """A uvicorn server of the receiver's app (httptools, no access log: bodies stay private)."""
    config = uvicorn.Config(create_app(receiver), http="httptools", log_level=log_level,
                            access_log=False, lifespan="off")  # fmt: skip
    return uvicorn.Server(config)


def serve(receiver: Receiver, sock: socket.socket, on_ready: Callable[[str], None]) -> None:
    """Serve in the foreground until SIGINT / SIGTERM; `on_ready` gets the URL once listening."""
    srv = server(receiver, log_level="info")
    on_ready(url_of(sock))
    srv.run(sockets=[sock])


@contextmanager
def running(receiver: Receiver, host: str = "127.0.0.1", port: int = 0) -> Iterator[str]:
    """The receiver served from a thread of this process; yields its URL."""
    sock = bind(host, port)
    srv = server(receiver)
    thread = threading.Thread(target=srv.run, kwargs={"sockets": [sock]}, daemon=True,
                              name="instagram-webhooks")  # fmt: skip
    thread.start()
    try:
        while not srv.started:
            if not thread.is_alive():
                raise RuntimeError("the webhook receiver could not start")
            thread.join(0.01)
        yield url_of(sock)
    finally:
        srv.should_exit = True
        thread.join(15)
        sock.close()
