"""Parameters as fields: an operation's path and query parameters as Pleo documents them,
with the values a form holds and, for path parameters, IDs from this connection's answers.

Query parameters stay `query_name`/`query_value` rows (the name a hidden field), so the
form posts what it posted before; path parameters are `path_<name>` fields whose values
fill the path's `{name}` placeholders (TestCallForm.clean), so no script is needed.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from core.pleo_api import Operation, catalog
from core.pleo_api.contract import DocumentedParameter, documented_parameters

from .models import SUCCESSFUL_CALL, Connection

PATH_FIELD_PREFIX = "path_"
# How many recent answers are read for IDs, and how many IDs are offered.
ANSWERS_READ = 10
IDS_OFFERED = 20
DESCRIPTION_LENGTH = 240
# An excerpt is bounded: a cut-off list is no JSON, but its first IDs are still there.
_ID_IN_TEXT = re.compile(r'"id"\s*:\s*"([^"\\]{1,100})"')
_INPUT_TYPES = {"integer": "number", "number": "number"}


@dataclass(frozen=True)
class ParameterField:
    """One documented parameter as the form shows it."""

    parameter: DocumentedParameter
    value: str
    field_id: str
    ids: tuple[str, ...] = ()

    @property
    def input_type(self) -> str:
        return _INPUT_TYPES.get(self.parameter.type, "text")

    @property
    def hint(self) -> str:
        kind = self.parameter.type + (f", {self.parameter.format}" if self.parameter.format else "")
        description = self.parameter.description
        if len(description) > DESCRIPTION_LENGTH:
            description = description[: DESCRIPTION_LENGTH - 1] + "…"
        return f"{kind}. {description}".strip() if description else kind


def _resources_named_by(operation: Operation, name: str) -> set[str]:
    """The resources whose records a path parameter names (a `get` whose last placeholder it is)."""
    gets = [
        each
        for each in catalog().operations
        if each.kind == "get" and each.template_parameters[-1:] == (name,) and each.resource
    ]
    same_group = {each.resource for each in gets if each.group == operation.group}
    return {str(resource) for resource in (same_group or {each.resource for each in gets})}


def _list_operations(resources: set[str]) -> set[str]:
    return {
        each.key
        for each in catalog().operations
        if each.kind in ("list", "search") and each.resource in resources
    }


def _ids_in(excerpt: str) -> list[str]:
    try:
        decoded: Any = json.loads(excerpt)
    except ValueError:
        return _ID_IN_TEXT.findall(excerpt)
    data = decoded.get("data") if isinstance(decoded, dict) else decoded
    items = data if isinstance(data, list) else [data]
    return [str(item["id"]) for item in items if isinstance(item, dict) and isinstance(item.get("id"), str)]


def recent_ids(connection: Connection, operation: Operation) -> dict[str, tuple[str, ...]]:
    """Per path parameter, IDs from the connection's recent successful lists of what it names
    (one query for all of them)."""
    wanted = {
        name: _list_operations(_resources_named_by(operation, name)) for name in operation.template_parameters
    }
    keys = set().union(*wanted.values()) if wanted else set()
    if not keys:
        return {}
    answers = (
        connection.test_calls.filter(SUCCESSFUL_CALL, contract_operation__in=keys)
        .order_by("-id")
        .values_list("contract_operation", "excerpt")[:ANSWERS_READ]
    )
    found: dict[str, list[str]] = {name: [] for name in wanted}
    for key, excerpt in answers:
        for name, lists in wanted.items():
            if key in lists:
                found[name] += [each for each in dict.fromkeys(_ids_in(excerpt)) if each not in found[name]]
    return {name: tuple(ids[:IDS_OFFERED]) for name, ids in found.items() if ids}


def parameter_fields(
    operation: Operation,
    *,
    query: Sequence[tuple[str, str]],
    path_values: dict[str, str],
    ids: dict[str, tuple[str, ...]] | None = None,
) -> tuple[list[ParameterField], list[ParameterField], list[tuple[str, str]]]:
    """(path fields, query fields, the query rows no documented parameter takes)."""
    documented = documented_parameters(operation)
    values: dict[str, str] = {}
    rest: list[tuple[str, str]] = []
    query_names = {parameter.name for parameter in documented if parameter.location == "query"}
    for name, value in query:
        if name in query_names and name not in values:
            values[name] = value
        else:
            rest.append((name, value))
    path = [
        ParameterField(
            each, path_values.get(each.name, ""), f"path-{each.name}", (ids or {}).get(each.name, ())
        )
        for each in documented
        if each.location == "path"
    ]
    ordered = sorted(
        (each for each in documented if each.location == "query"), key=lambda each: not each.required
    )
    fields = [ParameterField(each, values.get(each.name, ""), f"query-{each.name}") for each in ordered]
    return path, fields, rest


def path_values_of(data: Any, names: Iterable[str]) -> dict[str, str]:
    """The posted `path_<name>` values (stripped; empty ones left out)."""
    values = {}
    for name in names:
        value = str(data.get(PATH_FIELD_PREFIX + name, "") or "").strip()
        if value:
            values[name] = value
    return values
