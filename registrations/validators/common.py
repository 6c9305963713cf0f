"""What every rule module shares: the required message, how a value is shown in a message."""

from __future__ import annotations

from typing import Any

REQUIRED = "This field is required."


def has_whitespace_or_control(value: str) -> bool:
    return any(ch.isspace() or ord(ch) < 0x20 or 0x7F <= ord(ch) <= 0x9F for ch in value)


def shown(value: Any) -> str:
    shown = value if isinstance(value, str) else repr(value)
    return shown[:117] + "…" if len(shown) > 120 else shown
