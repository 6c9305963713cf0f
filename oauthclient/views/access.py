"""Who may use the dashboard, and the lookups every dashboard view shares."""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db import InterfaceError, OperationalError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from registrations.models import Credential

from .. import messages, selectors
from ..models import Connection

View = Callable[..., HttpResponse]
logger = logging.getLogger(__name__)


def database_unavailable(request: HttpRequest, exc: Exception) -> HttpResponse:
    """503 with a plain message instead of a 500 when the database fails mid-request.

    Each service writes in its own transaction, so what failed was not saved. The page
    reads nothing more from the database: pending flash messages stay unread, because
    reading them would write the session.
    """
    logger.error("Database unavailable on %s: %s", request.path, type(exc).__name__, exc_info=exc)
    response = render(
        request,
        "oauthclient/database_unavailable.html",
        {"message": messages.DATABASE_UNAVAILABLE, "messages": []},
        status=503,
    )
    response["Retry-After"] = "30"
    return response


def dashboard_access(view: View) -> View:
    """Logged-in users with the dashboard permission (selectors.USE_DASHBOARD_PERMISSION) only.

    Anonymous users are sent to the login page; a user without the permission gets a 403.
    A database that fails during the view is answered with a 503 page (database_unavailable).
    """

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        try:
            if not selectors.user_may_use_dashboard(request.user):
                raise PermissionDenied(messages.DASHBOARD_FORBIDDEN)
            return view(request, *args, **kwargs)
        except (OperationalError, InterfaceError) as exc:
            return database_unavailable(request, exc)

    return wrapped


def dashboard_connection_access(view: View) -> View:
    """dashboard_access for a view of one of the user's connections (`pk`), which it is given:
    the permission and the connection (with its credential) read in one query.

    The same answers as dashboard_access then own_connection: the login page, a 403
    without the permission, a 404 for a connection not theirs, a 503 without a database.
    """

    @wraps(view)
    def wrapped(request: HttpRequest, pk: int, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        try:
            connection, allowed = selectors.connection_with_access(request.user, pk)
            if not allowed:
                raise PermissionDenied(messages.DASHBOARD_FORBIDDEN)
            if connection is None:
                raise Http404
            return view(request, connection, *args, **kwargs)
        except (OperationalError, InterfaceError) as exc:
            return database_unavailable(request, exc)

    return wrapped


def own_connection(request: HttpRequest, pk: int) -> Connection:
    """The user's connection `pk`: someone else's is indistinguishable from a missing one (404)."""
    return get_object_or_404(selectors.connections_of(request.user), pk=pk)


def usable_credential(pk: int) -> Credential:
    """An active credential by its id (404 otherwise)."""
    return get_object_or_404(selectors.credentials_usable(), pk=pk)
