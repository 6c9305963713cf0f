"""The requests of the exported Postman collection, made from the operation catalog.

A collection holds the operations a registration's scopes allow: those whose
documented scope it asks for, and those for which Pleo documents no scope (the
server decides; their description says *scope not documented*). They come twice:

- one folder per API (catalog group) with every allowed operation, reads and
  writes, for trying calls in the Postman app;
- a *Read-only checks* folder with the allowed reads only (lists, searches, gets),
  ordered so that a list runs before the gets that need one of its IDs. newman
  runs this folder in CI (`--folder "Read-only checks"`).

IDs travel in collection variables named after the resource (`{{employeeId}}`,
`{{tagGroupId}}`), whatever the path placeholder is called (`{groupId}`), because
one placeholder name can stand for different resources (`{jobId}` is an export
job in one API and a vendor import job in another). A list's test script stores
its first record's key in the variable of its resource; the gets that follow use
it. A read that needs an ID no allowed list yields stays out of the read-only
folder (the folder's description names it).

Every request carries a test script checking the status class (2xx) and, for an
operation that answers with a body, that the body is JSON. The collection's
pre-request script sends the `accessToken` variable as the bearer token when it
is set (newman's `--env-var accessToken=…`); left empty, the collection's OAuth 2.0
authorization applies (Postman's *Get New Access Token*), and a token obtained
that way is sent instead of the variable.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from typing import Any

from core.pleo_api import BODY_DATA_LIST, BODY_EMPTY, BODY_PAGE, Operation, catalog
from core.pleo_api.shapes import resolve, sample

READ_ONLY_FOLDER = "Read-only checks"
ACCESS_TOKEN_VARIABLE = "accessToken"
API_BASE_URL = "{{apiBaseUrl}}"
# Query parameters and body fields that name the token's company.
COMPANY_PARAMETERS = ("companyId", "company_id")
COMPANY_RESOURCE = "company"
JSON_TYPE = "application/json"

# The collection's pre-request script. An Authorization header set here stays unless
# the collection's OAuth 2.0 authorization has a token of its own (then it wins).
BEARER_FROM_VARIABLE = (
    "// A token in the accessToken variable (newman: --env-var accessToken=...) is sent as the",
    "// bearer token; left empty, the collection's OAuth 2.0 authorization (Get New Access Token) applies.",
    f'const accessToken = pm.variables.get("{ACCESS_TOKEN_VARIABLE}");',
    "if (accessToken) {",
    '    pm.request.headers.upsert({ key: "Authorization", value: "Bearer " + accessToken });',
    "}",
)
STATUS_TEST = (
    'pm.test("answers with a 2xx status", function () {',
    "    pm.expect(pm.response.code, pm.response.text()).to.be.within(200, 299);",
    "});",
)
JSON_TEST = (
    'pm.test("answers with a JSON body", function () {',
    f'    pm.expect(pm.response.headers.get("Content-Type") || "").to.include("{JSON_TYPE}");',
    "    pm.response.json();",
    "});",
)
# Lines of a list's test script that keep its first record's key: {variable}, {field}.
CAPTURE_FIRST_KEY = (
    "// The first record's key, for the requests that name one.",
    "if (pm.response.code < 300) {",
    "    const records = pm.response.json().data;",
    "    if (Array.isArray(records) && records.length > 0) {",
    '        pm.collectionVariables.set("{variable}", String(records[0]["{field}"]));',
    "    }",
    "}",
)

_PLACEHOLDER = re.compile(r"\{([^}]+)\}")


def allowed_operations(scope: str) -> tuple[Operation, ...]:
    """The catalog's operations that a registration asking for `scope` may call."""
    granted = set(scope.split())
    return tuple(op for op in catalog().operations if op.scope is None or op.scope in granted)


def variable_name(resource: str) -> str:
    """The collection variable holding a record's key: "tag-group" -> "tagGroupId"."""
    first, *rest = resource.split("-")
    return first + "".join(word.capitalize() for word in rest) + "Id"


@cache
def _item_paths() -> dict[str, str]:
    """The path of one record (a template ending in a placeholder) -> its resource."""
    paths: dict[str, str] = {}
    for op in catalog().operations:
        if op.resource and op.kind in ("get", "update", "delete") and op.path.endswith("}"):
            paths.setdefault(op.path, op.resource)
    return paths


def path_resources(operation: Operation) -> dict[str, str]:
    """Each path placeholder -> the resource whose key it is (`{groupId}` in
    /v0/tag-groups/{groupId}/tags is a tag group's): the resource of the record path
    that the path starts with up to that placeholder."""
    return {
        match.group(1): _item_paths().get(operation.path[: match.end()], operation.resource or "")
        for match in _PLACEHOLDER.finditer(operation.path)
    }


def key_field(resource: str) -> str | None:
    """The field of a record that its record path's last placeholder takes (None: no record path)."""
    fields = resolve({"ref": resource}, catalog().shapes).get("fields", {}) if resource else {}
    for path, owner in _item_paths().items():
        if owner == resource:
            last = _PLACEHOLDER.findall(path)[-1]
            return last if last in fields else "id" if "id" in fields else None
    return None


def produced_variable(operation: Operation) -> str | None:
    """The variable a list or search of records fills with its first record's key."""
    lists = operation.body in (BODY_PAGE, BODY_DATA_LIST) and not operation.writes
    if lists and operation.resource and key_field(operation.resource):
        return variable_name(operation.resource)
    return None


def _sample_body(operation: Operation) -> Any:
    """The documented body with its required fields, the company's ID as a variable."""
    if operation.body_shape is None:
        return None
    body = sample(operation.body_shape, catalog().shapes, seed=operation.key, optional=False)
    if isinstance(body, dict):
        for name in COMPANY_PARAMETERS:
            if name in body:
                body[name] = "{{" + variable_name(COMPANY_RESOURCE) + "}}"
    return body


def needed_variables(operation: Operation) -> set[str]:
    """The ID variables a request needs filled to mean anything."""
    needed = {variable_name(resource) for resource in path_resources(operation).values()}
    body = _sample_body(operation)
    names_company = any(p.required and p.name in COMPANY_PARAMETERS for p in operation.query_parameters)
    if names_company or (isinstance(body, dict) and any(name in body for name in COMPANY_PARAMETERS)):
        needed.add(variable_name(COMPANY_RESOURCE))
    return needed


@dataclass(frozen=True)
class ReadOnlyChecks:
    """The reads in the order they run, the one list that fills each variable, and the
    reads left out because no allowed list fills a variable they need."""

    operations: tuple[Operation, ...]
    producers: dict[str, str]  # operation key -> the variable it fills
    left_out: tuple[Operation, ...]


def read_only_checks(operations: Iterable[Operation]) -> ReadOnlyChecks:
    """Catalog order, except that a read waits for the lists that fill its variables."""
    pending = [op for op in operations if not op.writes]
    placed: list[Operation] = []
    producers: dict[str, str] = {}
    filled: set[str] = set()
    while ready := [op for op in pending if needed_variables(op) <= filled]:
        for op in ready:
            pending.remove(op)
            placed.append(op)
            variable = produced_variable(op)
            if variable and variable not in filled:
                producers[op.key] = variable
                filled.add(variable)
    return ReadOnlyChecks(tuple(placed), producers, tuple(pending))


def _script(listen: str, lines: Iterable[str]) -> dict[str, Any]:
    return {"listen": listen, "script": {"type": "text/javascript", "exec": list(lines)}}


def test_script(operation: Operation, captures: str | None) -> list[str]:
    """The lines of a request's test script."""
    lines = list(STATUS_TEST)
    if operation.body != BODY_EMPTY:
        lines += JSON_TEST
    if captures and operation.resource:
        field = key_field(operation.resource) or "id"
        lines += [
            line.replace("{variable}", captures).replace("{field}", field) for line in CAPTURE_FIRST_KEY
        ]
    return lines


def _description(operation: Operation) -> str:
    parts = [f"{operation.method} {operation.path}. Scope: {operation.scope_label}."]
    if operation.deprecated:
        parts.append("Deprecated by Pleo.")
    parts += [
        f"Path parameter {{{name}}}: {{{{{variable_name(resource)}}}}}, {_variable_description(resource)}"
        for name, resource in path_resources(operation).items()
    ]
    return " ".join(parts)


def _variable_description(resource: str) -> str:
    return f"the key of a {resource.replace('-', ' ')}, set by the first list of them that runs."


def _query_row(name: str, type_: str, required: bool) -> dict[str, Any]:
    company = name in COMPANY_PARAMETERS
    return {
        "key": name,
        "value": "{{" + variable_name(COMPANY_RESOURCE) + "}}" if company else "",
        "description": f"{type_}, {'required' if required else 'optional'}",
        "disabled": not required,
    }


def request_item(operation: Operation, *, captures: str | None = None) -> dict[str, Any]:
    """One operation as a Postman request: path placeholders as ID variables, query
    parameters as rows (the optional ones disabled), a sample body for a write."""
    resources = path_resources(operation)
    path = _PLACEHOLDER.sub(lambda m: "{{" + variable_name(resources[m.group(1)]) + "}}", operation.path)
    query = [_query_row(p.name, p.type, p.required) for p in operation.query_parameters]
    enabled = "&".join(f"{row['key']}={row['value']}" for row in query if not row["disabled"])
    url: dict[str, Any] = {
        "raw": API_BASE_URL + path + (f"?{enabled}" if enabled else ""),
        "host": [API_BASE_URL],
        "path": path.strip("/").split("/"),
    }
    if query:
        url["query"] = query
    headers = [{"key": "Accept", "value": JSON_TYPE}]
    request: dict[str, Any] = {"method": operation.method, "header": headers, "url": url}
    body = _sample_body(operation)
    if body is not None:
        headers.append({"key": "Content-Type", "value": JSON_TYPE})
        request["body"] = {
            "mode": "raw",
            "raw": json.dumps(body, indent=2),
            "options": {"raw": {"language": "json"}},
        }
    request["description"] = _description(operation)
    return {
        "name": operation.name,
        "event": [_script("test", test_script(operation, captures))],
        "request": request,
        "response": [],
    }


def _read_only_description(checks: ReadOnlyChecks) -> str:
    text = (
        "The reads this registration's scopes allow, each list before the gets that use its first "
        "record's ID. newman runs this folder in CI: "
        f'newman run <collection> -e <environment> --folder "{READ_ONLY_FOLDER}" --env-var accessToken=<token>.'
    )
    if checks.left_out:
        names = ", ".join(f"{op.name} ({op.method} {op.path})" for op in checks.left_out)
        text += f" Left out, because no allowed list yields the ID they need: {names}."
    return text


def collection_items(scope: str) -> list[dict[str, Any]]:
    """The read-only folder, then one folder per API with every allowed operation."""
    allowed = allowed_operations(scope)
    checks = read_only_checks(allowed)
    folders = [
        {
            "name": READ_ONLY_FOLDER,
            "description": _read_only_description(checks),
            "item": [request_item(op, captures=checks.producers.get(op.key)) for op in checks.operations],
        }
    ]
    for group in catalog().groups:
        operations = [op for op in allowed if op.group == group.key]
        if operations:
            folders.append(
                {
                    "name": group.title,
                    "description": f"Pleo's {group.title} API: the operations this registration's scopes allow.",
                    "item": [request_item(op, captures=produced_variable(op)) for op in operations],
                }
            )
    return folders


def collection_variables(scope: str) -> list[dict[str, Any]]:
    """`accessToken`, then every ID variable the allowed requests use, all empty until set."""
    operations = allowed_operations(scope)
    resources = {resource for op in operations for resource in path_resources(op).values()}
    resources |= {op.resource for op in operations if op.resource and produced_variable(op)}
    if any(variable_name(COMPANY_RESOURCE) in needed_variables(op) for op in operations):
        resources.add(COMPANY_RESOURCE)
    variables = [
        {
            "key": ACCESS_TOKEN_VARIABLE,
            "value": "",
            "type": "string",
            "description": "When set, sent as the bearer token (for newman in CI); leave empty in the Postman app.",
        }
    ]
    variables += [
        {
            "key": variable_name(resource),
            "value": "",
            "type": "string",
            "description": _variable_description(resource).capitalize(),
        }
        for resource in sorted(resources, key=variable_name)
    ]
    return variables


def collection_events() -> list[dict[str, Any]]:
    return [_script("prerequest", BEARER_FROM_VARIABLE)]
