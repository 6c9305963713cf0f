from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

LOCKED_OUT_TITLE = "Too many failed logins"
# Too Many Requests: the client may try again later, as the page says when.
LOCKED_OUT_STATUS = 429


def home(request: HttpRequest) -> HttpResponse:
    """Tells a first-time visitor where managers and developers go."""
    return render(request, "portal/home.html")


def login_locked_out(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials: Any = None
) -> HttpResponse:
    """The page django-axes answers a refused login with (AXES_LOCKOUT_CALLABLE): the login
    page's look, what happened, and when logging in works again."""
    # The latest refused attempt restarted the cool-off: it ends a cool-off after it.
    attempt_time = getattr(request, "axes_attempt_time", None) or timezone.now()
    context = {
        **admin.site.each_context(request),
        "title": LOCKED_OUT_TITLE,
        "failure_limit": settings.AXES_FAILURE_LIMIT,
        "cool_off_minutes": int(settings.AXES_COOLOFF_TIME.total_seconds() // 60),
        "try_again_at": attempt_time + settings.AXES_COOLOFF_TIME,
    }
    return render(request, "portal/login_locked_out.html", context, status=LOCKED_OUT_STATUS)
