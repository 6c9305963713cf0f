"""The operation catalog is consistent with itself, and the shape checker catches what it should."""

from __future__ import annotations

import re

import pytest

from core.pleo_api import BODY_EMPTY, CURSOR, NO_PAGINATION, SCOPE_NOT_DOCUMENTED, catalog
from core.pleo_api.shapes import sample, shape_errors

CATALOG = catalog()
OPERATIONS = CATALOG.operations
KINDS = {"list", "search", "get", "create", "update", "delete", "action"}


def _refs(shape):
    if isinstance(shape, dict):
        if "ref" in shape:
            yield shape["ref"]
        for value in shape.values():
            yield from _refs(value)
    elif isinstance(shape, list):
        for value in shape:
            yield from _refs(value)


def test_the_catalog_has_the_72_operations_of_the_ten_apis():
    assert len(OPERATIONS) == 72
    assert len(CATALOG.groups) == 10


@pytest.mark.parametrize("operation", OPERATIONS, ids=lambda operation: operation.key)
def test_path_placeholders_and_path_parameters_are_the_same(operation):
    assert sorted(operation.template_parameters) == sorted(p.name for p in operation.path_parameters)
    assert all(p.required for p in operation.path_parameters)


@pytest.mark.parametrize("operation", OPERATIONS, ids=lambda operation: operation.key)
def test_each_operation_belongs_to_a_known_group_and_kind(operation):
    assert operation.group in {group.key for group in CATALOG.groups}
    assert operation.kind in KINDS
    assert operation.pagination in (CURSOR, NO_PAGINATION)


def test_every_documented_scope_is_in_the_scope_list():
    used = {operation.scope for operation in OPERATIONS if operation.scope}
    assert used <= set(CATALOG.scope_names)
    assert all(re.fullmatch(r"[a-z-]+:(read|write)", name) for name in CATALOG.scope_names)


def test_operations_without_a_documented_scope_say_so():
    undocumented = [operation for operation in OPERATIONS if operation.scope is None]
    assert len(undocumented) == 46
    assert {operation.scope_label for operation in undocumented} == {SCOPE_NOT_DOCUMENTED}


def test_method_and_path_are_unique_and_so_are_keys():
    assert len({(operation.method, operation.path) for operation in OPERATIONS}) == len(OPERATIONS)
    assert len({operation.key for operation in OPERATIONS}) == len(OPERATIONS)


def test_every_shape_reference_resolves():
    documents = [CATALOG.shapes] + [[operation.body_shape, operation.item_shape] for operation in OPERATIONS]
    assert set(_refs(documents)) <= set(CATALOG.shapes)


@pytest.mark.parametrize("operation", OPERATIONS, ids=lambda operation: operation.key)
def test_cursor_paginated_operations_answer_a_page(operation):
    assert (operation.pagination == CURSOR) == (operation.body == "page")
    assert (operation.response_shape() is None) == (operation.body == BODY_EMPTY)


# The shape checker ---------------------------------------------------------------

EMPLOYEE = {"ref": "employee"}


@pytest.fixture
def employee():
    return sample(EMPLOYEE, CATALOG.shapes, seed="one")


def test_a_sampled_employee_fits(employee):
    assert shape_errors(employee, EMPLOYEE, CATALOG.shapes) == []


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda e: e.pop("email"), "$.email: required field missing"),
        (lambda e: e.update(firstName=7), "$.firstName: expected string, got int"),
        (lambda e: e.update(nickname="Bo"), "$.nickname: not a documented field"),
        (lambda e: e.update(id="not-a-uuid"), "$.id: not a uuid: 'not-a-uuid'"),
        (lambda e: e.update(jobTitle=None), "$.jobTitle: null where string expected"),
    ],
)
def test_the_checker_names_what_departs_from_the_shape(employee, change, message):
    change(employee)
    assert shape_errors(employee, EMPLOYEE, CATALOG.shapes) == [message]


def test_the_checker_follows_arrays_and_enums():
    shape = {"type": "array", "items": {"ref": "vendor"}}
    vendor = sample({"ref": "vendor"}, CATALOG.shapes)
    vendor["state"] = "GONE"
    assert shape_errors([vendor], shape, CATALOG.shapes) == [
        "$[0].state: 'GONE' is not one of ['DRAFT', 'ACTIVE', 'ARCHIVED']"
    ]


def test_booleans_are_not_integers():
    assert shape_errors(True, {"type": "integer"}, {}) == ["$: expected integer, got bool"]


def test_nullable_values_may_be_null():
    assert shape_errors(None, {"type": "string", "nullable": True}, {}) == []


@pytest.mark.parametrize("operation", OPERATIONS, ids=lambda operation: operation.key)
def test_samples_fit_their_shapes(operation):
    for shape in (operation.body_shape, operation.response_shape()):
        if shape is not None:
            assert shape_errors(sample(shape, CATALOG.shapes), shape, CATALOG.shapes) == []
