"""What the code says about the docs holds: the docs pages it names exist, it names no README
section (README is a front door now), and each benchmark script has the number and title
bench/run.py and the benchmark results page give it."""

from __future__ import annotations

import ast
import re

import pytest

from bench.run import PARTS
from tests.project import BASE_DIR

from .names import project_files

DOCS_PATH = re.compile(r"\bdocs/[\w/.-]+\.md\b")
README_SECTION = re.compile(r"\bREADME(?:'s)?,?\s+[\"“'*]")
TEXT_SUFFIXES = {".py", ".sh", ".toml", ".yml", ".cfg", ".html", ".txt", ".js", ".css", ".example"}
# These tests' own examples of wrong references.
EXAMPLES = BASE_DIR / "tests" / "docs"


def code_and_tests() -> dict[str, str]:
    return {
        str(path.relative_to(BASE_DIR)): path.read_text(encoding="utf-8", errors="replace")
        for path in project_files()
        if (path.suffix in TEXT_SUFFIXES or path.name in ("Makefile", ".env.example"))
        and path.relative_to(BASE_DIR).parts[0] != "docs"
        and EXAMPLES not in path.parents
    }


def test_every_docs_page_named_in_the_code_exists():
    named = {(name, page) for name, text in code_and_tests().items() for page in DOCS_PATH.findall(text)}
    assert named
    assert sorted((name, page) for name, page in named if not (BASE_DIR / page).is_file()) == []


def test_no_code_names_a_section_of_the_readme():
    assert sorted(name for name, text in code_and_tests().items() if README_SECTION.search(text)) == []


def test_the_readme_section_rule_catches_a_reference():
    assert README_SECTION.search('See README, "Deploying".')
    assert README_SECTION.search("The layers drawn in README's *Layout*.")
    assert not README_SECTION.search("Two commands for a new machine. See README.md.")


@pytest.mark.parametrize("part", list(PARTS))
def test_each_benchmark_script_has_its_number_and_its_section_on_the_results_page(part):
    script, title, _timeout = PARTS[part]
    docstring = ast.get_docstring(ast.parse((BASE_DIR / "bench" / script).read_text(encoding="utf-8")))
    number = title.split(".")[0]
    assert docstring is not None
    assert re.match(rf"Benchmarks? {re.escape(number)}:", docstring)
    assert f"\n## {title}\n" in (BASE_DIR / "docs" / "benchmarks.md").read_text(encoding="utf-8")
