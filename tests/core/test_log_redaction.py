"""The log filter: no record, from any logger, written with a secret, token, code or code verifier."""

from __future__ import annotations

import io
import logging
import sys
from collections.abc import Iterator
from typing import Any

import pytest
from django.utils.log import configure_logging

from core.log_redaction import RedactSecrets, redact_log_text
from core.redaction import REDACTED

SECRET = "Zx9vQ2mN7pL4kR8sT1wY6uB3"


def filtered(record: logging.LogRecord) -> str:
    """What a handler with the filter writes for the record."""
    RedactSecrets().filter(record)
    return logging.Formatter("%(message)s %(detail)s").format(record)


def record(msg: str, *args: Any, **attributes: Any) -> logging.LogRecord:
    return logging.makeLogRecord({"msg": msg, "args": args or None, "detail": "", **attributes})


@pytest.mark.parametrize(
    ("msg", "args"),
    [
        pytest.param(
            "Issuing new token to client %r, %r.", ("c1", {"access_token": SECRET}), id="token-dict-arg"
        ),
        pytest.param("Saving grant %r.", ({"code": SECRET, "state": "s"},), id="grant-dict-arg"),
        pytest.param("Success url: https://c.example/cb?code=%s&state=s", (SECRET,), id="code-in-query"),
        pytest.param('"GET /dashboard/callback/?state=s&code=%s HTTP/1.1" 302', (SECRET,), id="request-line"),
        pytest.param("Validating refresh token %s for client %r.", (SECRET, "c1"), id="prose-token"),
        pytest.param("Invalid refresh token, %s, for client.", (SECRET,), id="prose-token-comma"),
        pytest.param("Authorization: Basic %s", (SECRET,), id="basic-header"),
        pytest.param("headers %r", ({"Authorization": f"Bearer {SECRET}"},), id="bearer-in-dict"),
        pytest.param("body client_secret=%s&grant_type=x", (SECRET,), id="client-secret-form"),
        pytest.param("body code_verifier=%s", (SECRET,), id="code-verifier-form"),
        pytest.param("context %s", (f"{{'csrf_token': <SimpleLazyObject: '{SECRET}'>}}",), id="lazy-object"),
        pytest.param("PASSWORD: %s", (SECRET,), id="upper-case-key"),
        pytest.param("secret already in the message: refresh_token=" + SECRET, (), id="no-args"),
    ],
)
def test_secrets_in_messages_are_redacted(msg, args):
    written = filtered(record(msg, *args))
    assert SECRET not in written
    assert REDACTED in written


@pytest.mark.parametrize(
    "text",
    [
        "status_code=200 for GET /v1/introspect",
        "code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cQ&code_challenge_method=S256",
        "Token request validation ok for <oauthlib.Request SANITIZED>.",
        "Validating redirection uri https://client.example/cb for client 6f1b5f0e-4a8e.",
    ],
)
def test_ordinary_words_are_left_alone(text):
    assert redact_log_text(text) == text


def test_exception_text_is_redacted():
    try:
        raise ValueError(f"refresh_token={SECRET}")
    except ValueError:
        written = filtered(record("refresh failed", exc_info=sys.exc_info()))
    assert "ValueError" in written
    assert SECRET not in written


def test_stack_text_is_redacted():
    written = filtered(record("here", stack_info=f"frame with access_token={SECRET}"))
    assert SECRET not in written


@pytest.mark.parametrize(
    "detail",
    [
        pytest.param(f"?code={SECRET}", id="string"),
        pytest.param({"tokens": {"refresh_token": SECRET}}, id="nested-dict"),
        pytest.param([{"client_secret": [SECRET]}], id="list-of-dicts"),
        pytest.param(("url", f"https://c.example/cb?code={SECRET}"), id="tuple"),
    ],
)
def test_extra_values_are_redacted(detail):
    assert SECRET not in filtered(record("done", detail=detail))


def test_a_broken_format_string_still_comes_out_redacted():
    made = record("value %s %s", f"access_token={SECRET}")
    RedactSecrets().filter(made)
    assert SECRET not in made.getMessage()


def test_redacting_twice_changes_nothing_more():
    made = record("Saving grant %r.", {"code": SECRET})
    once = filtered(made)
    assert filtered(made) == once


# The configured handlers -------------------------------------------------------------


@pytest.fixture
def configured_output(settings: Any) -> Iterator[io.StringIO]:
    """Django's logging set up as at start (its defaults, then settings.LOGGING), into one buffer."""
    configure_logging(settings.LOGGING_CONFIG, settings.LOGGING)
    buffer = io.StringIO()
    for handler in _configured_handlers():
        if isinstance(handler, logging.StreamHandler):
            handler.setStream(buffer)
    yield buffer
    configure_logging(settings.LOGGING_CONFIG, settings.LOGGING)


def _configured_handlers() -> list[logging.Handler]:
    loggers = [logging.getLogger(), *logging.Logger.manager.loggerDict.values()]
    return [
        handler
        for logger in loggers
        if isinstance(logger, logging.Logger)
        for handler in logger.handlers
        # pytest's capture, and handlers that write nothing.
        if not type(handler).__module__.startswith("_pytest") and not isinstance(handler, logging.NullHandler)
    ]


def test_every_configured_handler_redacts(configured_output):
    handlers = _configured_handlers()
    assert handlers
    assert [h for h in handlers if not any(isinstance(f, RedactSecrets) for f in h.filters)] == []


@pytest.mark.parametrize("logger", ["django.server", "django.request", "oauthlib", "oauthclient"])
def test_records_of_every_logger_are_written_redacted(settings, configured_output, logger):
    # DEBUG on: Django's own console handler would write django.* records too.
    settings.DEBUG = True
    logging.getLogger(logger).warning('"GET /dashboard/callback/?state=s&code=%s HTTP/1.1" 302', SECRET)
    written = configured_output.getvalue()
    assert "/dashboard/callback/" in written
    assert SECRET not in written
