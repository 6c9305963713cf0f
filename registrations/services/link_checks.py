"""Link checks of registrations: which URLs are due, claiming them, recording the results.

Each registration has one LinkCheck row per non-empty URL field, holding the
latest result. A row is due when it was never checked, its check is older than
`PORTAL_LINK_CHECK_MAX_AGE_HOURS`, or the registration's URL changed since.

Several runs may work at once (cron on several hosts, an admin action): each
claims one due row at a time with `SELECT … FOR UPDATE SKIP LOCKED` and keeps
the lock while it checks that URL, so a row is never checked by two runs, and a
row checked during this run is never claimed again by it. Rows are created with
ignore_conflicts on the (registration, field) constraint, so preparing the same
registration twice at once is harmless. On SQLite (no row locks) runs are meant
to be one at a time.
"""

from __future__ import annotations

import functools
import operator
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone

from ..fields import link_fields
from ..links import LinkResult, check_link
from ..models import LinkCheck, Registration, RegistrationStatus

LINK_FIELDS: tuple[str, ...] = tuple(field.name for field in link_fields())
# The one link whose body is read: it must be a square image.
LOGO_FIELD = "logo_uri"
# Revoked and archived registrations are left out of scheduled checks.
SCHEDULED_STATUSES = tuple(
    status
    for status in RegistrationStatus.values
    if status not in (RegistrationStatus.REVOKED, RegistrationStatus.ARCHIVED)
)
_BATCH = 1000

Progress = Callable[[int, int, LinkCheck], None]


def _each_field(condition: Callable[[str], Q]) -> Q:
    return functools.reduce(operator.or_, (Q(field=name) & condition(name) for name in LINK_FIELDS))


def _url_changed() -> Q:
    return _each_field(lambda name: ~Q(url=F(f"registration__{name}")))


def _url_emptied() -> Q:
    return _each_field(lambda name: Q(**{f"registration__{name}": ""}))


def due_q(now: datetime) -> Q:
    """Rows whose result is missing, stale, or about a URL the registration no longer has."""
    stale_before = now - timedelta(hours=settings.PORTAL_LINK_CHECK_MAX_AGE_HOURS)
    return Q(checked_at__isnull=True) | Q(checked_at__lt=stale_before) | _url_changed()


def scheduled_registrations() -> QuerySet[Registration]:
    return Registration.objects.filter(status__in=SCHEDULED_STATUSES)


def link_checks_prepare(*, registrations: QuerySet[Registration]) -> None:
    """A row for each non-empty URL of these registrations; rows of emptied URLs go.
    Only missing rows are written (ignore_conflicts covers a concurrent run adding them too)."""
    existing = LinkCheck.objects.filter(registration__in=registrations)
    existing.filter(_url_emptied()).delete()
    have = set(existing.values_list("registration_id", "field"))
    rows: list[LinkCheck] = []
    for pk, *urls in registrations.order_by().values_list("pk", *LINK_FIELDS).iterator(chunk_size=_BATCH):
        rows.extend(
            LinkCheck(registration_id=pk, field=name, url=url)
            for name, url in zip(LINK_FIELDS, urls, strict=True)
            if url and (pk, name) not in have
        )
        if len(rows) >= _BATCH:
            LinkCheck.objects.bulk_create(rows, ignore_conflicts=True)
            rows = []
    LinkCheck.objects.bulk_create(rows, ignore_conflicts=True)


def link_check_record(*, link_check: LinkCheck, url: str, result: LinkResult) -> LinkCheck:
    link_check.url = url
    link_check.ok = result.ok
    link_check.status_code = result.status_code
    link_check.reason = result.reason
    link_check.checked_at = timezone.now()
    link_check.full_clean(validate_constraints=False)
    link_check.save(update_fields=["url", "ok", "status_code", "reason", "checked_at"])
    return link_check


def _claim(candidates: QuerySet[LinkCheck]) -> LinkCheck | None:
    return (
        candidates.select_for_update(skip_locked=True, of=("self",))
        .select_related("registration")
        .order_by("pk")
        .first()
    )


def _check_claimed(link_check: LinkCheck) -> LinkCheck | None:
    url = getattr(link_check.registration, link_check.field)
    if not url:
        link_check.delete()
        return None
    result = check_link(url, logo=link_check.field == LOGO_FIELD)
    return link_check_record(link_check=link_check, url=url, result=result)


def link_checks_run(
    *,
    registrations: QuerySet[Registration],
    force: bool = False,
    progress: Progress | None = None,
) -> list[LinkCheck]:
    """Check the due URLs of these registrations (all of them when `force`); returns the checked rows."""
    started = timezone.now()
    link_checks_prepare(registrations=registrations)
    # Never claim a row again once this run has checked it.
    not_yet = Q(checked_at__isnull=True) | Q(checked_at__lt=started)
    condition = not_yet if force else not_yet & due_q(started)
    candidates = LinkCheck.objects.filter(condition, registration__in=registrations)
    total = candidates.count()
    checked: list[LinkCheck] = []
    while True:
        with transaction.atomic():
            claimed = _claim(candidates)
            if claimed is None:
                break
            done = _check_claimed(claimed)
        if done is not None:
            checked.append(done)
            if progress is not None:
                progress(len(checked), max(total, len(checked)), done)
    return checked


def failed(link_checks: Iterable[LinkCheck]) -> list[LinkCheck]:
    return [link_check for link_check in link_checks if link_check.ok is False]
