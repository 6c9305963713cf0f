"""Fixtures for the OAuth client: a scripted authorization server + API on 127.0.0.1,
a developer, and credentials of the Pleo staging server pointed at the fake server
by settings alone (which is also how an operator points the portal at Pleo).
"""

from __future__ import annotations

import base64
import json
import socket
import threading
import time
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from html import escape as html_escape
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, parse_qsl, urlsplit

import pytest
from django.utils.html import escape

from registrations.models import Credential, CredentialServer, Registration, TokenEndpointAuthMethod
from registrations.services.credential import credential_record
from tests.factories import DEVELOPERS, dashboard_group, make_registration, make_user
from tests.loopback import LoopbackServer

from .live import Browser, issue_sandbox_credential, log_in, make_live_developer

CLIENT_ID = "6f1b5f0e-4a8e-4f5c-9d63-2b7f0f3c8a11"
CLIENT_SECRET = "0123456789abcdef0123456789abcd"
PASSWORD = "pw-for-tests-only"
POSTMAN_CALLBACK = "https://oauth.pstmn.io/v1/browser-callback"
METADATA_PATH = "/.well-known/oauth-authorization-server"


@dataclass
class Reply:
    status: int = 200
    body: Any = None  # dict/list → JSON; bytes/str → as is
    content_type: str = "application/json"
    delay: float = 0.0
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Seen:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    form: dict[str, str]
    body: bytes = b""

    def basic_auth(self) -> tuple[str, str] | None:
        value = self.headers.get("authorization", "")
        if not value.lower().startswith("basic "):
            return None
        user, _, password = base64.b64decode(value[6:]).decode().partition(":")
        return user, password


class FakeServer(LoopbackServer):
    """Pleo's paths on one port: /oauth/* (authorization server) and /api/* (API).

    Each endpoint answers from its queue of scripted replies, else with a sensible
    success. Every request is recorded in `seen` for assertions.
    """

    def __init__(self) -> None:
        self.seen: list[Seen] = []
        self.replies: dict[str, deque[Reply]] = {}
        self.issued = 0
        self.lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:  # quiet
                pass

            def do_GET(self) -> None:
                server.handle(self, "GET")

            def do_POST(self) -> None:
                server.handle(self, "POST")

            def do_PUT(self) -> None:
                server.handle(self, "PUT")

            def do_PATCH(self) -> None:
                server.handle(self, "PATCH")

            def do_DELETE(self) -> None:
                server.handle(self, "DELETE")

        super().__init__(Handler)
        # RFC 8414 metadata to publish (None: none, as Pleo).
        self.metadata: dict[str, Any] | None = None

    def publish_metadata(self, **overrides: Any) -> dict[str, Any]:
        """Publish metadata at Pleo's paths, revocation included, `iss` promised."""
        self.metadata = {
            "issuer": self.base_url,
            "authorization_endpoint": self.base_url + "/oauth/authorize",
            "token_endpoint": self.base_url + "/oauth/token",
            "introspection_endpoint": self.base_url + "/oauth/token/introspect",
            "revocation_endpoint": self.base_url + "/oauth/revoke",
            "authorization_response_iss_parameter_supported": True,
            **overrides,
        }
        return self.metadata

    def script(self, path: str, *replies: Reply) -> None:
        self.replies.setdefault(path, deque()).extend(replies)

    def requests_to(self, path: str) -> list[Seen]:
        return [seen for seen in self.seen if seen.path == path]

    def next_tokens(self) -> dict[str, Any]:
        with self.lock:
            self.issued += 1
            number = self.issued
        return {
            "access_token": f"fake-access-{number}-{'a' * 24}",
            "refresh_token": f"fake-refresh-{number}-{'r' * 24}",
            "token_type": "Bearer",
            "expires_in": 600,
            "scope": "users:read users:write",
        }

    def default_reply(self, path: str, seen: Seen) -> Reply:
        if path == METADATA_PATH and self.metadata is not None:
            return Reply(body=self.metadata)
        if path == "/oauth/revoke":
            return Reply(body={})
        if path == "/oauth/token":
            return Reply(body=self.next_tokens())
        if path == "/oauth/token/introspect":
            return Reply(
                body={"active": True, "client_id": CLIENT_ID, "scope": "users:read", "token_type": "Bearer"}
            )
        if path.startswith("/api/"):
            if not seen.headers.get("authorization", "").startswith("Bearer fake-access-"):
                return Reply(status=401, body={"error": "invalid_token"})
            if path == "/api/v1/introspect":
                return Reply(body={"client_id": CLIENT_ID, "subject": "urn:pleo:company:demo"})
            if path == "/api/v2/employees":
                return Reply(body={"data": [{"id": "e1", "firstName": "Ada"}], "pagination": {}})
            return Reply(status=404, body={"error": "not_found"})
        return Reply(status=404, body={"error": "not_found"})

    def handle(self, handler: BaseHTTPRequestHandler, method: str) -> None:
        parts = urlsplit(handler.path)
        length = int(handler.headers.get("Content-Length") or 0)
        raw = handler.rfile.read(length) if length else b""
        seen = Seen(
            method=method,
            path=parts.path,
            query=dict(parse_qsl(parts.query)),
            headers={key.lower(): value for key, value in handler.headers.items()},
            form=dict(parse_qsl(raw.decode(errors="replace"))),
            body=raw,
        )
        with self.lock:
            self.seen.append(seen)
            queue = self.replies.get(parts.path)
            reply = queue.popleft() if queue else None
        reply = reply or self.default_reply(parts.path, seen)
        if reply.delay:
            time.sleep(reply.delay)
        body = reply.body
        if isinstance(body, dict | list):
            payload = json.dumps(body).encode()
        elif isinstance(body, str):
            payload = body.encode()
        else:
            payload = body or b""
        try:
            handler.send_response(reply.status)
            handler.send_header("Content-Type", reply.content_type)
            handler.send_header("Content-Length", str(len(payload)))
            for key, value in reply.headers.items():
                handler.send_header(key, value)
            handler.end_headers()
            handler.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (timeout tests)


@pytest.fixture
def fake_server() -> Iterator[FakeServer]:
    server = FakeServer()
    yield server
    server.close()


@pytest.fixture
def closed_port() -> int:
    """A port on 127.0.0.1 that nothing listens on (bound, then released)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def pleo_via_fake(settings: Any, fake_server: FakeServer) -> FakeServer:
    """Point the Pleo staging endpoints at the fake server by configuration only."""
    settings.PLEO_STAGING_AUTH_URL = fake_server.base_url
    settings.PLEO_STAGING_API_URL = fake_server.base_url + "/api"
    settings.PORTAL_BASE_URL = "http://127.0.0.1:8000"
    settings.PORTAL_HTTP_TIMEOUT = 5.0
    return fake_server


def callback_url() -> str:
    return "http://127.0.0.1:8000/dashboard/callback/"


def make_credential(
    *,
    registration: Registration | None = None,
    server: str = CredentialServer.PLEO_STAGING,
    auth_method: str = TokenEndpointAuthMethod.CLIENT_SECRET_BASIC,
    redirect_uris: list[str] | None = None,
) -> Credential:
    if registration is None:
        registration = make_registration(
            redirect_uris=redirect_uris if redirect_uris is not None else [callback_url(), POSTMAN_CALLBACK]
        )
    return credential_record(
        registration=registration,
        server=server,
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        token_endpoint_auth_method=auth_method,
    )


def make_developer(**extra: Any) -> Any:
    # Staff: the dashboard's login is the admin login form, which admits staff only.
    user = make_user(is_staff=True, **extra)
    user.groups.add(dashboard_group(DEVELOPERS))
    return user


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


def start_connect(dev_client: Any, credential: Credential) -> dict[str, str]:
    """POST connect; returns the authorize URL's query parameters (state, code_challenge, ...)."""
    response = dev_client.post("/dashboard/connect/", {"credential": credential.pk})
    assert response.status_code == 302, response.content[:500]
    return {key: values[0] for key, values in parse_qs(urlsplit(response["Location"]).query).items()}


def callback(dev_client: Any, **params: str) -> Any:
    return dev_client.get("/dashboard/callback/", params, follow=True)


def page_text(response: Any) -> str:
    return response.content.decode()


def assert_shows(response: Any, message: str) -> None:
    """The message appears on the page, as Django's autoescaping renders it."""
    text = page_text(response)
    assert escape(message) in text or html_escape(message) in text, text[:3000]


@pytest.fixture
def connected(credential: Credential, developer: Any) -> Any:
    """A connection holding tokens the fake server accepts, valid for ten minutes."""
    from datetime import timedelta

    from django.utils import timezone

    from oauthclient.models import Connection

    return Connection.objects.create(
        user=developer,
        credential=credential,
        access_token="fake-access-0-" + "a" * 24,
        refresh_token="fake-refresh-0-" + "r" * 24,
        token_type="Bearer",
        scope="users:read users:write",
        expires_at=timezone.now() + timedelta(minutes=10),
        connected_at=timezone.now(),
    )


@pytest.fixture
def expired(connected: Any) -> Any:
    from datetime import timedelta

    from django.utils import timezone

    connected.expires_at = timezone.now() - timedelta(seconds=5)
    connected.save()
    return connected


# The dashboard against the live sandbox (a live server on 127.0.0.1): the modules named
# *_live.py use these.


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
