"""Every HTTP exchange made for a connection is recorded, redacted before it is stored, kept up to
PORTAL_EXCHANGES_KEPT, shown as raw HTTP, and copyable as cURL and HTTPie with shell variables."""

from __future__ import annotations

import os
import subprocess
from typing import Any

import pytest

from oauthclient import recording, selectors
from oauthclient.errors import OAuthClientError
from oauthclient.models import Connection, Exchange, ExchangeKind, TestCall
from oauthclient.services.test_call import test_call_run
from oauthclient.services.tokens import connection_introspect, connection_refresh
from registrations.models import TokenEndpointAuthMethod

from .dashboard import callback, make_credential, start_connect
from .fake_server import CLIENT_ID, CLIENT_SECRET, Reply


def _connect(
    dev_client: Any, credential: Any, *, code: str = "the-authorization-code-0123456789"
) -> dict[str, str]:
    params = start_connect(dev_client, credential)
    callback(dev_client, code=code, state=params["state"], iss=credential_issuer(credential))
    return params


def credential_issuer(credential: Any) -> str:
    from core.servers import server_endpoints

    return server_endpoints(credential.server).issuer


def _stored_text() -> str:
    """Everything the database holds about exchanges and test calls, as one text."""
    parts: list[str] = []
    for exchange in Exchange.objects.all():
        parts += [exchange.url, exchange.request_body, exchange.response_body, exchange.error]
        parts += [f"{name}: {value}" for name, value in exchange.request_headers + exchange.response_headers]
    for call in TestCall.objects.all():
        parts += [call.url, call.body, call.excerpt, call.error_message, str(call.headers), str(call.query)]
    return "\n".join(parts)


@pytest.mark.parametrize(
    "auth_method", [TokenEndpointAuthMethod.CLIENT_SECRET_BASIC, TokenEndpointAuthMethod.CLIENT_SECRET_POST]
)
def test_no_secret_value_is_stored_anywhere_after_the_whole_journey(
    dev_client, pleo_via_fake, developer, auth_method
):
    pleo_via_fake.publish_metadata()
    # A server that echoes what it should not: the token in its introspection and API answers.
    credential = make_credential(auth_method=auth_method)
    code = "the-authorization-code-0123456789"
    params = _connect(dev_client, credential, code=code)
    connection = Connection.objects.get()
    pleo_via_fake.script(
        "/oauth/token/introspect",
        Reply(body={"active": True, "token": connection.access_token, "token_type": "Bearer"}),
    )
    connection_introspect(connection=connection)
    connection_refresh(connection=connection, force=True)
    connection.refresh_from_db()
    pleo_via_fake.script(
        "/api/v1/introspect", Reply(body={"seen_token": connection.access_token, "secret": CLIENT_SECRET})
    )
    test_call_run(connection=connection, user=developer, path="/v1/introspect")
    dev_client.post(
        f"/dashboard/connections/{connection.pk}/test-call/",
        {
            "method": "POST",
            "path": "/v1/things",
            "body": '{"password": "hunter2-hunter2-hunter2"}',
            "header_name": ["X-Api-Key"],
            "header_value": ["key-0123456789abcdef"],
        },
    )
    dev_client.post(f"/dashboard/connections/{connection.pk}/disconnect/")

    verifier = next(seen.form for seen in pleo_via_fake.requests_to("/oauth/token") if seen.form.get("code"))[
        "code_verifier"
    ]
    issued = pleo_via_fake.issued
    values = [
        CLIENT_SECRET,
        code,
        verifier,
        "hunter2-hunter2-hunter2",
        "key-0123456789abcdef",
        *(f"fake-access-{n}-{'a' * 24}" for n in range(1, issued + 1)),
        *(f"fake-refresh-{n}-{'r' * 24}" for n in range(1, issued + 1)),
    ]
    kinds = set(Exchange.objects.values_list("kind", flat=True))
    assert kinds == {kind.value for kind in ExchangeKind}
    stored = _stored_text()
    assert [value for value in values if value in stored] == []
    assert params["state"] in stored  # state is not a secret: the search reads the right text


def test_the_code_exchange_is_recorded_with_verifier_and_secret_redacted(dev_client, pleo_via_fake):
    credential = make_credential(auth_method=TokenEndpointAuthMethod.CLIENT_SECRET_POST)
    _connect(dev_client, credential)

    exchange = Exchange.objects.get(kind=ExchangeKind.CODE_EXCHANGE)
    assert exchange.method == "POST"
    assert exchange.url == pleo_via_fake.base_url + "/oauth/token"
    assert "&code_verifier=[redacted]…" in exchange.request_body
    assert "&client_secret=[redacted]…abcd" in exchange.request_body
    assert "&code=[redacted]…6789&" in exchange.request_body
    assert f"client_id={CLIENT_ID}" in exchange.request_body
    assert '"access_token": "[redacted]…aaaa"' in exchange.response_body
    assert '"token_type": "Bearer"' in exchange.response_body


def test_basic_client_authentication_is_redacted_whole(dev_client, pleo_via_fake):
    _connect(dev_client, make_credential())
    exchange = Exchange.objects.get(kind=ExchangeKind.CODE_EXCHANGE)
    assert dict(exchange.request_headers)["Authorization"] == "Basic [redacted]"


def test_the_authorization_round_trip_is_recorded_in_order(dev_client, pleo_via_fake):
    params = _connect(dev_client, make_credential())
    exchanges = list(Exchange.objects.order_by("created_at", "id"))

    assert [exchange.kind for exchange in exchanges] == [
        ExchangeKind.DISCOVERY,
        ExchangeKind.AUTHORIZATION_REQUEST,
        ExchangeKind.CALLBACK,
        ExchangeKind.CODE_EXCHANGE,
    ]
    authorization, landed = exchanges[1], exchanges[2]
    assert f"state={params['state']}" in authorization.url
    assert "code_challenge_method=S256" in authorization.url
    assert "?code=[redacted]…6789&" in landed.url
    assert landed.url.startswith("http://127.0.0.1:8000/dashboard/callback/?")


def test_nothing_is_recorded_when_none_are_kept(settings, connected, developer, pleo_via_fake):
    settings.PORTAL_EXCHANGES_KEPT = 0
    test_call_run(connection=connected, user=developer, path="/v1/introspect")
    assert not Exchange.objects.exists()


def test_the_newest_kept_are_shown_and_older_ones_deleted_in_batches(
    settings, monkeypatch, connected, developer, pleo_via_fake
):
    settings.PORTAL_EXCHANGES_KEPT = 3
    monkeypatch.setattr(recording, "PRUNE_EVERY", 2)
    for _ in range(7):
        test_call_run(connection=connected, user=developer, path="/v1/introspect")

    calls = list(TestCall.objects.order_by("-id"))
    shown = selectors.connection_exchanges(connection=connected, page=1)
    assert [exchange.test_call_id for exchange in shown] == [call.pk for call in calls[:3]]
    assert Exchange.objects.count() <= 3 + 2
    assert not Exchange.objects.filter(test_call__in=calls[-2:]).exists()


def test_a_failed_refresh_is_recorded_with_the_servers_answer(expired, pleo_via_fake):
    pleo_via_fake.script("/oauth/token", Reply(400, {"error": "invalid_grant"}))
    with pytest.raises(OAuthClientError):
        connection_refresh(connection=expired)

    exchange = Exchange.objects.get(kind=ExchangeKind.REFRESH)
    assert exchange.status_code == 400
    assert "invalid_grant" in exchange.response_body
    assert "&refresh_token=[redacted]…rrrr" in exchange.request_body


def test_an_unanswered_request_is_recorded_with_why(settings, connected, developer, closed_port):
    settings.PLEO_STAGING_API_URL = f"http://127.0.0.1:{closed_port}/api"
    test_call_run(connection=connected, user=developer, path="/v1/introspect")

    exchange = Exchange.objects.get(kind=ExchangeKind.TEST_CALL)
    assert (exchange.status_code, exchange.error.split(":")[0]) == (None, "ConnectionError")


def test_the_connection_page_shows_exchanges_as_raw_http(dev_client, connected, developer, pleo_via_fake):
    test_call_run(connection=connected, user=developer, path="/v1/introspect")
    page = dev_client.get(f"/dashboard/connections/{connected.pk}/").content.decode()

    assert f'<pre class="raw-request">GET {pleo_via_fake.base_url}/api/v1/introspect\n' in page
    assert "\nAuthorization: Bearer [redacted]…aaaa</pre>" in page
    assert '<pre class="raw-response">HTTP/1.1 200 OK\n' in page
    assert "\nContent-Type: application/json\n" in page


def test_the_connection_page_reads_exchanges_in_constant_queries(
    dev_client, connected, developer, pleo_via_fake
):
    def count_queries() -> int:
        from django.db import connection as db
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(db) as context:
            assert dev_client.get(f"/dashboard/connections/{connected.pk}/").status_code == 200
        return len(context.captured_queries)

    test_call_run(connection=connected, user=developer, path="/v1/introspect")
    few = count_queries()
    for _ in range(6):
        test_call_run(connection=connected, user=developer, path="/v1/introspect")
    assert count_queries() == few


# Copy as cURL and HTTPie ----------------------------------------------------------


def _commands(dev_client: Any, connection: Any, kind: str) -> tuple[str, str]:
    import re
    from html import unescape

    page = dev_client.get(f"/dashboard/connections/{connection.pk}/").content.decode()
    exchange = Exchange.objects.filter(kind=kind).latest("id")
    found = {
        tool: unescape(
            re.search(rf'<pre class="{tool}" id="{tool}-{exchange.pk}">(.*?)</pre>', page, re.S).group(1)
        )
        for tool in ("curl", "httpie")
    }
    return found["curl"], found["httpie"]


def test_a_test_call_copied_as_curl_names_the_token_as_a_variable(dev_client, connected, pleo_via_fake):
    dev_client.post(
        f"/dashboard/connections/{connected.pk}/test-call/",
        {
            "method": "POST",
            "path": "/v1/things",
            "body": '{"a": 1}',
            "header_name": ["X-Id"],
            "header_value": ["7"],
        },
    )
    curl, httpie = _commands(dev_client, connected, ExchangeKind.TEST_CALL)

    assert curl.startswith(f"curl -sS -X POST {pleo_via_fake.base_url}/api/v1/things")
    assert "-H 'Authorization: Bearer '\"$PLEO_ACCESS_TOKEN\"" in curl
    assert "-H 'X-Id: 7'" in curl
    assert "'Authorization:Bearer '\"$PLEO_ACCESS_TOKEN\"" in httpie
    assert connected.access_token not in curl + httpie


def test_a_copied_curl_command_gets_the_same_answer(dev_client, connected, pleo_via_fake):
    pleo_via_fake.script("/api/v1/things", Reply(201, {}), Reply(201, {}))
    dev_client.post(
        f"/dashboard/connections/{connected.pk}/test-call/",
        {"method": "POST", "path": "/v1/things", "body": '{"a": 1}'},
    )
    curl, _ = _commands(dev_client, connected, ExchangeKind.TEST_CALL)

    status = subprocess.run(  # noqa: S603
        ["/bin/sh", "-c", curl + " -o /dev/null -w '%{http_code}'"],
        env={**os.environ, "PLEO_ACCESS_TOKEN": connected.access_token},
        capture_output=True,
        text=True,
        timeout=10,
        check=True,
    ).stdout
    assert status == "201" == str(TestCall.objects.get().status_code)
    (replayed,) = [seen for seen in pleo_via_fake.seen if seen.path == "/api/v1/things"][1:]
    assert replayed.headers["authorization"] == "Bearer " + connected.access_token
    assert replayed.body == b'{\n  "a": 1\n}'


@pytest.mark.parametrize(
    ("auth_method", "expected"),
    [
        (TokenEndpointAuthMethod.CLIENT_SECRET_BASIC, f'-u {CLIENT_ID}:"$CLIENT_SECRET"'),
        (TokenEndpointAuthMethod.CLIENT_SECRET_POST, '--data-urlencode client_secret="$CLIENT_SECRET"'),
    ],
)
def test_token_requests_copied_as_curl_name_the_secret_as_a_variable(
    dev_client, pleo_via_fake, auth_method, expected
):
    _connect(dev_client, make_credential(auth_method=auth_method))
    connection = Connection.objects.get()
    connection_refresh(connection=connection, force=True)

    for kind in (ExchangeKind.CODE_EXCHANGE, ExchangeKind.REFRESH):
        curl, httpie = _commands(dev_client, connection, kind)
        assert expected in curl
        assert CLIENT_SECRET not in curl + httpie
    assert '--data-urlencode refresh_token="$PLEO_REFRESH_TOKEN"' in curl


def test_the_connection_page_shows_one_page_of_exchanges_and_links_older_ones(
    dev_client, connected, developer, pleo_via_fake
):
    for _ in range(selectors.EXCHANGES_PER_PAGE + 1):
        test_call_run(connection=connected, user=developer, path="/v1/introspect")
    page = dev_client.get(f"/dashboard/connections/{connected.pk}/").content.decode()

    assert page.count('<li class="exchange"') == selectors.EXCHANGES_PER_PAGE
    assert 'href="?exchanges=2#exchanges">Older</a>' in page
