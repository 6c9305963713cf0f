"""Pleo's contract: an answer (or a request body) judged against Pleo's published documents.

The operation is found in the catalog by method and path; its documented responses
come from its OpenAPI document (documents.py, errata applied). An answer's status
picks the documented response (the exact code, else its `NXX` range, else
`default`); its content type must be one the response documents; its body is
validated with jsonschema against the response's schema (OpenAPI 3.0's `nullable`
as JSON Schema's "null" type). Every rule broken is a deviation naming where
(`data[0].email`) and the rule (jsonschema's message).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from jsonschema import Draft4Validator, FormatChecker
from jsonschema.exceptions import ValidationError

from . import Operation, catalog
from .documents import HTTP_METHODS, document, json_schema

MATCHES = "matches"
DEVIATES = "deviates"
UNDOCUMENTED = "undocumented"
NOT_JUDGED = "not-judged"

MATCHES_TEXT = "matches Pleo's documents"
NOT_IN_DOCUMENTS = "Pleo's documents describe no {method} {path}: nothing to judge it by."
STATUS_UNDOCUMENTED = "Pleo documents no {status} answer for this operation (documented: {documented})."
CONTENT_TYPE_UNDOCUMENTED = "{content_type} where Pleo documents {documented}"
BODY_NOT_JSON = "not JSON ({reason})"
BODY_MISSING = "empty where Pleo documents a JSON body"
BODY_TOO_DEEP = "too deeply nested to judge"
NO_BODY_DOCUMENTED = "Pleo documents no body for a {status} answer: only its status is judged."
REQUEST_BODY_REQUIRED = "Pleo's documents require a body for this operation."
REQUEST_BODY_NONE = "Pleo's documents describe no body for this operation."
# The deviations shown (and kept) for one answer; a broken list could repeat one rule per item.
DEVIATIONS_MAX = 50
ROOT = "body"

# Formats jsonschema checks without optional packages (date-time needs one: not checked).
_FORMATS = FormatChecker(formats=("uuid", "email", "ipv4", "ipv6"))
_PLACEHOLDER = re.compile(r"\{[^}/]+\}")
_SCHEMAS = "#/components/schemas/"


@dataclass(frozen=True)
class Verdict:
    """What the documents say of one answer: the state, the operation, each deviation."""

    state: str
    operation: str = ""
    deviations: tuple[str, ...] = ()
    note: str = ""

    @property
    def matches(self) -> bool:
        return self.state == MATCHES


@dataclass(frozen=True)
class DocumentedParameter:
    """A path or query parameter as Pleo documents it."""

    name: str
    location: str
    required: bool
    type: str = "string"
    format: str = ""
    enum: tuple[str, ...] = ()
    description: str = ""
    default: str = ""
    examples: tuple[str, ...] = field(default_factory=tuple)


def _template_pattern(path: str) -> re.Pattern[str]:
    parts = _PLACEHOLDER.split(path)
    return re.compile("[^/]+".join(re.escape(part) for part in parts))


@cache
def _templates() -> tuple[tuple[str, re.Pattern[str], int, str], ...]:
    return tuple(
        (
            operation.method,
            _template_pattern(operation.path),
            len(operation.template_parameters),
            operation.key,
        )
        for operation in catalog().operations
    )


def operation_for(method: str, path: str) -> Operation | None:
    """The catalog operation a request is (literal segments win over placeholders), or None."""
    path = path.split("?", 1)[0].split("#", 1)[0]
    found = [
        (placeholders, key)
        for each_method, pattern, placeholders, key in _templates()
        if each_method == method.upper() and pattern.fullmatch(path)
    ]
    return catalog().operation(min(found)[1]) if found else None


def _group_document(operation: Operation) -> str:
    return next(group.document for group in catalog().groups if group.key == operation.group)


@cache
def _documented(operation_key: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """The operation object of its document, and the document's components."""
    operation = catalog().operation(operation_key)
    source = document(_group_document(operation))
    item = (source.get("paths") or {}).get(operation.path) or {}
    return item.get(operation.method.lower()) or {}, source.get("components") or {}


@cache
def _validator(operation_key: str, schema_at: tuple[str, ...]) -> Draft4Validator:
    """The validator of the schema at `schema_at` in the operation's object, built once per
    (operation, status, media type): building it converts the document's whole components."""
    schema: Any
    schema, components = _documented(operation_key)
    for key in schema_at:
        schema = schema[key]
    # References ("#/components/schemas/…") resolve against the root, which carries the components;
    # those that do not refer to themselves are written in place, as looking them up per item is slow.
    root = json_schema({"allOf": [schema], "components": components})
    root["allOf"] = _inlined(root["allOf"], root["components"].get("schemas") or {}, ())
    return Draft4Validator(root, format_checker=_FORMATS)


def _inlined(node: Any, schemas: dict[str, Any], within: tuple[str, ...]) -> Any:
    """`node` with each component reference replaced by the schema it names (Draft 4 ignores a
    reference's siblings), except a reference back into a schema it is within (kept as it is)."""
    if isinstance(node, list):
        return [_inlined(item, schemas, within) for item in node]
    if not isinstance(node, dict):
        return node
    reference = node.get("$ref")
    if isinstance(reference, str) and reference.startswith(_SCHEMAS):
        name = reference[len(_SCHEMAS) :]
        if name in within or name not in schemas:
            return node
        return _inlined(schemas[name], schemas, (*within, name))
    return {key: _inlined(value, schemas, within) for key, value in node.items()}


def where(path: Any) -> str:
    """A JSON path as a developer reads it: `data[0].email`, `body` for the whole body."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or ROOT


def _sort_key(error: ValidationError) -> tuple[str, str]:
    return where(error.absolute_path), error.message


def schema_deviations(value: Any, operation_key: str, schema_at: tuple[str, ...]) -> list[str]:
    """Each rule of the schema at `schema_at` in the operation's object that `value` breaks,
    as `where: rule` (at most DEVIATIONS_MAX)."""
    try:
        errors = sorted(_validator(operation_key, schema_at).iter_errors(value), key=_sort_key)
    except RecursionError:
        return [f"{ROOT}: {BODY_TOO_DEEP}"]
    return [f"{where(error.absolute_path)}: {error.message}" for error in errors[:DEVIATIONS_MAX]]


def _response_for(responses: dict[str, Any], status: int) -> tuple[str, dict[str, Any]] | None:
    for key in (str(status), f"{str(status)[:1]}XX", "default"):
        if key in responses:
            return key, responses[key] or {}
    return None


def _media_type(content_type: str) -> str:
    return content_type.split(";", 1)[0].strip().lower()


def _media_matches(received: str, documented: str) -> bool:
    wanted = _media_type(documented)
    if wanted in ("*/*", received):
        return True
    return wanted.endswith("/*") and received.startswith(wanted[:-1])


def _decoded(body: bytes) -> tuple[Any, str | None]:
    try:
        return json.loads(body.decode("utf-8")), None
    except (ValueError, RecursionError) as exc:
        return None, BODY_NOT_JSON.format(reason=str(exc)[:120])


def _body_deviations(
    media: dict[str, Any], content_type: str, body: bytes, operation_key: str, status_key: str
) -> list[str]:
    received = _media_type(content_type)
    documented = list(media)
    chosen = next((name for name in documented if _media_matches(received, name)), None)
    if chosen is None:
        shown = ", ".join(_media_type(name) for name in documented)
        return [
            f"content type: {CONTENT_TYPE_UNDOCUMENTED.format(content_type=received or 'none', documented=shown)}"
        ]
    schema = (media[chosen] or {}).get("schema")
    if not schema or "json" not in received:
        return []
    if not body.strip():
        return [f"{ROOT}: {BODY_MISSING}"]
    value, problem = _decoded(body)
    if problem:
        return [f"{ROOT}: {problem}"]
    return schema_deviations(value, operation_key, ("responses", status_key, "content", chosen, "schema"))


def response_verdict(*, method: str, path: str, status: int, content_type: str, body: bytes) -> Verdict:
    """The verdict on one answer (never raises: any body gets a verdict)."""
    operation = operation_for(method, path)
    if operation is None:
        return Verdict(UNDOCUMENTED, note=NOT_IN_DOCUMENTS.format(method=method.upper(), path=path))
    documented, _components = _documented(operation.key)
    responses = documented.get("responses") or {}
    found = _response_for(responses, status)
    if found is None:
        listed = ", ".join(sorted(responses)) or "none"
        deviation = f"status: {STATUS_UNDOCUMENTED.format(status=status, documented=listed)}"
        return Verdict(DEVIATES, operation.key, (deviation,))
    status_key, response = found
    media = response.get("content") or {}
    if not media:
        return Verdict(MATCHES, operation.key, note=NO_BODY_DOCUMENTED.format(status=status) if body else "")
    deviations = _body_deviations(media, content_type, body, operation.key, status_key)
    return Verdict(DEVIATES if deviations else MATCHES, operation.key, tuple(deviations))


def request_body_deviations(operation: Operation, body: str) -> list[str]:
    """How a request body departs from the body the operation documents (empty: it fits)."""
    documented, _components = _documented(operation.key)
    request_body = documented.get("requestBody")
    if not request_body:
        return [f"{ROOT}: {REQUEST_BODY_NONE}"] if body.strip() else []
    if not body.strip():
        return [f"{ROOT}: {REQUEST_BODY_REQUIRED}"] if request_body.get("required") else []
    media = request_body.get("content") or {}
    chosen = next(
        (name for name, each in media.items() if "json" in name and each and each.get("schema")), None
    )
    if chosen is None:
        return []
    value, problem = _decoded(body.encode("utf-8", "surrogatepass"))
    if problem:
        return [f"{ROOT}: {problem}"]
    return schema_deviations(value, operation.key, ("requestBody", "content", chosen, "schema"))


def _text(value: Any) -> str:
    return "" if value is None else str(value).lower() if isinstance(value, bool) else str(value)


def _resolved(schema: Any, components: dict[str, Any]) -> dict[str, Any]:
    """A schema, or the one its `#/components/schemas/` reference names."""
    if not isinstance(schema, dict):
        return {}
    reference = schema.get("$ref")
    if isinstance(reference, str) and reference.startswith("#/components/schemas/"):
        found = (components.get("schemas") or {}).get(reference.rsplit("/", 1)[1])
        return found if isinstance(found, dict) else {}
    return schema


def _parameter(entry: dict[str, Any], components: dict[str, Any]) -> DocumentedParameter:
    schema = _resolved(entry.get("schema"), components)
    items = _resolved(schema.get("items"), components)
    enum = schema.get("enum") or items.get("enum") or ()
    examples = [entry.get("example"), schema.get("example")]
    return DocumentedParameter(
        name=str(entry["name"]),
        location=str(entry["in"]),
        required=bool(entry.get("required")) or entry.get("in") == "path",
        type=str(schema.get("type") or "string"),
        format=str(schema.get("format") or ""),
        enum=tuple(_text(value) for value in enum),
        description=" ".join(str(entry.get("description") or "").split()),
        default=_text(schema.get("default")),
        examples=tuple(_text(value) for value in examples if value is not None),
    )


def documented_parameters(operation: Operation) -> tuple[DocumentedParameter, ...]:
    """The operation's path and query parameters as its document describes them, in its order."""
    documented, components = _documented(operation.key)
    return tuple(
        _parameter(entry, components)
        for entry in documented.get("parameters") or ()
        if isinstance(entry, dict) and entry.get("in") in ("path", "query") and "name" in entry
    )


def documented_operations() -> tuple[str, ...]:
    """The keys of catalog operations their document describes (method and path)."""
    return tuple(
        operation.key
        for operation in catalog().operations
        if operation.method.lower() in HTTP_METHODS and _documented(operation.key)[0]
    )
