"""A gunicorn server for the HTTP benchmarks, and a browser-like HTTP client for it.

The server is what `make serve` runs (`manage.py serve`: the portal's gunicorn
and, with the sandbox on, the sandbox's own), or one bare
`gunicorn -c portal/gunicorn_conf.py portal.wsgi`, on free 127.0.0.1 ports, in
its own process group. It is stopped
(SIGTERM to the group, then SIGKILL) when the benchmark ends, fails or is
interrupted, and it is told to stop if the benchmark process dies (Linux
parent-death signal).

The client is a requests.Session that behaves like a browser behind the TLS
proxy the production settings expect: it sends `X-Forwarded-Proto: https`
(trusted from 127.0.0.1 by gunicorn's forwarded_allow_ips and Django's
SECURE_PROXY_SSL_HEADER), an `Origin: https://…` header (Django's CSRF check
for HTTPS requests), and sends the Secure session and CSRF cookies over the
plain loopback connection.
"""

from __future__ import annotations

import atexit
import contextlib
import ctypes
import os
import signal
import socket
import subprocess
import sys
import time
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import requests

ROOT = Path(__file__).resolve().parent.parent
PR_SET_PDEATHSIG = 1


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _die_with_parent() -> None:  # runs in the child between fork and exec
    with contextlib.suppress(OSError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


GUNICORN = [sys.executable, "-m", "gunicorn", "-c", "portal/gunicorn_conf.py", "portal.wsgi"]
SERVE = [sys.executable, "manage.py", "serve"]


class Gunicorn:
    """gunicorn (one master and its workers, or `manage.py serve` and its two) started and stopped here."""

    def __init__(
        self,
        env: dict[str, str],
        port: int,
        log_path: Path,
        *,
        command: list[str] | None = None,
        also_ready: tuple[str, ...] = (),
    ) -> None:
        self.env = env
        self.port = port
        self.base_url = f"http://127.0.0.1:{port}"
        self.log_path = log_path
        self.command = command or GUNICORN
        # Further URLs that must answer 200 before the server counts as started (the sandbox's server).
        self.ready_urls = (self.base_url + "/admin/login/", *also_ready)
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 60.0) -> None:
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(  # noqa: S603 (this module's own command lines)
            self.command,
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=_die_with_parent,  # started from the main thread, before the load threads
        )
        log.close()
        _running.append(self)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.process.returncode}:\n{self.log_tail()}")
            try:
                if all(
                    requests.get(url, headers={"X-Forwarded-Proto": "https"}, timeout=2).status_code == 200
                    for url in self.ready_urls
                ):
                    return
            except requests.RequestException:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"gunicorn did not answer within {timeout:.0f} s:\n{self.log_tail()}")

    def stop(self) -> None:
        process, self.process = self.process, None
        if process is None:
            return
        if self in _running:
            _running.remove(self)
        if process.poll() is None:
            try:
                os.killpg(process.pid, signal.SIGTERM)  # the master and its workers
                process.wait(timeout=25)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)
            except ProcessLookupError:
                pass
        # Workers left behind by a master that died first share its process group.
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, signal.SIGKILL)

    def log_size(self) -> int:
        return self.log_path.stat().st_size if self.log_path.exists() else 0

    def log_slice(self, start: int, end: int | None = None) -> str:
        with self.log_path.open("rb") as handle:
            handle.seek(start)
            data = handle.read() if end is None else handle.read(end - start)
        return data.decode(errors="replace")

    def log_tail(self, lines: int = 40) -> str:
        return "\n".join(self.log_slice(0).splitlines()[-lines:])

    def __enter__(self) -> Gunicorn:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


_running: list[Gunicorn] = []


def stop_all() -> None:
    for server in list(_running):
        server.stop()


def _on_signal(signum: int, frame: Any) -> None:
    stop_all()
    sys.exit(128 + signum)


atexit.register(stop_all)
signal.signal(signal.SIGTERM, _on_signal)
signal.signal(signal.SIGINT, _on_signal)


# The client -------------------------------------------------------------------


class _Inputs(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.fields: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "input" and attributes.get("name") and attributes.get("type") != "submit":
            self.fields[str(attributes["name"])] = attributes.get("value") or ""


def form_fields(html: str) -> dict[str, str]:
    parser = _Inputs()
    parser.feed(html)
    return parser.fields


class Browser:
    """A logged-in user's browser, behind the production TLS proxy."""

    def __init__(self, base_url: str, session_key: str, *, timeout: float = 30.0) -> None:
        self.base_url = base_url
        self.timeout = timeout
        self.http = requests.Session()
        host = base_url.split("://", 1)[1]
        self.http.headers.update({"X-Forwarded-Proto": "https"})
        # Cookies ignore ports: the sandbox's own server (another port) gets the same session.
        self.http.cookies.set("sessionid", session_key, domain=host.split(":")[0], path="/")

    def _url(self, path: str) -> str:
        return path if path.startswith("http") else self.base_url + path

    def _secure_cookies_over_loopback(self) -> None:
        # The TLS proxy is left out: the Secure session and CSRF cookies go over
        # http://127.0.0.1 too. (A cookie policy would not do: requests copies the
        # jar into a default-policy jar for every request.)
        for cookie in self.http.cookies:
            cookie.secure = False

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        self._secure_cookies_over_loopback()
        return self.http.get(self._url(path), timeout=self.timeout, allow_redirects=False, **kwargs)

    def post(self, path: str, data: dict[str, Any] | None = None, **kwargs: Any) -> requests.Response:
        """POST a form with the CSRF token (taken from the cookie unless `data` has one)."""
        self._secure_cookies_over_loopback()
        data = {"csrfmiddlewaretoken": self.http.cookies.get("csrftoken", ""), **(data or {})}
        url = self._url(path)
        # Django's CSRF check for HTTPS requests wants the Origin of the page, which is the target's.
        origin = "https://" + url.split("://", 1)[1].split("/", 1)[0]
        return self.http.post(
            url, data=data, timeout=self.timeout, allow_redirects=False, headers={"Origin": origin}, **kwargs
        )

    def fresh_connections(self) -> None:
        """Drop pooled keep-alive connections; the next request opens a new one."""
        self.http.close()  # clears the adapters' pools; the session stays usable

    def close(self) -> None:
        self.http.close()


def session_for(user: Any) -> str:
    """A database session logged in as `user` (what the admin login form would create)."""
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    store = SessionStore()
    store[SESSION_KEY] = user._meta.pk.value_to_string(user)
    store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.create()
    assert store.session_key
    return store.session_key
