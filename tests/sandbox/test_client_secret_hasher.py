"""Sandbox client secrets: one salted HMAC-SHA256; older PBKDF2 hashes still verify, and are replaced."""

from __future__ import annotations

import pytest
import requests
from django.contrib.auth.hashers import PBKDF2PasswordHasher, check_password, identify_hasher
from oauth2_provider.models import Application
from requests.auth import HTTPBasicAuth

from sandbox.hashers import ALGORITHM, ClientSecretHasher

from .conftest import TIMEOUT, connect

SECRET = "0f" * 32


def _hashed_with_pbkdf2(client_id: str, secret: str) -> str:
    # Few iterations keep the test fast; the stored hash carries its own count, as real ones do.
    encoded = PBKDF2PasswordHasher().encode(secret, "somesalt", iterations=1000)
    Application.objects.filter(client_id=client_id).update(client_secret=encoded)
    return encoded


def _refresh(sandbox, client, refresh_token: str, secret: str) -> requests.Response:
    return requests.post(
        sandbox.token_url,
        data={"grant_type": "refresh_token", "refresh_token": refresh_token},
        auth=HTTPBasicAuth(client.client_id, secret),
        timeout=TIMEOUT,
    )


def test_a_registered_secret_is_stored_with_the_sandbox_hasher(sandbox, client_registration):
    stored = Application.objects.get(client_id=client_registration.client_id).client_secret

    assert identify_hasher(stored).algorithm == ALGORITHM
    assert check_password(client_registration.client_secret, stored)


def test_the_hash_is_salted():
    hasher = ClientSecretHasher()

    assert hasher.encode(SECRET, hasher.salt()) != hasher.encode(SECRET, hasher.salt())


@pytest.mark.parametrize(("secret", "expected"), [(SECRET, True), (SECRET[:-1] + "e", False), ("", False)])
def test_verify(secret, expected):
    hasher = ClientSecretHasher()

    assert hasher.verify(secret, hasher.encode(SECRET, hasher.salt())) is expected


def test_a_pbkdf2_hash_still_authenticates_and_is_replaced(sandbox, user_session, client_registration):
    session = connect(sandbox, user_session, client_registration)
    old = _hashed_with_pbkdf2(client_registration.client_id, client_registration.client_secret)

    response = _refresh(
        sandbox, client_registration, session.token["refresh_token"], client_registration.client_secret
    )

    assert response.status_code == 200
    stored = Application.objects.get(client_id=client_registration.client_id).client_secret
    assert stored != old
    assert identify_hasher(stored).algorithm == ALGORITHM
    assert check_password(client_registration.client_secret, stored)


def test_a_wrong_secret_leaves_a_pbkdf2_hash_alone(sandbox, user_session, client_registration):
    session = connect(sandbox, user_session, client_registration)
    old = _hashed_with_pbkdf2(client_registration.client_id, client_registration.client_secret)

    response = _refresh(sandbox, client_registration, session.token["refresh_token"], "wrong")

    assert response.status_code == 401
    assert Application.objects.get(client_id=client_registration.client_id).client_secret == old
