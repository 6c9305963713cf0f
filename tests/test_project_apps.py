"""One list of the project's apps (pyproject.toml, [tool.portal] apps) drives every tool."""

from __future__ import annotations

import shutil
import subprocess

from django.conf import settings

from tests.project import BASE_DIR, PROJECT_APPS, pyproject

MAKE = shutil.which("make") or "/usr/bin/make"


def make_commands(*targets: str) -> list[str]:
    """The commands `make TARGETS` would run, without running them."""
    completed = subprocess.run(  # noqa: S603 (fixed arguments: the project's own Makefile)
        [MAKE, "--dry-run", "--always-make", *targets],
        cwd=BASE_DIR,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return completed.stdout.splitlines()


def test_the_list_names_each_app_once_bottom_layer_first():
    assert PROJECT_APPS[0] == "core"
    assert PROJECT_APPS[-1] == "portal"
    assert len(set(PROJECT_APPS)) == len(PROJECT_APPS)


def test_settings_install_the_apps_in_the_listed_order():
    installed = [entry.split(".")[0] for entry in settings.INSTALLED_APPS]
    assert [name for name in installed if name in PROJECT_APPS] == list(PROJECT_APPS)


def test_mutmut_copies_every_app():
    assert pyproject()["tool"]["mutmut"]["source_paths"] == list(PROJECT_APPS)


def test_make_typecheck_runs_mypy_on_every_app():
    [mypy] = [line for line in make_commands("typecheck") if "mypy" in line]
    assert mypy.split()[1:] == list(PROJECT_APPS)


def test_make_audit_runs_bandit_on_every_app():
    [bandit] = [line for line in make_commands("audit") if "bandit" in line]
    arguments = bandit.split()
    assert arguments[arguments.index("-r") + 1 : arguments.index("-lll")] == list(PROJECT_APPS)
