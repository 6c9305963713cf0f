"""An OAuth 2.0 server independent of the portal's sandbox: oauthlib's own endpoints on
127.0.0.1, at Pleo's paths, with RFC 8414 metadata, PKCE, refresh, revocation and
introspection, and a small bearer-protected API. It approves every authorization
request at once (there is no user to ask) and sends `iss` with every answer.
"""

from __future__ import annotations

import json
import secrets
import threading
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from oauthlib.common import Request as OAuthlibRequest
from oauthlib.oauth2 import RequestValidator, Server

from tests.loopback import LoopbackServer


class MemoryValidator(RequestValidator):
    """oauthlib's validator over dictionaries: one confidential client, Basic auth only."""

    def __init__(
        self, *, client_id: str, client_secret: str, redirect_uris: list[str], scopes: list[str]
    ) -> None:
        self.client_id = client_id
        self.client_secret = client_secret
        self.redirect_uris = redirect_uris
        self.scopes = scopes
        self.codes: dict[str, dict[str, Any]] = {}
        self.access_tokens: dict[str, list[str]] = {}
        self.refresh_tokens: dict[str, list[str]] = {}
        self.revoked: list[str] = []

    # Clients
    def authenticate_client(self, request: OAuthlibRequest, *args: Any, **kwargs: Any) -> bool:
        # RFC 6749 §2.3.1 with HTTP Basic, as Pleo: oauthlib decodes it for us.
        auth = request.headers.get("Authorization", "")
        if not auth.startswith("Basic "):
            return False
        import base64

        user, _, password = base64.b64decode(auth[6:]).decode().partition(":")
        if (user, password) != (self.client_id, self.client_secret):
            return False
        request.client = type("Client", (), {"client_id": user})()
        return True

    def authenticate_client_id(
        self, client_id: str, request: OAuthlibRequest, *args: Any, **kwargs: Any
    ) -> bool:
        return False  # confidential client only

    def client_authentication_required(self, request: OAuthlibRequest, *args: Any, **kwargs: Any) -> bool:
        return True

    def validate_client_id(self, client_id: str, request: OAuthlibRequest, *args: Any, **kwargs: Any) -> bool:
        return client_id == self.client_id

    def validate_redirect_uri(
        self, client_id: str, redirect_uri: str, request: Any, *args: Any, **kwargs: Any
    ) -> bool:
        return redirect_uri in self.redirect_uris

    def get_default_redirect_uri(self, client_id: str, request: Any, *args: Any, **kwargs: Any) -> str:
        return self.redirect_uris[0]

    def validate_scopes(
        self, client_id: str, scopes: list[str], client: Any, request: Any, *args: Any, **kwargs: Any
    ) -> bool:
        return set(scopes) <= set(self.scopes)

    def get_default_scopes(self, client_id: str, request: Any, *args: Any, **kwargs: Any) -> list[str]:
        return list(self.scopes)

    def validate_response_type(
        self, client_id: str, response_type: str, client: Any, request: Any, *args: Any, **kwargs: Any
    ) -> bool:
        return response_type == "code"

    def validate_grant_type(
        self, client_id: str, grant_type: str, client: Any, request: Any, *args: Any, **kwargs: Any
    ) -> bool:
        return grant_type in ("authorization_code", "refresh_token")

    # Codes, with PKCE
    def is_pkce_required(self, client_id: str, request: Any) -> bool:
        return True

    def save_authorization_code(
        self, client_id: str, code: dict[str, Any], request: Any, *args: Any, **kwargs: Any
    ) -> None:
        self.codes[code["code"]] = {
            "scopes": request.scopes,
            "redirect_uri": request.redirect_uri,
            "challenge": request.code_challenge,
            "method": request.code_challenge_method,
        }

    def get_code_challenge(self, code: str, request: Any) -> str | None:
        return self.codes.get(code, {}).get("challenge")

    def get_code_challenge_method(self, code: str, request: Any) -> str | None:
        return self.codes.get(code, {}).get("method")

    def validate_code(
        self, client_id: str, code: str, client: Any, request: Any, *args: Any, **kwargs: Any
    ) -> bool:
        if code not in self.codes:
            return False
        request.scopes = self.codes[code]["scopes"]
        return True

    def confirm_redirect_uri(
        self,
        client_id: str,
        code: str,
        redirect_uri: str,
        client: Any,
        request: Any,
        *args: Any,
        **kwargs: Any,
    ) -> bool:
        return self.codes.get(code, {}).get("redirect_uri") == redirect_uri

    def invalidate_authorization_code(
        self, client_id: str, code: str, request: Any, *args: Any, **kwargs: Any
    ) -> None:
        self.codes.pop(code, None)

    # Tokens
    def save_bearer_token(self, token: dict[str, Any], request: Any, *args: Any, **kwargs: Any) -> None:
        scopes = token.get("scope", " ".join(request.scopes)).split()
        self.access_tokens[token["access_token"]] = scopes
        if "refresh_token" in token:
            self.refresh_tokens[token["refresh_token"]] = scopes

    def validate_refresh_token(
        self, refresh_token: str, client: Any, request: Any, *args: Any, **kwargs: Any
    ) -> bool:
        return refresh_token in self.refresh_tokens

    def get_original_scopes(self, refresh_token: str, request: Any, *args: Any, **kwargs: Any) -> list[str]:
        return self.refresh_tokens[refresh_token]

    def rotate_refresh_token(self, request: Any) -> bool:
        return True

    def revoke_token(
        self, token: str, token_type_hint: str | None, request: Any, *args: Any, **kwargs: Any
    ) -> None:
        self.access_tokens.pop(token, None)
        self.refresh_tokens.pop(token, None)
        self.revoked.append(token)

    def introspect_token(
        self, token: str, token_type_hint: str | None, request: Any, *args: Any, **kwargs: Any
    ) -> dict[str, Any] | None:
        scopes = self.access_tokens.get(token)
        return (
            None
            if scopes is None
            else {"scope": " ".join(scopes), "client_id": self.client_id, "token_type": "Bearer"}
        )

    def validate_bearer_token(self, token: str, scopes: list[str], request: Any) -> bool:
        granted = self.access_tokens.get(token)
        return granted is not None and set(scopes) <= set(granted)


class IndependentServer(LoopbackServer):
    """oauthlib's Server behind http.server; `api_requests` records what the API received."""

    def __init__(
        self, *, client_id: str, client_secret: str, redirect_uris: list[str], scopes: list[str]
    ) -> None:
        self.validator = MemoryValidator(
            client_id=client_id, client_secret=client_secret, redirect_uris=redirect_uris, scopes=scopes
        )
        self.oauth = Server(
            self.validator, token_generator=lambda request, refresh_token=False: secrets.token_urlsafe(24)
        )
        self.api_requests: list[dict[str, Any]] = []
        # An API path's own JSON answer (status, body), for a test that needs a particular body.
        self.api_answers: dict[str, tuple[int, Any]] = {}
        self.lock = threading.Lock()
        super().__init__()

    @property
    def issuer(self) -> str:
        return self.base_url

    def metadata(self) -> dict[str, Any]:
        return {
            "issuer": self.issuer,
            "authorization_endpoint": self.base_url + "/oauth/authorize",
            "token_endpoint": self.base_url + "/oauth/token",
            "introspection_endpoint": self.base_url + "/oauth/token/introspect",
            "revocation_endpoint": self.base_url + "/oauth/revoke",
            "response_types_supported": ["code"],
            "code_challenge_methods_supported": ["S256"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic"],
            "authorization_response_iss_parameter_supported": True,
        }

    def respond(self, handler: BaseHTTPRequestHandler) -> None:
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length).decode() if length else ""
        uri = self.base_url + handler.path
        headers = dict(handler.headers.items())
        path = urlsplit(handler.path).path
        with self.lock:
            status, out_headers, out_body = self.route(handler.command, path, uri, body, headers)
        handler.send_response(status)
        for name, value in out_headers.items():
            handler.send_header(name, value)
        payload = out_body.encode()
        handler.send_header("Content-Length", str(len(payload)))
        handler.end_headers()
        handler.wfile.write(payload)

    def route(
        self, method: str, path: str, uri: str, body: str, headers: dict[str, str]
    ) -> tuple[int, dict[str, str], str]:
        if path == "/.well-known/oauth-authorization-server":
            return 200, {"Content-Type": "application/json"}, json.dumps(self.metadata())
        if path == "/oauth/authorize":
            scopes, credentials = self.oauth.validate_authorization_request(uri, method, body, headers)
            out_headers, out_body, status = self.oauth.create_authorization_response(
                uri, method, body, headers, scopes=scopes, credentials=credentials
            )
            location = out_headers["Location"]
            out_headers["Location"] = (
                location + ("&" if "?" in location else "?") + urlencode({"iss": self.issuer})
            )
            return status, out_headers, out_body or ""
        endpoints = {
            "/oauth/token": self.oauth.create_token_response,
            "/oauth/revoke": self.oauth.create_revocation_response,
            "/oauth/token/introspect": self.oauth.create_introspect_response,
        }
        if path in endpoints:
            out_headers, out_body, status = endpoints[path](uri, method, body, headers)
            return status, dict(out_headers), out_body or ""
        if path.startswith("/api/"):
            valid, request = self.oauth.verify_request(uri, method, body, headers, scopes=[])
            self.api_requests.append({"method": method, "path": path, "body": body, "headers": headers})
            if not valid:
                return (
                    401,
                    {"WWW-Authenticate": 'Bearer error="invalid_token"', "Content-Type": "application/json"},
                    '{"error": "invalid_token"}',
                )
            if path in self.api_answers:
                status, shaped = self.api_answers[path]
                return status, {"Content-Type": "application/json"}, json.dumps(shaped)
            answer = {
                "method": method,
                "path": path,
                "query": dict(parse_qsl(urlsplit(uri).query)),
                "scopes": request.scopes,
            }
            return (
                (201 if method == "POST" else 200),
                {"Content-Type": "application/json"},
                json.dumps(answer),
            )
        return 404, {"Content-Type": "application/json"}, '{"error": "not_found"}'
