"""The registration page at a laptop's 1280 px: the export buttons stay clear of the
title, and the admin index shows the work queue."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.conftest import log_in, save_screenshot
from tests.factories import make_registration

pytestmark = pytest.mark.django_db(transaction=True)

WIDTH = 1280


def _overlap(a: dict[str, float], b: dict[str, float]) -> bool:
    return not (
        a["x"] + a["width"] <= b["x"]
        or b["x"] + b["width"] <= a["x"]
        or a["y"] + a["height"] <= b["y"]
        or b["y"] + b["height"] <= a["y"]
    )


def test_the_export_buttons_do_not_cover_the_title_at_1280_px(page: Any, journey: str, manager: Any) -> None:
    registration = make_registration(owner=manager)
    page.set_viewport_size({"width": WIDTH, "height": 900})
    log_in(page, journey, manager, next_path=f"/admin/registrations/registration/{registration.pk}/change/")
    title = page.locator("#content h1").bounding_box()
    buttons = page.locator("#content-main > .object-tools li")
    assert buttons.count() == 7  # six exports and History
    boxes = [buttons.nth(i).bounding_box() for i in range(buttons.count())]
    save_screenshot(page, "registration-export-buttons-1280", part=page.locator("#content"))
    assert [box for box in boxes if _overlap(box, title)] == []
    assert all(box["x"] >= 0 and box["x"] + box["width"] <= WIDTH for box in boxes)


def test_the_admin_index_shows_the_work_queue(page: Any, journey: str, manager: Any) -> None:
    make_registration(owner=manager)
    page.set_viewport_size({"width": WIDTH, "height": 900})
    log_in(page, journey, manager)
    drafts = page.locator('[data-queue="drafts"]')
    save_screenshot(page, "admin-work-queue", part=page.locator(".work-queue"))
    assert drafts.locator(".work-queue-count").inner_text() == "1"
    drafts.get_by_role("link").click()
    page.wait_for_url("**status__exact=draft**")
    assert page.locator("#result_list tbody tr").count() == 1


def test_overdue_registrations_stand_out_in_the_list(page: Any, journey: str, manager: Any) -> None:
    from datetime import timedelta

    from django.utils import timezone

    from registrations.models import Registration
    from registrations.services.deadlines import registration_record_credentials_shared
    from registrations.services.registration import registration_mark_ready, registration_submit

    for name, shared_days_ago in (("Overdue Client", 10), ("On Time Client", 1)):
        registration = make_registration(owner=manager, client_name=name)
        registration_mark_ready(registration=registration)
        registration_submit(registration=registration)
        Registration.objects.filter(pk=registration.pk).update(
            submitted_at=timezone.now() - timedelta(days=12)
        )
        registration.refresh_from_db()
        registration_record_credentials_shared(
            registration=registration, shared_on=timezone.localdate() - timedelta(days=shared_days_ago)
        )
    page.set_viewport_size({"width": WIDTH, "height": 900})
    log_in(page, journey, manager, next_path="/admin/registrations/registration/")

    def row_background(name: str) -> str:
        row = page.locator("#result_list tbody tr", has_text=name)
        return str(row.locator("td").first.evaluate("cell => getComputedStyle(cell).backgroundColor"))

    save_screenshot(page, "registrations-overdue-row", part=page.locator("#result_list"))
    assert row_background("Overdue Client") == "rgb(253, 231, 229)"
    assert row_background("On Time Client") != "rgb(253, 231, 229)"
