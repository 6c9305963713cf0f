"""Server discovery: RFC 8414 metadata when published (cached, refreshed on demand), Pleo's
documented paths otherwise, and what follows from it (iss required, revocation)."""

from __future__ import annotations

import pytest

from core.servers import server_endpoints
from oauthclient import discovery, messages
from oauthclient.models import Connection, Exchange, ExchangeKind

from .dashboard import assert_shows, callback, start_connect
from .fake_server import METADATA_PATH, Reply


def _staging() -> discovery.DiscoveredServer:
    return discovery.discover(server_endpoints("pleo_staging"))


def test_published_endpoints_are_used(dev_client, credential, pleo_via_fake):
    pleo_via_fake.publish_metadata(token_endpoint=pleo_via_fake.base_url + "/oauth2/v2/token")
    pleo_via_fake.script("/oauth2/v2/token", Reply(body=pleo_via_fake.next_tokens()))
    params = start_connect(dev_client, credential)
    callback(dev_client, code="c", state=params["state"], iss=pleo_via_fake.base_url)

    assert len(pleo_via_fake.requests_to("/oauth2/v2/token")) == 1
    assert pleo_via_fake.requests_to("/oauth/token") == []
    assert Connection.objects.exists()


def test_metadata_is_read_once_then_cached(pleo_via_fake):
    pleo_via_fake.publish_metadata()
    first, second = _staging(), _staging()

    assert first == second
    assert first.from_metadata
    assert len(pleo_via_fake.requests_to(METADATA_PATH)) == 1


def test_the_server_panel_reads_the_metadata_again_on_demand(dev_client, connected, pleo_via_fake):
    _staging()  # cached: no revocation (none published yet)
    pleo_via_fake.publish_metadata()

    response = dev_client.post(f"/dashboard/connections/{connected.pk}/server/refresh/", follow=True)

    assert_shows(
        response,
        messages.SERVER_METADATA_READ.format(
            server="Pleo staging", url=pleo_via_fake.base_url + METADATA_PATH
        ),
    )
    assert _staging().revocation_endpoint == pleo_via_fake.base_url + "/oauth/revoke"
    assert (
        f'<code id="revocation-endpoint">{pleo_via_fake.base_url}/oauth/revoke</code>'
        in response.content.decode()
    )
    assert Exchange.objects.filter(connection=connected, kind=ExchangeKind.DISCOVERY).count() == 1


@pytest.mark.parametrize(
    ("metadata", "status", "problem_start"),
    [
        (None, 404, "no RFC 8414 metadata"),
        ({"issuer": "https://elsewhere.example"}, 200, "the metadata at"),
        ("not json", 200, "the metadata at"),
    ],
    ids=["none", "wrong-issuer", "not-json"],
)
def test_without_usable_metadata_pleos_documented_paths_are_used(
    pleo_via_fake, metadata, status, problem_start
):
    if metadata is not None:
        pleo_via_fake.script(METADATA_PATH, Reply(status, metadata))
    server = _staging()

    assert not server.from_metadata
    assert server.token_endpoint == pleo_via_fake.base_url + "/oauth/token"
    assert server.revocation_endpoint is None  # Pleo documents none
    assert server.problem.startswith(problem_start)


def test_an_unreachable_server_falls_back_to_the_documented_paths(settings, closed_port):
    settings.PLEO_STAGING_AUTH_URL = f"http://127.0.0.1:{closed_port}"
    server = _staging()
    assert "could not be read (ConnectionError)" in server.problem
    assert server.token_endpoint == f"http://127.0.0.1:{closed_port}/oauth/token"


def test_the_metadata_url_keeps_the_issuers_path():
    assert (
        discovery.metadata_url("https://portal.example/sandbox")
        == "https://portal.example/.well-known/oauth-authorization-server/sandbox"
    )


def test_an_http_endpoint_is_refused_for_an_https_issuer():
    metadata = {"token_endpoint": "http://auth.example/token"}
    assert discovery._endpoint(metadata, "token_endpoint", issuer="https://auth.example") is None


# RFC 9207 ------------------------------------------------------------------------------


def test_a_callback_without_iss_is_refused_when_the_metadata_promises_it(
    dev_client, credential, pleo_via_fake
):
    pleo_via_fake.publish_metadata()
    params = start_connect(dev_client, credential)

    response = callback(dev_client, code="c", state=params["state"])

    assert_shows(response, messages.ISSUER_MISSING.format(expected=pleo_via_fake.base_url))
    assert not Connection.objects.exists()
    assert pleo_via_fake.requests_to("/oauth/token") == []


def test_a_callback_without_iss_is_accepted_when_nothing_promises_it(dev_client, credential, pleo_via_fake):
    params = start_connect(dev_client, credential)
    callback(dev_client, code="c", state=params["state"])
    assert Connection.objects.exists()


def test_a_failed_reconnect_is_recorded_on_the_existing_connection(dev_client, connected, pleo_via_fake):
    pleo_via_fake.publish_metadata()
    params = start_connect(dev_client, connected.credential)
    callback(dev_client, code="c", state=params["state"])

    kinds = list(Exchange.objects.filter(connection=connected).order_by("id").values_list("kind", flat=True))
    assert kinds == [ExchangeKind.DISCOVERY, ExchangeKind.AUTHORIZATION_REQUEST, ExchangeKind.CALLBACK]


# Revocation wherever it is advertised ------------------------------------------------------


def test_disconnect_revokes_at_an_advertised_endpoint(dev_client, connected, pleo_via_fake):
    pleo_via_fake.publish_metadata()
    response = dev_client.post(f"/dashboard/connections/{connected.pk}/disconnect/", follow=True)

    assert_shows(response, messages.DISCONNECTED_REVOKED.format(server="Pleo staging"))
    assert [seen.form["token_type_hint"] for seen in pleo_via_fake.requests_to("/oauth/revoke")] == [
        "refresh_token",
        "access_token",
    ]
