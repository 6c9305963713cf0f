"""Error reports without secrets: Django's debug page and the report mailed to ADMINS.

Django's own filter steps aside when DEBUG is on, which is how `make run` serves
the portal: a developer's screen would then show a credential's client secret,
an access token or an authorization code held in a local variable. Here the
filter is always active, and it hides more than the `sensitive_variables` and
`sensitive_post_parameters` marks it honours:

- any variable, dictionary key, form field, query parameter, header or cookie
  whose name says it holds a credential (core.redaction's rule, plus `code`, the
  authorization code, and the session and CSRF cookies);
- credential patterns in whatever text is shown (`access_token=…`, `Bearer …`,
  a form body's `code=…`), in the URL, the exception message and the Unicode
  hint Django prints for an encoding error.

Select both with DEFAULT_EXCEPTION_REPORTER_FILTER and DEFAULT_EXCEPTION_REPORTER.
"""

from __future__ import annotations

import re
from collections.abc import ItemsView
from typing import Any

from django.http import HttpRequest
from django.template.defaultfilters import pprint
from django.utils.datastructures import MultiValueDict
from django.views.debug import ExceptionReporter, SafeExceptionReporterFilter

from .redaction import is_sensitive_key, redact_text, redact_url

# Names whose value is hidden whole: credentials by core.redaction's rule, plus these.
_HIDDEN_NAMES = frozenset({"code", "authorization_code", "sessionid", "csrftoken", "csrfmiddlewaretoken"})
# A form body's or query string's authorization code (core.redaction keeps `code` visible
# in API data, where it is an employee's or an account's code).
_CODE_PARAMETER = re.compile(r"(?<![\w-])(code=)([^&\s'\"]+)")
# Request headers and environment entries that may carry a query string.
_URL_META = frozenset({"QUERY_STRING", "HTTP_REFERER", "RAW_URI", "REQUEST_URI", "PATH_INFO"})


def is_hidden_name(name: object) -> bool:
    """Whether a variable, key, parameter or cookie of this name is shown only as stars."""
    return str(name).lower() in _HIDDEN_NAMES or is_sensitive_key(name)


def redact_shown_text(text: str) -> str:
    """Text as the error report may show it: credential patterns and authorization codes masked."""
    return _CODE_PARAMETER.sub(r"\1[redacted]", redact_text(text))


def redact_shown_url(url: str) -> str:
    """A URL or query string as the error report may show it."""
    return _CODE_PARAMETER.sub(r"\1[redacted]", redact_url(url))


class _Shown:
    """A value replaced by the redacted text of its representation (Django pprints it as is)."""

    def __init__(self, text: str) -> None:
        self.text = text

    def __repr__(self) -> str:
        return self.text


def _is_substitute(value: Any, reporter_filter: SafeExceptionReporterFilter) -> bool:
    return isinstance(value, str) and value == reporter_filter.cleansed_substitute


class SecretsExceptionReporterFilter(SafeExceptionReporterFilter):
    """Django's filter, active even with DEBUG on, hiding credentials by name and by pattern."""

    hidden_settings = re.compile(
        "API|AUTH|TOKEN|KEY|SECRET|PASS|SIGNATURE|COOKIE|VERIFIER|CREDENTIAL|SESSION|CSRF|DSN", flags=re.I
    )

    def is_active(self, request: HttpRequest | None) -> bool:
        return True

    def cleanse_setting(self, key: Any, value: Any) -> Any:
        if is_hidden_name(key):
            return self.cleansed_substitute
        return super().cleanse_setting(key, value)

    def cleanse_value(self, name: Any, value: Any) -> Any:
        """One variable or parameter: hidden by name, else its shown text redacted."""
        if is_hidden_name(name) or (isinstance(name, str) and self.hidden_settings.search(name)):
            return self.cleansed_substitute
        if value is None or isinstance(value, bool | int | float):
            return value
        value = self.cleanse_setting("", value) if isinstance(value, dict | list | tuple) else value
        shown = pprint(value)
        redacted = redact_shown_text(shown)
        return value if redacted == shown and not isinstance(value, str) else _Shown(redacted)

    def get_cleansed_multivaluedict(self, request: HttpRequest, multivaluedict: Any) -> Any:
        multivaluedict = super().get_cleansed_multivaluedict(request, multivaluedict)
        return self.cleansed_parameters(multivaluedict)

    def get_post_parameters(self, request: HttpRequest | None) -> Any:
        return self.cleansed_parameters(super().get_post_parameters(request))

    def cleansed_parameters(self, parameters: Any) -> Any:
        """A copy of a query or form: each value hidden by its name or redacted as text."""
        if not isinstance(parameters, MultiValueDict):
            return parameters
        cleansed = parameters.copy()
        for key in cleansed:
            cleansed.setlist(key, [self.cleanse_value(key, value) for value in cleansed.getlist(key)])
        return cleansed

    def get_safe_request_meta(self, request: HttpRequest) -> dict[str, Any]:
        meta = super().get_safe_request_meta(request)
        return {
            key: redact_shown_url(value) if key in _URL_META and isinstance(value, str) else value
            for key, value in meta.items()
        }

    def get_traceback_frame_variables(
        self, request: HttpRequest | None, tb_frame: Any
    ) -> ItemsView[str, Any]:
        variables = super().get_traceback_frame_variables(request, tb_frame)
        return {
            name: value if _is_substitute(value, self) else self.cleanse_value(name, value)
            for name, value in variables
        }.items()


class SecretsExceptionReporter(ExceptionReporter):
    """Django's report, with the parts its filter does not reach redacted too."""

    def get_traceback_data(self) -> dict[str, Any]:
        data = super().get_traceback_data()
        if self.request is not None and "request_GET_items" in data:
            # Django lists the query as it came; the filter's rule applies to it too.
            parameters = SecretsExceptionReporterFilter().cleansed_parameters(self.request.GET)
            data["request_GET_items"] = parameters.items()
        if data.get("request_insecure_uri"):
            data["request_insecure_uri"] = redact_shown_url(data["request_insecure_uri"])
        if data.get("exception_value"):
            data["exception_value"] = redact_shown_text(data["exception_value"])
        for frame in data.get("frames", []):
            if frame.get("exc_cause") is not None:
                frame["exc_cause"] = redact_shown_text(str(frame["exc_cause"]))
        if data.get("unicode_hint"):
            # The characters around an encoding error are part of the value that failed
            # (a header holding a token): they are not shown.
            data["unicode_hint"] = "[hidden: the text around it may be a credential]"
        return data
