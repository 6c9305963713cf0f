"""connection_refresh: the one place that spends a refresh token."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from oauthclient import messages
from oauthclient.errors import OAuthClientError
from oauthclient.models import Connection, ConnectionStatus
from oauthclient.services.tokens import connection_refresh
from tests.factories import REFRESH_TOKEN

from .dashboard import assert_shows
from .fake_server import CLIENT_ID, CLIENT_SECRET, Reply


def test_refresh_sends_the_refresh_token_with_client_authentication(expired, pleo_via_fake):
    connection_refresh(connection=expired)
    (request,) = pleo_via_fake.requests_to("/oauth/token")
    assert request.form["grant_type"] == "refresh_token"
    assert request.form["refresh_token"] == REFRESH_TOKEN
    assert request.basic_auth() == (CLIENT_ID, CLIENT_SECRET)


def test_refresh_saves_both_new_tokens_and_the_new_expiry(expired, pleo_via_fake):
    connection_refresh(connection=expired)
    stored = Connection.objects.get()
    assert stored.access_token.startswith("fake-access-1-")
    assert stored.refresh_token.startswith("fake-refresh-1-")
    assert stored.expires_at > timezone.now() + timedelta(minutes=9)
    assert stored.refresh_count == 1


def test_no_refresh_when_another_worker_refreshed_meanwhile(expired, pleo_via_fake):
    # The row was refreshed by someone else; this worker still holds the old, expired view.
    Connection.objects.filter(pk=expired.pk).update(expires_at=timezone.now() + timedelta(minutes=10))
    result = connection_refresh(connection=expired)
    assert pleo_via_fake.requests_to("/oauth/token") == []
    assert not result.is_expired()


def test_no_refresh_after_a_401_when_the_token_has_changed_meanwhile(connected, pleo_via_fake):
    stored = Connection.objects.get()
    stored.access_token = "fake-access-new-" + "b" * 24
    stored.save()
    connection_refresh(connection=connected, force=True, stale_access_token=connected.access_token)
    assert pleo_via_fake.requests_to("/oauth/token") == []


def test_failed_refresh_marks_needs_reauthorization_with_the_servers_error(expired, pleo_via_fake):
    pleo_via_fake.script(
        "/oauth/token", Reply(400, {"error": "invalid_grant", "error_description": "Reused"})
    )
    with pytest.raises(OAuthClientError) as raised:
        connection_refresh(connection=expired)
    stored = Connection.objects.get()
    assert stored.status == ConnectionStatus.NEEDS_REAUTHORIZATION
    assert stored.last_error_code == "invalid_grant"
    assert stored.access_token == stored.refresh_token == ""
    assert raised.value.code == "invalid_grant"


def test_a_connection_needing_reauthorization_is_not_refreshed_again(expired, pleo_via_fake):
    pleo_via_fake.script("/oauth/token", Reply(400, {"error": "invalid_grant"}))
    with pytest.raises(OAuthClientError):
        connection_refresh(connection=expired)
    with pytest.raises(OAuthClientError):
        connection_refresh(connection=expired)
    assert len(pleo_via_fake.requests_to("/oauth/token")) == 1


def test_refresh_now_button(dev_client, connected, pleo_via_fake):
    response = dev_client.post(f"/dashboard/connections/{connected.pk}/refresh/", follow=True)
    assert_shows(response, messages.REFRESHED)
    assert Connection.objects.get().access_token.startswith("fake-access-1-")


def test_refresh_now_button_shows_the_failure(dev_client, connected, pleo_via_fake):
    pleo_via_fake.script(
        "/oauth/token", Reply(400, {"error": "invalid_grant", "error_description": "Revoked"})
    )
    response = dev_client.post(f"/dashboard/connections/{connected.pk}/refresh/", follow=True)
    reason = messages.INVALID_GRANT.format(code="invalid_grant", description="Revoked")
    assert_shows(response, messages.NEEDS_REAUTHORIZATION.format(reason=reason))


def test_invalid_client_keeps_the_refresh_token_and_blames_the_recorded_secret(expired, pleo_via_fake):
    pleo_via_fake.script("/oauth/token", Reply(401, {"error": "invalid_client"}))
    with pytest.raises(OAuthClientError) as caught:
        connection_refresh(connection=expired)

    assert caught.value.message == messages.REFRESH_CLIENT_REFUSED
    stored = Connection.objects.get()
    assert stored.refresh_token == REFRESH_TOKEN
    assert stored.status == ConnectionStatus.CONNECTED
    assert stored.last_error_code == "invalid_client"


def test_after_the_secret_is_fixed_the_kept_refresh_token_works(expired, pleo_via_fake):
    pleo_via_fake.script("/oauth/token", Reply(401, {"error": "invalid_client"}))
    with pytest.raises(OAuthClientError):
        connection_refresh(connection=expired)

    connection_refresh(connection=Connection.objects.get())
    sent = [seen.form["refresh_token"] for seen in pleo_via_fake.requests_to("/oauth/token")]
    assert sent == [REFRESH_TOKEN] * 2
    assert Connection.objects.get().access_token.startswith("fake-access-1-")
