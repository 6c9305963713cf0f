"""An authorization server that fails below HTTP: it reads each request, then never answers properly."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler
from urllib.parse import urlsplit

from tests.loopback import LoopbackServer

HANG_UP = "hang_up"  # closes the connection without a byte of answer
CUT_OFF = "cut_off"  # starts a 200 answer, closes halfway through its body
STALL = "stall"  # says nothing until the test ends: the client's timeout fires first


class BrokenServer(LoopbackServer):
    """Listens on 127.0.0.1; every request is read in full (the server got it, and may have
    acted on it, e.g. rotated a refresh token) and then failed the way `mode` says."""

    def __init__(self, mode: str) -> None:
        self.mode = mode
        self.paths: list[str] = []
        self.lock = threading.Lock()
        self.released = threading.Event()
        super().__init__()

    def requests_to(self, path: str) -> list[str]:
        with self.lock:
            return [seen for seen in self.paths if seen == path]

    def respond(self, handler: BaseHTTPRequestHandler) -> None:
        length = int(handler.headers.get("Content-Length") or 0)
        handler.rfile.read(length)
        with self.lock:
            self.paths.append(urlsplit(handler.path).path)
        handler.close_connection = True
        if self.mode == CUT_OFF:
            handler.send_response(200)
            handler.send_header("Content-Type", "application/json")
            handler.send_header("Content-Length", "400")
            handler.end_headers()
            handler.wfile.write(b'{"access_token": "cut-')
        elif self.mode == STALL:
            self.released.wait(timeout=30)
        # Returning closes the socket; for HANG_UP nothing was written at all.

    def close(self) -> None:
        self.released.set()
        super().close()
