"""One deadline for a whole link check: resolving, connecting, TLS, the headers, the body
and every redirect together.

urllib3's timeouts bound each socket operation, not the exchange: a server that sends a
byte of its headers every second never trips a three-second read timeout. Here a timer
shuts the check's socket down when the deadline passes, which ends whatever read, write
or TLS handshake is waiting on it; the check then reports the deadline, whatever the
library made of the cut connection. The host is resolved in a worker thread that is
waited for until the deadline only (the system resolver has no timeout of its own).

The connection classes change nothing else: the address, the Host header, SNI and
certificate verification are the caller's, as with urllib3's own pools.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Callable
from types import TracebackType
from typing import Any, TypeVar

import urllib3
from urllib3.connection import HTTPConnection, HTTPSConnection

T = TypeVar("T")

# What the check was doing when the deadline passed, for its message.
RESOLVING = "resolving the host name"
CONNECTING = "connecting"
CONNECTING_TLS = "connecting and negotiating TLS"
AWAITING_HEADERS = "waiting for the response headers"
READING_BODY = "reading the body"


class DeadlinePassed(Exception):
    """The check's deadline passed before the step finished."""


class Deadline:
    """A timer for one check. Sockets handed to `watch` are shut down when it runs out."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.at = time.monotonic() + seconds
        self.stage = RESOLVING
        self._expired = threading.Event()
        self._lock = threading.Lock()
        self._sockets: list[socket.socket] = []
        self._timer = threading.Timer(max(seconds, 0.0), self._expire)
        self._timer.daemon = True

    def __enter__(self) -> Deadline:
        self._timer.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self._timer.cancel()

    @property
    def expired(self) -> bool:
        return self._expired.is_set() or time.monotonic() >= self.at

    def remaining(self) -> float:
        return max(0.0, self.at - time.monotonic())

    def watch(self, sock: socket.socket) -> None:
        """Shut `sock` down when the deadline passes (at once if it has)."""
        with self._lock:
            self._sockets.append(sock)
            if not self._expired.is_set():
                return
        _shut_down(sock)

    def _expire(self) -> None:
        with self._lock:
            self._expired.set()
            sockets = list(self._sockets)
        for sock in sockets:
            _shut_down(sock)

    def run(self, step: Callable[[], T]) -> T:
        """`step()` in a worker thread, waited for until the deadline (DeadlinePassed after it);
        what it raises is raised here. Only for a step that cannot be interrupted otherwise:
        the thread is left to finish on its own."""
        outcome: list[Any] = []

        def work() -> None:
            try:
                outcome.append((True, step()))
            except Exception as exc:  # handed to the caller
                outcome.append((False, exc))

        worker = threading.Thread(target=work, name="link-check-step", daemon=True)
        worker.start()
        worker.join(self.remaining())
        if not outcome:
            raise DeadlinePassed(self.stage)
        finished, value = outcome[0]
        if not finished:
            raise value
        return value


def _shut_down(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):  # already closed, or never connected
        sock.shutdown(socket.SHUT_RDWR)


class DeadlineHTTPConnection(HTTPConnection):
    """urllib3's connection, its socket watched by the check's deadline."""

    def __init__(self, *args: Any, deadline: Deadline, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.deadline = deadline

    def _new_conn(self) -> socket.socket:
        sock = super()._new_conn()
        self.deadline.watch(sock)
        return sock

    def connect(self) -> None:
        self.deadline.stage = CONNECTING
        super().connect()
        self.deadline.stage = AWAITING_HEADERS


class DeadlineHTTPSConnection(HTTPSConnection):
    """The same for https: the plain socket is watched, so the TLS handshake is covered too."""

    def __init__(self, *args: Any, deadline: Deadline, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.deadline = deadline

    def _new_conn(self) -> socket.socket:
        sock = super()._new_conn()
        self.deadline.watch(sock)
        return sock

    def connect(self) -> None:
        self.deadline.stage = CONNECTING_TLS
        super().connect()
        self.deadline.stage = AWAITING_HEADERS


class DeadlineHTTPConnectionPool(urllib3.HTTPConnectionPool):
    """A pool whose connections a Deadline watches (pass `deadline=` with the pool's arguments)."""

    ConnectionCls = DeadlineHTTPConnection


class DeadlineHTTPSConnectionPool(urllib3.HTTPSConnectionPool):
    ConnectionCls = DeadlineHTTPSConnection
