"""Redaction of credentials in text and JSON values: the one set of rules for excerpts and logs."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

REDACTED = "[redacted]"

# Keys whose values are credentials in any OAuth or API answer.
_SENSITIVE_KEY = re.compile(r"(token|secret|password|passwd|authorization|code_verifier|assertion)", re.I)
_KEY_VALUE = re.compile(
    r"""(?P<key>["']?[\w-]*(?:token|secret|password|code_verifier|assertion)[\w-]*["']?\s*[:=]\s*["']?)"""
    r"""(?P<value>[^"'&\s,;}]+)""",
    re.I,
)
_BEARER = re.compile(r"\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+", re.I)


def redact_data(value: Any) -> Any:
    """A copy of a JSON value with every sensitive key's value replaced."""
    if isinstance(value, dict):
        return {
            key: (REDACTED if _SENSITIVE_KEY.search(str(key)) and value_ is not None else redact_data(value_))
            for key, value_ in value.items()
        }
    if isinstance(value, list):
        return [redact_data(item) for item in value]
    return value


def redact_text(text: str, *, secrets: Iterable[str] = ()) -> str:
    """Replace known secrets anywhere, then key=value / "key": "value" pairs and auth headers."""
    for secret in secrets:
        if secret and len(secret) >= 4:
            text = text.replace(secret, REDACTED)
    text = _KEY_VALUE.sub(lambda match: match.group("key") + REDACTED, text)
    return _BEARER.sub(lambda match: f"{match.group(1)} {REDACTED}", text)
