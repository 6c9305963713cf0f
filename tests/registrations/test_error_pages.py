"""No client secret on the error page Django shows with DEBUG on, for every admin page that
holds one: recording a credential, rotating it, revealing it, and the Postman environment
with the secret. Each request is made to fail where the plaintext sits in a local variable
or an argument, under a name that says nothing of it (the bytes being encrypted, the
secret being wrapped for the template, the file being built)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from registrations.models import Credential, CredentialServer
from tests.error_pages import assert_shows_none, error_page
from tests.factories import (
    PARTNER_MANAGERS,
    PLEO_CLIENT_ID,
    PLEO_CLIENT_SECRET,
    make_credential,
    make_group_member,
    make_registration,
)

pytestmark = pytest.mark.django_db

NEW_SECRET = "fedcba9876543210fedcba98765432"
# Encrypting a secret for storage: its bytes are a local of Fernet.encrypt.
WHILE_ENCRYPTING = "cryptography.fernet.Fernet.encrypt_at_time"


@pytest.fixture
def manager_client(client: Client) -> Client:
    client.force_login(make_group_member(PARTNER_MANAGERS))
    return client


@pytest.fixture
def credential() -> Credential:
    return make_credential()


def test_recording_a_credential_shows_no_secret(manager_client: Client, settings: Any) -> None:
    page = error_page(
        manager_client,
        method="POST",
        url=reverse("admin:registrations_credential_add"),
        fail=WHILE_ENCRYPTING,
        settings=settings,
        data={
            "registration": make_registration().pk,
            "server": CredentialServer.PLEO_STAGING,
            "client_id": PLEO_CLIENT_ID,
            "client_secret": PLEO_CLIENT_SECRET,
            "token_endpoint_auth_method": "client_secret_basic",
            "received_note": "1Password",
        },
    )
    assert_shows_none(page, [PLEO_CLIENT_SECRET])


def test_rotating_a_credential_shows_neither_secret(
    manager_client: Client, credential: Credential, settings: Any
) -> None:
    page = error_page(
        manager_client,
        method="POST",
        url=reverse("admin:registrations_credential_rotate", args=[credential.pk]),
        fail=WHILE_ENCRYPTING,
        settings=settings,
        data={
            "client_id": "",
            "client_secret": NEW_SECRET,
            "token_endpoint_auth_method": "client_secret_basic",
            "received_note": "",
        },
    )
    assert_shows_none(page, [NEW_SECRET, PLEO_CLIENT_SECRET])


def test_revealing_a_secret_shows_no_secret(
    manager_client: Client, credential: Credential, settings: Any
) -> None:
    # Failing as the decrypted secret is wrapped for the template: it is that call's argument.
    page = error_page(
        manager_client,
        method="POST",
        url=reverse("admin:registrations_credential_reveal", args=[credential.pk]),
        fail="registrations.admin.credentials.RevealedSecret",
        settings=settings,
    )
    assert_shows_none(page, [PLEO_CLIENT_SECRET])


def _secret_export(client: Client, credential: Credential, *, fail: str, settings: Any) -> str:
    return error_page(
        client,
        method="POST",
        url=reverse(
            "admin:registrations_registration_export_postman_environment_secret",
            args=[credential.registration_id],
        ),
        fail=fail,
        settings=settings,
        data={"confirm": "yes"},
    )


def test_building_the_postman_environment_with_the_secret_shows_no_secret(
    manager_client: Client, credential: Credential, settings: Any
) -> None:
    # The environment's values, the secret among them, are built before its ID.
    page = _secret_export(manager_client, credential, fail="uuid.uuid5", settings=settings)
    assert_shows_none(page, [PLEO_CLIENT_SECRET])


def test_writing_the_postman_environment_with_the_secret_shows_no_secret(
    manager_client: Client, credential: Credential, settings: Any
) -> None:
    page = _secret_export(
        manager_client, credential, fail="registrations.exports.render_json", settings=settings
    )
    assert_shows_none(page, [PLEO_CLIENT_SECRET])
