"""Connection monitoring: a scheduled, read-only probe of each monitored connection.

A probe is an ordinary test call (test_call_run) with the developer's chosen GET,
marked as scheduled, made under the connection's row lock (locks.connection_claimed),
so it refreshes exactly as a manual call would and keeps Pleo's refresh tokens in
use. When a probe's outcome switches the connection between working and failing,
its developer gets one email (oauthclient.notifications).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils import timezone

from core.models import Notification
from core.servers import server_endpoints

from ..errors import OAuthClientError
from ..locks import connection_claimed, connection_locked
from ..models import Connection, ConnectionStatus, MonitorState, TestCall
from ..notifications import monitor_state_change_queue
from .retention import RECORDING_BATCH, test_calls_prune
from .test_call import api_url, test_call_run

logger = logging.getLogger(__name__)

CODE_PROBE_CRASHED = "probe_crashed"
PROBE_CRASHED = "The probe could not run ({error}); see the server log."

Progress = Callable[[int, int, TestCall], None]


@dataclass
class ProbeRun:
    probed: list[TestCall] = field(default_factory=list)
    notifications: list[Notification] = field(default_factory=list)

    @property
    def failing(self) -> list[TestCall]:
        return [call for call in self.probed if not call.ok]


def connection_set_monitoring(*, connection: Connection, monitored: bool, path: str) -> Connection:
    """Turn monitoring on or off, with the GET the probe makes (refused like a test call's path).

    Turning it on makes the connection due at once: the next probe_connections run probes it.
    """
    api_url(endpoints=server_endpoints(connection.credential.server), path=path)
    with connection_locked(connection.pk) as locked:
        if monitored and not locked.monitored:
            locked.last_probed_at = None
        locked.monitored = monitored
        locked.monitor_path = path
        locked.full_clean(exclude=["access_token", "refresh_token"], validate_constraints=False)
        locked.save(update_fields=["monitored", "monitor_path", "last_probed_at", "updated_at"])
    return locked


def due_connections(now: datetime) -> QuerySet[Connection]:
    """Monitored connections whose last probe is at least `PORTAL_PROBE_INTERVAL_MINUTES` old (or never)."""
    probed_before = now - timedelta(minutes=settings.PORTAL_PROBE_INTERVAL_MINUTES)
    return (
        Connection.objects.filter(monitored=True)
        .exclude(status=ConnectionStatus.DISCONNECTED)
        .filter(Q(last_probed_at__isnull=True) | Q(last_probed_at__lte=probed_before))
    )


def _run_probe(connection: Connection) -> TestCall:
    try:
        return test_call_run(
            connection=connection, user=connection.user, path=connection.monitor_path, scheduled=True
        )
    except OAuthClientError as exc:
        # The chosen path is refused (the server's API base changed since): nothing was sent.
        error_code, error_message = exc.code, exc.message
    except Exception as exc:
        logger.exception("Probe of connection %s crashed", connection.pk)
        error_code, error_message = CODE_PROBE_CRASHED, PROBE_CRASHED.format(error=type(exc).__name__)
    call = TestCall.objects.create(
        connection=connection,
        user=connection.user,
        url=connection.monitor_path,
        scheduled=True,
        error_code=error_code,
        error_message=error_message,
    )
    test_calls_prune(connection=connection, batch=RECORDING_BATCH)
    return call


def connection_probe(*, connection: Connection) -> tuple[TestCall, Notification | None]:
    """Probe one connection whose row the caller holds; returns the test call and the email queued, if any."""
    call = _run_probe(connection)
    state = MonitorState.WORKING if call.ok else MonitorState.FAILING
    # A connection never probed counts as working: its first failure is news, its first success is not.
    previous = connection.monitor_state or MonitorState.WORKING
    notification = None
    if state != previous:
        notification = monitor_state_change_queue(connection=connection, test_call=call, state=state)
    Connection.objects.filter(pk=connection.pk).update(last_probed_at=timezone.now(), monitor_state=state)
    return call, notification


def connections_probe_due(*, progress: Progress | None = None) -> ProbeRun:
    """Probe every due connection once; safe to run on several hosts at once (PostgreSQL)."""
    started = timezone.now()
    candidates = due_connections(started)
    total = candidates.count()
    run = ProbeRun()
    while True:
        with connection_claimed(candidates) as connection:
            if connection is None:
                break
            call, notification = connection_probe(connection=connection)
        run.probed.append(call)
        if notification is not None:
            run.notifications.append(notification)
        if progress is not None:
            progress(len(run.probed), max(total, len(run.probed)), call)
    return run
