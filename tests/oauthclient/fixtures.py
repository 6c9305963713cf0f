"""Fixtures for the dashboard's tests (a pytest plugin: tests/conftest.py lists it in
`pytest_plugins`, so every suite that exercises the dashboard shares them).

A scripted authorization server and API on 127.0.0.1, a developer, and credentials of
the Pleo staging server pointed at the fake server by settings alone (which is also how
an operator points the portal at Pleo). The `live*` fixtures run the dashboard against
the sandbox on a live server (the modules named *_live.py use them).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from registrations.models import Credential
from tests.factories import make_connection
from tests.loopback import free_port

from .dashboard import callback_url, make_credential, make_developer
from .fake_server import CLIENT_ID, CLIENT_SECRET, FakeServer
from .independent_server import IndependentServer
from .live import Browser, issue_sandbox_credential, log_in, make_live_developer


@pytest.fixture
def fake_server() -> Iterator[FakeServer]:
    server = FakeServer()
    yield server
    server.close()


@pytest.fixture
def closed_port() -> int:
    """A port on 127.0.0.1 that nothing listens on (bound, then released)."""
    return free_port()


@pytest.fixture
def pleo_via_fake(settings: Any, fake_server: FakeServer) -> FakeServer:
    """Point the Pleo staging endpoints at the fake server by configuration only."""
    settings.PLEO_STAGING_AUTH_URL = fake_server.base_url
    settings.PLEO_STAGING_API_URL = fake_server.base_url + "/api"
    settings.PORTAL_BASE_URL = "http://127.0.0.1:8000"
    settings.PORTAL_HTTP_TIMEOUT = 5.0
    return fake_server


@pytest.fixture
def independent(settings: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[IndependentServer]:
    """Pleo staging pointed at an OAuth 2.0 server that is not the sandbox (oauthlib's own
    endpoints on 127.0.0.1, at Pleo's paths), by settings alone."""
    # oauthlib insists on HTTPS unless told this is a local test.
    monkeypatch.setenv("OAUTHLIB_INSECURE_TRANSPORT", "1")
    server = IndependentServer(
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        redirect_uris=[callback_url()],
        scopes=["users:read", "users:write"],
    )
    settings.PLEO_STAGING_AUTH_URL = server.base_url
    settings.PLEO_STAGING_API_URL = server.base_url + "/api"
    settings.PORTAL_BASE_URL = "http://127.0.0.1:8000"
    yield server
    server.close()


@pytest.fixture
def credential(db: Any, pleo_via_fake: FakeServer) -> Credential:
    return make_credential()


@pytest.fixture
def developer(db: Any) -> Any:
    return make_developer()


@pytest.fixture
def dev_client(client: Any, developer: Any) -> Any:
    client.force_login(developer)
    return client


@pytest.fixture
def connected(credential: Credential, developer: Any) -> Any:
    """A connection holding tokens the fake server accepts, valid for ten minutes."""
    return make_connection(user=developer, credential=credential)


@pytest.fixture
def expired(connected: Any) -> Any:
    connected.expires_at = timezone.now() - timedelta(seconds=5)
    connected.save()
    return connected


@pytest.fixture
def live(live_server: Any, settings: Any) -> Any:
    # The sandbox's issuer and the dashboard's callback both follow PORTAL_BASE_URL.
    settings.PORTAL_BASE_URL = live_server.url
    settings.PORTAL_SANDBOX_ENABLED = True
    return live_server


@pytest.fixture
def live_developer(live: Any) -> Any:
    return make_live_developer()


@pytest.fixture
def dev_browser(live: Any, live_developer: Any) -> Iterator[Browser]:
    browser = log_in(live.url, live_developer.username)
    yield browser
    browser.session.close()


@pytest.fixture
def sandbox_credential(live_developer: Any) -> Any:
    return issue_sandbox_credential(issued_by=live_developer)
