"""A failing deployment test reports what the server said (its stderr)."""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

import pytest


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Generator[None, Any, Any]:
    report = yield
    funcargs = getattr(item, "funcargs", {})
    server = funcargs.get("gunicorn") or (funcargs.get("served") or (None,))[0]
    if report.when == "call" and report.failed and server is not None:
        # Any failure in the test body (also inside the HTTP helpers), not only its own asserts.
        report.sections.append(("gunicorn stderr", server.log()))
    return report
