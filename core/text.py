"""Text that every database the portal runs on can store.

PostgreSQL's text and jsonb refuse the NUL character, and no UTF-8 encoder can
write an unpaired surrogate (U+D800 to U+DFFF, which a JSON escape such as
`"\\ud800"` produces). SQLite would take both, so the rule is applied at the edge,
whatever the database, and every path refuses such text with the same message.
"""

from __future__ import annotations

import re
from typing import Any

from django.core.exceptions import ValidationError

TEXT_HOLDS_NUL = "Text may not contain the NUL character (U+0000)."
TEXT_HOLDS_SURROGATE = (
    "Text may not contain an unpaired surrogate (U+D800 to U+DFFF, such as the JSON escape \\ud800): "
    "write the character itself, or both halves of its surrogate pair."
)
UNSTORABLE_CODE = "unstorable_text"

_NUL = "\x00"
_SURROGATE = re.compile("[\ud800-\udfff]")


def unstorable_reason(value: str) -> str | None:
    """Why `value` cannot be stored, or None when it can."""
    if _NUL in value:
        return TEXT_HOLDS_NUL
    if _SURROGATE.search(value):
        return TEXT_HOLDS_SURROGATE
    return None


def json_unstorable_reason(value: Any) -> str | None:
    """The same for a decoded JSON value: every string in it, object keys included."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            reason = unstorable_reason(item)
            if reason:
                return reason
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return None


def validate_storable_text(value: Any) -> None:
    """A Django validator: a string (or JSON value) that cannot be stored is an error."""
    reason = unstorable_reason(value) if isinstance(value, str) else json_unstorable_reason(value)
    if reason:
        raise ValidationError(reason, code=UNSTORABLE_CODE)
