"""Pleo's ten OpenAPI documents, run by Schemathesis against the live sandbox API.

Each operation of each document (`core.pleo_api.documents.document`, errata
patched) is sent to the sandbox on 127.0.0.1 with a token holding every catalog
scope, in two runs:

- fuzzing: `FUZZ_EXAMPLES` requests per operation, valid and invalid ones, plus
  the documents' own examples. Path IDs, company IDs and a few body references are
  drawn half the time from the demo company's records (the company the token acts
  for), so requests reach records as well as 404s;
- method probes: Schemathesis's coverage phase sends every undeclared method to
  every path. It runs on a copy of the document without query parameters and
  request bodies: with them, the phase also enumerates every boundary and wrong
  type of every parameter (some 6,000 requests, several minutes of CPU).

The checks are Schemathesis's `not_a_server_error`, `response_schema_conformance`,
`content_type_conformance` and `unsupported_method`, and the sandbox's own rule that
every error answer is Pleo's JSON error body (`errors_are_pleos_error_body`).
Seeded and derandomized: the same requests on every run.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    unsupported_method,
)

from core.pleo_api import Operation, catalog
from core.pleo_api.documents import document
from sandbox import demo
from sandbox.api.demo_data import company_records
from sandbox.api.resources import RESOURCES
from sandbox.models import SandboxCompany

from .error_bodies import errors_are_pleos_error_body
from .tokens import make_api_token

SEED = 20261206
FUZZ_EXAMPLES = 8
# How often a path ID or reference is one of the demo company's records rather than generated.
KNOWN_ID_PROBABILITY = 0.5
COMPANY_FIELDS = ("query.company_id", "query.companyId", "body.companyId")
HTTP_METHODS = ("get", "put", "post", "delete", "patch", "options", "head", "trace")


CHECKS = [not_a_server_error, response_schema_conformance, content_type_conformance, unsupported_method]


# Values drawn from the demo company ------------------------------------------------


def _demo_ids() -> dict[str, list[str]]:
    """The demo company's record IDs by resource, and its own ID under "company"."""
    company = SandboxCompany(pk=demo.COMPANY_ID, name=demo.COMPANY_NAME)
    ids: dict[str, list[str]] = {"company": [str(demo.COMPANY_ID)]}
    for record in company_records(company):
        ids.setdefault(record.resource, []).append(record.record_id)
    return ids


def _path_resources(operation: Operation) -> Iterator[tuple[str, str]]:
    """(placeholder, resource it names) for each placeholder of the operation's path."""
    resource = RESOURCES.get(operation.resource or "")
    for name in operation.template_parameters:
        if resource is not None and name == resource.parent_parameter:
            yield name, resource.parent_resource
        elif resource is not None:
            yield name, resource.name


def _references(operations: tuple[Operation, ...]) -> dict[str, list[str]]:
    """Binding key (`path.tagId`, `body.jobId`…) → the demo IDs it may take."""
    ids = _demo_ids()
    references: dict[str, set[str]] = {key: set(ids["company"]) for key in COMPANY_FIELDS}
    for operation in operations:
        for name, resource in _path_resources(operation):
            references.setdefault(f"path.{name}", set()).update(ids.get(resource, []))
    references["body.jobId"] = set(ids["export-job"])
    references["body.tagIds[*]"] = set(ids["tag"])
    references["body.taxCodeIds[*]"] = set(ids["tax-code"])
    references["body.accountingEntryIds[*]"] = set(ids["export-job-item"])
    return {key: sorted(values) for key, values in references.items() if values}


def _config(operations: tuple[Operation, ...], phases: dict[str, Any]) -> SchemathesisConfig:
    references = _references(operations)
    dictionaries = {key.replace("[*]", "-items"): values for key, values in references.items()}
    return SchemathesisConfig.from_dict(
        {
            "seed": SEED,
            "generation": {"max-examples": FUZZ_EXAMPLES, "deterministic": True, "database": "none"},
            "phases": phases,
            "dictionaries": {name: {"values": values} for name, values in dictionaries.items()},
            "parameters": {
                key: {"dictionary": key.replace("[*]", "-items"), "probability": KNOWN_ID_PROBABILITY}
                for key in references
            },
        }
    )


# The two runs' documents -----------------------------------------------------------


def _operations_of(name: str) -> tuple[Operation, ...]:
    groups = {group.key for group in catalog().groups if group.document == name}
    return tuple(operation for operation in catalog().operations if operation.group in groups)


def fuzzing_schema(name: str) -> Any:
    config = _config(_operations_of(name), {"coverage": {"enabled": False}})
    return schemathesis.openapi.from_dict(document(name), config=config)


def method_probe_document(name: str) -> dict[str, Any]:
    """The document as a method probe needs it: no query parameters or request bodies, and each
    path ID one demo record's (a probe is about the method, not the values)."""
    known = _references(_operations_of(name))
    probed = document(name)
    for item in probed["paths"].values():
        for method in HTTP_METHODS:
            operation = item.get(method)
            if operation is None:
                continue
            operation.pop("requestBody", None)
            parameters = [p for p in operation.get("parameters", []) if p.get("in") == "path"]
            for parameter in parameters:
                ids = known.get(f"path.{parameter['name']}", [])
                parameter["schema"] = {"enum": ids[:1]} if ids else {}
            operation["parameters"] = parameters
    return probed


def method_probe_schema(name: str) -> Any:
    phases = {"examples": {"enabled": False}, "fuzzing": {"enabled": False}}
    config = _config(_operations_of(name), phases)
    return schemathesis.openapi.from_dict(method_probe_document(name), config=config)


# The live sandbox ------------------------------------------------------------------


@dataclass(frozen=True)
class LiveApi:
    url: str
    headers: dict[str, str]


@pytest.fixture
def live_api(live_server: Any, settings: Any) -> LiveApi:
    """The sandbox API on the live server, with a token that holds every catalog scope."""
    settings.PORTAL_SANDBOX_ENABLED = True
    token = make_api_token()
    return LiveApi(url=live_server.url + "/sandbox/api", headers={"Authorization": f"Bearer {token}"})


def _contract_test(schema: Any) -> Callable[..., None]:
    # The fixture's token and server serve every example of an operation alike.
    @schema.parametrize()
    @settings(deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    def test(case: Any, live_api: LiveApi) -> None:
        case.call_and_validate(
            base_url=live_api.url,
            headers=live_api.headers,
            checks=CHECKS,
            additional_checks=[errors_are_pleos_error_body],
        )

    return test


test_accounts_fuzzing = _contract_test(fuzzing_schema("pleo-accounts-api-openapi.yml"))
test_accounts_methods = _contract_test(method_probe_schema("pleo-accounts-api-openapi.yml"))
test_companies_fuzzing = _contract_test(fuzzing_schema("pleo-companies-api-openapi.yml"))
test_companies_methods = _contract_test(method_probe_schema("pleo-companies-api-openapi.yml"))
test_employees_fuzzing = _contract_test(fuzzing_schema("pleo-employees-api-openapi.yml"))
test_employees_methods = _contract_test(method_probe_schema("pleo-employees-api-openapi.yml"))
test_export_jobs_fuzzing = _contract_test(fuzzing_schema("pleo-export-api-v3-api-openapi.yml"))
test_export_jobs_methods = _contract_test(method_probe_schema("pleo-export-api-v3-api-openapi.yml"))
test_export_items_fuzzing = _contract_test(fuzzing_schema("pleo-export-items-v3-api-openapi.yml"))
test_export_items_methods = _contract_test(method_probe_schema("pleo-export-items-v3-api-openapi.yml"))
test_introspection_fuzzing = _contract_test(fuzzing_schema("pleo-external-clients-api-openapi.yml"))
test_introspection_methods = _contract_test(method_probe_schema("pleo-external-clients-api-openapi.yml"))
test_vendors_fuzzing = _contract_test(fuzzing_schema("pleo-external-vendors-api-openapi.yml"))
test_vendors_methods = _contract_test(method_probe_schema("pleo-external-vendors-api-openapi.yml"))
test_tag_groups_fuzzing = _contract_test(fuzzing_schema("pleo-tag-groups-api-openapi.yml"))
test_tag_groups_methods = _contract_test(method_probe_schema("pleo-tag-groups-api-openapi.yml"))
test_tags_fuzzing = _contract_test(fuzzing_schema("pleo-tags-api-openapi.yml"))
test_tags_methods = _contract_test(method_probe_schema("pleo-tags-api-openapi.yml"))
test_tax_codes_fuzzing = _contract_test(fuzzing_schema("pleo-tax-codes-api-openapi.yml"))
test_tax_codes_methods = _contract_test(method_probe_schema("pleo-tax-codes-api-openapi.yml"))
