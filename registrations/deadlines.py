"""Pleo's calendar for a registration: submitted, credentials shared, retrieval due.

Pleo shares credentials through a 1Password link that must be opened within
`PORTAL_CREDENTIAL_RETRIEVAL_DAYS` days: the retrieval deadline is the share
date plus that many days, and a registration is overdue from the day after.

"Credentials retrieved" means: a credential issued by the registration's Pleo
server (Pleo staging for a staging registration, Pleo production for a
production one) was recorded on or after the share date. Sandbox credentials do
not count, and neither does a credential recorded before the share (an earlier
one that Pleo has since replaced). Whether it is still active does not matter:
it was retrieved.

Everything here reads; the one write is registrations.services.deadlines.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db.models import Case, CharField, Exists, OuterRef, Q, QuerySet, Value, When
from django.utils import timezone

from .models import PLEO_SERVER_BY_ENVIRONMENT, Credential, Registration, RegistrationStatus

Status = RegistrationStatus

# Statuses in which recording the share date makes sense: after submission, before the end.
SHARE_STATUSES = (Status.SUBMITTED, Status.CREDENTIALS_RECEIVED, Status.ACTIVE)
CLOSED_STATUSES = (Status.REVOKED, Status.ARCHIVED)

SHARED_NOT_SUBMITTED = (
    "Record when Pleo shared the credentials once the registration has been submitted to Pleo."
)
SHARED_CLOSED = "This registration is {status}: its dates no longer change."
SHARED_IN_FUTURE = "The share date cannot be in the future."
SHARED_BEFORE_SUBMISSION = (
    "Pleo cannot have shared the credentials before the registration was submitted ({date})."
)

# The annotation names that with_retrieval_state() adds.
RETRIEVED = "credentials_retrieved"
_PLEO_SERVER = "_retrieval_server"


def retrieval_days() -> int:
    return int(settings.PORTAL_CREDENTIAL_RETRIEVAL_DAYS)


def retrieval_deadline(shared_on: date) -> date:
    return shared_on + timedelta(days=retrieval_days())


def overdue_before(today: date) -> date:
    """Registrations shared before this day are past their deadline on `today`."""
    return today - timedelta(days=retrieval_days())


def with_retrieval_state(queryset: QuerySet[Registration]) -> QuerySet[Registration]:
    """Annotates `credentials_retrieved` (a boolean, one subquery: no query per row)."""
    pleo_server = Case(
        *[When(environment=env, then=Value(server)) for env, server in PLEO_SERVER_BY_ENVIRONMENT.items()],
        output_field=CharField(),
    )
    retrieved = Credential.objects.filter(
        registration=OuterRef("pk"),
        server=OuterRef(_PLEO_SERVER),
        recorded_at__date__gte=OuterRef("credentials_shared_on"),
    )
    return queryset.annotate(**{_PLEO_SERVER: pleo_server, RETRIEVED: Exists(retrieved)})


# Conditions on a queryset annotated by with_retrieval_state().
AWAITING_PLEO = Q(status=Status.SUBMITTED, credentials_shared_on__isnull=True)
# The cheap conditions first: the subquery then runs only for registrations with a share date.
TO_RETRIEVE = (
    Q(credentials_shared_on__isnull=False) & ~Q(status__in=CLOSED_STATUSES) & Q(**{RETRIEVED: False})
)


def overdue_q(today: date) -> Q:
    return TO_RETRIEVE & Q(credentials_shared_on__lt=overdue_before(today))


@dataclass(frozen=True)
class RetrievalState:
    """Where one registration stands with its shared credentials on `today`."""

    shared_on: date
    deadline: date
    days_left: int  # negative once overdue
    retrieved: bool
    closed: bool

    @property
    def pending(self) -> bool:
        return not self.retrieved and not self.closed

    @property
    def overdue(self) -> bool:
        return self.pending and self.days_left < 0


def retrieval_state(registration: Registration, *, today: date | None = None) -> RetrievalState | None:
    """None until Pleo has shared the credentials. Uses the annotation when present."""
    shared_on = registration.credentials_shared_on
    if shared_on is None:
        return None
    retrieved = getattr(registration, RETRIEVED, None)
    if retrieved is None:
        retrieved = (
            with_retrieval_state(Registration.objects.filter(pk=registration.pk))
            .filter(**{RETRIEVED: True})
            .exists()
        )
    deadline = retrieval_deadline(shared_on)
    return RetrievalState(
        shared_on=shared_on,
        deadline=deadline,
        days_left=(deadline - (today or timezone.localdate())).days,
        retrieved=bool(retrieved),
        closed=registration.status in CLOSED_STATUSES,
    )


def credentials_shared_errors(
    *, status: str, submitted_at: datetime | None, shared_on: date | None, today: date
) -> list[str]:
    """The rules for a share date (None clears it), for the service and the admin form alike."""
    if status in CLOSED_STATUSES:
        return [SHARED_CLOSED.format(status=Status(status).label.lower())]
    if status not in SHARE_STATUSES:
        return [SHARED_NOT_SUBMITTED] if shared_on is not None else []
    if shared_on is None:
        return []
    errors = []
    if shared_on > today:
        errors.append(SHARED_IN_FUTURE)
    if submitted_at is not None:
        submitted_on = timezone.localdate(submitted_at)
        if shared_on < submitted_on:
            errors.append(SHARED_BEFORE_SUBMISSION.format(date=submitted_on.isoformat()))
    return errors


def age_in_days(moment: datetime | None, *, now: datetime | None = None) -> int | None:
    if moment is None:
        return None
    return ((now or timezone.now()) - moment).days
