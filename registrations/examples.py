"""An example registration: "Example Client", the one in Pleo's own example of the form.

The demo data (`load_demo_data`) creates it, and the tests pin every export to it.
Its keys are the fields of registrations.fields; the optional ones left out take
their defaults.
"""

from __future__ import annotations

from typing import Any

EXAMPLE_CLIENT: dict[str, Any] = {
    "client_name": "Example Client",
    "client_uri": "https://client.example/",
    "tos_uri": "https://client.example/legal/tos.html",
    "policy_uri": "https://client.example/legal/privacy.pdf",
    "contacts": ["name.surname@example.io"],
    "redirect_uris": ["https://oauth.pstmn.io/v1/browser-callback"],
    "scope": "users:read users:write",
    "pkce_supported": True,
    "subject_type_preference": "",
    "environment": "staging",
    "application_type": "web",
}
