"""Link checks in the admin: the result under each URL field of a registration, the
"Check links now" action, and a read-only list of every result."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.safestring import SafeString

from ..models import LinkCheck, Registration
from ..services.link_checks import LINK_FIELDS, failed, link_checks_run

NOT_CHECKED = "Link check: not checked yet (check_links runs on a schedule, or use “Check links now”)."
URL_CHANGED = "Link check: not checked since the URL changed."
CHECK_PASSED = "Link check passed {when}: {reason}"
CHECK_FAILED = "Link check failed {when}: {reason}"
ACTION_DONE = "{checked} link(s) of {registrations} registration(s) checked: {failed} failed."
ACTION_FAILED_LINE = "“{registration}”, {field}: {reason}"


def result_html(link_check: LinkCheck | None, current_url: str) -> SafeString:
    """One line about a URL field's latest check, with a class for its state."""
    if link_check is None or link_check.checked_at is None:
        return format_html('<span class="link-check link-check-unchecked">{}</span>', NOT_CHECKED)
    if link_check.url != current_url:
        return format_html('<span class="link-check link-check-unchecked">{}</span>', URL_CHANGED)
    template = CHECK_PASSED if link_check.ok else CHECK_FAILED
    text = template.format(
        when=date_format(link_check.checked_at, "DATETIME_FORMAT"), reason=link_check.reason
    )
    state = "ok" if link_check.ok else "failed"
    return format_html('<span class="link-check link-check-{}">{}</span>', state, text)


class LinkResultsFormMixin(forms.ModelForm):
    """A saved registration's form: each URL field's help text followed by its latest link check."""

    instance: Registration

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        registration = self.instance
        if registration.pk is None:
            return
        # One query, when the form is made: the admin builds form classes it never instantiates.
        results = {link_check.field: link_check for link_check in registration.link_checks.all()}
        for name in LINK_FIELDS:
            field = self.fields.get(name)
            current = getattr(registration, name)
            if field is None or not current:
                continue
            line = result_html(results.get(name), current)
            field.help_text = format_html("{}<br>{}", field.help_text, line) if field.help_text else line


class LinkChecksMixin(admin.ModelAdmin):
    """The registration changelist's "Check links now"."""

    @admin.action(
        description="Check links now (client, logo, terms, privacy, initiation, settings)",
        permissions=["change"],
    )
    def check_links_now(self, request: HttpRequest, queryset: QuerySet[Registration]) -> None:
        checked = link_checks_run(registrations=queryset, force=True)
        failures = failed(checked)
        level = messages.WARNING if failures else messages.SUCCESS
        self.message_user(
            request,
            ACTION_DONE.format(checked=len(checked), registrations=queryset.count(), failed=len(failures)),
            level,
        )
        for link_check in failures:
            self.message_user(
                request,
                ACTION_FAILED_LINE.format(
                    registration=link_check.registration,
                    field=link_check.get_field_display(),
                    reason=link_check.reason,
                ),
                messages.WARNING,
            )


@admin.register(LinkCheck)
class LinkCheckAdmin(admin.ModelAdmin):
    """Every URL's latest result; written by the link check only."""

    list_display = ("registration", "field", "url", "ok", "status_code", "reason", "checked_at")
    list_filter = ["ok", "field"]
    list_select_related = ["registration"]
    search_fields = ["url", "registration__client_name"]
    readonly_fields = list_display

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
