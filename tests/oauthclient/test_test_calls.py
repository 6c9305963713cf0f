"""Test calls against the scripted API: recording, redaction, refresh before and on 401, host safety."""

from __future__ import annotations

import pytest

from core.redaction import EXCERPT_LIMIT
from core.servers import CredentialServer, server_endpoints
from oauthclient import errors, messages
from oauthclient.errors import OAuthClientError
from oauthclient.models import Connection, ConnectionStatus, TestCall
from oauthclient.services.test_call import api_url, test_call_run

from .dashboard import assert_shows
from .fake_server import METADATA_PATH, FakeServer, Reply


def test_introspect_call_is_recorded(connected, developer, pleo_via_fake):
    call = test_call_run(connection=connected, user=developer, path="/v1/introspect")
    assert call.url == pleo_via_fake.base_url + "/api/v1/introspect"
    assert call.status_code == 200
    assert call.duration_ms is not None
    assert call.response_size > 0
    assert "urn:pleo:company:demo" in call.excerpt
    assert call.user == developer


def test_call_sends_the_access_token_as_bearer(connected, developer, pleo_via_fake):
    test_call_run(connection=connected, user=developer, path="/v2/employees")
    (request,) = pleo_via_fake.requests_to("/api/v2/employees")
    assert request.headers["authorization"] == "Bearer " + connected.access_token


def test_expired_token_is_refreshed_before_the_call(expired, developer, pleo_via_fake):
    call = test_call_run(connection=expired, user=developer, path="/v1/introspect")
    # The token endpoint comes from discovery: the fake publishes no metadata.
    assert [seen.path for seen in pleo_via_fake.seen] == [METADATA_PATH, "/oauth/token", "/api/v1/introspect"]
    assert call.refreshed
    assert call.status_code == 200


def test_a_401_refreshes_once_and_retries(connected, developer, pleo_via_fake):
    pleo_via_fake.script("/api/v1/introspect", Reply(401, {"error": "invalid_token"}))
    call = test_call_run(connection=connected, user=developer, path="/v1/introspect")
    assert [seen.path for seen in pleo_via_fake.seen] == [
        "/api/v1/introspect",
        METADATA_PATH,
        "/oauth/token",
        "/api/v1/introspect",
    ]
    assert call.status_code == 200


def test_a_second_401_is_the_result_not_another_refresh(connected, developer, pleo_via_fake):
    pleo_via_fake.script("/api/v1/introspect", Reply(401, {"error": "invalid_token"}), Reply(401, {}))
    call = test_call_run(connection=connected, user=developer, path="/v1/introspect")
    assert len(pleo_via_fake.requests_to("/oauth/token")) == 1
    assert call.status_code == 401


def test_a_failed_refresh_is_recorded_on_the_call(expired, developer, pleo_via_fake):
    pleo_via_fake.script("/oauth/token", Reply(400, {"error": "invalid_grant"}))
    call = test_call_run(connection=expired, user=developer, path="/v1/introspect")
    assert call.error_code == "invalid_grant"
    assert call.status_code is None
    assert Connection.objects.get().status == ConnectionStatus.NEEDS_REAUTHORIZATION


def test_excerpt_redacts_tokens_and_secrets(connected, developer, pleo_via_fake):
    body = {
        "access_token": "leaked-access",
        "refresh_token": "leaked-refresh",
        "echo": connected.access_token,
    }
    pleo_via_fake.script("/api/v1/introspect", Reply(200, body))
    call = test_call_run(connection=connected, user=developer, path="/v1/introspect")
    assert "leaked-access" not in call.excerpt
    assert "leaked-refresh" not in call.excerpt
    assert connected.access_token not in call.excerpt
    assert "[redacted]" in call.excerpt


def test_excerpt_redacts_tokens_in_non_json_bodies(connected, developer, pleo_via_fake):
    body = b"access_token=leaked-a&refresh_token=leaked-r Authorization: Bearer leaked-b"
    pleo_via_fake.script("/api/v1/introspect", Reply(200, body, content_type="text/plain"))
    call = test_call_run(connection=connected, user=developer, path="/v1/introspect")
    assert "leaked" not in call.excerpt


def test_excerpt_is_bounded(connected, developer, pleo_via_fake):
    pleo_via_fake.script("/api/v2/employees", Reply(200, {"data": ["x" * 100] * 1000}))
    call = test_call_run(connection=connected, user=developer, path="/v2/employees")
    assert call.response_size > 100_000
    assert len(call.excerpt) <= EXCERPT_LIMIT + 20


def test_api_timeout_is_recorded_as_an_error(connected, developer, pleo_via_fake, settings):
    settings.PORTAL_HTTP_TIMEOUT = 0.3
    pleo_via_fake.script("/api/v1/introspect", Reply(delay=1.5))
    call = test_call_run(connection=connected, user=developer, path="/v1/introspect")
    assert call.error_code == errors.CODE_TIMEOUT
    assert call.error_message == messages.TIMEOUT.format(
        server="Pleo staging", timeout=0.3, code=errors.CODE_TIMEOUT
    )


def test_custom_path_stays_on_the_api_base(connected, developer, pleo_via_fake):
    call = test_call_run(connection=connected, user=developer, path="/v2/employees?limit=1")
    assert call.url == pleo_via_fake.base_url + "/api/v2/employees?limit=1"
    assert call.status_code == 200


@pytest.fixture
def other_host() -> FakeServer:
    server = FakeServer()
    yield server
    server.close()


@pytest.mark.parametrize(
    "template",
    [
        "{other}/v1/introspect",
        "//127.0.0.1:{port}/v1/introspect",
        "/..//127.0.0.1:{port}/v1/introspect",
        "/v1/../../x",
        "/v1/%2e%2e/%2e%2e/x",
        "/v1/%252e%252e/x",
        "@127.0.0.1:{port}/v1/introspect",
        "/@127.0.0.1:{port}/v1",
        "\\\\127.0.0.1:{port}/v1",
        "/v1\\..\\x",
        "/v1/introspect\r\nHost: evil",
        "/v1/intro spect",
        "v1/introspect",
        "/v1/%0d%0aHost:evil",
    ],
)
def test_custom_path_refuses_to_leave_the_host(connected, developer, pleo_via_fake, other_host, template):
    path = template.format(other=other_host.base_url, port=other_host.port)
    with pytest.raises(OAuthClientError) as raised:
        test_call_run(connection=connected, user=developer, path=path)
    assert raised.value.message == messages.PATH_REFUSED.format(api_base=pleo_via_fake.base_url + "/api")
    assert other_host.seen == []
    assert pleo_via_fake.seen == []
    assert not TestCall.objects.exists()


def test_refused_path_is_shown_on_the_page(dev_client, connected, pleo_via_fake, other_host):
    response = dev_client.post(
        f"/dashboard/connections/{connected.pk}/test-call/",
        {"target": "custom", "path": other_host.base_url + "/v1/introspect"},
    )
    assert_shows(response, messages.PATH_REFUSED.format(api_base=pleo_via_fake.base_url + "/api"))
    assert other_host.seen == []


def test_api_url_keeps_the_base_path(settings, pleo_via_fake):
    endpoints = server_endpoints(CredentialServer.PLEO_STAGING)
    assert api_url(endpoints=endpoints, path="/v2/employees") == pleo_via_fake.base_url + "/api/v2/employees"


def test_test_call_form_shows_the_result_and_history_chart(dev_client, connected, pleo_via_fake):
    response = dev_client.post(
        f"/dashboard/connections/{connected.pk}/test-call/", {"target": "employees"}, follow=True
    )
    call = TestCall.objects.get()
    assert_shows(response, messages.TEST_CALL_DONE.format(status=200, duration_ms=call.duration_ms))
    text = response.content.decode()
    assert 'id="result"' in text
    assert "<svg" in text
    assert text.count("<rect") == 1


def test_connection_page_never_shows_tokens(dev_client, connected, pleo_via_fake):
    dev_client.post(f"/dashboard/connections/{connected.pk}/test-call/", {"target": "introspect"})
    page = dev_client.get(f"/dashboard/connections/{connected.pk}/?call={TestCall.objects.get().pk}").content
    assert connected.access_token.encode() not in page
    assert connected.refresh_token.encode() not in page
