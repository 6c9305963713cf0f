"""Hostile input on the sandbox API, drawn by Hypothesis: request bodies and path IDs.

Each example picks a catalog operation and sends it, through Django's test client
with a token holding every scope, a body whose text holds non-Latin-1
characters, unpaired surrogates, NUL and control characters (or any JSON at all),
or such text as a path ID. No answer is a server error, a refused request leaves
every record as it was, and text no database can store is refused with core.text's
rule.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote, urlencode

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.pleo_api import Operation, catalog
from core.pleo_api.shapes import resolve, sample
from core.text import TEXT_HOLDS_NUL, json_unstorable_reason
from sandbox import demo
from sandbox.api.demo_data import demo_company
from sandbox.models import SandboxRecord
from tests.hostile_input.fuzzing import text

from .catalog_calls import path_values, query_values
from .hostile import HOSTILE, form_text, json_values

pytestmark = pytest.mark.django_db

API = "/sandbox/api"
CATALOG = catalog()
WITH_BODY = [operation for operation in CATALOG.operations if operation.body_shape is not None]
WITH_PATH_IDS = [operation for operation in CATALOG.operations if operation.template_parameters]
NUL = "\x00"


def records() -> list[tuple[Any, ...]]:
    return list(SandboxRecord.objects.order_by("pk").values_list("pk", "parent_id", "record_id", "document"))


@pytest.fixture
def api(api_client: Any) -> Any:
    """The API client, once the demo company and its records exist (made on first use)."""
    api_client.get(f"{API}/v1/introspect")
    return api_client


def valid_body(operation: Operation) -> Any:
    """A body in the documented shape, for the demo company."""
    shape = operation.body_shape
    assert shape is not None
    body = sample(shape, CATALOG.shapes, seed=operation.key, optional=False)
    if isinstance(body, dict) and "companyId" in resolve(shape, CATALOG.shapes).get("fields", {}):
        body["companyId"] = str(demo.COMPANY_ID)
    return body


def text_places(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Where `value` holds text: each string, and each object key, by its path."""
    if isinstance(value, str):
        return [path]
    if isinstance(value, list):
        return [place for index, item in enumerate(value) for place in text_places(item, (*path, index))]
    if isinstance(value, dict):
        return [("key", *path, key) for key in value] + [
            place for key, item in value.items() for place in text_places(item, (*path, key))
        ]
    return []


def with_text(value: Any, place: tuple[Any, ...], new: str) -> Any:
    """`value` with the text at `place` (a string, or an object key) replaced by `new`."""
    if place and place[0] == "key":
        *parents, key = place[1:]
        container = value
        for step in parents:
            container = container[step]
        container[new] = container.pop(key)
        return value
    if not place:
        return new
    container = value
    for step in place[:-1]:
        container = container[step]
    container[place[-1]] = new
    return value


UNSTORABLE = (NUL, "\ud800", "\udfff")


@st.composite
def hostile_bodies(draw: Any, unstorable: bool = False) -> tuple[Operation, Any]:
    """An operation and a body for it: its valid body with one text replaced, or any JSON."""
    operation = draw(st.sampled_from(WITH_BODY))
    body = valid_body(operation)
    places = text_places(body)
    if unstorable:
        new = draw(text()) + draw(st.sampled_from(UNSTORABLE))
        return operation, with_text(body, draw(st.sampled_from(places)), new) if places else [new]
    if places and draw(st.booleans()):
        return operation, with_text(body, draw(st.sampled_from(places)), draw(text()))
    return operation, draw(json_values)


def send(api: Any, operation: Operation, body: Any) -> Any:
    """The operation on records that exist, with `body`."""
    company = demo_company()
    path = operation.url_path(**path_values(company, operation))
    query = urlencode(query_values(company, operation))
    return api.generic(operation.method, f"{API}{path}?{query}", json.dumps(body), "application/json")


def path_of(operation: Operation, values: list[str]) -> str:
    filled = dict(
        zip(operation.template_parameters, (quote(value, safe="") for value in values), strict=False)
    )
    return API + operation.url_path(**filled)


# Bodies ------------------------------------------------------------------------------------


@HOSTILE
@given(case=hostile_bodies())
def test_a_hostile_body_is_answered_and_a_refusal_writes_nothing(api, case):
    operation, body = case
    before = records()

    response = send(api, operation, body)

    assert response.status_code < 500
    if response.status_code >= 400:
        assert records() == before


@HOSTILE
@given(case=hostile_bodies(unstorable=True))
def test_unstorable_text_in_a_body_is_refused_with_the_text_rule(api, case):
    operation, body = case

    response = send(api, operation, body)

    assert (response.status_code, response.json()["message"]) == (400, json_unstorable_reason(body))


# Path IDs ----------------------------------------------------------------------------------


@HOSTILE
@given(operation=st.sampled_from(WITH_PATH_IDS), values=st.lists(form_text, min_size=3, max_size=3))
def test_a_hostile_path_id_is_answered_and_a_refusal_writes_nothing(api, operation, values):
    before = records()

    response = api.generic(operation.method, path_of(operation, values))

    assert response.status_code < 500
    if response.status_code >= 400:
        assert records() == before


@HOSTILE
@given(operation=st.sampled_from(WITH_PATH_IDS), value=form_text)
def test_nul_in_a_path_id_is_refused_with_the_text_rule(api, operation, value):
    response = api.generic(operation.method, path_of(operation, [value + NUL] * 3))

    assert (response.status_code, response.json()["message"]) == (400, TEXT_HOLDS_NUL)
