"""Connection monitoring: the monitoring form, scheduled probes, state emails, the timeline."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.utils import timezone

from core.models import Notification
from oauthclient import messages
from oauthclient.models import Connection, MonitorState, TestCall
from oauthclient.services.monitoring import connection_set_monitoring, connections_probe_due, due_connections
from tests.factories import make_test_call

from .dashboard import assert_shows
from .fake_server import Reply

pytestmark = pytest.mark.django_db


@pytest.fixture
def monitored(connected: Connection) -> Connection:
    connected.user.email = "developer@partner.example"
    connected.user.save()
    return connection_set_monitoring(connection=connected, monitored=True, path="/v2/employees")


def _probe_calls(connection: Connection) -> list[tuple[str, int | None, bool]]:
    return [(c.url, c.status_code, c.scheduled) for c in connection.test_calls.order_by("id")]


# Turning it on ------------------------------------------------------------------------


def test_the_connection_page_offers_monitoring(dev_client: Any, connected: Connection) -> None:
    response = dev_client.get(f"/dashboard/connections/{connected.pk}/")
    assert 'id="monitoring"' in response.content.decode()


def test_a_developer_turns_monitoring_on_with_a_chosen_request(
    dev_client: Any, connected: Connection
) -> None:
    response = dev_client.post(
        f"/dashboard/connections/{connected.pk}/monitoring/",
        {"monitoring-monitored": "on", "monitoring-target": "employees", "monitoring-path": ""},
    )
    connected.refresh_from_db()
    assert (response.status_code, connected.monitored, connected.monitor_path) == (302, True, "/v2/employees")


def test_a_refused_path_is_shown_and_nothing_changes(dev_client: Any, connected: Connection) -> None:
    response = dev_client.post(
        f"/dashboard/connections/{connected.pk}/monitoring/",
        {"monitoring-monitored": "on", "monitoring-target": "custom", "monitoring-path": "//evil.example/x"},
    )
    connected.refresh_from_db()
    assert_shows(
        response,
        messages.PATH_REFUSED.format(
            api_base=connected.credential and response.context["endpoints"].api_base_url
        ),
    )
    assert connected.monitored is False


def test_another_developers_connection_cannot_be_monitored(client: Any, connected: Connection) -> None:
    from .dashboard import make_developer

    client.force_login(make_developer())
    response = client.post(
        f"/dashboard/connections/{connected.pk}/monitoring/",
        {"monitoring-monitored": "on", "monitoring-target": "introspect"},
    )
    assert response.status_code == 404


def test_turning_monitoring_on_makes_the_connection_due_at_once(monitored: Connection) -> None:
    assert list(due_connections(timezone.now())) == [monitored]


# Probes -----------------------------------------------------------------------------


def test_a_probe_is_a_scheduled_test_call_of_the_chosen_request(
    monitored: Connection, pleo_via_fake: Any
) -> None:
    call_command("probe_connections")
    assert _probe_calls(monitored) == [(pleo_via_fake.base_url + "/api/v2/employees", 200, True)]


def test_a_second_run_within_the_interval_probes_nothing(monitored: Connection, pleo_via_fake: Any) -> None:
    call_command("probe_connections")
    call_command("probe_connections")
    assert len(pleo_via_fake.requests_to("/api/v2/employees")) == 1


def test_a_connection_is_probed_again_once_the_interval_has_passed(
    monitored: Connection, settings: Any
) -> None:
    call_command("probe_connections")
    Connection.objects.filter(pk=monitored.pk).update(
        last_probed_at=timezone.now() - timedelta(minutes=settings.PORTAL_PROBE_INTERVAL_MINUTES)
    )
    call_command("probe_connections")
    assert monitored.test_calls.filter(scheduled=True).count() == 2


def test_unmonitored_connections_are_not_probed(connected: Connection, pleo_via_fake: Any) -> None:
    call_command("probe_connections")
    assert pleo_via_fake.seen == []


def test_a_probe_refreshes_an_expired_token_like_a_manual_call(
    monitored: Connection, pleo_via_fake: Any
) -> None:
    Connection.objects.filter(pk=monitored.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    call_command("probe_connections")
    monitored.refresh_from_db()
    call = monitored.test_calls.get()
    assert (call.refreshed, call.status_code, monitored.refresh_count) == (True, 200, 1)
    assert len(pleo_via_fake.requests_to("/oauth/token")) == 1


def test_the_command_prints_a_summary(monitored: Connection, capsys: Any) -> None:
    call_command("probe_connections")
    assert capsys.readouterr().out.strip() == "Probed 1 connection(s): 1 working, 0 failing; 0 email(s) sent."


def test_the_command_exits_1_with_the_failed_probe_listed(monitored: Connection, pleo_via_fake: Any) -> None:
    pleo_via_fake.script("/api/v2/employees", Reply(status=503, body={"error": "unavailable"}))
    with pytest.raises(CommandError) as exc_info:
        call_command("probe_connections")
    assert exc_info.value.returncode == 1
    assert str(exc_info.value).splitlines() == [
        "Probed 1 connection(s): 0 working, 1 failing; 1 email(s) sent.",
        f"  - connection {monitored.pk}: GET {pleo_via_fake.base_url}/api/v2/employees → HTTP 503",
    ]


# State changes, by email --------------------------------------------------------------


def _probe_with(pleo_via_fake: Any, connection: Connection, status: int) -> None:
    pleo_via_fake.script("/api/v2/employees", Reply(status=status, body={}))
    Connection.objects.filter(pk=connection.pk).update(last_probed_at=None)
    connections_probe_due()


def test_a_failing_probe_emails_the_developer(
    monitored: Connection, pleo_via_fake: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        _probe_with(pleo_via_fake, monitored, 500)
    (message,) = mail.outbox
    assert (message.to, message.subject) == (
        ["developer@partner.example"],
        "Failing: your connection to Example Client (Pleo staging)",
    )
    assert "HTTP 500" in message.body
    assert monitored.access_token not in message.body + message.alternatives[0].content


def test_the_state_changes_are_each_emailed_once(monitored: Connection, pleo_via_fake: Any) -> None:
    for status in (200, 500, 500, 200, 200):
        _probe_with(pleo_via_fake, monitored, status)
    monitored.refresh_from_db()
    assert list(Notification.objects.order_by("id").values_list("subject", flat=True)) == [
        "Failing: your connection to Example Client (Pleo staging)",
        "Working again: your connection to Example Client (Pleo staging)",
    ]
    assert monitored.monitor_state == MonitorState.WORKING


# The timeline -----------------------------------------------------------------------


def _call(connection: Connection, *, days_ago: float, scheduled: bool = True, status: int = 200) -> TestCall:
    return make_test_call(
        connection=connection, age=timedelta(days=days_ago), scheduled=scheduled, status_code=status
    )


def test_the_timeline_shows_the_last_30_days_of_probes(dev_client: Any, monitored: Connection) -> None:
    _call(monitored, days_ago=31)
    _call(monitored, days_ago=10)
    _call(monitored, days_ago=1, status=500)
    _call(monitored, days_ago=0.5, scheduled=False)
    text = dev_client.get(f"/dashboard/connections/{monitored.pk}/").content.decode()
    assert (text.count('class="probe-ok"'), text.count('class="probe-failed"')) == (1, 1)
    assert "2 probes, 1 failed" in text


def test_the_timeline_is_styled_from_a_static_file(dev_client: Any, monitored: Connection) -> None:
    _call(monitored, days_ago=1)
    text = dev_client.get(f"/dashboard/connections/{monitored.pk}/").content.decode()
    section = text[text.index('id="monitoring"') :]
    assert "oauthclient/monitoring.css" in text
    assert "style=" not in section[: section.index("</section>")]
