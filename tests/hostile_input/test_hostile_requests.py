"""Every URL of the project, as anonymous, developer and manager, with hostile values in
every parameter: no response is a server error, and nothing is written.

The URLs come from the URLconf itself, so a view added later is swept too. Parameter
names come from the forms each page shows, plus the query parameters the views read.
Requests go through Django's test client (no CSRF check), so the view code behind the
form runs on every hostile value.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import pytest
from django.apps import apps
from django.contrib import admin
from django.db import models
from django.test import Client
from django.urls import NoReverseMatch, URLPattern, URLResolver, get_resolver, reverse

from tests.factories import DEVELOPERS, PARTNER_MANAGERS, make_connection, make_credential, make_group_member
from tests.html_forms import form_fields
from tests.sandbox.tokens import make_api_token

# Parameters the views read besides what their forms show: the dashboard's, the admin
# changelist's, and OAuth's (authorization request, callback, consent form).
QUERY_PARAMETERS = (
    *("call", "compare", "next", "q", "o", "p", "e", "_popup"),
    *("code", "state", "error", "error_description", "iss"),
    *("client_id", "redirect_uri", "response_type", "scope", "code_challenge", "code_challenge_method"),
    *("approval_prompt", "allow", "token", "token_type_hint", "grant_type", "refresh_token"),
    # The manual path's second step, shown only after its first.
    "pasted_url",
)
# Apps whose rows a hostile request must leave as they were (sessions and the
# admin's log of what a person did are not product data).
WATCHED_APPS = ("registrations", "oauthclient", "sandbox", "oauth2_provider", "auth")
# Actions whose POST writes whatever the parameters: a confirmed reveal is audited, a
# disconnect or a metadata refresh touches the connection, a statement is kept.
BY_DESIGN = {
    "admin:registrations_credential_reveal": frozenset({"registrations.SecretDisclosure"}),
    "oauthclient:disconnect": frozenset({"oauthclient.Connection", "oauthclient.Exchange"}),
    "oauthclient:server_refresh": frozenset({"oauthclient.Connection", "oauthclient.Exchange"}),
    "oauthclient:callback_statement": frozenset({"oauthclient.CallbackStatement"}),
}
HOSTILE_TEXT = {
    "odd_unicode": "\u202e\ufdfa\U0001f600\u0301",
    # A character str.isdigit() accepts and int() refuses.
    "superscript_digit": "\u00b2",
    "nul": "a\x00b",
    "huge": "9" * 50_000,
    "huge_number": "9" * 30,
    "negative": "-1",
    "broken_url": "http://[abc/?code=a&state=b",
    "markup": "<script>alert(1)</script>'\"",
}
DEEP_JSON = "[" * 100_000 + "]" * 100_000
BAD_UTF8 = b"name=\xff\xfe\xfd&x=%ff%fe"


@dataclass(frozen=True)
class Route:
    name: str
    kwargs: dict[str, str]

    @property
    def writes(self) -> frozenset[str]:
        """What a POST to this route writes by design, whatever its parameters say."""
        return BY_DESIGN.get(self.name, frozenset())

    @property
    def roles(self) -> tuple[str, ...]:
        """Who is worth sweeping it as: the admin sends anyone else to its login page
        (covered by admin:login itself) and is the managers' (developers see the
        registrations app's pages only); the sandbox's API and token endpoints know no
        session at all."""
        if self.name.startswith("admin:registrations_"):
            return ("developer", "manager")
        if self.name.startswith("admin:") and self.name != "admin:login":
            return ("manager",)
        if self.name.startswith("sandbox:") and self.name != "sandbox:authorize":
            return ("anonymous",)
        return ("anonymous", "developer", "manager")

    def url(self) -> str:
        return reverse(self.name, kwargs=self.kwargs)


def _patterns(resolvers: list[Any], prefix: str = "") -> Iterator[tuple[str, URLPattern]]:
    for entry in resolvers:
        if isinstance(entry, URLResolver):
            namespace = f"{prefix}{entry.namespace}:" if entry.namespace else prefix
            yield from _patterns(entry.url_patterns, namespace)
        elif entry.name:
            yield f"{prefix}{entry.name}", entry


def _admin_model_for(name: str) -> type[models.Model] | None:
    """The model behind an admin URL name such as admin:registrations_credential_change."""
    if not name.startswith("admin:"):
        return None
    for model in admin.site._registry:
        if name.startswith(f"admin:{model._meta.app_label}_{model._meta.model_name}_"):
            return model
    return None


def _parameter_value(name: str, parameter: str, objects: dict[str, Any]) -> str:
    """A real value for a path parameter, so the view behind it runs its own code."""
    if parameter == "app_label":
        return "registrations"
    if parameter in ("content_type_id",):
        return "1"
    model = _admin_model_for(name)
    if model is not None:
        instance = model._default_manager.order_by("pk").first()
        return str(instance.pk) if instance else "1"
    if parameter == "credential_id":
        return str(objects["credential"].pk)
    return str(objects["connection"].pk)


def _sweepable_routes() -> dict[str, list[str]]:
    """Every named URL of the project, with its path parameters, that reverses with real
    values (any number stands for a primary key here; the test uses its own rows')."""
    routes = {}
    for name, pattern in _patterns(get_resolver().url_patterns):
        # The admin's own URL-resolving helpers (view_on_site, catch-all) are not pages.
        if name in ("admin:view_on_site",) or name.endswith("catch_all_view"):
            continue
        parameters = list(pattern.pattern.regex.groupindex)
        placeholders = {
            parameter: "registrations" if parameter == "app_label" else "1" for parameter in parameters
        }
        try:
            reverse(name, kwargs=placeholders)
        except NoReverseMatch:
            continue
        routes[name] = parameters
    return routes


# Read from the URLconf when the tests are collected: one test a URL, so that the sweep
# spreads over the test workers.
ROUTES = _sweepable_routes()


def project_route(name: str, objects: dict[str, Any]) -> Route:
    return Route(name=name, kwargs={p: _parameter_value(name, p, objects) for p in ROUTES[name]})


Snapshot = dict[str, list[tuple[Any, ...]]]


def _snapshot() -> Snapshot:
    """Every row of the watched apps (last_login aside: logging in is the sweep's own doing)."""
    snapshot = {}
    for app_label in WATCHED_APPS:
        for model in apps.get_app_config(app_label).get_models():
            fields = [f.attname for f in model._meta.concrete_fields if f.attname != "last_login"]
            snapshot[model._meta.label] = list(model._default_manager.order_by("pk").values_list(*fields))
    return snapshot


@pytest.fixture
def sweep_objects(db: Any) -> dict[str, Any]:
    """A credential and a disconnected connection (nothing an action may reach out with)."""
    from oauthclient.models import ConnectionStatus

    developer = make_group_member(DEVELOPERS)
    manager = make_group_member(PARTNER_MANAGERS)
    credential = make_credential()
    connection = make_connection(user=developer, credential=credential, status=ConnectionStatus.DISCONNECTED)
    return {"developer": developer, "manager": manager, "credential": credential, "connection": connection}


def _clients(objects: dict[str, Any]) -> dict[str, Client]:
    clients = {"anonymous": Client(raise_request_exception=False)}
    for role in ("developer", "manager"):
        client = Client(raise_request_exception=False)
        client.force_login(objects[role])
        clients[role] = client
    return clients


def parameter_names(clients: dict[str, Client], urls: list[str]) -> set[str]:
    """Every input name any page shows to anyone, plus QUERY_PARAMETERS: each is tried everywhere."""
    names = set(QUERY_PARAMETERS)
    for client in clients.values():
        for url in urls:
            page = client.get(url)
            if page.status_code == 200 and "html" in page.get("Content-Type", ""):
                names |= set(form_fields(page.content.decode(errors="replace")))
    names.discard("csrfmiddlewaretoken")
    return names


# The names depend on what the pages show, not on the rows behind them: read once a process.
_parameter_names: set[str] = set()


@pytest.fixture
def hostile_names(sweep_objects: dict[str, Any]) -> set[str]:
    """Every input name any page of the project shows to anyone (parameter_names)."""
    if not _parameter_names:
        urls = [project_route(name, sweep_objects).url() for name in ROUTES]
        _parameter_names.update(parameter_names(_clients(sweep_objects), urls))
    return _parameter_names


def _hostile_requests(client: Client, url: str, names: set[str]) -> Iterator[tuple[str, Any]]:
    """(description, response) for each hostile request to one URL."""
    for kind, value in HOSTILE_TEXT.items():
        query = "&".join(f"{quote(name)}={quote(value)}" for name in sorted(names))
        yield f"GET {kind}", client.get(f"{url}?{query}")
        yield f"POST {kind}", client.post(url, dict.fromkeys(names, value))
    # The same parameter twice, where a view expects one value.
    yield "POST repeated", client.post(url, {name: ["1", "2"] for name in names})
    yield "GET bad UTF-8", client.get(f"{url}?call=%ff%fe&next=%c0%af")
    yield "POST bad UTF-8", client.generic("POST", url, BAD_UTF8, "application/x-www-form-urlencoded")
    yield "POST deep JSON", client.generic("POST", url, DEEP_JSON, "application/json")
    yield (
        "POST JSON of the wrong type",
        client.generic("POST", url, json.dumps([1, "x", None]), "application/json"),
    )


def _changes(before: Snapshot, after: Snapshot, allowed: frozenset[str]) -> list[str]:
    return [
        f"{label}: -{[row for row in rows if row not in after[label]]!r:.300} "
        f"+{[row for row in after[label] if row not in rows]!r:.300}"
        for label, rows in before.items()
        if after[label] != rows and label not in allowed
    ]


def test_the_sweep_reaches_the_dashboard_and_the_admin() -> None:
    assert {"oauthclient:connection", "admin:registrations_registration_change"} <= set(ROUTES)


@pytest.mark.parametrize("name", ROUTES)
def test_no_hostile_request_ends_in_a_server_error_or_writes(
    name: str, sweep_objects: dict[str, Any], hostile_names: set[str]
) -> None:
    route = project_route(name, sweep_objects)
    url = route.url()
    clients = _clients(sweep_objects)
    failures = []
    before = _snapshot()
    for role, client in clients.items():
        if role not in route.roles:
            continue
        for description, response in _hostile_requests(client, url, hostile_names):
            if response.status_code >= 500:
                failures.append(f"{role} {description} {url} → {response.status_code}")
    failures += [f"{url} wrote {change}" for change in _changes(before, _snapshot(), route.writes)]
    assert not failures, "\n".join(failures)


# --- the sandbox API, with a token that has every scope -------------------------------

# Values no ID has, in every path placeholder.
HOSTILE_PATH_VALUES = ("\u00b2", "9" * 5000, "\u202e\U0001f600")
# The API's query parameters get the hostile texts that reach number and cursor parsing.
HOSTILE_QUERY_VALUES = ("\u00b2", "9" * 5000, "-1", "a\x00b", "http://[abc/?code=a&state=b")


@pytest.fixture
def api_token(db: Any) -> str:
    """A sandbox access token with every scope the catalog documents, straight from the database."""
    return make_api_token()


def test_no_hostile_request_to_the_sandbox_api_ends_in_a_server_error(api_token: str) -> None:
    """Every catalog operation, with an accepted token, hostile path, query and body values.

    501 is the documented answer of the operations the sandbox does not support.
    """
    from core.pleo_api import catalog

    client = Client(raise_request_exception=False, HTTP_AUTHORIZATION=f"Bearer {api_token}")
    failures = []
    for operation in catalog().operations:
        names = [parameter.name for parameter in operation.query_parameters] + ["limit", "offset", "after"]
        # Operations without placeholders are swept once.
        for value in HOSTILE_PATH_VALUES if operation.template_parameters else HOSTILE_PATH_VALUES[:1]:
            path = operation.url_path(**dict.fromkeys(operation.template_parameters, quote(value, safe="")))
            url = f"/sandbox/api{path}"
            requests = [
                client.generic(operation.method, url + "?" + "&".join(f"{n}={quote(text)}" for n in names))
                for text in HOSTILE_QUERY_VALUES
            ]
            # A form, as a browser would post it, where the API reads JSON.
            requests.append(client.post(url, {"name": "x", "file": "y"}))
            requests += [
                client.generic(operation.method, url, body, content_type)
                for body, content_type in (
                    (DEEP_JSON, "application/json"),
                    (BAD_UTF8, "application/json"),
                    (json.dumps([1, "x", None]), "application/json"),
                    (json.dumps({"name": ["not", "a", "string"], "id": {"x": 1}}), "application/json"),
                )
            ]
            failures += [
                f"{operation.method} {url} → {response.status_code}"
                for response in requests
                if response.status_code >= 500 and response.status_code != 501
            ]
    assert not failures, "\n".join(dict.fromkeys(failures))
