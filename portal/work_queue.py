"""The partner managers' work queue on the admin index: what waits on whom, each
number linking to the admin list it counts.

In the project package because it reads both registrations and oauthclient
(connections), and registrations must not import oauthclient. Three queries
whatever the number of rows: two aggregates over registrations, one count of
failing connections.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from urllib.parse import urlencode

from django.db.models import Count, Min, Q
from django.urls import reverse
from django.utils import timezone

from oauthclient.models import Connection, ConnectionStatus
from registrations import deadlines
from registrations.admin import deadlines as admin_deadlines
from registrations.models import Registration, RegistrationStatus

# Connections whose developer must act before the integration works again.
FAILING_CONNECTION_STATUS = ConnectionStatus.NEEDS_REAUTHORIZATION

OLDEST_WAITING = "oldest waiting {days} day(s)"
NEAREST_DEADLINE = "nearest deadline {date} ({days_left})"
OVERDUE_NOTE = "{count} overdue"


@dataclass(frozen=True)
class QueueItem:
    key: str
    label: str
    count: int
    url: str  # empty when the user may not open the list
    note: str = ""
    alert: bool = False


def _changelist(app_label: str, model_name: str, **params: str) -> str:
    return reverse(f"admin:{app_label}_{model_name}_changelist") + ("?" + urlencode(params) if params else "")


def _registrations(**params: str) -> str:
    return _changelist("registrations", "registration", **params)


def registration_figures(*, today: date) -> dict[str, Any]:
    """Every registration count and date the queue shows, in two queries: the counts
    by status, then the registrations whose credentials wait to be retrieved (whose
    subquery then runs once per row that has a share date, not once per figure)."""
    figures = Registration.objects.order_by().aggregate(
        drafts=Count("pk", filter=Q(status=RegistrationStatus.DRAFT)),
        ready=Count("pk", filter=Q(status=RegistrationStatus.READY)),
        awaiting=Count("pk", filter=deadlines.AWAITING_PLEO),
        oldest_submitted_at=Min("submitted_at", filter=deadlines.AWAITING_PLEO),
        active=Count("pk", filter=Q(status=RegistrationStatus.ACTIVE)),
    )
    pending = deadlines.with_retrieval_state(Registration.objects.order_by()).filter(deadlines.TO_RETRIEVE)
    figures.update(
        pending.aggregate(
            to_retrieve=Count("pk"),
            nearest_shared_on=Min("credentials_shared_on"),
            overdue=Count("pk", filter=Q(credentials_shared_on__lt=deadlines.overdue_before(today))),
        )
    )
    return figures


def _days_left(days: int) -> str:
    if days < 0:
        return admin_deadlines.OVERDUE_BY.format(days=-days)
    return admin_deadlines.DUE_TODAY if days == 0 else admin_deadlines.DAYS_LEFT.format(days=days)


def work_queue(user: Any, *, now: datetime | None = None) -> list[QueueItem]:
    """The queue for this user: registration items if they may view registrations,
    the failing connections if they may view connections (linked) or registrations (count only)."""
    if not user.has_perm("registrations.view_registration"):
        return []
    now = now or timezone.now()
    today = timezone.localdate(now)
    figures = registration_figures(today=today)
    awaiting_note = ""
    if figures["oldest_submitted_at"] is not None:
        awaiting_note = OLDEST_WAITING.format(
            days=deadlines.age_in_days(figures["oldest_submitted_at"], now=now)
        )
    retrieve_notes = []
    if figures["nearest_shared_on"] is not None:
        deadline = deadlines.retrieval_deadline(figures["nearest_shared_on"])
        retrieve_notes.append(
            NEAREST_DEADLINE.format(date=deadline.isoformat(), days_left=_days_left((deadline - today).days))
        )
    if figures["overdue"]:
        retrieve_notes.append(OVERDUE_NOTE.format(count=figures["overdue"]))
    status = "status__exact"
    calendar = admin_deadlines.PleoCalendarFilter.parameter_name
    failing = Connection.objects.filter(status=FAILING_CONNECTION_STATUS).count()
    may_view_connections = user.has_perm("oauthclient.view_connection")
    return [
        QueueItem(
            "drafts", "Drafts", figures["drafts"], _registrations(**{status: RegistrationStatus.DRAFT})
        ),
        QueueItem(
            "ready", "Ready to submit", figures["ready"], _registrations(**{status: RegistrationStatus.READY})
        ),
        QueueItem(
            "awaiting_pleo",
            "Waiting for Pleo",
            figures["awaiting"],
            _registrations(**{calendar: admin_deadlines.AWAITING_PLEO}),
            awaiting_note,
        ),
        QueueItem(
            "to_retrieve",
            "Credentials to retrieve",
            figures["to_retrieve"],
            _registrations(**{calendar: admin_deadlines.TO_RETRIEVE}),
            " · ".join(retrieve_notes),
            alert=bool(figures["overdue"]),
        ),
        QueueItem(
            "active", "Active", figures["active"], _registrations(**{status: RegistrationStatus.ACTIVE})
        ),
        QueueItem(
            "connections_failing",
            "Connections failing",
            failing,
            _changelist("oauthclient", "connection", **{status: FAILING_CONNECTION_STATUS})
            if may_view_connections
            else "",
            alert=bool(failing),
        ),
    ]
