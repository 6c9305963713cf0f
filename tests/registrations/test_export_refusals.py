"""No export carries a value that no file may: a scope token with template syntax (Postman
would replace `{{clientSecret}}` with the secret) or text that cannot be stored, even in a
registration saved before the rules refused them. Every format, the streams, the admin's
pages and actions and `export_registration` refuse it and name what to fix."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse

from core.text import TEXT_HOLDS_NUL
from registrations import exports
from registrations.exports.common import NOT_EXPORTABLE, NOT_EXPORTABLE_SELECTED, export_problems
from registrations.fields import BY_NAME
from registrations.models import Registration, SecretDisclosure
from registrations.validators import SCOPE_TEMPLATE_SYNTAX
from tests.factories import make_registration, registration_data

from .exports_support import record_credential, user_with_perms

pytestmark = pytest.mark.django_db

TEMPLATE_TOKEN = "{{clientSecret}}"
SCOPE_LABEL = BY_NAME["scope"].label
SCOPE_PROBLEM = (SCOPE_LABEL, SCOPE_TEMPLATE_SYNTAX.format(token=TEMPLATE_TOKEN))
STREAMING = [key for key, export in exports.EXPORT_FORMATS.items() if export.stream]


@pytest.fixture
def stored_before_the_rule() -> Registration:
    """Saved without the rules, as a row from before the scope rule is."""
    registration = Registration.objects.create(**registration_data(scope=f"users:read {TEMPLATE_TOKEN}"))
    record_credential(registration)
    return registration


def _admin_url(name: str, registration: Registration) -> str:
    return reverse(f"admin:registrations_registration_{name}", args=[registration.pk])


def _client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize("fmt", list(exports.EXPORT_FORMATS))
def test_no_format_exports_a_scope_with_template_syntax(
    stored_before_the_rule: Registration, fmt: str
) -> None:
    with pytest.raises(exports.ExportRefused) as refused:
        exports.EXPORT_FORMATS[fmt].render(stored_before_the_rule)
    assert SCOPE_PROBLEM in refused.value.problems


def test_the_postman_environment_with_a_secret_is_refused_too(stored_before_the_rule: Registration) -> None:
    with pytest.raises(exports.ExportRefused) as refused:
        exports.postman_environment(stored_before_the_rule, client_secret="not-disclosed-0123456789")
    assert refused.value.problems == [SCOPE_PROBLEM]


@pytest.mark.parametrize("fmt", STREAMING)
def test_a_stream_is_refused_whole_before_its_first_line_naming_the_registration(
    stored_before_the_rule: Registration, fmt: str
) -> None:
    make_registration(client_name="Fine")
    with pytest.raises(exports.ExportRefused) as refused:
        exports.EXPORT_FORMATS[fmt].stream(Registration.objects.all())  # type: ignore[misc]
    assert refused.value.message == NOT_EXPORTABLE_SELECTED.format(count=1, ids=stored_before_the_rule.pk)


@pytest.mark.parametrize(
    "scope",
    [
        "users:read {%x%}",
        "${x}",
        'users:"read"',
        "users:read\\",
        "usérs:read",
        "users:read\tx",
        "users:read\n",
    ],
    ids=["tag", "dollar", "quote", "backslash", "non-ascii", "tab", "line-break"],
)
def test_the_database_finds_every_scope_no_export_may_carry(scope: str) -> None:
    refused = Registration.objects.create(**registration_data(scope=scope))
    make_registration(client_name="Fine")
    with pytest.raises(exports.ExportRefused) as refusal:
        exports.EXPORT_FORMATS["csv"].stream(Registration.objects.all())  # type: ignore[misc]
    assert refusal.value.message == NOT_EXPORTABLE_SELECTED.format(count=1, ids=refused.pk)


def test_text_that_cannot_be_stored_is_named_as_no_export_may_carry_it() -> None:
    values = registration_data(client_name="Example\x00Client")
    assert export_problems(values) == [(BY_NAME["client_name"].label, TEXT_HOLDS_NUL)]


def test_a_well_formed_registration_has_nothing_no_export_may_carry() -> None:
    assert export_problems(registration_data()) == []


# --- the admin -------------------------------------------------------------------------


def test_the_admin_export_page_names_what_to_fix(admin_client: Client, stored_before_the_rule: Any) -> None:
    response = admin_client.get(_admin_url("export_json", stored_before_the_rule))
    page = response.content.decode()
    assert (response.status_code, NOT_EXPORTABLE in page) == (409, True)
    assert "holds template syntax" in page


@pytest.mark.parametrize("fmt", STREAMING)
def test_the_admin_export_action_sends_no_file_and_says_why(
    admin_client: Client, stored_before_the_rule: Registration, fmt: str
) -> None:
    response = admin_client.post(
        reverse("admin:registrations_registration_changelist"),
        {"action": f"export_selected_{fmt}", "_selected_action": [stored_before_the_rule.pk]},
        follow=True,
    )
    shown = [str(message) for message in response.context["messages"]]
    assert (response.streaming, shown) == (
        False,
        [NOT_EXPORTABLE_SELECTED.format(count=1, ids=stored_before_the_rule.pk)],
    )


def test_the_secret_page_refuses_before_anything_is_disclosed(stored_before_the_rule: Registration) -> None:
    revealer = user_with_perms("view_registration", "view_credential", "reveal_credential_secret")
    response = _client_for(revealer).post(
        _admin_url("export_postman_environment_secret", stored_before_the_rule), {"confirm": "yes"}
    )
    assert (response.status_code, SecretDisclosure.objects.count()) == (409, 0)


# --- the command -----------------------------------------------------------------------


def _export(*args: object) -> None:
    call_command("export_registration", *[str(a) for a in args], stdout=io.StringIO(), stderr=io.StringIO())


def test_the_command_refuses_a_data_format_naming_what_to_fix(stored_before_the_rule: Registration) -> None:
    with pytest.raises(CommandError) as refused:
        _export(stored_before_the_rule.pk, "--format", "json")
    assert str(refused.value) == f"{NOT_EXPORTABLE}\n- {SCOPE_PROBLEM[0]}: {SCOPE_PROBLEM[1]}"


def test_the_command_refuses_the_secret_before_disclosing_it(stored_before_the_rule: Registration) -> None:
    revealer = user_with_perms("reveal_credential_secret")
    with pytest.raises(CommandError):
        _export(
            stored_before_the_rule.pk,
            "--format",
            "postman-environment",
            "--include-secret",
            "--as-user",
            revealer.username,
        )
    assert SecretDisclosure.objects.count() == 0
