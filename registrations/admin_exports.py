"""Export views and actions for RegistrationAdmin (see admin.py)."""

from __future__ import annotations

from typing import Any

REGISTRATION_ACTIONS: list[Any] = []


def registration_urls(model_admin: Any) -> list[Any]:
    return []
