"""The one table of export formats: `EXPORT_FORMATS`, which the admin's pages and actions,
`export_registration` and the export benchmark all use."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet

from ..importing import parse_documents
from ..models import Registration
from .csv_table import CSV_TYPE, one_row_csv, read_csv, stream_csv
from .json_document import JSON_TYPE, client_metadata_json, render_json, stream_json_array
from .postman import export_credential, postman_collection, postman_environment
from .submission_form import (
    HTML_TYPE,
    MARKDOWN_TYPE,
    PLAIN_TYPE,
    registration_markdown,
    render_submission_form,
)


@dataclass(frozen=True)
class ExportFormat:
    key: str  # the command's --format, the admin URL's last segment
    render: Callable[[Registration], str]  # one registration
    content_type: str
    suffix: str  # a download's file name: registration-<id>-<suffix>
    # Final exports go to Pleo: refused (FinalExportRefused) for a registration that
    # does not validate. Data exports are written for any registration that holds no
    # value an export may not carry (ExportRefused, as every format).
    final: bool
    inline_content_type: str | None = None  # shown in the browser unless a download is asked for
    stream: Callable[[QuerySet[Registration]], Iterator[str]] | None = None  # many registrations
    stream_description: str = ""  # the admin action that exports the selected registrations
    # Formats that can be read back: the text as RFC 7591 documents, for the import.
    read: Callable[[str], list[Any]] | None = None

    @property
    def url_name(self) -> str:
        return "export_" + self.key.replace("-", "_")


def attachment_name(registration: Registration, suffix: str) -> str:
    """A file name for a download: registration-<id>-<suffix> (ASCII only)."""
    return f"registration-{registration.pk}-{suffix}"


def _postman_collection_json(registration: Registration) -> str:
    return render_json(postman_collection(registration, export_credential(registration)))


def _postman_environment_json(registration: Registration) -> str:
    """Without the secret (with it: the credential service's audited disclosure, then
    postman_environment)."""
    return render_json(postman_environment(registration, export_credential(registration)))


EXPORT_FORMATS: dict[str, ExportFormat] = {
    fmt.key: fmt
    for fmt in (
        ExportFormat(
            "json",
            client_metadata_json,
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
            one_row_csv,
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
