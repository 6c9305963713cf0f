"""Pleo's published OpenAPI documents, as the portal validates against them.

The files in `openapi/` are kept exactly as Pleo published them (their README
says where they come from). Two known errata would make any validator refuse
correct answers, so `document()` returns a patched copy and `errata()` lists
each change:

- a `pattern` that is a format hint (`YYYY-MM-DDTHH:mi:ssZ`), not a regular
  expression, is dropped; the `format` beside it still applies;
- a `default` response whose schema is the success envelope (`data` required)
  becomes the `2XX` response, so error answers are not judged by it.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

DOCUMENTS_DIR = Path(__file__).resolve().parent / "openapi"
FORMAT_HINT_PATTERNS = frozenset({"YYYY-MM-DDTHH:mi:ssZ", "YYYY-MM-DD"})
HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
SUCCESS_RANGE = "2XX"

FORMAT_HINT = "format-hint-pattern"
DEFAULT_AS_SUCCESS = "default-response-is-success"

Document = dict[str, Any]


@dataclass(frozen=True)
class Erratum:
    """One change the patch made: which document, where (a JSON pointer), which kind."""

    document: str
    pointer: str
    kind: str


def document_names() -> tuple[str, ...]:
    """The file names of the vendored documents, sorted."""
    return tuple(sorted(path.name for path in DOCUMENTS_DIR.glob("*.yml")))


@cache
def _raw(name: str) -> Document:
    if name not in document_names():
        raise KeyError(name)
    loaded: Document = yaml.safe_load((DOCUMENTS_DIR / name).read_text(encoding="utf-8"))
    return loaded


def _pointer(parts: list[str]) -> str:
    return "/" + "/".join(part.replace("~", "~0").replace("/", "~1") for part in parts)


def _drop_format_hints(node: Any, parts: list[str], name: str, found: list[Erratum]) -> None:
    if isinstance(node, dict):
        if node.get("pattern") in FORMAT_HINT_PATTERNS:
            del node["pattern"]
            found.append(Erratum(name, _pointer([*parts, "pattern"]), FORMAT_HINT))
        for key, value in node.items():
            _drop_format_hints(value, [*parts, str(key)], name, found)
    elif isinstance(node, list):
        for index, value in enumerate(node):
            _drop_format_hints(value, [*parts, str(index)], name, found)


def _schema_requires_data(schema: Any, document: Document) -> bool:
    if not isinstance(schema, dict):
        return False
    reference = schema.get("$ref")
    if isinstance(reference, str) and reference.startswith("#/components/schemas/"):
        schema = document.get("components", {}).get("schemas", {}).get(reference.rsplit("/", 1)[1], {})
    return "data" in (schema.get("required") or [])


def _move_success_defaults(document: Document, name: str, found: list[Erratum]) -> None:
    for path, item in (document.get("paths") or {}).items():
        for method in HTTP_METHODS:
            responses = (item.get(method) or {}).get("responses") or {}
            default = responses.get("default")
            if not isinstance(default, dict) or SUCCESS_RANGE in responses:
                continue
            schemas = [media.get("schema") for media in (default.get("content") or {}).values()]
            if any(_schema_requires_data(schema, document) for schema in schemas):
                responses[SUCCESS_RANGE] = responses.pop("default")
                found.append(
                    Erratum(
                        name, _pointer(["paths", path, method, "responses", "default"]), DEFAULT_AS_SUCCESS
                    )
                )


@cache
def _patched(name: str) -> tuple[Document, tuple[Erratum, ...]]:
    document = copy.deepcopy(_raw(name))
    found: list[Erratum] = []
    _drop_format_hints(document, [], name, found)
    _move_success_defaults(document, name, found)
    return document, tuple(found)


def document(name: str) -> Document:
    """The named document with its errata patched (a fresh copy: callers may change it)."""
    return copy.deepcopy(_patched(name)[0])


def published_document(name: str) -> Document:
    """The named document exactly as published, errata included (a fresh copy)."""
    return copy.deepcopy(_raw(name))


def errata(name: str | None = None) -> tuple[Erratum, ...]:
    """Every change the patch makes, for one document or for all of them."""
    names = (name,) if name is not None else document_names()
    return tuple(erratum for each in names for erratum in _patched(each)[1])


def json_schema(node: Any) -> Any:
    """A copy of an OpenAPI 3.0 schema in JSON Schema's terms (`nullable` as a "null" type)."""
    if isinstance(node, list):
        return [json_schema(item) for item in node]
    if not isinstance(node, dict):
        return node
    converted = {key: json_schema(value) for key, value in node.items() if key != "nullable"}
    if not node.get("nullable"):
        return converted
    if "type" in converted:
        converted["type"] = [converted["type"], "null"]
        if "enum" in converted:
            converted["enum"] = [*converted["enum"], None]
        return converted
    return {"anyOf": [converted, {"type": "null"}]}
