"""A revoked or superseded Pleo credential, against the scripted Pleo-like server: the guard refuses
every action even for a connection that still holds tokens, and revoking forgets the tokens."""

from __future__ import annotations

import pytest

from oauthclient import messages
from oauthclient.models import Connection, ConnectionStatus, TestCall
from registrations.models import Credential, CredentialStatus
from registrations.services.credential import credential_revoke

from .dashboard import assert_shows
from .fake_server import METADATA_PATH

ACTIONS = [("test-call", {"target": "introspect"}), ("refresh", {}), ("introspect", {})]
STATUSES = [CredentialStatus.REVOKED, CredentialStatus.SUPERSEDED]


@pytest.mark.parametrize("status", STATUSES)
@pytest.mark.parametrize(("action", "data"), ACTIONS)
def test_an_action_refuses_a_credential_disabled_after_the_connection_was_loaded(
    dev_client, connected, pleo_via_fake, status, action, data
):
    # The status changes behind the dashboard's back: the connection still holds its tokens.
    Credential.objects.filter(pk=connected.credential_id).update(status=status)

    response = dev_client.post(f"/dashboard/connections/{connected.pk}/{action}/", data, follow=True)

    assert_shows(response, messages.CREDENTIAL_DISABLED.format(status=status.label.lower()))
    assert pleo_via_fake.seen == []


def test_a_refused_test_call_is_kept_with_the_reason(dev_client, connected, pleo_via_fake):
    Credential.objects.filter(pk=connected.credential_id).update(status=CredentialStatus.REVOKED)

    dev_client.post(f"/dashboard/connections/{connected.pk}/test-call/", {"target": "introspect"})

    call = TestCall.objects.get()
    assert (call.error_code, call.status_code) == ("credential_revoked", None)


def test_revoking_forgets_the_tokens_without_revoking_at_a_server_that_advertises_none(
    connected, pleo_via_fake, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        credential_revoke(credential=connected.credential)

    stored = Connection.objects.get(pk=connected.pk)
    assert (stored.status, stored.access_token, stored.refresh_token) == (
        ConnectionStatus.DISCONNECTED,
        "",
        "",
    )
    # Reading its metadata is how the portal learns that the server has no revocation endpoint.
    assert [seen.path for seen in pleo_via_fake.seen if seen.path != METADATA_PATH] == []


def test_the_connection_page_offers_no_reconnect_for_a_revoked_credential(dev_client, connected):
    credential_revoke(credential=connected.credential)

    page = dev_client.get(f"/dashboard/connections/{connected.pk}/").content.decode()

    assert 'id="connection-status">Credential revoked</td>' in page
    assert 'action="/dashboard/connect/"' not in page
