"""Redaction of response bodies before anything is stored or shown.

The rules themselves live in core.redaction (logs use them too); their names stay
importable from here.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterable

from core.redaction import REDACTED, redact_data, redact_text

__all__ = ["EXCERPT_LIMIT", "REDACTED", "excerpt", "redact_data", "redact_text"]

EXCERPT_LIMIT = 2048  # characters kept of a response body


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
