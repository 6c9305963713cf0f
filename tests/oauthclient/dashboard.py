"""Driving the dashboard through Django's test client: credentials pointed at the fake
server, a developer, connecting, and reading the page's messages."""

from __future__ import annotations

from html import escape as html_escape
from typing import Any
from urllib.parse import parse_qs, urlsplit

from django.utils.html import escape

from registrations.models import Credential, CredentialServer, Registration, TokenEndpointAuthMethod
from registrations.services.credential import credential_record
from tests.factories import DEVELOPERS, dashboard_group, make_registration, make_user

from .fake_server import CLIENT_ID, CLIENT_SECRET

POSTMAN_CALLBACK = "https://oauth.pstmn.io/v1/browser-callback"


def callback_url() -> str:
    return "http://127.0.0.1:8000/dashboard/callback/"


def make_credential(
    *,
    registration: Registration | None = None,
    server: str = CredentialServer.PLEO_STAGING,
    auth_method: str = TokenEndpointAuthMethod.CLIENT_SECRET_BASIC,
    redirect_uris: list[str] | None = None,
) -> Credential:
    """A credential of the fake server's client (CLIENT_ID, CLIENT_SECRET) on `server`."""
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
