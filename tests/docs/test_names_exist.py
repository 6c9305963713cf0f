"""Every file, Python name, setting, system check, make target and management command that
README.md and the docs site name exists in the project."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.management import get_commands

from tests.project import BASE_DIR, make_targets

from .names import (
    code_text,
    code_words,
    document_names,
    documents,
    names_in,
    path_exists,
    python_name_exists,
)

DOCUMENTS = documents()


def _name(path: Path) -> str:
    return str(path.relative_to(BASE_DIR))


@pytest.fixture(scope="module")
def words() -> set[str]:
    return code_words()


@pytest.mark.parametrize("document", DOCUMENTS, ids=_name)
def test_every_file_path_named_exists(document):
    assert sorted(path for path in document_names(document).paths if not path_exists(path)) == []


@pytest.mark.parametrize("document", DOCUMENTS, ids=_name)
def test_every_python_name_named_exists(document):
    names = document_names(document).python_names
    assert sorted(name for name in names if not python_name_exists(name)) == []


@pytest.mark.parametrize("document", DOCUMENTS, ids=_name)
def test_every_setting_and_constant_named_is_in_the_code(document, words):
    assert sorted(document_names(document).constants - words) == []


@pytest.mark.parametrize("document", DOCUMENTS, ids=_name)
def test_every_system_check_named_exists(document):
    code = code_text()
    assert sorted(check for check in document_names(document).check_ids if f'"{check}"' not in code) == []


@pytest.mark.parametrize("document", DOCUMENTS, ids=_name)
def test_every_make_target_named_exists(document):
    assert sorted(document_names(document).make_targets - make_targets()) == []


@pytest.mark.parametrize("document", DOCUMENTS, ids=_name)
def test_every_management_command_named_exists(document):
    assert sorted(document_names(document).commands - set(get_commands())) == []


def test_the_docs_name_things_at_all():
    found = [document_names(document) for document in DOCUMENTS]
    assert all(
        any(getattr(names, kind) for names in found)
        for kind in ("paths", "python_names", "check_ids", "constants", "make_targets", "commands")
    )


@pytest.mark.parametrize(
    ("text", "kind", "missing"),
    [
        ("See `registrations/nothing.py`.", "paths", "registrations/nothing.py"),
        ("See [the page](docs/nowhere.md).", "paths", "docs/nowhere.md"),
        ("Set `PORTAL_NO_SUCH_SETTING`.", "constants", "PORTAL_NO_SUCH_SETTING"),
        ("Set PORTAL_NO_SUCH_SETTING in prose.", "constants", "PORTAL_NO_SUCH_SETTING"),
        ("Run `make nothing`.", "make_targets", "nothing"),
        ("```sh\nmake nothing\n```\n", "make_targets", "nothing"),
        ("Run `python manage.py no_such_command`.", "commands", "no_such_command"),
        ("Call `core.redaction.no_such_function`.", "python_names", "core.redaction.no_such_function"),
        ("Refused by `portal.E999`.", "check_ids", "portal.E999"),
    ],
)
def test_the_checks_find_a_name_that_does_not_exist(text, kind, missing, words):
    names = getattr(names_in(text), kind)
    assert missing in names
    exists = {
        "paths": path_exists,
        "constants": words.__contains__,
        "make_targets": make_targets().__contains__,
        "commands": get_commands().__contains__,
        "python_names": python_name_exists,
        "check_ids": lambda check: f'"{check}"' in code_text(),
    }[kind]
    assert not exists(missing)


def test_a_media_type_is_not_taken_for_a_path():
    assert names_in("Answers `application/json` or `text/html`.").paths == frozenset()
