"""The exports on arbitrary registrations (property-based).

- Any valid registration exported as JSON or CSV imports back to the same registration.
- Any valid registration's Markdown form is literal text in well-formed tables, whatever
  its client name holds.
- Any registration a database can hold (rows saved before a rule, with any storable text)
  is exported as well-formed JSON, CSV and Postman files, or refused with the rules' words.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections import Counter
from typing import Any

import pytest
from hypothesis import given, settings
from markdown_it import MarkdownIt

from registrations import exports
from registrations.exports.csv_table import (
    CSV_COLUMNS,
    CSV_FORMULA_STARTS,
    CSV_LIST_KEYS,
    csv_row_to_metadata,
)
from registrations.exports.postman import postman_collection, postman_environment
from registrations.exports.submission_form import registration_markdown
from registrations.fields import EDITABLE_FIELDS, form_groups
from registrations.importing import registrations_import
from registrations.metadata import registration_to_client_metadata
from registrations.models import Registration
from registrations.services.registration import registration_create
from registrations.validators import scope_problems

from .fuzzing import CI, states_a_rule, storable_registrations, valid_registrations

pytestmark = pytest.mark.django_db

READABLE = [key for key, export in exports.EXPORT_FORMATS.items() if export.read]
VARIABLE = re.compile(r"\{\{([^{}]*)\}\}")
# Markdown tokens that a value would only produce if its syntax took effect.
SEPARATOR = "<br>"
MARKUP_TOKENS = {
    "link_open",
    "image",
    "html_inline",
    "html_block",
    "code_inline",
    "em_open",
    "strong_open",
    "s_open",
}


def _fields(registration: Registration) -> dict[str, Any]:
    return {name: getattr(registration, name) for name in EDITABLE_FIELDS}


@pytest.mark.parametrize("fmt", READABLE)
def test_an_export_of_any_valid_registration_imports_back_to_the_same_registration(fmt: str) -> None:
    export = exports.EXPORT_FORMATS[fmt]
    assert export.read is not None

    @settings(CI, max_examples=30)
    @given(values=valid_registrations())
    def check(values: dict[str, Any]) -> None:
        original = registration_create(**values)
        result = registrations_import(documents=export.read(export.render(original)))
        assert [entry.errors for entry in result.entries] == [{}]
        assert _fields(result.created[0]) == _fields(original)

    check()


def _tables(tokens: list[Any]) -> list[list[int]]:
    """For each table of the Markdown, the number of cells of each of its rows."""
    tables: list[list[int]] = []
    for token in tokens:
        if token.type == "table_open":
            tables.append([])
        elif token.type == "tr_open":
            tables[-1].append(0)
        elif token.type in ("th_open", "td_open"):
            tables[-1][-1] += 1
    return tables


def test_the_markdown_of_any_valid_registration_is_literal_text_in_its_tables() -> None:
    parser = MarkdownIt("commonmark").enable("table").enable("strikethrough")
    expected = [[2] * (len(fields) + 1) for _group, fields in form_groups()]  # a header, then a row a field

    @settings(CI, max_examples=30)
    @given(values=valid_registrations())
    def check(values: dict[str, Any]) -> None:
        tokens = parser.parse(registration_markdown(registration_create(**values)))
        # The <br> between the values of a list is the export's own.
        markup = {
            child.type
            for token in tokens
            for child in token.children or []
            if child.type in MARKUP_TOKENS and child.content != SEPARATOR
        }
        assert (_tables(tokens), markup) == (expected, set())

    check()


def _check_refusal(refused: exports.ExportRefused) -> None:
    assert refused.problems, "refused without saying why"
    assert [message for _label, message in refused.problems if not states_a_rule(message)] == []


def _check_json(registration: Registration) -> None:
    text = exports.EXPORT_FORMATS["json"].render(registration)
    assert json.loads(text) == registration_to_client_metadata(registration)


def _check_csv(registration: Registration) -> None:
    text = exports.EXPORT_FORMATS["csv"].render(registration)
    header, row = csv.reader(io.StringIO(text, newline=""))
    assert (tuple(header), len(row)) == (CSV_COLUMNS, len(CSV_COLUMNS))
    assert [cell for cell in row if cell.startswith(CSV_FORMULA_STARTS)] == []
    document = registration_to_client_metadata(registration)
    read = csv_row_to_metadata(dict(zip(header, row, strict=True)))
    # A list entry holding a line break would come back as two: only lists are joined.
    assert {k: v for k, v in read.items() if k not in CSV_LIST_KEYS} == {
        k: v for k, v in document.items() if k not in CSV_LIST_KEYS
    }


def _check_postman(registration: Registration) -> None:
    environment = json.loads(exports.render_json(postman_environment(registration)))
    values = {entry["key"]: entry["value"] for entry in environment["values"]}
    collection = json.loads(exports.render_json(postman_collection(registration)))
    declared = {variable["key"] for variable in collection["variable"]} | set(values)
    # Every variable the requests use is declared: none comes from what the registration holds.
    used = set(VARIABLE.findall(json.dumps(collection["item"])))
    assert (values["scopes"], used - declared) == (registration.scope, set())


def test_any_registration_a_database_holds_exports_well_formed_or_is_refused_with_the_rules() -> None:
    outcomes: Counter[str] = Counter()

    @settings(CI, max_examples=30)
    @given(values=storable_registrations())
    def check(values: dict[str, Any]) -> None:
        registration = Registration.objects.create(**values)  # saved past the rules
        try:
            _check_json(registration)
            _check_csv(registration)
            _check_postman(registration)
        except exports.ExportRefused as refused:
            outcomes["refused"] += 1
            _check_refusal(refused)
        else:
            outcomes["exported"] += 1
            # What was exported carries no scope a tool would resolve or refuse.
            assert scope_problems(registration.scope) == []

    check()
    # Not vacuous: the examples reached both the exporting and the refusing branch.
    assert outcomes["exported"] > 0, outcomes
    assert outcomes["refused"] > 0, outcomes
