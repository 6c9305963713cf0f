"""The console's operation picker: the catalog grouped by API, the form prefilled from an
operation, scope notes, and the rule that a path keeps no `{placeholder}`."""

from __future__ import annotations

import dataclasses
import html
import json
from html.parser import HTMLParser
from typing import Any

import pytest
from django import forms
from django.core.exceptions import ValidationError

from core.pleo_api import SCOPE_NOT_DOCUMENTED, Parameter, catalog
from core.pleo_api.shapes import sample
from oauthclient import messages
from oauthclient.forms import GroupedSelect, OperationPickForm
from oauthclient.models import ScopeCheck, TestCall
from oauthclient.operations import operation_request, scope_note
from oauthclient.services.test_call import ApiRequest, api_request_check
from registrations.models import CredentialServer

from .dashboard import assert_shows, page_text

CATALOG = catalog()
WITH_PATH_PARAMETERS = [operation.key for operation in CATALOG.operations if operation.path_parameters]


def _page(dev_client: Any, connection: Any, **query: str) -> Any:
    return dev_client.get(f"/dashboard/connections/{connection.pk}/", query)


def _form_value(response: Any, name: str) -> Any:
    return response.context["test_call_form"][name].value()


def test_the_picker_offers_every_operation_under_its_api() -> None:
    field = OperationPickForm(granted=[]).fields["operation"]
    groups = {title: [key for key, _label in choices] for title, choices in field.choices[1:]}
    expected = {group.title: [op.key for op in CATALOG.in_group(group.key)] for group in CATALOG.groups}
    assert groups == expected


class _Markup(HTMLParser):
    """Tags with their attributes and text, in document order: markup compared without whitespace."""

    def __init__(self) -> None:
        super().__init__()
        self.items: list[tuple[str, ...]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.items.append((tag, *sorted(f"{name}={value}" for name, value in attrs)))

    def handle_endtag(self, tag: str) -> None:
        self.items.append(("/" + tag,))

    def handle_data(self, data: str) -> None:
        if data.strip():
            self.items.append(("text", data.strip()))


def _markup(text: str) -> list[tuple[str, ...]]:
    parser = _Markup()
    parser.feed(text)
    return parser.items


@pytest.mark.parametrize("data", [None, {"operation": "employees.get"}, {"operation": "no.such"}])
def test_the_picker_renders_what_djangos_select_template_renders(data: dict[str, str] | None) -> None:
    form = OperationPickForm(data, granted=["users:read"])
    form.is_valid()
    field = form["operation"]
    as_django = forms.Select(choices=field.field.choices).render(
        field.html_name, field.value(), attrs=field.build_widget_attrs({"id": field.auto_id})
    )
    assert _markup(str(field)) == _markup(as_django)


def test_the_picker_escapes_labels_and_values() -> None:
    widget = GroupedSelect(choices=[("<Group>", [('a"b', "<b>label</b>")])])
    rendered = widget.render("operation", 'a"b')
    assert (
        '<optgroup label="&lt;Group&gt;"><option value="a&quot;b" selected>&lt;b&gt;label&lt;/b&gt;</option>'
        in rendered
    )


def test_the_picker_renders_optgroups(dev_client: Any, connected: Any) -> None:
    text = page_text(_page(dev_client, connected))
    for group in CATALOG.groups:
        assert f'<optgroup label="{html.escape(group.title)}">' in text


@pytest.mark.parametrize(
    ("key", "granted", "note"),
    [
        ("employees.list", ["users:read"], ""),
        ("accounts.v4.create", ["users:read"], messages.OPERATION_NEEDS_SCOPE.format(scope="accounts:write")),
        ("introspect.get", ["users:read"], SCOPE_NOT_DOCUMENTED),
    ],
)
def test_each_operation_says_whether_its_scope_was_granted(key: str, granted: list[str], note: str) -> None:
    assert scope_note(CATALOG.operation(key), granted) == note


def test_a_picked_operation_fills_method_path_and_a_body_skeleton(dev_client: Any, connected: Any) -> None:
    operation = CATALOG.operation("accounts.v4.create")
    response = _page(dev_client, connected, operation=operation.key)

    assert (_form_value(response, "method"), _form_value(response, "path")) == ("POST", "/v1-beta/accounts")
    skeleton = json.loads(_form_value(response, "body"))
    assert skeleton.keys() == sample(operation.body_shape, CATALOG.shapes, optional=False).keys()


def test_a_picked_operation_without_its_scope_is_marked_on_the_form(dev_client: Any, connected: Any) -> None:
    response = _page(dev_client, connected, operation="accounts.v4.create")
    assert 'id="picked-scope-note"' in page_text(response)
    assert_shows(response, messages.OPERATION_NEEDS_SCOPE.format(scope="accounts:write"))


def test_a_picked_operation_offers_its_query_parameters_as_empty_fields(
    dev_client: Any, connected: Any
) -> None:
    response = _page(dev_client, connected, operation="employees.list")
    fields = [(field.parameter.name, field.value) for field in response.context["query_fields"]]
    assert fields[:3] == [("companyId", ""), ("email", ""), ("code", "")]
    assert [row for row in response.context["query_rows"] if row[0]] == []


def test_required_query_parameters_come_first() -> None:
    operation = dataclasses.replace(
        CATALOG.operation("employees.list"),
        parameters=(
            Parameter(name="email", location="query", type="string", required=False),
            Parameter(name="companyId", location="query", type="string", required=True),
        ),
    )
    assert operation_request(operation).query == (("companyId", ""), ("email", ""))


def test_the_skeleton_names_the_company_the_last_scope_check_learned(dev_client: Any, connected: Any) -> None:
    ScopeCheck.objects.create(connection=connected, company_id="company-7")
    response = _page(dev_client, connected, operation="accounts.v4.create")
    assert json.loads(_form_value(response, "body"))["companyId"] == "company-7"


def test_an_unknown_operation_is_a_bad_request(dev_client: Any, connected: Any) -> None:
    response = _page(dev_client, connected, operation="accounts.nope")
    assert response.status_code == 400
    assert response.context["pick_form"].errors["operation"]


def test_query_rows_left_empty_are_not_sent(dev_client: Any, connected: Any, pleo_via_fake: Any) -> None:
    dev_client.post(
        f"/dashboard/connections/{connected.pk}/test-call/",
        {
            "method": "GET",
            "path": "/v2/employees",
            "query_name": ["email", "code"],
            "query_value": ["", "E1"],
        },
    )
    (seen,) = pleo_via_fake.requests_to("/api/v2/employees")
    assert seen.query == {"code": "E1"}


@pytest.mark.parametrize("key", WITH_PATH_PARAMETERS)
def test_a_path_with_a_placeholder_left_is_refused(key: str) -> None:
    operation = CATALOG.operation(key)
    with pytest.raises(ValidationError) as refused:
        api_request_check(
            operation_request(operation), server=CredentialServer.SANDBOX, production_confirmed=False
        )
    placeholders = ", ".join("{" + name + "}" for name in operation.template_parameters)
    assert refused.value.message_dict["path"] == [messages.PATH_PLACEHOLDER.format(placeholders=placeholders)]


def test_a_path_with_its_placeholders_filled_passes() -> None:
    request = ApiRequest(method="DELETE", path="/v1-beta/accounts/a1b2")
    api_request_check(request, server=CredentialServer.SANDBOX, production_confirmed=False)


def test_a_placeholder_is_refused_next_to_the_path_and_nothing_is_sent(
    dev_client: Any, connected: Any, pleo_via_fake: Any
) -> None:
    response = dev_client.post(
        f"/dashboard/connections/{connected.pk}/test-call/",
        {"method": "DELETE", "path": "/v1-beta/accounts/{accountId}", "operation": "accounts.v4.delete"},
    )
    assert response.status_code == 400
    assert response.context["test_call_form"].errors["path"] == [
        messages.PATH_PLACEHOLDER.format(placeholders="{accountId}")
    ]
    assert response.context["picked"].operation.key == "accounts.v4.delete"
    assert not [seen for seen in pleo_via_fake.seen if seen.path.startswith("/api/")]
    assert not TestCall.objects.exists()
