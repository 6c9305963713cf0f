"""RFC 7591 client metadata JSON: one registration's document, or many as one streamed array
(what `import_registration` reads). The document itself is registrations.metadata's."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from django.db.models import QuerySet

from ..metadata import registration_to_client_metadata
from ..models import Registration
from .common import CHUNK_SIZE, check_all_exportable, check_exportable, in_stream_order

JSON_TYPE = "application/json"


def render_json(document: Any) -> str:
    """The text `export_registration --format json` prints (and the JSON download)."""
    return json.dumps(document, indent=2) + "\n"


def client_metadata_json(registration: Registration) -> str:
    check_exportable(registration)
    return render_json(registration_to_client_metadata(registration))


def stream_json_array(queryset: QuerySet[Registration], *, chunk_size: int = CHUNK_SIZE) -> Iterator[str]:
    """One JSON array of client metadata documents (what `import_registration` reads),
    text-identical to json.dumps(list, indent=2) + newline, one document per chunk.
    ExportRefused, before the first chunk, when a registration may not be exported."""
    check_all_exportable(queryset)
    return _json_array(queryset, chunk_size)


def _json_array(queryset: QuerySet[Registration], chunk_size: int) -> Iterator[str]:
    first = True
    for registration in in_stream_order(queryset).iterator(chunk_size=chunk_size):
        body = json.dumps(registration_to_client_metadata(registration), indent=2)
        yield ("[\n  " if first else ",\n  ") + body.replace("\n", "\n  ")
        first = False
    yield "[]\n" if first else "\n]\n"
