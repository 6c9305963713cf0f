"""The production path: gunicorn (2 workers) with production settings on PostgreSQL.

The dashboard calls the sandbox over HTTP (code exchange, API calls). On one
server a request waits for another request to the same server:
portal/gunicorn_conf.py makes that safe (threaded workers, at least two). Under
`make serve` (manage.py serve) the sandbox has a gunicorn of its own and the
portal never waits for its own pool. Both layouts are proven end to end.
"""

from __future__ import annotations

import os
import signal
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
from django.db import connection

from oauthclient.models import TestCall
from portal.settings.base import PASSWORD_HASHERS
from tests.loopback import free_port
from tests.oauthclient.live import connection_id, issue_sandbox_credential, log_in, make_live_developer
from tests.portal.test_production_keys import production_env

BASE_DIR = Path(__file__).resolve().parents[2]
START_TIMEOUT = 60


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
        self.headers.update({"X-Forwarded-Proto": "https"})

    def prepare_request(self, request: requests.Request) -> requests.PreparedRequest:
        for cookie in self.cookies:
            cookie.secure = False
        return super().prepare_request(request)

    def request(self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        follow = kwargs.pop("allow_redirects", True)
        # The Origin of the page a form is on: the target's (the sandbox may be another server).
        origin = "https://" + str(url).split("://", 1)[1].split("/", 1)[0]
        kwargs["headers"] = {"Origin": origin, **(kwargs.get("headers") or {})}
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


def _server_env(settings: Any, tmp_path: Path, url: str, port: int) -> dict[str, str]:
    # Credentials this process records must decrypt there, and the sandbox issuer is its URL.
    settings.PORTAL_BASE_URL = url
    settings.PORTAL_SANDBOX_ENABLED = True
    # Passwords set here must verify there: production's hashers, not the suite's fast one.
    settings.PASSWORD_HASHERS = PASSWORD_HASHERS
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
    return env


def _serve(command: list[str], env: dict[str, str], server: Gunicorn, *ready: Gunicorn) -> Iterator[Gunicorn]:
    with server.log_path.open("wb") as log:
        # Its own session (process group): teardown stops the master and its workers together.
        process = subprocess.Popen(  # noqa: S603 (the tests' own fixed arguments)
            command,
            cwd=BASE_DIR,
            env=env,
            stdout=subprocess.DEVNULL,  # the access log
            stderr=log,
            start_new_session=True,
        )
    try:
        for each in (server, *ready):
            _wait_until_serving(each, process)
        yield server
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


@pytest.fixture
def gunicorn(transactional_db: Any, settings: Any, tmp_path: Path) -> Iterator[Gunicorn]:
    """One gunicorn with 2 workers that serves the portal and the sandbox, production settings, test database."""
    port = free_port()
    server = Gunicorn(url=f"http://127.0.0.1:{port}", log_path=tmp_path / "gunicorn.log")
    env = _server_env(settings, tmp_path, server.url, port)
    command = [sys.executable, "-m", "gunicorn", "-c", "portal/gunicorn_conf.py", "portal.wsgi"]
    yield from _serve(command, env, server)


@pytest.fixture
def served(transactional_db: Any, settings: Any, tmp_path: Path) -> Iterator[tuple[Gunicorn, Gunicorn]]:
    """`manage.py serve` (what `make serve` runs): the portal's gunicorn and the sandbox's own."""
    port, sandbox_port = free_port(), free_port()
    portal = Gunicorn(url=f"http://127.0.0.1:{port}", log_path=tmp_path / "serve.log")
    sandbox = Gunicorn(url=f"http://127.0.0.1:{sandbox_port}", log_path=portal.log_path)
    env = _server_env(settings, tmp_path, portal.url, port)
    settings.PORTAL_SANDBOX_URL = sandbox.url + "/sandbox"
    env.update(
        {"GUNICORN_SANDBOX_BIND": f"127.0.0.1:{sandbox_port}", "PORTAL_SANDBOX_URL": sandbox.url + "/sandbox"}
    )
    for server in _serve([sys.executable, "manage.py", "serve"], env, portal, sandbox):
        yield server, sandbox


@pytest.mark.postgres
@pytest.mark.parametrize("layout", ["gunicorn", "served"])
def test_sandbox_connect_and_test_call_through_gunicorn(
    transactional_db: Any, request: pytest.FixtureRequest, layout: str
) -> None:
    """One server for both (a request waits for another to the same server), or `make serve`'s two."""
    started = request.getfixturevalue(layout)
    portal, sandbox = started if layout == "served" else (started, started)
    developer = make_live_developer()
    credential = issue_sandbox_credential(issued_by=developer)
    browser = log_in(portal.url, developer.username, session=BehindTheProxy(portal.url))

    # Connecting exchanges the code at the sandbox's /oauth/token from inside a request to
    # the portal; the test call then GETs the sandbox's /api: a deadlock would time out.
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
        f"{sandbox.url}/sandbox/api/v2/employees",
    ), call.error_message


@pytest.mark.postgres
def test_under_make_serve_the_portal_does_not_answer_for_the_sandbox(
    served: tuple[Gunicorn, Gunicorn],
) -> None:
    portal, sandbox = served
    path = "/sandbox/.well-known/oauth-authorization-server"
    proxy = {"X-Forwarded-Proto": "https"}

    statuses = [
        requests.get(server.url + path, headers=proxy, timeout=10).status_code for server in (portal, sandbox)
    ]

    assert statuses == [404, 200]
