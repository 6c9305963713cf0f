"""The authorization server fails mid-exchange: hangs up, cuts its answer off, answers 500,
answers too late or answers something that is not JSON.

tests/oauthclient/test_connect_failures.py covers 500, timeout and non-JSON on the code
exchange; this adds the transport failures there, and every kind on the refresh path.
The user reads a plain message, the code exchange leaves no connection behind, a failed
refresh marks the connection as needing re-authorization (a failed refresh is
terminal), and a code or refresh token is never sent twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from oauthclient import errors, messages
from oauthclient.models import Connection, ConnectionStatus, TestCall
from tests.oauthclient.dashboard import assert_shows, callback, start_connect
from tests.oauthclient.fake_server import FakeServer, Reply

from .broken_server import CUT_OFF, HANG_UP, STALL, BrokenServer

STAGING = "Pleo staging"
TOKEN_PATH = "/oauth/token"
# Short, so that the stalled answers cost a fraction of a second each.
TIMEOUT = 0.2


@pytest.fixture
def broken_server_factory() -> Any:
    servers: list[BrokenServer] = []

    def start(mode: str) -> BrokenServer:
        servers.append(BrokenServer(mode))
        return servers[-1]

    yield start
    for server in servers:
        server.close()


def _dropped(server: BrokenServer) -> str:
    return messages.CONNECTION_DROPPED.format(
        server=STAGING, host=server.host, code=errors.CODE_CONNECTION_DROPPED
    )


@pytest.mark.parametrize("mode", [HANG_UP, CUT_OFF])
def test_code_exchange_dropped_mid_answer_saves_nothing(
    dev_client, credential, settings, broken_server_factory, mode
):
    broken = broken_server_factory(mode)
    settings.PLEO_STAGING_AUTH_URL = broken.base_url
    params = start_connect(dev_client, credential)

    response = callback(dev_client, code="c", state=params["state"])

    assert_shows(response, _dropped(broken))
    assert not Connection.objects.exists()
    # An authorization code is single use: it is not re-sent on a fresh connection.
    assert broken.requests_to(TOKEN_PATH) == [TOKEN_PATH]


@dataclass
class TokenFailure:
    """A broken token endpoint and the reason the user must read for it."""

    token_requests: Any  # () -> how many token requests the server received
    reason: str
    code: str


def _transport_failure(mode: str, settings: Any, factory: Any) -> TokenFailure:
    broken = factory(mode)
    settings.PLEO_STAGING_AUTH_URL = broken.base_url
    if mode == STALL:
        settings.PORTAL_HTTP_TIMEOUT = TIMEOUT
        reason = messages.TIMEOUT.format(server=STAGING, timeout=TIMEOUT, code=errors.CODE_TIMEOUT)
        return TokenFailure(lambda: len(broken.requests_to(TOKEN_PATH)), reason, errors.CODE_TIMEOUT)
    return TokenFailure(
        lambda: len(broken.requests_to(TOKEN_PATH)), _dropped(broken), errors.CODE_CONNECTION_DROPPED
    )


def _http_failure(kind: str, fake: FakeServer) -> TokenFailure:
    if kind == "server_error":
        fake.script(TOKEN_PATH, Reply(500, b"<html>Internal Server Error</html>", content_type="text/html"))
        reason = messages.SERVER_ERROR.format(server=STAGING, status=500, code=errors.CODE_SERVER_ERROR)
        code = errors.CODE_SERVER_ERROR
    else:
        fake.script(TOKEN_PATH, Reply(200, b"<html>Welcome to nginx</html>", content_type="text/html"))
        reason = messages.NOT_JSON.format(server=STAGING, status=200, code=errors.CODE_NOT_JSON)
        code = errors.CODE_NOT_JSON
    return TokenFailure(lambda: len(fake.requests_to(TOKEN_PATH)), reason, code)


@pytest.fixture(params=[HANG_UP, CUT_OFF, STALL, "server_error", "not_json"])
def broken_token_endpoint(request, settings, pleo_via_fake, broken_server_factory) -> TokenFailure:
    # The API stays on the fake server: only the token endpoint is broken.
    if request.param in (HANG_UP, CUT_OFF, STALL):
        return _transport_failure(request.param, settings, broken_server_factory)
    return _http_failure(request.param, pleo_via_fake)


def _test_call(dev_client, connection):
    return dev_client.post(
        f"/dashboard/connections/{connection.pk}/test-call/", {"target": "introspect"}, follow=True
    )


def test_failed_refresh_during_a_test_call_is_explained_on_the_page(
    dev_client, expired, broken_token_endpoint
):
    response = _test_call(dev_client, expired)

    reason = messages.NEEDS_REAUTHORIZATION.format(reason=broken_token_endpoint.reason)
    assert_shows(response, messages.TEST_CALL_FAILED.format(reason=reason))


def test_failed_refresh_during_a_test_call_needs_reauthorization_and_spends_the_token_once(
    dev_client, expired, pleo_via_fake, broken_token_endpoint
):
    failure = broken_token_endpoint
    before = Connection.objects.get(pk=expired.pk)

    _test_call(dev_client, expired)

    stored = Connection.objects.get(pk=expired.pk)
    assert (stored.status, stored.last_error_code) == (ConnectionStatus.NEEDS_REAUTHORIZATION, failure.code)
    # The server may have rotated the refresh token before failing: it is never sent again.
    assert failure.token_requests() == 1
    assert stored.access_token == stored.refresh_token == ""
    assert (stored.refresh_count, stored.credential_id, stored.user_id, stored.connected_at) == (
        before.refresh_count,
        before.credential_id,
        before.user_id,
        before.connected_at,
    )
    assert pleo_via_fake.requests_to("/api/v1/introspect") == []
    assert TestCall.objects.get().error_code == failure.code


def test_refresh_now_after_a_failed_refresh_still_says_reconnect_and_sends_nothing(
    dev_client, expired, broken_token_endpoint
):
    failure = broken_token_endpoint
    # Followed, so that the first failure's message is read here and not on the next page.
    dev_client.post(f"/dashboard/connections/{expired.pk}/refresh/", follow=True)

    response = dev_client.post(f"/dashboard/connections/{expired.pk}/refresh/", follow=True)

    assert_shows(response, messages.NEEDS_REAUTHORIZATION.format(reason=failure.reason))
    assert failure.token_requests() == 1
