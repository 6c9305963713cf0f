"""Pleo's documented answers, as the sandbox holds its own writes to them.

Pleo documents some constraints only on its answers: any text is a vendor's
`defaultCurrency` in a request, three letters in every answer. A write the sandbox
could then only answer outside the documented schema (and every later read with it)
is refused: 422, each value's problem named, nothing kept. The schema is the
operation's success response in its OpenAPI document (core.pleo_api.documents),
checked with jsonschema; OpenAPI 3.0's `nullable` becomes JSON Schema's "null" type.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from jsonschema import Draft4Validator

from core.pleo_api import Operation, catalog
from core.pleo_api.documents import SUCCESS_RANGE, document, json_schema

from .errors import ApiError

ANSWER_OUT_OF_SHAPE = (
    "The sandbox cannot keep these values: its answer would not match the schema Pleo documents for it."
)
_ENVELOPE = "data"


def _success_schema(operation: Operation) -> dict[str, Any] | None:
    group = next(group for group in catalog().groups if group.key == operation.group)
    source = document(group.document)
    responses = source["paths"][operation.path][operation.method.lower()]["responses"]
    response = responses.get(str(operation.status)) or responses.get(SUCCESS_RANGE) or {}
    media: dict[str, Any] = next(iter((response.get("content") or {}).values()), {})
    schema = media.get("schema")
    if not schema:
        return None
    # References ("#/components/schemas/…") resolve against the root, which carries the components.
    return json_schema({"allOf": [schema], "components": source.get("components", {})})


@cache
def _validator(operation_key: str) -> Draft4Validator | None:
    schema = _success_schema(catalog().operation(operation_key))
    return Draft4Validator(schema) if schema is not None else None


def _where(path: Any) -> str:
    parts = [str(part) for part in path]
    if parts[:1] == [_ENVELOPE]:
        parts = parts[1:]
    return ".".join(parts) or "body"


def answer_problems(operation: Operation, body: Any) -> list[str]:
    """How `body` departs from the operation's documented success answer (empty: it fits)."""
    validator = _validator(operation.key)
    if validator is None:
        return []
    return sorted(f"{_where(error.absolute_path)}: {error.message}" for error in validator.iter_errors(body))


def check_written_answer(operation: Operation, body: Any) -> None:
    """A write's answer must fit Pleo's documented answer; else 422 (the write is rolled back)."""
    problems = answer_problems(operation, body)
    if problems:
        raise ApiError(422, ANSWER_OUT_OF_SHAPE, details=problems)
