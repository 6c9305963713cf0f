"""The sandbox's HTTP endpoints: thin wrappers around DOT, services and selectors."""

from __future__ import annotations

import json
import re
import secrets
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from django import forms
from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBase, JsonResponse
from django.utils.cache import add_never_cache_headers
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.debug import sensitive_post_parameters, sensitive_variables
from django.views.decorators.http import require_GET, require_POST
from oauth2_provider import views as dot_views
from oauth2_provider.http import OAuth2ResponseRedirect
from oauth2_provider.models import get_application_model
from oauth2_provider.signals import app_authorized
from oauth2_provider.views import AuthorizationView
from oauth2_provider.views.mixins import OAuthLibMixin
from oauthlib.common import Request as OAuthlibRequest

from core.http import client_address

from . import demo, limits, selectors, services
from .edge import REALM
from .metadata import server_metadata_body
from .openapi import sandbox_openapi_document

CLIENT_AUTH_FAILED = (
    "Client authentication failed: send the client ID and secret with HTTP Basic (or in the form body)."
)
# What a token request may carry that must not show on an error page.
TOKEN_REQUEST_SECRETS = ("code", "code_verifier", "client_secret", "refresh_token", "password")
TOKEN_PARAMETER_MISSING = "The token parameter is missing."
INVALID_JSON = "The request body must be a JSON object (Content-Type: application/json)."
# /oauth/register is open to anyone: its body is bounded before it is parsed. The
# largest document the validators accept (20 redirect URIs and six other URLs of
# 2,000 characters, ten contacts, the scopes) is under 60 KB; the document nests
# two levels (an object of lists), extensions a few more.
MAX_REGISTRATION_BYTES = 64 * 1024
MAX_REGISTRATION_DEPTH = 10
BODY_TOO_LARGE = f"The client metadata document must be at most {MAX_REGISTRATION_BYTES:,} bytes."
NESTED_TOO_DEEP = f"The client metadata document must nest at most {MAX_REGISTRATION_DEPTH} levels deep."
# Over the registration limit: RFC 7591's error shape, with a code of its own.
RATE_LIMITED = "too_many_requests"
TOO_MANY_REGISTRATIONS = (
    "At most {limit} registration requests an hour come from one address: try again in {seconds} seconds."
)
CONSENT_EXPIRED = "This consent page has expired or was already answered. Start again from the application."
CONSENT_CLIENT_GONE = "The application was removed from the sandbox after this page was shown."


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


# The authorization requests a user's session has been shown a consent page for,
# by a random key that the page posts back; the newest few are kept.
PENDING_REQUESTS_KEY = "sandbox_authorization_requests"
MAX_PENDING_REQUESTS = 10


class ConsentForm(forms.Form):
    """The answer only: the request it answers is the one validated and kept when the page was shown."""

    allow = forms.BooleanField(required=False)
    authorization_request = forms.CharField(max_length=64, widget=forms.HiddenInput())


class ConsentView(AuthorizationView):
    """`/oauth/authorize`: DOT's authorization endpoint with the portal's consent page.

    DOT requires login (LOGIN_URL: the admin login); the portal user consents as a
    user of the demo company. Consent is asked every time: DOT would let an
    `approval_prompt=auto` parameter skip the page after one approval. The answer
    (Allow or Deny) applies to the authorization request validated when the page
    was shown, kept in the session: nothing the form posts (a redirect URI, a
    client ID) is trusted, and each page is answered once.
    """

    template_name = "sandbox/consent.html"
    form_class = ConsentForm

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if "approval_prompt" in request.GET:
            query = request.GET.copy()
            del query["approval_prompt"]
            request.GET = query  # type: ignore[assignment]  # a copy without the parameter
        return super().get(request, *args, **kwargs)

    def get_initial(self) -> dict[str, Any]:
        if self.request.method != "GET":
            return {}
        validated = super().get_initial()
        key = secrets.token_urlsafe(24)
        pending = dict(self.request.session.get(PENDING_REQUESTS_KEY, {}))
        pending[key] = validated
        self.request.session[PENDING_REQUESTS_KEY] = dict(list(pending.items())[-MAX_PENDING_REQUESTS:])
        return {"authorization_request": key}

    def form_valid(self, form: Any) -> HttpResponse:
        pending = dict(self.request.session.get(PENDING_REQUESTS_KEY, {}))
        validated = pending.pop(form.cleaned_data["authorization_request"], None)
        self.request.session[PENDING_REQUESTS_KEY] = pending
        if validated is None:
            return self._refused(CONSENT_EXPIRED)
        form.cleaned_data.update(validated)
        try:
            return super().form_valid(form)
        except get_application_model().DoesNotExist:
            return self._refused(CONSENT_CLIENT_GONE)

    def form_invalid(self, form: Any) -> HttpResponse:
        return self._refused(CONSENT_EXPIRED)

    def _refused(self, description: str) -> HttpResponse:
        error = {"error": "invalid_request", "description": description}
        return self.render_to_response({"error": error}, status=400)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["scope_items"] = list(
            zip(kwargs.get("scopes", []), kwargs.get("scopes_descriptions", []), strict=False)
        )
        context["company_name"] = demo.COMPANY_NAME
        return context

    @method_decorator(sensitive_variables("redirect_to"))  # it carries the authorization code
    def redirect(self, redirect_to: str, application: Any) -> HttpResponse:
        # DOT only redirects to a redirect URI it has matched against the client; the
        # allowed schemes are that client's own (DOT's global list is https only).
        if application is None:
            client_id = self.request.GET.get("client_id")
            application = get_application_model().objects.filter(client_id=client_id or "").first()
        schemes = (
            {urlsplit(uri).scheme for uri in application.redirect_uris.split()} if application else set()
        )
        return OAuth2ResponseRedirect(
            _with_iss(redirect_to, selectors.sandbox_endpoints().issuer), sorted(schemes)
        )


# What each error code means (RFC 6749 §5.2, RFC 7009 §2.2.1), for the answers oauthlib
# sends with a code alone: every refusal says which rule the request broke.
ERROR_DESCRIPTIONS = {
    "invalid_request": (
        "The request is missing a required parameter, repeats one, has an unsupported value, "
        "or is otherwise malformed (RFC 6749 §5.2)."
    ),
    "invalid_client": "Client authentication failed (RFC 6749 §5.2).",
    "invalid_grant": (
        "The authorization code or refresh token is invalid, expired or revoked, does not match "
        "the redirect URI or the PKCE verifier, or was issued to another client (RFC 6749 §5.2)."
    ),
    "unauthorized_client": "The client may not use this grant type (RFC 6749 §5.2).",
    "unsupported_grant_type": (
        "The sandbox knows the grant types authorization_code and refresh_token only (RFC 6749 §5.2)."
    ),
    "invalid_scope": "The scope is unknown, malformed, or beyond what was granted (RFC 6749 §5.2).",
    "unsupported_token_type": "The sandbox does not revoke this type of token (RFC 7009 §2.2.1).",
}


def _described(response: HttpResponseBase) -> HttpResponseBase:
    """An OAuth error answer with an `error_description` (the code's meaning when it had none)."""
    if not isinstance(response, HttpResponse) or response.status_code < 400:
        return response
    if not response.get("Content-Type", "").startswith("application/json"):
        return response
    try:
        body = json.loads(response.content)
    except ValueError:
        return response
    if (
        isinstance(body, dict)
        and body.get("error") in ERROR_DESCRIPTIONS
        and not body.get("error_description")
    ):
        body["error_description"] = ERROR_DESCRIPTIONS[body["error"]]
        response.content = json.dumps(body).encode()
    return response


@method_decorator(csrf_exempt, name="dispatch")  # as DOT's own views: clients authenticate, not cookies
class BasicChallengeMixin:
    """A failed client authentication is challenged in the scheme clients use, Basic, and
    every error answer carries a description.

    oauthlib answers `invalid_client` with a Bearer challenge, the resource
    server's scheme; RFC 6749 §5.2 and RFC 7009 §2.2.1 want the client's.
    """

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        response = super().dispatch(request, *args, **kwargs)  # type: ignore[misc]
        if response.status_code == 401:
            response["WWW-Authenticate"] = f'Basic realm="{REALM}"'
        return _described(response)


class TokenView(BasicChallengeMixin, dot_views.TokenView):
    """`/oauth/token`: DOT's token endpoint; the tokens are saved and the code spent in one
    transaction (`oauth.SandboxValidator.save_bearer_token`)."""

    @method_decorator(sensitive_post_parameters(*TOKEN_REQUEST_SECRETS))
    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return super().post(request, *args, **kwargs)

    @method_decorator(sensitive_post_parameters(*TOKEN_REQUEST_SECRETS))
    @method_decorator(sensitive_variables("headers", "body"))  # the new tokens
    def authorization_flow_token_response(
        self, request: HttpRequest, *args: Any, **kwargs: Any
    ) -> HttpResponse:
        """DOT's response; DOT reads the new access token back only to send `app_authorized`.

        With no receiver for the signal, the read is skipped; with one, DOT answers.
        """
        if app_authorized.has_listeners(self):
            return super().authorization_flow_token_response(request, *args, **kwargs)
        _url, headers, body, status = self.create_token_response(request)
        response = HttpResponse(content=body, status=status)
        for name, value in headers.items():
            response[name] = value
        return response


class RevokeTokenView(BasicChallengeMixin, dot_views.RevokeTokenView):
    """`/oauth/revoke` (RFC 7009): DOT's revocation endpoint."""

    @method_decorator(sensitive_post_parameters("token", "client_secret"))
    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return super().post(request, *args, **kwargs)


@sensitive_variables("body", "headers", "oauth_request")  # the client's credentials
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

    @method_decorator(sensitive_post_parameters("token", "client_secret"))
    @method_decorator(sensitive_variables("token"))
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


def _metadata_refused(description: str) -> HttpResponse:
    error = {"error": services.INVALID_CLIENT_METADATA, "error_description": description}
    return _no_store(JsonResponse(error, status=400))


# A JSON escape, a quote, or a bracket: enough to follow nesting outside strings.
_JSON_STRUCTURE = re.compile(rb'\\.|["\[\]{}]', re.DOTALL)


def _json_depth(body: bytes) -> int:
    """How deep `body`'s arrays and objects nest, without parsing it (which recurses).

    Exact for valid JSON, and never less than the depth a parser reaches before
    it stops at an error; linear in the length.
    """
    depth = deepest = 0
    in_string = False
    for match in _JSON_STRUCTURE.finditer(body):
        token = match.group()
        if token == b'"':
            in_string = not in_string
        elif in_string or len(token) == 2:
            continue
        elif token in (b"[", b"{"):
            depth += 1
            deepest = max(deepest, depth)
        else:
            depth -= 1
    return deepest


def _too_many_registrations(retry_after: int) -> HttpResponse:
    limit = settings.PORTAL_SANDBOX_REGISTRATIONS_PER_HOUR
    description = TOO_MANY_REGISTRATIONS.format(limit=limit, seconds=retry_after)
    response = JsonResponse({"error": RATE_LIMITED, "error_description": description}, status=429)
    response["Retry-After"] = str(retry_after)
    return _no_store(response)


@csrf_exempt
@require_POST
@sensitive_variables("client", "body")  # the new client secret
def register(request: HttpRequest) -> HttpResponse:
    """`/oauth/register` (RFC 7591): open registration, judged by the portal's validators,
    at most PORTAL_SANDBOX_REGISTRATIONS_PER_HOUR requests an hour from one address."""
    retry_after = limits.registration_retry_after(address=client_address(request))
    if retry_after is not None:
        return _too_many_registrations(retry_after)
    raw = request.read(MAX_REGISTRATION_BYTES + 1)
    if len(raw) > MAX_REGISTRATION_BYTES:
        return _metadata_refused(BODY_TOO_LARGE)
    if _json_depth(raw) > MAX_REGISTRATION_DEPTH:
        return _metadata_refused(NESTED_TOO_DEEP)
    try:
        metadata = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        metadata = None
    if not isinstance(metadata, dict):
        return _metadata_refused(INVALID_JSON)
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
    response = HttpResponse(server_metadata_body(), content_type="application/json")
    response["Access-Control-Allow-Origin"] = "*"
    return response


@require_GET
def openapi_document(request: HttpRequest) -> HttpResponse:
    """The sandbox API's OpenAPI document (`openapi.py`), readable from any origin (Swagger UI)."""
    response = JsonResponse(sandbox_openapi_document())
    response["Access-Control-Allow-Origin"] = "*"
    return response
