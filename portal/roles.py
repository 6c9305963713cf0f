"""Which URLs this process answers: the whole project, the portal alone, or the sandbox alone.

`manage.py serve` runs the portal and the built-in sandbox as two gunicorn
servers (PORTAL_SERVER_ROLE=portal and =sandbox). The portal calls the sandbox
over HTTP while it holds a thread (code exchange, test calls, refresh); served by
a pool of its own, a sandbox request never waits for a thread that a portal
request holds while waiting for it. Each server answers 404 for the other's
URLs, so a wrong route (a proxy sending /sandbox/ to the portal) fails at once
instead of under load. The sandbox server keeps the login page, which its
consent page sends an anonymous user to.

The sandbox's machine endpoints (token, introspection, revocation, registration,
metadata, the API) are called by clients that authenticate with their
credentials or a bearer token, never a cookie: the page middleware (sessions,
authentication, messages, history) passes them straight through, whichever role
serves them. The consent page, a page, keeps all of it.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.auth.middleware import AuthenticationMiddleware
from django.contrib.messages.middleware import MessageMiddleware
from django.contrib.sessions.middleware import SessionMiddleware
from django.core.checks import Error, register
from django.http import Http404, HttpRequest, HttpResponseBase
from django.urls import reverse
from simple_history.middleware import HistoryRequestMiddleware

ALL = "all"
PORTAL = "portal"
SANDBOX = "sandbox"
ROLES = (ALL, PORTAL, SANDBOX)
SANDBOX_PATHS = ("/sandbox/", "/.well-known/oauth-authorization-server/sandbox")
SERVED_BY_THE_SANDBOX = "This URL is served by the sandbox's own server (PORTAL_SANDBOX_URL)."
SERVED_BY_THE_PORTAL = "This server runs the sandbox only."


# The sandbox's endpoints for machines (sandbox/urls.py); /sandbox/oauth/authorize is a page.
MACHINE_ENDPOINTS = frozenset(
    {
        "/sandbox/oauth/token",
        "/sandbox/oauth/token/introspect",
        "/sandbox/oauth/revoke",
        "/sandbox/oauth/register",
        "/sandbox/.well-known/oauth-authorization-server",
        "/.well-known/oauth-authorization-server/sandbox",
        "/sandbox/openapi.json",
    }
)
MACHINE_PREFIXES = ("/sandbox/api/", "/sandbox/uploads/")


def is_sandbox_path(path: str) -> bool:
    return path.startswith(SANDBOX_PATHS)


def is_machine_endpoint(path: str) -> bool:
    return path in MACHINE_ENDPOINTS or path.startswith(MACHINE_PREFIXES)


# Middleware for pages only --------------------------------------------------------


def _pages_only_hook(hook: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(hook)
    def wrapped(self: Any, request: HttpRequest, *args: Any) -> Any:
        if is_machine_endpoint(request.path_info):
            return None
        return hook(self, request, *args)

    return wrapped


def _pages_only(middleware: type) -> type:
    """A subclass of `middleware` (so that Django's checks still find it) that machine endpoints skip."""

    def __call__(self: Any, request: HttpRequest) -> Any:
        if is_machine_endpoint(request.path_info):
            return self.get_response(request)
        return middleware.__call__(self, request)

    namespace: dict[str, Any] = {"__call__": __call__, "__module__": __name__, "__doc__": middleware.__doc__}
    # process_template_response must answer a response: none of these middleware has one.
    for hook in ("process_view", "process_exception"):
        if hasattr(middleware, hook):
            namespace[hook] = _pages_only_hook(getattr(middleware, hook))
    return type(f"PagesOnly{middleware.__name__}", (middleware,), namespace)


PagesOnlySessionMiddleware = _pages_only(SessionMiddleware)
PagesOnlyAuthenticationMiddleware = _pages_only(AuthenticationMiddleware)
PagesOnlyMessageMiddleware = _pages_only(MessageMiddleware)


class PagesOnlyHistoryRequestMiddleware:
    """django-simple-history's middleware (a function, not a class), for pages only."""

    sync_capable = True
    async_capable = False

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response
        self.for_pages = HistoryRequestMiddleware(get_response)

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if is_machine_endpoint(request.path_info):
            return self.get_response(request)
        response: HttpResponseBase = self.for_pages(request)
        return response


class ServerRoleMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        role = settings.PORTAL_SERVER_ROLE
        if role == PORTAL and is_sandbox_path(request.path):
            raise Http404(SERVED_BY_THE_SANDBOX)
        if role == SANDBOX and not (
            is_sandbox_path(request.path) or request.path == reverse(settings.LOGIN_URL)
        ):
            raise Http404(SERVED_BY_THE_PORTAL)
        return self.get_response(request)


@register()
def check_portal_server_role(app_configs: Any, **kwargs: Any) -> list[Error]:
    if settings.PORTAL_SERVER_ROLE not in ROLES:
        return [Error(f"PORTAL_SERVER_ROLE must be one of {', '.join(ROLES)}.", id="portal.E004")]
    return []
