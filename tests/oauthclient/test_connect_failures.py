"""Every failure of the connect flow, produced by a real server on 127.0.0.1: the user reads
a plain message with the error code, and nothing is stored."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from oauthclient import errors, messages
from oauthclient.models import Connection

from .dashboard import assert_shows, callback, start_connect
from .fake_server import FakeServer, Reply

STAGING = "Pleo staging"


# --- the authorization response itself says no, or is not this session's ------------------

# (the callback's parameters besides a valid state, or None to leave the state out, and the message)
CALLBACK_FAILURES = [
    pytest.param(
        {"error": "access_denied", "error_description": "The user said no"},
        messages.ACCESS_DENIED.format(code="access_denied"),
        id="access-denied",
    ),
    pytest.param(
        {"error": "invalid_scope", "error_description": "Unknown scope"},
        messages.SERVER_OAUTH_ERROR.format(code="invalid_scope", description="Unknown scope"),
        id="other-error-with-its-description",
    ),
    pytest.param({"code": "c", "state": "not-the-state"}, messages.STATE_INVALID, id="wrong-state"),
    pytest.param({"code": "c", "state": None}, messages.STATE_INVALID, id="missing-state"),
    pytest.param({}, messages.CODE_MISSING, id="missing-code"),
]


@pytest.mark.parametrize(("params", "message"), CALLBACK_FAILURES)
def test_a_refused_authorization_response_sends_nothing_and_saves_nothing(
    dev_client, credential, pleo_via_fake, params, message
):
    state = start_connect(dev_client, credential)["state"]
    sent = {"state": state, **params}
    response = callback(dev_client, **{name: value for name, value in sent.items() if value is not None})

    assert_shows(response, message)
    assert pleo_via_fake.requests_to("/oauth/token") == []
    assert not Connection.objects.exists()


# --- the token endpoint answers with a failure ----------------------------------------------


@dataclass(frozen=True)
class TokenFailure:
    reply: Reply
    message: str
    timeout: float | None = None  # PORTAL_HTTP_TIMEOUT for this case


TOKEN_FAILURES = [
    pytest.param(
        TokenFailure(
            Reply(400, {"error": "invalid_grant", "error_description": "Code expired"}),
            messages.INVALID_GRANT.format(code="invalid_grant", description="Code expired"),
        ),
        id="invalid-grant",
    ),
    pytest.param(
        TokenFailure(
            Reply(401, {"error": "invalid_client", "error_description": "Bad secret"}),
            messages.INVALID_CLIENT.format(code="invalid_client", description="Bad secret"),
        ),
        id="invalid-client",
    ),
    pytest.param(
        TokenFailure(
            Reply(500, b"<html>Internal Server Error</html>", content_type="text/html"),
            messages.SERVER_ERROR.format(server=STAGING, status=500, code=errors.CODE_SERVER_ERROR),
        ),
        id="server-error-500",
    ),
    pytest.param(
        TokenFailure(
            Reply(503, {"error": "temporarily_unavailable"}),
            messages.SERVER_ERROR.format(server=STAGING, status=503, code="temporarily_unavailable"),
        ),
        id="server-error-503-with-its-oauth-code",
    ),
    pytest.param(
        TokenFailure(
            Reply(200, b"<html>Welcome to nginx</html>", content_type="text/html"),
            messages.NOT_JSON.format(server=STAGING, status=200, code=errors.CODE_NOT_JSON),
        ),
        id="non-json-body",
    ),
    pytest.param(
        TokenFailure(
            Reply(400, b"Bad Request", content_type="text/plain"),
            messages.NOT_JSON.format(server=STAGING, status=400, code=errors.CODE_NOT_JSON),
        ),
        id="non-json-error-body",
    ),
    pytest.param(
        TokenFailure(
            Reply(200, {"token_type": "Bearer", "expires_in": 60}),
            messages.TOKEN_RESPONSE_INVALID.format(
                server=STAGING, code=errors.CODE_INVALID_TOKEN_RESPONSE, description="no access_token"
            ),
        ),
        id="no-access-token",
    ),
    pytest.param(
        TokenFailure(
            Reply(delay=1.5),
            messages.TIMEOUT.format(server=STAGING, timeout=0.3, code=errors.CODE_TIMEOUT),
            timeout=0.3,
        ),
        id="timeout",
    ),
]


@pytest.mark.parametrize("failure", TOKEN_FAILURES)
def test_a_failed_code_exchange_is_explained_and_saves_nothing(
    dev_client, credential, pleo_via_fake, settings, failure
):
    if failure.timeout is not None:
        settings.PORTAL_HTTP_TIMEOUT = failure.timeout
    pleo_via_fake.script("/oauth/token", failure.reply)
    state = start_connect(dev_client, credential)["state"]

    response = callback(dev_client, code="c", state=state)

    assert_shows(response, failure.message)
    assert not Connection.objects.exists()


# --- the token endpoint cannot be reached ---------------------------------------------------


def _refused(settings: Any, fake: FakeServer, closed_port: int) -> str:
    settings.PLEO_STAGING_AUTH_URL = f"http://127.0.0.1:{closed_port}"
    return messages.CONNECTION_REFUSED.format(
        server=STAGING, host=f"127.0.0.1:{closed_port}", code=errors.CODE_CONNECTION_REFUSED
    )


def _tls(settings: Any, fake: FakeServer, closed_port: int) -> str:
    # https to a port that speaks plain http: the TLS handshake fails.
    settings.PLEO_STAGING_AUTH_URL = f"https://127.0.0.1:{fake.port}"
    return messages.TLS_ERROR.format(server=STAGING, host=f"127.0.0.1:{fake.port}", code=errors.CODE_TLS)


@pytest.mark.parametrize("unreachable", [_refused, _tls], ids=["connection-refused", "tls-error"])
def test_an_unreachable_token_endpoint_is_explained_and_saves_nothing(
    dev_client, credential, pleo_via_fake, settings, closed_port, unreachable: Callable[..., str]
):
    state = start_connect(dev_client, credential)["state"]
    message = unreachable(settings, pleo_via_fake, closed_port)

    response = callback(dev_client, code="c", state=state)

    assert_shows(response, message)
    assert not Connection.objects.exists()


def test_a_failed_reconnect_keeps_the_previous_tokens(dev_client, credential, pleo_via_fake):
    params = start_connect(dev_client, credential)
    callback(dev_client, code="c", state=params["state"])
    before = Connection.objects.get().access_token
    pleo_via_fake.script("/oauth/token", Reply(400, {"error": "invalid_grant"}))
    params = start_connect(dev_client, credential)
    callback(dev_client, code="c", state=params["state"])
    assert Connection.objects.get().access_token == before
