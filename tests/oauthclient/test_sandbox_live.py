"""The dashboard against the built-in sandbox, over real HTTP on the live server."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from django.utils import timezone
from oauth2_provider.models import get_access_token_model, get_refresh_token_model

from core.servers import CredentialServer, server_endpoints
from oauthclient import messages
from oauthclient.models import Connection, ConnectionStatus, TestCall

from .dashboard import POSTMAN_CALLBACK
from .live import Browser, connection_id


@pytest.fixture
def connected_page(dev_browser, sandbox_credential):
    return dev_browser.connect(sandbox_credential)


def test_connect_lands_on_the_connection_page(connected_page):
    assert messages.CONNECTED in connected_page.text
    connection = Connection.objects.get(pk=connection_id(connected_page.url))
    assert connection.status == ConnectionStatus.CONNECTED
    assert connection.refresh_token


def test_the_sandbox_sees_an_s256_challenge(dev_browser, sandbox_credential):
    consent_page = dev_browser.post("/dashboard/connect/", {"credential": sandbox_credential.pk})
    query = parse_qs(urlsplit(consent_page.url).query)
    assert query["code_challenge_method"] == ["S256"]
    assert len(query["code_challenge"][0]) == 43


def test_introspect_call_answers_with_the_client(dev_browser, connected_page, sandbox_credential):
    pk = connection_id(connected_page.url)
    page = dev_browser.post(f"/dashboard/connections/{pk}/test-call/", {"target": "introspect"})
    call = TestCall.objects.get()
    assert call.status_code == 200
    assert sandbox_credential.client_id in call.excerpt
    assert 'id="result"' in page.text


def test_employees_call_lists_demo_employees(dev_browser, connected_page):
    pk = connection_id(connected_page.url)
    dev_browser.post(f"/dashboard/connections/{pk}/test-call/", {"target": "employees"})
    call = TestCall.objects.get()
    assert call.status_code == 200
    assert call.url.endswith("/sandbox/api/v2/employees")


def test_refresh_now_rotates_both_tokens(dev_browser, connected_page):
    pk = connection_id(connected_page.url)
    before = Connection.objects.get(pk=pk)
    page = dev_browser.post(f"/dashboard/connections/{pk}/refresh/")
    after = Connection.objects.get(pk=pk)
    assert messages.REFRESHED in page.text
    assert after.access_token != before.access_token
    assert after.refresh_token != before.refresh_token


def test_expired_token_is_refreshed_before_the_call(dev_browser, connected_page):
    pk = connection_id(connected_page.url)
    Connection.objects.filter(pk=pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    dev_browser.post(f"/dashboard/connections/{pk}/test-call/", {"target": "introspect"})
    call = TestCall.objects.get()
    assert call.refreshed
    assert call.status_code == 200


def test_introspect_button(dev_browser, connected_page, sandbox_credential):
    pk = connection_id(connected_page.url)
    page = dev_browser.post(f"/dashboard/connections/{pk}/introspect/")
    assert 'id="introspection"' in page.text
    assert sandbox_credential.client_id in page.text


def test_disconnect_revokes_at_the_sandbox(dev_browser, connected_page):
    pk = connection_id(connected_page.url)
    page = dev_browser.post(f"/dashboard/connections/{pk}/disconnect/")
    assert messages.DISCONNECTED_REVOKED.format(server="Built-in sandbox") in page.text
    assert not get_access_token_model().objects.exists()
    assert not get_refresh_token_model().objects.filter(revoked__isnull=True).exists()
    assert Connection.objects.get(pk=pk).status == ConnectionStatus.DISCONNECTED


def test_a_revoked_token_then_needs_reauthorization(dev_browser, connected_page):
    # Revoked at the server behind the portal's back: the 401 leads to a refresh that fails.
    pk = connection_id(connected_page.url)
    get_access_token_model().objects.all().delete()
    get_refresh_token_model().objects.all().delete()
    dev_browser.post(f"/dashboard/connections/{pk}/test-call/", {"target": "introspect"})
    call = TestCall.objects.get()
    assert call.error_code == "invalid_grant"
    assert Connection.objects.get(pk=pk).status == ConnectionStatus.NEEDS_REAUTHORIZATION


def test_manual_paste_path(dev_browser: Browser, sandbox_credential):
    page = dev_browser.post(
        f"/dashboard/credentials/{sandbox_credential.pk}/manual/", {"redirect_uri": POSTMAN_CALLBACK}
    )
    start = page.text.index('<pre id="authorize-url">') + len('<pre id="authorize-url">')
    authorize_url = page.text[start : page.text.index("</pre>", start)].replace("&amp;", "&")
    answer = dev_browser.consent(dev_browser.get(authorize_url))
    landed = answer.headers["Location"]
    assert landed.startswith(POSTMAN_CALLBACK + "?")
    connection_page = dev_browser.post("/dashboard/manual/complete/", {"pasted_url": landed})
    assert messages.CONNECTED in connection_page.text
    assert Connection.objects.get().is_connected


def test_manual_paste_of_a_denied_consent(dev_browser: Browser, sandbox_credential):
    page = dev_browser.post(
        f"/dashboard/credentials/{sandbox_credential.pk}/manual/", {"redirect_uri": POSTMAN_CALLBACK}
    )
    start = page.text.index('<pre id="authorize-url">') + len('<pre id="authorize-url">')
    authorize_url = page.text[start : page.text.index("</pre>", start)].replace("&amp;", "&")
    consent_page = dev_browser.get(authorize_url)
    from tests.html_forms import form_fields

    answer = dev_browser.session.post(
        consent_page.url, data=form_fields(consent_page.text), allow_redirects=False
    )
    result = dev_browser.post("/dashboard/manual/complete/", {"pasted_url": answer.headers["Location"]})
    assert messages.ACCESS_DENIED.format(code="access_denied") in result.text
    assert not Connection.objects.exists()


def test_sandbox_endpoints_follow_the_portal_url(live):
    endpoints = server_endpoints(CredentialServer.SANDBOX)
    assert endpoints.token_endpoint == live.url + "/sandbox/oauth/token"
    assert endpoints.api_base_url == live.url + "/sandbox/api"


def test_wrong_secret_is_invalid_client(dev_browser, sandbox_credential):
    sandbox_credential.client_secret = "not-the-secret-0000000000000"
    sandbox_credential.save()
    consent_page = dev_browser.post("/dashboard/connect/", {"credential": sandbox_credential.pk})
    answer = dev_browser.consent(consent_page)
    page = dev_browser.get(answer.headers["Location"])
    assert "(error code invalid_client" in page.text
    assert not Connection.objects.exists()
