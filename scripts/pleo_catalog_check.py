"""Compare Pleo's OpenAPI documents with the portal's operation catalog.

    .venv/bin/python scripts/pleo_catalog_check.py [DIR] [--json]

DIR holds Pleo's OpenAPI YAML files (one per API, named as in the catalog's
groups); the default is the vendored copy in core/pleo_api/openapi, so give DIR
to try a newer release before vendoring it. Lists the operations the documents have and the catalog lacks (added),
the ones the catalog has and the documents lack (removed), and the ones whose
method and path match but whose parameters differ (changed: name, location,
type or required). Exit status 1 when anything differs, 0 when the catalog is
in step.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from core.pleo_api import PAGING_PARAMETERS, Catalog, catalog
from core.pleo_api.documents import DOCUMENTS_DIR

METHODS = ("get", "post", "put", "patch", "delete")
Parameters = dict[str, tuple[str, str, bool]]


def _parameter_type(schema: dict[str, Any]) -> str:
    # A parameter whose schema is a reference is an enum of strings in Pleo's documents.
    return str(schema.get("type") or ("string" if "$ref" in schema else "any"))


def document_operations(directory: Path) -> dict[tuple[str, str], tuple[str, Parameters]]:
    """{(METHOD, path): (file name, {parameter: (location, type, required)})} from every YAML file."""
    found: dict[tuple[str, str], tuple[str, Parameters]] = {}
    for document_path in sorted(directory.glob("*.y*ml")):
        document = yaml.safe_load(document_path.read_text(encoding="utf-8"))
        for path, item in (document.get("paths") or {}).items():
            for method in METHODS:
                if method not in item:
                    continue
                parameters = {
                    p["name"]: (p["in"], _parameter_type(p.get("schema", {})), bool(p.get("required")))
                    for p in item[method].get("parameters", [])
                    if p["name"] not in PAGING_PARAMETERS
                }
                found[(method.upper(), path)] = (document_path.name, parameters)
    return found


def catalog_operations(known: Catalog) -> dict[tuple[str, str], Parameters]:
    return {
        (operation.method, operation.path): {
            p.name: (p.location, p.type, p.required) for p in operation.parameters
        }
        for operation in known.operations
    }


def compare(documents: dict[tuple[str, str], tuple[str, Parameters]], known: Catalog) -> dict[str, list[Any]]:
    ours = catalog_operations(known)
    changed = []
    for key in sorted(set(documents) & set(ours)):
        theirs = documents[key][1]
        differences = [
            f"{name}: catalog {ours[key].get(name)} ≠ documents {theirs.get(name)}"
            for name in sorted(set(theirs) | set(ours[key]))
            if theirs.get(name) != ours[key].get(name)
        ]
        if differences:
            changed.append({"operation": " ".join(key), "differences": differences})
    return {
        "added": [f"{m} {p} ({documents[(m, p)][0]})" for m, p in sorted(set(documents) - set(ours))],
        "removed": [f"{m} {p}" for m, p in sorted(set(ours) - set(documents))],
        "changed": changed,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "directory",
        type=Path,
        nargs="?",
        default=DOCUMENTS_DIR,
        help="directory of Pleo's OpenAPI YAML files (default: the vendored copy)",
    )
    parser.add_argument("--json", action="store_true", help="print the differences as JSON")
    args = parser.parse_args(argv)
    documents = document_operations(args.directory)
    if not documents:
        print(f"No OpenAPI operations found in {args.directory}.", file=sys.stderr)
        return 2
    known = catalog()
    result = compare(documents, known)
    if args.json:
        print(json.dumps(result, indent=2, ensure_ascii=False))
    else:
        print(f"{len(documents)} operations in the documents, {len(known.operations)} in the catalog.")
        for title in ("added", "removed"):
            for line in result[title]:
                print(f"{title}: {line}")
        for entry in result["changed"]:
            print(f"changed: {entry['operation']}")
            for difference in entry["differences"]:
                print(f"    {difference}")
        if not any(result.values()):
            print("The catalog is in step with the documents.")
    return 1 if any(result.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
