"""Sandbox URLs, included at the site root by portal/urls.py.

Paths mirror Pleo's (/oauth/authorize, /oauth/token, /oauth/token/introspect;
API: every operation of the catalog, e.g. /v2/employees) under /sandbox, so that only the base URL
differs. With PORTAL_SANDBOX_ENABLED off every one of them answers 404 (checked
per request, so the setting can change without reloading the URLconf).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponseBase, JsonResponse
from django.urls import path, re_path

from . import views
from .api.views import CatalogApiView

app_name = "sandbox"

NUL_REFUSED = "Parameters may not contain the NUL character."


def _holds_nul(request: HttpRequest) -> bool:
    """PostgreSQL cannot compare a text column with a string holding NUL: django-oauth-toolkit
    looks client IDs and tokens up as they come, so such a request is refused first.

    The raw body is read (and kept) before the form is parsed, so that a view that reads
    the body itself (the API's JSON) still can.
    """
    request.body  # noqa: B018
    return any(
        "\x00" in key or any("\x00" in value for value in values)
        for parameters in (request.GET, request.POST)
        for key, values in parameters.lists()
    )


def _when_enabled(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not settings.PORTAL_SANDBOX_ENABLED:
            raise Http404("The sandbox is disabled.")
        if _holds_nul(request):
            return JsonResponse({"error": "invalid_request", "error_description": NUL_REFUSED}, status=400)
        return view(request, *args, **kwargs)

    return wrapped


urlpatterns = [
    path("sandbox/oauth/authorize", _when_enabled(views.ConsentView.as_view()), name="authorize"),
    path("sandbox/oauth/token", _when_enabled(views.TokenView.as_view()), name="token"),
    path("sandbox/oauth/token/introspect", _when_enabled(views.IntrospectView.as_view()), name="introspect"),
    path("sandbox/oauth/revoke", _when_enabled(views.RevokeTokenView.as_view()), name="revoke"),
    path("sandbox/oauth/register", _when_enabled(views.register), name="register"),
    path(
        "sandbox/.well-known/oauth-authorization-server",
        _when_enabled(views.server_metadata),
        name="metadata",
    ),
    path(
        ".well-known/oauth-authorization-server/sandbox",
        _when_enabled(views.server_metadata),
        name="metadata-rfc8414",
    ),
    # Every operation of Pleo's partner API (the catalog in core.pleo_api), one view.
    re_path(r"^sandbox/api/(?P<api_path>.+)$", _when_enabled(CatalogApiView.as_view()), name="api"),
]
