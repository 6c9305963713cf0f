"""Production settings refuse to start without valid encryption keys (portal.E001).

Run in a subprocess: production settings are a different settings module,
and the check must fail the way `make serve` / `manage.py check --deploy` runs it.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from django.core.management.utils import get_random_secret_key

BASE_DIR = Path(__file__).resolve().parents[2]


def production_env(tmp_path: Path, encryption_keys: str) -> dict[str, str]:
    # Hermetic: nothing of this test process's Django/portal settings leaks in
    # (e.g. DJANGO_ALLOW_ASYNC_UNSAFE, which browser tests set).
    inherited = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("DJANGO_", "PORTAL_", "DATABASE_", "REDIS_"))
    }
    return {
        **inherited,
        "DJANGO_SETTINGS_MODULE": "portal.settings.production",
        "DJANGO_SECRET_KEY": get_random_secret_key() * 2,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'prod-check.sqlite3'}",
        # Set, even when empty: real environment variables win over a local .env.
        "PORTAL_ENCRYPTION_KEYS": encryption_keys,
    }


def run_python(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    """`python ARGS` in the project directory with exactly `env`; output captured."""
    return subprocess.run(  # noqa: S603 (the tests' own fixed arguments)
        [sys.executable, *args],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def check_production(tmp_path: Path, encryption_keys: str) -> subprocess.CompletedProcess[str]:
    env = production_env(tmp_path, encryption_keys)
    return run_python(env, "manage.py", "check", "--deploy", "--fail-level", "ERROR")


@pytest.mark.parametrize("keys", ["", "not-a-fernet-key"])
def test_production_check_fails_without_valid_keys(tmp_path, keys):
    result = check_production(tmp_path, keys)
    assert result.returncode != 0
    assert "portal.E001" in result.stderr, result.stderr


def test_production_check_passes_with_a_valid_key(tmp_path):
    result = check_production(tmp_path, Fernet.generate_key().decode())
    assert (result.returncode, "portal.E001" in result.stderr) == (0, False), result.stderr


def test_production_deploy_check_prints_no_warning(tmp_path):
    """`check --deploy` with production settings and the documented variables: not one warning."""
    result = check_production(tmp_path, Fernet.generate_key().decode())
    assert (result.stdout.strip(), result.stderr) == (
        "System check identified no issues (0 silenced).",
        "",
    ), result.stdout + result.stderr


def test_gunicorn_refuses_to_start_without_valid_keys(tmp_path):
    """gunicorn runs no system checks by itself: portal/gunicorn_conf.py does, at start."""
    env = {**production_env(tmp_path, ""), "GUNICORN_BIND": "127.0.0.1:0"}
    result = run_python(env, "-m", "gunicorn", "-c", "portal/gunicorn_conf.py", "portal.wsgi")
    assert (result.returncode != 0, "portal.E001" in result.stderr) == (True, True), result.stderr


def test_a_secret_key_starting_with_a_dollar_is_taken_as_is(tmp_path):
    # django-environ would read "$…" as a reference to another variable.
    env = {**production_env(tmp_path, Fernet.generate_key().decode()), "DJANGO_SECRET_KEY": "$" + "k" * 60}
    result = run_python(
        env, "manage.py", "shell", "-c", "from django.conf import settings; print(settings.SECRET_KEY)"
    )
    assert result.stdout.strip().splitlines()[-1] == "$" + "k" * 60, result.stderr
