"""Helpers shared by the export tests (test_exports, test_export_command, test_admin_exports)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission

from registrations.models import Credential, CredentialServer, Registration
from registrations.services.credential import credential_record
from tests.factories import PLEO_CLIENT_ID, PLEO_CLIENT_SECRET, make_user, registration_data

__all__ = ["PLEO_CLIENT_ID", "PLEO_CLIENT_SECRET"]


def record_credential(
    registration: Registration,
    *,
    server: str = CredentialServer.PLEO_STAGING,
    client_id: str = PLEO_CLIENT_ID,
    client_secret: str = PLEO_CLIENT_SECRET,
    **extra: Any,
) -> Credential:
    return credential_record(
        registration=registration, server=server, client_id=client_id, client_secret=client_secret, **extra
    )


def invalid_registration(**overrides: Any) -> Registration:
    """Saved without validation, as an old row can be after the rules were tightened."""
    data = registration_data(
        client_uri="client.example", redirect_uris=["https://app.example/cb#frag"], **overrides
    )
    return Registration.objects.create(**data)


def user_with_perms(*codenames: str, staff: bool = True) -> Any:
    """A user holding exactly these permissions (fetched again: permission caches)."""
    user = make_user(is_staff=staff)
    user.user_permissions.add(*Permission.objects.filter(codename__in=codenames))
    return get_user_model().objects.get(pk=user.pk)
