"""Read-only answers about sandbox tokens (introspection) and the sandbox's own metadata."""

from __future__ import annotations

import calendar
import datetime
import hashlib
from functools import cache
from typing import Any

from django.db import connection, models
from django.db.models.expressions import RawSQL
from oauth2_provider.models import get_access_token_model, get_refresh_token_model

from core.servers import CredentialServer, ServerEndpoints, server_endpoints
from registrations.metadata import GRANT_TYPES, RESPONSE_TYPES, TOKEN_ENDPOINT_AUTH_METHODS

from . import demo
from .models import BearerAccessToken, SandboxCompany
from .scopes import CatalogScopes

REFRESH_TOKEN_HINT = "refresh_token"
AUTH_METHODS = list(TOKEN_ENDPOINT_AUTH_METHODS)
REGISTER_PATH = "/oauth/register"
OPENAPI_PATH = "/openapi.json"


def sandbox_endpoints() -> ServerEndpoints:
    """The sandbox's entry in the portal's endpoint table (follows PORTAL_BASE_URL)."""
    return server_endpoints(CredentialServer.SANDBOX)


def sandbox_server_metadata() -> dict[str, Any]:
    """RFC 8414 authorization server metadata: what the sandbox actually accepts."""
    endpoints = sandbox_endpoints()
    return {
        "issuer": endpoints.issuer,
        "authorization_endpoint": endpoints.authorization_endpoint,
        "token_endpoint": endpoints.token_endpoint,
        "introspection_endpoint": endpoints.introspection_endpoint,
        "revocation_endpoint": endpoints.revocation_endpoint,
        "registration_endpoint": endpoints.auth_base_url + REGISTER_PATH,
        "scopes_supported": sorted(CatalogScopes().get_all_scopes()),
        "response_types_supported": list(RESPONSE_TYPES),
        "response_modes_supported": ["query"],
        "grant_types_supported": list(GRANT_TYPES),
        "token_endpoint_auth_methods_supported": AUTH_METHODS,
        "introspection_endpoint_auth_methods_supported": AUTH_METHODS,
        "revocation_endpoint_auth_methods_supported": AUTH_METHODS,
        "code_challenge_methods_supported": ["S256"],
        "authorization_response_iss_parameter_supported": True,
        # The API's OpenAPI document: what a developer needs to call it (RFC 8414 §2).
        "service_documentation": endpoints.auth_base_url + OPENAPI_PATH,
    }


def _checksum(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _timestamp(value: Any) -> int:
    return int(calendar.timegm(value.utctimetuple()))


def _access_token_claims(token: str, client: Any) -> dict[str, Any] | None:
    access_token = (
        get_access_token_model()
        .objects.select_related("application", "user")
        .filter(token_checksum=_checksum(token))
        .first()
    )
    if access_token is None or access_token.application_id != client.pk or not access_token.is_valid():
        return None
    return {
        "active": True,
        "scope": access_token.scope,
        "client_id": client.client_id,
        "username": access_token.user.get_username() if access_token.user else None,
        "token_type": "Bearer",
        "exp": _timestamp(access_token.expires),
        "iat": _timestamp(access_token.created),
        "sub": demo.COMPANY_SUBJECT,
        "iss": sandbox_endpoints().issuer,
    }


def _refresh_token_claims(token: str, client: Any) -> dict[str, Any] | None:
    refresh_token = (
        get_refresh_token_model()
        .objects.select_related("access_token", "user")
        .filter(token_checksum=_checksum(token), revoked__isnull=True)
        .first()
    )
    # A live refresh token always has its access token (DOT rejects orphans too).
    if (
        refresh_token is None
        or refresh_token.application_id != client.pk
        or refresh_token.access_token is None
    ):
        return None
    return {
        "active": True,
        "scope": refresh_token.access_token.scope,
        "client_id": client.client_id,
        "username": refresh_token.user.get_username() if refresh_token.user else None,
        "iat": _timestamp(refresh_token.created),
        "sub": demo.COMPANY_SUBJECT,
        "iss": sandbox_endpoints().issuer,
    }


def token_introspect(*, token: str, token_type_hint: str | None, client: Any) -> dict[str, Any]:
    """RFC 7662: about a token of the calling client; any other token is inactive.

    The hint only orders the lookups (§2.1 lets the server search further).
    """
    lookups = [_access_token_claims, _refresh_token_claims]
    if token_type_hint == REFRESH_TOKEN_HINT:
        lookups.reverse()
    for lookup in lookups:
        claims = lookup(token, client)
        if claims is not None:
            return {key: value for key, value in claims.items() if value is not None}
    return {"active": False}


_COMPANY_SQL = (
    "COALESCE((SELECT c.{id} FROM {company} c JOIN {members} m ON m.{member_company} = c.{id} "
    "WHERE m.{member_user} = {token}.{token_user} ORDER BY c.{created}, c.{id} LIMIT 1), "
    "(SELECT d.{id} FROM {company} d WHERE d.{id} = %s))"
)


@cache
def _company_sql() -> str:
    """The token user's first sandbox company (by creation), else the demo company: one expression.

    Written out rather than as ORM subqueries: compiling those on every API call
    costs more than the query they save, and PostgreSQL plans this one faster.
    """
    company = SandboxCompany._meta
    members = SandboxCompany.members.through._meta
    token = BearerAccessToken._meta

    def quote(name: str | None) -> str:
        return connection.ops.quote_name(str(name))

    # Only the models' own table and column names, quoted; the one value is a parameter.
    return _COMPANY_SQL.format(
        company=quote(company.db_table),
        id=quote(company.pk.column),
        created=quote(company.get_field("created_at").column),
        members=quote(members.db_table),
        member_company=quote(members.get_field("sandboxcompany").column),
        member_user=quote(members.get_field("user").column),
        token=quote(token.db_table),
        token_user=quote(token.get_field("user").column),
    )


def bearer_token_find(*, token: str) -> BearerAccessToken | None:
    """The access token `token`, with its application, its user and the ID of the company it acts
    for (see `company_for_user`): one query.

    Nothing of it is cached: a revoked or expired token is refused on its next request.
    """
    demo_id = models.UUIDField().get_db_prep_value(demo.COMPANY_ID, connection)
    company = RawSQL(_company_sql(), [demo_id], output_field=models.UUIDField())  # noqa: S611 (see _company_sql)
    found = list(
        BearerAccessToken.objects.select_related("application", "user")
        .annotate(sandbox_company_id=company)
        # The checksum is unique: no ordering needed (DOT's first() orders by ID).
        .filter(token_checksum=_checksum(token))[:1]
    )
    return found[0] if found else None


def bearer_token_company(*, access_token: Any) -> SandboxCompany | None:
    """The company read with `access_token` by `bearer_token_find`; None if there was none to read
    (no company of the user's and the demo company not created yet)."""
    company_id = getattr(access_token, "sandbox_company_id", None)
    if company_id is None:
        return None
    # Its other fields stay deferred, as with .only("id"): a call reads none of them.
    return SandboxCompany.from_db(access_token._state.db, ["id"], [company_id])


def token_api_introspection(*, access_token: Any) -> dict[str, Any]:
    """`GET /api/v1/introspect`: who the token acts for, as Pleo's answers."""
    application = access_token.application
    return {
        "client_id": application.client_id,
        "application_name": application.name,
        "scopes": access_token.scope.split(),
        "subject": demo.COMPANY_SUBJECT,
        "company": {"id": str(demo.COMPANY_ID), "name": demo.COMPANY_NAME},
        "expires_at": access_token.expires.astimezone(datetime.UTC).isoformat(),
    }
