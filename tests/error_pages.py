"""Forcing a server error with DEBUG on, and reading the page Django shows a developer.

`error_page` makes the callable at `fail` (a dotted path the view reaches) raise,
sends the request through a test client that answers the error instead of raising
it, and returns the page. `assert_shows_none` then looks for each secret as typed
and as URL-encoding writes it (pass a Basic header's base64 value as a secret too).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from unittest import mock
from urllib.parse import quote, quote_plus

from django.test import Client

FORCED = "forced failure for the error-page test"


class ForcedError(Exception):
    """Raised where the test wants the view to fail."""


def error_page(client: Client, *, method: str, url: str, fail: str, settings: Any, **request: Any) -> str:
    settings.DEBUG = True
    client.raise_request_exception = False
    with mock.patch(fail, side_effect=ForcedError(FORCED)):
        response = getattr(client, method.lower())(url, **request)
    assert response.status_code == 500, response.status_code
    page = response.content.decode()
    assert FORCED in page, "the page is not Django's debug page for the forced error"
    return page


def assert_shows_none(page: str, secrets: Iterable[str]) -> None:
    shown = [
        secret
        for secret in secrets
        if any(form in page for form in (secret, quote(secret, safe=""), quote_plus(secret)))
    ]
    assert shown == [], f"the error page shows {len(shown)} of the secrets"
