"""Every export format of a registration, as functions of the data (no requests, no output).

Formats:
- the submission form (groups of Parameter | Value rows mirroring Pleo's form), rendered
  as HTML (`render_submission_form`) or Markdown (`registration_markdown`);
- RFC 7591 JSON: `metadata.registration_to_client_metadata`, one document
  (`render_json`) or a streamed array of them (`stream_json_array`);
- CSV, streamed (`stream_csv`), one row per registration;
- Postman Collection v2.1 and a matching Postman environment.

"Final" exports (the submission form in HTML or Markdown, which goes to Pleo) are
refused for a registration that does not validate: `FinalExportRefused` carries
the errors. Data exports (JSON, CSV, Postman) are allowed for any registration,
so an operator can always get the data out; importing it validates again.

`EXPORT_FORMATS` is the one table of formats (renderer, content type, file
suffix, final or data export, streaming for many registrations) that the admin,
`export_registration` and the benchmark use.

No export carries a client secret unless the caller passes one, and the only
way to obtain it is the credential service's `credential_secret_disclose_for_export`,
which checks the reveal permission and writes an audit record.
"""

from __future__ import annotations

import csv
import io
import json
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.contrib.staticfiles import finders
from django.db.models import QuerySet
from django.template.loader import render_to_string
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from core import servers

from . import metadata, postman
from .fields import FIELDS, Kind, RegistrationField, form_fields, form_groups
from .importing import parse_documents
from .models import (
    Credential,
    CredentialStatus,
    Environment,
    Registration,
    RegistrationStatus,
    TokenEndpointAuthMethod,
)
from .readiness import readiness_report
from .selectors import registration_validation_report
from .validators import ValidationReport

# --- constants -------------------------------------------------------------------

# Rows fetched per database round trip while streaming; bounds memory, not output.
CHUNK_SIZE = 500

POSTMAN_WEB_CALLBACK = "https://oauth.pstmn.io/v1/browser-callback"
POSTMAN_DESKTOP_CALLBACK = "https://oauth.pstmn.io/v1/callback"
POSTMAN_COLLECTION_SCHEMA = "https://schema.getpostman.com/json/collection/v2.1.0/collection.json"
POSTMAN_EXPORTED_USING = "Partner Registration Portal"

# CSV: lists are joined with a newline (one value per line in a spreadsheet cell);
# `scope` keeps RFC 6749's single-space syntax. Neither character can occur in a
# valid URI, email address or scope token, so splitting gives the list back.
CSV_LIST_SEPARATOR = "\n"
CSV_LIST_KEYS = (*(spec.name for spec in FIELDS if spec.is_list), "grant_types", "response_types")
CSV_BOOLEAN_KEYS = tuple(spec.name for spec in FIELDS if spec.kind == Kind.BOOLEAN)
# Spreadsheets run a cell that starts with one of these as a formula (CSV
# injection, OWASP): such a cell gets a leading apostrophe, which spreadsheets
# hide and csv_row_to_metadata removes again. A client name is free text, and an
# email address may start with "=" or "+".
CSV_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CSV_FORMULA_GUARD = "'"
# The JSON document's keys in its order, then what only the portal knows.
CSV_METADATA_COLUMNS = metadata.DOCUMENT_KEYS
# Keys the export leaves out when empty (an empty cell means the key is absent).
CSV_OMITTED_WHEN_EMPTY = frozenset(spec.name for spec in FIELDS if not spec.required and spec.default == "")
CSV_PORTAL_COLUMNS = ("id", "status", "submitted_at", "created_at", "updated_at")
CSV_COLUMNS = ("id", *CSV_METADATA_COLUMNS, *CSV_PORTAL_COLUMNS[1:])

NOT_FINAL = "This registration does not validate, so it cannot be exported as final. Fix these first:"
JSON_TYPE = "application/json"
MARKDOWN_TYPE = "text/markdown; charset=utf-8"
PLAIN_TYPE = "text/plain; charset=utf-8"
HTML_TYPE = "text/html; charset=utf-8"
CSV_TYPE = "text/csv; charset=utf-8"


class FinalExportRefused(Exception):
    """The registration does not validate: the submission form cannot be exported."""

    def __init__(self, report: ValidationReport, problems: list[tuple[str, str]]) -> None:
        super().__init__(NOT_FINAL)
        self.report = report
        self.problems = problems


# --- the submission form ---------------------------------------------------------


@dataclass(frozen=True)
class FormRow:
    key: str  # the model field; also the HTML id of its value
    parameter: str  # Pleo's label
    values: tuple[str, ...]  # one per line; empty when the optional field is blank

    @property
    def text(self) -> str:
        return "\n".join(self.values)


@dataclass(frozen=True)
class FormGroup:
    title: str
    rows: tuple[FormRow, ...]


FIELD_LABELS: dict[str, str] = {spec.name: spec.label for spec in form_fields()}


def _form_values(registration: Registration, spec: RegistrationField) -> tuple[str, ...]:
    value = getattr(registration, spec.name)
    if spec.is_list:
        return tuple(str(item) for item in value or [])
    if spec.kind == Kind.BOOLEAN:
        return (spec.boolean_labels[0 if value else 1],)
    if spec.kind == Kind.CHOICE and spec.choices is not None:
        return (str(dict(spec.choices.choices).get(value, value)),)
    if value:
        # The scope too: one value in RFC 6749 syntax, as Pleo's form shows it and expects it pasted.
        return (str(value),)
    return (spec.shown_when_empty,) if spec.shown_when_empty else ()


def submission_form(registration: Registration) -> list[FormGroup]:
    """The rows of Pleo's registration form, every field, multi-values one per entry."""
    return [
        FormGroup(
            title=str(group),
            rows=tuple(FormRow(spec.name, spec.label, _form_values(registration, spec)) for spec in fields),
        )
        for group, fields in form_groups()
    ]


def validation_problems(report: ValidationReport) -> list[tuple[str, str]]:
    """(Parameter label, message) for every error, in the order of the form."""
    order = list(FIELD_LABELS)
    keys = sorted(report.errors, key=lambda k: order.index(k) if k in order else len(order))
    return [(FIELD_LABELS.get(key, key), message) for key in keys for message in report.errors[key]]


def check_final(registration: Registration) -> ValidationReport:
    """The validation report, or FinalExportRefused when it has errors."""
    report = registration_validation_report(registration)
    if not report.is_valid:
        raise FinalExportRefused(report, validation_problems(report))
    return report


# Characters that start Markdown syntax inside a line: emphasis, code, links and
# images (brackets), strikethrough, table cells (pipes), and the escape itself.
_MARKDOWN_ESCAPED = frozenset("\\`*_[]~|")
# HTML and entities (`<` starts a tag or an autolink, `&` an entity) become entities.
_MARKDOWN_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}


def markdown_text(value: str) -> str:
    """A value as literal Markdown text: no link, emphasis, HTML or table syntax in it
    takes effect (a client name `[x](javascript:…)` stays text). The separator between
    values is <br>, which the export writes itself."""
    return "".join(
        _MARKDOWN_ENTITIES.get(ch) or (f"\\{ch}" if ch in _MARKDOWN_ESCAPED else ch) for ch in value
    )


def registration_markdown(registration: Registration) -> str:
    """The submission form as Markdown tables, one per group (raises FinalExportRefused)."""
    check_final(registration)
    lines = [
        f"# Developer Partner Registration: {markdown_text(registration.client_name)}",
        "",
        f"Environment: {registration.get_environment_display()} · "
        f"Status: {registration.get_status_display()}",
    ]
    for group in submission_form(registration):
        lines += ["", f"## {group.title}", "", "| Parameter | Value |", "|---|---|"]
        for row in group.rows:
            lines.append(f"| {row.parameter} | {'<br>'.join(markdown_text(v) for v in row.values)} |")
    return "\n".join(lines) + "\n"


def _static_text(path: str) -> str:
    found = finders.find(path)
    if not found or isinstance(found, list):
        raise LookupError(f"Static file {path!r} not found")
    with open(found, encoding="utf-8") as handle:
        return handle.read()


def submission_form_context(registration: Registration, report: ValidationReport) -> dict[str, Any]:
    return {
        "registration": registration,
        "groups": submission_form(registration),
        "warnings": [
            (FIELD_LABELS.get(key, key), message)
            for key, messages in report.warnings.items()
            for message in messages
        ],
        "is_draft": registration.status == RegistrationStatus.DRAFT,
        # A production registration's form carries its readiness report.
        "readiness": readiness_report(registration)
        if registration.environment == Environment.PRODUCTION
        else None,
    }


def render_submission_form(registration: Registration) -> str:
    """The printable form as one self-contained HTML file (styles and script inlined),
    for the command line; the admin page renders the same rows inside the portal."""
    report = check_final(registration)
    context = submission_form_context(registration, report)
    styles = ["portal/portal.css", "registrations/exports.css"]
    if context["readiness"] is not None:
        styles.append("registrations/readiness.css")
    context["inline_css"] = "".join(_static_text(name) for name in styles)
    context["inline_js"] = _static_text("portal/portal.js")
    return render_to_string("registrations/submission_form_standalone.html", context)


# --- JSON ------------------------------------------------------------------------


def render_json(document: Any) -> str:
    """The text `export_registration --format json` prints (and the JSON download)."""
    return json.dumps(document, indent=2) + "\n"


def _ordered(queryset: QuerySet[Registration]) -> QuerySet[Registration]:
    # Primary-key order: stable output and an index walk for the server-side cursor.
    return queryset.order_by("pk")


def stream_json_array(queryset: QuerySet[Registration], *, chunk_size: int = CHUNK_SIZE) -> Iterator[str]:
    """One JSON array of client metadata documents (what `import_registration` reads),
    text-identical to json.dumps(list, indent=2) + newline, one document per chunk."""
    first = True
    for registration in _ordered(queryset).iterator(chunk_size=chunk_size):
        body = json.dumps(metadata.registration_to_client_metadata(registration), indent=2)
        yield ("[\n  " if first else ",\n  ") + body.replace("\n", "\n  ")
        first = False
    yield "[]\n" if first else "\n]\n"


# --- CSV -------------------------------------------------------------------------


class _Echo:
    """A write-only file for csv.writer: hands each formatted line back."""

    def write(self, value: str) -> str:
        return value


def _csv_timestamp(value: datetime | None) -> str:
    return value.astimezone(UTC).isoformat() if value else ""


def csv_row(registration: Registration) -> list[str]:
    document = metadata.registration_to_client_metadata(registration)
    cells: dict[str, str] = {}
    for key in CSV_METADATA_COLUMNS:
        value = document.get(key, "")
        if key in CSV_LIST_KEYS:
            value = CSV_LIST_SEPARATOR.join(value)
        elif key in CSV_BOOLEAN_KEYS:
            value = "true" if value else "false"
        cells[key] = str(value)
    cells.update(
        {
            "id": str(registration.pk),
            "status": registration.status,
            "submitted_at": _csv_timestamp(registration.submitted_at),
            "created_at": _csv_timestamp(registration.created_at),
            "updated_at": _csv_timestamp(registration.updated_at),
        }
    )
    return [_spreadsheet_safe(cells[column]) for column in CSV_COLUMNS]


def _spreadsheet_safe(cell: str) -> str:
    return CSV_FORMULA_GUARD + cell if cell.startswith(CSV_FORMULA_STARTS) else cell


def _spreadsheet_value(cell: str) -> str:
    guarded = cell.startswith(CSV_FORMULA_GUARD) and cell[1:].startswith(CSV_FORMULA_STARTS)
    return cell[1:] if guarded else cell


def stream_csv(queryset: QuerySet[Registration], *, chunk_size: int = CHUNK_SIZE) -> Iterator[str]:
    """A header row, then one RFC 4180 row per registration (quoted as needed, CRLF)."""
    writer = csv.writer(_Echo())
    yield writer.writerow(CSV_COLUMNS)
    for registration in _ordered(queryset).iterator(chunk_size=chunk_size):
        yield writer.writerow(csv_row(registration))


def csv_row_to_metadata(row: dict[str, str]) -> dict[str, Any]:
    """The inverse of the metadata part of a CSV row: the JSON document again
    (empty optional keys omitted, as in the export)."""
    document: dict[str, Any] = {}
    for key in CSV_METADATA_COLUMNS:
        value = _spreadsheet_value(row[key])
        if key in CSV_LIST_KEYS:
            document[key] = value.split(CSV_LIST_SEPARATOR) if value else []
        elif key in CSV_BOOLEAN_KEYS:
            document[key] = value == "true"
        elif value or key not in CSV_OMITTED_WHEN_EMPTY:
            document[key] = value
    return document


def read_csv(text: str) -> list[dict[str, Any]]:
    """The client metadata documents of a CSV export, one per row."""
    return [csv_row_to_metadata(row) for row in csv.DictReader(io.StringIO(text, newline=""))]


# --- Postman -----------------------------------------------------------------------


def export_credential(registration: Registration) -> Credential | None:
    """The active credential a Postman export is for: the one issued by the server of
    the registration's environment if there is one, else the newest active one."""
    preferred = registration.pleo_server
    active = list(
        registration.credentials.filter(status=CredentialStatus.ACTIVE).order_by("-recorded_at", "-id")
    )
    for credential in active:
        if credential.server == preferred:
            return credential
    return active[0] if active else None


def export_server(registration: Registration, credential: Credential | None) -> servers.ServerEndpoints:
    """The credential's server; without one, Pleo's server for the registration's environment."""
    return servers.server_endpoints(credential.server if credential is not None else registration.pleo_server)


def postman_redirect_uri(registration: Registration) -> str:
    """Postman's web callback if registered, else its desktop callback, else the first URI."""
    uris = list(registration.redirect_uris or [])
    for candidate in (POSTMAN_WEB_CALLBACK, POSTMAN_DESKTOP_CALLBACK):
        if candidate in uris:
            return candidate
    return uris[0] if uris else ""


def _oauth2_entry(key: str, value: Any) -> dict[str, Any]:
    return {"key": key, "value": value, "type": "boolean" if isinstance(value, bool) else "string"}


def postman_collection(registration: Registration, credential: Credential | None = None) -> dict[str, Any]:
    """A Postman Collection v2.1 whose collection-level auth is OAuth 2.0 with PKCE for
    this client. Every server-specific value is a variable, so one collection serves
    staging, production and the sandbox through its environment file."""
    redirect_uri = postman_redirect_uri(registration)
    client_authentication = (
        "body"
        if credential is not None
        and credential.token_endpoint_auth_method == TokenEndpointAuthMethod.CLIENT_SECRET_POST
        else "header"
    )
    oauth2 = [
        ("grant_type", "authorization_code_with_pkce"),
        ("challengeAlgorithm", "S256"),
        ("client_authentication", client_authentication),
        # "Authorize using browser" makes Postman use its web callback whatever the
        # field says, so it is only on when that callback is the registered one.
        ("useBrowser", redirect_uri == POSTMAN_WEB_CALLBACK),
        ("redirect_uri", redirect_uri),
        ("authUrl", "{{authServerUrl}}" + servers.AUTHORIZE_PATH),
        ("accessTokenUrl", "{{authServerUrl}}" + servers.TOKEN_PATH),
        ("clientId", "{{clientId}}"),
        ("clientSecret", "{{clientSecret}}"),
        ("scope", "{{scopes}}"),
        ("addTokenTo", "header"),
        ("headerPrefix", "Bearer"),
        ("tokenName", f"{registration.client_name} token"),
    ]
    return {
        "info": {
            "name": f"{registration.client_name} (Pleo API)",
            "description": (
                f"OAuth 2.0 authorization code with PKCE (S256) for {registration.client_name}. "
                "Select the matching environment file (authServerUrl, apiBaseUrl, clientId, "
                "clientSecret, scopes), then Authorization > Get New Access Token. "
                "In CI, newman sends the accessToken variable as the bearer token instead."
            ),
            "schema": POSTMAN_COLLECTION_SCHEMA,
        },
        "auth": {"type": "oauth2", "oauth2": [_oauth2_entry(key, value) for key, value in oauth2]},
        "event": postman.collection_events(),
        "variable": postman.collection_variables(registration.scope),
        "item": postman.collection_items(registration.scope),
    }


@sensitive_variables("client_secret", "values")
def postman_environment(
    registration: Registration,
    credential: Credential | None = None,
    *,
    client_secret: str = "",
    exported_at: datetime | None = None,
) -> dict[str, Any]:
    """The Postman environment for `postman_collection`. The secret is empty unless the
    caller passes one obtained from `credential_secret_disclose_for_export`."""
    server = export_server(registration, credential)
    values = [
        ("authServerUrl", server.auth_base_url, "default"),
        ("apiBaseUrl", server.api_base_url, "default"),
        ("clientId", credential.client_id if credential else "", "default"),
        ("clientSecret", client_secret, "secret"),
        ("scopes", registration.scope, "default"),
    ]
    # Stable per registration and server, so a re-import updates the same environment.
    environment_id = uuid.uuid5(uuid.NAMESPACE_URL, f"portal:registration:{registration.pk}:{server.key}")
    return {
        "id": str(environment_id),
        "name": f"{registration.client_name} ({server.label})",
        "values": [
            {"key": key, "value": value, "type": kind, "enabled": True} for key, value, kind in values
        ],
        "_postman_variable_scope": "environment",
        "_postman_exported_at": (exported_at or timezone.now()).astimezone(UTC).isoformat(),
        "_postman_exported_using": POSTMAN_EXPORTED_USING,
    }


def attachment_name(registration: Registration, suffix: str) -> str:
    """A file name for a download: registration-<id>-<suffix> (ASCII only)."""
    return f"registration-{registration.pk}-{suffix}"


# --- the formats -------------------------------------------------------------------


def _client_metadata_json(registration: Registration) -> str:
    return render_json(metadata.registration_to_client_metadata(registration))


def _one_row_csv(registration: Registration) -> str:
    return "".join(stream_csv(Registration.objects.filter(pk=registration.pk)))


def _postman_collection_json(registration: Registration) -> str:
    return render_json(postman_collection(registration, export_credential(registration)))


def _postman_environment_json(registration: Registration) -> str:
    """Without the secret (with it: the credential service's audited disclosure, then
    postman_environment)."""
    return render_json(postman_environment(registration, export_credential(registration)))


@dataclass(frozen=True)
class ExportFormat:
    key: str  # the command's --format, the admin URL's last segment
    render: Callable[[Registration], str]  # one registration
    content_type: str
    suffix: str  # a download's file name: registration-<id>-<suffix>
    # Final exports go to Pleo: refused (FinalExportRefused) for a registration that
    # does not validate. Data exports are written for any registration.
    final: bool
    inline_content_type: str | None = None  # shown in the browser unless a download is asked for
    stream: Callable[[QuerySet[Registration]], Iterator[str]] | None = None  # many registrations
    stream_description: str = ""  # the admin action that exports the selected registrations
    # Formats that can be read back: the text as RFC 7591 documents, for the import.
    read: Callable[[str], list[Any]] | None = None

    @property
    def url_name(self) -> str:
        return "export_" + self.key.replace("-", "_")


EXPORT_FORMATS: dict[str, ExportFormat] = {
    fmt.key: fmt
    for fmt in (
        ExportFormat(
            "json",
            _client_metadata_json,
            JSON_TYPE,
            "client-metadata.json",
            final=False,
            stream=stream_json_array,
            stream_description="Export selected as one JSON array (import_registration reads it)",
            read=parse_documents,
        ),
        # Browsers download text/markdown; text/plain shows it for copying.
        ExportFormat(
            "markdown",
            registration_markdown,
            MARKDOWN_TYPE,
            "form.md",
            final=True,
            inline_content_type=PLAIN_TYPE,
        ),
        ExportFormat("html", render_submission_form, HTML_TYPE, "form.html", final=True),
        ExportFormat(
            "csv",
            _one_row_csv,
            CSV_TYPE,
            "registration.csv",
            final=False,
            stream=stream_csv,
            stream_description="Export selected as CSV",
            read=read_csv,
        ),
        ExportFormat(
            "postman-collection", _postman_collection_json, JSON_TYPE, "postman-collection.json", final=False
        ),
        ExportFormat(
            "postman-environment",
            _postman_environment_json,
            JSON_TYPE,
            "postman-environment.json",
            final=False,
        ),
    )
}
POSTMAN_ENVIRONMENT = EXPORT_FORMATS["postman-environment"]
