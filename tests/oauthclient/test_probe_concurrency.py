"""Two probe_connections jobs started at once (two hosts' cron) probe each due connection exactly once.

PostgreSQL: rows are claimed with SELECT ... FOR UPDATE SKIP LOCKED. Real threads, each
with its own database connection, against the scripted server over HTTP.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest

from oauthclient.models import Connection, TestCall
from oauthclient.services.monitoring import ProbeRun, connection_set_monitoring, connections_probe_due
from tests.at_once import at_once
from tests.factories import make_connection

from .dashboard import make_credential, make_developer
from .fake_server import Reply

CONNECTIONS = 30
JOBS = 2


@pytest.fixture
def due_connections(transactional_db: Any, pleo_via_fake: Any) -> list[Connection]:
    credential = make_credential()
    # Each answer takes a moment, so the two jobs overlap for the whole run.
    pleo_via_fake.script("/api/v1/introspect", *[Reply(delay=0.02, body={"ok": True})] * CONNECTIONS)
    connections = []
    for _ in range(CONNECTIONS):
        connection = make_connection(user=make_developer(), credential=credential)
        connections.append(
            connection_set_monitoring(connection=connection, monitored=True, path="/v1/introspect")
        )
    return connections


def _run_jobs_at_once() -> tuple[list[ProbeRun], list[BaseException]]:
    return at_once(JOBS, lambda _: connections_probe_due(), timeout=120)


@pytest.mark.postgres
def test_two_jobs_at_once_probe_each_due_connection_exactly_once(
    due_connections: list[Connection], pleo_via_fake: Any
) -> None:
    _runs, failures = _run_jobs_at_once()
    assert failures == []
    probes = Counter(TestCall.objects.filter(scheduled=True).values_list("connection_id", flat=True))
    assert probes == Counter({connection.pk: 1 for connection in due_connections})
    assert len(pleo_via_fake.requests_to("/api/v1/introspect")) == CONNECTIONS


@pytest.mark.postgres
def test_both_jobs_share_the_work(due_connections: list[Connection]) -> None:
    runs, _ = _run_jobs_at_once()
    assert sorted(len(run.probed) for run in runs)[0] > 0
    assert sum(len(run.probed) for run in runs) == CONNECTIONS
