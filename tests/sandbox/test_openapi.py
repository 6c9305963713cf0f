"""The sandbox's own OpenAPI document: valid, complete, and true of the live sandbox."""

from __future__ import annotations

from unittest import mock

import requests
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openapi_spec_validator import validate
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from core.pleo_api import catalog
from sandbox import openapi
from sandbox.openapi import sandbox_openapi_document

from .conftest import TIMEOUT
from .error_bodies import errors_are_pleos_error_body
from .tokens import make_api_token

OPENAPI_PATH = "/sandbox/openapi.json"


def test_the_document_is_valid_openapi(db):
    validate(sandbox_openapi_document())


def test_every_catalog_operation_is_in_the_document(db):
    paths = sandbox_openapi_document()["paths"]

    missing = [op.key for op in catalog().operations if op.method.lower() not in paths.get(op.path, {})]

    assert missing == []


def test_the_server_is_the_sandbox_api(db, settings):
    settings.PORTAL_SANDBOX_URL = "https://sandbox.portal.example/sandbox"

    assert sandbox_openapi_document()["servers"][0]["url"] == "https://sandbox.portal.example/sandbox/api"


def test_the_security_scheme_is_the_sandboxs_authorization_code_flow(db, settings):
    settings.PORTAL_SANDBOX_URL = "https://sandbox.portal.example/sandbox"

    scheme = sandbox_openapi_document()["components"]["securitySchemes"][openapi.SECURITY_SCHEME]

    assert scheme["flows"]["authorizationCode"]["authorizationUrl"] == (
        "https://sandbox.portal.example/sandbox/oauth/authorize"
    )
    assert (
        scheme["flows"]["authorizationCode"]["tokenUrl"]
        == "https://sandbox.portal.example/sandbox/oauth/token"
    )


def test_the_security_scheme_offers_the_catalogs_scopes(db):
    scheme = sandbox_openapi_document()["components"]["securitySchemes"][openapi.SECURITY_SCHEME]

    assert list(scheme["flows"]["authorizationCode"]["scopes"]) == list(catalog().scope_names)


def test_each_operation_asks_for_its_documented_scope(db):
    paths = sandbox_openapi_document()["paths"]

    asked = {op.key: paths[op.path][op.method.lower()]["security"] for op in catalog().operations}

    assert asked == {
        op.key: [{openapi.SECURITY_SCHEME: [op.scope] if op.scope else []}] for op in catalog().operations
    }


def test_every_error_answer_is_pleos_error_body(db):
    paths = sandbox_openapi_document()["paths"]

    schemas = {
        response["content"]["application/json"]["schema"]["$ref"]
        for item in paths.values()
        for operation in item.values()
        for status, response in operation["responses"].items()
        if int(status) >= 400
    }

    assert schemas == {f"#/components/schemas/{openapi.ERROR_SCHEMA}"}


def test_the_document_is_built_once_per_configuration(db):
    openapi.openapi_document_for.cache_clear()
    with mock.patch.object(openapi, "catalog", wraps=catalog) as read:
        sandbox_openapi_document()
        sandbox_openapi_document()

    assert read.call_count == 1


def test_the_metadata_links_the_document(sandbox):
    metadata = requests.get(
        sandbox.base_url + "/.well-known/oauth-authorization-server/sandbox", timeout=TIMEOUT
    )

    assert metadata.json()["service_documentation"] == sandbox.base_url + OPENAPI_PATH


def test_the_document_is_served_to_any_origin(sandbox):
    response = requests.get(sandbox.base_url + OPENAPI_PATH, timeout=TIMEOUT)

    assert response.json()["openapi"] == openapi.OPENAPI_VERSION
    assert response.headers["Access-Control-Allow-Origin"] == "*"


# Schemathesis, pointed at the served document ------------------------------------------------

# A few requests per operation, valid and invalid: the document's statuses are checked too,
# so an error answer the sandbox sends and the document leaves out fails the run.
EXAMPLES_PER_OPERATION = 4
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    response_schema_conformance,
    content_type_conformance,
    errors_are_pleos_error_body,
]


def test_the_live_sandbox_answers_as_its_document_says(sandbox):
    headers = {"Authorization": f"Bearer {make_api_token()}"}
    schema = schemathesis.openapi.from_url(sandbox.base_url + OPENAPI_PATH)
    operations = [result.ok() for result in schema.get_all_operations()]

    for operation in operations:

        @given(case=st.one_of([operation.as_strategy(generation_mode=mode) for mode in GenerationMode]))
        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            derandomize=True,
            database=None,
            deadline=None,
            suppress_health_check=list(HealthCheck),
        )
        def answers_as_documented(case):
            case.call_and_validate(headers=headers, checks=CHECKS)

        answers_as_documented()

    assert len(operations) == len(catalog().operations)
