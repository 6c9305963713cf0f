"""A scripted web site on 127.0.0.1 for the link checks: each path answers as told,
and every request is recorded (path and Host header)."""

from __future__ import annotations

import io
import ssl
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler

from PIL import Image

from tests.loopback import LoopbackServer, QuietHandler


@dataclass
class Page:
    status: int = 200
    body: bytes = b"<!doctype html><title>ok</title>"
    headers: dict[str, str] = field(default_factory=lambda: {"Content-Type": "text/html"})
    delay: float = 0.0  # seconds before answering
    endless: bool = False  # keep sending body bytes until the client hangs up
    header_drip: float = 0.0  # seconds between the bytes of the status line and headers
    body_drip: float = 0.0  # seconds between the bytes of the body


def redirect(location: str, status: int = 302) -> Page:
    return Page(status=status, body=b"", headers={"Location": location})


def image(width: int, height: int, image_format: str = "PNG", content_type: str = "image/png") -> Page:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), "white").save(buffer, image_format)
    return Page(body=buffer.getvalue(), headers={"Content-Type": content_type})


SVG_LOGO = Page(
    body=b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"></svg>',
    headers={"Content-Type": "image/svg+xml"},
)


class _Handler(QuietHandler):
    """QuietHandler, with TLS on the accepted socket when the site has it."""

    @property
    def site(self) -> LinkSite:
        return self.server.loopback  # type: ignore[return-value]  (always a LinkSite's)

    def setup(self) -> None:
        if self.site.tls is not None:
            self.request = self.site.tls.wrap_socket(self.request, server_side=True)
        super().setup()

    def finish(self) -> None:
        super().finish()
        if self.site.tls is not None:
            # The server closes the plain socket it accepted, which wrapping detached.
            self.request.close()


class LinkSite(LoopbackServer):
    """Plain http, or https with `tls` (a server context; the names clients ask for in SNI are kept)."""

    def __init__(self, tls: ssl.SSLContext | None = None) -> None:
        self.pages: dict[str, Page] = {}
        self.requests: list[tuple[str, str]] = []
        self.server_names: list[str | None] = []
        self.lock = threading.Lock()
        self.tls = tls
        if tls is not None:
            tls.sni_callback = lambda _socket, name, _context: self.server_names.append(name)  # type: ignore[assignment,func-returns-value]
        super().__init__(_Handler)

    def url(self, path: str, *, host: str = "127.0.0.1") -> str:
        return f"{'https' if self.tls else 'http'}://{host}:{self.port}{path}"

    def paths_requested(self) -> list[str]:
        with self.lock:
            return [path for path, _host in self.requests]

    def respond(self, handler: BaseHTTPRequestHandler) -> None:
        if handler.command != "GET":
            handler.send_error(501)
            return
        with self.lock:
            self.requests.append((handler.path, handler.headers.get("Host", "")))
        page = self.pages.get(handler.path, Page(status=404, body=b"not found"))
        if page.delay:
            time.sleep(page.delay)
        try:
            if page.header_drip or page.body_drip:
                _drip(handler, page)
                return
            handler.send_response(page.status)
            for name, value in page.headers.items():
                handler.send_header(name, value)
            if not page.endless:
                handler.send_header("Content-Length", str(len(page.body)))
            handler.end_headers()
            for chunk in _chunks(page):
                handler.wfile.write(chunk)
        except (BrokenPipeError, ConnectionResetError, ssl.SSLError):
            pass


def _drip(handler: BaseHTTPRequestHandler, page: Page) -> None:
    """The answer byte by byte, each part at its own pace: every byte comes well within
    any read timeout, the whole answer takes as long as the page says."""
    fields = {**page.headers, "Content-Length": str(len(page.body))}
    head = f"HTTP/1.1 {page.status} Dripping\r\n" + "".join(f"{k}: {v}\r\n" for k, v in fields.items())
    for data, pause in ((f"{head}\r\n".encode(), page.header_drip), (page.body, page.body_drip)):
        for index in range(len(data)):
            handler.wfile.write(data[index : index + 1])
            time.sleep(pause)


def _chunks(page: Page) -> Iterator[bytes]:
    if not page.endless:
        yield page.body
        return
    block = page.body or b"\x89PNG" + b"\0" * 65532
    while True:
        yield block
