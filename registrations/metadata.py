"""The RFC 7591 codec: a registration as client metadata, and client metadata back.

The document is what `export_registration` prints, `import_registration` reads and
the sandbox's dynamic registration endpoint (`/sandbox/oauth/register`) accepts:
RFC 7591 keys, OpenID Connect's `application_type`, and the portal's keys for
Pleo's extensions, each a row of registrations.fields. Encoding and decoding
derive from that table; the rules (registrations.validators) judge the decoded
values afterwards.

Decoding has two modes:
- STRICT (import, admin): an operator's file, so a misspelt key must not vanish.
  Unknown keys are errors (one that is not storable text is not named), an empty
  string or null for an optional key is an error (omit the key), and the OAuth
  profile keys, if present, hold exactly what every Pleo registration implies.
  Values are judged by the rules, text that cannot be stored included.
- DYNAMIC_REGISTRATION (the sandbox's RFC 7591 endpoint): what an RFC 7591
  server accepts beyond the import, each listed in DYNAMIC_REGISTRATION_ALLOWANCES
  (unknown keys, whatever they hold, are ignored: nothing of them is stored).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS

from core.text import unstorable_reason

from .choices import TokenEndpointAuthMethod
from .fields import BY_NAME, FIELDS, Kind, RegistrationField, Standard

# The OAuth profile of every Pleo registration: authorization code with refresh
# tokens, confidential clients. Written once; the sandbox's metadata uses them too.
GRANT_TYPES: tuple[str, ...] = ("authorization_code", "refresh_token")
RESPONSE_TYPES: tuple[str, ...] = ("code",)
TOKEN_ENDPOINT_AUTH_METHODS: tuple[str, ...] = tuple(TokenEndpointAuthMethod.values)
DEFAULT_TOKEN_ENDPOINT_AUTH_METHOD = TokenEndpointAuthMethod.CLIENT_SECRET_BASIC.value
PROFILE_KEYS = ("grant_types", "response_types", "token_endpoint_auth_method")

KEY_REQUIRED = "is required."
KEY_NOT_STRING = "must be a string."
KEY_EMPTY = "is empty: omit the key instead."
KEY_NOT_LIST = "must be a list of strings."
KEY_NOT_BOOLEAN = "must be true or false."
KEY_NOT_IMPLIED = "must be {expected} (implied for every Pleo registration), or be left out."
KEY_UNSTORABLE = "A key of this object is text that cannot be stored: {reason}"
UNKNOWN_KEY = (
    "is not a key this portal imports: remove it or fix the spelling (see docs/reference/exports.md)."
)


@dataclass(frozen=True)
class DecodeMode:
    """What a decoder accepts beyond the document `registration_to_client_metadata` writes."""

    name: str
    unknown_keys_ignored: bool
    empty_string_means_absent: bool  # for optional keys whose default is the empty string
    grant_types: tuple[frozenset[str], ...]  # accepted sets (a list in any order, no repeats)
    auth_methods: tuple[str, ...]


STRICT = DecodeMode(
    name="strict",
    unknown_keys_ignored=False,
    empty_string_means_absent=False,
    grant_types=(frozenset(GRANT_TYPES),),
    auth_methods=(DEFAULT_TOKEN_ENDPOINT_AUTH_METHOD,),
)
DYNAMIC_REGISTRATION = DecodeMode(
    name="dynamic registration",
    unknown_keys_ignored=True,  # RFC 7591 §2: a server ignores metadata it does not understand
    empty_string_means_absent=True,
    # A client asking for the authorization code alone is given refresh tokens anyway.
    grant_types=(frozenset(GRANT_TYPES), frozenset(GRANT_TYPES[:1])),
    auth_methods=TOKEN_ENDPOINT_AUTH_METHODS,
)

# What dynamic registration accepts and the import refuses, by example (keys
# changed in an otherwise valid document). docs/reference/exports.md lists
# the same; a test checks that these, and only these, set the two apart.
DYNAMIC_REGISTRATION_ALLOWANCES: dict[str, dict[str, Any]] = {
    "unknown keys are ignored": {"software_version": "1.0"},
    "an empty string for an optional key means the key is absent": {"logo_uri": ""},
    "grant_types may be authorization_code alone": {"grant_types": list(GRANT_TYPES[:1])},
    "token_endpoint_auth_method may be client_secret_post": {
        "token_endpoint_auth_method": TokenEndpointAuthMethod.CLIENT_SECRET_POST.value
    },
}


@dataclass
class Decoded:
    """A document's registration values (defaults filled in) and what is wrong with its shape."""

    fields: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, list[str]] = field(default_factory=dict)
    auth_method: str = DEFAULT_TOKEN_ENDPOINT_AUTH_METHOD

    def add_error(self, key: str, message: str) -> None:
        self.errors.setdefault(key, []).append(message)


# --- encoding --------------------------------------------------------------------


def _profile(auth_method: str) -> dict[str, Any]:
    return {
        "grant_types": list(GRANT_TYPES),
        "response_types": list(RESPONSE_TYPES),
        "token_endpoint_auth_method": auth_method,
    }


def _encoded(spec: RegistrationField, value: Any) -> Any:
    return list(value or []) if spec.is_list else value


def _document_keys() -> tuple[str, ...]:
    keys: list[str] = []
    for spec in FIELDS:
        if spec.standard != Standard.RFC_7591 and PROFILE_KEYS[0] not in keys:
            keys += PROFILE_KEYS
        if spec.exported:
            keys.append(spec.name)
    return tuple(keys)


# The document's keys in order: the table's, with the OAuth profile after the RFC 7591 fields.
DOCUMENT_KEYS = _document_keys()


def registration_to_client_metadata(
    registration: Any, *, auth_method: str = DEFAULT_TOKEN_ENDPOINT_AUTH_METHOD
) -> dict[str, Any]:
    """The export document, keys in DOCUMENT_KEYS order; an optional key whose value is
    empty is left out."""
    profile = _profile(auth_method)
    document: dict[str, Any] = {}
    for key in DOCUMENT_KEYS:
        if key in profile:
            document[key] = profile[key]
            continue
        spec = BY_NAME[key]
        value = getattr(registration, key)
        if spec.required or value != "":
            document[key] = _encoded(spec, value)
    return document


# --- decoding --------------------------------------------------------------------


def _decode_field(
    spec: RegistrationField, document: Mapping[str, Any], mode: DecodeMode, out: Decoded
) -> None:
    if spec.name not in document:
        if spec.required:
            out.add_error(spec.name, KEY_REQUIRED)
        else:
            out.fields[spec.name] = spec.default
        return
    value = document[spec.name]
    if spec.is_list:
        # Entries that are not strings are named by the rules.
        if isinstance(value, list):
            out.fields[spec.name] = value
        else:
            out.add_error(spec.name, KEY_NOT_LIST)
    elif spec.kind == Kind.BOOLEAN:
        if isinstance(value, bool):
            out.fields[spec.name] = value
        else:
            out.add_error(spec.name, KEY_NOT_BOOLEAN)
    elif spec.required:
        if isinstance(value, str):
            out.fields[spec.name] = value
        else:
            out.add_error(spec.name, KEY_NOT_STRING)
    elif value == "" and mode.empty_string_means_absent and spec.default == "":
        out.fields[spec.name] = ""
    elif value is None or value == "":
        out.add_error(spec.name, KEY_EMPTY)
    elif isinstance(value, str):
        out.fields[spec.name] = value
    else:
        out.add_error(spec.name, KEY_NOT_STRING)


def _string_set(value: Any) -> frozenset[str] | None:
    """A list of distinct strings as a set; None for anything else."""
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        return None
    distinct = frozenset(value)
    return distinct if len(distinct) == len(value) else None


def _implied(values: list[Any]) -> str:
    return KEY_NOT_IMPLIED.format(expected=" or ".join(json.dumps(value) for value in values))


def _decode_profile(document: Mapping[str, Any], mode: DecodeMode, out: Decoded) -> None:
    if "grant_types" in document and _string_set(document["grant_types"]) not in mode.grant_types:
        accepted = [sorted(grants, key=GRANT_TYPES.index) for grants in mode.grant_types]
        out.add_error("grant_types", _implied(accepted))
    if "response_types" in document and _string_set(document["response_types"]) != frozenset(RESPONSE_TYPES):
        out.add_error("response_types", _implied([list(RESPONSE_TYPES)]))
    method = document.get("token_endpoint_auth_method", DEFAULT_TOKEN_ENDPOINT_AUTH_METHOD)
    if method in mode.auth_methods:
        out.auth_method = method
    else:
        out.add_error("token_endpoint_auth_method", _implied(list(mode.auth_methods)))


def client_metadata_to_registration_data(
    document: Mapping[str, Any], *, mode: DecodeMode = STRICT
) -> Decoded:
    """The registration's values from a client metadata object, and its shape errors by key.

    A key with a shape error is left out of `fields`; the rules judge the rest."""
    out = Decoded()
    if not mode.unknown_keys_ignored:
        known = {spec.name for spec in FIELDS} | set(PROFILE_KEYS)
        for key in sorted(set(document) - known):
            # Such a key is not named in the error: it could not be shown or stored either.
            reason = unstorable_reason(key)
            if reason:
                out.add_error(NON_FIELD_ERRORS, KEY_UNSTORABLE.format(reason=reason))
            else:
                out.add_error(key, UNKNOWN_KEY)
    for spec in FIELDS:
        _decode_field(spec, document, mode, out)
    _decode_profile(document, mode, out)
    return out
