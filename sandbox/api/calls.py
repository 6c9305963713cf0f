"""Request parsing: the `Call` a sandbox API request resolves to, and the checks every
operation's query string, JSON body and company pass before any record is read."""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from typing import Any

from django.http import QueryDict

from core.pleo_api import Operation, catalog
from core.pleo_api.shapes import shape_errors
from core.text import json_unstorable_reason, unstorable_reason

from ..models import SandboxCompany
from .errors import ApiError
from .resources import RESOURCES, Resource

OTHER_COMPANY = "The token acts for company {company}, not {given}."
BAD_BODY = "The request body does not match the documented shape."
BODY_REQUIRED = "This operation needs a JSON request body."
BAD_JSON = "The request body must be JSON (Content-Type: application/json)."
BAD_PARAMETER = "Query parameter {name} must be {type}."
# Pleo's API runs on 64-bit numbers; JSON allows any, and Python would keep them exact.
NUMBER_OUT_OF_RANGE = (
    "Numbers in the request body must be finite, integers from -2^63 to 2^63-1 (a JSON number Pleo can read)."
)
_INT64 = range(-(2**63), 2**63)
PARAMETER_REQUIRED = "Query parameter {name} is required."
# An integer query value: ASCII digits (not ² or ٣, which str.isdigit() accepts), 64-bit sized.
_INTEGER = re.compile(r"-?[0-9]{1,18}")
COMPANY_PARAMETERS = ("companyId", "company_id")
# Query values read as true.
TRUE_VALUES = ("true", "1")


@dataclass
class Call:
    """One API request, resolved: the operation, whose records, and what was sent."""

    operation: Operation
    company: SandboxCompany
    access_token: Any
    path: dict[str, str]
    query: QueryDict
    body: Any
    resource: Resource | None = field(init=False)

    def __post_init__(self) -> None:
        self.resource = RESOURCES.get(self.operation.resource or "")

    @property
    def res(self) -> Resource:
        assert self.resource is not None  # noqa: S101 - every generic operation names a resource
        return self.resource

    @property
    def parent_id(self) -> str | None:
        parameter = self.res.parent_parameter
        return self.path.get(parameter) if parameter else None

    @property
    def record_id(self) -> str | None:
        """The last path placeholder that is not the parent's: this record's key."""
        keys = [name for name in self.operation.template_parameters if name != self.res.parent_parameter]
        return self.path[keys[-1]] if keys else None

    def body_fields(self) -> dict[str, Any]:
        return self.body if isinstance(self.body, dict) else {}


def _integer(text: str) -> int:
    value = int(text)
    if value not in _INT64:
        raise ApiError(400, NUMBER_OUT_OF_RANGE)
    return value


def _number(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ApiError(400, NUMBER_OUT_OF_RANGE)
    return value


def _constant(text: str) -> Any:
    # NaN and Infinity: Python's parser takes them, JSON does not have them.
    raise ApiError(400, NUMBER_OUT_OF_RANGE)


def parse_body(operation: Operation, raw: bytes) -> Any:
    """The JSON body, checked: JSON, storable text, 64-bit numbers, the documented shape."""
    if operation.body_shape is None:
        return None
    if not raw.strip():
        if operation.body_required:
            raise ApiError(400, BODY_REQUIRED)
        return None
    try:
        body = json.loads(raw, parse_int=_integer, parse_float=_number, parse_constant=_constant)
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise ApiError(400, BAD_JSON) from None
    reason = json_unstorable_reason(body)
    if reason:
        raise ApiError(400, reason)
    errors = shape_errors(body, operation.body_shape, catalog().shapes, "body")
    if errors:
        raise ApiError(400, BAD_BODY, details=errors)
    return body


def check_text(path: str, query: QueryDict) -> None:
    """The path and the query hold only text a database can store (core.text)."""
    texts = [path, *(text for key, values in query.lists() for text in (key, *values))]
    for text in texts:
        reason = unstorable_reason(text)
        if reason:
            raise ApiError(400, reason)


def check_query(operation: Operation, query: QueryDict) -> None:
    for parameter in operation.query_parameters:
        values = query.getlist(parameter.name)
        if not values:
            if parameter.required:
                raise ApiError(400, PARAMETER_REQUIRED.format(name=parameter.name))
            continue
        for value in values:
            if (parameter.type == "integer" and not _INTEGER.fullmatch(value)) or (
                parameter.type == "boolean" and value not in ("true", "false")
            ):
                raise ApiError(400, BAD_PARAMETER.format(name=parameter.name, type=parameter.type))


def check_company(call: Call) -> None:
    """A company named in the query or body must be the token's own."""
    given = [call.query.get(name) for name in COMPANY_PARAMETERS] + [
        call.body_fields().get(name) for name in COMPANY_PARAMETERS
    ]
    for value in given:
        if value and value != str(call.company.pk):
            raise ApiError(403, OTHER_COMPANY.format(company=call.company.pk, given=value))


def query_values(call: Call, name: str) -> Any:
    """A documented query parameter's value as its type reads it (lists split on commas);
    None when it was not given, or given empty (`?code=`), which filters nothing."""
    values = [part for value in call.query.getlist(name) for part in value.split(",") if part]
    if not values:
        return None
    parameter = next(p for p in call.operation.query_parameters if p.name == name)
    if parameter.type == "array":
        return values
    if parameter.type == "boolean":
        return values[0] in TRUE_VALUES
    return values[0]
