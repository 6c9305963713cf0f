"""The submission form: Pleo's form as groups of Parameter | Value rows, rendered as HTML
(the printable page, `render_submission_form`) or Markdown (`registration_markdown`).

Both are final exports: refused (FinalExportRefused) for a registration that does not
validate, since what they hold is sent to Pleo.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.staticfiles import finders
from django.template.loader import render_to_string

from ..fields import Kind, RegistrationField, form_groups
from ..models import Environment, Registration, RegistrationStatus
from ..readiness import readiness_report
from ..validators import ValidationReport
from .common import FIELD_LABELS, check_final

MARKDOWN_TYPE = "text/markdown; charset=utf-8"
PLAIN_TYPE = "text/plain; charset=utf-8"
HTML_TYPE = "text/html; charset=utf-8"

# Characters that start Markdown syntax inside a line: emphasis, code, links and
# images (brackets), strikethrough, table cells (pipes), and the escape itself.
_MARKDOWN_ESCAPED = frozenset("\\`*_[]~|")
# HTML and entities (`<` starts a tag or an autolink, `&` an entity) become entities.
_MARKDOWN_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}


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
