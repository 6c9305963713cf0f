"""The docs site builds strictly (every page in the nav, every link and anchor found) and
loads nothing from another host; README stays a front door; figures live on one page."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest

from tests.project import BASE_DIR

from .names import documents

README_MOST_LINES = 200
BENCHMARK_RESULTS = BASE_DIR / "docs" / "benchmarks.md"
# A measured figure: a number with a unit of time, size or rate.
FIGURE = re.compile(r"\b\d[\d,]*(?:\.\d+)?\s?(?:ms|µs|MB|requests/s|rows/s)\b")


def build(config: Path, site_dir: Path) -> subprocess.CompletedProcess[str]:
    # No --quiet: it hides the warnings that --strict counts, and the build would pass.
    return subprocess.run(  # noqa: S603 (fixed arguments: a mkdocs.yml of the project's)
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-f", str(config), "--site-dir", str(site_dir)],
        cwd=BASE_DIR,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("site")
    result = build(BASE_DIR / "mkdocs.yml", folder)
    assert result.returncode == 0, result.stderr
    return folder


def test_a_page_missing_from_the_nav_fails_the_build(tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "index.md").write_text("# Home\n", encoding="utf-8")
    (docs / "orphan.md").write_text("# Not in the nav\n", encoding="utf-8")
    config = (BASE_DIR / "mkdocs.yml").read_text(encoding="utf-8")
    config = config.split("\nnav:")[0] + "\nnav:\n  - Home: index.md\n"
    (tmp_path / "mkdocs.yml").write_text(
        config.replace("docs_dir: docs", f"docs_dir: {docs}"), encoding="utf-8"
    )
    result = build(tmp_path / "mkdocs.yml", tmp_path / "site")
    assert result.returncode != 0
    assert "orphan.md" in result.stderr


class _Loads(HTMLParser):
    """The URLs a page makes the browser fetch: scripts, stylesheets, icons, images, frames."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag in ("script", "img", "iframe", "source") and values.get("src"):
            self.urls.append(str(values["src"]))
        if tag == "link" and values.get("rel") != "canonical" and values.get("href"):
            self.urls.append(str(values["href"]))


def loads(page: str) -> list[str]:
    parser = _Loads()
    parser.feed(page)
    return parser.urls


def test_the_site_has_a_page_for_every_document(site):
    built = {path.relative_to(site).with_suffix(".md") for path in site.rglob("*.html")}
    assert {path.relative_to(BASE_DIR / "docs") for path in (BASE_DIR / "docs").rglob("*.md")} <= built


def test_no_page_loads_anything_from_another_host(site):
    remote = {
        f"{page.relative_to(site)}: {url}"
        for page in site.rglob("*.html")
        for url in loads(page.read_text(encoding="utf-8"))
        if re.match(r"^(?:[a-z]+:)?//", url)
    }
    assert sorted(remote) == []


def test_the_load_check_sees_a_remote_font():
    page = '<link rel="stylesheet" href="https://fonts.googleapis.com/css"><a href="https://x.example">x</a>'
    assert loads(page) == ["https://fonts.googleapis.com/css"]


def test_no_diagram_needs_a_script():
    assert [path.name for path in documents() if "```mermaid" in path.read_text(encoding="utf-8")] == []


def test_the_readme_is_a_front_door():
    assert len((BASE_DIR / "README.md").read_text(encoding="utf-8").splitlines()) <= README_MOST_LINES


@pytest.mark.parametrize(
    "document", [path for path in documents() if path != BENCHMARK_RESULTS], ids=lambda path: path.name
)
def test_benchmark_figures_are_only_on_the_results_page(document):
    assert FIGURE.findall(document.read_text(encoding="utf-8")) == []


def test_the_figure_rule_catches_a_latency():
    assert FIGURE.findall("p50 23.2 ms, 1,178 requests/s, 2.1 MB") == [
        "23.2 ms",
        "1,178 requests/s",
        "2.1 MB",
    ]
