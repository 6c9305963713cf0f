"""The whole journey against the live sandbox with an independent client (requests-oauthlib)."""

from __future__ import annotations

import requests
from requests.auth import HTTPBasicAuth

from sandbox import demo

from .conftest import TIMEOUT, connect, consent, oauth_session, query_param, register_client


def test_authorize_consent_token_api_refresh_introspect_revoke(sandbox, user_session, client_registration):
    client = client_registration
    basic = HTTPBasicAuth(client.client_id, client.client_secret)
    session = connect(sandbox, user_session, client, scope=["users:read"])
    first_access = session.token["access_token"]

    employees = session.get(sandbox.api_url + "/v2/employees?limit=5", timeout=TIMEOUT)
    assert employees.status_code == 200
    assert len(employees.json()["data"]) == 5

    first_refresh = session.token["refresh_token"]
    session.refresh_token(sandbox.token_url, auth=basic, timeout=TIMEOUT)
    assert session.token["refresh_token"] != first_refresh
    assert session.token["access_token"] != first_access

    introspection = requests.post(
        sandbox.introspect_url,
        data={"token": session.token["access_token"], "token_type_hint": "access_token"},
        auth=basic,
        timeout=TIMEOUT,
    ).json()
    assert introspection["active"] is True
    assert introspection["client_id"] == client.client_id
    assert introspection["scope"] == "users:read"

    revoked = requests.post(
        sandbox.revoke_url,
        data={"token": session.token["refresh_token"], "token_type_hint": "refresh_token"},
        auth=basic,
        timeout=TIMEOUT,
    )
    assert revoked.status_code == 200
    after = requests.post(
        sandbox.introspect_url, data={"token": session.token["access_token"]}, auth=basic, timeout=TIMEOUT
    ).json()
    assert after == {"active": False}


def test_api_introspect_names_client_scopes_and_demo_company(sandbox, user_session, client_registration):
    session = connect(sandbox, user_session, client_registration, scope=["users:read", "users:write"])

    body = session.get(sandbox.api_url + "/v1/introspect", timeout=TIMEOUT).json()

    assert body["client_id"] == client_registration.client_id
    assert body["application_name"] == "Example Client"
    assert body["scopes"] == ["users:read", "users:write"]
    assert body["subject"] == f"urn:pleo:company:{demo.COMPANY_ID}"


def test_token_endpoint_accepts_client_secret_post_from_a_client_registered_for_it(sandbox, user_session):
    client_registration = register_client(auth_method="client_secret_post")
    session = oauth_session(client_registration)
    authorization_url, _state = session.authorization_url(sandbox.authorize_url)
    location = consent(user_session, authorization_url)

    token = session.fetch_token(
        sandbox.token_url,
        authorization_response=location,
        client_secret=client_registration.client_secret,
        include_client_id=True,  # credentials in the form body, no Basic header
        timeout=TIMEOUT,
    )

    assert token["token_type"] == "Bearer"


def test_access_token_lifetime_follows_setting(sandbox, user_session, client_registration, settings):
    session = connect(sandbox, user_session, client_registration)

    assert session.token["expires_in"] == settings.PORTAL_SANDBOX_ACCESS_TOKEN_SECONDS


def test_authorization_response_carries_issuer(sandbox, user_session, client_registration):
    session = oauth_session(client_registration)
    authorization_url, state = session.authorization_url(sandbox.authorize_url)

    location = consent(user_session, authorization_url)

    assert query_param(location, "iss") == sandbox.issuer
    assert query_param(location, "state") == state


def test_consent_page_shows_client_and_scope_descriptions(sandbox, user_session, client_registration):
    session = oauth_session(client_registration, scope=["users:read"])
    authorization_url, _state = session.authorization_url(sandbox.authorize_url)

    page = user_session.get(authorization_url, timeout=TIMEOUT)

    assert "Example Client" in page.text
    assert "Read users (employees) of the company." in page.text
    assert demo.COMPANY_NAME in page.text


def test_consent_requires_login(sandbox, client_registration):
    authorization_url, _state = oauth_session(client_registration).authorization_url(sandbox.authorize_url)

    response = requests.get(authorization_url, allow_redirects=False, timeout=TIMEOUT)

    assert response.status_code == 302
    assert response.headers["Location"].startswith("/admin/login/?next=")


def test_deny_answers_access_denied(sandbox, user_session, client_registration):
    authorization_url, _state = oauth_session(client_registration).authorization_url(sandbox.authorize_url)

    location = consent(user_session, authorization_url, allow=False)

    assert query_param(location, "error") == "access_denied"
