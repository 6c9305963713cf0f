"""Client authentication at the token, revocation and introspection endpoints.

A client authenticates only with the method it registered (Pleo's: HTTP Basic),
one method per request, and a failure is challenged in the Basic scheme
(RFC 6749 §5.2, RFC 7009 §2.2.1).
"""

from __future__ import annotations

import pytest
import requests
from requests.auth import HTTPBasicAuth

from sandbox.views import REALM

from .conftest import TIMEOUT, connect, register_client

ENDPOINTS = ["token_url", "revoke_url", "introspect_url"]


def _post(sandbox, endpoint: str, token: dict, *, auth=None, body: dict | None = None) -> requests.Response:
    if endpoint == "token_url":
        data = {"grant_type": "refresh_token", "refresh_token": token["refresh_token"]}
    else:
        data = {"token": token["access_token"]}
    return requests.post(
        getattr(sandbox, endpoint), data={**data, **(body or {})}, auth=auth, timeout=TIMEOUT
    )


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_a_basic_client_may_not_authenticate_in_the_body(
    sandbox, user_session, client_registration, endpoint
):
    token = connect(sandbox, user_session, client_registration).token
    body = {"client_id": client_registration.client_id, "client_secret": client_registration.client_secret}

    response = _post(sandbox, endpoint, token, body=body)

    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_a_basic_client_authenticates_with_basic(sandbox, user_session, client_registration, endpoint):
    token = connect(sandbox, user_session, client_registration).token
    basic = HTTPBasicAuth(client_registration.client_id, client_registration.client_secret)

    response = _post(sandbox, endpoint, token, auth=basic)

    assert response.status_code == 200


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_a_post_client_may_not_authenticate_with_basic(sandbox, user_session, endpoint):
    client = register_client(auth_method="client_secret_post")
    token = connect(sandbox, user_session, client).token

    response = _post(sandbox, endpoint, token, auth=HTTPBasicAuth(client.client_id, client.client_secret))

    assert response.status_code == 401


def test_two_methods_in_one_request_are_refused(sandbox, user_session, client_registration):
    token = connect(sandbox, user_session, client_registration).token
    basic = HTTPBasicAuth(client_registration.client_id, client_registration.client_secret)

    response = _post(
        sandbox, "token_url", token, auth=basic, body={"client_secret": client_registration.client_secret}
    )

    assert response.status_code == 401


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_failed_basic_authentication_is_challenged_with_basic(
    sandbox, user_session, client_registration, endpoint
):
    token = connect(sandbox, user_session, client_registration).token

    response = _post(
        sandbox, endpoint, token, auth=HTTPBasicAuth(client_registration.client_id, "wrong-secret")
    )

    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == f'Basic realm="{REALM}"'
