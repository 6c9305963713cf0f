"""What the export formats share: the refusal of a final export, and how streams read rows."""

from __future__ import annotations

from django.db.models import QuerySet

from ..fields import form_fields
from ..models import Registration
from ..selectors import registration_validation_report
from ..validators import ValidationReport

# Rows fetched per database round trip while streaming; bounds memory, not output.
CHUNK_SIZE = 500

NOT_FINAL = "This registration does not validate, so it cannot be exported as final. Fix these first:"

# Pleo's label of each field, the order of the form.
FIELD_LABELS: dict[str, str] = {spec.name: spec.label for spec in form_fields()}


class FinalExportRefused(Exception):
    """The registration does not validate: the submission form cannot be exported."""

    def __init__(self, report: ValidationReport, problems: list[tuple[str, str]]) -> None:
        super().__init__(NOT_FINAL)
        self.report = report
        self.problems = problems


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


def in_stream_order(queryset: QuerySet[Registration]) -> QuerySet[Registration]:
    # Primary-key order: stable output and an index walk for the server-side cursor.
    return queryset.order_by("pk")
