"""RegistrationAdmin and ScopeAdmin through the admin client: list, search, filters, the
form (errors next to their field, warnings after save), status actions, history, and
a changelist whose query count does not grow with the rows."""

from __future__ import annotations

import re
from typing import Any
from unittest import mock

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core.text import TEXT_HOLDS_NUL
from registrations import selectors
from registrations import validators as v
from registrations.exports import postman
from registrations.models import Registration, RegistrationStatus, Scope
from registrations.services.registration import READY_NEEDS_VALID
from tests.factories import make_registration, make_user, registration_data

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:registrations_registration_changelist")
ADD = reverse("admin:registrations_registration_add")


def _change_url(registration: Registration) -> str:
    return reverse("admin:registrations_registration_change", args=[registration.pk])


def _form_data(response: Any, **overrides: Any) -> dict[str, Any]:
    """What the browser would post: the Example Client plus the inlines' management forms."""
    data: dict[str, Any] = {
        "client_name": "Example Client",
        "client_uri": "https://client.example/",
        "logo_uri": "",
        "tos_uri": "https://client.example/legal/tos.html",
        "policy_uri": "https://client.example/legal/privacy.pdf",
        "contacts": "name.surname@example.io",
        "initiation_uri": "",
        "settings_uri": "",
        "redirect_uris": "https://oauth.pstmn.io/v1/browser-callback",
        "scope": ["users:read", "users:write"],
        "other_scopes": "",
        "pkce_supported": "True",
        "subject_type_preference": "",
        "environment": "staging",
        "application_type": "web",
    }
    for inline in response.context["inline_admin_formsets"]:
        management = inline.formset.management_form
        for name in management.fields:
            data[management.add_prefix(name)] = management[name].value()
    data.update(overrides)
    return data


def _post_add(client: Client, **overrides: Any) -> Any:
    return client.post(ADD, _form_data(client.get(ADD), **overrides))


def _messages(response: Any) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def _names_listed(response: Any) -> list[str]:
    return [registration.client_name for registration in response.context["cl"].result_list]


# --- changelist --------------------------------------------------------------------------


def test_changelist_lists_registrations(admin_client: Client) -> None:
    make_registration()
    response = admin_client.get(CHANGELIST)
    assert (response.status_code, _names_listed(response)) == (200, ["Example Client"])


@pytest.mark.parametrize(
    "query",
    ["Acme", "acme.example", "ops@acme.example", "oauth.acme.example"],
    ids=["name", "client-uri", "contact", "redirect-uri"],
)
def test_search(admin_client: Client, query: str) -> None:
    make_registration()
    make_registration(
        client_name="Acme",
        client_uri="https://acme.example/",
        contacts=["ops@acme.example"],
        redirect_uris=["https://oauth.acme.example/cb"],
    )
    assert _names_listed(admin_client.get(CHANGELIST, {"q": query})) == ["Acme"]


def test_filter_by_status(admin_client: Client) -> None:
    make_registration()
    make_registration(client_name="Archived one")
    Registration.objects.filter(client_name="Archived one").update(status=RegistrationStatus.ARCHIVED)
    assert _names_listed(admin_client.get(CHANGELIST, {"status__exact": "archived"})) == ["Archived one"]


def test_filter_by_environment(admin_client: Client) -> None:
    make_registration()
    make_registration(client_name="Prod", environment="production")
    assert _names_listed(admin_client.get(CHANGELIST, {"environment__exact": "production"})) == ["Prod"]


def test_scope_filter_offers_the_catalog(admin_client: Client) -> None:
    response = admin_client.get(CHANGELIST)
    scope_filter = next(
        f for f in response.context["cl"].filter_specs if getattr(f, "parameter_name", "") == "scope"
    )
    assert [value for value, _ in scope_filter.lookup_choices][:2] == ["accounts:read", "accounts:write"]


@pytest.mark.parametrize(
    ("scope", "listed"),
    [
        ("users:read", True),
        ("accounts:read users:read", True),
        ("users:read accounts:read", True),
        ("accounts:read users:read accounts:write", True),
        ("users:readall", False),
        ("xusers:read", False),
        ("accounts:read", False),
    ],
)
def test_scope_filter_matches_whole_tokens(admin_client: Client, scope: str, listed: bool) -> None:
    make_registration(client_name="Candidate", scope=scope)
    response = admin_client.get(CHANGELIST, {"scope": "users:read"})
    assert _names_listed(response) == (["Candidate"] if listed else [])


def _changelist_queries(client: Client) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(CHANGELIST)
    assert response.status_code == 200
    return len(captured)


def _bulk_registrations(count: int, owner: Any) -> None:
    Registration.objects.bulk_create(
        Registration(**registration_data(client_name=f"Client {n}"), owner=owner) for n in range(count)
    )


def test_changelist_query_count_does_not_grow_with_rows(admin_client: Client) -> None:
    owner = make_user()
    _bulk_registrations(10, owner)
    admin_client.get(CHANGELIST)  # warm caches (content types, session) for both measurements
    ten = _changelist_queries(admin_client)
    _bulk_registrations(990, owner)
    assert _changelist_queries(admin_client) == ten


# --- the add form ------------------------------------------------------------------------


def test_add_form_offers_postman_presets(admin_client: Client) -> None:
    content = admin_client.get(ADD).content.decode()
    presets = re.findall(r'data-redirect-preset="([^"]*)"', content)
    assert presets == [
        postman.POSTMAN_WEB_CALLBACK,
        postman.POSTMAN_DESKTOP_CALLBACK,
        f"{postman.POSTMAN_WEB_CALLBACK} {postman.POSTMAN_DESKTOP_CALLBACK}",
    ]


def test_add_form_loads_its_script_from_the_project(admin_client: Client) -> None:
    content = admin_client.get(ADD).content.decode()
    assert "registrations/registration_form.js" in content


def test_add_form_shows_scope_descriptions(admin_client: Client) -> None:
    content = admin_client.get(ADD).content.decode()
    assert "users:read — Read users (employees) of the company. (staging, production)" in content


def test_add_valid_creates_a_draft_owned_by_the_manager(admin_client: Client, admin_user: Any) -> None:
    response = _post_add(admin_client)
    registration = Registration.objects.get()
    assert (response.status_code, registration.status, registration.owner) == (302, "draft", admin_user)


def test_add_stores_lines_as_a_list(admin_client: Client) -> None:
    _post_add(admin_client, redirect_uris="https://a.example/cb\r\n\r\nhttps://b.example/cb\r\n")
    assert Registration.objects.get().redirect_uris == ["https://a.example/cb", "https://b.example/cb"]


def test_add_combines_catalog_and_other_scopes(admin_client: Client) -> None:
    _post_add(admin_client, scope=["users:read"], other_scopes="  cards:read  ")
    assert Registration.objects.get().scope == "users:read cards:read"


def test_add_records_history(admin_client: Client, admin_user: Any) -> None:
    _post_add(admin_client)
    assert Registration.objects.get().history.get().history_user == admin_user


# (form overrides, field, errors)
FIELD_ERRORS = [
    pytest.param(
        {"redirect_uris": "https://a.example/cb\nhttp://a.example/cb"},
        "redirect_uris",
        [f"Redirect URI 2 “http://a.example/cb” {v.REDIRECT_URI_HTTP_NOT_LOOPBACK}"],
        id="redirect-uri",
    ),
    pytest.param(
        {"redirect_uris": ""}, "redirect_uris", [v.REDIRECT_URIS_REQUIRED], id="redirect-uris-empty"
    ),
    pytest.param(
        {"contacts": "Name <a@b.example>"},
        "contacts",
        [v.CONTACT_INVALID.format(contact="Name <a@b.example>")],
        id="contact",
    ),
    pytest.param({"contacts": ""}, "contacts", [v.CONTACTS_REQUIRED], id="contacts-empty"),
    pytest.param({"scope": []}, "scope", [v.SCOPE_REQUIRED], id="scope-empty"),
    pytest.param(
        {"environment": "production", "other_scopes": "cards:read"},
        "scope",
        [v.SCOPE_NOT_IN_CATALOG_ERROR.format(token="cards:read")],
        id="scope-not-in-catalog-production",
    ),
    pytest.param(
        {"other_scopes": 'bad"token'},
        "other_scopes",
        [v.SCOPE_TOKEN_SYNTAX.format(token='bad"token')],
        id="other-scope",
    ),
    pytest.param(
        {"other_scopes": "{{clientSecret}}"},
        "other_scopes",
        [v.SCOPE_TEMPLATE_SYNTAX.format(token="{{clientSecret}}")],
        id="other-scope-template-syntax",
    ),
    pytest.param(
        {"other_scopes": "openid"},
        "scope",
        [v.SCOPE_NOT_PLEO_FORM.format(token="openid")],
        id="other-scope-not-in-pleos-form",
    ),
    pytest.param(
        {"client_name": "Example\x07Client"}, "client_name", [v.CLIENT_NAME_CONTROL], id="client-name-control"
    ),
    pytest.param({"client_name": ""}, "client_name", [v.REQUIRED], id="client-name-empty"),
    pytest.param({"client_uri": "client.example"}, "client_uri", [v.URI_NOT_ABSOLUTE], id="client-uri"),
    pytest.param({"client_uri": ""}, "client_uri", ["This field is required."], id="client-uri-empty"),
    pytest.param(
        {"environment": "production", "logo_uri": "http://client.example/logo.png"},
        "logo_uri",
        [v.URI_HTTPS_REQUIRED],
        id="logo-uri-production",
    ),
    pytest.param(
        {"subject_type_preference": "Company"},
        "subject_type_preference",
        [v.SUBJECT_TYPE_SYNTAX],
        id="subject-type",
    ),
]


@pytest.mark.parametrize(("overrides", "field", "errors"), FIELD_ERRORS)
def test_add_shows_each_error_on_its_field(
    admin_client: Client, overrides: dict[str, Any], field: str, errors: list[str]
) -> None:
    response = _post_add(admin_client, **overrides)
    assert (response.status_code, dict(response.context["adminform"].form.errors)) == (200, {field: errors})


# The form's text fields, each holding the NUL character (the one unstorable character an
# HTTP form can carry: a browser's UTF-8 cannot encode an unpaired surrogate).
TEXT_FORM_FIELDS = [
    "client_name",
    "client_uri",
    "logo_uri",
    "tos_uri",
    "policy_uri",
    "contacts",
    "redirect_uris",
    "other_scopes",
    "subject_type_preference",
    "initiation_uri",
    "settings_uri",
]


@pytest.mark.parametrize("field", TEXT_FORM_FIELDS)
def test_add_refuses_a_nul_on_its_field_with_the_storable_text_rule(admin_client: Client, field: str) -> None:
    response = _post_add(admin_client, **{field: "https://client.example/a\x00b"})
    assert dict(response.context["adminform"].form.errors) == {field: [TEXT_HOLDS_NUL]}


def test_add_error_is_rendered_in_the_field_row(admin_client: Client) -> None:
    content = _post_add(admin_client, contacts="not-an-email").content.decode()
    row = content[content.index('field-contacts"') : content.index('field-initiation_uri"')]
    assert "“not-an-email” is not a bare email address" in row


def test_add_with_errors_saves_nothing(admin_client: Client) -> None:
    _post_add(admin_client, redirect_uris="javascript:alert(1)")
    assert not Registration.objects.exists()


def test_warnings_are_shown_after_save(admin_client: Client) -> None:
    response = _post_add(
        admin_client,
        redirect_uris="http://localhost:3000/cb\nhttp://localhost:3000/cb/",
        other_scopes="cards:read",
    )
    assert [m for m in _messages(response) if "localhost" in m or "catalog" in m] == [
        f"Redirect URIs: Redirect URI 1 “http://localhost:3000/cb” {v.REDIRECT_URI_LOCALHOST_WARNING}",
        f"Redirect URIs: Redirect URI 2 “http://localhost:3000/cb/” {v.REDIRECT_URI_LOCALHOST_WARNING}",
        "Redirect URIs: Redirect URI 2 “http://localhost:3000/cb/” "
        + v.REDIRECT_URI_NEAR_DUPLICATE.format(other="http://localhost:3000/cb"),
        "Scopes: " + v.SCOPE_NOT_IN_CATALOG_WARNING.format(token="cards:read"),
    ]


# --- change ------------------------------------------------------------------------------


def test_change_form_shows_lists_one_per_line(admin_client: Client) -> None:
    registration = make_registration(contacts=["a@client.example", "b@client.example"])
    form = admin_client.get(_change_url(registration)).context["adminform"].form
    assert form["contacts"].value() == "a@client.example\nb@client.example"


def test_change_saves_through_the_service(admin_client: Client) -> None:
    registration = make_registration()
    response = admin_client.get(_change_url(registration))
    admin_client.post(_change_url(registration), _form_data(response, client_name="Renamed"))
    registration.refresh_from_db()
    assert (registration.client_name, registration.history.count()) == ("Renamed", 2)


@pytest.mark.parametrize("adding", [True, False], ids=["add", "change"])
def test_a_save_judges_once_and_reads_the_scope_catalog_once(admin_client: Client, adding: bool) -> None:
    url = ADD if adding else _change_url(make_registration())
    data = _form_data(admin_client.get(url), client_name="Judged Once")
    scope_table = Scope._meta.db_table
    with (
        mock.patch.object(selectors, "check_registration", wraps=v.check_registration) as judged,
        CaptureQueriesContext(connection) as queries,
    ):
        response = admin_client.post(url, data)
    catalog_reads = [query["sql"] for query in queries.captured_queries if scope_table in query["sql"]]
    assert (response.status_code, judged.call_count, len(catalog_reads)) == (302, 1, 1)
    assert Registration.objects.filter(client_name="Judged Once").exists()


def test_change_keeps_the_stored_scope_order(admin_client: Client) -> None:
    registration = make_registration(scope="users:write cards:read users:read")
    response = admin_client.get(_change_url(registration))
    data = _form_data(response, scope=["users:read", "users:write"], other_scopes="cards:read")
    admin_client.post(_change_url(registration), data)
    registration.refresh_from_db()
    assert (registration.scope, registration.history.count()) == ("users:write cards:read users:read", 1)


def test_change_shows_status_read_only(admin_client: Client) -> None:
    form = admin_client.get(_change_url(make_registration())).context["adminform"].form
    assert "status" not in form.fields


def test_history_page_lists_changes(admin_client: Client) -> None:
    registration = make_registration()
    response = admin_client.get(_change_url(registration))
    admin_client.post(_change_url(registration), _form_data(response, client_name="Renamed"))
    history = admin_client.get(reverse("admin:registrations_registration_history", args=[registration.pk]))
    assert (history.status_code, [r.client_name for r in history.context["page_obj"]]) == (
        200,
        ["Renamed", "Example Client"],
    )


# --- status actions ------------------------------------------------------------------------


def _act(client: Client, action: str, *registrations: Registration) -> Any:
    return client.post(
        CHANGELIST, {"action": action, "_selected_action": [r.pk for r in registrations]}, follow=True
    )


def test_mark_ready_action(admin_client: Client) -> None:
    registration = make_registration()
    _act(admin_client, "mark_ready", registration)
    registration.refresh_from_db()
    assert registration.status == RegistrationStatus.READY


def test_mark_ready_action_refuses_an_invalid_registration(admin_client: Client) -> None:
    registration = Registration.objects.create(**registration_data(client_uri="client.example"))
    response = _act(admin_client, "mark_ready", registration)
    registration.refresh_from_db()
    assert registration.status == RegistrationStatus.DRAFT
    assert any(
        READY_NEEDS_VALID in message and v.URI_NOT_ABSOLUTE in message for message in _messages(response)
    )


def test_submit_action_records_when(admin_client: Client) -> None:
    registration = make_registration()
    _act(admin_client, "mark_ready", registration)
    _act(admin_client, "submit", registration)
    registration.refresh_from_db()
    assert (registration.status, registration.submitted_at is not None) == (
        RegistrationStatus.SUBMITTED,
        True,
    )


def test_action_reports_how_many_moved(admin_client: Client) -> None:
    first, second = make_registration(), make_registration(client_name="Second")
    response = _act(admin_client, "archive", first, second)
    assert "2 registration(s) moved to “Archived”." in _messages(response)


def test_actions_need_change_permission(client: Client) -> None:
    viewer = make_user(is_staff=True)
    viewer.user_permissions.add(*_permissions("view_registration"))
    client.force_login(viewer)
    registration = make_registration()
    _act(client, "archive", registration)
    registration.refresh_from_db()
    assert registration.status == RegistrationStatus.DRAFT


def _permissions(*codenames: str) -> list[Any]:
    from django.contrib.auth.models import Permission

    return list(Permission.objects.filter(codename__in=codenames))


# --- scope catalog -------------------------------------------------------------------------


def test_scope_admin_lists_the_seeded_catalog(admin_client: Client) -> None:
    response = admin_client.get(reverse("admin:registrations_scope_changelist"))
    assert [scope.name for scope in response.context["cl"].result_list][:3] == [
        "accounts:read",
        "accounts:write",
        "export-items:read",
    ]


def test_scope_admin_refuses_a_nul_in_the_description_with_the_storable_text_rule(
    admin_client: Client,
) -> None:
    response = admin_client.post(
        reverse("admin:registrations_scope_add"),
        {"name": "cards:read", "description": "Cards\x00", "in_staging": "on"},
    )
    assert response.context["adminform"].form.errors == {"description": [TEXT_HOLDS_NUL]}


def test_scope_admin_rejects_a_bad_token(admin_client: Client) -> None:
    response = admin_client.post(
        reverse("admin:registrations_scope_add"), {"name": "bad scope", "description": "", "in_staging": "on"}
    )
    assert response.context["adminform"].form.errors["name"] == [
        v.SCOPE_TOKEN_SYNTAX.format(token="bad scope")
    ]


@pytest.mark.parametrize("name", ["-1", "users", "Users:read", "users:read:all", "http://x/?a=b", "users:"])
def test_scope_admin_keeps_the_catalog_in_pleos_resource_permission_form(
    admin_client: Client, name: str
) -> None:
    response = admin_client.post(
        reverse("admin:registrations_scope_add"), {"name": name, "description": "", "in_staging": "on"}
    )
    assert response.context["adminform"].form.errors["name"] == [v.CATALOG_SCOPE_FORM.format(name=name)]
    assert not Scope.objects.filter(name=name).exists()


def test_scope_admin_adds_a_scope_in_pleos_form(admin_client: Client) -> None:
    admin_client.post(
        reverse("admin:registrations_scope_add"),
        {"name": "tax-codes:read", "description": "", "in_staging": "on"},
    )
    assert Scope.objects.filter(name="tax-codes:read").exists()
