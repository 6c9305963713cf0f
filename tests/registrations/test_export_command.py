"""`manage.py export_registration`: every format, files, refusals and the secret."""

from __future__ import annotations

import io
import json
import stat

import pytest
from django.core.management import CommandError, call_command

from core.text import TEXT_HOLDS_SURROGATE
from registrations.management.commands import export_registration as command
from registrations.management.text import OPTION_UNSTORABLE
from registrations.metadata import registration_to_client_metadata
from registrations.models import Registration, SecretDisclosure
from registrations.services.credential import REVEAL_FORBIDDEN
from registrations.validators import REDIRECT_URI_FRAGMENT

from .exports_support import PLEO_CLIENT_SECRET, invalid_registration, record_credential, user_with_perms
from .golden import assert_golden

pytestmark = pytest.mark.django_db


def export(*args: object) -> tuple[str, str]:
    stdout, stderr = io.StringIO(), io.StringIO()
    call_command("export_registration", *[str(a) for a in args], stdout=stdout, stderr=stderr)
    return stdout.getvalue(), stderr.getvalue()


@pytest.fixture
def example(example_registration: Registration) -> Registration:
    record_credential(example_registration)
    return example_registration


@pytest.mark.parametrize("fmt", ["json", "markdown", "html", "csv"])
def test_registration_formats_match_their_golden_files(example_registration, fmt):
    out, _ = export(example_registration.pk, "--format", fmt)
    assert_golden(fmt, out)


@pytest.mark.parametrize("fmt", ["postman-collection", "postman-environment"])
def test_postman_formats_match_their_golden_files(example, fmt):
    out, _ = export(example.pk, "--format", fmt)
    assert_golden(fmt, out)


def test_default_format_is_the_rfc7591_json(example):
    out, err = export(example.pk)
    assert out == json.dumps(registration_to_client_metadata(example), indent=2) + "\n"
    assert err == ""


def test_output_writes_the_same_text_to_a_file(example, tmp_path):
    target = tmp_path / "form.md"
    out, _ = export(example.pk, "--format", "markdown", "--output", target)
    assert out == ""
    assert target.read_text(encoding="utf-8") == export(example.pk, "--format", "markdown")[0]


def test_unknown_registration_is_an_error(db):
    with pytest.raises(CommandError, match="does not exist"):
        export(999999)


@pytest.mark.parametrize("fmt", command.FINAL_FORMATS)
def test_final_formats_refuse_an_invalid_registration_listing_its_errors(fmt):
    registration = invalid_registration()
    with pytest.raises(CommandError) as error:
        export(registration.pk, "--format", fmt)
    message = str(error.value)
    assert "cannot be exported as final" in message
    assert "- Client URI:" in message
    assert REDIRECT_URI_FRAGMENT in message


def test_json_of_an_invalid_registration_is_written_as_a_draft_with_the_errors_on_stderr():
    registration = invalid_registration()
    out, err = export(registration.pk, "--format", "json")
    assert json.loads(out) == registration_to_client_metadata(registration)
    assert "exported as a draft" in err
    assert "- Redirect URIs:" in err


def test_postman_environment_has_no_secret_by_default(example):
    out, _ = export(example.pk, "--format", "postman-environment")
    assert PLEO_CLIENT_SECRET not in out


def test_include_secret_needs_as_user(example):
    with pytest.raises(CommandError, match="needs --as-user"):
        export(example.pk, "--format", "postman-environment", "--include-secret")


def test_include_secret_only_applies_to_the_postman_environment(example):
    user = user_with_perms("reveal_credential_secret")
    with pytest.raises(CommandError, match="only applies"):
        export(example.pk, "--format", "json", "--include-secret", "--as-user", user.username)


def test_include_secret_is_refused_for_a_user_without_the_reveal_permission(example):
    user = user_with_perms("view_registration", "view_credential")
    with pytest.raises(CommandError, match=REVEAL_FORBIDDEN):
        export(example.pk, "--format", "postman-environment", "--include-secret", "--as-user", user.username)
    assert not SecretDisclosure.objects.exists()


def test_include_secret_is_refused_for_an_unknown_user(example):
    with pytest.raises(CommandError, match="No active user"):
        export(example.pk, "--format", "postman-environment", "--include-secret", "--as-user", "nobody")


def test_include_secret_is_refused_for_a_user_name_that_cannot_be_stored(example):
    # Command-line bytes that are not UTF-8 reach Python as unpaired surrogates.
    with pytest.raises(CommandError) as refused:
        export(example.pk, "--format", "postman-environment", "--include-secret", "--as-user", "b\udcffob")
    assert str(refused.value) == OPTION_UNSTORABLE.format(option="--as-user", reason=TEXT_HOLDS_SURROGATE)


def test_include_secret_is_refused_without_a_credential(example_registration):
    user = user_with_perms("reveal_credential_secret")
    with pytest.raises(CommandError, match="no active credential"):
        export(
            example_registration.pk,
            "--format",
            "postman-environment",
            "--include-secret",
            "--as-user",
            user.username,
        )


def test_include_secret_for_a_permitted_user_puts_it_in_and_audits(example):
    user = user_with_perms("reveal_credential_secret")
    out, _ = export(
        example.pk, "--format", "postman-environment", "--include-secret", "--as-user", user.username
    )
    secret = next(v for v in json.loads(out)["values"] if v["key"] == "clientSecret")
    assert (secret["value"], secret["type"]) == (PLEO_CLIENT_SECRET, "secret")
    disclosure = SecretDisclosure.objects.get()
    assert (disclosure.user, disclosure.kind) == (user, SecretDisclosure.Kind.POSTMAN_EXPORT)


def test_a_file_with_the_secret_is_readable_by_its_owner_only(example, tmp_path):
    user = user_with_perms("reveal_credential_secret")
    target = tmp_path / "env.json"
    target.write_text("old")
    target.chmod(0o644)
    export(
        example.pk,
        "--format",
        "postman-environment",
        "--include-secret",
        "--as-user",
        user.username,
        "--output",
        target,
    )
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert PLEO_CLIENT_SECRET in target.read_text(encoding="utf-8")
