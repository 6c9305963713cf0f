"""Print the project's apps, bottom layer first, as pyproject.toml lists them ([tool.portal] apps).

The Makefile's typecheck and audit targets run their tools on this list.
"""

from __future__ import annotations

import sys
import tomllib
from pathlib import Path

PYPROJECT = Path(__file__).resolve().parent.parent / "pyproject.toml"


def project_apps(pyproject: Path = PYPROJECT) -> list[str]:
    with pyproject.open("rb") as file:
        return list(tomllib.load(file)["tool"]["portal"]["apps"])


if __name__ == "__main__":
    sys.stdout.write(" ".join(project_apps()) + "\n")
