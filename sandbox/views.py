"""The sandbox's HTTP endpoints: thin wrappers around DOT, services and selectors."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from django.http import HttpRequest, HttpResponse, JsonResponse
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
