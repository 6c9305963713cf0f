"""The console: any method, query and header rows, a JSON body, the rules that refuse a request
before anything is sent, failures shown as failures, sending again and comparing."""

from __future__ import annotations

import json
from typing import Any

import pytest

from core.text import TEXT_HOLDS_NUL
from oauthclient import messages
from oauthclient.models import Exchange, ExchangeKind, TestCall
from oauthclient.services.test_call import BODY_MAX_BYTES
from registrations.models import CredentialServer
from tests.factories import make_connection

from .dashboard import assert_shows, make_credential
from .fake_server import FakeServer, Reply


def _send(dev_client: Any, connection: Any, **fields: Any) -> Any:
    return dev_client.post(f"/dashboard/connections/{connection.pk}/test-call/", fields, follow=True)


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE"])
def test_any_method_with_a_json_body_reaches_the_api(dev_client, connected, pleo_via_fake, method):
    pleo_via_fake.script("/api/v1/accounts", Reply(201, {"id": "a1"}))
    _send(dev_client, connected, method=method, path="/v1/accounts", body='{"name": "Travel"}')

    (seen,) = pleo_via_fake.requests_to("/api/v1/accounts")
    assert (seen.method, json.loads(seen.body)) == (method, {"name": "Travel"})
    assert seen.headers["content-type"] == "application/json"
    assert seen.headers["authorization"] == "Bearer " + connected.access_token


def test_query_and_header_rows_are_sent(dev_client, connected, pleo_via_fake):
    _send(
        dev_client,
        connected,
        method="GET",
        path="/v2/employees?limit=1",
        query_name=["offset", "", "sorting_keys"],
        query_value=["5", "", "code"],
        header_name=["X-Request-Id", ""],
        header_value=["abc-123", ""],
    )

    (seen,) = pleo_via_fake.requests_to("/api/v2/employees")
    assert seen.query == {"limit": "1", "offset": "5", "sorting_keys": "code"}
    assert seen.headers["x-request-id"] == "abc-123"
    call = TestCall.objects.get()
    assert (call.path, call.query, call.headers) == (
        "/v2/employees?limit=1",
        [["offset", "5"], ["sorting_keys", "code"]],
        [["X-Request-Id", "abc-123"]],
    )


@pytest.mark.parametrize(
    "header",
    [
        "Authorization",
        "authorization",
        "Host",
        "Cookie",
        "Connection",
        "Transfer-Encoding",
        "Content-Length",
        "TE",
    ],
)
def test_headers_the_portal_owns_are_refused(dev_client, connected, pleo_via_fake, header):
    response = _send(dev_client, connected, path="/v1/introspect", header_name=[header], header_value=["x"])

    assert response.status_code == 400
    assert_shows(response, messages.HEADER_FORBIDDEN.format(name=header))
    assert pleo_via_fake.seen == []
    assert not TestCall.objects.exists()


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("X Bad", "v", messages.HEADER_NAME_INVALID.format(name="X Bad")),
        ("X-Ok", "a\r\nInjected: yes", messages.HEADER_VALUE_INVALID.format(name="X-Ok")),
    ],
)
def test_malformed_headers_are_refused(dev_client, connected, pleo_via_fake, name, value, message):
    response = _send(dev_client, connected, path="/v1/introspect", header_name=[name], header_value=[value])

    assert response.status_code == 400
    assert_shows(response, message)
    assert pleo_via_fake.seen == []


@pytest.mark.parametrize(
    ("method", "body", "message"),
    [
        ("POST", '{"name": ', None),
        ("POST", "[" * 60_000, None),
        ("POST", json.dumps({"x": "y" * BODY_MAX_BYTES}), messages.BODY_TOO_LARGE.format(limit_kib=64)),
        ("GET", "{}", messages.BODY_NOT_ALLOWED.format(method="GET")),
    ],
    ids=["not-json", "deeply-nested", "too-large", "get-with-body"],
)
def test_bodies_are_checked_before_anything_is_sent(
    dev_client, connected, pleo_via_fake, method, body, message
):
    response = _send(dev_client, connected, method=method, path="/v1/accounts", body=body)

    assert response.status_code == 400
    if message is None:
        assert "The body is not valid JSON" in response.content.decode()
    else:
        assert_shows(response, message)
    assert pleo_via_fake.seen == []
    assert not TestCall.objects.exists()


@pytest.fixture
def production(settings, fake_server: FakeServer, developer, db) -> Any:
    settings.PLEO_PRODUCTION_AUTH_URL = fake_server.base_url
    settings.PLEO_PRODUCTION_API_URL = fake_server.base_url + "/api"
    return make_connection(
        user=developer, credential=make_credential(server=CredentialServer.PLEO_PRODUCTION)
    )


def test_a_write_on_production_needs_the_confirmation(dev_client, production, fake_server):
    response = _send(dev_client, production, method="DELETE", path="/v1/accounts/a1")

    assert response.status_code == 400
    assert_shows(response, messages.PRODUCTION_NOT_CONFIRMED.format(method="DELETE"))
    assert fake_server.seen == []

    _send(dev_client, production, method="DELETE", path="/v1/accounts/a1", confirm_production="on")
    assert [seen.method for seen in fake_server.requests_to("/api/v1/accounts/a1")] == ["DELETE"]


def test_a_read_on_production_needs_no_confirmation(dev_client, production, fake_server):
    _send(dev_client, production, method="GET", path="/v1/introspect")
    assert len(fake_server.requests_to("/api/v1/introspect")) == 1


@pytest.mark.parametrize("status", [404, 500])
def test_an_answer_outside_2xx_is_shown_as_a_failure(dev_client, connected, pleo_via_fake, status):
    pleo_via_fake.script("/api/v1/introspect", Reply(status, {"error": "nope"}))
    response = _send(dev_client, connected, path="/v1/introspect")

    call = TestCall.objects.get()
    text = response.content.decode()
    expected = messages.TEST_CALL_NOT_OK.format(status=status, duration_ms=call.duration_ms)
    assert f'<li class="error">{expected}</li>' in text
    assert messages.TEST_CALL_DONE.format(status=status, duration_ms=call.duration_ms) not in text


def test_a_kept_call_is_sent_again_as_it_was(dev_client, connected, pleo_via_fake):
    _send(
        dev_client,
        connected,
        method="PATCH",
        path="/v1/accounts/a1",
        body='{"archived": true}',
        header_name=["X-Trace"],
        header_value=["t1"],
    )
    first = TestCall.objects.get()

    dev_client.post(f"/dashboard/connections/{connected.pk}/test-calls/{first.pk}/again/")

    sent = pleo_via_fake.requests_to("/api/v1/accounts/a1")
    assert [(seen.method, json.loads(seen.body), seen.headers["x-trace"]) for seen in sent] == [
        ("PATCH", {"archived": True}, "t1")
    ] * 2
    assert TestCall.objects.count() == 2


def test_a_kept_call_prefills_the_form(dev_client, connected, pleo_via_fake):
    _send(
        dev_client,
        connected,
        method="PUT",
        path="/v1/accounts/a1",
        body='{"name": "Meals"}',
        query_name=["dry"],
        query_value=["1"],
    )
    call = TestCall.objects.get()

    page = dev_client.get(f"/dashboard/connections/{connected.pk}/?from={call.pk}").content.decode()

    assert '<option value="PUT" selected>PUT</option>' in page
    assert 'value="/v1/accounts/a1"' in page
    assert 'name="query_name" value="dry"' in page
    assert "&quot;name&quot;: &quot;Meals&quot;" in page


def test_two_calls_are_compared_side_by_side(dev_client, connected, pleo_via_fake):
    pleo_via_fake.script(
        "/api/v1/introspect",
        Reply(200, {"client_id": "c", "subject": "first"}, headers={"X-Version": "1"}),
        Reply(404, {"client_id": "c", "subject": "second"}, headers={"X-Version": "2"}),
    )
    _send(dev_client, connected, path="/v1/introspect")
    _send(dev_client, connected, path="/v1/introspect")
    first, second = TestCall.objects.order_by("id")

    page = dev_client.get(
        f"/dashboard/connections/{connected.pk}/compare/", {"pick": [first.pk, second.pk]}
    ).content.decode()

    assert '<tr class="differs" id="compare-status">' in page
    assert (
        '<tr class="differs"><th scope="row">x-version</th><td><code>1</code></td><td><code>2</code></td></tr>'
        in page
    )
    assert '<span class="diff-removed">-  &quot;subject&quot;: &quot;first&quot;</span>' in page
    assert '<span class="diff-added">+  &quot;subject&quot;: &quot;second&quot;</span>' in page


def test_comparing_calls_of_another_connection_is_refused(dev_client, connected, pleo_via_fake):
    _send(dev_client, connected, path="/v1/introspect")
    mine = TestCall.objects.get()
    response = dev_client.get(
        f"/dashboard/connections/{connected.pk}/compare/", {"a": mine.pk, "b": mine.pk + 99}
    )
    assert response.status_code == 400
    assert_shows(response, messages.COMPARE_INVALID)


@pytest.mark.parametrize("parameter", ["call", "from"])
@pytest.mark.parametrize("value", ["%C2%B2", "1e3", "-1", "9" * 40])
def test_a_malformed_call_number_is_a_400(dev_client, connected, parameter, value):
    response = dev_client.get(f"/dashboard/connections/{connected.pk}/?{parameter}={value}")
    assert response.status_code == 400
    assert_shows(response, messages.CALL_ID_INVALID)


def test_each_test_call_keeps_its_exchange(dev_client, connected, pleo_via_fake):
    _send(
        dev_client,
        connected,
        method="POST",
        path="/v1/accounts",
        body='{"name": "Travel"}',
        header_name=["X-Request-Id"],
        header_value=["r-1"],
    )

    exchange = Exchange.objects.get(kind=ExchangeKind.TEST_CALL)
    headers = dict(exchange.request_headers)
    assert headers["X-Request-Id"] == "r-1"
    assert headers["Authorization"] == "Bearer [redacted]…aaaa"
    assert json.loads(exchange.request_body) == {"name": "Travel"}
    assert (exchange.status_code, json.loads(exchange.response_body)) == (404, {"error": "not_found"})
    assert exchange.test_call == TestCall.objects.get()


def test_a_nul_character_in_a_query_row_is_refused(dev_client, connected, pleo_via_fake):
    response = _send(dev_client, connected, path="/v1/introspect", query_name=["q"], query_value=["a\x00b"])
    assert response.status_code == 400
    assert_shows(response, messages.ROW_UNSTORABLE.format(name="q", reason=TEXT_HOLDS_NUL))
    assert pleo_via_fake.seen == []


def test_a_binary_answer_is_kept_without_its_nul_characters(dev_client, connected, pleo_via_fake):
    pleo_via_fake.script(
        "/api/v1/blob", Reply(200, b"\x00\x01PNG\x00", content_type="application/octet-stream")
    )
    _send(dev_client, connected, path="/v1/blob")

    exchange = Exchange.objects.get(kind=ExchangeKind.TEST_CALL)
    assert exchange.response_body == "\ufffd\x01PNG\ufffd"
    assert "\x00" not in TestCall.objects.get().excerpt
