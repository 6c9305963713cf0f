"""The sandbox API's one view: every catalog operation, found by method and path.

Bearer tokens are checked as RFC 6750 says (401 with a `WWW-Authenticate`
challenge; 403 `insufficient_scope` naming the scope the catalog documents for
the operation); what the operation then does is `handlers.handle`'s business.
Every answer is JSON, errors in Pleo's `{"type", "message"}` shape (`errors.py`).
"""

from __future__ import annotations

import re
from contextlib import nullcontext
from functools import cache
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseBase, JsonResponse
from django.http.multipartparser import MultiPartParserError
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.csrf import csrf_exempt
from oauth2_provider.views.mixins import OAuthLibMixin

from core.pleo_api import Operation, catalog

from ..edge import REALM
from ..selectors import bearer_token_company
from .calls import BAD_JSON, Call, check_query, check_text, parse_body
from .demo_data import company_for_user
from .errors import ApiError, error_type
from .handlers import handle

TOKEN_MISSING = "This operation needs an access token: send it as `Authorization: Bearer <token>`."
TOKEN_INVALID = "The access token is invalid, expired or revoked."
SCOPE_MISSING = "The access token lacks the {scope} scope."
NO_SUCH_OPERATION = "No operation of Pleo's partner API answers {method} {path}."
INVALID_VALUE = "A value in the request cannot be stored."
METHOD_NOT_ALLOWED = "{path} does not answer {method}; it answers {allowed}."
BODY_TOO_LARGE = "The request body must be at most {limit:,} bytes."


def bearer_error(
    status: int, error: str | None = None, description: str = "", scope: str = ""
) -> HttpResponse:
    """RFC 6750 §3: a challenge, with no error code when no token was sent at all.

    The body is Pleo's error shape; an RFC 6750 error repeats its code and
    description under RFC 6750's names."""
    params = [f'realm="{REALM}"']
    body: dict[str, str] = {"type": error or error_type(status), "message": description or TOKEN_MISSING}
    if error:
        params.append(f'error="{error}"')
        params.append(f'error_description="{description}"')
        body.update(error=error, error_description=description)
    if scope:
        params.append(f'scope="{scope}"')
    response = JsonResponse(body, status=status)
    response["WWW-Authenticate"] = "Bearer " + ", ".join(params)
    return response


@cache
def _templates() -> tuple[tuple[re.Pattern[str], dict[str, Operation]], ...]:
    """Each path template as a pattern with its operations by method; literal paths first."""
    by_path: dict[str, dict[str, Operation]] = {}
    for operation in catalog().operations:
        by_path.setdefault(operation.path, {})[operation.method] = operation
    templates = []
    for path, operations in by_path.items():
        pattern = re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/:]+)", re.escape(path))
        templates.append((re.compile(f"^{pattern}$"), operations))
    return tuple(sorted(templates, key=lambda template: template[0].groups))


def route(method: str, path: str) -> tuple[Operation, dict[str, str]]:
    """The operation for a method and path, and the path's values.

    The most specific template that matches the path decides (`/v0/tags/archive`
    is not the tag `archive`): another method on it is 405, naming the methods it has.
    """
    for pattern, operations in _templates():
        match = pattern.match(path)
        if match is None:
            continue
        operation = operations.get(method)
        if operation is None:
            allowed = sorted(operations)
            message = METHOD_NOT_ALLOWED.format(path=path, method=method, allowed=", ".join(allowed))
            raise ApiError(405, message, allow=allowed)
        return operation, match.groupdict()
    raise ApiError(404, NO_SUCH_OPERATION.format(method=method, path=path))


@method_decorator(csrf_exempt, name="dispatch")
class CatalogApiView(OAuthLibMixin, View):
    """`/sandbox/api/<path>`: the catalog operation for the method and path, for the token's company."""

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.headers.get("Authorization", "").lower().startswith("bearer "):
            return bearer_error(401)
        # Read (and keep) the raw body first: verify_request parses a form body from the
        # stream, after which a multipart body could no longer be read as the JSON expected.
        try:
            raw_body = request.body
        except RequestDataTooBig:
            limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
            return ApiError(413, BODY_TOO_LARGE.format(limit=limit)).response()
        try:
            valid, oauth_request = self.verify_request(request)
        except MultiPartParserError:
            # django-oauth-toolkit reads a form body for a token; a broken multipart body is
            # no token and no JSON either.
            return ApiError(400, BAD_JSON).response()
        if not valid:
            return bearer_error(401, "invalid_token", TOKEN_INVALID)
        access_token = oauth_request.access_token
        try:
            # Text no database can store is refused first, whatever the path names.
            check_text(kwargs["api_path"], request.GET)
            operation, path_values = route(request.method or "", "/" + kwargs["api_path"])
            scope = operation.scope
            if scope and scope not in access_token.scope.split():
                return bearer_error(403, "insufficient_scope", SCOPE_MISSING.format(scope=scope), scope)
            check_query(operation, request.GET)
            body = parse_body(operation, raw_body)
            # A write is all or nothing; a read needs no transaction (and saves two round trips).
            with transaction.atomic() if operation.writes else nullcontext():
                call = Call(
                    operation=operation,
                    company=bearer_token_company(access_token=access_token)
                    or company_for_user(access_token.user),
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
            return ApiError(422, INVALID_VALUE, details=error.messages).response()
