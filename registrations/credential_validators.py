"""Rules for issued credentials, shared by Credential.clean(), admin forms and commands.

Messages never interpolate the value: a rejected secret is still a secret.
This module imports nothing from models.py, so models can import it lazily
and forms/commands can use it without cycles.
"""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError

from core.servers import PLEO_SERVERS

MAX_CLIENT_ID_LENGTH = 255  # Credential.client_id max_length
MAX_CLIENT_SECRET_LENGTH = 512  # Pleo's are 30 hex; the sandbox's 128 characters
# A shorter secret is a typo, a placeholder or guessable; Pleo's have 30 characters.
MIN_CLIENT_SECRET_LENGTH = 16

# Canonical hyphenated form only: uuid.UUID() would also accept braces,
# "urn:uuid:" and hex without hyphens, none of which Pleo issues.
_UUID_RE = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_WHITESPACE_OR_CONTROL_RE = re.compile(r"[\s\x00-\x1f\x7f]")

CLIENT_ID_REQUIRED = "Enter the client ID."
CLIENT_ID_TOO_LONG = f"A client ID has at most {MAX_CLIENT_ID_LENGTH} characters."
CLIENT_ID_WHITESPACE = "A client ID contains no spaces or control characters."
CLIENT_ID_NOT_UUID = (
    "Pleo issues client IDs as UUIDs, e.g. 12a3b456-78c9-0d12-34e5-f678ab9bcd0e; check what was copied."
)
CLIENT_SECRET_REQUIRED = "Enter the client secret."
CLIENT_SECRET_TOO_SHORT = (
    f"A client secret has at least {MIN_CLIENT_SECRET_LENGTH} characters (Pleo's have 30); "
    "check that the whole secret was copied."
)
CLIENT_SECRET_TOO_LONG = f"A client secret has at most {MAX_CLIENT_SECRET_LENGTH} characters."
CLIENT_SECRET_WHITESPACE = (
    "The client secret contains spaces, line breaks or control characters; check what was copied."
)


def validate_client_id(value: str, *, server: str) -> None:
    """Client ID for `server` (a CredentialServer value): a UUID at Pleo, anything bounded elsewhere."""
    if not value:
        raise ValidationError(CLIENT_ID_REQUIRED, code="required")
    if len(value) > MAX_CLIENT_ID_LENGTH:
        raise ValidationError(CLIENT_ID_TOO_LONG, code="max_length")
    if _WHITESPACE_OR_CONTROL_RE.search(value):
        raise ValidationError(CLIENT_ID_WHITESPACE, code="whitespace")
    # Pleo's servers issue client IDs as UUIDs.
    if server in PLEO_SERVERS and not _UUID_RE.fullmatch(value):
        raise ValidationError(CLIENT_ID_NOT_UUID, code="not_uuid")


def validate_client_secret(value: str) -> None:
    """Client secret: at least MIN_CLIENT_SECRET_LENGTH characters, no whitespace or control
    characters, bounded."""
    if not value:
        raise ValidationError(CLIENT_SECRET_REQUIRED, code="required")
    if len(value) < MIN_CLIENT_SECRET_LENGTH:
        raise ValidationError(CLIENT_SECRET_TOO_SHORT, code="min_length")
    if len(value) > MAX_CLIENT_SECRET_LENGTH:
        raise ValidationError(CLIENT_SECRET_TOO_LONG, code="max_length")
    if _WHITESPACE_OR_CONTROL_RE.search(value):
        raise ValidationError(CLIENT_SECRET_WHITESPACE, code="whitespace")


def credential_errors(
    *, server: str, client_id: str, client_secret: str | None
) -> dict[str, list[ValidationError]]:
    """Errors by field name. `client_secret=None` means "stored, unchanged": not checked
    (checking it would need the key, and it was checked when it was recorded)."""
    errors: dict[str, list[ValidationError]] = {}
    try:
        validate_client_id(client_id, server=server)
    except ValidationError as exc:
        errors["client_id"] = exc.error_list
    if client_secret is not None:
        try:
            validate_client_secret(client_secret)
        except ValidationError as exc:
            errors["client_secret"] = exc.error_list
    return errors
