"""Promotion of an active staging registration, and the readiness report of its production counterpart."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.utils import timezone

from registrations import readiness, validators
from registrations.fields import BY_NAME
from registrations.models import Registration, RegistrationStatus, Scope
from registrations.promotion import LEFT_OUT_REDIRECT_URI
from registrations.readiness import readiness_report
from registrations.services import promotion
from registrations.services.promotion import registration_promote
from registrations.services.registration import registration_update
from tests.factories import EXAMPLE_CLIENT, make_registration, make_user

pytestmark = pytest.mark.django_db
Status = RegistrationStatus

COMPLETE = {
    "logo_uri": "https://client.example/logo.png",
    "initiation_uri": "https://client.example/connect",
    "settings_uri": "https://client.example/settings",
}


def active_staging(**overrides: Any) -> Registration:
    registration = make_registration(**overrides)
    Registration.objects.filter(pk=registration.pk).update(status=Status.ACTIVE)
    registration.refresh_from_db()
    return registration


def _asked_for(name: str) -> tuple[str, str]:
    what = BY_NAME[name].production_asks_for
    return name, validators.PRODUCTION_ASKS_FOR.format(what=what)


def _failures(registration: Registration) -> list[tuple[str, str]]:
    return [(item.field, item.problem) for item in readiness_report(registration).failures]


# Promotion ----------------------------------------------------------------------


def test_promotion_creates_a_production_draft_linked_both_ways() -> None:
    staging = active_staging()
    production = registration_promote(registration=staging)
    staging.refresh_from_db()
    assert (production.environment, production.status) == ("production", Status.DRAFT)
    assert (production.promoted_from, staging.promoted_to) == (staging, production)


def test_promotion_copies_the_registration_data() -> None:
    owner = make_user()
    staging = active_staging(owner=owner, **COMPLETE)
    production = registration_promote(registration=staging)
    copied = {
        name: getattr(production, name) for name in [*EXAMPLE_CLIENT, *COMPLETE] if name != "environment"
    }
    expected = {name: getattr(staging, name) for name in copied}
    assert (copied, production.owner) == (expected, owner)


def test_promotion_starts_the_counterparts_history_with_where_it_came_from() -> None:
    manager = make_user()
    staging = active_staging()
    production = registration_promote(registration=staging, by=manager)
    record = production.history.get()
    assert (record.history_type, record.history_user, record.history_change_reason) == (
        "+",
        manager,
        promotion.PROMOTED_REASON.format(pk=staging.pk),
    )


def test_promotion_leaves_out_what_production_refuses() -> None:
    Scope.objects.create(name="beta:read", in_production=False)
    staging = active_staging(
        redirect_uris=["http://127.0.0.1:8080/callback", EXAMPLE_CLIENT["redirect_uris"][0]],
        scope="users:read beta:read",
        client_uri="http://client.example/",
    )
    production = registration_promote(registration=staging)
    assert (production.redirect_uris, production.scope, production.client_uri) == (
        EXAMPLE_CLIENT["redirect_uris"],
        "users:read",
        "",
    )


@pytest.mark.parametrize(
    ("environment", "status", "message"),
    [
        ("production", Status.ACTIVE, promotion.PROMOTE_NOT_STAGING),
        ("staging", Status.SUBMITTED, promotion.PROMOTE_NOT_ACTIVE),
    ],
)
def test_promotion_is_refused_for_other_registrations(environment: str, status: str, message: str) -> None:
    registration = make_registration(environment=environment)
    Registration.objects.filter(pk=registration.pk).update(status=status)
    with pytest.raises(ValidationError) as exc_info:
        registration_promote(registration=registration)
    expected = message.format(registration=registration, status=Status(status).label.lower())
    assert (exc_info.value.messages, Registration.objects.count()) == ([expected], 1)


def test_a_registration_is_promoted_once() -> None:
    staging = active_staging()
    production = registration_promote(registration=staging)
    with pytest.raises(ValidationError) as exc_info:
        registration_promote(registration=staging)
    assert exc_info.value.messages == [
        promotion.PROMOTE_ALREADY.format(registration=staging, counterpart=production)
    ]


# The readiness report -----------------------------------------------------------


def test_the_promoted_example_client_fails_exactly_the_fields_pleo_asks_for_in_production() -> None:
    production = registration_promote(registration=active_staging())
    report = readiness_report(production)
    assert _failures(production) == [
        _asked_for("logo_uri"),
        _asked_for("initiation_uri"),
        _asked_for("settings_uri"),
    ]
    assert (report.evidence.found, report.ready) == (False, False)


def test_each_failure_says_how_to_fix_it() -> None:
    production = registration_promote(registration=active_staging())
    item = readiness_report(production).failures[0]
    assert (item.label, item.fix) == ("Logo", readiness.FIX_EDIT.format(label="Logo"))


def test_a_required_field_with_nothing_production_accepts_is_reported_empty() -> None:
    staging = active_staging(redirect_uris=["http://127.0.0.1:8080/callback"], **COMPLETE)
    production = registration_promote(registration=staging)
    assert (production.redirect_uris, _failures(production)) == (
        [],
        [("redirect_uris", validators.REDIRECT_URIS_REQUIRED)],
    )


def test_the_report_lists_what_was_left_out_and_why() -> None:
    staging = active_staging(redirect_uris=["http://127.0.0.1:8080/callback"], **COMPLETE)
    production = registration_promote(registration=staging)
    reason = LEFT_OUT_REDIRECT_URI.format(
        uri="http://127.0.0.1:8080/callback", message=validators.REDIRECT_URI_LOOPBACK_PRODUCTION_WEB
    )
    assert readiness_report(production).left_out == [("Redirect URIs", reason)]


def test_fixing_the_field_clears_its_failure() -> None:
    staging = active_staging(redirect_uris=["http://127.0.0.1:8080/callback"], **COMPLETE)
    production = registration_promote(registration=staging)
    registration_update(registration=production, data={"redirect_uris": ["https://client.example/callback"]})
    assert _failures(production) == []


def test_a_scope_taken_out_of_the_production_catalog_later_fails_the_report() -> None:
    production = registration_promote(registration=active_staging(**COMPLETE))
    Scope.objects.filter(name="users:write").update(in_production=False)
    assert _failures(production) == [
        ("scope", validators.SCOPE_NOT_IN_CATALOG_ERROR.format(token="users:write"))
    ]


def test_a_production_registration_made_directly_has_no_staging_evidence() -> None:
    production = make_registration(environment="production", **COMPLETE)
    report = readiness_report(production)
    assert (report.evidence.found, report.evidence.description) == (False, readiness.NO_STAGING_COUNTERPART)


def test_a_staging_registration_has_no_readiness_report() -> None:
    with pytest.raises(ValueError, match="only production registrations"):
        readiness_report(make_registration())


# The readiness_report command ------------------------------------------------------


def test_the_command_prints_the_report_and_exits_1_when_not_ready(capsys) -> None:
    production = registration_promote(registration=active_staging())
    with pytest.raises(CommandError) as exc_info:
        call_command("readiness_report", str(production.pk))
    out = capsys.readouterr().out
    assert exc_info.value.returncode == 1
    assert "NOT READY: 3 production rules failing, no recent staging test call." in out
    assert f"- Logo (logo_uri): {_asked_for('logo_uri')[1]}" in out


def test_the_command_refuses_a_staging_registration() -> None:
    registration = make_registration()
    with pytest.raises(CommandError, match="only production registrations"):
        call_command("readiness_report", str(registration.pk))


def test_the_command_exits_0_when_ready(capsys, staging_test_call) -> None:
    production = registration_promote(registration=staging_test_call.connection.credential.registration)
    call_command("readiness_report", str(production.pk))
    assert capsys.readouterr().out.splitlines()[1].startswith("READY:")


# Staging evidence (test calls are the dashboard's: oauthclient registers the source) ----------


@pytest.fixture
def staging_test_call(db: Any) -> Any:
    """A successful test call an hour ago with a credential of an active, complete staging registration."""
    from tests.factories import make_connection, make_credential, make_test_call

    credential = make_credential(registration=active_staging(**COMPLETE))
    connection = make_connection(credential=credential)
    return make_test_call(connection=connection, age=timedelta(hours=1))


def test_a_recent_successful_staging_test_call_is_the_evidence(staging_test_call: Any) -> None:
    production = registration_promote(registration=staging_test_call.connection.credential.registration)
    report = readiness_report(production)
    assert (report.evidence.found, report.ready) == (True, True)
    assert "GET https://external.staging.pleo.io/v1/introspect answered 200" in report.evidence.description


@pytest.mark.parametrize(
    "change",
    [
        {"created_at_days_ago": 31},
        {"status_code": 500},
        {"error_code": "timeout"},
    ],
    ids=["older-than-the-evidence-days", "not-2xx", "an-error"],
)
def test_other_test_calls_are_no_evidence(staging_test_call: Any, change: dict[str, Any], settings) -> None:
    settings.PORTAL_STAGING_EVIDENCE_DAYS = 30
    days = change.pop("created_at_days_ago", None)
    if days is not None:
        change["created_at"] = timezone.now() - timedelta(days=days)
    type(staging_test_call).objects.filter(pk=staging_test_call.pk).update(**change)
    production = registration_promote(registration=staging_test_call.connection.credential.registration)
    assert readiness_report(production).evidence.found is False


# Links (the stored link checks) ---------------------------------------------------------


def _link_check(registration: Registration, field: str, *, ok: bool, url: str | None = None) -> None:
    from registrations.models import LinkCheck

    LinkCheck.objects.create(
        registration=registration,
        field=field,
        url=url if url is not None else getattr(registration, field),
        ok=ok,
        status_code=404 if not ok else 200,
        reason="The server answered 404." if not ok else "Reachable (200).",
        checked_at=timezone.now(),
    )


def test_an_unreachable_link_fails_the_report_with_its_reason() -> None:
    production = registration_promote(registration=active_staging(**COMPLETE))
    _link_check(production, "logo_uri", ok=False)
    (item,) = readiness_report(production).failures
    assert (item.field, item.problem, item.fix) == (
        "logo_uri",
        readiness.LINK_UNREACHABLE.format(url=COMPLETE["logo_uri"], reason="The server answered 404."),
        readiness.FIX_LINK.format(label="Logo"),
    )


def test_links_not_checked_yet_are_named_not_counted() -> None:
    production = registration_promote(registration=active_staging(**COMPLETE))
    for name in ("client_uri", "tos_uri", "policy_uri", "initiation_uri", "settings_uri"):
        _link_check(production, name, ok=True)
    # A failed check of a URL the registration no longer has says nothing about the new one.
    _link_check(production, "logo_uri", ok=False, url="https://client.example/old-logo.png")
    report = readiness_report(production)
    assert (report.failures, report.unchecked_links) == ([], ["Logo"])
