"""The "promote to production" admin action, the readiness page and the printable form."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from registrations import validators
from registrations.admin.promotion import NOT_PROMOTED, PROMOTED
from registrations.fields import BY_NAME
from registrations.models import Registration
from registrations.services.promotion import PROMOTE_NOT_ACTIVE, registration_promote

from .test_admin import _form_data
from .test_promotion import COMPLETE, active_staging

pytestmark = pytest.mark.django_db


def _promote(client: Client, registration: Registration) -> Any:
    return client.post(
        reverse("admin:registrations_registration_changelist"),
        {"action": "promote_to_production", "_selected_action": [registration.pk]},
        follow=True,
    )


def test_the_action_creates_the_counterpart_and_opens_its_readiness_report(admin_client: Client) -> None:
    staging = active_staging()
    response = _promote(admin_client, staging)
    production = Registration.objects.get(promoted_from=staging)
    assert response.redirect_chain[-1][0] == reverse(
        "admin:registrations_registration_readiness", args=[production.pk]
    )
    assert PROMOTED.format(registration=production) in [str(m) for m in response.context["messages"]]
    assert 'data-field="logo_uri"' in response.content.decode()


def test_the_action_says_why_a_registration_was_not_promoted(admin_client: Client) -> None:
    staging = active_staging()
    Registration.objects.filter(pk=staging.pk).update(status="submitted")
    response = _promote(admin_client, staging)
    reason = PROMOTE_NOT_ACTIVE.format(registration=staging, status="submitted to pleo")
    assert NOT_PROMOTED.format(registration=staging, reason=reason) in [
        str(m) for m in response.context["messages"]
    ]
    assert Registration.objects.count() == 1


def test_a_staging_registration_has_no_readiness_page(admin_client: Client) -> None:
    staging = active_staging()
    response = admin_client.get(reverse("admin:registrations_registration_readiness", args=[staging.pk]))
    assert response.status_code == 404


def test_the_production_change_page_links_both_ways(admin_client: Client) -> None:
    staging = active_staging()
    production = registration_promote(registration=staging)
    production_page = admin_client.get(
        reverse("admin:registrations_registration_change", args=[production.pk])
    )
    staging_page = admin_client.get(reverse("admin:registrations_registration_change", args=[staging.pk]))
    readiness_url = reverse("admin:registrations_registration_readiness", args=[production.pk])
    assert readiness_url in production_page.content.decode()
    assert (
        reverse("admin:registrations_registration_change", args=[production.pk])
        in staging_page.content.decode()
    )


def test_the_printable_form_of_a_production_registration_carries_its_readiness_report(
    admin_client: Client,
) -> None:
    production = registration_promote(registration=active_staging(**COMPLETE))
    response = admin_client.get(reverse("admin:registrations_registration_export_form", args=[production.pk]))
    text = response.content.decode()
    assert 'id="readiness"' in text
    assert 'id="readiness-evidence"' in text


def test_the_printable_form_of_a_staging_registration_has_no_readiness_report(admin_client: Client) -> None:
    staging = active_staging()
    response = admin_client.get(reverse("admin:registrations_registration_export_form", args=[staging.pk]))
    assert 'id="readiness"' not in response.content.decode()


def test_saving_a_production_registration_warns_of_what_pleo_asks_for(admin_client: Client) -> None:
    production = registration_promote(registration=active_staging())
    url = reverse("admin:registrations_registration_change", args=[production.pk])
    data = _form_data(admin_client.get(url), environment="production")
    response = admin_client.post(url, data, follow=True)
    asked = validators.PRODUCTION_ASKS_FOR.format(what=BY_NAME["logo_uri"].production_asks_for)
    assert f"Logo URI: {asked}" in [str(m) for m in response.context["messages"]]
