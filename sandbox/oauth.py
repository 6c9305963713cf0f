"""The oauthlib server and django-oauth-toolkit validator behind the sandbox.

Pleo's rules, enforced here rather than left to DOT's defaults:
- only the authorization code grant (with refresh), never implicit/password/client
  credentials/device: the server knows no other grant or response type;
- PKCE with S256 only: a missing challenge is refused by PKCE_REQUIRED, and `plain`
  (also what a challenge without a method means, RFC 7636 §4.3) is not a known
  transform, so oauthlib answers `invalid_request` before the consent page;
- redirect URIs are matched exactly (DOT's own matcher lets loopback ports vary).
"""

from __future__ import annotations

from typing import Any

from oauth2_provider.oauth2_validators import OAuth2Validator
from oauthlib.oauth2 import WebApplicationServer
from oauthlib.oauth2.rfc6749.grant_types.authorization_code import code_challenge_method_s256

S256_ONLY = {"S256": code_challenge_method_s256}


class SandboxServer(WebApplicationServer):
    """Authorization code + refresh token + bearer tokens, PKCE S256 only."""

    def __init__(
        self,
        request_validator: Any,
        token_expires_in: Any = None,
        token_generator: Any = None,
        refresh_token_generator: Any = None,
        **kwargs: Any,  # DOT passes device-flow options this server has no use for
    ) -> None:
        super().__init__(
            request_validator,
            token_generator=token_generator,
            token_expires_in=token_expires_in,
            refresh_token_generator=refresh_token_generator,
        )
        # The same grant object serves the authorization and the token endpoint.
        self.auth_grant._code_challenge_methods = S256_ONLY


class SandboxValidator(OAuth2Validator):
    def validate_redirect_uri(
        self, client_id: str, redirect_uri: str, request: Any, *args: Any, **kwargs: Any
    ) -> bool:
        # Exact string match against the registered list (no loopback port leeway).
        return redirect_uri in request.client.redirect_uris.split()
