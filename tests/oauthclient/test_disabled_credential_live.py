"""A revoked or superseded sandbox credential stops working at once, over real HTTP on the live server:
every dashboard action refuses it, its tokens are gone, and the sandbox no longer knows its client."""

from __future__ import annotations

import pytest
import requests

from core.servers import CredentialServer, server_endpoints
from oauthclient import messages
from oauthclient.models import Connection, TestCall
from registrations.metadata import registration_to_client_metadata
from registrations.services.credential import credential_record, credential_revoke
from registrations.signals import credential_disabled
from sandbox.credentials import sandbox_client_disable
from sandbox.services import sandbox_client_register
from tests.factories import make_user

from .dashboard import assert_shows
from .live import TIMEOUT, connection_id


def revoke(credential):
    credential_revoke(credential=credential, revoked_by=make_user())


def supersede(credential):
    # A new credential recorded for the same registration and server.
    client = sandbox_client_register(metadata=registration_to_client_metadata(credential.registration))
    credential_record(
        registration=credential.registration,
        server=CredentialServer.SANDBOX,
        client_id=client.client_id,
        client_secret=client.client_secret,
    )


DISABLE = [pytest.param(revoke, id="revoked"), pytest.param(supersede, id="superseded")]


@pytest.fixture
def connection(dev_browser, sandbox_credential):
    return Connection.objects.get(pk=connection_id(dev_browser.connect(sandbox_credential).url))


def status_word(disable) -> str:
    return "revoked" if disable is revoke else "superseded"


@pytest.mark.parametrize("disable", DISABLE)
@pytest.mark.parametrize(
    ("action", "data"),
    [("test-call", {"target": "introspect"}), ("refresh", {}), ("introspect", {})],
)
def test_every_dashboard_action_refuses_a_disabled_credential(dev_browser, connection, disable, action, data):
    disable(connection.credential)

    page = dev_browser.post(f"/dashboard/connections/{connection.pk}/{action}/", data)

    assert_shows(page, messages.CREDENTIAL_DISABLED.format(status=status_word(disable)))
    assert not TestCall.objects.filter(status_code__isnull=False).exists()


@pytest.mark.parametrize("disable", DISABLE)
def test_the_connection_page_says_credential_disabled(dev_browser, connection, disable):
    disable(connection.credential)

    page = dev_browser.get(f"/dashboard/connections/{connection.pk}/")

    assert f'id="connection-status">Credential {status_word(disable)}</td>' in page.text


@pytest.mark.parametrize("disable", DISABLE)
def test_the_tokens_are_forgotten_in_the_same_commit(connection, disable):
    disable(connection.credential)

    stored = Connection.objects.get(pk=connection.pk)
    assert stored.access_token == stored.refresh_token == ""
    assert stored.last_error_description == messages.CREDENTIAL_DISABLED_TOKENS_FORGOTTEN.format(
        status=status_word(disable)
    )


@pytest.mark.parametrize("disable", DISABLE)
def test_the_old_secret_gets_invalid_client_at_the_token_endpoint(connection, disable):
    credential, refresh_token = connection.credential, connection.refresh_token
    disable(credential)

    answer = requests.post(
        server_endpoints(CredentialServer.SANDBOX).token_endpoint,
        data={"grant_type": "refresh_token", "refresh_token": refresh_token},
        auth=(credential.client_id, credential.client_secret),
        timeout=TIMEOUT,
    )

    assert answer.status_code == 401
    assert answer.json()["error"] == "invalid_client"


@pytest.mark.parametrize("disable", DISABLE)
def test_the_old_access_token_stops_working_at_the_api(connection, disable):
    access_token = connection.access_token
    disable(connection.credential)

    answer = requests.get(
        server_endpoints(CredentialServer.SANDBOX).api_base_url + "/v1/introspect",
        headers={"Authorization": f"Bearer {access_token}"},
        timeout=TIMEOUT,
    )

    assert answer.status_code == 401


@pytest.fixture
def sandbox_keeps_its_clients():
    """The sandbox without its own clean-up: a server that keeps the client and supports revocation."""
    credential_disabled.disconnect(dispatch_uid="sandbox.client_disable")
    yield
    credential_disabled.connect(sandbox_client_disable, dispatch_uid="sandbox.client_disable")


def test_the_dashboard_revokes_the_tokens_at_a_server_that_supports_revocation(
    connection, sandbox_keeps_its_clients
):
    credential, access_token = connection.credential, connection.access_token
    endpoints = server_endpoints(CredentialServer.SANDBOX)

    revoke(credential)

    answer = requests.post(
        endpoints.introspection_endpoint,
        data={"token": access_token},
        auth=(credential.client_id, credential.client_secret),
        timeout=TIMEOUT,
    )
    assert answer.json()["active"] is False
