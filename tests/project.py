"""Facts about the project that several tests read: where it lives, its apps, its Makefile."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent


def pyproject() -> dict:
    with (BASE_DIR / "pyproject.toml").open("rb") as file:
        return tomllib.load(file)


# The project's own apps, bottom layer first ([tool.portal] apps).
PROJECT_APPS: tuple[str, ...] = tuple(pyproject()["tool"]["portal"]["apps"])

_TARGET = re.compile(r"^([A-Za-z][\w.-]*)\s*:(?!=)", re.MULTILINE)


def make_targets() -> set[str]:
    """The Makefile's targets by name (variables and file targets such as `.env` aside)."""
    return set(_TARGET.findall((BASE_DIR / "Makefile").read_text(encoding="utf-8")))
