"""Free-text fields: the client name and the subject type preference."""

from __future__ import annotations

import re
from typing import Any

from django.core.exceptions import ValidationError

from .common import REQUIRED

MAX_CLIENT_NAME_LENGTH = 200
MAX_SUBJECT_TYPE_LENGTH = 100

CLIENT_NAME_CONTROL = "Remove control characters from the client name."
CLIENT_NAME_TOO_LONG = f"Use at most {MAX_CLIENT_NAME_LENGTH} characters."
SUBJECT_TYPE_TOO_LONG = f"Use at most {MAX_SUBJECT_TYPE_LENGTH} characters."
SUBJECT_TYPE_SYNTAX = "Leave empty for None, or enter a resource context such as company or organisation (lowercase letters, digits, - and _)."

_SUBJECT_TYPE_RE = re.compile(r"[a-z][a-z0-9_\-]*")


def validate_client_name(value: Any) -> None:
    if not isinstance(value, str) or not value.strip():
        raise ValidationError(REQUIRED)
    if len(value) > MAX_CLIENT_NAME_LENGTH:
        raise ValidationError(CLIENT_NAME_TOO_LONG)
    if any(ord(ch) < 0x20 or 0x7F <= ord(ch) <= 0x9F for ch in value):
        raise ValidationError(CLIENT_NAME_CONTROL)


def validate_subject_type_preference(value: Any) -> None:
    if value in ("", None):
        return
    if isinstance(value, str) and len(value) > MAX_SUBJECT_TYPE_LENGTH:
        raise ValidationError(SUBJECT_TYPE_TOO_LONG)
    if not isinstance(value, str) or not _SUBJECT_TYPE_RE.fullmatch(value):
        raise ValidationError(SUBJECT_TYPE_SYNTAX)
