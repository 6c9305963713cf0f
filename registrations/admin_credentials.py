"""Credential admin, reveal page and audit admin (see admin.py)."""

from __future__ import annotations

from typing import Any

REGISTRATION_INLINES: list[Any] = []
