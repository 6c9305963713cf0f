"""Pleo's partner API as the portal knows it: the operation catalog.

The catalog is data (`catalog.json`, next to this module) written from Pleo's
published OpenAPI descriptions in the project's own words: per operation its
API group, a short name, method, path template, parameters, request body,
response shape, pagination style and the scope Pleo documents for it (None when
Pleo documents none). This module is the only one that reads the file; everything
else asks it. Shapes are small JSON-Schema-like dicts (see `shapes.py`), and
`{"ref": name}` points into the catalog's named shapes.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

CATALOG_FILE = Path(__file__).resolve().parent / "catalog.json"
SCOPE_NOT_DOCUMENTED = "scope not documented"
PAGE_INFO_SHAPE = "page-info"

# Pagination styles: Pleo's cursor envelope (`data` + `pagination`, with the
# before/after/offset/limit/sorting_keys/sorting_order query parameters) or none.
CURSOR = "cursor"
NO_PAGINATION = "none"
PAGING_PARAMETERS = ("before", "after", "offset", "limit", "sorting_keys", "sorting_order")

# How the success body wraps the operation's item shape.
BODY_DATA = "data"  # {"data": item}
BODY_DATA_LIST = "data-list"  # {"data": [item, ...]}
BODY_PAGE = "page"  # {"data": [item, ...], "pagination": page-info}
BODY_PLAIN = "plain"  # the item itself
BODY_EMPTY = "empty"  # no body

Shape = dict[str, Any]
_PATH_PARAMETER = re.compile(r"\{([^}]+)\}")


@dataclass(frozen=True)
class Parameter:
    name: str
    location: str  # "path" or "query"
    type: str
    required: bool


@dataclass(frozen=True)
class Group:
    key: str
    title: str
    document: str  # the file name of Pleo's OpenAPI description of this API


@dataclass(frozen=True)
class ScopeEntry:
    name: str
    description: str


@dataclass(frozen=True)
class Operation:
    key: str
    group: str
    name: str
    method: str
    path: str
    parameters: tuple[Parameter, ...]
    pagination: str
    body_shape: Shape | None
    body_required: bool
    status: int
    body: str
    item_shape: Shape | None
    errors: tuple[int, ...]
    kind: str  # list, search, get, create, update, delete or action
    resource: str | None
    scope: str | None
    deprecated: bool

    @property
    def scope_label(self) -> str:
        return self.scope or SCOPE_NOT_DOCUMENTED

    @property
    def path_parameters(self) -> tuple[Parameter, ...]:
        return tuple(p for p in self.parameters if p.location == "path")

    @property
    def query_parameters(self) -> tuple[Parameter, ...]:
        return tuple(p for p in self.parameters if p.location == "query")

    @property
    def template_parameters(self) -> tuple[str, ...]:
        """The `{name}` placeholders of the path template, in order."""
        return tuple(_PATH_PARAMETER.findall(self.path))

    @property
    def writes(self) -> bool:
        return self.method != "GET" and self.kind not in ("search", "list", "get")

    def response_shape(self) -> Shape | None:
        """The whole success body's shape, envelope included (None: no body)."""
        item = self.item_shape
        if self.body == BODY_EMPTY or item is None:
            return None
        if self.body == BODY_PLAIN:
            return item
        if self.body == BODY_DATA:
            return {"type": "object", "fields": {"data": {**item, "required": True}}}
        data = {"type": "array", "items": item, "required": True}
        if self.body == BODY_DATA_LIST:
            return {"type": "object", "fields": {"data": data}}
        return {
            "type": "object",
            "fields": {"data": data, "pagination": {"ref": PAGE_INFO_SHAPE, "required": True}},
        }

    def url_path(self, **values: str) -> str:
        """The path with its placeholders filled in."""
        return _PATH_PARAMETER.sub(lambda match: values[match.group(1)], self.path)


@dataclass(frozen=True)
class Catalog:
    version: str
    groups: tuple[Group, ...]
    scopes: tuple[ScopeEntry, ...]
    operations: tuple[Operation, ...]
    shapes: dict[str, Shape]

    def operation(self, key: str) -> Operation:
        for operation in self.operations:
            if operation.key == key:
                return operation
        raise KeyError(key)

    def in_group(self, group: str) -> tuple[Operation, ...]:
        return tuple(operation for operation in self.operations if operation.group == group)

    @property
    def scope_names(self) -> tuple[str, ...]:
        return tuple(scope.name for scope in self.scopes)


_COPIED_AS_THEY_ARE = ("key", "group", "name", "method", "path", "pagination", "kind", "resource", "scope")


def _operation(entry: dict[str, Any]) -> Operation:
    body = entry["body"] or {}
    response = entry["response"]
    return Operation(
        **{name: entry[name] for name in _COPIED_AS_THEY_ARE},
        parameters=tuple(
            Parameter(name=p["name"], location=p["in"], type=p["type"], required=p["required"])
            for p in entry["parameters"]
        ),
        body_shape=body.get("shape"),
        body_required=bool(body.get("required")),
        status=response["status"],
        body=response["body"],
        item_shape=response.get("item"),
        errors=tuple(entry["errors"]),
        deprecated=bool(entry.get("deprecated")),
    )


def parse(document: dict[str, Any]) -> Catalog:
    """A catalog from its JSON document (the file, or a variant in tests)."""
    return Catalog(
        version=document["version"],
        groups=tuple(Group(**group) for group in document["groups"]),
        scopes=tuple(ScopeEntry(**scope) for scope in document["scopes"]),
        operations=tuple(_operation(entry) for entry in document["operations"]),
        shapes=document["shapes"],
    )


@cache
def catalog() -> Catalog:
    """The catalog shipped with the portal (read once per process)."""
    return parse(json.loads(CATALOG_FILE.read_text(encoding="utf-8")))
