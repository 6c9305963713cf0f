"""Introspect and disconnect against the scripted Pleo-like server."""

from __future__ import annotations

from oauthclient import messages
from oauthclient.models import Connection, ConnectionStatus

from .dashboard import assert_shows
from .fake_server import CLIENT_ID, CLIENT_SECRET, METADATA_PATH, Reply


def test_introspect_uses_basic_auth_and_the_access_token(dev_client, connected, pleo_via_fake):
    dev_client.post(f"/dashboard/connections/{connected.pk}/introspect/")
    (request,) = pleo_via_fake.requests_to("/oauth/token/introspect")
    assert request.basic_auth() == (CLIENT_ID, CLIENT_SECRET)
    assert request.form == {"token": connected.access_token, "token_type_hint": "access_token"}


def test_introspect_shows_the_answer(dev_client, connected, pleo_via_fake):
    response = dev_client.post(f"/dashboard/connections/{connected.pk}/introspect/")
    assert_shows(response, messages.INTROSPECT_DONE.format(server="Pleo staging"))
    assert b'id="introspection"' in response.content
    assert CLIENT_ID.encode() in response.content


def test_introspect_failure_is_a_message(dev_client, connected, pleo_via_fake):
    pleo_via_fake.script("/oauth/token/introspect", Reply(401, {"error": "invalid_client"}))
    response = dev_client.post(f"/dashboard/connections/{connected.pk}/introspect/", follow=True)
    assert_shows(
        response, messages.INVALID_CLIENT.format(code="invalid_client", description="no description given")
    )


def test_disconnect_at_pleo_says_there_is_no_revocation(dev_client, connected, pleo_via_fake):
    response = dev_client.post(f"/dashboard/connections/{connected.pk}/disconnect/", follow=True)
    assert_shows(response, messages.DISCONNECTED_NO_REVOCATION.format(server="Pleo staging"))
    # The portal looked for metadata (the fake publishes none, as Pleo) and revoked nothing.
    assert [seen.path for seen in pleo_via_fake.seen] == [METADATA_PATH]


def test_disconnect_forgets_the_tokens(dev_client, connected, pleo_via_fake):
    dev_client.post(f"/dashboard/connections/{connected.pk}/disconnect/")
    stored = Connection.objects.get()
    assert stored.status == ConnectionStatus.DISCONNECTED
    assert stored.access_token == stored.refresh_token == ""


def test_introspection_masks_token_values_not_the_words_about_them(dev_client, connected, pleo_via_fake):
    pleo_via_fake.script(
        "/oauth/token/introspect",
        Reply(
            body={
                "active": True,
                "token_type": "Bearer",
                "token": connected.access_token,
                "scope": "users:read",
            }
        ),
    )
    page = dev_client.post(f"/dashboard/connections/{connected.pk}/introspect/").content.decode()

    assert "<tr><th>token_type</th><td><code>Bearer</code></td></tr>" in page
    assert "<tr><th>token</th><td><code>[redacted]…aaaa</code></td></tr>" in page
    assert connected.access_token not in page
