"""CSV: one row per registration, the RFC 7591 document's keys as columns, then what only
the portal knows (status and times). Streamed for many registrations; read back by the import.

Lists are joined with a newline (one value per line in a spreadsheet cell); `scope`
keeps RFC 6749's single-space syntax. Neither character can occur in a valid URI,
email address or scope token, so splitting gives the list back.

Spreadsheets run a cell that starts with one of CSV_FORMULA_STARTS as a formula (CSV
injection, OWASP): such a cell gets a leading apostrophe, which spreadsheets hide and
`csv_row_to_metadata` removes again. A client name is free text, and an email address
may start with "=" or "+".
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from django.db.models import QuerySet

from ..fields import FIELDS, Kind
from ..metadata import DOCUMENT_KEYS, registration_to_client_metadata
from ..models import Registration
from .common import CHUNK_SIZE, check_all_exportable, check_exportable, in_stream_order

CSV_TYPE = "text/csv; charset=utf-8"
CSV_LIST_SEPARATOR = "\n"
CSV_LIST_KEYS = (*(spec.name for spec in FIELDS if spec.is_list), "grant_types", "response_types")
CSV_BOOLEAN_KEYS = tuple(spec.name for spec in FIELDS if spec.kind == Kind.BOOLEAN)
CSV_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CSV_FORMULA_GUARD = "'"
# The JSON document's keys in its order, then what only the portal knows.
CSV_METADATA_COLUMNS = DOCUMENT_KEYS
# Keys the export leaves out when empty (an empty cell means the key is absent).
CSV_OMITTED_WHEN_EMPTY = frozenset(spec.name for spec in FIELDS if not spec.required and spec.default == "")
CSV_PORTAL_COLUMNS = ("id", "status", "submitted_at", "created_at", "updated_at")
CSV_COLUMNS = ("id", *CSV_METADATA_COLUMNS, *CSV_PORTAL_COLUMNS[1:])


class _Echo:
    """A write-only file for csv.writer: hands each formatted line back."""

    def write(self, value: str) -> str:
        return value


def _csv_timestamp(value: datetime | None) -> str:
    return value.astimezone(UTC).isoformat() if value else ""


def _spreadsheet_safe(cell: str) -> str:
    return CSV_FORMULA_GUARD + cell if cell.startswith(CSV_FORMULA_STARTS) else cell


def _spreadsheet_value(cell: str) -> str:
    guarded = cell.startswith(CSV_FORMULA_GUARD) and cell[1:].startswith(CSV_FORMULA_STARTS)
    return cell[1:] if guarded else cell


def csv_row(registration: Registration) -> list[str]:
    document = registration_to_client_metadata(registration)
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


def stream_csv(queryset: QuerySet[Registration], *, chunk_size: int = CHUNK_SIZE) -> Iterator[str]:
    """A header row, then one RFC 4180 row per registration (quoted as needed, CRLF).
    ExportRefused, before the header, when a registration may not be exported."""
    check_all_exportable(queryset)
    return _csv_lines(queryset, chunk_size)


def _csv_lines(queryset: QuerySet[Registration], chunk_size: int) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield writer.writerow(CSV_COLUMNS)
    for registration in in_stream_order(queryset).iterator(chunk_size=chunk_size):
        yield writer.writerow(csv_row(registration))


def one_row_csv(registration: Registration) -> str:
    check_exportable(registration)
    return "".join(_csv_lines(Registration.objects.filter(pk=registration.pk), CHUNK_SIZE))


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
