"""A registration as RFC 7591 client metadata (plus the portal's keys for Pleo's extensions).

This is the JSON that `export_registration` prints, `import_registration` reads
and the sandbox's dynamic registration endpoint accepts.
"""

from __future__ import annotations

from typing import Any

from .models import Registration

# Implied by every Pleo registration (authorization code with refresh, Basic auth).
GRANT_TYPES = ["authorization_code", "refresh_token"]
RESPONSE_TYPES = ["code"]
DEFAULT_TOKEN_ENDPOINT_AUTH_METHOD = "client_secret_basic"

# Optional keys: omitted from the document when empty (an empty string is an
# error on import).
OPTIONAL_URI_KEYS = ("logo_uri", "initiation_uri", "settings_uri")


def registration_to_client_metadata(registration: Registration) -> dict[str, Any]:
    """The export document, keys in a stable order."""
    document: dict[str, Any] = {
        "client_name": registration.client_name,
        "client_uri": registration.client_uri,
    }
    if registration.logo_uri:
        document["logo_uri"] = registration.logo_uri
    document.update(
        {
            "tos_uri": registration.tos_uri,
            "policy_uri": registration.policy_uri,
            "contacts": list(registration.contacts),
            "redirect_uris": list(registration.redirect_uris),
            "scope": registration.scope,
            "grant_types": list(GRANT_TYPES),
            "response_types": list(RESPONSE_TYPES),
            "token_endpoint_auth_method": DEFAULT_TOKEN_ENDPOINT_AUTH_METHOD,
            "application_type": registration.application_type,
            # The portal's own keys (Pleo's form has them; RFC 7591 does not).
            "environment": registration.environment,
            "pkce_supported": registration.pkce_supported,
        }
    )
    if registration.subject_type_preference:
        document["subject_type_preference"] = registration.subject_type_preference
    for key in ("initiation_uri", "settings_uri"):
        value = getattr(registration, key)
        if value:
            document[key] = value
    return document
