"""System checks for the dashboard's settings (ids in the oauthclient namespace)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Error, register

from . import messages


@register()
def check_test_call_retention(app_configs: Any, **kwargs: Any) -> list[Error]:
    """The retention rule may not delete the staging evidence the readiness report looks for."""
    errors = []
    days, evidence = int(settings.PORTAL_TEST_CALLS_KEPT_DAYS), int(settings.PORTAL_STAGING_EVIDENCE_DAYS)
    if days < evidence:
        errors.append(
            Error(
                messages.TEST_CALL_DAYS_BELOW_EVIDENCE.format(days=days, evidence=evidence),
                id="oauthclient.E001",
            )
        )
    kept = int(settings.PORTAL_TEST_CALLS_KEPT)
    if kept < 1:
        errors.append(Error(messages.TEST_CALLS_KEPT_NONE.format(kept=kept), id="oauthclient.E002"))
    return errors
