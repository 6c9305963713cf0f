"""portal/gunicorn_conf.py never configures a server that could wait on itself."""

from __future__ import annotations

import runpy
from pathlib import Path

import pytest

CONF = Path(__file__).resolve().parents[2] / "portal" / "gunicorn_conf.py"


def _conf(monkeypatch: pytest.MonkeyPatch, **env: str) -> dict[str, object]:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(CONF))


def test_one_worker_asked_for_still_gives_two(monkeypatch: pytest.MonkeyPatch) -> None:
    assert _conf(monkeypatch, GUNICORN_WORKERS="1")["workers"] == 2


def test_one_thread_asked_for_still_gives_two(monkeypatch: pytest.MonkeyPatch) -> None:
    assert _conf(monkeypatch, GUNICORN_THREADS="1")["threads"] == 2


def test_workers_are_threaded(monkeypatch: pytest.MonkeyPatch) -> None:
    assert _conf(monkeypatch)["worker_class"] == "gthread"


def test_access_log_leaves_query_strings_out(monkeypatch: pytest.MonkeyPatch) -> None:
    # An OAuth callback carries the authorization code in its query string.
    log_format = str(_conf(monkeypatch)["access_log_format"])
    assert ("%(U)s" in log_format, "%(q)s" in log_format, "%(r)s" in log_format) == (True, False, False)


def test_a_worker_accepts_no_more_connections_than_it_has_threads(monkeypatch: pytest.MonkeyPatch) -> None:
    # Otherwise a busy worker queues the sandbox request its own test call waits for.
    conf = _conf(monkeypatch, GUNICORN_THREADS="6")
    assert (conf["worker_connections"], conf["keepalive"]) == (6, 0)
