"""Every export format of a registration, as functions of the data (no requests, no output).

Modules:
- registry.py:        EXPORT_FORMATS, the one table of formats (renderer, content type, file
                      suffix, final or data export, streaming for many, reading back)
- common.py:          the refusals (values no export may carry, final exports of an invalid
                      registration), and how streams read rows
- submission_form.py: Pleo's form as Parameter | Value rows, as HTML or Markdown (final exports)
- json_document.py:   RFC 7591 client metadata, one document or a streamed array
- csv_table.py:       CSV, one row per registration, streamed, and read back
- postman.py:         the Postman collection (requests from the operation catalog) and environment

Every export refuses (`ExportRefused`) a registration holding a value no file may
carry: text that cannot be stored, or a scope token every environment refuses
(template syntax Postman would resolve). "Final" exports (the submission form, which
goes to Pleo) are refused for a registration that does not validate:
`FinalExportRefused` carries the errors. Data exports (JSON, CSV, Postman) are
written for any other registration, so an operator can get the data out; importing
it validates again.

No export carries a client secret unless the caller passes one, and the only way to
obtain it is the credential service's `credential_secret_disclose_for_export`, which
checks the reveal permission and writes an audit record.
"""

from __future__ import annotations

from .common import (
    NOT_FINAL,
    ExportRefused,
    FinalExportRefused,
    check_exportable,
    check_final,
    validation_problems,
)
from .json_document import render_json
from .postman import export_credential, export_server, postman_environment
from .registry import EXPORT_FORMATS, POSTMAN_ENVIRONMENT, ExportFormat, attachment_name
from .submission_form import submission_form_context

__all__ = [
    "EXPORT_FORMATS",
    "NOT_FINAL",
    "POSTMAN_ENVIRONMENT",
    "ExportFormat",
    "ExportRefused",
    "FinalExportRefused",
    "attachment_name",
    "check_exportable",
    "check_final",
    "export_credential",
    "export_server",
    "postman_environment",
    "render_json",
    "submission_form_context",
    "validation_problems",
]
