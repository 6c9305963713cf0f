"""What the registration fuzz tests share: Hypothesis settings, text strategies, registrations
(valid ones, and any a database can hold), and the catalogue of the rules' messages that every
error shown must come from."""

from __future__ import annotations

import re
import string
from collections.abc import Iterable
from functools import cache
from types import ModuleType
from typing import Any

from django import forms
from django.forms import formsets
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

import core.text
from registrations import deadlines, importing, metadata
from registrations.management.commands import import_registration
from registrations.validators import (
    common,
    contacts,
    credentials,
    redirect_uris,
    report,
    scopes,
    uris,
)
from registrations.validators import (
    text as text_rules,
)

# Reproducible in CI: the same examples on every run, nothing written to .hypothesis/.
# The examples run inside one test's database transaction; each checks its own effect,
# so rows left by earlier examples do not matter.
CI = settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    database=None,
    print_blob=False,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

# Characters that have broken parsers and databases before, mixed into arbitrary Unicode:
# NUL and other controls, unpaired surrogates, bidi overrides, BOM, line separators, astral.
AWKWARD = ["\x00", "\x1f", "\x7f", "\x85", "\ud800", "\udfff", "\u202e", "\ufeff", "\u2028", "\n", "\r", "😀"]
UNSTORABLE = ("\x00", "\ud800", "\udfff")


def _with_one_of(characters: list[str], around: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    # Built around one drawn character: Hypothesis merges a one_of of character strategies
    # into a single alphabet, where a handful of awkward ones would almost never be drawn.
    return st.builds(
        lambda before, ch, after: before + ch + after, around, st.sampled_from(characters), around
    )


def text(*, surrogates: bool = True, max_size: int = 40) -> st.SearchStrategy[str]:
    """Arbitrary text, half of it holding an awkward character. A browser's form post is
    UTF-8, which cannot carry unpaired surrogates: `surrogates=False` for what goes through HTTP."""
    awkward = AWKWARD if surrogates else [ch for ch in AWKWARD if not 0xD800 <= ord(ch) <= 0xDFFF]
    anything = st.text(
        st.characters(exclude_categories=() if surrogates else ("Cs",)), max_size=max_size // 2
    )
    return st.one_of(anything, _with_one_of(awkward, anything))


def printable(characters: list[str], *, max_size: int = 80) -> st.SearchStrategy[str]:
    """Non-empty text without control characters, two thirds of it holding one of `characters`."""
    around = st.text(st.characters(exclude_categories=("Cc",)), max_size=max_size // 2)
    special = _with_one_of(characters, around)
    return st.one_of(around.filter(bool), special, special)


def storable_text(*, max_size: int = 40) -> st.SearchStrategy[str]:
    """Any text a database can hold: control characters, line breaks, bidi, astral, but no
    NUL and no unpaired surrogate."""
    awkward = [ch for ch in AWKWARD if ch not in UNSTORABLE]
    anything = st.text(
        st.characters(exclude_categories=("Cs",), exclude_characters="\x00"), max_size=max_size
    )
    return st.one_of(anything, _with_one_of(awkward, anything))


# --- registrations -------------------------------------------------------------------

# Scopes the migrations put in the catalog, for staging and production.
CATALOG_SCOPES = ("users:read", "users:write", "accounts:read", "export-jobs:write", "vendors:read")
_LABEL = st.text(string.ascii_lowercase + string.digits, min_size=1, max_size=12)
_HOST = st.lists(_LABEL, min_size=1, max_size=3).map(lambda labels: ".".join([*labels, "example"]))
# Unreserved characters, sub-delimiters and percent-encoded octets (RFC 3986).
_PATH_SEGMENT = st.lists(
    st.one_of(
        st.sampled_from(string.ascii_letters + string.digits + "-._~!$&'()+,;=:@"),
        st.sampled_from(["%20", "%C3%A6", "%25"]),
    ),
    max_size=8,
).map("".join)
# Dot segments are not canonical: a redirect URI may not hold them.
_PATH = st.lists(_PATH_SEGMENT.filter(lambda s: s not in (".", "..")), max_size=3).map(
    lambda segments: "/" + "/".join(segments)
)
HTTPS_URI = st.builds(lambda host, path: f"https://{host}{path}", _HOST, _PATH)
_LOCAL_PART = st.builds(
    lambda first, rest: first + rest,
    st.sampled_from(["", "=", "+", "-"]),
    st.text(string.ascii_lowercase + string.digits + ".", min_size=1, max_size=10).filter(
        lambda s: not s.startswith(".") and not s.endswith(".") and ".." not in s
    ),
)
EMAIL = st.builds(lambda local, host: f"{local}@{host}", _LOCAL_PART, _HOST)
# Pieces of Markdown, HTML and Postman syntax, which a client name may hold as plain text.
SYNTAX = ["[", "](", ")", "![", "*", "_", "`", "~~", "|", "\\", "<b>", "</b>", "&amp;", "{{", "}}", "#", "> "]
# Free text a client name may hold: any printable character of any script, bidi and line
# separators, astral; mixed with pieces of syntax, words and URLs.
CLIENT_NAME = (
    st.lists(
        st.one_of(
            st.sampled_from([*SYNTAX, "name", "javascript:alert(1)", "https://a.example/", " "]),
            st.text(st.characters(exclude_categories=("Cc", "Cs")), min_size=1, max_size=6),
        ),
        min_size=1,
        max_size=10,
    )
    .map("".join)
    .filter(lambda name: name.strip() != "" and len(name) <= 200)
)


@st.composite
def valid_registrations(draw: Any) -> dict[str, Any]:
    """The fields of a registration every rule accepts, in either environment."""
    return {
        "client_name": draw(CLIENT_NAME),
        "client_uri": draw(HTTPS_URI),
        "logo_uri": draw(st.one_of(st.just(""), HTTPS_URI)),
        "tos_uri": draw(HTTPS_URI),
        "policy_uri": draw(HTTPS_URI),
        "contacts": draw(st.lists(EMAIL, min_size=1, max_size=3, unique_by=str.lower)),
        "redirect_uris": draw(
            st.lists(HTTPS_URI, min_size=1, max_size=3, unique_by=lambda uri: uri.lower().rstrip("/"))
        ),
        "scope": " ".join(draw(st.lists(st.sampled_from(CATALOG_SCOPES), min_size=1, unique=True))),
        "pkce_supported": draw(st.booleans()),
        "subject_type_preference": draw(st.sampled_from(["", "company", "organisation"])),
        "environment": draw(st.sampled_from(["staging", "production"])),
        "application_type": draw(st.sampled_from(["web", "native"])),
        "initiation_uri": draw(st.one_of(st.just(""), HTTPS_URI)),
        "settings_uri": draw(st.one_of(st.just(""), HTTPS_URI)),
    }


@st.composite
def storable_registrations(draw: Any) -> dict[str, Any]:
    """The fields of a registration as a database may hold them after the rules changed:
    any storable text in every text field, any list of it in the list fields."""
    values = draw(valid_registrations())
    # Sorted: a set's order follows string hashing, which differs from run to run.
    for name in sorted(draw(st.sets(st.sampled_from(sorted(values))))):
        if isinstance(values[name], list):
            values[name] = draw(st.lists(storable_text(), max_size=3))
        elif isinstance(values[name], str) and name not in ("environment", "application_type"):
            values[name] = draw(storable_text())
    return values


# --- the rules' messages -------------------------------------------------------------

RULE_MODULES: tuple[ModuleType, ...] = (
    common,
    contacts,
    credentials,
    redirect_uris,
    report,
    scopes,
    text_rules,
    uris,
    core.text,
    metadata,
    importing,
    import_registration,
    deadlines,
)
# The messages of Django's own form fields that the registration forms keep, and of the
# admin's inline formsets (their management form). Django's plural ones are written out.
DJANGO_MESSAGES = (
    forms.Field.default_error_messages["required"],
    forms.ChoiceField.default_error_messages["invalid_choice"],
    forms.MultipleChoiceField.default_error_messages["invalid_list"],
    forms.DateField.default_error_messages["invalid"],
    formsets.BaseFormSet.default_error_messages["missing_management_form"],
    "Ensure this value has at most %(limit_value)d characters (it has %(show_value)d).",
    "Please submit at most %(num)d forms.",
    "Please submit at least %(num)d forms.",
)


def _message_regex(template: str) -> str:
    """A message template (str.format's fields, or Django's %(name)s) as a regular
    expression that any filled-in message matches."""
    template = str(template)
    if "%(" in template:
        template = re.sub(r"%\((\w+)\)[sd]", r"{\1}", template.replace("{", "{{").replace("}", "}}"))
    parts = []
    for literal, field, _spec, _conversion in string.Formatter().parse(template):
        parts.append(re.escape(literal))
        if field is not None:
            parts.append("(?s:.*)")
    return "".join(parts)


def _constants(modules: Iterable[ModuleType]) -> list[str]:
    """The modules' messages: their upper-case text constants (not the entry prefix, not the
    patterns)."""
    return [
        value
        for module in modules
        for name, value in vars(module).items()
        if name.isupper()
        and not name.endswith("_PATTERN")
        and isinstance(value, str)
        and " " in value
        and value != redirect_uris.REDIRECT_URI_ENTRY
    ]


@cache
def rule_message_pattern() -> re.Pattern[str]:
    """Every message the rules, the import and Django's kept form checks can show; a redirect
    URI's entry prefix is followed by one of the redirect URI messages."""
    entry_messages = "|".join(
        _message_regex(value)
        for name, value in vars(redirect_uris).items()
        if name.startswith("REDIRECT_URI_") and name != "REDIRECT_URI_ENTRY" and isinstance(value, str)
    )
    prefix, _, _ = redirect_uris.REDIRECT_URI_ENTRY.partition("{message}")
    entry = _message_regex(prefix) + f"(?:{entry_messages})"
    messages = [_message_regex(value) for value in [*_constants(RULE_MODULES), *DJANGO_MESSAGES]]
    return re.compile("|".join([entry, *messages]), re.S)


def states_a_rule(message: str) -> bool:
    return rule_message_pattern().fullmatch(message) is not None
