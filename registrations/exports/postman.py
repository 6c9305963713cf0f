"""The Postman collection and environment of a registration.

The collection's authorization is OAuth 2.0, authorization code with PKCE (S256), at
collection level; every server-specific value is a variable of the environment file
(`authServerUrl`, `apiBaseUrl`, `clientId`, `clientSecret`, `scopes`), so one collection
serves staging, production and the sandbox. The environment's secret is empty unless the
caller passes one from the credential service's audited disclosure.

The requests come from the operation catalog: the operations the registration's scopes
allow (and those for which Pleo documents no scope: the server decides), twice: in a
*Read-only checks* folder of the allowed reads, each list before the gets that need one
of its IDs (newman runs it in CI), and in one folder per API with every allowed
operation. IDs travel in collection variables named after the resource (`{{employeeId}}`),
whatever the path placeholder is called: one placeholder name can stand for different
resources. A list's test script stores its first record's key in its resource's
variable; a read needing an ID no allowed list yields stays out of the read-only folder
(its description names it). Every request tests for a 2xx status and, when the operation
answers with a body, a JSON body. The pre-request script sends the `accessToken` variable
as the bearer token when it is set (newman's `--env-var`); left empty, the collection's
OAuth 2.0 authorization applies.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from typing import Any

from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from core import servers
from core.pleo_api import BODY_DATA_LIST, BODY_EMPTY, BODY_PAGE, Operation, catalog
from core.pleo_api.shapes import resolve, sample

from ..models import Credential, CredentialStatus, Registration, TokenEndpointAuthMethod
from .common import check_exportable
from .json_document import JSON_TYPE

POSTMAN_WEB_CALLBACK = "https://oauth.pstmn.io/v1/browser-callback"
POSTMAN_DESKTOP_CALLBACK = "https://oauth.pstmn.io/v1/callback"
POSTMAN_COLLECTION_SCHEMA = "https://schema.getpostman.com/json/collection/v2.1.0/collection.json"
POSTMAN_EXPORTED_USING = "Partner Registration Portal"
READ_ONLY_FOLDER = "Read-only checks"
ACCESS_TOKEN_VARIABLE = "accessToken"
API_BASE_URL = "{{apiBaseUrl}}"
# Query parameters and body fields that name the token's company.
COMPANY_PARAMETERS = ("companyId", "company_id")
COMPANY_RESOURCE = "company"

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


# --- the collection and the environment ------------------------------------------------


def export_credential(registration: Registration) -> Credential | None:
    """The active credential a Postman export is for: the one issued by the server of
    the registration's environment if there is one, else the newest active one."""
    preferred = registration.pleo_server
    active = list(
        registration.credentials.filter(status=CredentialStatus.ACTIVE).order_by("-recorded_at", "-id")
    )
    for credential in active:
        if credential.server == preferred:
            return credential
    return active[0] if active else None


def export_server(registration: Registration, credential: Credential | None) -> servers.ServerEndpoints:
    """The credential's server; without one, Pleo's server for the registration's environment."""
    return servers.server_endpoints(credential.server if credential is not None else registration.pleo_server)


def postman_redirect_uri(registration: Registration) -> str:
    """Postman's web callback if registered, else its desktop callback, else the first URI."""
    uris = list(registration.redirect_uris or [])
    for candidate in (POSTMAN_WEB_CALLBACK, POSTMAN_DESKTOP_CALLBACK):
        if candidate in uris:
            return candidate
    return uris[0] if uris else ""


def postman_literal(text: str) -> str:
    """`text` with every `{{` and `}}` spaced apart, so Postman shows it rather than resolving a
    variable: it resolves `{{name}}` in the OAuth 2.0 fields, and a client name holding
    `{{clientSecret}}` would otherwise put the secret into the token's name."""
    return text.replace("{{", "{ {").replace("}}", "} }")


def _oauth2_entry(key: str, value: Any) -> dict[str, Any]:
    return {"key": key, "value": value, "type": "boolean" if isinstance(value, bool) else "string"}


def postman_collection(registration: Registration, credential: Credential | None = None) -> dict[str, Any]:
    """A Postman Collection v2.1 whose collection-level auth is OAuth 2.0 with PKCE for this client."""
    check_exportable(registration)
    redirect_uri = postman_redirect_uri(registration)
    client_authentication = (
        "body"
        if credential is not None
        and credential.token_endpoint_auth_method == TokenEndpointAuthMethod.CLIENT_SECRET_POST
        else "header"
    )
    oauth2 = [
        ("grant_type", "authorization_code_with_pkce"),
        ("challengeAlgorithm", "S256"),
        ("client_authentication", client_authentication),
        # "Authorize using browser" makes Postman use its web callback whatever the
        # field says, so it is only on when that callback is the registered one.
        ("useBrowser", redirect_uri == POSTMAN_WEB_CALLBACK),
        ("redirect_uri", redirect_uri),
        ("authUrl", "{{authServerUrl}}" + servers.AUTHORIZE_PATH),
        ("accessTokenUrl", "{{authServerUrl}}" + servers.TOKEN_PATH),
        ("clientId", "{{clientId}}"),
        ("clientSecret", "{{clientSecret}}"),
        ("scope", "{{scopes}}"),
        ("addTokenTo", "header"),
        ("headerPrefix", "Bearer"),
        ("tokenName", postman_literal(f"{registration.client_name} token")),
    ]
    return {
        "info": {
            "name": f"{registration.client_name} (Pleo API)",
            "description": (
                f"OAuth 2.0 authorization code with PKCE (S256) for {registration.client_name}. "
                "Select the matching environment file (authServerUrl, apiBaseUrl, clientId, "
                "clientSecret, scopes), then Authorization > Get New Access Token. "
                "In CI, newman sends the accessToken variable as the bearer token instead."
            ),
            "schema": POSTMAN_COLLECTION_SCHEMA,
        },
        "auth": {"type": "oauth2", "oauth2": [_oauth2_entry(key, value) for key, value in oauth2]},
        "event": collection_events(),
        "variable": collection_variables(registration.scope),
        "item": collection_items(registration.scope),
    }


@sensitive_variables()
def postman_environment(
    registration: Registration,
    credential: Credential | None = None,
    *,
    client_secret: str = "",
    exported_at: datetime | None = None,
) -> dict[str, Any]:
    """The Postman environment for `postman_collection`. The secret is empty unless the
    caller passes one obtained from `credential_secret_disclose_for_export` (check
    `check_exportable` before disclosing it: this refuses what the export may not carry)."""
    check_exportable(registration)
    server = export_server(registration, credential)
    values = [
        ("authServerUrl", server.auth_base_url, "default"),
        ("apiBaseUrl", server.api_base_url, "default"),
        ("clientId", credential.client_id if credential else "", "default"),
        ("clientSecret", client_secret, "secret"),
        ("scopes", registration.scope, "default"),
    ]
    # Stable per registration and server, so a re-import updates the same environment.
    environment_id = uuid.uuid5(uuid.NAMESPACE_URL, f"portal:registration:{registration.pk}:{server.key}")
    return {
        "id": str(environment_id),
        "name": f"{registration.client_name} ({server.label})",
        "values": [
            {"key": key, "value": value, "type": kind, "enabled": True} for key, value, kind in values
        ],
        "_postman_variable_scope": "environment",
        "_postman_exported_at": (exported_at or timezone.now()).astimezone(UTC).isoformat(),
        "_postman_exported_using": POSTMAN_EXPORTED_USING,
    }
