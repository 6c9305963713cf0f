"""Fixtures for the sandbox: a live server, a logged-in browser session, registered clients.

The OAuth client side is requests-oauthlib (an independent library, not the
portal's own client code).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from django.test import Client
from requests_oauthlib import OAuth2Session

from sandbox.services import SandboxClientRegistration, sandbox_client_register
from tests.factories import make_user
from tests.html_forms import form_fields

TIMEOUT = 10
PASSWORD = "pw-for-tests-only"
REDIRECT_URI = "https://client.example/oauth/callback"


@dataclass
class Sandbox:
    base_url: str

    @property
    def issuer(self) -> str:
        return self.base_url + "/sandbox"

    @property
    def authorize_url(self) -> str:
        return self.issuer + "/oauth/authorize"

    @property
    def token_url(self) -> str:
        return self.issuer + "/oauth/token"

    @property
    def introspect_url(self) -> str:
        return self.issuer + "/oauth/token/introspect"

    @property
    def revoke_url(self) -> str:
        return self.issuer + "/oauth/revoke"

    @property
    def register_url(self) -> str:
        return self.issuer + "/oauth/register"

    @property
    def api_url(self) -> str:
        return self.issuer + "/api"


@pytest.fixture
def sandbox(live_server: Any, settings: Any, monkeypatch: pytest.MonkeyPatch) -> Sandbox:
    settings.PORTAL_BASE_URL = live_server.url
    settings.PORTAL_SANDBOX_ENABLED = True
    # requests-oauthlib refuses plain http otherwise; the live server is http on 127.0.0.1.
    monkeypatch.setenv("OAUTHLIB_INSECURE_TRANSPORT", "1")
    return Sandbox(base_url=live_server.url)


def register_client(
    *,
    redirect_uris: list[str] | None = None,
    scope: str = "users:read users:write",
    auth_method: str = "client_secret_basic",
) -> SandboxClientRegistration:
    metadata = {
        "token_endpoint_auth_method": auth_method,
        "client_name": "Example Client",
        "client_uri": "https://client.example/",
        "tos_uri": "https://client.example/legal/tos.html",
        "policy_uri": "https://client.example/legal/privacy.pdf",
        "contacts": ["name.surname@example.io"],
        "redirect_uris": redirect_uris or [REDIRECT_URI],
        "scope": scope,
    }
    return sandbox_client_register(metadata=metadata)


@pytest.fixture
def client_registration(sandbox: Sandbox) -> SandboxClientRegistration:
    return register_client()


@pytest.fixture
def user_session(sandbox: Sandbox) -> Iterator[requests.Session]:
    """A portal user's browser session, logged in through the admin login form."""
    make_user(username="developer", password=PASSWORD, is_staff=True)
    session = requests.Session()
    login_url = sandbox.base_url + "/admin/login/"
    session.get(login_url, timeout=TIMEOUT).raise_for_status()
    response = session.post(
        login_url,
        data={
            "username": "developer",
            "password": PASSWORD,
            "csrfmiddlewaretoken": session.cookies["csrftoken"],
            "next": "/admin/",
        },
        allow_redirects=False,
        timeout=TIMEOUT,
    )
    assert response.status_code == 302, "admin login failed"
    yield session
    session.close()


def consent(user_session: requests.Session, authorization_url: str, *, allow: bool = True) -> str:
    """Open the consent page, answer it, and return where the sandbox redirects."""
    page = user_session.get(authorization_url, allow_redirects=False, timeout=TIMEOUT)
    assert page.status_code == 200, page.text[:500]
    fields = form_fields(page.text)
    if allow:
        fields["allow"] = "Authorize"
    answer = user_session.post(authorization_url, data=fields, allow_redirects=False, timeout=TIMEOUT)
    assert answer.status_code == 302, answer.text[:500]
    return answer.headers["Location"]


def oauth_session(
    client: SandboxClientRegistration, *, scope: list[str] | None = None, pkce: str | None = "S256"
) -> OAuth2Session:
    return OAuth2Session(
        client.client_id,
        redirect_uri=REDIRECT_URI,
        scope=scope if scope is not None else ["users:read"],
        pkce=pkce,
    )


def connect(
    sandbox: Sandbox,
    user_session: requests.Session,
    client: SandboxClientRegistration,
    *,
    scope: list[str] | None = None,
) -> OAuth2Session:
    """Authorize, consent and exchange the code: an OAuth2Session holding tokens."""
    session = oauth_session(client, scope=scope)
    authorization_url, _state = session.authorization_url(sandbox.authorize_url)
    location = consent(user_session, authorization_url)
    session.fetch_token(
        sandbox.token_url,
        authorization_response=location,
        client_secret=client.client_secret,
        # HTTP Basic unless the client registered client_secret_post (then the form body).
        include_client_id=client.metadata["token_endpoint_auth_method"] == "client_secret_post",
        timeout=TIMEOUT,
    )
    return session


def query_param(url: str, name: str) -> str | None:
    values = parse_qs(urlsplit(url).query).get(name)
    return values[0] if values else None


@pytest.fixture
def api_client(db: Any) -> Client:
    """Django's test client calling the sandbox API with a token that holds every catalog scope
    (its user acts for the demo company)."""
    from .tokens import make_api_token

    return Client(raise_request_exception=False, HTTP_AUTHORIZATION=f"Bearer {make_api_token()}")
