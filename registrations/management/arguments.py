"""What the registrations commands check in their arguments before using them."""

from __future__ import annotations

from django.core.management.base import CommandError

from core.text import unstorable_reason

OPTION_UNSTORABLE = "{option}: {reason}"


def storable_argument(value: str, *, option: str) -> str:
    """`value` when it is text a database can hold, else CommandError in the storable-text
    rule's words. A command line has no NUL, but bytes that are not UTF-8 reach Python as
    unpaired surrogates, which no database query can carry."""
    reason = unstorable_reason(value)
    if reason:
        raise CommandError(OPTION_UNSTORABLE.format(option=option, reason=reason))
    return value
