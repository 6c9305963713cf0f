"""The email a developer gets when a monitored connection switches between working and failing.

Queued in the outbox (core.notifications) under a key naming the probe, so it is
sent once; the body names the connection, the request and the outcome, never a token.
"""

from __future__ import annotations

from django.urls import reverse

from core.models import Notification
from core.notifications import deliver_after_commit, notification_queue
from core.servers import portal_url, server_endpoints

from .models import Connection, MonitorState, TestCall

KIND_MONITOR = "connection_monitor"


def monitor_state_change_queue(
    *, connection: Connection, test_call: TestCall, state: str
) -> Notification | None:
    user = connection.user
    notification = notification_queue(
        key=f"connection:{connection.pk}:{state}:{test_call.pk}",
        kind=KIND_MONITOR,
        recipients=[user.email if user.is_active else ""],
        template=f"oauthclient/email/connection_{state}",
        context={
            "connection": connection,
            "client_name": connection.credential.registration.client_name,
            "server": server_endpoints(connection.credential.server).label,
            "call": test_call,
            "failing": state == MonitorState.FAILING,
            "url": portal_url(reverse("oauthclient:connection", args=[connection.pk])),
        },
    )
    deliver_after_commit(notification)
    return notification
