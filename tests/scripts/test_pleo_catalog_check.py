"""scripts/pleo_catalog_check.py lists what Pleo's OpenAPI documents add, remove or change."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import yaml

from core.pleo_api import catalog

_SPEC = importlib.util.spec_from_file_location(
    "pleo_catalog_check", Path(__file__).resolve().parents[2] / "scripts" / "pleo_catalog_check.py"
)
assert _SPEC is not None
assert _SPEC.loader is not None
check = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(check)


def _openapi_paths() -> dict:
    """The catalog written back as OpenAPI `paths` (what Pleo's documents say today)."""
    paths: dict = {}
    for operation in catalog().operations:
        parameters = [
            {"name": p.name, "in": p.location, "required": p.required, "schema": {"type": p.type}}
            for p in operation.parameters
        ]
        paths.setdefault(operation.path, {})[operation.method.lower()] = {"parameters": parameters}
    return paths


def _write(directory: Path, paths: dict) -> Path:
    (directory / "pleo-api.yml").write_text(yaml.safe_dump({"openapi": "3.0.1", "paths": paths}))
    return directory


def test_documents_like_the_catalog_are_in_step(tmp_path, capsys):
    assert check.main([str(_write(tmp_path, _openapi_paths()))]) == 0
    assert "in step" in capsys.readouterr().out


def test_a_new_operation_is_listed_as_added(tmp_path):
    paths = _openapi_paths()
    paths["/v1/cards"] = {"get": {"parameters": []}}

    result = check.compare(check.document_operations(_write(tmp_path, paths)), catalog())

    assert result["added"] == ["GET /v1/cards (pleo-api.yml)"]


def test_a_dropped_operation_is_listed_as_removed(tmp_path):
    paths = _openapi_paths()
    del paths["/v0/tags"]["delete"]

    result = check.compare(check.document_operations(_write(tmp_path, paths)), catalog())

    assert result["removed"] == ["DELETE /v0/tags"]


def test_a_parameter_that_became_required_is_listed_as_changed(tmp_path):
    paths = _openapi_paths()
    paths["/v2/employees"]["get"]["parameters"][1]["required"] = True

    result = check.compare(check.document_operations(_write(tmp_path, paths)), catalog())

    assert result["changed"] == [
        {
            "operation": "GET /v2/employees",
            "differences": [
                "email: catalog ('query', 'string', False) ≠ documents ('query', 'string', True)"
            ],
        }
    ]


def test_paging_parameters_are_not_compared(tmp_path):
    paths = _openapi_paths()
    paths["/v2/employees"]["get"]["parameters"].append(
        {"name": "limit", "in": "query", "schema": {"type": "integer"}}
    )

    assert check.main([str(_write(tmp_path, paths))]) == 0


def test_an_empty_directory_is_an_error(tmp_path):
    assert check.main([str(tmp_path)]) == 2


def test_the_vendored_documents_are_in_step_with_the_catalog(capsys):
    assert check.main([]) == 0
    assert "in step" in capsys.readouterr().out
