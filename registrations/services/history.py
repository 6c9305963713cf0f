"""Who made a change, for django-simple-history's record of it."""

from __future__ import annotations

from typing import Any

from django.db import models


def set_history_user(instance: models.Model, user: Any) -> None:
    """simple_history reads `_history_user` when there is no request (commands, shell, services)."""
    if user is not None:
        instance._history_user = user  # type: ignore[attr-defined]
