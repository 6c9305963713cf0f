"""`make test` prepares the machine itself (scripts/test_suite.sh); pytest is stood in for by a recorder."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

BASH = shutil.which("bash") or "/bin/bash"
SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "test_suite.sh"
SQLITE_URL = "sqlite:////tmp/make-test-probe.sqlite3"
# Nothing listens there, and it is not the local cluster's address, so nothing is started.
SILENT_POSTGRES = "postgres://postgres@127.0.0.2:5499/portal"
LOCAL_POSTGRES = "postgres://postgres@127.0.0.1:5432"


@pytest.fixture
def recorder(tmp_path: Path) -> Path:
    """A stand-in for pytest: notes the DATABASE_URL of each pass (and its arguments, a line
    a pass), exits with FAKE_PYTEST_EXIT."""
    script = tmp_path / "pytest"
    script.write_text(
        '#!/bin/sh\necho "$DATABASE_URL" >> "$0.calls"\necho "$*" >> "$0.args"\nexit "${FAKE_PYTEST_EXIT:-0}"\n'
    )
    script.chmod(0o755)
    return script


def passes(recorder: Path) -> list[str]:
    calls = recorder.with_name("pytest.calls")
    return calls.read_text().split() if calls.exists() else []


def arguments(recorder: Path) -> list[list[str]]:
    """The pytest arguments of each pass."""
    return [line.split() for line in recorder.with_name("pytest.args").read_text().splitlines()]


def run_suite(recorder: Path, **env: str) -> subprocess.CompletedProcess[str]:
    # CI and CHECKS are what `make test` gave this run, not what the probe is about.
    base = {key: value for key, value in os.environ.items() if key not in {"CI", "CHECKS"}}
    # Any program stands in for Chromium, so that a probe never installs the real one.
    chromium = {"PORTAL_CHROMIUM": sys.executable}
    return subprocess.run(  # noqa: S603 (the project's own script)
        [BASH, str(SCRIPT)],
        env={**base, **chromium, "PYTEST": str(recorder), "SQLITE_TEST_URL": SQLITE_URL, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_without_a_postgres_server_the_pass_is_skipped_and_said_so(recorder):
    result = run_suite(recorder, TEST_POSTGRES_URL=SILENT_POSTGRES)
    assert result.returncode == 0, result.stderr
    assert "PostgreSQL pass SKIPPED" in result.stdout
    assert passes(recorder) == [SQLITE_URL]


def test_a_pass_runs_on_xdist_workers_by_group_with_live_servers_on_loopback_and_its_slowest_tests(recorder):
    result = run_suite(recorder, TEST_POSTGRES_URL=SILENT_POSTGRES, PYTEST_WORKERS="3")
    assert result.returncode == 0, result.stderr
    [sqlite_pass] = arguments(recorder)
    assert {"-n", "3", "--dist", "loadgroup", "--liveserver=127.0.0.1", "--durations=15"} <= set(sqlite_pass)
    assert sqlite_pass[sqlite_pass.index("-n") + 1] == "3"
    # The SQLite pass runs every test.
    assert "--database-tests-only" not in sqlite_pass


def test_in_ci_a_missing_postgres_server_fails(recorder):
    result = run_suite(recorder, TEST_POSTGRES_URL=SILENT_POSTGRES, CI="true")
    assert result.returncode == 1
    assert "CI needs the PostgreSQL pass" in result.stderr


def test_a_run_that_collects_no_test_fails(recorder):
    result = run_suite(recorder, TEST_POSTGRES_URL=SILENT_POSTGRES, FAKE_PYTEST_EXIT="5")
    assert result.returncode == 5
    assert "ran no test" in result.stderr


@pytest.fixture
def path_without_apt(tmp_path: Path) -> str:
    """PATH with every program of this machine except apt-get."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for directory in os.environ["PATH"].split(os.pathsep):
        for program in Path(directory).glob("*") if Path(directory).is_dir() else []:
            link = bin_dir / program.name
            if program.name != "apt-get" and not link.exists():
                link.symlink_to(program)
    return str(bin_dir)


@pytest.mark.parametrize("with_checks", [False, True], ids=["alone", "while-the-checks-run"])
def test_missing_chromium_that_cannot_be_installed_stops_with_one_line(
    recorder, path_without_apt, with_checks
):
    checks = {"CHECKS": f"echo checks >> {recorder}.calls"} if with_checks else {}
    result = run_suite(
        recorder,
        TEST_POSTGRES_URL=SILENT_POSTGRES,
        PORTAL_CHROMIUM="/nonexistent/chromium",
        PATH=path_without_apt,
        **checks,
    )
    assert result.returncode == 1
    assert result.stderr.count("\n") == 1
    assert "apt-get install -y chromium" in result.stderr
    # No pytest pass ran; the checks did.
    assert passes(recorder) == (["checks"] if with_checks else [])


def test_the_checks_run_before_pytest(recorder):
    result = run_suite(recorder, TEST_POSTGRES_URL=SILENT_POSTGRES, CHECKS=f"echo checks >> {recorder}.calls")
    assert result.returncode == 0, result.stderr
    assert passes(recorder) == ["checks", SQLITE_URL]


def test_a_failing_check_fails_the_run_and_no_pytest_pass_runs(recorder):
    result = run_suite(recorder, TEST_POSTGRES_URL=SILENT_POSTGRES, CHECKS="exit 3")
    assert result.returncode == 3
    assert passes(recorder) == []


@pytest.fixture
def new_database_name() -> Iterator[str]:
    name = f"make_test_probe_{uuid.uuid4().hex[:8]}"
    yield name
    with psycopg.connect(f"{LOCAL_POSTGRES}/postgres", autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}"')


@pytest.mark.postgres
def test_the_postgres_pass_creates_its_database_and_runs(recorder, new_database_name):
    url = f"{LOCAL_POSTGRES}/{new_database_name}"
    result = run_suite(recorder, TEST_POSTGRES_URL=url)
    assert result.returncode == 0, result.stderr
    assert passes(recorder) == [SQLITE_URL, url]
    assert ["--database-tests-only" in pass_arguments for pass_arguments in arguments(recorder)] == [
        False,
        True,
    ]
    with psycopg.connect(url) as connection:
        assert connection.execute("SELECT current_database()").fetchone() == (new_database_name,)
