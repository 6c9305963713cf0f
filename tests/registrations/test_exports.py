"""The export formats as pure functions (registrations.exports)."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime

import pytest
from django.core.exceptions import PermissionDenied

from registrations import exports
from registrations.exports import csv_table, json_document, postman, submission_form
from registrations.metadata import registration_to_client_metadata
from registrations.models import (
    CredentialServer,
    Registration,
    SecretDisclosure,
    TokenEndpointAuthMethod,
)
from registrations.services.credential import credential_secret_disclose_for_export
from registrations.validators import REDIRECT_URI_FRAGMENT
from tests.factories import make_registration, registration_data

from .exports_support import (
    PLEO_CLIENT_ID,
    PLEO_CLIENT_SECRET,
    invalid_registration,
    record_credential,
    user_with_perms,
)
from .golden import assert_golden

pytestmark = pytest.mark.django_db

EXPORTED_AT = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)


@pytest.fixture
def example_with_credential(example_registration: Registration) -> Registration:
    record_credential(example_registration)
    example_registration.refresh_from_db()
    return example_registration


def _oauth2(collection: dict) -> dict:
    return {entry["key"]: entry["value"] for entry in collection["auth"]["oauth2"]}


def _variables(environment: dict) -> dict:
    return {entry["key"]: entry for entry in environment["values"]}


def _every_export(registration: Registration) -> list[str]:
    credential = postman.export_credential(registration)
    queryset = Registration.objects.filter(pk=registration.pk)
    return [
        json_document.render_json(registration_to_client_metadata(registration)),
        submission_form.registration_markdown(registration),
        submission_form.render_submission_form(registration),
        "".join(csv_table.stream_csv(queryset)),
        "".join(json_document.stream_json_array(queryset)),
        json.dumps(postman.postman_collection(registration, credential)),
        json.dumps(postman.postman_environment(registration, credential)),
    ]


# --- golden files ------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["json", "markdown", "html", "csv"])
def test_registration_golden(example_registration, fmt):
    assert_golden(fmt, exports.EXPORT_FORMATS[fmt].render(example_registration))


def test_postman_collection_golden(example_with_credential):
    credential = postman.export_credential(example_with_credential)
    assert_golden(
        "postman-collection",
        json_document.render_json(postman.postman_collection(example_with_credential, credential)),
    )


def test_postman_environment_golden(example_with_credential):
    credential = postman.export_credential(example_with_credential)
    document = postman.postman_environment(example_with_credential, credential, exported_at=EXPORTED_AT)
    assert_golden("postman-environment", json_document.render_json(document))


# --- the submission form -----------------------------------------------------------


def test_submission_form_has_a_row_for_every_field_of_pleos_form(example_registration):
    parameters = [
        row.parameter for group in submission_form.submission_form(example_registration) for row in group.rows
    ]
    assert parameters == [
        "Client Name",
        "Client URI",
        "Logo",
        "Terms of Service",
        "Privacy Policy",
        "Contacts",
        "Initiation URI",
        "Settings URI",
        "Redirect URIs",
        "Scopes",
        "PKCE Support",
        "Subject Type Preference",
        "Environment",
        "Application Type",
    ]


def test_submission_form_lists_multi_values_one_per_entry():
    registration = make_registration(
        redirect_uris=[postman.POSTMAN_WEB_CALLBACK, postman.POSTMAN_DESKTOP_CALLBACK],
        contacts=["a@client.example", "b@client.example"],
    )
    rows = {row.key: row for group in submission_form.submission_form(registration) for row in group.rows}
    assert rows["redirect_uris"].values == (postman.POSTMAN_WEB_CALLBACK, postman.POSTMAN_DESKTOP_CALLBACK)
    assert rows["contacts"].values == ("a@client.example", "b@client.example")
    assert rows["scope"].values == ("users:read users:write",)  # RFC 6749 syntax, as Pleo shows it


def test_submission_form_shows_pleos_wording_for_pkce_and_subject_type(example_registration):
    rows = {
        row.key: row for group in submission_form.submission_form(example_registration) for row in group.rows
    }
    assert rows["pkce_supported"].values == ("Supported",)
    assert rows["subject_type_preference"].values == ("None",)


def test_markdown_puts_multi_values_on_separate_lines():
    registration = make_registration(
        redirect_uris=[postman.POSTMAN_WEB_CALLBACK, postman.POSTMAN_DESKTOP_CALLBACK]
    )
    markdown = submission_form.registration_markdown(registration)
    assert (
        f"| Redirect URIs | {postman.POSTMAN_WEB_CALLBACK}<br>{postman.POSTMAN_DESKTOP_CALLBACK} |"
        in markdown
    )


def test_markdown_escapes_table_and_html_syntax_in_values():
    registration = make_registration(client_name="Pipe | <b>Co</b>")
    assert "| Client Name | Pipe \\| &lt;b&gt;Co&lt;/b&gt; |" in submission_form.registration_markdown(
        registration
    )


def test_markdown_refuses_an_invalid_registration_with_its_errors():
    registration = invalid_registration()
    with pytest.raises(exports.FinalExportRefused) as refused:
        submission_form.registration_markdown(registration)
    labels = [label for label, _ in refused.value.problems]
    assert labels == ["Client URI", "Redirect URIs"]
    assert any(REDIRECT_URI_FRAGMENT in message for _, message in refused.value.problems)


def test_html_refuses_an_invalid_registration():
    with pytest.raises(exports.FinalExportRefused):
        submission_form.render_submission_form(invalid_registration())


def test_html_is_self_contained(example_registration):
    html = submission_form.render_submission_form(example_registration)
    assert "<link" not in html
    assert "@media print" in html
    assert 'data-copy-target="value-client_uri-1"' in html


# --- JSON array ----------------------------------------------------------------------


def test_json_array_is_the_same_text_as_json_dumps_of_the_list():
    registrations = [make_registration(client_name=f"Client {n}") for n in range(3)]
    documents = [registration_to_client_metadata(r) for r in registrations]
    streamed = "".join(json_document.stream_json_array(Registration.objects.all(), chunk_size=2))
    assert streamed == json.dumps(documents, indent=2) + "\n"


def test_json_array_of_nothing_is_an_empty_array():
    assert "".join(json_document.stream_json_array(Registration.objects.none())) == "[]\n"


# --- CSV -----------------------------------------------------------------------------


def test_csv_header_names_rfc7591_keys_then_portal_keys(example_registration):
    header = next(csv.reader(io.StringIO(next(csv_table.stream_csv(Registration.objects.all())))))
    assert header[:8] == [
        "id",
        "client_name",
        "client_uri",
        "logo_uri",
        "tos_uri",
        "policy_uri",
        "contacts",
        "redirect_uris",
    ]
    assert {
        "scope",
        "grant_types",
        "response_types",
        "token_endpoint_auth_method",
        "application_type",
    } <= set(header)
    assert header[-4:] == ["status", "submitted_at", "created_at", "updated_at"]


def test_csv_joins_lists_with_newlines_and_keeps_scope_space_separated():
    make_registration(redirect_uris=[postman.POSTMAN_WEB_CALLBACK, postman.POSTMAN_DESKTOP_CALLBACK])
    row = next(
        csv.DictReader(io.StringIO("".join(csv_table.stream_csv(Registration.objects.all())), newline=""))
    )
    assert row["redirect_uris"] == f"{postman.POSTMAN_WEB_CALLBACK}\n{postman.POSTMAN_DESKTOP_CALLBACK}"
    assert row["scope"] == "users:read users:write"
    assert row["grant_types"] == "authorization_code\nrefresh_token"


def test_csv_round_trips_commas_quotes_and_newlines():
    # Saved without validation: the validators would reject some of these values.
    awkward = Registration.objects.create(
        client_name='Acme, Inc. "Quoted"\nsecond line',
        client_uri="https://acme.example/?a=1,2",
        tos_uri='https://acme.example/tos?q="x"',
        policy_uri="https://acme.example/privacy\r\nx",
        contacts=["a,b@acme.example", 'quote"d@acme.example'],
        redirect_uris=["https://acme.example/cb?x=1,2", 'https://acme.example/"cb"'],
        scope="users:read",
        subject_type_preference="company",
        logo_uri="https://acme.example/logo,1.png",
    )
    make_registration()
    text = "".join(csv_table.stream_csv(Registration.objects.all()))
    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    assert len(rows) == 2
    assert csv_table.csv_row_to_metadata(rows[0]) == registration_to_client_metadata(awkward)


@pytest.mark.parametrize("start", csv_table.CSV_FORMULA_STARTS)
def test_csv_cells_that_a_spreadsheet_would_run_start_with_an_apostrophe(start):
    # Saved without validation: tab and carriage return are refused in a client name.
    Registration.objects.create(**registration_data(client_name=f'{start}HYPERLINK("https://evil.example")'))
    row = next(
        csv.DictReader(io.StringIO("".join(csv_table.stream_csv(Registration.objects.all())), newline=""))
    )
    assert row["client_name"] == f'\'{start}HYPERLINK("https://evil.example")'


def test_csv_formula_guard_round_trips():
    # Saved without validation: "=" and "+" may start an email address's local part too.
    guarded = Registration.objects.create(
        client_name="=1+1",
        client_uri="https://acme.example/",
        tos_uri="https://acme.example/tos",
        policy_uri="https://acme.example/privacy",
        contacts=["+sales@acme.example", "=ops@acme.example"],
        redirect_uris=["https://acme.example/cb"],
        scope="users:read",
    )
    row = next(
        csv.DictReader(io.StringIO("".join(csv_table.stream_csv(Registration.objects.all())), newline=""))
    )
    assert (row["contacts"].startswith("'+"), csv_table.csv_row_to_metadata(row)) == (
        True,
        registration_to_client_metadata(guarded),
    )


def test_csv_rows_use_crlf_line_endings(example_registration):
    lines = "".join(csv_table.stream_csv(Registration.objects.all())).split("\r\n")
    assert len(lines) == 3  # header, row, and the empty string after the last CRLF


# --- Postman collection ------------------------------------------------------------------


def test_postman_collection_declares_the_v21_schema(example_with_credential):
    collection = postman.postman_collection(example_with_credential)
    assert (
        collection["info"]["schema"] == "https://schema.getpostman.com/json/collection/v2.1.0/collection.json"
    )


def test_postman_collection_auth_is_oauth2_with_pkce_from_variables(example_with_credential):
    collection = postman.postman_collection(
        example_with_credential, postman.export_credential(example_with_credential)
    )
    assert collection["auth"]["type"] == "oauth2"
    assert _oauth2(collection) == {
        "grant_type": "authorization_code_with_pkce",
        "challengeAlgorithm": "S256",
        "client_authentication": "header",
        "useBrowser": True,
        "redirect_uri": postman.POSTMAN_WEB_CALLBACK,
        "authUrl": "{{authServerUrl}}/oauth/authorize",
        "accessTokenUrl": "{{authServerUrl}}/oauth/token",
        "clientId": "{{clientId}}",
        "clientSecret": "{{clientSecret}}",
        "scope": "{{scopes}}",
        "addTokenTo": "header",
        "headerPrefix": "Bearer",
        "tokenName": "Example Client token",
    }


def test_postman_oauth2_entries_are_key_value_type_triples(example_registration):
    for entry in postman.postman_collection(example_registration)["auth"]["oauth2"]:
        assert set(entry) == {"key", "value", "type"}
        assert entry["type"] == ("boolean" if isinstance(entry["value"], bool) else "string")


def test_postman_collection_opens_with_the_read_only_checks_of_the_registrations_scopes(example_registration):
    items = postman.postman_collection(example_registration)["item"]
    assert items[0]["name"] == postman.READ_ONLY_FOLDER
    assert [i["request"]["url"]["raw"] for i in items[0]["item"][:2]] == [
        "{{apiBaseUrl}}/v2/employees",
        "{{apiBaseUrl}}/v1/introspect",
    ]


def test_postman_uses_the_desktop_callback_without_browser_when_only_it_is_registered():
    registration = make_registration(
        redirect_uris=["https://app.example/cb", postman.POSTMAN_DESKTOP_CALLBACK]
    )
    oauth2 = _oauth2(postman.postman_collection(registration))
    assert oauth2["redirect_uri"] == postman.POSTMAN_DESKTOP_CALLBACK
    assert oauth2["useBrowser"] is False


def test_postman_falls_back_to_the_first_redirect_uri():
    registration = make_registration(redirect_uris=["https://app.example/cb", "https://app.example/other"])
    assert _oauth2(postman.postman_collection(registration))["redirect_uri"] == "https://app.example/cb"


def test_postman_sends_credentials_in_the_body_for_client_secret_post(example_registration):
    credential = record_credential(
        example_registration, token_endpoint_auth_method=TokenEndpointAuthMethod.CLIENT_SECRET_POST
    )
    oauth2 = _oauth2(postman.postman_collection(example_registration, credential))
    assert oauth2["client_authentication"] == "body"


# --- Postman environment -------------------------------------------------------------------


def test_postman_environment_variables_and_types(example_with_credential):
    environment = postman.postman_environment(
        example_with_credential, postman.export_credential(example_with_credential)
    )
    assert environment["_postman_variable_scope"] == "environment"
    assert {key: entry["type"] for key, entry in _variables(environment).items()} == {
        "authServerUrl": "default",
        "apiBaseUrl": "default",
        "clientId": "default",
        "clientSecret": "secret",
        "scopes": "default",
    }


def test_postman_environment_points_at_pleo_staging_for_a_staging_credential(example_with_credential):
    variables = _variables(
        postman.postman_environment(
            example_with_credential, postman.export_credential(example_with_credential)
        )
    )
    assert variables["authServerUrl"]["value"] == "https://auth.staging.pleo.io"
    assert variables["apiBaseUrl"]["value"] == "https://external.staging.pleo.io"
    assert variables["clientId"]["value"] == PLEO_CLIENT_ID
    assert variables["scopes"]["value"] == "users:read users:write"


def test_postman_environment_leaves_the_secret_empty(example_with_credential):
    variables = _variables(
        postman.postman_environment(
            example_with_credential, postman.export_credential(example_with_credential)
        )
    )
    assert variables["clientSecret"]["value"] == ""


def test_postman_environment_uses_the_sandbox_for_a_sandbox_credential(example_registration, settings):
    settings.PORTAL_BASE_URL = "http://127.0.0.1:8000"
    credential = record_credential(
        example_registration, server=CredentialServer.SANDBOX, client_id="sandbox-id"
    )
    variables = _variables(postman.postman_environment(example_registration, credential))
    assert variables["authServerUrl"]["value"] == "http://127.0.0.1:8000/sandbox"
    assert variables["apiBaseUrl"]["value"] == "http://127.0.0.1:8000/sandbox/api"


def test_postman_environment_follows_the_registration_environment_without_a_credential():
    registration = make_registration(environment="production")
    variables = _variables(postman.postman_environment(registration, postman.export_credential(registration)))
    assert variables["authServerUrl"]["value"] == "https://auth.pleo.io"
    assert variables["apiBaseUrl"]["value"] == "https://external.pleo.io"
    assert variables["clientId"]["value"] == ""


def test_export_credential_prefers_the_server_of_the_registration_environment(example_registration):
    staging = record_credential(example_registration)
    record_credential(example_registration, server=CredentialServer.SANDBOX, client_id="sandbox-id")
    assert postman.export_credential(example_registration) == staging


def test_export_credential_ignores_superseded_credentials(example_registration):
    record_credential(example_registration, client_id="00000000-0000-4000-8000-000000000001")
    current = record_credential(example_registration, client_id="00000000-0000-4000-8000-000000000002")
    assert postman.export_credential(example_registration) == current


# --- the secret ------------------------------------------------------------------------------


def test_no_export_contains_the_secret_by_default(example_with_credential):
    assert not [text for text in _every_export(example_with_credential) if PLEO_CLIENT_SECRET in text]


def test_disclosing_for_export_needs_the_reveal_permission(example_with_credential):
    user = user_with_perms("view_registration")
    with pytest.raises(PermissionDenied):
        credential_secret_disclose_for_export(
            credential=postman.export_credential(example_with_credential), user=user
        )
    assert not SecretDisclosure.objects.exists()


def test_disclosing_for_export_returns_the_secret_and_audits(example_with_credential):
    user = user_with_perms("reveal_credential_secret")
    credential = postman.export_credential(example_with_credential)
    secret = credential_secret_disclose_for_export(credential=credential, user=user, remote_addr="127.0.0.1")
    assert secret == PLEO_CLIENT_SECRET
    disclosure = SecretDisclosure.objects.get()
    assert (disclosure.credential, disclosure.user, disclosure.kind, disclosure.remote_addr) == (
        credential,
        user,
        SecretDisclosure.Kind.POSTMAN_EXPORT,
        "127.0.0.1",
    )


def test_disclosing_without_a_credential_is_refused(example_registration):
    with pytest.raises(LookupError, match="no active credential"):
        credential_secret_disclose_for_export(
            credential=postman.export_credential(example_registration),
            user=user_with_perms("reveal_credential_secret"),
        )


def test_postman_token_name_never_resolves_a_variable_held_in_the_client_name(example_registration):
    example_registration.client_name = "Client {{clientSecret}} }}{{"
    collection = postman.postman_collection(example_registration)
    assert _oauth2(collection)["tokenName"] == "Client { {clientSecret} } } }{ { token"
