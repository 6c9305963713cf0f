"""Golden files: the exact export of the Example Client in each format.

Regenerate after an intended change with `UPDATE_GOLDEN=1 pytest tests/registrations`,
then review the diff.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
from pathlib import Path

GOLDEN_DIR = Path(__file__).parent

# Values that differ on every run (database ids, clocks) are replaced before comparing.
ID = "<id>"
TIMESTAMP = "<timestamp>"
CSV_VARIABLE_COLUMNS = {"id": ID, "created_at": TIMESTAMP, "updated_at": TIMESTAMP}


def normalise_csv(text: str) -> str:
    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    out = io.StringIO(newline="")
    writer = csv.DictWriter(out, fieldnames=list(rows[0]) if rows else [])
    writer.writeheader()
    for row in rows:
        writer.writerow({**row, **{key: value for key, value in CSV_VARIABLE_COLUMNS.items() if key in row}})
    return out.getvalue()


def normalise_postman_environment(text: str) -> str:
    document = json.loads(text)
    document["id"] = ID
    document["_postman_exported_at"] = TIMESTAMP
    return json.dumps(document, indent=2) + "\n"


def normalise_html(text: str) -> str:
    # The inlined portal.css/portal.js belong to the base template, not to this export.
    text = re.sub(r"<style>.*?</style>", "<style>…</style>", text, flags=re.S)
    return re.sub(r"<script>.*?</script>", "<script>…</script>", text, flags=re.S)


NORMALISERS = {
    "html": normalise_html,
    "csv": normalise_csv,
    "postman-environment": normalise_postman_environment,
}

FILES = {
    "json": "example_client.json",
    "markdown": "example_client.md",
    "html": "example_client.html",
    "csv": "example_client.csv",
    "postman-collection": "example_client.postman_collection.json",
    "postman-environment": "example_client.postman_environment.json",
}


def assert_golden(fmt: str, text: str) -> None:
    normalised = NORMALISERS.get(fmt, lambda value: value)(text)
    path = GOLDEN_DIR / FILES[fmt]
    if os.environ.get("UPDATE_GOLDEN"):
        path.write_text(normalised, encoding="utf-8", newline="")
    # newline="": CSV's CRLF must be compared as written.
    with path.open(encoding="utf-8", newline="") as handle:
        expected = handle.read()
    assert normalised == expected, f"{fmt} export differs from {path.name} (UPDATE_GOLDEN=1 rewrites it)"
