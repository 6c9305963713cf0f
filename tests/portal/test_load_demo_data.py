"""load_demo_data: the seed's Example Client and two logins, idempotent."""

from __future__ import annotations

import io
import re

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from portal.management.commands import load_demo_data
from registrations.models import Registration, RegistrationStatus
from tests.factories import EXAMPLE_CLIENT

pytestmark = pytest.mark.django_db


def _load(*args: str) -> str:
    out = io.StringIO()
    call_command("load_demo_data", *args, stdout=out)
    return out.getvalue()


_PASSWORD_LINE = re.compile(r"(?:user '(\w+)' with password|password for '(\w+)'): (\S+)")


def _passwords(output: str) -> dict[str, str]:
    """{username: password} for every password the command printed."""
    return {created or reset: password for created, reset, password in _PASSWORD_LINE.findall(output)}


def test_creates_the_seed_example_client_owned_by_the_manager() -> None:
    _load()
    registration = Registration.objects.get()
    assert (
        {field: getattr(registration, field) for field in EXAMPLE_CLIENT},
        registration.owner.get_username(),
        registration.status,
    ) == (EXAMPLE_CLIENT, "manager", RegistrationStatus.READY)


def test_demo_registration_matches_the_factories_seed() -> None:
    assert load_demo_data.EXAMPLE_CLIENT == EXAMPLE_CLIENT


def test_prints_working_passwords_and_how_to_log_in() -> None:
    output = _load()
    passwords = _passwords(output)
    users = get_user_model().objects.in_bulk(field_name="username")
    assert sorted(passwords) == ["developer", "manager"]
    assert all(users[name].check_password(password) for name, password in passwords.items())
    assert "http://127.0.0.1:8000/admin/" in output


@pytest.mark.parametrize(("username", "group"), load_demo_data.DEMO_USERS)
def test_users_are_staff_in_their_group(username: str, group: str) -> None:
    _load()
    user = get_user_model().objects.get(username=username)
    assert (user.is_staff, user.is_superuser, list(user.groups.values_list("name", flat=True))) == (
        True,
        False,
        [group],
    )


def test_manager_can_change_registrations() -> None:
    _load()
    assert get_user_model().objects.get(username="manager").has_perm("registrations.change_registration")


def test_rerun_keeps_data_and_passwords() -> None:
    first = _passwords(_load())
    second = _load()
    manager = get_user_model().objects.get(username="manager")
    assert (Registration.objects.count(), _passwords(second), manager.check_password(first["manager"])) == (
        1,
        {},
        True,
    )
    assert load_demo_data.USER_EXISTS.format(username="manager") in second


def test_reset_passwords_prints_new_working_ones() -> None:
    first = _passwords(_load())
    reset = _passwords(_load("--reset-passwords"))
    manager = get_user_model().objects.get(username="manager")
    assert (
        sorted(reset),
        reset["manager"] != first["manager"],
        manager.check_password(reset["manager"]),
    ) == (
        ["developer", "manager"],
        True,
        True,
    )


def test_rerun_leaves_an_edited_example_client_alone() -> None:
    _load()
    Registration.objects.update(client_uri="https://changed.example/")
    _load()
    assert Registration.objects.get().client_uri == "https://changed.example/"
