"""Connecting over real HTTP to the scripted server: PKCE, state, client authentication, storage."""

from __future__ import annotations

import base64
import hashlib

import pytest
from django.db import connection as db_connection

from oauthclient import messages
from oauthclient.models import Connection, ConnectionStatus
from registrations.models import TokenEndpointAuthMethod

from .dashboard import assert_shows, callback, callback_url, make_credential, start_connect
from .fake_server import CLIENT_ID, CLIENT_SECRET


def test_authorize_url_carries_an_s256_code_challenge(dev_client, credential):
    params = start_connect(dev_client, credential)
    assert params["code_challenge_method"] == "S256"
    assert len(params["code_challenge"]) == 43


def test_authorize_url_asks_for_the_registrations_scopes_and_the_callback(dev_client, credential):
    params = start_connect(dev_client, credential)
    assert params["scope"] == "users:read users:write"
    assert params["redirect_uri"] == callback_url()
    assert params["client_id"] == CLIENT_ID
    assert params["response_type"] == "code"


def test_code_exchange_sends_the_verifier_of_the_challenge(dev_client, credential, pleo_via_fake):
    params = start_connect(dev_client, credential)
    callback(dev_client, code="the-code", state=params["state"])
    (token_request,) = pleo_via_fake.requests_to("/oauth/token")
    verifier = token_request.form["code_verifier"]
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    assert challenge == params["code_challenge"]
    assert token_request.form["code"] == "the-code"
    assert token_request.form["redirect_uri"] == callback_url()


def test_client_secret_basic_sends_the_secret_in_the_header_only(dev_client, credential, pleo_via_fake):
    params = start_connect(dev_client, credential)
    callback(dev_client, code="c", state=params["state"])
    (token_request,) = pleo_via_fake.requests_to("/oauth/token")
    assert token_request.basic_auth() == (CLIENT_ID, CLIENT_SECRET)
    assert "client_secret" not in token_request.form


def test_client_secret_post_sends_the_secret_in_the_body_only(dev_client, pleo_via_fake):
    credential = make_credential(auth_method=TokenEndpointAuthMethod.CLIENT_SECRET_POST)
    params = start_connect(dev_client, credential)
    callback(dev_client, code="c", state=params["state"])
    (token_request,) = pleo_via_fake.requests_to("/oauth/token")
    assert token_request.basic_auth() is None
    assert token_request.form["client_id"] == CLIENT_ID
    assert token_request.form["client_secret"] == CLIENT_SECRET


def test_callback_connects_and_lands_on_the_connection_page(dev_client, credential):
    params = start_connect(dev_client, credential)
    response = callback(dev_client, code="c", state=params["state"])
    connection = Connection.objects.get()
    assert response.redirect_chain[-1][0] == f"/dashboard/connections/{connection.pk}/"
    assert connection.status == ConnectionStatus.CONNECTED
    assert_shows(response, messages.CONNECTED)


def test_tokens_are_stored_encrypted_with_an_absolute_expiry(dev_client, credential):
    params = start_connect(dev_client, credential)
    callback(dev_client, code="c", state=params["state"])
    connection = Connection.objects.get()
    assert connection.access_token.startswith("fake-access-1-")
    assert connection.refresh_token.startswith("fake-refresh-1-")
    assert 590 <= (connection.expires_at - connection.connected_at).total_seconds() <= 601
    with db_connection.cursor() as cursor:
        cursor.execute("SELECT access_token, refresh_token FROM oauthclient_connection")
        stored = cursor.fetchone()
    assert "fake-access" not in stored[0]
    assert "fake-refresh" not in stored[1]


def test_tokens_never_appear_on_the_pages(dev_client, credential):
    params = start_connect(dev_client, credential)
    response = callback(dev_client, code="c", state=params["state"])
    connection = Connection.objects.get()
    pages = response.content + dev_client.get("/dashboard/").content
    assert connection.access_token.encode() not in pages
    assert connection.refresh_token.encode() not in pages
    assert CLIENT_SECRET.encode() not in pages


def test_state_works_only_once(dev_client, credential, pleo_via_fake):
    params = start_connect(dev_client, credential)
    callback(dev_client, code="c", state=params["state"])
    response = callback(dev_client, code="c", state=params["state"])
    assert_shows(response, messages.STATE_INVALID)
    assert len(pleo_via_fake.requests_to("/oauth/token")) == 1


def test_state_is_bound_to_the_session_that_started(dev_client, credential, client_factory, developer):
    params = start_connect(dev_client, credential)
    other_browser = client_factory()
    other_browser.force_login(developer)
    response = callback(other_browser, code="c", state=params["state"])
    assert_shows(response, messages.STATE_INVALID)
    assert not Connection.objects.exists()


def test_state_expires(dev_client, credential):
    from oauthclient.services import authorization as service

    params = start_connect(dev_client, credential)
    session = dev_client.session
    for entry in session[service.SESSION_KEY].values():
        entry["expires"] = 0
    session.save()
    response = callback(dev_client, code="c", state=params["state"])
    assert_shows(response, messages.STATE_INVALID)
    assert not Connection.objects.exists()


def test_a_different_iss_is_refused(dev_client, credential, pleo_via_fake):
    params = start_connect(dev_client, credential)
    response = callback(dev_client, code="c", state=params["state"], iss="https://evil.example")
    assert_shows(
        response,
        messages.ISSUER_MISMATCH.format(iss="https://evil.example", expected=pleo_via_fake.base_url),
    )
    assert pleo_via_fake.requests_to("/oauth/token") == []
    assert not Connection.objects.exists()


def test_the_matching_iss_is_accepted(dev_client, credential, pleo_via_fake):
    params = start_connect(dev_client, credential)
    callback(dev_client, code="c", state=params["state"], iss=pleo_via_fake.base_url)
    assert Connection.objects.get().is_connected


def test_reconnecting_replaces_the_tokens_of_the_same_connection(dev_client, credential):
    for _ in range(2):
        params = start_connect(dev_client, credential)
        callback(dev_client, code="c", state=params["state"])
    connection = Connection.objects.get()
    assert connection.access_token.startswith("fake-access-2-")


@pytest.fixture
def client_factory():
    from django.test import Client

    return Client
