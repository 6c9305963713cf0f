"""The console's operation picker: the catalog's operations as grouped choices, and an
operation as a request to prefill the console's form with.

The form keeps path parameters as the template's `{name}` placeholders for the
developer to replace; `api_request_check` refuses a path that still holds one.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass

from core.pleo_api import SCOPE_NOT_DOCUMENTED, Operation, catalog
from core.pleo_api.shapes import resolve, sample

from . import messages
from .services.test_call import ApiRequest

# Body fields and query parameters that name the company the token acts for.
COMPANY_FIELDS = ("companyId", "company_id")


def scope_note(operation: Operation, granted: Iterable[str]) -> str:
    """*needs scope X* when the documented scope was not granted, *scope not documented*
    when Pleo documents none, else nothing."""
    if operation.scope is None:
        return SCOPE_NOT_DOCUMENTED
    if operation.scope not in set(granted):
        return messages.OPERATION_NEEDS_SCOPE.format(scope=operation.scope)
    return ""


def operation_label(operation: Operation, granted: Iterable[str]) -> str:
    note = scope_note(operation, granted)
    return f"{operation.name}: {operation.method} {operation.path}" + (f" ({note})" if note else "")


def operation_groups(granted: Iterable[str]) -> list[tuple[str, list[tuple[str, str]]]]:
    """(API title, [(operation key, label)]) in catalog order, for a <select> with <optgroup>s."""
    granted = list(granted)
    api = catalog()
    return [
        (
            group.title,
            [(operation.key, operation_label(operation, granted)) for operation in api.in_group(group.key)],
        )
        for group in api.groups
    ]


def operation_find(key: str) -> Operation | None:
    try:
        return catalog().operation(key)
    except KeyError:
        return None


def body_skeleton(operation: Operation, *, company_id: str = "") -> str:
    """The body's required fields with sample values (the company's ID where known), as JSON."""
    if operation.body_shape is None:
        return ""
    body = sample(operation.body_shape, catalog().shapes, seed="", optional=False)
    if company_id and isinstance(body, dict):
        body.update({name: company_id for name in COMPANY_FIELDS if name in body})
    return json.dumps(body, indent=2)


def optional_body_fields(operation: Operation) -> list[str]:
    """Names of the body's top-level fields the skeleton leaves out."""
    if operation.body_shape is None:
        return []
    fields = resolve(operation.body_shape, catalog().shapes).get("fields", {})
    return [name for name, shape in fields.items() if not shape.get("required")]


def operation_request(operation: Operation, *, company_id: str = "") -> ApiRequest:
    """The operation as the console's form shows it: method, path template with `{name}`
    placeholders, query parameters as rows (required first, values empty), a body skeleton."""
    query = sorted(operation.query_parameters, key=lambda parameter: not parameter.required)
    return ApiRequest(
        method=operation.method,
        path=operation.path,
        query=tuple((parameter.name, "") for parameter in query),
        body=body_skeleton(operation, company_id=company_id),
    )


@dataclass(frozen=True)
class PickedOperation:
    """What the form says about the operation it was filled from."""

    operation: Operation
    note: str
    missing_scope: str  # the documented scope, when it was not granted
    placeholders: tuple[str, ...]
    optional_fields: list[str]


def picked_operation(operation: Operation, granted: Iterable[str]) -> PickedOperation:
    granted = list(granted)
    return PickedOperation(
        operation=operation,
        note=scope_note(operation, granted),
        missing_scope=operation.scope if operation.scope and operation.scope not in set(granted) else "",
        placeholders=tuple("{" + name + "}" for name in operation.template_parameters),
        optional_fields=optional_body_fields(operation),
    )
