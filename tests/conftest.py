"""Suite-wide fixtures."""

from __future__ import annotations

from typing import Any

import pytest

from registrations.models import Registration

from .factories import make_registration


@pytest.fixture
def example_registration(db: Any) -> Registration:
    """The seed's Example Client registration, valid, in staging."""
    return make_registration()
