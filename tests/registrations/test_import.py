"""import_registration and registrations.importing: shapes, rules, all-or-nothing, round trip."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from core.text import TEXT_HOLDS_NUL, TEXT_HOLDS_SURROGATE
from registrations import importing, metadata
from registrations import validators as v
from registrations.fields import FIELDS, Kind
from registrations.management.commands.import_registration import DRY_RUN_DONE
from registrations.management.text import OPTION_UNSTORABLE
from registrations.metadata import DYNAMIC_REGISTRATION, registration_to_client_metadata
from registrations.models import Registration
from registrations.services.registration import EDITABLE_FIELDS, registration_check_metadata
from tests.factories import EXAMPLE_CLIENT, make_registration, make_user

REQUIRED_KEYS = {spec.name for spec in FIELDS if spec.required}

pytestmark = pytest.mark.django_db


def _document(**overrides: Any) -> dict[str, Any]:
    """The Example Client as export_registration prints it."""
    document: dict[str, Any] = {
        key: value for key, value in EXAMPLE_CLIENT.items() if value != "" and key in REQUIRED_KEYS
    }
    document.update(overrides)
    return {key: value for key, value in document.items() if value is not ...}


def _run(data: Any, *args: str, tmp_path: Path) -> tuple[str, str]:
    path = tmp_path / "registrations.json"
    path.write_text(data if isinstance(data, str) else json.dumps(data), encoding="utf-8")
    out, err = io.StringIO(), io.StringIO()
    call_command("import_registration", str(path), *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def _errors(data: Any, tmp_path: Path) -> list[str]:
    err = io.StringIO()
    path = tmp_path / "registrations.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(CommandError):
        call_command("import_registration", str(path), stderr=err, stdout=io.StringIO())
    return err.getvalue().splitlines()


def _errors_text(text: str, tmp_path: Path) -> list[str]:
    path = tmp_path / "registrations.json"
    path.write_text(text, encoding="utf-8")
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_registration", str(path), stderr=err, stdout=io.StringIO())
    return err.getvalue().splitlines()


def _entry_errors(document: Any) -> dict[str, list[str]]:
    return importing.check_entries([document])[0].errors


# --- what an entry may hold ---------------------------------------------------------------

SHAPE_ERRORS = [
    pytest.param(
        _document(contacts="name.surname@example.io"),
        {"contacts": [metadata.KEY_NOT_LIST]},
        id="contacts-not-list",
    ),
    pytest.param(
        _document(redirect_uris="https://a.example/"),
        {"redirect_uris": [metadata.KEY_NOT_LIST]},
        id="uris-not-list",
    ),
    pytest.param(_document(client_uri=...), {"client_uri": [metadata.KEY_REQUIRED]}, id="required-missing"),
    pytest.param(_document(contacts=...), {"contacts": [metadata.KEY_REQUIRED]}, id="list-missing"),
    pytest.param(_document(client_name=3), {"client_name": [metadata.KEY_NOT_STRING]}, id="name-not-string"),
    pytest.param(_document(scope=["users:read"]), {"scope": [metadata.KEY_NOT_STRING]}, id="scope-as-list"),
    *[
        pytest.param(_document(**{key: ""}), {key: [metadata.KEY_EMPTY]}, id=f"empty-{key}")
        for key in (spec.name for spec in FIELDS if not spec.required and spec.kind != Kind.BOOLEAN)
    ],
    pytest.param(_document(logo_uri=None), {"logo_uri": [metadata.KEY_EMPTY]}, id="null-optional"),
    pytest.param(_document(logo_uri=5), {"logo_uri": [metadata.KEY_NOT_STRING]}, id="optional-not-string"),
    pytest.param(
        _document(pkce_supported="true"), {"pkce_supported": [metadata.KEY_NOT_BOOLEAN]}, id="pkce-not-bool"
    ),
    pytest.param(
        _document(environment=1), {"environment": [metadata.KEY_NOT_STRING]}, id="environment-not-string"
    ),
    pytest.param(_document(clientname="x"), {"clientname": [metadata.UNKNOWN_KEY]}, id="unknown-key"),
    pytest.param(
        _document(grant_types=["authorization_code"]),
        {
            "grant_types": [
                metadata.KEY_NOT_IMPLIED.format(expected='["authorization_code", "refresh_token"]')
            ]
        },
        id="grant-types-differ",
    ),
    pytest.param(
        _document(response_types=["token"]),
        {"response_types": [metadata.KEY_NOT_IMPLIED.format(expected='["code"]')]},
        id="response-types-differ",
    ),
    pytest.param(
        _document(token_endpoint_auth_method="none"),
        {"token_endpoint_auth_method": [metadata.KEY_NOT_IMPLIED.format(expected='"client_secret_basic"')]},
        id="auth-method-differs",
    ),
    pytest.param(["not", "an", "object"], {"__all__": [importing.ENTRY_NOT_OBJECT]}, id="entry-not-object"),
]


@pytest.mark.parametrize(("document", "errors"), SHAPE_ERRORS)
def test_entry_shape_errors(document: Any, errors: dict[str, list[str]]) -> None:
    assert _entry_errors(document) == errors


def test_rules_apply_to_imported_entries() -> None:
    document = _document(environment="production", redirect_uris=["http://127.0.0.1/cb"])
    assert _entry_errors(document) == {
        "redirect_uris": [f"Redirect URI 1 “http://127.0.0.1/cb” {v.REDIRECT_URI_LOOPBACK_PRODUCTION_WEB}"]
    }


@pytest.mark.parametrize(
    ("name", "message"),
    [
        pytest.param("Example\x07Client", v.CLIENT_NAME_CONTROL, id="control-character"),
        pytest.param("a" * (v.MAX_CLIENT_NAME_LENGTH + 1), v.CLIENT_NAME_TOO_LONG, id="too-long"),
    ],
)
def test_the_client_name_rule_applies_to_imported_entries(name: str, message: str) -> None:
    assert _entry_errors(_document(client_name=name)) == {"client_name": [message]}


@pytest.mark.parametrize(
    ("text", "message"),
    [("Example\x00Client", TEXT_HOLDS_NUL), ("Example\ud800Client", TEXT_HOLDS_SURROGATE)],
    ids=["nul", "surrogate"],
)
def test_text_that_cannot_be_stored_is_an_error_on_its_key(text: str, message: str, tmp_path: Path) -> None:
    # Written as the JSON escapes \u0000 and \ud800 (json.dumps' default).
    lines = _errors([_document(), _document(client_name=text)], tmp_path)
    assert lines == [f"Error: entry 1: client_name: {message}"]


@pytest.mark.parametrize(
    ("text", "message"),
    [("Example\x00Client", TEXT_HOLDS_NUL), ("Example\ud800Client", TEXT_HOLDS_SURROGATE)],
    ids=["nul", "surrogate"],
)
def test_dynamic_registration_refuses_text_that_cannot_be_stored_on_its_key(text: str, message: str) -> None:
    checked = registration_check_metadata(document=_document(client_name=text), mode=DYNAMIC_REGISTRATION)
    assert checked.errors == {"client_name": [message]}


def test_dynamic_registration_ignores_an_unknown_key_that_cannot_be_stored() -> None:
    checked = registration_check_metadata(document=_document(**{"x\ud800": 1}), mode=DYNAMIC_REGISTRATION)
    assert checked.errors == {}


def test_a_key_that_cannot_be_stored_is_an_error_that_does_not_name_it(tmp_path: Path) -> None:
    lines = _errors([_document(**{"client\ud800name": "x"})], tmp_path)
    reason = metadata.KEY_UNSTORABLE.format(reason=TEXT_HOLDS_SURROGATE)
    assert lines == [f"Error: entry 0 (Example Client): {reason}"]


def test_a_key_holding_a_line_break_is_printed_on_one_line(tmp_path: Path) -> None:
    # The key could otherwise forge a line of the report.
    lines = _errors([_document(**{"x\nError: entry 9: forged": 1})], tmp_path)
    assert lines == [f"Error: entry 0 (Example Client): x\\nError: entry 9: forged: {metadata.UNKNOWN_KEY}"]


def test_implied_values_may_be_present_in_any_order() -> None:
    document = _document(
        grant_types=["refresh_token", "authorization_code"],
        response_types=["code"],
        token_endpoint_auth_method="client_secret_basic",
    )
    assert _entry_errors(document) == {}


def test_absent_environment_and_application_type_mean_staging_and_web() -> None:
    fields = importing.check_entries([_document()])[0].fields
    assert (fields["environment"], fields["application_type"], fields["pkce_supported"]) == (
        "staging",
        "web",
        True,
    )


def test_duplicate_key_in_an_object_is_an_error(tmp_path: Path) -> None:
    text = json.dumps(_document())[:-1] + ', "scope": "users:read"}'
    assert _errors_text(text, tmp_path) == [
        f"Error: entry 0 (Example Client): scope: {importing.DUPLICATE_KEY}"
    ]


# --- the command --------------------------------------------------------------------------


def test_imports_one_object(tmp_path: Path) -> None:
    _run(_document(), tmp_path=tmp_path)
    assert list(Registration.objects.values_list("client_name", "status")) == [("Example Client", "draft")]


def test_imports_an_array(tmp_path: Path) -> None:
    _run([_document(), _document(client_name="Second")], tmp_path=tmp_path)
    assert sorted(Registration.objects.values_list("client_name", flat=True)) == ["Example Client", "Second"]


def test_reads_standard_input() -> None:
    call_command("import_registration", "-", stdin=io.StringIO(json.dumps(_document())), stdout=io.StringIO())
    assert Registration.objects.count() == 1


def test_reads_utf8_bytes_from_standard_input() -> None:
    document = json.dumps(_document(client_name="Æble Klient"), ensure_ascii=False).encode()
    call_command("import_registration", "-", stdin=io.BytesIO(document), stdout=io.StringIO())
    assert Registration.objects.get().client_name == "Æble Klient"


def test_refuses_standard_input_that_is_not_utf8() -> None:
    with pytest.raises(CommandError, match="Cannot read standard input"):
        call_command(
            "import_registration", "-", stdin=io.BytesIO(b'{"client_name": "\xff"}'), stdout=io.StringIO()
        )
    assert Registration.objects.count() == 0


def test_owner_option_sets_the_owner(tmp_path: Path) -> None:
    user = make_user(username="importer")
    _run(_document(), "--owner", "importer", tmp_path=tmp_path)
    assert Registration.objects.get().owner == user


def test_dry_run_saves_nothing(tmp_path: Path) -> None:
    out, _ = _run([_document(), _document()], "--dry-run", tmp_path=tmp_path)
    assert (Registration.objects.count(), out.strip()) == (0, DRY_RUN_DONE.format(total=2))


def test_one_invalid_entry_saves_nothing(tmp_path: Path) -> None:
    _errors([_document(), _document(contacts=[])], tmp_path)
    assert not Registration.objects.exists()


def test_every_field_error_is_printed_with_its_entry_index(tmp_path: Path) -> None:
    lines = _errors(
        [_document(), _document(client_name="Bad", contacts=[], redirect_uris=["https://a.example/#x"]), 7],
        tmp_path,
    )
    assert lines == [
        f"Error: entry 1 (Bad): contacts: {v.CONTACTS_REQUIRED}",
        f"Error: entry 1 (Bad): redirect_uris: Redirect URI 1 “https://a.example/#x” {v.REDIRECT_URI_FRAGMENT}",
        f"Error: entry 2: {importing.ENTRY_NOT_OBJECT}",
    ]


def test_invalid_entries_exit_non_zero(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="2 of 3 entries are invalid: nothing was imported"):
        _run([_document(), _document(scope=""), _document(tos_uri="tos")], tmp_path=tmp_path)


def test_warnings_are_printed_and_do_not_block(tmp_path: Path) -> None:
    _, err = _run(_document(scope="users:read custom:read"), tmp_path=tmp_path)
    assert (err.splitlines(), Registration.objects.count()) == (
        [
            "Warning: entry 0 (Example Client): scope: "
            + v.SCOPE_NOT_IN_CATALOG_WARNING.format(token="custom:read")
        ],
        1,
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        pytest.param("{not json", "Not valid JSON", id="not-json"),
        pytest.param('"a string"', importing.NOT_OBJECT_OR_ARRAY, id="top-level-string"),
        pytest.param("[]", importing.EMPTY_ARRAY, id="empty-array"),
    ],
)
def test_file_errors(text: str, message: str, tmp_path: Path) -> None:
    with pytest.raises(CommandError, match=message):
        _run(text, tmp_path=tmp_path)


def test_missing_file_is_a_command_error(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="Cannot read"):
        call_command("import_registration", str(tmp_path / "missing.json"))


def test_an_owner_name_that_cannot_be_stored_is_a_command_error(tmp_path: Path) -> None:
    # Command-line bytes that are not UTF-8 reach Python as unpaired surrogates.
    with pytest.raises(CommandError) as refused:
        _run(_document(), "--owner", "b\udcffob", tmp_path=tmp_path)
    assert str(refused.value) == OPTION_UNSTORABLE.format(option="--owner", reason=TEXT_HOLDS_SURROGATE)


def test_unknown_owner_is_a_command_error(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="nobody"):
        _run(_document(), "--owner", "nobody", tmp_path=tmp_path)


# --- export, then import ------------------------------------------------------------------

ROUND_TRIPS = [
    pytest.param({}, id="example-client"),
    pytest.param(
        {
            "logo_uri": "https://client.example/logo.png",
            "initiation_uri": "https://client.example/connect",
            "settings_uri": "https://client.example/settings",
            "subject_type_preference": "company",
            "pkce_supported": False,
            "contacts": ["a@client.example", "b@client.example"],
            "redirect_uris": [
                "https://oauth.pstmn.io/v1/callback",
                "https://oauth.pstmn.io/v1/browser-callback",
            ],
            "scope": "users:write users:read accounts:read",
            "environment": "production",
        },
        id="every-field-production",
    ),
    pytest.param(
        {"application_type": "native", "redirect_uris": ["com.example.app:/cb", "http://127.0.0.1:7000/cb"]},
        id="native",
    ),
]


@pytest.mark.parametrize("overrides", ROUND_TRIPS)
def test_export_then_import_gives_an_equal_registration(overrides: dict[str, Any], tmp_path: Path) -> None:
    original = make_registration(**overrides)
    _run(registration_to_client_metadata(original), tmp_path=tmp_path)
    imported = Registration.objects.exclude(pk=original.pk).get()
    assert {f: getattr(imported, f) for f in EDITABLE_FIELDS} == {
        f: getattr(original, f) for f in EDITABLE_FIELDS
    }


def test_export_command_output_imports(tmp_path: Path) -> None:
    original = make_registration()
    out = io.StringIO()
    call_command("export_registration", str(original.pk), stdout=out)
    call_command("import_registration", "-", stdin=io.StringIO(out.getvalue()), stdout=io.StringIO())
    assert Registration.objects.count() == 2
