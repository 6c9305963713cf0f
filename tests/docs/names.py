"""What README.md and the docs site name, read out of their Markdown, and whether it exists.

Code spans and link targets name files and Python names; settings are ALL_CAPS names;
`make TARGET` and `manage.py COMMAND` are read from code spans and code blocks.
"""

from __future__ import annotations

import fnmatch
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from tests.project import BASE_DIR, PROJECT_APPS

DOCS_DIR = BASE_DIR / "docs"
FENCE = re.compile(r"^(```|~~~)[^\n]*\n.*?^\1\s*$", re.MULTILINE | re.DOTALL)
CODE_SPAN = re.compile(r"(`+)(.+?)\1")
LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")
PATH = re.compile(r"^(?:\./)?[a-z_.][\w.-]*(?:/[\w.*-]+)*/?$")
FILE_SUFFIXES = {
    *(".py", ".md", ".toml", ".txt", ".json", ".sh", ".yml", ".yaml", ".css", ".js", ".html"),
    *(".png", ".example", ".cfg"),
}
PYTHON_NAME = re.compile(rf"^(?:{'|'.join(PROJECT_APPS)})(?:\.[A-Za-z_]\w*)+$")
CHECK_ID = re.compile(r"^[a-z]+\.[EWCI]\d{3}$")
ENVIRONMENT_NAME = re.compile(
    r"\b(?:PORTAL|DJANGO|PLEO|GUNICORN)_[A-Z0-9_]+\b|\b(?:DATABASE|REDIS|EMAIL)_URL\b"
)
# `application/json` names a media type, not a folder.
MEDIA_TYPE = re.compile(r"^(?:application|text|image|audio|video|multipart|font)/[\w.+-]+$")
CONSTANT = re.compile(r"^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+$")
MAKE = re.compile(r"\bmake ([a-z][\w-]*)")
MANAGE = re.compile(r"\bmanage\.py ([a-z][a-z0-9_]*)")
# Files of the code that the docs' names are looked up in: everything but the docs and tests.
CODE_SUFFIXES = {".py", ".sh", ".toml", ".yml", ".cfg", ".html", ".txt", ".js", ".css", ".example"}
# Folders that are not the project's own files (tools, builds, working copies).
NOT_THE_PROJECT = {
    ".git",
    ".venv",
    "node_modules",
    "site",
    "mutants",
    "staticfiles",
    ".mypy_cache",
    ".ruff_cache",
}


@dataclass(frozen=True)
class Names:
    paths: frozenset[str]
    python_names: frozenset[str]
    check_ids: frozenset[str]
    constants: frozenset[str]
    make_targets: frozenset[str]
    commands: frozenset[str]


def documents() -> list[Path]:
    return [BASE_DIR / "README.md", *sorted(DOCS_DIR.rglob("*.md"))]


def _code_spans(text: str) -> Iterator[str]:
    for match in CODE_SPAN.finditer(text):
        yield match.group(2).strip()


def _is_path(span: str) -> bool:
    if not PATH.match(span) or MEDIA_TYPE.match(span):
        return False
    name = span.rstrip("/").rsplit("/", 1)[-1]
    return "/" in span or name.startswith(".") or Path(name).suffix in FILE_SUFFIXES


def names_in(text: str, *, base: Path = BASE_DIR) -> Names:
    """The names a Markdown text gives; `base` is the folder its relative links start from."""
    blocks = "\n".join(match.group(0) for match in FENCE.finditer(text))
    prose = FENCE.sub("", text)
    spans = list(_code_spans(prose))
    code = "\n".join([*spans, blocks])
    links = {
        str((base / target.split("#")[0]).resolve().relative_to(BASE_DIR))
        for target in LINK.findall(prose)
        if not re.match(r"^[a-z]+:|^#", target)
    }
    return Names(
        paths=frozenset({span.removeprefix("./") for span in spans if _is_path(span)} | links),
        python_names=frozenset(
            span for span in spans if PYTHON_NAME.match(span) and not CHECK_ID.match(span)
        ),
        check_ids=frozenset(span for span in spans if CHECK_ID.match(span)),
        constants=frozenset(
            {span for span in spans if CONSTANT.match(span)} | set(ENVIRONMENT_NAME.findall(prose + blocks))
        ),
        make_targets=frozenset(MAKE.findall(code)),
        commands=frozenset(MANAGE.findall(code) + MANAGE.findall(prose)),
    )


def document_names(path: Path) -> Names:
    return names_in(path.read_text(encoding="utf-8"), base=path.parent)


def _ignored_patterns() -> list[str]:
    lines = (BASE_DIR / ".gitignore").read_text(encoding="utf-8").splitlines()
    return [line.strip().rstrip("/") for line in lines if line.strip() and not line.startswith("#")]


def project_files() -> Iterator[Path]:
    for folder, subfolders, files in os.walk(BASE_DIR):
        subfolders[:] = [name for name in subfolders if name not in NOT_THE_PROJECT]
        yield from (Path(folder) / name for name in files)


def path_exists(name: str) -> bool:
    """A file or folder of the project, or a place its .gitignore names (made by a run).
    A bare file name may be anywhere in the project."""
    if any(BASE_DIR.glob(name.rstrip("/"))):
        return True
    if "/" not in name.rstrip("/") and any(path.name == name for path in project_files()):
        return True
    first = name.split("/")[0]
    return any(fnmatch.fnmatch(first, pattern) for pattern in _ignored_patterns())


def _module_files(parts: list[str]) -> tuple[list[Path], list[str]]:
    """The source files of the longest module prefix of a dotted name, and the names after it."""
    for end in range(len(parts), 0, -1):
        folder = BASE_DIR.joinpath(*parts[:end])
        if folder.with_suffix(".py").is_file():
            return [folder.with_suffix(".py")], parts[end:]
        if (folder / "__init__.py").is_file():
            return sorted(folder.rglob("*.py")), parts[end:]
    return [], parts


def python_name_exists(name: str) -> bool:
    """The module exists, and each name after it is defined or used in that module's source."""
    files, rest = _module_files(name.split("."))
    source = "\n".join(path.read_text(encoding="utf-8") for path in files)
    return bool(files) and all(re.search(rf"\b{re.escape(part)}\b", source) for part in rest)


def code_files() -> list[Path]:
    return [
        path
        for path in project_files()
        if path.relative_to(BASE_DIR).parts[0] not in ("docs", "tests")
        and (path.suffix in CODE_SUFFIXES or path.name in ("Makefile", ".env.example"))
    ]


def code_text() -> str:
    return "\n".join(path.read_text(encoding="utf-8", errors="replace") for path in code_files())


def code_words() -> set[str]:
    words: set[str] = set()
    for path in code_files():
        words |= set(re.findall(r"\b[A-Z][A-Z0-9_]+\b", path.read_text(encoding="utf-8", errors="replace")))
    return words
