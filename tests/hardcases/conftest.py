"""Hard cases: fixtures shared with the OAuth client's suite, imported rather than copied."""

from __future__ import annotations

from tests.oauthclient.conftest import (  # noqa: F401  (fixtures, registered by import)
    connected,
    credential,
    dev_client,
    developer,
    expired,
    fake_server,
    pleo_via_fake,
)
