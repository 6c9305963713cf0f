"""What a request to the sandbox passes before its view.

- The sandbox must be on: with PORTAL_SANDBOX_ENABLED off every sandbox URL
  answers 404 (checked per request, so the setting can change without reloading
  the URLconf).
- The OAuth endpoints take only text a database can store (core.text's rule): a
  parameter holding NUL (or an unpaired surrogate) is refused with 400
  `invalid_request` naming the rule, before django-oauth-toolkit looks anything up
  with it (PostgreSQL refuses such a value in a query; SQLite would not, and the
  answer must not depend on the database). The API applies the same rule itself,
  answering in Pleo's error shape (`api.calls.check_text`).
- Where clients authenticate (token, introspection, revocation), HTTP Basic
  credentials that are not base64 in ASCII (RFC 7617) or decode to such text are a
  failed client authentication: 401 `invalid_client` with a Basic challenge
  (RFC 6749 §5.2), the description naming the rule.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Iterator
from functools import wraps
from typing import Any
from urllib.parse import unquote_plus

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponseBase, JsonResponse

from core.text import unstorable_reason

View = Callable[..., HttpResponseBase]
REALM = "sandbox"
BASIC_NOT_BASE64 = (
    "HTTP Basic credentials must be the base64 (ASCII) of the form-encoded client ID, a colon "
    "and the client secret (RFC 7617, RFC 6749 §2.3.1)."
)


def sandbox_enabled(view: View) -> View:
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not settings.PORTAL_SANDBOX_ENABLED:
            raise Http404("The sandbox is disabled.")
        return view(request, *args, **kwargs)

    return wrapped


def _parameter_texts(request: HttpRequest) -> Iterator[str]:
    for parameters in (request.GET, request.POST):
        for key, values in parameters.lists():
            yield key
            yield from values


def parameters_text_reason(request: HttpRequest) -> str | None:
    """Why an OAuth request's parameters cannot be stored or looked up, or None.

    The raw body is read (and kept) before the form is parsed, so that a view that
    reads the body itself (registration's JSON) still can.
    """
    request.body  # noqa: B018
    return next((reason for text in _parameter_texts(request) if (reason := unstorable_reason(text))), None)


def basic_credentials_reason(request: HttpRequest) -> str | None:
    """Why HTTP Basic credentials cannot authenticate anyone, or None (also when there are none).

    Decoded as django-oauth-toolkit decodes them; what it refuses by itself (bytes
    that are not UTF-8, no colon) is left to it.
    """
    scheme, _, encoded = request.headers.get("Authorization", "").partition(" ")
    if scheme != "Basic":
        return None
    if not encoded.isascii():
        return BASIC_NOT_BASE64
    try:
        decoded = base64.b64decode(encoded).decode("utf-8")
    except binascii.Error:
        return BASIC_NOT_BASE64
    except UnicodeDecodeError:
        return None
    parts = [unquote_plus(part) for part in decoded.split(":", 1)]
    return next((reason for part in parts if (reason := unstorable_reason(part))), None)


def storable_text_only(view: View) -> View:
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        reason = parameters_text_reason(request)
        if reason:
            return JsonResponse({"error": "invalid_request", "error_description": reason}, status=400)
        return view(request, *args, **kwargs)

    return wrapped


def readable_client_credentials(view: View) -> View:
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        reason = basic_credentials_reason(request)
        if reason:
            response = JsonResponse({"error": "invalid_client", "error_description": reason}, status=401)
            response["WWW-Authenticate"] = f'Basic realm="{REALM}"'
            return response
        return view(request, *args, **kwargs)

    return wrapped
