"""The registration's fields, described once.

Everything that lists a registration's fields derives from `FIELDS`: the admin
form and its fieldsets, the service's editable fields and `registration_create`'s
arguments, the rules that judge a registration (validators.report), the RFC 7591
codec (metadata.py: import, export and the sandbox's dynamic registration), CSV,
Markdown and the printable submission form (the exports package). Adding a field
means: the model field, a row here, a migration.

The table is in the order of the RFC 7591 document (standard keys first, then the
portal's); the submission form shows the same rows grouped as Pleo's form is.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from django.db import models

from .choices import ApplicationType, Environment


class Kind(StrEnum):
    """What a field holds, which decides how it is parsed, judged, shown and written."""

    URI = "uri"
    EMAILS = "emails"  # a list of email addresses
    REDIRECT_URIS = "redirect_uris"  # a list of redirect URIs, order kept
    SCOPE = "scope"  # space-separated scope tokens (RFC 6749 §3.3)
    BOOLEAN = "boolean"
    CHOICE = "choice"
    TEXT = "text"


LIST_KINDS = frozenset({Kind.EMAILS, Kind.REDIRECT_URIS})


class Standard(StrEnum):
    """Where a key of the JSON document comes from."""

    RFC_7591 = "RFC 7591"
    OPENID_CONNECT = "OpenID Connect Registration"
    PORTAL = "portal (Pleo extension)"


class Group(StrEnum):
    """The groups of Pleo's registration form, in its order."""

    CLIENT = "Client"
    USER_JOURNEY = "User journey"
    OAUTH = "OAuth 2.0"
    ENVIRONMENT = "Environment"


@dataclass(frozen=True)
class RegistrationField:
    name: str  # the model field and the JSON key
    label: str  # Pleo's form label
    group: Group
    kind: Kind
    required: bool = False
    default: Any = ""  # what an optional field holds when it is left out
    standard: Standard = Standard.RFC_7591
    exported: bool = True  # in the JSON document, CSV and the submission form
    choices: type[models.TextChoices] | None = None  # Kind.CHOICE only
    shown_when_empty: str = ""  # what the submission form shows for an empty value
    boolean_labels: tuple[str, str] = ("Yes", "No")  # Kind.BOOLEAN: true, false
    # Optional, but Pleo asks for it before it issues production credentials: what to add.
    production_asks_for: str = ""

    @property
    def is_list(self) -> bool:
        return self.kind in LIST_KINDS


_PORTAL = Standard.PORTAL

FIELDS: tuple[RegistrationField, ...] = (
    RegistrationField("client_name", "Client Name", Group.CLIENT, Kind.TEXT, required=True),
    RegistrationField("client_uri", "Client URI", Group.CLIENT, Kind.URI, required=True),
    RegistrationField(
        "logo_uri", "Logo", Group.CLIENT, Kind.URI, production_asks_for="the URL of a square logo image"
    ),
    RegistrationField("tos_uri", "Terms of Service", Group.CLIENT, Kind.URI, required=True),
    RegistrationField("policy_uri", "Privacy Policy", Group.CLIENT, Kind.URI, required=True),
    RegistrationField("contacts", "Contacts", Group.CLIENT, Kind.EMAILS, required=True),
    RegistrationField("redirect_uris", "Redirect URIs", Group.OAUTH, Kind.REDIRECT_URIS, required=True),
    RegistrationField("scope", "Scopes", Group.OAUTH, Kind.SCOPE, required=True),
    RegistrationField(
        "environment",
        "Environment",
        Group.ENVIRONMENT,
        Kind.CHOICE,
        default=Environment.STAGING.value,
        standard=_PORTAL,
        choices=Environment,
    ),
    RegistrationField(
        "application_type",
        "Application Type",
        Group.ENVIRONMENT,
        Kind.CHOICE,
        default=ApplicationType.WEB.value,
        standard=Standard.OPENID_CONNECT,
        choices=ApplicationType,
    ),
    RegistrationField(
        "pkce_supported",
        "PKCE Support",
        Group.OAUTH,
        Kind.BOOLEAN,
        default=True,
        standard=_PORTAL,
        boolean_labels=("Supported", "Not supported"),
    ),
    RegistrationField(
        "subject_type_preference",
        "Subject Type Preference",
        Group.OAUTH,
        Kind.TEXT,
        standard=_PORTAL,
        shown_when_empty="None",
    ),
    RegistrationField(
        "initiation_uri",
        "Initiation URI",
        Group.USER_JOURNEY,
        Kind.URI,
        standard=_PORTAL,
        production_asks_for="the page where a Pleo user starts connecting your app",
    ),
    RegistrationField(
        "settings_uri",
        "Settings URI",
        Group.USER_JOURNEY,
        Kind.URI,
        standard=_PORTAL,
        production_asks_for="the page where a Pleo user manages the connection",
    ),
)

BY_NAME: dict[str, RegistrationField] = {field.name: field for field in FIELDS}

# What a manager may change through a form, an import or the service; every field
# of the table is, and everything else (below) changes only through the services.
EDITABLE_FIELDS: tuple[str, ...] = tuple(field.name for field in FIELDS)

# The model's concrete fields that are not registration data, and why.
EXCLUDED_MODEL_FIELDS: dict[str, str] = {
    "id": "the portal's key",
    "status": "workflow: changes only through the status services",
    "owner": "workflow: who manages the registration",
    "submitted_at": "workflow: set when the registration is submitted",
    "promoted_from": "workflow: the staging registration a production one was promoted from",
    "credentials_shared_on": "workflow: changes only through registration_record_credentials_shared",
    "created_at": "bookkeeping",
    "updated_at": "bookkeeping",
}


def defaults() -> dict[str, Any]:
    """The optional fields' values when they are left out."""
    return {field.name: field.default for field in FIELDS if not field.required}


def form_groups() -> list[tuple[Group, tuple[RegistrationField, ...]]]:
    """The fields by Pleo's form groups, in the order of the form."""
    return [(group, tuple(field for field in FIELDS if field.group == group)) for group in Group]


def form_fields() -> tuple[RegistrationField, ...]:
    """Every field, in the order of Pleo's form."""
    return tuple(field for _, fields in form_groups() for field in fields)


def link_fields() -> tuple[RegistrationField, ...]:
    """The registration's URLs that link checks visit: every field of kind URI."""
    return tuple(field for field in FIELDS if field.kind == Kind.URI)
