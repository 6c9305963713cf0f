"""A Schemathesis check for the sandbox's rule on error answers."""

from __future__ import annotations

from typing import Any


def errors_are_pleos_error_body(ctx: Any, response: Any, case: Any) -> None:
    """The sandbox's rule for every error it sends, documented or not: JSON `{type, message}`."""
    if response.status_code < 400:
        return
    try:
        body = response.json()
    except ValueError:
        body = None
    shown = response.content[:300]
    assert isinstance(body, dict), f"the error body is not a JSON object: {shown!r}"
    assert isinstance(body.get("type"), str), f"the error body has no `type`: {shown!r}"
    assert isinstance(body.get("message"), str), f"the error body has no `message`: {shown!r}"
