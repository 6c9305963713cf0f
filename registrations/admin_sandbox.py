"""The "issue sandbox credentials" action for RegistrationAdmin (see admin.py)."""

from __future__ import annotations

from typing import Any

REGISTRATION_ACTIONS: list[Any] = []
