"""Contacts: bare email addresses at a dotted domain name."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator

from .common import shown

CONTACTS_REQUIRED = "Add at least one contact email address."
CONTACTS_NOT_A_LIST = "Contacts must be a list of email addresses."
CONTACT_INVALID = (
    "“{contact}” is not a bare email address (no display name, no mailto:, one address per entry)."
)
CONTACT_DOMAIN_NOT_DOTTED = "“{contact}” needs a full domain with a dot, e.g. name@company.example."
CONTACT_IP_DOMAIN = "“{contact}” has an IP address as its domain: use an address at a domain name."
CONTACT_DUPLICATE = "“{contact}” is listed more than once."

_email_validator = EmailValidator()


def validate_contacts(contacts: Any) -> None:
    """Each entry one bare address at a dotted domain name; entries named in errors."""
    if not isinstance(contacts, list):
        raise ValidationError(CONTACTS_NOT_A_LIST)
    if not contacts:
        raise ValidationError(CONTACTS_REQUIRED)
    errors: list[str] = []
    seen: set[str] = set()
    for contact in contacts:
        if not isinstance(contact, str):
            errors.append(CONTACT_INVALID.format(contact=shown(contact)))
            continue
        try:
            # Also refuses surrounding whitespace, a display name and a mailto: prefix.
            _email_validator(contact)
        except ValidationError:
            errors.append(CONTACT_INVALID.format(contact=shown(contact)))
            continue
        domain = contact.rsplit("@", 1)[1]
        if domain.startswith("["):
            errors.append(CONTACT_IP_DOMAIN.format(contact=contact))
            continue
        if "." not in domain.strip("."):
            errors.append(CONTACT_DOMAIN_NOT_DOTTED.format(contact=contact))
            continue
        if contact.lower() in seen:
            errors.append(CONTACT_DUPLICATE.format(contact=contact))
            continue
        seen.add(contact.lower())
    if errors:
        raise ValidationError(errors)
