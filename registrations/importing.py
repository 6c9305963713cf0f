"""Import registrations from RFC 7591 client metadata JSON (what `export_registration` prints).

One object or an array of them. Every entry is judged by the same rules as the
admin (the model's full_clean, i.e. registrations.validators), after the JSON
shapes are checked here. Nothing is saved unless every entry is valid, and then
all entries are saved in one transaction.

Decisions:
- An unknown key is an error (a misspelt optional key would otherwise vanish
  silently); RFC 7591 servers ignore unknown keys, this operator tool does not.
- An empty string or null for an optional key is an error: omit the key.
- `grant_types`, `response_types` and `token_endpoint_auth_method` are implied
  for every Pleo registration: they may be left out, and if present must hold
  exactly the implied values (lists in any order).
- Absent `environment` means staging, absent `application_type` means web,
  absent `pkce_supported` means true.
- A key appearing twice in one object is an error (JSON parsers keep the last).
- The whole file is refused (before any entry is judged) when it is JSON that no
  entry could hold and that would otherwise crash the import: nesting deeper than
  MAX_NESTING, a number too long for Python to read, or a string that is not
  Unicode text (an unpaired surrogate escape such as "\\ud800" cannot be stored).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction

from .metadata import DEFAULT_TOKEN_ENDPOINT_AUTH_METHOD, GRANT_TYPES, RESPONSE_TYPES
from .models import ApplicationType, Environment, Registration, RegistrationStatus
from .services.registration import registration_create, registration_full_clean
from .validators import check_registration, load_scope_catalog

REQUIRED_STRING_KEYS = ("client_name", "client_uri", "tos_uri", "policy_uri", "scope")
OPTIONAL_STRING_KEYS = ("logo_uri", "initiation_uri", "settings_uri", "subject_type_preference")
LIST_KEYS = ("contacts", "redirect_uris")
IMPLIED_VALUES: dict[str, Any] = {
    "grant_types": GRANT_TYPES,
    "response_types": RESPONSE_TYPES,
    "token_endpoint_auth_method": DEFAULT_TOKEN_ENDPOINT_AUTH_METHOD,
}
DEFAULTS: dict[str, Any] = {
    "environment": Environment.STAGING.value,
    "application_type": ApplicationType.WEB.value,
    "pkce_supported": True,
}
# An import file nests three deep (array, object, list of strings); the limit leaves room
# for wrong shapes to be reported by key, far below what would exhaust Python's stack.
MAX_NESTING = 32
KNOWN_KEYS = frozenset((*REQUIRED_STRING_KEYS, *OPTIONAL_STRING_KEYS, *LIST_KEYS, *IMPLIED_VALUES, *DEFAULTS))

INVALID_JSON = "Not valid JSON: {error}."
NESTED_TOO_DEEPLY = (
    "The JSON is nested more than {limit} levels deep; a registration's values are strings, "
    "lists of strings or true/false."
)
NUMBER_TOO_LONG = "The file holds a number too long to read; no key a registration imports takes a number."
NOT_TEXT = (
    "The file holds a string with an unpaired surrogate escape (\\ud800 to \\udfff), which is "
    "not text: fix the file's encoding."
)
NOT_OBJECT_OR_ARRAY = "The file must hold one JSON object or an array of JSON objects."
EMPTY_ARRAY = "The file holds an empty array: there is nothing to import."
ENTRY_NOT_OBJECT = "must be a JSON object with the registration's keys."
DUPLICATE_KEY = "appears more than once in this object: keep one."
UNKNOWN_KEY = (
    "is not a key this portal imports: remove it or fix the spelling (see README, “Import and export”)."
)
KEY_REQUIRED = "is required."
KEY_NOT_STRING = "must be a string."
KEY_EMPTY = "is empty: omit the key instead."
KEY_NOT_LIST = "must be a list of strings."
KEY_NOT_BOOLEAN = "must be true or false."
KEY_NOT_IMPLIED = "must be {expected} (implied for every Pleo registration), or be left out."


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


def _is_text(value: str) -> bool:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _check_readable(data: Any) -> None:
    """Refuse nesting past MAX_NESTING and strings that are not text (see the module's decisions).

    Iterative: the point is not to recurse on whatever depth the file has.
    """
    stack: list[tuple[Any, int]] = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if depth > MAX_NESTING:
            raise ImportFileError(NESTED_TOO_DEEPLY.format(limit=MAX_NESTING))
        if isinstance(value, dict):
            if not all(_is_text(key) for key in value):
                raise ImportFileError(NOT_TEXT)
            stack.extend((item, depth + 1) for item in value.values())
        elif isinstance(value, list):
            stack.extend((item, depth + 1) for item in value)
        elif isinstance(value, str) and not _is_text(value):
            raise ImportFileError(NOT_TEXT)


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


def _implied_matches(key: str, value: Any) -> bool:
    expected = IMPLIED_VALUES[key]
    if isinstance(expected, list):
        return (
            isinstance(value, list)
            and len(value) == len(expected)
            and all(isinstance(item, str) for item in value)
            and set(value) == set(expected)
        )
    return value == expected


def _shape_errors(document: dict[str, Any], report: EntryReport) -> None:
    """JSON types and presence; fills report.fields with what may be judged by the rules."""
    for key in getattr(document, "duplicates", []):
        report.add_error(key, DUPLICATE_KEY)
    for key in sorted(set(document) - KNOWN_KEYS):
        report.add_error(key, UNKNOWN_KEY)
    for key in REQUIRED_STRING_KEYS:
        if key not in document:
            report.add_error(key, KEY_REQUIRED)
        elif not isinstance(document[key], str):
            report.add_error(key, KEY_NOT_STRING)
        else:
            report.fields[key] = document[key]
    for key in OPTIONAL_STRING_KEYS:
        if key not in document:
            continue
        value = document[key]
        if value is None or value == "":
            report.add_error(key, KEY_EMPTY)
        elif not isinstance(value, str):
            report.add_error(key, KEY_NOT_STRING)
        else:
            report.fields[key] = value
    for key in LIST_KEYS:
        if key not in document:
            report.add_error(key, KEY_REQUIRED)
        elif not isinstance(document[key], list):
            report.add_error(key, KEY_NOT_LIST)
        else:
            # Entries that are not strings are named by the validators.
            report.fields[key] = document[key]
    for key in IMPLIED_VALUES:
        if key in document and not _implied_matches(key, document[key]):
            report.add_error(key, KEY_NOT_IMPLIED.format(expected=json.dumps(IMPLIED_VALUES[key])))
    for key, default in DEFAULTS.items():
        value = document.get(key, default)
        if key == "pkce_supported" and not isinstance(value, bool):
            report.add_error(key, KEY_NOT_BOOLEAN)
        elif key != "pkce_supported" and value == "":
            report.add_error(key, KEY_EMPTY)
        elif key != "pkce_supported" and not isinstance(value, str):
            report.add_error(key, KEY_NOT_STRING)
        else:
            report.fields[key] = value


def check_entry(index: int, document: Any, *, catalog: dict[str, list[str]]) -> EntryReport:
    """Judge one entry by its JSON shape, then by the registration rules."""
    name = document.get("client_name") if isinstance(document, dict) else None
    report = EntryReport(index=index, name=name if isinstance(name, str) else "")
    if not isinstance(document, dict):
        report.add_error(NON_FIELD_ERRORS, ENTRY_NOT_OBJECT)
        return report
    _shape_errors(document, report)
    registration = Registration(**report.fields, status=RegistrationStatus.DRAFT)
    try:
        registration_full_clean(registration)
    except ValidationError as exc:
        for key, messages in exc.message_dict.items():
            # A key already reported for its shape was not handed to the rules;
            # their verdict on the default in its place would only confuse.
            if key not in report.errors:
                report.errors[key] = list(messages)
    report.warnings = check_registration(registration, catalog=catalog).warnings
    return report


def check_entries(documents: Iterable[Any]) -> list[EntryReport]:
    catalog = load_scope_catalog()
    return [check_entry(index, document, catalog=catalog) for index, document in enumerate(documents)]


def registrations_import(*, documents: list[Any], dry_run: bool = False, owner: Any = None) -> ImportResult:
    """Check every entry; save all of them (one transaction) only if all are valid."""
    result = ImportResult(entries=check_entries(documents))
    if dry_run or not result.is_valid:
        return result
    with transaction.atomic():
        for entry in result.entries:
            result.created.append(registration_create(**entry.fields, owner=owner, created_by=owner))
    return result
