"""Redaction of credentials: the one set of rules for stored HTTP exchanges, excerpts and logs.

`redact_exchange` is the one function every exchange the dashboard stores goes
through (URL, headers, bodies); `redact_data`, `redact_text` and `excerpt` are its
parts, used by the test-call excerpt, the introspection answer and the log filter
(core.log_redaction). A credential value
keeps at most its last four characters, and only when it is long enough for four
characters to say nothing about the rest.
"""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Iterable, Sequence
from typing import Any
from urllib.parse import quote, quote_plus, unquote_plus, urlsplit, urlunsplit

REDACTED = "[redacted]"
EXCERPT_LIMIT = 2048  # characters kept of a response body
# A value shorter than this is hidden entirely; a longer one keeps its last four characters.
MASK_MIN_LENGTH = 16

# A key names a credential when it ends with one of these words, in any case and
# separated or not (access_token, refreshToken, client_secret, code_verifier, ...):
# token_type, token_type_hint and expires_in are words about a token, not tokens.
_SENSITIVE_KEY = re.compile(
    r"(?:token|secret|password|passwd|authorization|verifier|assertion|cookie|api[_-]?key)$|secret|password",
    re.I,
)
# In a form body (a token request) `code` is the authorization code; in API data and
# API queries it is an account's or an employee's code, which stays visible (the
# recorder knows the authorization code's value and masks it wherever it appears).
_SENSITIVE_PARAMETERS = {"code"}
_KEY_VALUE = re.compile(
    r"""(?P<key>["']?(?<![\w-])[\w-]*(?:token|secret|password|passwd|code_verifier|assertion|api[_-]?key)["']?\s*[:=]\s*["']?)"""
    r"""(?P<value>[^"'&\s,;}]+)""",
    re.I,
)
# The (?<![\w-]) anchor: a key starts where a word starts. Without it the pattern would
# be tried from every position inside a long word, each try scanning to the word's end
# (quadratic: a 5,000-character path segment cost a second of CPU in a log record).
# Cheap first look: the patterns below only run on text that contains one of these.
_KEY_WORDS = (
    "token",
    "secret",
    "password",
    "passwd",
    "code_verifier",
    "assertion",
    "api_key",
    "api-key",
    "apikey",
)
_SCHEME_WORDS = ("bearer", "basic")
_BEARER = re.compile(r"\b(Bearer|Basic)\s+(?!\[redacted\])([A-Za-z0-9._~+/=-]+)", re.I)
# Headers whose whole value is a credential.
_SECRET_HEADERS = {"authorization", "proxy-authorization", "cookie", "set-cookie"}


def is_sensitive_key(key: object) -> bool:
    """Whether a JSON key, form field, query parameter or header names a credential."""
    return bool(_SENSITIVE_KEY.search(str(key)))


def mask(value: str) -> str:
    """The redacted form of one credential value: its last four characters at most."""
    if len(value) >= MASK_MIN_LENGTH:
        return f"{REDACTED}…{value[-4:]}"
    return REDACTED


def redact_data(value: Any) -> Any:
    """A copy of a JSON value with every sensitive key's value replaced (nested ones too)."""
    if isinstance(value, dict):
        return {
            key: (_masked_json(item) if is_sensitive_key(key) and item is not None else redact_data(item))
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [redact_data(item) for item in value]
    return value


def _masked_json(value: Any) -> Any:
    # Under a credential's key nothing is kept but the last characters of a string.
    return mask(value) if isinstance(value, str) else REDACTED


def _secret_forms(secrets: Iterable[str]) -> list[tuple[str, str]]:
    """Each known secret as typed and as URL-encoding writes it, longest first, with its mask."""
    forms: dict[str, str] = {}
    for secret in secrets:
        if secret and len(secret) >= 4:
            for form in (secret, quote(secret, safe=""), quote_plus(secret)):
                forms.setdefault(form, mask(secret))
    return sorted(forms.items(), key=lambda item: -len(item[0]))


def _masked_match(match: re.Match[str]) -> str:
    value = match.group("value")
    return match.group("key") + (value if value.startswith(REDACTED) else mask(value))


def _redact_text(text: str, forms: list[tuple[str, str]]) -> str:
    for secret, masked in forms:
        if secret in text:
            text = text.replace(secret, masked)
    lowered = text.lower()
    if any(word in lowered for word in _KEY_WORDS):
        text = _KEY_VALUE.sub(_masked_match, text)
    if any(word in lowered for word in _SCHEME_WORDS):
        text = _BEARER.sub(lambda match: f"{match.group(1)} {REDACTED}", text)
    return text


def redact_text(text: str, *, secrets: Iterable[str] = ()) -> str:
    """Replace known secrets anywhere, then key=value / "key": "value" pairs and auth headers."""
    return _redact_text(text, _secret_forms(secrets))


def excerpt(body: bytes, *, complete: bool, secrets: Iterable[str] = (), limit: int = EXCERPT_LIMIT) -> str:
    """The redacted, bounded start of a body; JSON is pretty-printed after key redaction."""
    secrets = [secret for secret in secrets if secret]
    text = body.decode("utf-8", errors="replace")
    if complete:
        # JSON nested deeper than the parser goes is kept as the text it is.
        with contextlib.suppress(ValueError, RecursionError):
            text = json.dumps(redact_data(json.loads(text)), indent=2, ensure_ascii=False)
    # Redact the whole text before cutting, so that no token prefix survives a cut.
    text = redact_text(text, secrets=secrets)
    if len(text) > limit:
        text = text[:limit] + "\n… (cut)"
    return text


def _redact_pairs(pairs: Sequence[tuple[str, str]], forms: list[tuple[str, str]]) -> list[tuple[str, str]]:
    return [
        (key, mask(value) if is_sensitive_key(key) else _redact_text(value, forms)) for key, value in pairs
    ]


_PAIR = re.compile(r"(?P<key>[^&=]+)=(?P<value>[^&]*)")


def _redact_query_string(text: str, forms: list[tuple[str, str]], *, form: bool) -> str:
    """A query string or form body with credential values masked, everything else as it was."""

    def replace(match: re.Match[str]) -> str:
        key = unquote_plus(match.group("key"))
        if is_sensitive_key(key) or (form and key.lower() in _SENSITIVE_PARAMETERS):
            return f"{match.group('key')}={mask(unquote_plus(match.group('value')))}"
        return match.group(0)

    return _redact_text(_PAIR.sub(replace, text), forms)


def _redact_header(name: str, value: str, forms: list[tuple[str, str]]) -> str:
    lowered = name.lower()
    if lowered in ("cookie", "set-cookie"):
        return REDACTED
    if lowered in _SECRET_HEADERS:
        scheme, _, credentials = value.partition(" ")
        # Basic carries the client secret inside base64: none of it is kept.
        kept = mask(credentials) if scheme.lower() == "bearer" else REDACTED
        return f"{scheme} {kept}" if credentials else REDACTED
    if is_sensitive_key(name):
        return mask(value)
    return _redact_text(value, forms)


def _redact_url(url: str, forms: list[tuple[str, str]]) -> str:
    try:
        parts = urlsplit(url)
    except ValueError:
        return _redact_text(url, forms)
    query = _redact_query_string(parts.query, forms, form=False)
    return _redact_text(urlunsplit(parts._replace(query=query)), forms)


def redact_url(url: str, *, secrets: Iterable[str] = ()) -> str:
    """A URL with credential query parameters (tokens) and known secrets masked."""
    return _redact_url(url, _secret_forms(secrets))


def _redact_body(body: str, content_type: str, forms: list[tuple[str, str]]) -> str:
    if not body:
        return body
    if body.lstrip()[:1] in ("{", "[") or "json" in content_type:
        with contextlib.suppress(ValueError, RecursionError):
            body = json.dumps(redact_data(json.loads(body)), indent=2, ensure_ascii=False)
    elif "x-www-form-urlencoded" in content_type:
        return _redact_query_string(body, forms, form=True)
    return _redact_text(body, forms)


def redact_body(body: str, *, content_type: str = "", secrets: Iterable[str] = ()) -> str:
    """A request or response body: JSON by key, form fields by name, any text by pattern."""
    return _redact_body(body, content_type, _secret_forms(secrets))


def _content_type(headers: Sequence[tuple[str, str]]) -> str:
    return next((value.lower() for name, value in headers if name.lower() == "content-type"), "")


def redact_exchange(
    *,
    url: str,
    request_headers: Sequence[tuple[str, str]],
    request_body: str,
    response_headers: Sequence[tuple[str, str]],
    response_body: str,
    query: Sequence[tuple[str, str]] = (),
    secrets: Iterable[str] = (),
) -> dict[str, Any]:
    """The one redaction every stored exchange goes through: what may be kept of it.

    `query` is a request's query rows as composed (kept apart from the URL for a re-run).
    """
    forms = _secret_forms(secrets)
    return {
        "url": _redact_url(url, forms),
        "query": [[name, value] for name, value in _redact_pairs(query, forms)],
        "request_headers": [[name, _redact_header(name, value, forms)] for name, value in request_headers],
        "request_body": _redact_body(request_body, _content_type(request_headers), forms),
        "response_headers": [[name, _redact_header(name, value, forms)] for name, value in response_headers],
        "response_body": _redact_body(response_body, _content_type(response_headers), forms),
    }
