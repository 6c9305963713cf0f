"""Small factories for the suite: real rows in the real database, sensible defaults."""

from __future__ import annotations

import itertools
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractUser

from registrations.models import Registration

_sequence = itertools.count(1)

# The seed's "Example Client" (../shared/seed): the registration every export pins.
EXAMPLE_CLIENT: dict[str, Any] = {
    "client_name": "Example Client",
    "client_uri": "https://client.example/",
    "tos_uri": "https://client.example/legal/tos.html",
    "policy_uri": "https://client.example/legal/privacy.pdf",
    "contacts": ["name.surname@example.io"],
    "redirect_uris": ["https://oauth.pstmn.io/v1/browser-callback"],
    "scope": "users:read users:write",
    "pkce_supported": True,
    "subject_type_preference": "",
    "environment": "staging",
    "application_type": "web",
}


def registration_data(**overrides: Any) -> dict[str, Any]:
    data = {**EXAMPLE_CLIENT, "contacts": list(EXAMPLE_CLIENT["contacts"])}
    data["redirect_uris"] = list(EXAMPLE_CLIENT["redirect_uris"])
    data.update(overrides)
    return data


def make_registration(**overrides: Any) -> Registration:
    """A saved, valid registration (the seed's Example Client unless overridden)."""
    registration = Registration(**registration_data(**overrides))
    registration.full_clean()
    registration.save()
    return registration


def make_user(
    *, username: str | None = None, password: str = "pw-for-tests-only", **extra: Any
) -> AbstractUser:
    user_model = get_user_model()
    username = username or f"user{next(_sequence)}"
    return user_model.objects.create_user(username=username, password=password, **extra)
