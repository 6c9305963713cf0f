"""Promotion to production and the readiness report, in the registration admin.

Thin: the action calls registrations.services.promotion; the page renders
registrations.readiness.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html

from ..models import Environment, Registration
from ..readiness import readiness_report
from ..services.promotion import registration_promote

PROMOTED = (
    "“{registration}” was promoted: its production counterpart is a new draft. Here is its readiness report."
)
PROMOTED_MANY = "{count} registration(s) promoted to production drafts."
NOT_PROMOTED = "“{registration}” was not promoted: {reason}"
REPORT_TITLE = "Readiness report: {registration}"


def _url(registration: Registration, name: str) -> str:
    return reverse(f"admin:registrations_registration_{name}", args=[registration.pk])


class PromotionMixin(admin.ModelAdmin):
    """ "Promote to production", the link between the two sides, and the readiness report page."""

    @admin.action(description="Promote to production (creates the production draft)", permissions=["change"])
    def promote_to_production(
        self, request: HttpRequest, queryset: QuerySet[Registration]
    ) -> HttpResponse | None:
        promoted = []
        for registration in queryset:
            try:
                promoted.append(registration_promote(registration=registration, by=request.user))
            except ValidationError as exc:
                reason = " ".join(exc.messages)
                self.message_user(
                    request, NOT_PROMOTED.format(registration=registration, reason=reason), messages.ERROR
                )
        if len(promoted) == 1:
            self.message_user(request, PROMOTED.format(registration=promoted[0]), messages.SUCCESS)
            return HttpResponseRedirect(_url(promoted[0], "readiness"))
        if promoted:
            self.message_user(request, PROMOTED_MANY.format(count=len(promoted)), messages.SUCCESS)
        return None

    @admin.display(description="Promotion")
    def promotion_link(self, registration: Registration) -> str:
        """The counterpart in the other environment, whichever side this is."""
        staging = registration.promoted_from
        if staging is not None:
            return format_html(
                'Promoted from <a href="{}">{}</a> · <a href="{}">Readiness report</a>',
                _url(staging, "change"),
                staging,
                _url(registration, "readiness"),
            )
        production = Registration.objects.filter(promoted_from=registration).first()
        if production is not None:
            return format_html('Promoted to <a href="{}">{}</a>', _url(production, "change"), production)
        return "–"

    def readiness_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        registration = self.get_object(request, unquote(object_id))
        if registration is None or registration.environment != Environment.PRODUCTION:
            raise Http404
        if not self.has_view_permission(request, registration):
            raise PermissionDenied
        context = {
            **self.admin_site.each_context(request),
            "title": REPORT_TITLE.format(registration=registration),
            "opts": self.opts,
            "original": registration,
            "readiness": readiness_report(registration),
            "change_url": _url(registration, "change"),
        }
        return TemplateResponse(request, "admin/registrations/registration/readiness.html", context)

    def get_urls(self) -> list[URLPattern]:
        readiness = path(
            "<path:object_id>/readiness/",
            self.admin_site.admin_view(self.readiness_view),
            name="registrations_registration_readiness",
        )
        return [readiness, *super().get_urls()]
