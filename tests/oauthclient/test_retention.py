"""Test-call retention: per connection the newest PORTAL_TEST_CALLS_KEPT calls, none older than
PORTAL_TEST_CALLS_KEPT_DAYS days, always the newest successful one (the staging evidence);
enforced when a call is recorded and by `manage.py purge_test_calls`."""

from __future__ import annotations

import threading
from datetime import timedelta
from io import StringIO
from typing import Any

import pytest
from django.core.checks import run_checks
from django.core.management import call_command
from django.db import connection as db_connection
from django.db import transaction
from django.utils import timezone
from django.utils.html import escape

from oauthclient import messages, selectors
from oauthclient.models import Connection, Exchange, ExchangeKind, TestCall
from oauthclient.services.retention import RECORDING_BATCH, test_calls_purge
from oauthclient.services.test_call import test_call_run
from tests.at_once import at_once
from tests.factories import make_connection, make_test_call

from .dashboard import make_credential, make_developer

KEPT = 3
DAYS = 40


@pytest.fixture
def retention(settings: Any) -> None:
    settings.PORTAL_TEST_CALLS_KEPT = KEPT
    settings.PORTAL_TEST_CALLS_KEPT_DAYS = DAYS
    settings.PORTAL_STAGING_EVIDENCE_DAYS = 30


def _calls(connection: Connection, *ages_in_hours: float, **fields: Any) -> list[TestCall]:
    return [
        make_test_call(connection=connection, age=timedelta(hours=hours), **fields) for hours in ages_in_hours
    ]


def _kept(connection: Connection) -> set[int]:
    return set(TestCall.objects.filter(connection=connection).values_list("id", flat=True))


# --- when a call is recorded -----------------------------------------------------------------


def _hours(count: int, *, after: int = 0) -> list[float]:
    """`count` ages in hours, oldest first, all older than `after` hours."""
    return [after + count - index for index in range(count)]


def test_a_recorded_call_deletes_its_connections_calls_beyond_the_count(
    retention, connected, developer, pleo_via_fake
):
    older = _calls(connected, *_hours(KEPT + RECORDING_BATCH))

    new = test_call_run(connection=connected, user=developer, path="/v1/introspect")

    assert _kept(connected) == {*(call.pk for call in older[-(KEPT - 1) :]), new.pk}


def test_calls_beyond_the_count_wait_to_be_deleted_together(retention, connected, developer, pleo_via_fake):
    older = _calls(connected, *_hours(KEPT + RECORDING_BATCH - 1))

    new = test_call_run(connection=connected, user=developer, path="/v1/introspect")

    assert _kept(connected) == {*(call.pk for call in older), new.pk}


def test_a_recorded_call_deletes_its_connections_calls_older_than_the_days_kept(
    retention, connected, developer, pleo_via_fake
):
    old, recent = _calls(connected, DAYS * 24 + 1, DAYS * 24 - 1)

    new = test_call_run(connection=connected, user=developer, path="/v1/introspect")

    assert _kept(connected) == {recent.pk, new.pk}
    assert not TestCall.objects.filter(pk=old.pk).exists()


def test_the_newest_successful_call_is_kept_beyond_the_count(retention, connected, developer, pleo_via_fake):
    (worked,) = _calls(connected, KEPT + RECORDING_BATCH + 1)
    failing = _calls(connected, *_hours(KEPT + RECORDING_BATCH), status_code=500)

    new = test_call_run(connection=connected, user=developer, path="/v1/missing")

    assert _kept(connected) == {worked.pk, *(call.pk for call in failing[-(KEPT - 1) :]), new.pk}


def test_after_a_burst_of_failures_the_readiness_report_still_finds_the_evidence(
    retention, connected, developer, pleo_via_fake
):
    (worked,) = _calls(connected, 24 * 20)
    _calls(connected, *_hours(KEPT + RECORDING_BATCH), status_code=500)
    test_call_run(connection=connected, user=developer, path="/v1/missing")

    evidence = selectors.staging_evidence(
        connected.credential.registration, timezone.now() - timedelta(days=30)
    )

    assert evidence is not None
    assert f"answered 200 on {worked.created_at:%Y-%m-%d %H:%M}" in evidence.description


def test_a_deleted_calls_exchanges_go_with_it(retention, connected, developer, pleo_via_fake):
    first = test_call_run(connection=connected, user=developer, path="/v1/missing")
    TestCall.objects.filter(pk=first.pk).update(created_at=timezone.now() - timedelta(days=DAYS + 1))

    test_call_run(connection=connected, user=developer, path="/v1/introspect")

    assert not Exchange.objects.filter(test_call_id=first.pk).exists()
    assert Exchange.objects.filter(kind=ExchangeKind.TEST_CALL).count() == 1


def test_other_connections_calls_are_untouched(retention, connected, developer, pleo_via_fake):
    other = make_connection(credential=connected.credential)
    others = _calls(other, 5, 4, 3, 2, 1)

    test_call_run(connection=connected, user=developer, path="/v1/introspect")

    assert _kept(other) == {call.pk for call in others}


# --- the purge command ------------------------------------------------------------------------


def _purge() -> str:
    out = StringIO()
    call_command("purge_test_calls", stdout=out)
    return out.getvalue().strip()


def _purged(total: int, connections: int, by_age: int, by_count: int) -> str:
    return messages.TEST_CALLS_PURGED.format(
        total=total,
        connections=connections,
        by_age=by_age,
        days=DAYS,
        by_count=by_count,
        kept=KEPT,
        skipped=0,
    )


@pytest.fixture
def overgrown(retention: None, db: Any) -> list[Connection]:
    """Two connections that made no call for a while: one with an old call, one with too many."""
    old, many = make_connection(), make_connection()
    _calls(old, DAYS * 24 + 1, 1)
    _calls(many, 5, 4, 3, 2, 1)
    return [old, many]


def test_the_purge_applies_the_rule_to_every_connection_and_says_what_it_did(overgrown):
    assert _purge() == _purged(total=3, connections=2, by_age=1, by_count=2)
    assert [len(_kept(connection)) for connection in overgrown] == [1, KEPT]


def test_a_second_purge_deletes_nothing(overgrown):
    _purge()

    assert _purge() == _purged(total=0, connections=0, by_age=0, by_count=0)


@pytest.mark.postgres
def test_a_purge_skips_a_connection_another_worker_holds(retention, transactional_db):
    held = make_connection()
    _calls(held, 5, 4, 3, 2, 1)
    locked, release = threading.Event(), threading.Event()

    def hold() -> None:
        try:
            with transaction.atomic():
                Connection.objects.select_for_update().get(pk=held.pk)
                locked.set()
                release.wait(timeout=30)
        finally:
            db_connection.close()

    holder = threading.Thread(target=hold)
    holder.start()
    try:
        assert locked.wait(timeout=30)
        run = test_calls_purge()
    finally:
        release.set()
        holder.join(timeout=30)

    assert (run.skipped, run.total) == (1, 0)
    assert len(_kept(held)) == 5


@pytest.mark.postgres
def test_two_purges_at_once_prune_each_connection_once(retention, transactional_db):
    connections = [make_connection(user=make_developer(), credential=make_credential()) for _ in range(12)]
    for connection in connections:
        _calls(connection, 6, 5, 4, 3, 2, 1)

    runs, failures = at_once(2, lambda _: test_calls_purge(), timeout=120)

    assert failures == []
    assert sum(run.connections for run in runs) == len(connections)
    assert sum(run.by_count for run in runs) == 3 * len(connections)
    assert {len(_kept(connection)) for connection in connections} == {KEPT}


# --- the settings and the admin ---------------------------------------------------------------


def _check_errors() -> dict[str, str]:
    return {error.id: error.msg for error in run_checks() if error.id and error.id.startswith("oauthclient.")}


def test_days_kept_below_the_evidence_window_are_refused(settings):
    settings.PORTAL_TEST_CALLS_KEPT_DAYS = 7
    settings.PORTAL_STAGING_EVIDENCE_DAYS = 30

    assert _check_errors() == {
        "oauthclient.E001": messages.TEST_CALL_DAYS_BELOW_EVIDENCE.format(days=7, evidence=30)
    }


def test_keeping_no_test_call_is_refused(settings):
    settings.PORTAL_TEST_CALLS_KEPT = 0

    assert _check_errors() == {"oauthclient.E002": messages.TEST_CALLS_KEPT_NONE.format(kept=0)}


def test_the_default_retention_passes_the_checks():
    assert _check_errors() == {}


def test_the_admin_test_call_list_says_what_is_kept(admin_client, retention):
    page = admin_client.get("/admin/oauthclient/testcall/").content.decode()

    note = messages.TEST_CALLS_KEPT_NOTE.format(kept=KEPT, days=DAYS, batch=RECORDING_BATCH)
    assert f'<p class="help" id="retention-note">{escape(note)}</p>' in page
