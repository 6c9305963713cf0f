"""The sandbox API's one view: every catalog operation, found by method and path.

Bearer tokens are checked as RFC 6750 says (401 with a `WWW-Authenticate`
challenge; 403 `insufficient_scope` naming the scope the catalog documents for
the operation); what the operation then does is `handlers.handle`'s business.
"""

from __future__ import annotations

import re
from contextlib import nullcontext
from functools import cache
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseBase, JsonResponse
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.csrf import csrf_exempt
from oauth2_provider.views.mixins import OAuthLibMixin

from core.pleo_api import Operation, catalog

from .calls import Call, check_query, parse_body
from .demo_data import company_for_user
from .errors import ApiError
from .handlers import handle

REALM = "sandbox"
TOKEN_INVALID = "The access token is invalid, expired or revoked."
SCOPE_MISSING = "The access token lacks the {scope} scope."
NO_SUCH_OPERATION = "No operation of Pleo's partner API answers {method} {path}."
INVALID_VALUE = "A value in the request cannot be stored."
METHOD_NOT_ALLOWED = "{path} does not answer {method}; it answers {allowed}."


def bearer_error(
    status: int, error: str | None = None, description: str = "", scope: str = ""
) -> HttpResponse:
    """RFC 6750 §3: a challenge; no error code when no token was sent at all."""
    params = [f'realm="{REALM}"']
    body: dict[str, str] = {}
    if error:
        params.append(f'error="{error}"')
        params.append(f'error_description="{description}"')
        body = {"error": error, "error_description": description}
    if scope:
        params.append(f'scope="{scope}"')
    response = JsonResponse(body, status=status) if body else HttpResponse(status=status)
    response["WWW-Authenticate"] = "Bearer " + ", ".join(params)
    return response


@cache
def _routes() -> tuple[tuple[re.Pattern[str], Operation], ...]:
    """Each operation's path template as a pattern; literal paths win over placeholders."""
    routes = []
    for operation in catalog().operations:
        pattern = re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/:]+)", re.escape(operation.path))
        routes.append((re.compile(f"^{pattern}$"), operation))
    return tuple(sorted(routes, key=lambda route: len(route[1].template_parameters)))


def route(method: str, path: str) -> tuple[Operation, dict[str, str]]:
    allowed = []
    for pattern, operation in _routes():
        match = pattern.match(path)
        if match is None:
            continue
        if operation.method == method:
            return operation, match.groupdict()
        allowed.append(operation.method)
    if allowed:
        raise ApiError(
            405, METHOD_NOT_ALLOWED.format(path=path, method=method, allowed=", ".join(sorted(set(allowed))))
        )
    raise ApiError(404, NO_SUCH_OPERATION.format(method=method, path=path))


@method_decorator(csrf_exempt, name="dispatch")
class CatalogApiView(OAuthLibMixin, View):
    """`/sandbox/api/<path>`: the catalog operation for the method and path, for the token's company."""

    http_method_names = ["get", "post", "put", "delete"]

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if request.method not in ("GET", "POST", "PUT", "DELETE"):
            return self.http_method_not_allowed(request)
        if not request.headers.get("Authorization", "").lower().startswith("bearer "):
            return bearer_error(401)
        # Read (and keep) the raw body first: verify_request parses a form body from the
        # stream, after which a multipart body could no longer be read as the JSON expected.
        raw_body = request.body
        valid, oauth_request = self.verify_request(request)
        if not valid:
            return bearer_error(401, "invalid_token", TOKEN_INVALID)
        access_token = oauth_request.access_token
        try:
            operation, path_values = route(request.method, "/" + kwargs["api_path"])
            scope = operation.scope
            if scope and scope not in access_token.scope.split():
                return bearer_error(403, "insufficient_scope", SCOPE_MISSING.format(scope=scope), scope)
            check_query(operation, request.GET)
            body = parse_body(operation, raw_body)
            # A write is all or nothing; a read needs no transaction (and saves two round trips).
            with transaction.atomic() if operation.writes else nullcontext():
                call = Call(
                    operation=operation,
                    company=company_for_user(access_token.user),
                    access_token=access_token,
                    path=path_values,
                    query=request.GET,
                    body=body,
                )
                return handle(call)
        except ApiError as error:
            return error.response()
        except ValidationError as error:
            # A value the documented shape allows but a record cannot hold (an over-long key).
            return ApiError(400, INVALID_VALUE, details=error.messages).response()
