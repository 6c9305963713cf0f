"""bandit finds no high-severity issue in the code of every app of the project (pyproject.toml,
[tool.portal] apps; migrations included: they are code that runs in production too)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from django.conf import settings

from tests.project import PROJECT_APPS


def test_bandit_reports_no_high_severity_issue():
    # A fixed argument list, no shell: nothing from outside reaches the command line.
    completed = subprocess.run(  # noqa: S603
        [sys.executable, "-m", "bandit", "-r", *PROJECT_APPS, "-lll", "-q", "-f", "json"],
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    report = json.loads(completed.stdout)

    high = [
        f"{issue['filename']}:{issue['line_number']} {issue['test_id']} {issue['issue_text']}"
        for issue in report["results"]
        if issue["issue_severity"] == "HIGH"
    ]
    assert high == []
    # Not vacuous: every file was parsed, and there was code to scan.
    assert report["errors"] == []
    assert report["metrics"]["_totals"]["loc"] > 1000
    scanned_apps = {Path(name).parts[0] for name in report["metrics"] if name != "_totals"}
    assert scanned_apps == set(PROJECT_APPS)
