"""Stored link checks: `check_links` (due rows only, idempotent, progress, exit status),
the admin's results next to each URL field and its "check links now" action, and two
runs at once on PostgreSQL checking each URL exactly once."""

from __future__ import annotations

import io
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from registrations.admin import links as admin_links
from registrations.fields import BY_NAME
from registrations.links import checker
from registrations.management.commands import check_links
from registrations.models import LinkCheck, Registration
from registrations.services.link_checks import link_checks_run
from registrations.services.registration import registration_archive
from tests.at_once import at_once
from tests.factories import make_registration
from tests.registrations.link_site import LinkSite, Page, image

PAGES = ("/", "/tos", "/privacy")

# The label link checks name a URL by: the field table's.
TOS_LABEL = BY_NAME["tos_uri"].label


@pytest.fixture
def site(settings: Any) -> Iterator[LinkSite]:
    settings.PORTAL_LINK_CHECK_ALLOW_PRIVATE = True  # the site is on 127.0.0.1
    site = LinkSite()
    for path in PAGES:
        site.pages[path] = Page()
    site.pages["/logo.png"] = image(256, 256)
    yield site
    site.close()


def _registration(site: LinkSite, name: str = "Example Client", **urls: str) -> Registration:
    data = {
        "client_uri": site.url("/"),
        "tos_uri": site.url("/tos"),
        "policy_uri": site.url("/privacy"),
        "logo_uri": site.url("/logo.png"),
    }
    data.update(urls)
    return make_registration(client_name=name, **data)


def _run(*args: str, tty: bool = False) -> str:
    class Out(io.StringIO):
        def isatty(self) -> bool:
            return tty

    out = Out()
    call_command("check_links", *args, stdout=out)
    return out.getvalue()


def _results(registration: Registration) -> dict[str, tuple[str, bool | None]]:
    return {c.field: (c.url, c.ok) for c in LinkCheck.objects.filter(registration=registration)}


# --- the command ---------------------------------------------------------------------


@pytest.mark.django_db
def test_check_links_stores_one_result_per_non_empty_url(site: LinkSite) -> None:
    registration = _registration(site)
    _run()
    assert _results(registration) == {
        "client_uri": (site.url("/"), True),
        "tos_uri": (site.url("/tos"), True),
        "policy_uri": (site.url("/privacy"), True),
        "logo_uri": (site.url("/logo.png"), True),
    }
    stored = LinkCheck.objects.get(registration=registration, field="logo_uri")
    assert (stored.status_code, stored.reason, stored.checked_at is not None) == (
        200,
        checker.LOGO_OK.format(width=256, height=256, type="image/png"),
        True,
    )


@pytest.mark.django_db
def test_a_second_run_checks_nothing(site: LinkSite) -> None:
    _registration(site)
    _run()
    requests_after_first = len(site.requests)
    assert (_run(), len(site.requests)) == (check_links.NOTHING_DUE + "\n", requests_after_first)


@pytest.mark.django_db
def test_a_changed_url_is_checked_again_and_only_it(site: LinkSite) -> None:
    registration = _registration(site)
    _run()
    site.pages["/new-tos"] = Page()
    Registration.objects.filter(pk=registration.pk).update(tos_uri=site.url("/new-tos"))
    before = len(site.requests)
    _run()
    assert site.paths_requested()[before:] == ["/new-tos"]


@pytest.mark.django_db
def test_a_stale_result_is_checked_again(site: LinkSite, settings: Any) -> None:
    settings.PORTAL_LINK_CHECK_MAX_AGE_HOURS = 24
    registration = _registration(site)
    _run()
    LinkCheck.objects.filter(registration=registration, field="client_uri").update(
        checked_at=timezone.now() - timedelta(hours=25)
    )
    before = len(site.requests)
    _run()
    assert site.paths_requested()[before:] == ["/"]


@pytest.mark.django_db
def test_an_emptied_url_loses_its_result(site: LinkSite) -> None:
    registration = _registration(site)
    _run()
    Registration.objects.filter(pk=registration.pk).update(logo_uri="")
    _run()
    assert "logo_uri" not in _results(registration)


@pytest.mark.django_db
def test_archived_registrations_are_left_out_of_scheduled_runs(site: LinkSite) -> None:
    registration_archive(registration=_registration(site))
    assert (_run(), site.requests) == (check_links.NOTHING_DUE + "\n", [])


@pytest.mark.django_db
def test_a_failed_link_makes_the_command_fail_with_a_summary(site: LinkSite) -> None:
    registration = _registration(site, tos_uri=site.url("/gone"))
    with pytest.raises(CommandError) as failure:
        _run()
    reason = checker.NOT_2XX.format(status=404)
    assert str(failure.value).splitlines() == [
        check_links.SUMMARY.format(checked=4, failed=1),
        check_links.FAILED_LINE.format(
            registration=registration,
            id=registration.pk,
            field=TOS_LABEL,
            url=site.url("/gone"),
            reason=reason,
        ),
    ]


def test_the_command_exits_non_zero_when_a_link_failed(site: LinkSite, transactional_db: Any) -> None:
    _registration(site, tos_uri=site.url("/gone"))
    with pytest.raises(SystemExit) as exit_status:
        call_command_from_the_command_line()
    assert exit_status.value.code == 1


def call_command_from_the_command_line() -> None:
    from django.core.management import ManagementUtility

    ManagementUtility(["manage.py", "check_links"]).execute()


@pytest.mark.django_db
@pytest.mark.parametrize("tty", [True, False])
def test_progress_is_shown_in_a_terminal_only(site: LinkSite, tty: bool) -> None:
    _registration(site, logo_uri="")
    output = _run(tty=tty).splitlines()
    progress = [line for line in output if line.startswith("[")]
    expected = [f"[{n}/3] Example Client (Staging) · " for n in (1, 2, 3)] if tty else []
    assert [line.split("·")[0] + "· " for line in progress] == expected


@pytest.mark.django_db
def test_one_registration_is_checked_on_request_even_when_nothing_is_due(site: LinkSite) -> None:
    first = _registration(site)
    _registration(site, name="Other Client")
    _run()
    before = len(site.requests)
    _run("--registration", str(first.pk))
    assert sorted(site.paths_requested()[before:]) == sorted([*PAGES, "/logo.png"])


@pytest.mark.django_db
def test_an_unknown_registration_is_an_error() -> None:
    with pytest.raises(CommandError, match=check_links.NO_REGISTRATION.format(id=999)):
        _run("--registration", "999")


# --- admin ---------------------------------------------------------------------------


def _change_url(registration: Registration) -> str:
    return reverse("admin:registrations_registration_change", args=[registration.pk])


@pytest.mark.django_db
def test_the_change_page_shows_each_result_next_to_its_field(site: LinkSite, admin_client: Client) -> None:
    registration = _registration(site, tos_uri=site.url("/gone"))
    _run_quietly()
    form = admin_client.get(_change_url(registration)).context["adminform"].form
    help_texts = {name: str(form.fields[name].help_text) for name in ("client_uri", "tos_uri")}
    assert 'class="link-check link-check-ok"' in help_texts["client_uri"]
    assert checker.PAGE_OK.format(status=200) in help_texts["client_uri"]
    assert 'class="link-check link-check-failed"' in help_texts["tos_uri"]
    assert checker.NOT_2XX.format(status=404) in help_texts["tos_uri"]


@pytest.mark.django_db
def test_a_result_about_an_earlier_url_is_not_shown_as_current(site: LinkSite, admin_client: Client) -> None:
    registration = _registration(site)
    _run_quietly()
    Registration.objects.filter(pk=registration.pk).update(client_uri="https://client.example/new")
    form = admin_client.get(_change_url(registration)).context["adminform"].form
    assert admin_links.URL_CHANGED in str(form.fields["client_uri"].help_text)


@pytest.mark.django_db
def test_the_admin_action_checks_the_selected_registrations_now(site: LinkSite, admin_client: Client) -> None:
    registration = _registration(site, tos_uri=site.url("/gone"))
    _registration(site, name="Not selected")
    response = admin_client.post(
        reverse("admin:registrations_registration_changelist"),
        {"action": "check_links_now", "_selected_action": [registration.pk]},
    )
    shown = [str(message) for message in get_messages(response.wsgi_request)]
    assert shown == [
        admin_links.ACTION_DONE.format(checked=4, registrations=1, failed=1),
        admin_links.ACTION_FAILED_LINE.format(
            registration=registration, field=TOS_LABEL, reason=checker.NOT_2XX.format(status=404)
        ),
    ]
    assert LinkCheck.objects.exclude(registration=registration).count() == 0


def _run_quietly() -> None:
    link_checks_run(registrations=Registration.objects.all())


# --- several hosts at once -----------------------------------------------------------


@pytest.mark.postgres
def test_two_runs_at_once_check_each_url_exactly_once(site: LinkSite, transactional_db: Any) -> None:
    for path in PAGES:
        site.pages[path] = Page(delay=0.05)
    for n in range(6):
        _registration(site, name=f"Client {n}")
    _results, errors = at_once(2, lambda _: link_checks_run(registrations=Registration.objects.all()))
    assert errors == []
    assert Counter(site.paths_requested()) == dict.fromkeys([*PAGES, "/logo.png"], 6)
    assert LinkCheck.objects.filter(ok=True).count() == 24
