"""Hostile input in the console and the manual path, as cases found once and kept as regressions:
a request the portal cannot send or keep is refused before it is sent, next to its field; an
answer is always kept, whatever it holds. (test_console_properties.py finds such cases.)"""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.core.exceptions import ValidationError

from core.text import TEXT_HOLDS_NUL, TEXT_HOLDS_SURROGATE
from oauthclient import messages
from oauthclient.errors import OAuthClientError
from oauthclient.models import Connection, Exchange, ExchangeKind, TestCall
from oauthclient.services.authorization import connection_complete_from_url
from oauthclient.services.test_call import ApiRequest, test_call_send

from .dashboard import POSTMAN_CALLBACK, assert_shows
from .fake_server import FakeServer, Reply


def _send(dev_client: Any, connection: Any, **fields: Any) -> Any:
    return dev_client.post(f"/dashboard/connections/{connection.pk}/test-call/", fields)


def _nothing_sent_or_kept(fake: FakeServer) -> bool:
    api_requests = [seen for seen in fake.seen if seen.path.startswith("/api/")]
    return api_requests == [] and not TestCall.objects.exists() and not Exchange.objects.exists()


# --- refused before anything is sent ------------------------------------------------------------


@pytest.mark.parametrize("value", ["ā", "😀"], ids=["latin-extended", "emoji"])
def test_a_header_value_outside_latin_1_is_refused_next_to_the_headers(
    dev_client, connected, pleo_via_fake, value
):
    response = _send(
        dev_client, connected, path="/v1/introspect", header_name=["X-Name"], header_value=[value]
    )

    assert response.status_code == 400
    assert response.context["test_call_form"].errors["headers"] == [
        messages.HEADER_VALUE_NOT_LATIN1.format(name="X-Name", character=value)
    ]
    assert _nothing_sent_or_kept(pleo_via_fake)


@pytest.mark.parametrize(
    ("body", "reason"),
    [('{"name": "\\ud800"}', TEXT_HOLDS_SURROGATE), ('{"name": "a\\u0000b"}', TEXT_HOLDS_NUL)],
    ids=["lone-surrogate-escape", "nul-escape"],
)
def test_a_json_body_decoding_to_unstorable_text_is_refused_next_to_the_body(
    dev_client, connected, pleo_via_fake, body, reason
):
    response = _send(dev_client, connected, method="POST", path="/v1/accounts", body=body)

    assert response.status_code == 400
    assert response.context["test_call_form"].errors["body"] == [reason]
    assert _nothing_sent_or_kept(pleo_via_fake)


def test_a_nul_in_the_path_is_refused_with_the_storable_text_rule(dev_client, connected, pleo_via_fake):
    response = _send(dev_client, connected, path="/v1/a\x00b")

    assert response.status_code == 400
    assert response.context["test_call_form"].errors["path"] == [TEXT_HOLDS_NUL]
    assert _nothing_sent_or_kept(pleo_via_fake)


def test_a_path_off_the_api_base_is_refused_next_to_the_path(dev_client, connected, pleo_via_fake):
    response = _send(dev_client, connected, path="//evil.example/v1")

    assert response.status_code == 400
    assert response.context["test_call_form"].errors["path"] == [
        messages.PATH_REFUSED.format(api_base=pleo_via_fake.base_url + "/api")
    ]
    assert _nothing_sent_or_kept(pleo_via_fake)


def test_space_around_a_typed_header_value_is_not_sent(dev_client, connected, pleo_via_fake):
    _send(dev_client, connected, path="/v1/introspect", header_name=["X-Trace"], header_value=["  t1\t"])

    (seen,) = pleo_via_fake.requests_to("/api/v1/introspect")
    assert seen.headers["x-trace"] == "t1"


def test_the_service_refuses_a_raw_surrogate_in_a_header_value(connected, developer, pleo_via_fake):
    request = ApiRequest(path="/v1/introspect", headers=(("X-Name", "\udc80"),))
    with pytest.raises(ValidationError) as refused:
        test_call_send(connection=connected, user=developer, request=request, production_confirmed=False)

    assert refused.value.message_dict == {
        "headers": [messages.ROW_UNSTORABLE.format(name="X-Name", reason=TEXT_HOLDS_SURROGATE)]
    }
    assert _nothing_sent_or_kept(pleo_via_fake)


# --- whatever was sent is kept ------------------------------------------------------------------

ANSWERS = [
    pytest.param(Reply(200, b'{"name": "\\ud800"}'), id="json-with-a-lone-surrogate-escape"),
    pytest.param(Reply(200, b'{"name": "a\\u0000b"}'), id="json-with-a-nul-escape"),
    pytest.param(Reply(200, b"[" * 30_000 + b"]" * 30_000), id="json-nested-deeper-than-the-parser-goes"),
    pytest.param(Reply(200, b"\x00\xff\xfe\x80binary", content_type="application/octet-stream"), id="binary"),
    pytest.param(Reply(200, {"ok": True}, headers={"X-Odd": "a\x00b\x01\xe9\xff"}), id="odd-header-value"),
    pytest.param(Reply(599, b"\xed\xa0\x80", content_type="text/plain"), id="encoded-surrogate-bytes"),
]


@pytest.mark.parametrize("reply", ANSWERS)
def test_an_answer_is_kept_whatever_it_holds(connected, developer, pleo_via_fake, reply):
    pleo_via_fake.script("/api/v1/answer", reply)

    call = test_call_send(
        connection=connected,
        user=developer,
        request=ApiRequest(path="/v1/answer"),
        production_confirmed=False,
    )

    stored = TestCall.objects.get(pk=call.pk)
    exchange = Exchange.objects.get(test_call=stored, kind=ExchangeKind.TEST_CALL)
    assert (stored.status_code, exchange.status_code) == (reply.status, reply.status)
    kept = stored.excerpt + exchange.response_body + json.dumps(exchange.response_headers)
    assert "\x00" not in kept
    assert not any(0xD800 <= ord(character) <= 0xDFFF for character in kept)


def test_a_url_longer_than_its_column_is_sent_and_kept(connected, developer, pleo_via_fake):
    query = tuple((f"q{index}", "v" * 1900) for index in range(3))

    call = test_call_send(
        connection=connected,
        user=developer,
        request=ApiRequest(path="/v1/introspect", query=query),
        production_confirmed=False,
    )

    assert len(pleo_via_fake.requests_to("/api/v1/introspect")[0].query) == 3
    stored = TestCall.objects.get(pk=call.pk)
    assert stored.status_code == 200
    assert stored.query == [list(row) for row in query]
    assert len(stored.url) == TestCall._meta.get_field("url").max_length


# --- the manual path --------------------------------------------------------------------------


def test_a_pasted_url_holding_a_nul_is_refused_with_the_storable_text_rule(dev_client, pleo_via_fake):
    pasted = POSTMAN_CALLBACK + "?code=a\x00b&state=s"
    response = dev_client.post("/dashboard/manual/complete/", {"pasted_url": pasted})

    assert response.status_code == 400
    assert_shows(response, TEXT_HOLDS_NUL)
    assert not Connection.objects.exists()


def test_the_service_refuses_a_pasted_url_holding_a_surrogate(developer, pleo_via_fake):
    with pytest.raises(OAuthClientError) as refused:
        connection_complete_from_url(
            user=developer, session={}, pasted_url=POSTMAN_CALLBACK + "?code=\ud800&state=s"
        )

    assert refused.value.message == TEXT_HOLDS_SURROGATE
    assert pleo_via_fake.seen == []
