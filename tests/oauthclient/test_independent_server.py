"""The console works, unchanged, against an OAuth 2.0 server that is not the sandbox: oauthlib's
own endpoints on 127.0.0.1, at Pleo's paths, publishing RFC 8414 metadata."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests

from oauthclient import messages
from oauthclient.models import Connection, ConnectionStatus, Exchange, ExchangeKind, TestCall

from .dashboard import assert_shows, make_credential
from .independent_server import IndependentServer


@pytest.fixture
def connection(db: Any, independent: IndependentServer, dev_client: Any) -> Connection:
    credential = make_credential()
    response = dev_client.post("/dashboard/connect/", {"credential": credential.pk})
    answer = requests.get(response["Location"], allow_redirects=False, timeout=5)
    assert answer.status_code == 302, answer.text
    landed = urlsplit(answer.headers["Location"])
    page = dev_client.get(landed.path + "?" + landed.query, follow=True)
    assert_shows(page, messages.CONNECTED)
    return Connection.objects.get()


def test_connects_with_the_endpoints_and_the_iss_its_metadata_announces(connection, independent):
    assert connection.status == ConnectionStatus.CONNECTED
    assert connection.access_token in independent.validator.access_tokens
    kinds = list(connection.exchanges.order_by("created_at", "id").values_list("kind", flat=True))
    assert kinds == [
        ExchangeKind.DISCOVERY,
        ExchangeKind.AUTHORIZATION_REQUEST,
        ExchangeKind.CALLBACK,
        ExchangeKind.CODE_EXCHANGE,
    ]


def test_a_post_with_a_json_body_and_a_header_reaches_its_api(connection, independent, dev_client):
    dev_client.post(
        f"/dashboard/connections/{connection.pk}/test-call/",
        {
            "method": "POST",
            "path": "/v1/things",
            "query_name": ["dry_run"],
            "query_value": ["yes"],
            "header_name": ["X-Request-Id"],
            "header_value": ["console-1"],
            "body": '{"name": "Office chairs"}',
        },
    )

    (received,) = independent.api_requests
    assert (received["method"], received["path"], json.loads(received["body"])) == (
        "POST",
        "/api/v1/things",
        {"name": "Office chairs"},
    )
    assert received["headers"]["X-Request-Id"] == "console-1"
    assert TestCall.objects.get().status_code == 201


def test_refresh_and_introspection_use_its_endpoints(connection, independent, dev_client):
    first = connection.access_token
    dev_client.post(f"/dashboard/connections/{connection.pk}/refresh/")
    refreshed = Connection.objects.get()
    assert refreshed.access_token != first
    assert refreshed.access_token in independent.validator.access_tokens

    page = dev_client.post(f"/dashboard/connections/{connection.pk}/introspect/")
    assert b"users:read users:write" in page.content


def test_disconnect_revokes_at_the_advertised_endpoint(connection, independent, dev_client):
    tokens = [connection.access_token, connection.refresh_token]
    response = dev_client.post(f"/dashboard/connections/{connection.pk}/disconnect/", follow=True)

    assert_shows(response, messages.DISCONNECTED_REVOKED.format(server="Pleo staging"))
    assert sorted(independent.validator.revoked) == sorted(tokens)
    assert Exchange.objects.filter(kind=ExchangeKind.REVOCATION, status_code=200).count() == 2
