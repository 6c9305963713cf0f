"""The settings page lists every setting of `.env.example` and the code reads every one of
them; the commands page lists every management command of the project's apps."""

from __future__ import annotations

import re

from django.apps import apps
from django.core.management import get_commands

from portal.management.commands.serve import SANDBOX_DEFAULTS
from tests.project import BASE_DIR, PROJECT_APPS

SETTINGS_PAGE = BASE_DIR / "docs" / "reference" / "settings.md"
COMMANDS_PAGE = BASE_DIR / "docs" / "reference" / "commands.md"
ENV_EXAMPLE = BASE_DIR / ".env.example"
ENV_LINE = re.compile(r"^#?\s*([A-Z][A-Z0-9_]+)=", re.MULTILINE)
TABLE_ROW_NAME = re.compile(r"^\| `([A-Z][A-Z0-9_]+)` \|", re.MULTILINE)
ENV_READ = re.compile(
    r"(?:\benv(?:\.\w+)?|os\.environ\.get|os\.environ\.setdefault|os\.getenv)\(\s*\"([A-Z][A-Z0-9_]+)\""
    r"|os\.environ\[\"([A-Z][A-Z0-9_]+)\"\]"
)
COMMAND_HEADING = re.compile(r"^### ([a-z_]+)$", re.MULTILINE)


def env_example_settings() -> set[str]:
    return set(ENV_LINE.findall(ENV_EXAMPLE.read_text(encoding="utf-8")))


def settings_page_settings() -> set[str]:
    return set(TABLE_ROW_NAME.findall(SETTINGS_PAGE.read_text(encoding="utf-8")))


def settings_read_by_the_code() -> set[str]:
    sources = [
        BASE_DIR / "manage.py",
        *(path for app in PROJECT_APPS for path in (BASE_DIR / app).rglob("*.py")),
    ]
    found = {
        name
        for path in sources
        for match in ENV_READ.finditer(path.read_text(encoding="utf-8"))
        for name in match.groups()
        if name
    }
    # `manage.py serve` reads the sandbox server's variables through a table of defaults.
    return found | set(SANDBOX_DEFAULTS)


def test_the_settings_page_lists_every_setting_of_the_env_example():
    assert sorted(env_example_settings() - settings_page_settings()) == []


def test_the_settings_page_lists_only_settings_of_the_env_example():
    assert sorted(settings_page_settings() - env_example_settings()) == []


def test_the_env_example_lists_every_setting_the_code_reads():
    assert sorted(settings_read_by_the_code() - env_example_settings()) == []


def test_the_code_reads_every_setting_of_the_env_example():
    assert sorted(env_example_settings() - settings_read_by_the_code()) == []


def project_commands() -> set[str]:
    names = {apps.get_app_config(app).name for app in PROJECT_APPS}
    return {command for command, app in get_commands().items() if app in names}


def test_the_commands_page_has_a_section_for_every_command_of_the_project():
    assert project_commands()
    assert (
        sorted(project_commands() - set(COMMAND_HEADING.findall(COMMANDS_PAGE.read_text(encoding="utf-8"))))
        == []
    )


def test_the_commands_page_sections_are_commands_of_the_project():
    headings = set(COMMAND_HEADING.findall(COMMANDS_PAGE.read_text(encoding="utf-8")))
    assert sorted(headings - project_commands()) == []
