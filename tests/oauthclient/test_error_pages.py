"""No secret on the DEBUG error page of any dashboard view that handles one.

Each test makes a view fail (tests.error_pages.error_page) deep in its service, where the
client secret, the tokens, the authorization code or the code verifier sit in local
variables, and looks for every one of them on the page Django shows a developer.
"""

from __future__ import annotations

import base64
from types import SimpleNamespace
from typing import Any
from urllib.parse import urlencode

import pytest

from oauthclient.services import authorization
from tests.error_pages import assert_shows_none, error_page
from tests.factories import ACCESS_TOKEN, REFRESH_TOKEN

from .dashboard import POSTMAN_CALLBACK, start_connect
from .fake_server import CLIENT_ID, CLIENT_SECRET

STATE = "state-for-the-error-page-0123456789abcdef"
CODE_VERIFIER = "verifier-for-the-error-page-0123456789-abcdefghijklmnopqrstuvwxyz-ABCDEFGHIJKLMNOP"
AUTHORIZATION_CODE = "authorization-code-for-the-error-page-0123456789"
# What the fake server issues next (its first tokens).
ISSUED = ("fake-access-1-" + "a" * 24, "fake-refresh-1-" + "r" * 24)
BASIC = base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
HELD = (CLIENT_SECRET, BASIC, ACCESS_TOKEN, REFRESH_TOKEN)


@pytest.fixture
def known_verifier(monkeypatch: pytest.MonkeyPatch) -> None:
    """The authorization request's state and verifier, known to the test."""
    monkeypatch.setattr(
        authorization,
        "secrets",
        SimpleNamespace(token_urlsafe=lambda size: {32: STATE, 64: CODE_VERIFIER}[size]),
    )


def _connection_url(connection: Any, action: str = "") -> str:
    return f"/dashboard/connections/{connection.pk}/{action}"


# --- connecting ------------------------------------------------------------------------------


def test_a_failed_connect_shows_no_secret(dev_client, credential, known_verifier, settings):
    page = error_page(
        dev_client,
        method="post",
        url="/dashboard/connect/",
        fail="oauthclient.services.authorization.ExchangeDraft",
        settings=settings,
        data={"credential": credential.pk},
    )
    assert_shows_none(page, [CODE_VERIFIER, CLIENT_SECRET, BASIC])


def test_a_failed_callback_shows_no_secret(dev_client, credential, known_verifier, settings):
    start_connect(dev_client, credential)
    page = error_page(
        dev_client,
        method="get",
        url="/dashboard/callback/?" + urlencode({"code": AUTHORIZATION_CODE, "state": STATE}),
        fail="oauthclient.services.authorization.token_fields",
        settings=settings,
    )
    assert_shows_none(page, [AUTHORIZATION_CODE, CODE_VERIFIER, CLIENT_SECRET, BASIC, *ISSUED])


def test_a_failed_manual_path_start_shows_no_secret(dev_client, credential, known_verifier, settings):
    page = error_page(
        dev_client,
        method="post",
        url=f"/dashboard/credentials/{credential.pk}/manual/",
        fail="oauthclient.services.authorization.ExchangeDraft",
        settings=settings,
        data={"redirect_uri": POSTMAN_CALLBACK},
    )
    assert_shows_none(page, [CODE_VERIFIER, CLIENT_SECRET, BASIC])


def test_a_failed_manual_path_completion_shows_no_secret(dev_client, credential, known_verifier, settings):
    dev_client.post(f"/dashboard/credentials/{credential.pk}/manual/", {"redirect_uri": POSTMAN_CALLBACK})
    landed = POSTMAN_CALLBACK + "?" + urlencode({"code": AUTHORIZATION_CODE, "state": STATE})
    page = error_page(
        dev_client,
        method="post",
        url="/dashboard/manual/complete/",
        fail="oauthclient.services.authorization.token_fields",
        settings=settings,
        data={"pasted_url": landed},
    )
    assert_shows_none(page, [AUTHORIZATION_CODE, CODE_VERIFIER, CLIENT_SECRET, BASIC, *ISSUED])


# --- the connection's actions ----------------------------------------------------------------


def test_a_failed_disconnect_shows_no_secret(dev_client, connected, pleo_via_fake, settings):
    pleo_via_fake.publish_metadata()
    page = error_page(
        dev_client,
        method="post",
        url=_connection_url(connected, "disconnect/"),
        # Inside the revocation loop, with a token to revoke in hand.
        fail="oauthclient.services.tokens.request_options",
        settings=settings,
    )
    assert_shows_none(page, HELD)


# --- refresh, introspection, the console, the scope check, monitoring -----------------------

# Where a test call has sent its request and holds the answer: the token in hand.
AFTER_SENDING = "oauthclient.services.test_call.body_text"
# The connection's actions that fail with nothing set up but the connection: where each
# fails (with the tokens in hand there), what it posts, and whether the fake server had
# issued new tokens by then.
ACTIONS = {
    "refresh": ("refresh/", "oauthclient.services.tokens.token_fields", {}, True),
    "introspection": ("introspect/", "oauthclient.services.tokens.redact_data", {}, False),
    "test call": ("test-call/", AFTER_SENDING, {"path": "/v1/introspect"}, False),
    "scope check": ("scope-check/", AFTER_SENDING, {}, False),
    # Under the connection's row lock, its tokens loaded.
    "monitoring change": (
        "monitoring/",
        "oauthclient.models.Connection.full_clean",
        {"monitoring-monitored": "on", "monitoring-target": "introspect"},
        False,
    ),
}


@pytest.mark.parametrize("action", sorted(ACTIONS))
def test_a_failed_connection_action_shows_no_secret(action, dev_client, connected, settings):
    path, fail, data, issued = ACTIONS[action]
    page = error_page(
        dev_client,
        method="post",
        url=_connection_url(connected, path),
        fail=fail,
        settings=settings,
        data=data,
    )
    assert_shows_none(page, [*HELD, *ISSUED] if issued else HELD)


def test_a_failed_test_call_sent_again_shows_no_secret(dev_client, connected, settings):
    dev_client.post(_connection_url(connected, "test-call/"), {"path": "/v1/introspect"})
    call = connected.test_calls.get()
    page = error_page(
        dev_client,
        method="post",
        url=_connection_url(connected, f"test-calls/{call.pk}/again/"),
        fail=AFTER_SENDING,
        settings=settings,
    )
    assert_shows_none(page, HELD)
