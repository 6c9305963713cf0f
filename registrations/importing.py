"""Import registrations from RFC 7591 client metadata JSON (what `export_registration` prints).

One object or an array of them. Each entry is decoded by the RFC 7591 codec in
its strict mode (registrations.metadata: unknown keys, empty optional keys and
OAuth profile values other than the implied ones are errors) and judged by the
same rules as the admin, once. Nothing is saved unless every entry is valid, and
then all entries are saved in one transaction.

Decisions about the file itself:
- A key appearing twice in one object is an error (JSON parsers keep the last).
- The whole file is refused (before any entry is judged) when it is JSON that no
  entry could hold and that would otherwise crash the import: nesting deeper than
  MAX_NESTING, or a number too long for Python to read.
- Text that cannot be stored (a NUL, or an unpaired surrogate escape such as
  "\\ud800") is an error of its entry, on its key, in the storable-text rule's
  words (core.text); such text is never repeated in a message.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS
from django.db import transaction

from core.text import unstorable_reason

from .fields import FIELDS
from .metadata import PROFILE_KEYS, STRICT
from .models import Registration
from .selectors import scope_catalog
from .services.registration import MetadataCheck, registration_check_metadata, registration_save

# An import file nests three deep (array, object, list of strings); the limit leaves room
# for wrong shapes to be reported by key, far below what would exhaust Python's stack.
MAX_NESTING = 32
KNOWN_KEYS = frozenset((*(spec.name for spec in FIELDS), *PROFILE_KEYS))

INVALID_JSON = "Not valid JSON: {error}."
NESTED_TOO_DEEPLY = (
    "The JSON is nested more than {limit} levels deep; a registration's values are strings, "
    "lists of strings or true/false."
)
NUMBER_TOO_LONG = "The file holds a number too long to read; no key a registration imports takes a number."
NOT_OBJECT_OR_ARRAY = "The file must hold one JSON object or an array of JSON objects."
EMPTY_ARRAY = "The file holds an empty array: there is nothing to import."
ENTRY_NOT_OBJECT = "must be a JSON object with the registration's keys."
DUPLICATE_KEY = "appears more than once in this object: keep one."


class ImportFileError(Exception):
    """The input is not JSON of the right top-level shape."""


class _DuplicateKeyObject(dict[str, Any]):
    """A JSON object that remembers which keys it saw twice."""

    duplicates: list[str]


def _object_pairs(pairs: list[tuple[str, Any]]) -> _DuplicateKeyObject:
    obj = _DuplicateKeyObject()
    obj.duplicates = []
    for key, value in pairs:
        if key in obj:
            obj.duplicates.append(key)
        obj[key] = value
    return obj


def _check_readable(data: Any) -> None:
    """Refuse nesting past MAX_NESTING (see the module's decisions).

    Iterative: the point is not to recurse on whatever depth the file has.
    """
    stack: list[tuple[Any, int]] = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if depth > MAX_NESTING:
            raise ImportFileError(NESTED_TOO_DEEPLY.format(limit=MAX_NESTING))
        if isinstance(value, dict):
            stack.extend((item, depth + 1) for item in value.values())
        elif isinstance(value, list):
            stack.extend((item, depth + 1) for item in value)


def parse_documents(text: str) -> list[Any]:
    """The entries of an import file (one object means one entry)."""
    try:
        data = json.loads(text, object_pairs_hook=_object_pairs)
    except json.JSONDecodeError as exc:
        raise ImportFileError(INVALID_JSON.format(error=exc)) from None
    except RecursionError:
        raise ImportFileError(NESTED_TOO_DEEPLY.format(limit=MAX_NESTING)) from None
    except ValueError:
        # Valid JSON, but an integer longer than sys.get_int_max_str_digits().
        raise ImportFileError(NUMBER_TOO_LONG) from None
    _check_readable(data)
    if isinstance(data, dict):
        return [data]
    if not isinstance(data, list):
        raise ImportFileError(NOT_OBJECT_OR_ARRAY)
    if not data:
        raise ImportFileError(EMPTY_ARRAY)
    return data


@dataclass
class EntryReport:
    """One entry: the registration's field values, and what is wrong or worth a look."""

    index: int
    name: str
    fields: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, list[str]] = field(default_factory=dict)
    warnings: dict[str, list[str]] = field(default_factory=dict)
    checked: MetadataCheck | None = None

    @property
    def is_valid(self) -> bool:
        return not self.errors

    def add_error(self, key: str, message: str) -> None:
        self.errors.setdefault(key, []).append(message)


@dataclass
class ImportResult:
    entries: list[EntryReport]
    created: list[Registration] = field(default_factory=list)

    @property
    def is_valid(self) -> bool:
        return all(entry.is_valid for entry in self.entries)


def check_entry(index: int, document: Any, *, catalog: dict[str, list[str]]) -> EntryReport:
    """Judge one entry by its JSON shape, then by the registration rules."""
    name = document.get("client_name") if isinstance(document, dict) else None
    shown = name if isinstance(name, str) and unstorable_reason(name) is None else ""
    report = EntryReport(index=index, name=shown)
    if not isinstance(document, dict):
        report.add_error(NON_FIELD_ERRORS, ENTRY_NOT_OBJECT)
        return report
    for key in getattr(document, "duplicates", []):
        # A key that is not storable text is an unknown key, reported by the codec unnamed.
        if unstorable_reason(key) is None:
            report.add_error(key, DUPLICATE_KEY)
    checked = registration_check_metadata(document=document, mode=STRICT, catalog=catalog)
    for key, messages in checked.errors.items():
        report.errors.setdefault(key, []).extend(messages)
    report.fields = {key: getattr(checked.check.registration, key) for key in checked.check.changed}
    report.warnings = checked.warnings
    report.checked = checked
    return report


def check_entries(documents: Iterable[Any]) -> list[EntryReport]:
    catalog = scope_catalog()
    return [check_entry(index, document, catalog=catalog) for index, document in enumerate(documents)]


def registrations_import(*, documents: list[Any], dry_run: bool = False, owner: Any = None) -> ImportResult:
    """Check every entry; save all of them (one transaction) only if all are valid."""
    result = ImportResult(entries=check_entries(documents))
    if dry_run or not result.is_valid:
        return result
    with transaction.atomic():
        # Every valid entry is an object, and so was checked.
        for checked in (entry.checked for entry in result.entries if entry.checked is not None):
            result.created.append(registration_save(check=checked.check, owner=owner, by=owner))
    return result
