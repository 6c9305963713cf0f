"""The architecture page draws the layers tests/test_layers.py enforces, and describes each app."""

from __future__ import annotations

import re

from tests.project import BASE_DIR, PROJECT_APPS
from tests.test_layers import ALLOWED

PAGE = (BASE_DIR / "docs" / "development" / "architecture.md").read_text(encoding="utf-8")
LAYER_LINE = re.compile(r"^(\w+)\s+->\s+(.+)$", re.MULTILINE)


def section(title: str) -> str:
    """The text of one `## title` section."""
    return PAGE.split(f"\n## {title}\n", 1)[1].split("\n## ", 1)[0]


def drawn_layers() -> dict[str, set[str]]:
    """The diagram of the Layers section: each app and the apps it may import."""
    diagram = section("Layers").split("```text\n", 1)[1].split("```", 1)[0]
    layers = {}
    for app, imports in LAYER_LINE.findall(diagram):
        listed = imports.split("(")[0].strip()
        layers[app] = set() if listed == "no app" else {name.strip() for name in listed.split(",")}
    return layers


def test_the_diagram_draws_the_layers_the_layers_test_enforces():
    assert drawn_layers() == ALLOWED


def test_the_diagram_draws_the_apps_top_layer_first():
    assert list(drawn_layers()) == list(reversed(PROJECT_APPS))


def test_the_page_describes_each_app_bottom_layer_first():
    headings = re.findall(r"^### (\w+)$", section("What each app owns"), re.MULTILINE)
    assert headings == list(PROJECT_APPS)
