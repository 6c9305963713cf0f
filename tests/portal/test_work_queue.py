"""The partner managers' work queue on the admin index: its counts and notes, each number
linking to a list of exactly what it counts, who sees it, and a constant number of
queries whatever the number of rows."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from oauthclient.models import ConnectionStatus
from portal import work_queue
from registrations.models import Registration
from registrations.services.deadlines import registration_record_credentials_shared
from registrations.services.registration import (
    registration_activate,
    registration_mark_ready,
    registration_submit,
)
from tests.factories import (
    DEVELOPERS,
    make_connection,
    make_credential,
    make_group_member,
    make_registration,
    make_user,
)

pytestmark = pytest.mark.django_db

INDEX = reverse("admin:index")


def _submitted(name: str, *, days_ago: int = 0) -> Registration:
    registration = make_registration(client_name=name)
    registration_mark_ready(registration=registration)
    registration_submit(registration=registration)
    if days_ago:
        Registration.objects.filter(pk=registration.pk).update(
            submitted_at=timezone.now() - timedelta(days=days_ago, hours=1)
        )
        registration.refresh_from_db()
    return registration


def _shared(name: str, days_ago: int) -> Registration:
    registration = _submitted(name, days_ago=days_ago + 1)
    today = timezone.localdate()
    return registration_record_credentials_shared(
        registration=registration, shared_on=today - timedelta(days=days_ago)
    )


def populate(n: int) -> None:
    """n registrations in each place of the queue, and n failing and n working connections."""
    for i in range(n):
        make_registration(client_name=f"Draft {i}")
        registration_mark_ready(registration=make_registration(client_name=f"Ready {i}"))
        _submitted(f"Waiting {i}", days_ago=5 + i)
        _shared(f"To retrieve {i}", days_ago=2 + i)
        _shared(f"Overdue {i}", days_ago=10 + i)
        active = make_registration(client_name=f"Active {i}")
        make_credential(registration=active)
        registration_activate(registration=active)
        for status in (ConnectionStatus.NEEDS_REAUTHORIZATION, ConnectionStatus.CONNECTED):
            make_connection(credential=make_credential(registration=make_registration()), status=status)


def _queue(user: Any) -> dict[str, tuple[int, str]]:
    return {item.key: (item.count, item.note) for item in work_queue.work_queue(user)}


def test_the_queue_counts_each_place_with_its_oldest_age_and_nearest_deadline(admin_user: Any) -> None:
    populate(2)
    # The nearest pending deadline is the most overdue one (shared 11 days ago).
    assert _queue(admin_user) == {
        "drafts": (2, ""),
        "ready": (2, ""),
        "awaiting_pleo": (2, work_queue.OLDEST_WAITING.format(days=6)),
        "to_retrieve": (
            4,
            work_queue.NEAREST_DEADLINE.format(date=_overdue_date(11), days_left="overdue by 4 day(s)")
            + " · "
            + work_queue.OVERDUE_NOTE.format(count=2),
        ),
        "active": (2, ""),
        "connections_failing": (2, ""),
    }


def _overdue_date(days_ago: int) -> str:
    return (timezone.localdate() - timedelta(days=days_ago) + timedelta(days=7)).isoformat()


def test_each_number_links_to_a_list_of_exactly_what_it_counts(admin_client: Client, admin_user: Any) -> None:
    populate(2)
    items = work_queue.work_queue(admin_user)
    listed = {item.key: admin_client.get(item.url).context["cl"].result_count for item in items}
    assert listed == {item.key: item.count for item in items}


def test_the_admin_index_shows_the_queue_with_its_links(admin_client: Client, admin_user: Any) -> None:
    populate(1)
    html = admin_client.get(INDEX).content.decode()
    assert 'class="work-queue"' in html
    for item in work_queue.work_queue(admin_user):
        assert (
            f'<a href="{item.url.replace("&", "&amp;")}"><span class="work-queue-count">{item.count}</span>'
            in html
        )


def test_without_the_connection_permission_failing_connections_are_counted_but_not_linked() -> None:
    populate(1)
    developer = make_group_member(DEVELOPERS)
    failing = next(item for item in work_queue.work_queue(developer) if item.key == "connections_failing")
    assert (failing.count, failing.url) == (1, "")


def test_a_user_who_may_not_view_registrations_sees_no_queue(client: Client) -> None:
    populate(1)
    user = make_user(is_staff=True)
    client.force_login(user)
    assert (work_queue.work_queue(user), 'class="work-queue"' in client.get(INDEX).content.decode()) == (
        [],
        False,
    )


def test_the_index_makes_the_same_queries_for_few_and_many_rows(
    admin_client: Client, django_assert_num_queries: Any
) -> None:
    populate(1)
    admin_client.get(INDEX)  # warm: session, content types
    with CaptureQueriesContext(connection) as few:
        admin_client.get(INDEX)
    populate(6)
    with django_assert_num_queries(len(few)):
        admin_client.get(INDEX)


def test_the_queue_reads_registrations_in_two_queries_and_connections_in_one(
    admin_user: Any, django_assert_num_queries: Any
) -> None:
    populate(3)
    admin_user = type(admin_user).objects.get(pk=admin_user.pk)  # superuser: no permission queries
    with django_assert_num_queries(3):
        work_queue.work_queue(admin_user)


def test_today_is_the_day_the_queue_counts_from(admin_user: Any) -> None:
    _shared("Due today", days_ago=7)
    figures = work_queue.registration_figures(today=timezone.localdate() + timedelta(days=1))
    assert (figures["to_retrieve"], figures["overdue"]) == (1, 1)
    assert isinstance(figures["nearest_shared_on"], date)
