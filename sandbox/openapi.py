"""The sandbox's own OpenAPI document (`/sandbox/openapi.json`), generated from the catalog.

It describes what the sandbox implements, as it implements it: every catalog
operation it answers (path, query parameters with Pleo's paging parameters on
cursor lists, request body, success body), the error answers it really sends
(Pleo's `{"type", "message"}` body, `api.errors`), its server URL, and an OAuth 2.0
authorization-code security scheme with the sandbox's authorize and token URLs,
the catalog's scopes and each operation's scope. Shapes become JSON Schema as
OpenAPI 3.0 writes it: objects are closed, as the sandbox checks them. A partner
points Postman, Swagger UI or Schemathesis at it.

Built once per configuration (the sandbox's URLs) and cached.
"""

from __future__ import annotations

import copy
from functools import lru_cache
from typing import Any

from core.pleo_api import (
    BODY_EMPTY,
    CURSOR,
    PAGING_PARAMETERS,
    Operation,
    Parameter,
    catalog,
)
from core.pleo_api.shapes import Shape

from .api.actions import ACTION_ERRORS, LEGACY_INTROSPECTION_KEYS
from .api.paging import MAX_PAGE_SIZE
from .selectors import sandbox_endpoints

OPENAPI_VERSION = "3.0.3"
SECURITY_SCHEME = "sandbox"
ERROR_SCHEMA = "error"
JSON = "application/json"
TITLE = "Pleo's partner API, as the Partner Registration Portal's sandbox serves it"
DESCRIPTION = (
    "The built-in sandbox of the Partner Registration Portal: every operation of Pleo's partner API "
    "that it answers, on a company's sandbox records. Every error answer is JSON "
    '`{"type", "message"}`; a refused body adds `errors`, one line per value.'
)
# The error answers, and when the sandbox sends them.
ERROR_ANSWERS = {
    400: "The request is malformed: a query value, a path ID or the body breaks a rule.",
    401: "No access token, or one that is invalid, expired or revoked.",
    403: "The token lacks the operation's scope, or names another company than its own.",
    404: "No record with that ID in the token's company.",
    409: "The record already exists, or the operation cannot run on the sandbox.",
    413: "The request body is larger than the sandbox reads.",
    422: "The body fits the documented request, but a value could not be answered as Pleo documents it.",
}
_PAGING_SCHEMAS: dict[str, dict[str, Any]] = {
    "before": {"type": "string"},
    "after": {"type": "string"},
    "offset": {"type": "integer", "minimum": 0, "maximum": 999_999_999},
    "limit": {"type": "integer", "minimum": 1, "maximum": MAX_PAGE_SIZE, "default": 20},
    "sorting_keys": {"type": "string"},
    "sorting_order": {"type": "string"},
}
_PARAMETER_SCHEMAS: dict[str, dict[str, Any]] = {
    "string": {"type": "string"},
    "integer": {"type": "integer"},
    "boolean": {"type": "boolean"},
    "array": {"type": "array", "items": {"type": "string"}},
}


def schema_of(shape: Shape) -> dict[str, Any]:
    """A catalog shape as an OpenAPI 3.0 schema (named shapes by reference)."""
    nullable = bool(shape.get("nullable"))
    if "ref" in shape:
        reference = {"$ref": f"#/components/schemas/{shape['ref']}"}
        # OpenAPI 3.0 ignores anything beside a $ref: a nullable reference is wrapped.
        return {"allOf": [reference], "nullable": True} if nullable else reference
    kind = shape.get("type", "any")
    schema: dict[str, Any] = {}
    if kind == "array":
        schema = {"type": "array", "items": schema_of(shape["items"])}
    elif kind == "object":
        fields = shape.get("fields", {})
        schema = {"type": "object", "properties": {name: schema_of(field) for name, field in fields.items()}}
        required = [name for name, field in fields.items() if field.get("required")]
        if required:
            schema["required"] = required
        values = shape.get("values")
        schema["additionalProperties"] = schema_of(values) if values is not None else False
    elif kind != "any":
        schema = {"type": kind}
        schema.update({key: shape[key] for key in ("format", "enum") if key in shape})
    if nullable:
        schema["nullable"] = True
    return schema


def _parameter(parameter: Parameter) -> dict[str, Any]:
    return {
        "name": parameter.name,
        "in": parameter.location,
        "required": parameter.required or parameter.location == "path",
        "schema": copy.deepcopy(_PARAMETER_SCHEMAS.get(parameter.type, {"type": "string"})),
    }


def _parameters(operation: Operation) -> list[dict[str, Any]]:
    parameters = [_parameter(parameter) for parameter in operation.parameters]
    if operation.pagination == CURSOR:
        declared = {parameter.name for parameter in operation.parameters}
        parameters += [
            {"name": name, "in": "query", "required": False, "schema": dict(_PAGING_SCHEMAS[name])}
            for name in PAGING_PARAMETERS
            if name not in declared
        ]
    return parameters


def _success_schema(operation: Operation) -> dict[str, Any]:
    shape = operation.response_shape()
    schema = schema_of(shape) if shape is not None else {}
    if operation.key == "introspect.get":
        # The sandbox's earlier keys, answered beside Pleo's `data`.
        for name in sorted(LEGACY_INTROSPECTION_KEYS):
            schema["properties"][name] = {}
    return schema


def _error_statuses(operation: Operation) -> list[int]:
    """The error answers the sandbox sends for this operation (api.views, kinds, actions)."""
    statuses = {400, 401, 403, 413, *ACTION_ERRORS.get(operation.key, ())}
    if operation.template_parameters or operation.kind == "get":
        statuses.add(404)  # an ID that names no record; a lookup that finds none
    if operation.kind == "create" and operation.template_parameters:
        statuses.add(409)  # a record under that key already exists
    if operation.writes:
        statuses.add(422)  # a value the record, or Pleo's answer, cannot hold
    return sorted(statuses)


def _responses(operation: Operation) -> dict[str, Any]:
    success: dict[str, Any] = {"description": operation.name}
    if operation.body != BODY_EMPTY and operation.response_shape() is not None:
        success["content"] = {JSON: {"schema": _success_schema(operation)}}
    responses = {str(operation.status): success}
    for status in _error_statuses(operation):
        error: dict[str, Any] = {
            "description": ERROR_ANSWERS[status],
            "content": {JSON: {"schema": {"$ref": f"#/components/schemas/{ERROR_SCHEMA}"}}},
        }
        if status == 401:
            error["headers"] = {
                "WWW-Authenticate": {
                    "description": "RFC 6750's Bearer challenge.",
                    "schema": {"type": "string"},
                }
            }
        responses[str(status)] = error
    return responses


def _operation(operation: Operation) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "operationId": operation.key,
        "summary": operation.name,
        "tags": [operation.group],
        "parameters": _parameters(operation),
        "responses": _responses(operation),
        "security": [{SECURITY_SCHEME: [operation.scope] if operation.scope else []}],
    }
    if operation.body_shape is not None:
        entry["requestBody"] = {
            "required": operation.body_required,
            "content": {JSON: {"schema": schema_of(operation.body_shape)}},
        }
    if operation.deprecated:
        entry["deprecated"] = True
    return entry


ERROR_BODY = {
    "type": "object",
    "required": ["type", "message"],
    "properties": {
        "type": {"type": "string"},
        "message": {"type": "string"},
        "errors": {"type": "array", "items": {"type": "string"}},
        "error": {"type": "string", "description": "RFC 6750's error code, on bearer-token errors."},
        "error_description": {"type": "string"},
    },
}


@lru_cache(maxsize=8)
def openapi_document_for(api_url: str, authorize_url: str, token_url: str) -> dict[str, Any]:
    """The document for a sandbox at these URLs (cached: callers must not change it)."""
    source = catalog()
    paths: dict[str, dict[str, Any]] = {}
    for operation in source.operations:
        paths.setdefault(operation.path, {})[operation.method.lower()] = _operation(operation)
    schemas = {name: schema_of(shape) for name, shape in sorted(source.shapes.items())}
    schemas[ERROR_SCHEMA] = ERROR_BODY
    flow = {
        "authorizationUrl": authorize_url,
        "tokenUrl": token_url,
        "refreshUrl": token_url,
        "scopes": {scope.name: scope.description for scope in source.scopes},
    }
    return {
        "openapi": OPENAPI_VERSION,
        "info": {"title": TITLE, "version": source.version, "description": DESCRIPTION},
        "servers": [{"url": api_url, "description": "The sandbox API"}],
        "tags": [{"name": group.key, "description": group.title} for group in source.groups],
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {
                SECURITY_SCHEME: {
                    "type": "oauth2",
                    "description": "Authorization code with PKCE (S256); the client authenticates at the token URL.",
                    "flows": {"authorizationCode": flow},
                }
            },
        },
    }


def sandbox_openapi_document() -> dict[str, Any]:
    """The document for the sandbox as configured now (a fresh copy: callers may change it)."""
    endpoints = sandbox_endpoints()
    return copy.deepcopy(
        openapi_document_for(
            endpoints.api_base_url, endpoints.authorization_endpoint, endpoints.token_endpoint
        )
    )
