"""What the export formats share: the refusals, and how streams read rows.

Every export refuses a registration holding a value no file may carry, whatever the
format: text that cannot be stored (a row written before that rule, on SQLite), or a
scope token that every environment refuses (template syntax that Postman would replace
with a variable's value, or a character outside a scope token). The registration's page
names what to fix. Final exports (the submission form, which goes to Pleo) are also
refused for a registration that does not validate.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import connections
from django.db.models import QuerySet

from core.text import json_unstorable_reason

from ..fields import Kind, form_fields
from ..models import Registration
from ..selectors import registration_validation_report
from ..validators import SCOPE_PROBLEM_PATTERN, ValidationReport, scope_problems

# Rows fetched per database round trip while streaming; bounds memory, not output.
CHUNK_SIZE = 500

NOT_FINAL = "This registration does not validate, so it cannot be exported as final. Fix these first:"
NOT_EXPORTABLE = "This registration holds values that no export may carry. Fix these first:"
NOT_EXPORTABLE_SELECTED = (
    "Nothing was exported: {count} of the selected registrations hold values that no export may "
    "carry (IDs {ids}). Their export pages name what to fix."
)

# Pleo's label of each field, the order of the form.
FIELD_LABELS: dict[str, str] = {spec.name: spec.label for spec in form_fields()}
EXPORTED_FIELDS = tuple(FIELD_LABELS)


class ExportRefused(Exception):
    """The registration holds what an export may not carry; `problems` are (label, message)."""

    def __init__(self, message: str, problems: list[tuple[str, str]]) -> None:
        super().__init__(message)
        self.message = message
        self.problems = problems


class FinalExportRefused(ExportRefused):
    """The registration does not validate: the submission form cannot be exported."""

    def __init__(self, report: ValidationReport, problems: list[tuple[str, str]]) -> None:
        super().__init__(NOT_FINAL, problems)
        self.report = report


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


def export_problems(values: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(Parameter label, message) for each value of a registration's fields that no export
    may carry (see the module's docstring)."""
    problems: list[tuple[str, str]] = []
    for spec in form_fields():
        value = values.get(spec.name)
        unstorable = json_unstorable_reason(value)
        if unstorable:
            problems.append((spec.label, unstorable))
        elif spec.kind == Kind.SCOPE and isinstance(value, str):
            problems += [(spec.label, problem) for problem in scope_problems(value)]
    return problems


def check_exportable(registration: Registration) -> None:
    """ExportRefused when the registration holds a value no export may carry."""
    problems = export_problems({name: getattr(registration, name) for name in EXPORTED_FIELDS})
    if problems:
        raise ExportRefused(NOT_EXPORTABLE, problems)


def check_all_exportable(queryset: QuerySet[Registration]) -> None:
    """ExportRefused naming the registrations that hold a value no export may carry: a
    stream is checked whole before its first byte, since an answer cannot fail halfway.

    The database finds such scopes itself (a search that sends no rows back). Text that
    cannot be stored is looked for row by row, and only where a row can hold it:
    PostgreSQL refuses a NUL and an unpaired surrogate in text and jsonb alike."""
    suspects = queryset.filter(scope__regex=SCOPE_PROBLEM_PATTERN)
    if connections[queryset.db].vendor != "postgresql":
        suspects = queryset
    refused: list[int] = []
    rows = in_stream_order(suspects).values("pk", *EXPORTED_FIELDS)
    for values in rows.iterator(chunk_size=CHUNK_SIZE):
        if export_problems(values):
            refused.append(values["pk"])
    if refused:
        ids = ", ".join(str(pk) for pk in refused[:10]) + (", …" if len(refused) > 10 else "")
        raise ExportRefused(NOT_EXPORTABLE_SELECTED.format(count=len(refused), ids=ids), [])


def in_stream_order(queryset: QuerySet[Registration]) -> QuerySet[Registration]:
    # Primary-key order: stable output and an index walk for the server-side cursor.
    return queryset.order_by("pk")
