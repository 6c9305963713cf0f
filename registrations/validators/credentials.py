"""Issued credentials: the client ID and the client secret.

Credential.clean() applies `credential_errors`, so every write (the credential
service) judges by these rules; the admin forms use the single-value checks to
show an error next to the field before anything is saved. Messages never
interpolate the value: a rejected secret is still a secret. Nothing here imports
models.py, so models can import it without a cycle.
"""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError

from core.servers import PLEO_SERVERS
from core.text import UNSTORABLE_CODE, unstorable_reason

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


def _check_bounded_token(value: str, *, max_length: int, messages: tuple[str, str, str]) -> None:
    """Non-empty, storable (core.text), at most `max_length` characters, no whitespace or
    control characters.

    `messages`: (required, too long, whitespace)."""
    required, too_long, whitespace = messages
    if not value:
        raise ValidationError(required, code="required")
    unstorable = unstorable_reason(value)
    if unstorable:
        raise ValidationError(unstorable, code=UNSTORABLE_CODE)
    if len(value) > max_length:
        raise ValidationError(too_long, code="max_length")
    if _WHITESPACE_OR_CONTROL_RE.search(value):
        raise ValidationError(whitespace, code="whitespace")


def validate_client_id(value: str, *, server: str) -> None:
    """Client ID for `server` (a CredentialServer value): a UUID at Pleo, anything bounded elsewhere."""
    _check_bounded_token(
        value,
        max_length=MAX_CLIENT_ID_LENGTH,
        messages=(CLIENT_ID_REQUIRED, CLIENT_ID_TOO_LONG, CLIENT_ID_WHITESPACE),
    )
    if server in PLEO_SERVERS and not _UUID_RE.fullmatch(value):
        raise ValidationError(CLIENT_ID_NOT_UUID, code="not_uuid")


def validate_client_secret(value: str) -> None:
    """Client secret: non-empty, no whitespace or control characters, at least
    MIN_CLIENT_SECRET_LENGTH and at most MAX_CLIENT_SECRET_LENGTH characters."""
    _check_bounded_token(
        value,
        max_length=MAX_CLIENT_SECRET_LENGTH,
        messages=(CLIENT_SECRET_REQUIRED, CLIENT_SECRET_TOO_LONG, CLIENT_SECRET_WHITESPACE),
    )
    if len(value) < MIN_CLIENT_SECRET_LENGTH:
        raise ValidationError(CLIENT_SECRET_TOO_SHORT, code="min_length")


def credential_errors(
    *, server: str, client_id: str, client_secret: str | None
) -> dict[str, list[ValidationError]]:
    """Errors by field name. `client_secret=None` means "stored, unchanged": not checked
    (checking it would need the key, and it was checked when it was recorded)."""
    errors: dict[str, list[ValidationError]] = {}
    try:
        # An empty client ID is the model field's own blank check.
        if client_id:
            validate_client_id(client_id, server=server)
    except ValidationError as exc:
        errors["client_id"] = exc.error_list
    if client_secret is not None:
        try:
            validate_client_secret(client_secret)
        except ValidationError as exc:
            errors["client_secret"] = exc.error_list
    return errors
