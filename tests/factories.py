"""Small factories for the suite: real rows in the real database, sensible defaults."""

from __future__ import annotations

import itertools
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractUser

from core.servers import CredentialServer
from registrations.examples import EXAMPLE_CLIENT
from registrations.models import Registration
from registrations.services.registration import TRANSITIONS, registration_create, registration_transition

_sequence = itertools.count(1)

__all__ = ["EXAMPLE_CLIENT"]


def registration_data(**overrides: Any) -> dict[str, Any]:
    data = {**EXAMPLE_CLIENT, "contacts": list(EXAMPLE_CLIENT["contacts"])}
    data["redirect_uris"] = list(EXAMPLE_CLIENT["redirect_uris"])
    data.update(overrides)
    return data


def _status_path(target: str) -> list[str]:
    """The shortest walk of the allowed transitions from draft to `target`."""
    paths: dict[str, list[str]] = {"draft": []}
    queue = ["draft"]
    while queue:
        current = queue.pop(0)
        for following in sorted(TRANSITIONS[current]):
            if following not in paths:
                paths[following] = [*paths[current], following]
                queue.append(following)
    return paths[target]


def make_registration(*, owner: Any = None, status: str = "draft", **overrides: Any) -> Registration:
    """A saved, valid registration (the Example Client unless overridden), made by the
    service, so it passes every rule, and moved to `status` along the allowed transitions."""
    registration = registration_create(**registration_data(**overrides), owner=owner)
    for step in _status_path(status):
        registration = registration_transition(registration=registration, to_status=step)
    return registration


def make_user(
    *, username: str | None = None, password: str = "pw-for-tests-only", **extra: Any
) -> AbstractUser:
    user_model = get_user_model()
    username = username or f"user{next(_sequence)}"
    return user_model.objects.create_user(username=username, password=password, **extra)


# Credentials and groups -----------------------------------------------------------

# The Example Client's credential, as Pleo sends it (a UUID and 30 hex).
PLEO_CLIENT_ID = "12a3b456-78c9-0d12-34e5-f678ab9bcd0e"
PLEO_CLIENT_SECRET = "12345a6bcd789ef012abcd34ef5a6b"
PARTNER_MANAGERS = "Partner managers"
DEVELOPERS = "Developers"


def make_credential(*, registration: Registration | None = None, **overrides: Any) -> Any:
    """An active Pleo staging credential recorded through the service."""
    from registrations.services.credential import credential_record

    data: dict[str, Any] = {
        "server": CredentialServer.PLEO_STAGING,
        "client_id": PLEO_CLIENT_ID,
        "client_secret": PLEO_CLIENT_SECRET,
        "received_note": "1Password, 2026-11-28",
    }
    data.update(overrides)
    return credential_record(registration=registration or make_registration(), **data)


def make_group_member(group_name: str, **extra: Any) -> AbstractUser:
    """A staff user in one of the groups created by registrations' 0003 migration."""
    from django.contrib.auth.models import Group

    user = make_user(is_staff=True, **extra)
    user.groups.add(Group.objects.get(name=group_name))
    return user


def dashboard_group(group_name: str) -> Any:
    """A group holding the dashboard permission, as oauthclient's 0002 migration leaves it.

    Live-server tests flush the database, data migrations included: this restores it.
    """
    from django.contrib.auth.models import Group, Permission

    group, _ = Group.objects.get_or_create(name=group_name)
    group.permissions.add(
        Permission.objects.get(content_type__app_label="oauthclient", codename="use_dashboard")
    )
    return group


# Connections and test calls -------------------------------------------------------

# Tokens of the shape the suite's fake servers accept ("Bearer fake-access-…").
ACCESS_TOKEN = "fake-access-0-" + "a" * 24
REFRESH_TOKEN = "fake-refresh-0-" + "r" * 24
STAGING_INTROSPECT_URL = "https://external.staging.pleo.io/v1/introspect"


def make_connection(*, user: Any = None, credential: Any = None, **overrides: Any) -> Any:
    """A connection as a completed authorization leaves it: tokens valid for ten minutes.

    Any other status (disconnected, needs re-authorization) comes without tokens, as the
    services leave it; `overrides` set any field.
    """
    from datetime import timedelta

    from django.utils import timezone

    from oauthclient.models import Connection, ConnectionStatus

    now = timezone.now()
    fields: dict[str, Any] = {"status": overrides.pop("status", ConnectionStatus.CONNECTED)}
    if fields["status"] == ConnectionStatus.CONNECTED:
        fields.update(
            access_token=ACCESS_TOKEN,
            refresh_token=REFRESH_TOKEN,
            token_type="Bearer",
            scope="users:read users:write",
            expires_at=now + timedelta(minutes=10),
            connected_at=now,
        )
    fields.update(overrides)
    return Connection.objects.create(
        user=user or make_user(), credential=credential or make_credential(), **fields
    )


def make_test_call(*, connection: Any = None, age: Any = None, **overrides: Any) -> Any:
    """A kept test call: GET /v1/introspect on Pleo staging answered 200, `age` ago (now by default)."""
    from datetime import timedelta

    from django.utils import timezone

    from oauthclient.models import TestCall

    connection = connection or make_connection()
    fields: dict[str, Any] = {
        "user": connection.user,
        "method": "GET",
        "url": STAGING_INTROSPECT_URL,
        "path": "/v1/introspect",
        "status_code": 200,
        "duration_ms": 120,
        "created_at": timezone.now() - (age or timedelta(0)),
    }
    fields.update(overrides)
    return TestCall.objects.create(connection=connection, **fields)
