"""The registration field table and what derives from it: the model, the RFC 7591 codec in
both modes, and every export format that can be read back."""

from __future__ import annotations

import html
from typing import Any

import pytest
from markdown_it import MarkdownIt

from registrations import exports, importing
from registrations.exports import submission_form
from registrations.fields import EDITABLE_FIELDS, EXCLUDED_MODEL_FIELDS, FIELDS, Kind
from registrations.metadata import DYNAMIC_REGISTRATION_ALLOWANCES, registration_to_client_metadata
from registrations.models import Registration
from sandbox.services import SandboxRegistrationError, sandbox_client_metadata_validate
from tests.factories import make_registration, registration_data

pytestmark = pytest.mark.django_db


# --- the table and the model ----------------------------------------------------------------


def test_every_model_field_is_in_the_table_or_deliberately_excluded() -> None:
    model_fields = {field.name for field in Registration._meta.concrete_fields}
    table = {spec.name for spec in FIELDS}
    assert (table & set(EXCLUDED_MODEL_FIELDS), model_fields) == (set(), table | set(EXCLUDED_MODEL_FIELDS))


@pytest.mark.parametrize("spec", [spec for spec in FIELDS if not spec.required], ids=lambda spec: spec.name)
def test_an_optional_fields_default_is_the_models(spec: Any) -> None:
    assert Registration._meta.get_field(spec.name).get_default() == spec.default


@pytest.mark.parametrize(
    "spec", [spec for spec in FIELDS if spec.kind == Kind.CHOICE], ids=lambda spec: spec.name
)
def test_a_choice_fields_choices_are_the_models(spec: Any) -> None:
    assert Registration._meta.get_field(spec.name).choices == spec.choices.choices


# --- export, then import, for every format that can be read back ----------------------------

EVERY_FIELD = {
    "logo_uri": "https://client.example/logo.png",
    "initiation_uri": "https://client.example/connect",
    "settings_uri": "https://client.example/settings",
    "subject_type_preference": "company",
    "pkce_supported": False,
    "contacts": ["a@client.example", "=ops@client.example"],
    "redirect_uris": ["https://oauth.pstmn.io/v1/callback", "https://oauth.pstmn.io/v1/browser-callback"],
    "scope": "users:write users:read accounts:read",
    "environment": "production",
}
READABLE_FORMATS = [key for key, export in exports.EXPORT_FORMATS.items() if export.read]


def test_json_and_csv_can_be_read_back() -> None:
    assert sorted(READABLE_FORMATS) == ["csv", "json"]


@pytest.mark.parametrize("fmt", READABLE_FORMATS)
def test_export_then_import_gives_equal_registrations(fmt: str) -> None:
    originals = [
        make_registration(),
        make_registration(**EVERY_FIELD),
        make_registration(application_type="native", redirect_uris=["com.example.app:/cb"]),
    ]
    export = exports.EXPORT_FORMATS[fmt]
    text = "".join(export.stream(Registration.objects.filter(pk__in=[r.pk for r in originals])))  # type: ignore[misc]

    result = importing.registrations_import(documents=export.read(text))  # type: ignore[misc]

    assert [{name: getattr(r, name) for name in EDITABLE_FIELDS} for r in result.created] == [
        {name: getattr(r, name) for name in EDITABLE_FIELDS} for r in originals
    ]


# --- the import and the sandbox's dynamic registration accept the same documents ---------------


def _example_document(**changes: Any) -> dict[str, Any]:
    document = registration_to_client_metadata(Registration(**registration_data()))
    document.update(changes)
    return {key: value for key, value in document.items() if value is not ...}


def _import_accepts(document: dict[str, Any]) -> bool:
    return importing.check_entries([document])[0].is_valid


def _dynamic_registration_accepts(document: dict[str, Any]) -> bool:
    try:
        sandbox_client_metadata_validate(document)
    except SandboxRegistrationError:
        return False
    return True


BOTH_DECIDE_ALIKE = [
    pytest.param({}, id="example"),
    pytest.param({"application_type": "native", "redirect_uris": ["com.example.app:/cb"]}, id="native"),
    pytest.param({"subject_type_preference": "company", "pkce_supported": False}, id="extensions"),
    pytest.param({"grant_types": ["refresh_token", "authorization_code"]}, id="grant-types-any-order"),
    pytest.param({"grant_types": ...}, id="grant-types-left-out"),
    pytest.param({"client_uri": ...}, id="required-left-out"),
    pytest.param({"client_name": 42}, id="name-not-a-string"),
    pytest.param({"contacts": "a@client.example"}, id="contacts-not-a-list"),
    pytest.param({"contacts": ["not an email"]}, id="bad-contact"),
    pytest.param({"redirect_uris": ["http://client.example/cb"]}, id="http-redirect"),
    pytest.param({"redirect_uris": ["https://*.client.example/cb"]}, id="wildcard-redirect"),
    pytest.param({"scope": ""}, id="empty-scope"),
    pytest.param({"scope": ["users:read"]}, id="scope-as-list"),
    pytest.param({"environment": "prod"}, id="unknown-environment"),
    pytest.param({"environment": ""}, id="empty-environment"),
    pytest.param({"logo_uri": None}, id="null-optional"),
    pytest.param({"client_name": "Example\x00Client"}, id="nul-in-a-value"),
    pytest.param({"contacts": ["a\ud800@client.example"]}, id="surrogate-in-a-list"),
    pytest.param({"scope": "users:read {{clientSecret}}"}, id="template-syntax-scope"),
    pytest.param({"scope": "openid"}, id="scope-not-in-pleos-form"),
    pytest.param({"pkce_supported": "true"}, id="pkce-not-boolean"),
    pytest.param({"grant_types": ["implicit"]}, id="implicit-grant"),
    pytest.param({"grant_types": ["refresh_token"]}, id="refresh-token-alone"),
    pytest.param({"response_types": ["token"]}, id="token-response"),
    pytest.param({"token_endpoint_auth_method": "none"}, id="public-client"),
    pytest.param(
        {"environment": "production", "redirect_uris": ["http://127.0.0.1/cb"]}, id="loopback-in-production"
    ),
]


@pytest.mark.parametrize("changes", BOTH_DECIDE_ALIKE)
def test_import_and_dynamic_registration_decide_alike(changes: dict[str, Any]) -> None:
    document = _example_document(**changes)
    assert _dynamic_registration_accepts(document) == _import_accepts(document)


@pytest.mark.parametrize(
    "changes", list(DYNAMIC_REGISTRATION_ALLOWANCES.values()), ids=list(DYNAMIC_REGISTRATION_ALLOWANCES)
)
def test_dynamic_registration_accepts_what_the_import_deliberately_refuses(changes: dict[str, Any]) -> None:
    document = _example_document(**changes)
    assert (_dynamic_registration_accepts(document), _import_accepts(document)) == (True, False)


# --- Markdown: a value is text, never syntax -------------------------------------------------------

MARKDOWN_INJECTIONS = [
    pytest.param("[x](javascript:alert(1))", id="link"),
    pytest.param("![x](https://evil.example/pixel.png)", id="image"),
    pytest.param("*bold* and _em_ and ~~gone~~", id="emphasis"),
    pytest.param("`code`", id="code"),
    pytest.param("<b>Co</b> &amp; Co", id="html-and-entity"),
    pytest.param("Pipe | cell", id="table-pipe"),
    pytest.param("back\\slash \\[x\\](y)", id="escaped-escape"),
]


@pytest.mark.parametrize("name", MARKDOWN_INJECTIONS)
def test_markdown_shows_every_value_as_literal_text(name: str) -> None:
    registration = make_registration(client_name=name)

    rendered = (
        MarkdownIt("commonmark").enable("table").render(submission_form.registration_markdown(registration))
    )

    shown = html.escape(name, quote=False).replace('"', "&quot;")
    assert f"<td>{shown}</td>" in rendered
    assert not any(tag in rendered for tag in ("<a ", "<img", "<em>", "<strong>", "<code>", "<s>", "<b>"))
