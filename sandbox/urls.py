"""Sandbox URLs, included at the site root by portal/urls.py.

Paths mirror Pleo's (/oauth/authorize, /oauth/token, /oauth/token/introspect;
API: every operation of the catalog, e.g. /v2/employees) under /sandbox, so that only the base URL
differs. With PORTAL_SANDBOX_ENABLED off every one of them answers 404 (`edge.py`).
"""

from __future__ import annotations

from django.urls import path, re_path

from . import views
from .api.uploads import UploadView
from .api.views import CatalogApiView
from .edge import View, readable_client_credentials, sandbox_enabled, storable_text_only


def _oauth(view: View) -> View:
    return sandbox_enabled(storable_text_only(view))


def _client_authenticated(view: View) -> View:
    """An endpoint where clients authenticate (token, introspection, revocation)."""
    return _oauth(readable_client_credentials(view))


app_name = "sandbox"

urlpatterns = [
    path("sandbox/oauth/authorize", _oauth(views.ConsentView.as_view()), name="authorize"),
    path("sandbox/oauth/token", _client_authenticated(views.TokenView.as_view()), name="token"),
    path(
        "sandbox/oauth/token/introspect",
        _client_authenticated(views.IntrospectView.as_view()),
        name="introspect",
    ),
    path("sandbox/oauth/revoke", _client_authenticated(views.RevokeTokenView.as_view()), name="revoke"),
    path("sandbox/oauth/register", _oauth(views.register), name="register"),
    path(
        "sandbox/.well-known/oauth-authorization-server",
        sandbox_enabled(views.server_metadata),
        name="metadata",
    ),
    path(
        ".well-known/oauth-authorization-server/sandbox",
        sandbox_enabled(views.server_metadata),
        name="metadata-rfc8414",
    ),
    path("sandbox/openapi.json", sandbox_enabled(views.openapi_document), name="openapi"),
    # Every operation of Pleo's partner API (the catalog in core.pleo_api), one view; any
    # path below /sandbox/api/ (a newline in it too) gets the API's JSON answers.
    re_path(r"^sandbox/api/(?P<api_path>[\s\S]*)$", sandbox_enabled(CatalogApiView.as_view()), name="api"),
    # A vendor CSV import's file, at the signed URL `:get-presigned-url` hands out (no token).
    re_path(r"^sandbox/uploads/(?P<job_id>[\s\S]*)$", sandbox_enabled(UploadView.as_view()), name="upload"),
]
