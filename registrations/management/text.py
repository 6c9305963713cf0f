"""Text in and out of the registrations commands: arguments a database can hold, and lines a
terminal shows as they are."""

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


def printable(text: str) -> str:
    """`text` for one line of a terminal: every character that is not printable (line
    breaks, escape sequences, bidi controls) written as its Python escape, so that what a
    file holds cannot move the cursor, colour the screen or forge a line of the report."""
    return "".join(ch if ch.isprintable() else ch.encode("unicode_escape").decode("ascii") for ch in text)
