"""Chosen scopes at connect (requested versus granted), and what the portal knows about its
callback URL at a client's server (stated by a developer, or seen in a round trip)."""

from __future__ import annotations

import pytest

from oauthclient import messages
from oauthclient.models import CallbackKnowledge, CallbackStatement, Connection

from .dashboard import POSTMAN_CALLBACK, assert_shows, callback, make_credential


def _connect_with(dev_client, credential, scopes):
    return dev_client.post(
        "/dashboard/connect/",
        {"credential": credential.pk, "scopes_chosen": "1", f"scope-{credential.pk}": scopes},
    )


def test_a_chosen_subset_is_requested(dev_client, credential, pleo_via_fake):
    from urllib.parse import parse_qs, urlsplit

    response = _connect_with(dev_client, credential, ["users:read"])
    query = parse_qs(urlsplit(response["Location"]).query)
    assert query["scope"] == ["users:read"]

    callback(dev_client, code="c", state=query["state"][0])
    assert Connection.objects.get().requested_scope == "users:read"


def test_the_page_flags_granted_scopes_that_differ_from_the_requested(dev_client, credential, pleo_via_fake):
    from urllib.parse import parse_qs, urlsplit

    query = parse_qs(urlsplit(_connect_with(dev_client, credential, ["users:read"])["Location"]).query)
    # The fake grants users:read users:write whatever was asked.
    response = callback(dev_client, code="c", state=query["state"][0])

    page = response.content.decode()
    assert '<code id="requested-scope">users:read</code>' in page
    assert '<code id="granted-scope">users:read users:write</code>' in page
    assert 'id="scope-difference"' in page
    assert "not requested <code>users:write</code>" in page


def test_no_flag_when_granted_equals_requested(dev_client, connected):
    connected.requested_scope = connected.scope
    connected.save()
    assert (
        'id="scope-difference"'
        not in dev_client.get(f"/dashboard/connections/{connected.pk}/").content.decode()
    )


@pytest.mark.parametrize(
    ("scopes", "message"),
    [
        (["users:read", "admin:all"], messages.SCOPE_NOT_REGISTERED.format(scopes="admin:all")),
        ([], messages.SCOPE_NONE_CHOSEN),
    ],
)
def test_scopes_outside_the_registration_or_none_are_refused(
    dev_client, credential, pleo_via_fake, scopes, message
):
    response = dev_client.post(
        "/dashboard/connect/",
        {"credential": credential.pk, "scopes_chosen": "1", f"scope-{credential.pk}": scopes},
        follow=True,
    )
    assert_shows(response, message)
    assert pleo_via_fake.seen == []


def test_without_a_choice_all_the_registrations_scopes_are_requested(dev_client, credential):
    from urllib.parse import parse_qs, urlsplit

    response = dev_client.post("/dashboard/connect/", {"credential": credential.pk})
    assert parse_qs(urlsplit(response["Location"]).query)["scope"] == ["users:read users:write"]


# The callback URL ------------------------------------------------------------------------


@pytest.fixture
def elsewhere(db, pleo_via_fake):
    """A client registered at Pleo with Postman's callback only, as far as the registration says."""
    return make_credential(redirect_uris=[POSTMAN_CALLBACK])


def test_an_unknown_callback_is_worded_as_what_the_portal_knows(dev_client, elsewhere):
    response = dev_client.post("/dashboard/connect/", {"credential": elsewhere.pk}, follow=True)

    assert_shows(
        response,
        messages.CALLBACK_NOT_REGISTERED.format(callback_url="http://127.0.0.1:8000/dashboard/callback/"),
    )
    assert "would refuse" not in response.content.decode()
    assert_shows(response, messages.CALLBACK_KNOWLEDGE[CallbackKnowledge.UNKNOWN])


def test_a_developer_states_the_callback_is_registered_then_connects_directly(
    dev_client, elsewhere, developer
):
    response = dev_client.post(
        f"/dashboard/credentials/{elsewhere.pk}/callback-registered/", {"confirm": "on"}, follow=True
    )
    assert_shows(response, messages.CALLBACK_STATED)
    statement = CallbackStatement.objects.get()
    assert (statement.source, statement.user) == (CallbackStatement.Source.STATED, developer)

    connect = dev_client.post("/dashboard/connect/", {"credential": elsewhere.pk})
    assert "redirect_uri=http%3A%2F%2F127.0.0.1%3A8000%2Fdashboard%2Fcallback%2F" in connect["Location"]


def test_a_statement_needs_the_box_ticked(dev_client, elsewhere):
    response = dev_client.post(f"/dashboard/credentials/{elsewhere.pk}/callback-registered/", {}, follow=True)
    assert_shows(response, messages.CALLBACK_NOT_CONFIRMED)
    assert not CallbackStatement.objects.exists()


def test_a_round_trip_through_the_callback_teaches_the_portal(dev_client, elsewhere, pleo_via_fake):
    from urllib.parse import parse_qs, urlsplit

    tried = dev_client.post("/dashboard/connect/", {"credential": elsewhere.pk, "try_callback": "1"})
    state = parse_qs(urlsplit(tried["Location"]).query)["state"][0]
    callback(dev_client, code="c", state=state)

    assert CallbackStatement.objects.get().source == CallbackStatement.Source.OBSERVED
    page = dev_client.get(f"/dashboard/credentials/{elsewhere.pk}/manual/")
    assert_shows(page, messages.CALLBACK_KNOWLEDGE[CallbackKnowledge.OBSERVED])


def test_a_statement_for_another_callback_url_does_not_count(dev_client, elsewhere, settings, developer):
    dev_client.post(f"/dashboard/credentials/{elsewhere.pk}/callback-registered/", {"confirm": "on"})
    settings.PORTAL_BASE_URL = "https://portal.example"

    response = dev_client.post("/dashboard/connect/", {"credential": elsewhere.pk})
    assert response["Location"] == f"/dashboard/credentials/{elsewhere.pk}/manual/"
