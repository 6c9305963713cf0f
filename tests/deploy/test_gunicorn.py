"""The production path: gunicorn (2 workers) with production settings on PostgreSQL.

The dashboard calls the portal's own sandbox over HTTP (code exchange, API calls):
a request waits for another request to the same server. portal/gunicorn_conf.py
makes that safe (threaded workers, at least two); this test proves it end to end.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote, urljoin

import pytest
import requests
from django.conf import global_settings
from django.db import connection

from oauthclient.models import TestCall
from tests.oauthclient.live import connection_id, issue_sandbox_credential, log_in, make_live_developer
from tests.portal.test_production_keys import production_env

BASE_DIR = Path(__file__).resolve().parents[2]
START_TIMEOUT = 60


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class BehindTheProxy(requests.Session):
    """A client as the app server sees it behind a TLS-terminating proxy, on plain http.

    Production settings mark session and CSRF cookies Secure, and a cookie jar never
    sends those over http; in production TLS ends at the proxy. So this session says
    X-Forwarded-Proto: https (trusted from 127.0.0.1 by SECURE_PROXY_SSL_HEADER and
    gunicorn's forwarded_allow_ips) with a matching Origin for Django's HTTPS CSRF
    check, and sends its cookies although they are Secure. Redirects are followed
    here, one request at a time, because requests' own redirect handling rebuilds
    the cookie header from a fresh jar.
    """

    def __init__(self, base_url: str) -> None:
        super().__init__()
        self.headers.update({"X-Forwarded-Proto": "https", "Origin": base_url.replace("http:", "https:", 1)})

    def prepare_request(self, request: requests.Request) -> requests.PreparedRequest:
        for cookie in self.cookies:
            cookie.secure = False
        return super().prepare_request(request)

    def request(self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        follow = kwargs.pop("allow_redirects", True)
        response = super().request(method, url, *args, allow_redirects=False, **kwargs)
        while follow and response.is_redirect:
            location = urljoin(response.url, response.headers["Location"])
            response = super().request("GET", location, allow_redirects=False, timeout=kwargs.get("timeout"))
        return response


@dataclass
class Gunicorn:
    url: str
    # gunicorn's stderr (its error log and Django's log) goes to a file, not a pipe:
    # nobody reads a pipe while the test runs, and a full one would block the server.
    log_path: Path

    def log(self) -> str:
        return "gunicorn's stderr:\n" + self.log_path.read_text(errors="replace")


def _database_url() -> str:
    """The pytest-django test database (test_<name>), for the server to share."""
    database = connection.settings_dict
    credentials = quote(database["USER"], safe="")
    if database["PASSWORD"]:
        credentials += ":" + quote(database["PASSWORD"], safe="")
    return f"postgres://{credentials}@{database['HOST']}:{database['PORT']}/{database['NAME']}"


def _wait_until_serving(server: Gunicorn, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"gunicorn exited with {process.returncode}.\n{server.log()}")
        try:
            requests.get(server.url + "/", timeout=2, headers={"X-Forwarded-Proto": "https"})
        except requests.ConnectionError:
            time.sleep(0.2)  # not listening yet: nothing to wait on but the port
            continue
        return
    raise AssertionError(f"gunicorn did not answer on {server.url} within {START_TIMEOUT} s.\n{server.log()}")


@pytest.fixture
def gunicorn(transactional_db: Any, settings: Any, tmp_path: Path) -> Iterator[Gunicorn]:
    """gunicorn with 2 workers, production settings, on the test database."""
    port = _free_port()
    server = Gunicorn(url=f"http://127.0.0.1:{port}", log_path=tmp_path / "gunicorn.log")
    url = server.url
    # Credentials this process records must decrypt there, and the sandbox issuer is its URL.
    settings.PORTAL_BASE_URL = url
    settings.PORTAL_SANDBOX_ENABLED = True
    # Passwords set here must verify there: production's hashers, not the suite's fast one.
    settings.PASSWORD_HASHERS = global_settings.PASSWORD_HASHERS
    env = {
        **production_env(tmp_path, ",".join(settings.PORTAL_ENCRYPTION_KEYS)),
        "DATABASE_URL": _database_url(),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        "DJANGO_STATIC_ROOT": str(tmp_path / "static"),
        "PORTAL_BASE_URL": url,
        "PORTAL_SANDBOX_ENABLED": "true",
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "GUNICORN_WORKERS": "2",
        "GUNICORN_THREADS": "2",
        # gunicorn 27 opens a control socket in $XDG_RUNTIME_DIR, else in ~/.gunicorn/:
        # keep it in this test's directory, apart from any other gunicorn on the machine.
        "XDG_RUNTIME_DIR": str(tmp_path),
    }
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "--verbosity", "0"],
        cwd=BASE_DIR,
        env=env,
        check=True,
        timeout=120,
    )
    with server.log_path.open("wb") as log:
        # Its own session (process group): teardown stops the master and its workers together.
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "portal/gunicorn_conf.py", "portal.wsgi"],
            cwd=BASE_DIR,
            env=env,
            stdout=subprocess.DEVNULL,  # the access log
            stderr=log,
            start_new_session=True,
        )
    try:
        _wait_until_serving(server, process)
        yield server
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


@pytest.mark.postgres
def test_sandbox_connect_and_test_call_through_gunicorn(gunicorn: Gunicorn) -> None:
    developer = make_live_developer()
    credential = issue_sandbox_credential(issued_by=developer)
    browser = log_in(gunicorn.url, developer.username, session=BehindTheProxy(gunicorn.url))

    # Connecting exchanges the code at this server's own /sandbox/oauth/token, from inside
    # a request to it; the test call then GETs its /sandbox/api: a deadlock would time out.
    page = browser.connect(credential)
    answer = browser.post(
        f"/dashboard/connections/{connection_id(page.url)}/test-call/", {"target": "employees"}
    )

    # On failure, tests/deploy/conftest.py adds gunicorn's stderr to the report.
    assert answer.status_code == 200, answer.text[:500]
    call = TestCall.objects.get()
    assert (call.status_code, call.error_code, call.url) == (
        200,
        "",
        f"{gunicorn.url}/sandbox/api/v2/employees",
    ), call.error_message
