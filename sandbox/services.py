"""Register and remove sandbox clients, in process.

Both the RFC 7591 endpoint (`/sandbox/oauth/register`) and the portal's "issue
sandbox credentials" use these, so a client registered either way is the same
and the portal never calls its own HTTP endpoints (a single worker would
deadlock). The document is decoded by the portal's RFC 7591 codec in its
dynamic-registration mode (registrations.metadata: what it accepts beyond the
import is listed there) and judged by the same rules as the admin and import.
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.views.decorators.debug import sensitive_variables
from oauth2_provider.models import get_application_model

from core.text import json_unstorable_reason
from registrations.fields import EDITABLE_FIELDS
from registrations.metadata import DYNAMIC_REGISTRATION, GRANT_TYPES, RESPONSE_TYPES
from registrations.models import Registration
from registrations.services.registration import registration_check_metadata

from .models import SandboxClient

# RFC 7591 §3.2.2 error codes.
INVALID_REDIRECT_URI = "invalid_redirect_uri"
INVALID_CLIENT_METADATA = "invalid_client_metadata"

NOT_AN_OBJECT = "The client metadata must be a JSON object."
# Bounds on a document sent to the open registration endpoint (its body size is
# bounded in views.py): longer lists are refused as invalid_client_metadata.
MAX_REDIRECT_URIS = 20
MAX_CONTACTS = 10
MAX_PROFILE_LIST_ITEMS = 10  # grant_types, response_types
LIST_TOO_LONG = "{key}: at most {limit} entries."
LIST_LIMITS = {
    "redirect_uris": MAX_REDIRECT_URIS,
    "contacts": MAX_CONTACTS,
    "grant_types": MAX_PROFILE_LIST_ITEMS,
    "response_types": MAX_PROFILE_LIST_ITEMS,
}


class SandboxRegistrationError(Exception):
    """A client metadata document the sandbox refuses (an RFC 7591 error)."""

    def __init__(self, error: str, description: str) -> None:
        super().__init__(description)
        self.error = error
        self.description = description


@dataclass(frozen=True)
class SandboxClientRegistration:
    client_id: str
    client_secret: str  # plaintext: DOT keeps only a hash, so this is the one chance to show it
    client_id_issued_at: int
    metadata: dict[str, Any]


def _metadata_error(message: str) -> SandboxRegistrationError:
    return SandboxRegistrationError(INVALID_CLIENT_METADATA, message)


def _check_list_lengths(metadata: Mapping[str, Any]) -> None:
    for key, limit in LIST_LIMITS.items():
        value = metadata.get(key)
        if isinstance(value, list) and len(value) > limit:
            raise _metadata_error(LIST_TOO_LONG.format(key=key, limit=limit))


def _describe(errors: Mapping[str, list[str]]) -> str:
    return " ".join(f"{field}: {message}" for field, messages in errors.items() for message in messages)


def sandbox_client_metadata_validate(metadata: Any) -> tuple[Registration, str]:
    """Judge a client metadata document; raises SandboxRegistrationError.

    Returns the (unsaved) registration it describes and its token endpoint auth method."""
    if not isinstance(metadata, Mapping):
        raise _metadata_error(NOT_AN_OBJECT)
    # Text no database can store is refused whole, before any rule reads it.
    reason = json_unstorable_reason(dict(metadata))
    if reason:
        raise _metadata_error(reason)
    _check_list_lengths(metadata)
    checked = registration_check_metadata(document=metadata, mode=DYNAMIC_REGISTRATION)
    errors = checked.errors
    if "redirect_uris" in errors:
        raise SandboxRegistrationError(
            INVALID_REDIRECT_URI, _describe({"redirect_uris": errors["redirect_uris"]})
        )
    if errors:
        raise _metadata_error(_describe(errors))
    return checked.check.registration, checked.auth_method


@sensitive_variables("client_secret", "application")
@transaction.atomic
def sandbox_client_register(
    *, metadata: Any, extra_redirect_uris: Iterable[str] = ()
) -> SandboxClientRegistration:
    """Register a confidential authorization-code client in the sandbox.

    `extra_redirect_uris` come from the portal itself (its dashboard callback) and
    are trusted: they are added after validation, so an http loopback callback in
    development does not fail a production registration's stricter rules.
    """
    registration, auth_method = sandbox_client_metadata_validate(metadata)
    redirect_uris = list(registration.redirect_uris)
    redirect_uris += [uri for uri in dict.fromkeys(extra_redirect_uris) if uri not in redirect_uris]

    client_id = str(uuid.uuid4())  # Pleo's client IDs are UUIDs
    client_secret = secrets.token_hex(32)
    application_model = get_application_model()
    application = application_model(
        client_id=client_id,
        client_secret=client_secret,  # hashed by save()
        hash_client_secret=True,
        client_type=application_model.CLIENT_CONFIDENTIAL,
        authorization_grant_type=application_model.GRANT_AUTHORIZATION_CODE,
        name=registration.client_name,
        redirect_uris=" ".join(redirect_uris),
        skip_authorization=False,
    )
    application.save()

    # Only what the sandbox understands is registered and echoed (RFC 7591 §2).
    registered = {key: metadata[key] for key in EDITABLE_FIELDS if key in metadata}
    registered.update(
        {
            "client_name": registration.client_name,
            "redirect_uris": redirect_uris,
            "scope": registration.scope,
            "grant_types": list(GRANT_TYPES),
            "response_types": list(RESPONSE_TYPES),
            "token_endpoint_auth_method": auth_method,
        }
    )
    sandbox_client = SandboxClient.objects.create(
        application=application,
        scope=registration.scope,
        token_endpoint_auth_method=auth_method,
        metadata=registered,
    )
    return SandboxClientRegistration(
        client_id=client_id,
        client_secret=client_secret,
        client_id_issued_at=int(sandbox_client.created_at.timestamp()),
        metadata=registered,
    )


@transaction.atomic
def sandbox_client_delete(*, client_ids: Iterable[str]) -> int:
    """Remove sandbox clients; their grants and tokens go with them. Returns how many."""
    ids = [client_id for client_id in client_ids if client_id]
    if not ids:
        return 0
    application_model = get_application_model()
    _total, per_model = application_model.objects.filter(client_id__in=ids).delete()
    return per_model.get(application_model._meta.label, 0)
