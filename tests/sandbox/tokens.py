"""Sandbox access tokens made straight in the database, for tests that only call the API."""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any

import requests
from django.utils import timezone
from oauth2_provider.models import get_access_token_model, get_application_model

from core.pleo_api import catalog
from tests.factories import make_user


def make_api_token(
    *, scopes: tuple[str, ...] | None = None, user: Any = None, application: Any = None
) -> str:
    """A live bearer token, with every catalog scope unless `scopes` says otherwise.

    Of `user` (by default a new one, who acts for the demo company) and issued to
    `application` (by default a new client).
    """
    user = user or make_user()
    application = application or get_application_model().objects.create(
        name="API tests",
        user=user,
        client_type="confidential",
        authorization_grant_type="authorization-code",
        redirect_uris="https://client.example/oauth/callback",
    )
    token = secrets.token_urlsafe(32)
    get_access_token_model().objects.create(
        user=user,
        application=application,
        token=token,
        expires=timezone.now() + timedelta(hours=1),
        scope=" ".join(catalog().scope_names if scopes is None else scopes),
    )
    return token


def bearer_session(token: str) -> requests.Session:
    """A requests session that sends `token` as its bearer."""
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {token}"
    return session
