"""A logging filter that takes credentials out of every record, whoever logged it.

Attached to every handler in settings.LOGGING. At DEBUG, oauthlib and
django-oauth-toolkit log token dictionaries, refresh tokens in prose and
authorization codes in URLs; request lines carry codes in query strings. The
filter formats the record's message itself, redacts it (and the exception and
stack text, and string or JSON-like `extra` values) and leaves nothing for a
formatter to fill in later.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from .redaction import REDACTED, redact_data, redact_text

_SENSITIVE_WORD = r"(?:token|secret|password|passwd|code_verifier|verifier|assertion)"
# An authorization code: `code=…` in a query string, `'code': '…'` in a dict (not `status_code`).
_CODE = re.compile(r"""(?P<key>(?<![\w-])["']?code["']?\s*[:=]\s*["']?)(?P<value>[^"'&\s,;}]+)""", re.I)
# A value behind an object's name: `'csrf_token': <SimpleLazyObject: '…'>`. The key is
# anchored at a word's start, as in core.redaction, so a long word costs linear time.
_WRAPPED = re.compile(
    rf"""(?P<key>["']?(?<![\w-])[\w-]*(?:{_SENSITIVE_WORD}|code)["']?\s*[:=]\s*<[\w.]+:\s*["']?)(?P<value>[^"'&\s,;}}>]+)""",
    re.I,
)
# Prose: "Validating refresh token <value> for client", "Invalid refresh token, <value>, …".
_PROSE = re.compile(
    rf"""(?P<key>\b(?:{_SENSITIVE_WORD}|code)\b[,:]?\s+["']?)(?P<value>[A-Za-z0-9._~+/=-]{{16,}})""", re.I
)

# Attributes every LogRecord has; anything else on a record came from `extra`.
_STANDARD_ATTRIBUTES = frozenset(vars(logging.makeLogRecord({}))) | {"message", "asctime"}


def redact_log_text(text: str) -> str:
    """The shared redaction rules, plus the shapes in which libraries log codes and tokens."""
    # Wrapped values first: the shared key=value rule would stop at the object's name.
    text = _redact(_WRAPPED, text)
    text = redact_text(text)
    return _redact(_PROSE, _redact(_CODE, text))


def _redact(pattern: re.Pattern[str], text: str) -> str:
    return pattern.sub(lambda match: match.group("key") + REDACTED, text)


def _redact_value(value: Any) -> Any:
    if isinstance(value, str):
        return redact_log_text(value)
    if isinstance(value, dict | list | tuple):
        value = redact_data(value if not isinstance(value, tuple) else list(value))
        if isinstance(value, dict):
            return {key: _redact_value(item) for key, item in value.items()}
        return [_redact_value(item) for item in value]
    # Other objects are left alone: handlers may need them (the request), and the
    # formatted message, which is what gets written, is redacted above.
    return value


class RedactSecrets(logging.Filter):
    """Redacts secrets, tokens, codes and code verifiers in a record; never drops a record."""

    _formatter = logging.Formatter()

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string: keep what there is, redacted
            message = f"{record.msg} {record.args!r}"
        record.msg, record.args = redact_log_text(message), ()
        if record.exc_info and not record.exc_text:
            record.exc_text = self._formatter.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact_log_text(record.exc_text)
        if record.stack_info:
            record.stack_info = redact_log_text(record.stack_info)
        for name, value in list(vars(record).items()):
            if name not in _STANDARD_ATTRIBUTES:
                setattr(record, name, _redact_value(value))
        return True
