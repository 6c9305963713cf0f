"""Secret disclosures record the client's address, behind a trusted proxy too."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from registrations.models import SecretDisclosure
from tests.factories import PARTNER_MANAGERS, make_credential, make_group_member

pytestmark = pytest.mark.django_db

PROXY = "10.0.0.1"
CLIENT = "203.0.113.7"
SPOOFED = "192.0.2.66"


def reveal(client: Client, credential: Any, **headers: str) -> None:
    client.post(reverse("admin:registrations_credential_reveal", args=[credential.pk]), **headers)


def postman_export(client: Client, credential: Any, **headers: str) -> None:
    url = reverse(
        "admin:registrations_registration_export_postman_environment_secret",
        args=[credential.registration.pk],
    )
    client.post(url, {"confirm": "yes"}, **headers)


@pytest.fixture
def manager_client(client: Client) -> Client:
    client.force_login(make_group_member(PARTNER_MANAGERS))
    return client


@pytest.mark.parametrize("disclose", [reveal, postman_export])
@pytest.mark.parametrize(
    ("remote", "forwarded", "recorded"),
    [
        pytest.param(PROXY, f"{SPOOFED}, {CLIENT}", CLIENT, id="through-the-trusted-proxy"),
        pytest.param(CLIENT, SPOOFED, CLIENT, id="spoofed-header-from-elsewhere"),
    ],
)
def test_disclosure_records_the_client_address(
    settings, manager_client, disclose, remote, forwarded, recorded
):
    settings.PORTAL_TRUSTED_PROXIES = [PROXY]
    disclose(manager_client, make_credential(), REMOTE_ADDR=remote, HTTP_X_FORWARDED_FOR=forwarded)
    assert SecretDisclosure.objects.get().remote_addr == recorded
