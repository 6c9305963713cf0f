"""Test-call retention: what the dashboard keeps of each connection's test calls.

Per connection: the newest PORTAL_TEST_CALLS_KEPT calls, none older than
PORTAL_TEST_CALLS_KEPT_DAYS days, and always the newest successful call, whatever its
rank: the readiness report shows it as the staging evidence a promotion wants (within
PORTAL_STAGING_EVIDENCE_DAYS, which a system check keeps within the days kept). A
call's exchanges go with it.

The rule is enforced when a call is recorded (test_call.py), where calls beyond the count
are deleted RECORDING_BATCH at a time (one query per call until then, as exchanges are
pruned in batches), and by the scheduled `manage.py purge_test_calls`, exactly, for
connections that make no calls any more.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db.models import Count, Min, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from ..locks import connection_claimed
from ..models import SUCCESSFUL_CALL, Connection, TestCall

# Rows deleted per statement: bounds memory and the length of each transaction.
DELETE_BATCH = 500
# When a call is recorded, calls beyond the count wait until this many can go at once: a
# connection at its limit then costs one query per call, not a deletion per call.
RECORDING_BATCH = 20
NEWEST_FIRST = ("-created_at", "-id")

Progress = Callable[[int, int, Connection], None]


@dataclass(frozen=True)
class Pruned:
    """Test calls of one connection deleted by the rule, by reason."""

    by_age: int = 0
    by_count: int = 0

    @property
    def total(self) -> int:
        return self.by_age + self.by_count


@dataclass
class PurgeRun:
    """What one purge did: calls deleted by reason, connections pruned, connections another worker held."""

    by_age: int = 0
    by_count: int = 0
    connections: int = 0
    skipped: int = 0

    @property
    def total(self) -> int:
        return self.by_age + self.by_count


def _oldest_kept_day(now: datetime) -> datetime:
    return now - timedelta(days=int(settings.PORTAL_TEST_CALLS_KEPT_DAYS))


def _delete(calls: QuerySet[TestCall]) -> int:
    """Delete `calls` (and their exchanges) in batches; how many test calls went."""
    deleted = 0
    while ids := list(calls.order_by("id").values_list("id", flat=True)[:DELETE_BATCH]):
        _, per_model = TestCall.objects.filter(id__in=ids).delete()
        deleted += per_model.get(TestCall._meta.label, 0)
        if len(ids) < DELETE_BATCH:
            break
    return deleted


def _beyond_the_count(calls: QuerySet[TestCall]) -> QuerySet[TestCall]:
    """The calls older than the newest PORTAL_TEST_CALLS_KEPT, less the newest successful one."""
    kept = max(int(settings.PORTAL_TEST_CALLS_KEPT), 1)
    first_beyond = calls.order_by(*NEWEST_FIRST).values_list("created_at", "id")[kept : kept + 1]
    if not first_beyond:
        return calls.none()
    created_at, pk = first_beyond[0]
    beyond = calls.filter(Q(created_at__lt=created_at) | Q(created_at=created_at, id__lte=pk))
    evidence = calls.filter(SUCCESSFUL_CALL).order_by(*NEWEST_FIRST).values_list("id", flat=True)[:1]
    return beyond.exclude(id__in=list(evidence))


def with_calls_held(connections: QuerySet[Connection]) -> QuerySet[Connection]:
    """`connections` with their test calls' count and oldest time, which the pruning after a
    recorded call then reads from the connection instead of asking again (see test_calls_prune)."""
    calls = TestCall.objects.filter(connection=OuterRef("pk")).order_by().values("connection")
    return connections.annotate(
        calls_held=Coalesce(Subquery(calls.annotate(held=Count("id")).values("held")), 0),
        calls_oldest=Subquery(calls.annotate(oldest=Min("created_at")).values("oldest")),
    )


def _held(connection: Connection, recorded: TestCall | None) -> dict[str, Any] | None:
    """The calls held with `recorded` added, when the connection was read with_calls_held."""
    if recorded is None or not hasattr(connection, "calls_held"):
        return None
    oldest = getattr(connection, "calls_oldest", None)
    return {
        "count": connection.calls_held + 1,
        "oldest": min(oldest or recorded.created_at, recorded.created_at),
    }


def test_calls_prune(
    *,
    connection: Connection,
    now: datetime | None = None,  # noqa: PT028  (a service, not a test: see __test__ below)
    batch: int = 0,  # noqa: PT028
    recorded: TestCall | None = None,  # noqa: PT028
) -> Pruned:
    """Delete the connection's test calls the retention rule does not keep.

    `batch`: leave up to this many calls beyond the count for a later, larger deletion.
    `recorded`: the call just recorded, with a connection read with_calls_held: its count and
    oldest time (concurrent calls may have added more: `batch` leaves room) spare a query.
    """
    calls = TestCall.objects.filter(connection=connection)
    oldest_kept_day = _oldest_kept_day(now or timezone.now())
    held = _held(connection, recorded) or calls.aggregate(count=Count("id"), oldest=Min("created_at"))
    by_age = by_count = 0
    if held["oldest"] is not None and held["oldest"] < oldest_kept_day:
        by_age = _delete(calls.filter(created_at__lt=oldest_kept_day))
    if held["count"] - by_age > max(int(settings.PORTAL_TEST_CALLS_KEPT), 1) + batch:
        by_count = _delete(_beyond_the_count(calls))
    return Pruned(by_age=by_age, by_count=by_count)


def connections_to_prune(now: datetime) -> list[int]:
    """Connections holding a test call older than the days kept, or more calls than the count kept."""
    old = Connection.objects.filter(test_calls__created_at__lt=_oldest_kept_day(now))
    many = Connection.objects.annotate(calls=Count("test_calls")).filter(
        calls__gt=int(settings.PORTAL_TEST_CALLS_KEPT)
    )
    return sorted(set(old.values_list("id", flat=True)) | set(many.values_list("id", flat=True)))


def test_calls_purge(
    *,
    now: datetime | None = None,  # noqa: PT028  (a service, not a test: see __test__ below)
    progress: Progress | None = None,  # noqa: PT028
) -> PurgeRun:
    """Apply the retention rule to every connection that needs it; idempotent.

    Each connection is claimed first (its row lock, SKIP LOCKED on PostgreSQL): jobs on
    several hosts each prune different connections, and skip one that a refresh or a
    probe holds (its next recorded call prunes it).
    """
    now = now or timezone.now()
    run = PurgeRun()
    candidates = connections_to_prune(now)
    for done, pk in enumerate(candidates, start=1):
        with connection_claimed(Connection.objects.filter(pk=pk)) as connection:
            if connection is None:
                run.skipped += 1
                continue
            pruned = test_calls_prune(connection=connection, now=now)
        run.by_age += pruned.by_age
        run.by_count += pruned.by_count
        run.connections += bool(pruned.total)
        if progress is not None:
            progress(done, len(candidates), connection)
    return run


# The names follow the services' <entity>_<action> rule; pytest must not collect them.
test_calls_prune.__test__ = False  # type: ignore[attr-defined]
test_calls_purge.__test__ = False  # type: ignore[attr-defined]
