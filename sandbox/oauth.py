"""The oauthlib server and django-oauth-toolkit validator behind the sandbox.

Pleo's rules, enforced here rather than left to DOT's defaults:
- only the authorization code grant (with refresh), never implicit/password/client
  credentials/device: the server knows no other grant or response type;
- PKCE with S256 only: a missing challenge is refused by PKCE_REQUIRED, and `plain`
  (also what a challenge without a method means, RFC 7636 §4.3) is not a known
  transform, so oauthlib answers `invalid_request` before the consent page;
- redirect URIs are matched exactly (DOT's own matcher lets loopback ports vary);
- a client authenticates only with the method it registered
  (`token_endpoint_auth_method`), and with one method per request (RFC 6749 §2.3);
- an authorization code presented a second time revokes every token issued from
  it, including those rotated from its refresh token (RFC 6749 §4.1.2);
- client secrets are hashed with sandbox.hashers; an older (PBKDF2) hash is
  replaced when the client next authenticates.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from django.contrib.auth.hashers import check_password, identify_hasher, make_password
from django.db import router, transaction
from oauth2_provider.models import (
    get_access_token_model,
    get_application_model,
    get_grant_model,
    get_refresh_token_model,
)
from oauth2_provider.oauth2_validators import OAuth2Validator
from oauth2_provider.settings import oauth2_settings
from oauthlib.oauth2 import WebApplicationServer
from oauthlib.oauth2.rfc6749.errors import CustomOAuth2Error, InvalidGrantError
from oauthlib.oauth2.rfc6749.grant_types.authorization_code import code_challenge_method_s256

from . import selectors
from .models import RedeemedAuthorizationCode

S256_ONLY = {"S256": code_challenge_method_s256}
CLIENT_SECRET_BASIC = "client_secret_basic"
CLIENT_SECRET_POST = "client_secret_post"
# Pleo's only method, and the sandbox's when a client registered none.
DEFAULT_AUTH_METHOD = CLIENT_SECRET_BASIC
RESOURCE_NOT_GRANTED = (
    "The requested resource '{resource}' is not allowed. Token request cannot escalate resource "
    "permissions beyond the original authorization grant"
)


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


def registered_auth_method(application: Any) -> str:
    sandbox_client = getattr(application, "sandbox_client", None)
    return sandbox_client.token_endpoint_auth_method if sandbox_client is not None else DEFAULT_AUTH_METHOD


def code_checksum(code: str) -> str:
    return hashlib.sha256(code.encode("utf-8")).hexdigest()


class SandboxValidator(OAuth2Validator):
    def validate_redirect_uri(
        self, client_id: str, redirect_uri: str, request: Any, *args: Any, **kwargs: Any
    ) -> bool:
        # Exact string match against the registered list (no loopback port leeway).
        return redirect_uri in request.client.redirect_uris.split()

    # Client authentication ----------------------------------------------------

    def _load_application(self, client_id: str, request: Any) -> Any:
        """DOT's lookup, with the client's registration read in the same query.

        `registered_auth_method` and the scopes backend read `application.sandbox_client`
        on every token and authorization request: without the join, a second query.
        """
        if not request.client:
            application_model = get_application_model()
            try:
                client = (
                    application_model.objects.select_related("sandbox_client")
                    .filter(client_id=client_id)
                    .first()
                )
            except ValueError:  # a NUL in the client ID (PostgreSQL refuses it): unknown, as DOT answers
                return None
            # A client described by a metadata document URL is left to DOT, which may re-fetch it.
            if client is not None and client.registration_source != application_model.RegistrationSource.CIMD:
                request.client = client
        return super()._load_application(client_id, request)

    def authenticate_client(self, request: Any, *args: Any, **kwargs: Any) -> bool:
        """The registered method only; DOT would try Basic, then fall back to the form body."""
        if self._extract_basic_auth(request):
            if getattr(request, "client_secret", None):
                return False  # a secret in the header and another in the body
            method, authenticated = CLIENT_SECRET_BASIC, self._authenticate_basic_auth(request)
        else:
            method, authenticated = CLIENT_SECRET_POST, self._authenticate_request_body(request)
        return bool(authenticated) and registered_auth_method(request.client) == method

    def _check_secret(self, provided_secret: str, stored_secret: str) -> bool:
        try:
            identify_hasher(stored_secret)
        except ValueError:  # stored unhashed (hash_client_secret off): DOT compares in constant time
            return bool(super()._check_secret(provided_secret, stored_secret))
        preferred = oauth2_settings.CLIENT_SECRET_HASHER

        def rehash(secret: str) -> None:
            # Matched on the old hash (salted, so unique): a concurrent upgrade is harmless.
            get_application_model().objects.filter(client_secret=stored_secret).update(
                client_secret=make_password(secret, hasher=preferred)
            )

        return check_password(provided_secret, stored_secret, setter=rehash, preferred=preferred)

    # Bearer tokens ---------------------------------------------------------------

    def _load_access_token(self, token: str) -> Any:
        """DOT's lookup (with the application and user), as a token whose scopes need no catalog
        read, and with the company it acts for read in the same query."""
        return selectors.bearer_token_find(token=token)

    # Saving tokens ---------------------------------------------------------------

    def save_bearer_token(self, token: Any, request: Any, *args: Any, **kwargs: Any) -> Any:
        """DOT's, with the authorization code spent in the same transaction as the tokens it buys.

        oauthlib spends the code after saving the tokens, in a step of its own
        (`invalidate_authorization_code`); done here, the token endpoint needs no
        transaction around the whole request, and a refused request (an unknown
        code, a failed client authentication) opens none.
        """
        using = router.db_for_write(get_access_token_model())
        try:
            with transaction.atomic(using=using):
                saved = self._save_bearer_token(token, request, *args, **kwargs)
                if request.grant_type == "authorization_code":
                    super().invalidate_authorization_code(request.client_id, request.code, request)
        except InvalidGrantError:
            # Another request redeemed the same code at the same moment: both are replays. Its
            # tokens are revoked once this request's are rolled back.
            _revoke_tokens_from_code(request.code, request.client)
            raise
        request.sandbox_code_spent = True
        return saved

    def _check_and_set_request_resource(self, request: Any) -> None:
        """DOT's RFC 8707 rules, on the grant already read (DOT reads it once more for this).

        DOT normalises and checks the requested resources for every grant type, and
        for a code exchange then narrows them to, or inherits them from, the grant's.
        """
        grant_type = request.grant_type
        if grant_type != "authorization_code":
            super()._check_and_set_request_resource(request)
            return
        request.grant_type = None  # DOT's rules without the grant part, which follows
        try:
            super()._check_and_set_request_resource(request)
        finally:
            request.grant_type = grant_type
        grant = self._grant(request.code, request.client, request)
        grant_resource = (grant.resource or []) if grant is not None else []
        if request.resource and grant_resource:
            for resource in request.resource:
                if resource not in grant_resource:
                    raise CustomOAuth2Error(
                        error="invalid_target",
                        description=RESOURCE_NOT_GRANTED.format(resource=resource),
                        request=request,
                    )
        elif grant_resource:
            # Stored before the authorization endpoint checked them: checked as DOT does.
            self._validate_resource_uris(request, grant_resource)
            request.resource = grant_resource

    # Authorization codes used twice ---------------------------------------------

    def _create_refresh_token(
        self, request: Any, refresh_token_code: str, access_token: Any, previous_refresh_token: Any
    ) -> Any:
        refresh_token = super()._create_refresh_token(
            request, refresh_token_code, access_token, previous_refresh_token
        )
        if request.grant_type == "authorization_code":
            RedeemedAuthorizationCode.objects.create(
                application=request.client,
                code_checksum=code_checksum(request.code),
                token_family=refresh_token.token_family,
            )
        return refresh_token

    def _grant(self, code: str, client: Any, request: Any) -> Any:
        """The grant of `code`, read once per token request (DOT reads it four times)."""
        grant = getattr(request, "sandbox_grant", None)
        if grant is None or grant.code != code or grant.application_id != client.pk:
            grant = (
                get_grant_model().objects.select_related("user").filter(code=code, application=client).first()
            )
            request.sandbox_grant = grant
        return grant

    def validate_code(
        self, client_id: str, code: str, client: Any, request: Any, *args: Any, **kwargs: Any
    ) -> bool:
        # DOT's rules, on the grant read once.
        grant = self._grant(code, client, request)
        if grant is None:
            _revoke_tokens_from_code(code, client)
            return False
        if grant.is_expired():
            return False
        request.scopes = grant.scope.split(" ")
        request.user = grant.user
        if grant.nonce:
            request.nonce = grant.nonce
        if grant.claims:
            request.claims = json.loads(grant.claims)
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
        grant = self._grant(code, client, request)
        return bool(grant is not None and grant.redirect_uri_allowed(redirect_uri))

    def get_code_challenge(self, code: str, request: Any) -> str | None:
        grant = self._grant(code, request.client, request)
        return (grant.code_challenge or None) if grant is not None else None

    def get_code_challenge_method(self, code: str, request: Any) -> str | None:
        grant = self._grant(code, request.client, request)
        return (grant.code_challenge_method or None) if grant is not None else None

    def invalidate_authorization_code(
        self, client_id: str, code: str, request: Any, *args: Any, **kwargs: Any
    ) -> None:
        # Spent with the tokens (save_bearer_token).
        if not getattr(request, "sandbox_code_spent", False):
            super().invalidate_authorization_code(client_id, code, request, *args, **kwargs)


def _revoke_tokens_from_code(code: str, client: Any) -> None:
    families = RedeemedAuthorizationCode.objects.filter(
        application=client, code_checksum=code_checksum(code)
    ).values_list("token_family", flat=True)
    for family in families:
        get_refresh_token_model().revoke_family(family)
