"""Pleo's vendored OpenAPI documents: kept verbatim, patched only in memory, in step with the catalog."""

from __future__ import annotations

import hashlib
import re

import pytest

from core.pleo_api import catalog
from core.pleo_api.documents import (
    DEFAULT_AS_SUCCESS,
    DOCUMENTS_DIR,
    FORMAT_HINT,
    FORMAT_HINT_PATTERNS,
    SUCCESS_RANGE,
    document,
    document_names,
    errata,
    published_document,
)

README = (DOCUMENTS_DIR / "README.md").read_text(encoding="utf-8")
CHECKSUM_ROW = re.compile(
    r"^\| `(?P<name>[^`]+\.yml)` \|[^|]+\| `(?P<sha256>[0-9a-f]{64})` \|$", re.MULTILINE
)
CHECKSUMS = {match["name"]: match["sha256"] for match in CHECKSUM_ROW.finditer(README)}


def _values(node, key):
    if isinstance(node, dict):
        for name, value in node.items():
            if name == key:
                yield value
            yield from _values(value, key)
    elif isinstance(node, list):
        for value in node:
            yield from _values(value, key)


def test_the_readme_lists_every_vendored_document():
    assert sorted(CHECKSUMS) == list(document_names())
    assert len(CHECKSUMS) == 10


@pytest.mark.parametrize("name", document_names())
def test_each_document_is_byte_for_byte_the_published_one(name):
    assert hashlib.sha256((DOCUMENTS_DIR / name).read_bytes()).hexdigest() == CHECKSUMS[name]


@pytest.mark.parametrize("group", catalog().groups, ids=lambda group: group.key)
def test_each_catalog_group_names_a_vendored_document(group):
    assert group.document in document_names()


@pytest.mark.parametrize("operation", catalog().operations, ids=lambda operation: operation.key)
def test_each_catalog_operation_is_in_its_groups_document(operation):
    group = next(group for group in catalog().groups if group.key == operation.group)
    assert operation.method.lower() in document(group.document)["paths"][operation.path]


@pytest.mark.parametrize("name", document_names())
def test_the_patched_document_holds_no_format_hint_pattern(name):
    assert not set(_values(document(name), "pattern")) & FORMAT_HINT_PATTERNS


def test_the_published_document_keeps_its_format_hints():
    patterns = set(_values(published_document("pleo-export-api-v3-api-openapi.yml"), "pattern"))
    assert "YYYY-MM-DDTHH:mi:ssZ" in patterns


def test_a_format_hint_is_dropped_but_its_format_stays():
    timestamp = document("pleo-export-api-v3-api-openapi.yml")["components"]["schemas"]["ExportJobV3"][
        "properties"
    ]["createdAt"]
    assert timestamp["format"] == "date-time"
    assert "pattern" not in timestamp


def test_a_success_body_declared_as_default_becomes_the_2xx_response():
    responses = document("pleo-tags-api-openapi.yml")["paths"]["/v0/tags/{tagId}"]["get"]["responses"]
    assert "default" not in responses
    assert responses[SUCCESS_RANGE]["content"]["application/json;charset=UTF-8"]["schema"] == {
        "$ref": "#/components/schemas/DataResponseTagModel"
    }


def test_a_default_response_without_a_body_schema_is_left_alone():
    responses = document("pleo-tags-api-openapi.yml")["paths"]["/v0/tags/{tagId}"]["delete"]["responses"]
    assert "default" in responses
    assert SUCCESS_RANGE not in responses


def test_errata_name_each_change_with_its_place():
    found = errata()
    assert {erratum.kind for erratum in found} == {FORMAT_HINT, DEFAULT_AS_SUCCESS}
    assert (
        "/paths/~1v0~1tags~1{tagId}/get/responses/default",
        DEFAULT_AS_SUCCESS,
    ) in {(erratum.pointer, erratum.kind) for erratum in errata("pleo-tags-api-openapi.yml")}
    assert not errata("pleo-employees-api-openapi.yml")


def test_a_caller_changing_its_copy_changes_no_other_copy():
    first = document("pleo-employees-api-openapi.yml")
    first["paths"].clear()
    assert document("pleo-employees-api-openapi.yml")["paths"]


def test_an_unknown_document_name_is_refused():
    with pytest.raises(KeyError):
        document("../catalog.json")
