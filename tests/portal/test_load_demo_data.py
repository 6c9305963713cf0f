"""load_demo_data: the Example Client and two logins, idempotent."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import check_password
from django.core.management import call_command
from oauth2_provider.models import get_application_model

from portal.management.commands import load_demo_data
from registrations.models import (
    Credential,
    CredentialServer,
    CredentialStatus,
    Registration,
    RegistrationStatus,
)
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
    ) == (EXAMPLE_CLIENT, "manager", RegistrationStatus.CREDENTIALS_RECEIVED)


def test_prints_working_passwords_and_how_to_log_in() -> None:
    output = _load()
    passwords = _passwords(output)
    users = get_user_model().objects.in_bulk(field_name="username")
    assert sorted(passwords) == ["developer", "manager"]
    assert all(users[name].check_password(password) for name, password in passwords.items())
    assert load_demo_data.LOGIN_HOWTO.format(base="http://127.0.0.1:8000") in output


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


def test_issues_sandbox_credentials_for_the_example_client() -> None:
    _load()
    credential = Credential.objects.get()
    assert (credential.server, credential.status, credential.registration.client_name) == (
        CredentialServer.SANDBOX,
        CredentialStatus.ACTIVE,
        "Example Client",
    )


def test_issued_credentials_work_in_the_sandbox() -> None:
    _load()
    credential = Credential.objects.get()
    application = get_application_model().objects.get(client_id=credential.client_id)
    assert check_password(credential.client_secret, application.client_secret)


def test_prints_the_client_id_but_never_the_secret() -> None:
    output = _load()
    credential = Credential.objects.get()
    assert (credential.client_id in output, credential.client_secret in output) == (True, False)


def test_rerun_keeps_the_existing_sandbox_credential() -> None:
    _load()
    first = Credential.objects.get()
    output = _load()
    assert (list(Credential.objects.values_list("pk", "status")), output.count(first.client_id)) == (
        [(first.pk, CredentialStatus.ACTIVE)],
        1,
    )


def test_no_sandbox_credentials_when_the_sandbox_is_off(settings: Any) -> None:
    settings.PORTAL_SANDBOX_ENABLED = False
    output = _load()
    assert (Credential.objects.count(), load_demo_data.SANDBOX_DISABLED in output) == (0, True)


def test_the_sandbox_demo_company_is_loaded_once(settings):
    from sandbox.models import SandboxRecord

    settings.PORTAL_SANDBOX_ENABLED = True
    first = _load()
    count = SandboxRecord.objects.count()
    second = _load()

    assert f"{count} API records added" in first
    assert "0 API records added" in second
    assert SandboxRecord.objects.count() == count
