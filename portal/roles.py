"""Which URLs this process answers: the whole project, the portal alone, or the sandbox alone.

`manage.py serve` runs the portal and the built-in sandbox as two gunicorn
servers (PORTAL_SERVER_ROLE=portal and =sandbox). The portal calls the sandbox
over HTTP while it holds a thread (code exchange, test calls, refresh); served by
a pool of its own, a sandbox request never waits for a thread that a portal
request holds while waiting for it. Each server answers 404 for the other's
URLs, so a wrong route (a proxy sending /sandbox/ to the portal) fails at once
instead of under load. The sandbox server keeps the login page, which its
consent page sends an anonymous user to.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.checks import Error, register
from django.http import Http404, HttpRequest, HttpResponseBase
from django.urls import reverse

ALL = "all"
PORTAL = "portal"
SANDBOX = "sandbox"
ROLES = (ALL, PORTAL, SANDBOX)
SANDBOX_PATHS = ("/sandbox/", "/.well-known/oauth-authorization-server/sandbox")
SERVED_BY_THE_SANDBOX = "This URL is served by the sandbox's own server (PORTAL_SANDBOX_URL)."
SERVED_BY_THE_PORTAL = "This server runs the sandbox only."


def is_sandbox_path(path: str) -> bool:
    return path.startswith(SANDBOX_PATHS)


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
