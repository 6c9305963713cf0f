"""Every response carries a strict Content-Security-Policy (the browser tests prove pages work under it)."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def directives(policy: str) -> dict[str, str]:
    return dict(part.strip().partition(" ")[::2] for part in policy.split(";") if part.strip())


@pytest.mark.parametrize(
    "path", ["/", "/admin/login/", "/dashboard/", "/sandbox/oauth/authorize", "/no-such-page/"]
)
def test_every_response_carries_the_policy(client, path):
    policy = directives(client.get(path)["Content-Security-Policy"])
    assert (policy["default-src"], policy["script-src"], policy["style-src"]) == (
        "'self'",
        "'self'",
        "'self'",
    )
    assert (policy["object-src"], policy["base-uri"], policy["frame-ancestors"]) == (
        "'none'",
        "'none'",
        "'none'",
    )
