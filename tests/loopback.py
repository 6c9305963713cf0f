"""HTTP servers on 127.0.0.1 for tests: the one base every fake server of the suite shares.

A server subclasses LoopbackServer and implements `respond(request)`: every method (GET,
POST, PUT, PATCH, DELETE) of every request comes there, on the request's own thread, and
the request logs nothing. A server that needs more of http.server (TLS on the accepted
socket) passes its own handler class instead.
"""

from __future__ import annotations

import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

HOST = "127.0.0.1"


def free_port() -> int:
    """A port of 127.0.0.1 that nothing listens on now (bound, then released): for servers
    that must be told their port, and as a port that refuses connections."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


class QuietHandler(BaseHTTPRequestHandler):
    """Hands every request to its LoopbackServer's respond(); logs nothing."""

    server: _HTTPServer

    def log_message(self, format: str, *args: object) -> None:
        pass

    def _respond(self) -> None:
        self.server.loopback.respond(self)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _respond


class _HTTPServer(ThreadingHTTPServer):
    # Requests never keep the test process alive, and close() does not wait for them.
    daemon_threads = True
    block_on_close = False

    def __init__(self, loopback: LoopbackServer, handler: type[BaseHTTPRequestHandler]) -> None:
        self.loopback = loopback
        super().__init__((HOST, 0), handler)


class LoopbackServer:
    """Serves on a free port of 127.0.0.1 (the system picks it: parallel test workers never
    collide) in a background thread until close()."""

    def __init__(self, handler: type[BaseHTTPRequestHandler] = QuietHandler) -> None:
        self.httpd = _HTTPServer(self, handler)
        # A short poll interval: shutdown() waits up to one interval.
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self.thread.start()

    def respond(self, request: BaseHTTPRequestHandler) -> None:
        """Answers one request (request.command is its method); QuietHandler calls it."""
        raise NotImplementedError

    @property
    def port(self) -> int:
        return int(self.httpd.server_address[1])

    @property
    def host(self) -> str:
        return f"{HOST}:{self.port}"

    @property
    def base_url(self) -> str:
        return f"http://{self.host}"

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
