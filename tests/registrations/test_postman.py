"""The requests of the exported Postman collection (registrations.postman)."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from core.pleo_api import BODY_EMPTY, Operation, catalog
from core.pleo_api.shapes import shape_errors
from registrations.exports import postman

CATALOG = catalog()
ALL_SCOPES = " ".join(CATALOG.scope_names)
EXAMPLE_SCOPE = "users:read users:write"
SCOPE_SETS = [EXAMPLE_SCOPE, "accounts:read", "accounts:read accounts:write vendors:read", ALL_SCOPES]
_VARIABLE = re.compile(r"\{\{(\w+)\}\}")
_CAPTURE = re.compile(r'pm\.collectionVariables\.set\("(\w+)"')


def _folders(scope: str) -> dict[str, list[dict[str, Any]]]:
    return {folder["name"]: folder["item"] for folder in postman.collection_items(scope)}


def _operation(group_title: str, item: dict[str, Any]) -> Operation:
    group = next(group.key for group in CATALOG.groups if group.title == group_title)
    return next(op for op in CATALOG.in_group(group) if op.name == item["name"])


def _read_operation(item: dict[str, Any]) -> Operation:
    return next(op for op in CATALOG.operations if op.name == item["name"] and not op.writes)


def _api_operations(scope: str) -> set[str]:
    folders = _folders(scope)
    del folders[postman.READ_ONLY_FOLDER]
    return {_operation(title, item).key for title, items in folders.items() for item in items}


def _script(item: dict[str, Any], listen: str = "test") -> str:
    return "\n".join(
        line
        for event in item.get("event", [])
        if event["listen"] == listen
        for line in event["script"]["exec"]
    )


def _every_item(scope: str = ALL_SCOPES) -> list[tuple[str, dict[str, Any]]]:
    return [(title, item) for title, items in _folders(scope).items() for item in items]


def _item_for(key: str) -> dict[str, Any]:
    operation = CATALOG.operation(key)
    group = next(group.title for group in CATALOG.groups if group.key == operation.group)
    return next(item for item in _folders(ALL_SCOPES)[group] if item["name"] == operation.name)


@pytest.mark.parametrize("scope", SCOPE_SETS)
def test_api_folders_hold_the_operations_of_granted_or_undocumented_scopes(scope):
    granted = set(scope.split())
    expected = {op.key for op in CATALOG.operations if op.scope is None or op.scope in granted}
    assert _api_operations(scope) == expected


def test_an_operation_whose_scope_was_not_asked_for_is_left_out():
    assert "accounts.v4.search" not in _api_operations(EXAMPLE_SCOPE)


def test_one_folder_per_api_after_the_read_only_checks():
    titles = [group.title for group in CATALOG.groups]
    assert list(_folders(ALL_SCOPES)) == [postman.READ_ONLY_FOLDER, *titles]


def test_an_api_without_an_allowed_operation_has_no_folder():
    assert "Chart of accounts" not in _folders(EXAMPLE_SCOPE)


@pytest.mark.parametrize("scope", SCOPE_SETS)
def test_read_only_checks_hold_every_allowed_read_and_no_write(scope):
    granted = set(scope.split())
    reads = {
        op.key for op in CATALOG.operations if not op.writes and (op.scope is None or op.scope in granted)
    }
    checks = _folders(scope)[postman.READ_ONLY_FOLDER]
    assert sorted(_read_operation(item).key for item in checks) == sorted(reads)


@pytest.mark.parametrize("scope", SCOPE_SETS)
def test_read_only_checks_fill_each_id_before_a_request_uses_it(scope):
    filled: set[str] = set()
    for item in _folders(scope)[postman.READ_ONLY_FOLDER]:
        request = item["request"]
        used = set(_VARIABLE.findall(request["url"]["raw"] + request.get("body", {}).get("raw", "")))
        assert used - {"apiBaseUrl"} <= filled, item["name"]
        filled |= set(_CAPTURE.findall(_script(item)))


def test_a_list_keeps_the_key_field_of_its_first_record():
    script = _script(_item_for("tags.list-dimension-values"))
    assert 'pm.collectionVariables.set("tagDimensionValueId", String(records[0]["dimensionId"]))' in script


def test_a_read_whose_id_no_list_yields_is_left_out_of_the_checks():
    employee_get = CATALOG.operation("employees.get")
    checks = postman.read_only_checks([employee_get])
    assert (checks.operations, checks.left_out) == ((), (employee_get,))


@pytest.mark.parametrize(
    ("key", "path"),
    [
        ("employees.get", "/v2/employees/{{employeeId}}"),
        ("tag-groups.get", "/v0/tag-groups/{{tagGroupId}}"),
        ("tags.list-in-group", "/v0/tag-groups/{{tagGroupId}}/tags"),
        ("export-jobs.list-items", "/v3/export-jobs/{{exportJobId}}/items"),
        ("vendors.import-get", "/v1/vendors/csv-import/jobs/{{vendorImportId}}"),
        ("vendors.activate", "/v1/vendors/{{vendorId}}:activate"),
    ],
)
def test_path_placeholders_become_variables_named_after_their_resource(key, path):
    url = _item_for(key)["request"]["url"]
    assert url["raw"].split("?")[0] == "{{apiBaseUrl}}" + path
    assert url["path"] == path.strip("/").split("/")


def test_optional_query_parameters_are_disabled_rows():
    rows = _item_for("employees.list")["request"]["url"]["query"]
    assert [row["key"] for row in rows] == [
        p.name for p in CATALOG.operation("employees.list").query_parameters
    ]
    assert all(row["disabled"] for row in rows)


def test_a_required_company_parameter_is_an_enabled_row_with_the_company_variable():
    url = _item_for("vendors.search")["request"]["url"]
    row = next(row for row in url["query"] if row["key"] == "company_id")
    assert (row["value"], row["disabled"]) == ("{{companyId}}", False)
    assert url["raw"].endswith("?company_id={{companyId}}")


@pytest.mark.parametrize(
    "operation", [op for op in CATALOG.operations if op.body_shape], ids=lambda op: op.key
)
def test_a_request_with_a_documented_body_carries_a_json_sample_of_its_shape(operation):
    request = _item_for(operation.key)["request"]
    body = json.loads(request["body"]["raw"].replace("{{companyId}}", "0b7c7d4e-6a55-4b9e-8f57-0f4c2b0a9d31"))
    assert shape_errors(body, operation.body_shape, CATALOG.shapes) == []
    assert {"key": "Content-Type", "value": "application/json"} in request["header"]


@pytest.mark.parametrize(
    ("title", "item"), _every_item(), ids=lambda value: value if isinstance(value, str) else ""
)
def test_every_request_tests_the_status_class(title, item):
    assert "to.be.within(200, 299)" in _script(item)


@pytest.mark.parametrize("operation", CATALOG.operations, ids=lambda op: op.key)
def test_a_request_tests_for_a_json_body_where_the_operation_answers_one(operation):
    script = _script(_item_for(operation.key))
    assert ('.to.include("application/json")' in script) == (operation.body != BODY_EMPTY)


def test_every_request_inherits_the_collection_authorization():
    assert all("auth" not in item["request"] for _title, item in _every_item())


def test_every_variable_a_request_uses_is_declared(example_registration):
    collection = postman.postman_collection(example_registration)
    environment = postman.postman_environment(example_registration)
    declared = {v["key"] for v in collection["variable"]} | {v["key"] for v in environment["values"]}
    assert set(_VARIABLE.findall(json.dumps(collection["item"]))) <= declared


def test_the_access_token_variable_is_declared_empty(example_registration):
    variables = {v["key"]: v["value"] for v in postman.postman_collection(example_registration)["variable"]}
    assert variables[postman.ACCESS_TOKEN_VARIABLE] == ""


def test_the_collection_sends_the_access_token_variable_before_each_request(example_registration):
    collection = postman.postman_collection(example_registration)
    script = _script(collection, "prerequest")
    assert 'pm.variables.get("accessToken")' in script
    assert 'pm.request.headers.upsert({ key: "Authorization", value: "Bearer " + accessToken })' in script
