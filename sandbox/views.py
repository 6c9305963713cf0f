"""The sandbox's HTTP endpoints: thin wrappers around DOT, services and selectors."""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from django.http import HttpRequest, HttpResponse, HttpResponseBase, JsonResponse
from django.utils.cache import add_never_cache_headers
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST
from oauth2_provider.http import OAuth2ResponseRedirect
from oauth2_provider.models import get_application_model
from oauth2_provider.views import AuthorizationView
from oauth2_provider.views.mixins import OAuthLibMixin
from oauthlib.common import Request as OAuthlibRequest

from . import demo, selectors, services

REALM = "sandbox"
CLIENT_AUTH_FAILED = (
    "Client authentication failed: send the client ID and secret with HTTP Basic (or in the form body)."
)
TOKEN_PARAMETER_MISSING = "The token parameter is missing."
INVALID_JSON = "The request body must be a JSON object (Content-Type: application/json)."
TOKEN_INVALID = "The access token is invalid, expired or revoked."
SCOPE_MISSING = "The access token lacks the {scope} scope."
BAD_LIMIT = "limit must be an integer from 1 to {max}."
BAD_OFFSET = "offset must be a non-negative integer."
BAD_CURSOR = "before/after must be a cursor from a previous page."
PAGING_CONFLICT = "Use only one of offset, before and after."

DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100


def _no_store(response: HttpResponse) -> HttpResponse:
    # Credentials and token facts must not be cached anywhere (RFC 6749 §5.1).
    add_never_cache_headers(response)
    response["Pragma"] = "no-cache"
    return response


def _with_iss(uri: str, issuer: str) -> str:
    """RFC 9207: the issuer on every authorization response, success or error."""
    parts = urlsplit(uri)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "iss"]
    query.append(("iss", issuer))
    return urlunsplit(parts._replace(query=urlencode(query)))


class ConsentView(AuthorizationView):
    """`/oauth/authorize`: DOT's authorization endpoint with the portal's consent page.

    DOT requires login (LOGIN_URL: the admin login); the portal user consents as a
    user of the demo company.
    """

    template_name = "sandbox/consent.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["scope_items"] = list(
            zip(kwargs.get("scopes", []), kwargs.get("scopes_descriptions", []), strict=False)
        )
        context["company_name"] = demo.COMPANY_NAME
        return context

    def redirect(self, redirect_to: str, application: Any) -> HttpResponse:
        # DOT only redirects to a redirect URI it has matched against the client; the
        # allowed schemes are that client's own (DOT's global list is https only).
        if application is None:
            client_id = self.request.POST.get("client_id") or self.request.GET.get("client_id")
            application = get_application_model().objects.filter(client_id=client_id or "").first()
        schemes = (
            {urlsplit(uri).scheme for uri in application.redirect_uris.split()} if application else set()
        )
        return OAuth2ResponseRedirect(
            _with_iss(redirect_to, selectors.sandbox_endpoints().issuer), sorted(schemes)
        )


def _authenticated_client(view: OAuthLibMixin, request: HttpRequest) -> Any:
    """The client authenticated by HTTP Basic or form-body credentials, or None."""
    core = view.get_oauthlib_core()
    uri, method, body, headers = core._extract_params(request)
    oauth_request = OAuthlibRequest(uri, method, body, headers)
    if core.server.request_validator.authenticate_client(oauth_request):
        return oauth_request.client
    return None


@method_decorator(csrf_exempt, name="dispatch")
class IntrospectView(OAuthLibMixin, View):
    """`/oauth/token/introspect` (RFC 7662): Basic auth client, `token`, `token_type_hint`."""

    http_method_names = ["post"]

    def post(self, request: HttpRequest) -> HttpResponse:
        client = _authenticated_client(self, request)
        if client is None:
            response = JsonResponse(
                {"error": "invalid_client", "error_description": CLIENT_AUTH_FAILED}, status=401
            )
            response["WWW-Authenticate"] = f'Basic realm="{REALM}"'
            return _no_store(response)
        token = request.POST.get("token")
        if not token:
            return _no_store(
                JsonResponse(
                    {"error": "invalid_request", "error_description": TOKEN_PARAMETER_MISSING}, status=400
                )
            )
        claims = selectors.token_introspect(
            token=token, token_type_hint=request.POST.get("token_type_hint"), client=client
        )
        return _no_store(JsonResponse(claims))


@csrf_exempt
@require_POST
def register(request: HttpRequest) -> HttpResponse:
    """`/oauth/register` (RFC 7591): open registration, judged by the portal's validators."""
    try:
        metadata = json.loads(request.body)
    except (ValueError, UnicodeDecodeError):
        metadata = None
    if not isinstance(metadata, dict):
        error = {"error": services.INVALID_CLIENT_METADATA, "error_description": INVALID_JSON}
        return _no_store(JsonResponse(error, status=400))
    try:
        client = services.sandbox_client_register(metadata=metadata)
    except services.SandboxRegistrationError as exc:
        return _no_store(JsonResponse({"error": exc.error, "error_description": exc.description}, status=400))
    body = {
        "client_id": client.client_id,
        "client_secret": client.client_secret,
        "client_id_issued_at": client.client_id_issued_at,
        "client_secret_expires_at": 0,
        **client.metadata,
    }
    return _no_store(JsonResponse(body, status=201))


@require_GET
def server_metadata(request: HttpRequest) -> HttpResponse:
    """RFC 8414 authorization server metadata for the issuer PORTAL_BASE_URL/sandbox."""
    response = JsonResponse(selectors.sandbox_server_metadata())
    response["Access-Control-Allow-Origin"] = "*"
    return response


# --- the sandbox API --------------------------------------------------------------


def _bearer_error(
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


class SandboxApiView(OAuthLibMixin, View):
    """A bearer-protected API resource; `required_scope` is enforced (403 insufficient_scope)."""

    http_method_names = ["get"]
    required_scope = ""

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.headers.get("Authorization", "").lower().startswith("bearer "):
            return _bearer_error(401)
        valid, oauth_request = self.verify_request(request)
        if not valid:
            return _bearer_error(401, "invalid_token", TOKEN_INVALID)
        self.access_token = oauth_request.access_token
        if self.required_scope and self.required_scope not in self.access_token.scope.split():
            return _bearer_error(
                403,
                "insufficient_scope",
                SCOPE_MISSING.format(scope=self.required_scope),
                self.required_scope,
            )
        return super().dispatch(request, *args, **kwargs)


class ApiIntrospectView(SandboxApiView):
    """`GET /api/v1/introspect`: the token's client, scopes and subject (any scope)."""

    def get(self, request: HttpRequest) -> HttpResponse:
        return JsonResponse(selectors.token_api_introspection(access_token=self.access_token))


def _encode_cursor(index: int) -> str:
    return base64.urlsafe_b64encode(f"employee:{index}".encode()).decode()


def _decode_cursor(cursor: str) -> int:
    try:
        prefix, _, index = base64.urlsafe_b64decode(cursor.encode()).decode().partition(":")
        if prefix != "employee" or not index.isdigit():
            raise ValueError(cursor)
        return int(index)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise ValueError(BAD_CURSOR) from None


def _page_bounds(params: Any, total: int) -> tuple[int, int]:
    """(start, limit) from Pleo-style `limit` + one of `offset`, `after`, `before`."""
    raw_limit = params.get("limit", str(DEFAULT_PAGE_SIZE))
    if not raw_limit.isdigit() or not 1 <= int(raw_limit) <= MAX_PAGE_SIZE:
        raise ValueError(BAD_LIMIT.format(max=MAX_PAGE_SIZE))
    limit = int(raw_limit)
    given = [key for key in ("offset", "after", "before") if key in params]
    if len(given) > 1:
        raise ValueError(PAGING_CONFLICT)
    if "after" in params:
        return _decode_cursor(params["after"]) + 1, limit
    if "before" in params:
        end = _decode_cursor(params["before"])
        return max(end - limit, 0), min(limit, end)
    raw_offset = params.get("offset", "0")
    if not raw_offset.isdigit():
        raise ValueError(BAD_OFFSET)
    return int(raw_offset), limit


class EmployeesView(SandboxApiView):
    """`GET /api/v2/employees` (needs users:read): the demo company's employees, paginated like Pleo."""

    required_scope = "users:read"

    def get(self, request: HttpRequest) -> HttpResponse:
        everyone = demo.employees()
        try:
            start, limit = _page_bounds(request.GET, len(everyone))
        except ValueError as exc:
            return JsonResponse({"error": "invalid_request", "error_description": str(exc)}, status=400)
        page = everyone[start : start + limit]
        end = start + len(page)
        pagination = {
            "currentRequestPagination": {
                "parameters": {},
                "limit": limit,
                "offset": start,
                "sortingKeys": ["code"],
                "sortingOrder": ["ASC"],
            },
            "hasPreviousPage": start > 0,
            "hasNextPage": end < len(everyone),
            "startCursor": _encode_cursor(start) if page else None,
            "endCursor": _encode_cursor(end - 1) if page else None,
            "total": len(everyone),
        }
        return JsonResponse({"data": [employee.as_api() for employee in page], "pagination": pagination})


@method_decorator(csrf_exempt, name="dispatch")  # a bearer-token API, no cookies
class AccountSearchView(SandboxApiView):
    """`POST /api/v1/chart-of-accounts:search` (needs accounts:read): a JSON search body.

    The demo company keeps no chart of accounts yet, so every valid search finds an
    empty page, in Pleo's envelope; a body that is not a JSON object is a 400.
    """

    http_method_names = ["post"]
    required_scope = "accounts:read"

    def post(self, request: HttpRequest) -> HttpResponse:
        try:
            criteria = json.loads(request.body or b"{}")
        except (ValueError, RecursionError):
            criteria = None
        if not isinstance(criteria, dict):
            return JsonResponse({"error": "invalid_request", "error_description": INVALID_JSON}, status=400)
        pagination = {
            "currentRequestPagination": {"parameters": {}},
            "hasPreviousPage": False,
            "hasNextPage": False,
            "startCursor": None,
            "endCursor": None,
            "total": 0,
        }
        return JsonResponse({"data": [], "pagination": pagination})
