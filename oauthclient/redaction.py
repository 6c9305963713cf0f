"""Redaction of response bodies before anything is stored or shown."""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Iterable
from typing import Any

REDACTED = "[redacted]"
EXCERPT_LIMIT = 2048  # characters kept of a response body

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


def excerpt(body: bytes, *, complete: bool, secrets: Iterable[str] = (), limit: int = EXCERPT_LIMIT) -> str:
    """The redacted, bounded start of a body; JSON is pretty-printed after key redaction."""
    secrets = [secret for secret in secrets if secret]
    text = body.decode("utf-8", errors="replace")
    if complete:
        with contextlib.suppress(ValueError):
            text = json.dumps(redact_data(json.loads(text)), indent=2, ensure_ascii=False)
    # Redact the whole text before cutting, so that no token prefix survives a cut.
    text = redact_text(text, secrets=secrets)
    if len(text) > limit:
        text = text[:limit] + "\n… (cut)"
    return text
