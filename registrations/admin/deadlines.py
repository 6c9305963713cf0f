"""Pleo's calendar in the registration admin: the retrieval deadline column and field,
the *Pleo's calendar* list filter, and the share date's rule next to its field."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString

from .. import deadlines
from ..models import Registration
from ..services.deadlines import FIELD as SHARED_FIELD
from ..services.deadlines import registration_record_credentials_shared

AWAITING_PLEO = "awaiting_pleo"
TO_RETRIEVE = "to_retrieve"
OVERDUE = "overdue"
# A deadline this close (days left) is flagged before it passes.
DUE_SOON_DAYS = 2

RETRIEVED_LABEL = "retrieved"
DUE_TODAY = "due today"
DAYS_LEFT = "{days} day(s) left"
OVERDUE_BY = "overdue by {days} day(s)"
CLOSED_LABEL = "closed"
NOT_SHARED = "-"


def annotated(queryset: QuerySet[Registration]) -> QuerySet[Registration]:
    if deadlines.RETRIEVED in queryset.query.annotations:
        return queryset
    return deadlines.with_retrieval_state(queryset)


class PleoCalendarFilter(admin.SimpleListFilter):
    title = "Pleo's calendar"
    parameter_name = "deadline"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [
            (AWAITING_PLEO, "Awaiting Pleo"),
            (TO_RETRIEVE, "Credentials to retrieve"),
            (OVERDUE, "Overdue"),
        ]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        conditions = {
            AWAITING_PLEO: deadlines.AWAITING_PLEO,
            TO_RETRIEVE: deadlines.TO_RETRIEVE,
            OVERDUE: deadlines.overdue_q(timezone.localdate()),
        }
        condition = conditions.get(self.value() or "")
        return annotated(queryset).filter(condition) if condition is not None else queryset


def _state_label(state: deadlines.RetrievalState) -> tuple[str, str]:
    """(CSS modifier, words) for a registration's retrieval state."""
    if state.retrieved:
        return "done", RETRIEVED_LABEL
    if state.closed:
        return "done", CLOSED_LABEL
    if state.days_left < 0:
        return "overdue", OVERDUE_BY.format(days=-state.days_left)
    if state.days_left == 0:
        return "soon", DUE_TODAY
    return ("soon" if state.days_left <= DUE_SOON_DAYS else "pending"), DAYS_LEFT.format(days=state.days_left)


class ShareDateFormMixin(forms.ModelForm):
    """Checks a changed share date with the rules the service applies, next to the field."""

    instance: Registration

    def clean_credentials_shared_on(self) -> Any:
        value = self.cleaned_data.get(SHARED_FIELD)
        if SHARED_FIELD in self.changed_data:
            errors = deadlines.credentials_shared_errors(
                status=self.instance.status,
                submitted_at=self.instance.submitted_at,
                shared_on=value,
                today=timezone.localdate(),
            )
            if errors:
                raise ValidationError(errors)
        return value


class DeadlinesMixin(admin.ModelAdmin):
    """The registration admin's part of Pleo's calendar: rows annotated with whether the
    credentials were retrieved (one subquery), the deadline shown, the share date saved."""

    def get_queryset(self, request: HttpRequest) -> QuerySet[Registration]:
        return annotated(super().get_queryset(request))

    @admin.display(description="retrieval deadline", ordering="credentials_shared_on")
    def retrieval_deadline(self, registration: Registration) -> SafeString | str:
        """The deadline with the days left; overdue ones carry a class the stylesheet makes stand out."""
        state = deadlines.retrieval_state(registration)
        if state is None:
            return NOT_SHARED
        modifier, words = _state_label(state)
        return format_html(
            '<span class="retrieval retrieval-{}">{} · {}</span>', modifier, state.deadline.isoformat(), words
        )

    def save_share_date(
        self, request: HttpRequest, registration: Registration, form: forms.ModelForm, change: bool
    ) -> None:
        """After the registration is saved: a changed share date goes through its service."""
        if change and SHARED_FIELD in form.changed_data:
            registration_record_credentials_shared(
                registration=registration, shared_on=form.cleaned_data[SHARED_FIELD], by=request.user
            )
