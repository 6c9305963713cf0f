from __future__ import annotations

import re
from collections.abc import Iterator
from html import escape
from typing import Any
from urllib.parse import quote

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import ProhibitNullCharactersValidator
from django.utils.functional import cached_property
from django.utils.safestring import SafeString, mark_safe

from core.text import validate_storable_text
from registrations.models import Credential

from . import selectors
from .operations import operation_groups
from .parameters import path_values_of
from .services.contract import request_deviations
from .services.test_call import (
    BODY_MAX_BYTES,
    METHODS,
    PATH_MAX_LENGTH,
    PRESET_PATHS,
    ApiRequest,
    api_request_check,
)


class TextField(forms.CharField):
    """A CharField refusing what no database stores with core.text's rule (NUL, unpaired
    surrogates), in place of Django's own NUL check and its different message."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.validators = [
            validator
            for validator in self.validators
            if not isinstance(validator, ProhibitNullCharactersValidator)
        ]
        self.validators.append(validate_storable_text)


def _list(data: Any, name: str) -> list[str]:
    """Every value posted under a repeated field name (rows, checkboxes)."""
    if hasattr(data, "getlist"):
        return [str(value) for value in data.getlist(name)]
    value = data.get(name)
    values = value if isinstance(value, list | tuple) else [] if value is None else [value]
    return [str(item) for item in values]


class _ListedChoices(forms.models.ModelChoiceIterator):
    """The field's credentials as read once (ModelChoiceIterator reads its queryset again,
    through a server-side cursor on PostgreSQL, every time the choices are rendered)."""

    field: CredentialChoiceField

    def __iter__(self) -> Iterator[tuple[Any, Any]]:
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for credential in self.field.listed:
            yield self.choice(credential)

    def __len__(self) -> int:
        return len(self.field.listed) + (self.field.empty_label is not None)


class CredentialChoiceField(forms.ModelChoiceField):
    iterator = _ListedChoices

    @cached_property
    def listed(self) -> list[Credential]:
        return list(self.queryset) if self.queryset is not None else []

    def label_from_instance(self, obj: Any) -> str:
        credential: Credential = obj
        return f"{credential.registration.client_name} · {credential.get_server_display()} · {credential.client_id}"


class ConnectForm(forms.Form):
    """A credential, and the subset of its registration's scopes to ask for.

    The scope checkboxes of each credential are named `scope-<credential id>`; when
    none of the chosen credential's are posted, all its scopes are asked for.
    """

    credential = CredentialChoiceField(queryset=Credential.objects.none(), empty_label=None)
    scopes_chosen = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["credential"].queryset = selectors.credentials_usable()  # type: ignore[attr-defined]

    def chosen_scopes(self) -> list[str] | None:
        """The scopes ticked for the chosen credential, or None (all) when the form offered none."""
        if not self.cleaned_data.get("scopes_chosen"):
            return None
        return _list(self.data, f"scope-{self.cleaned_data['credential'].pk}")

    @property
    def credentials(self) -> list[Credential]:
        """The credentials offered, read once for the choices, the scopes and the page."""
        field: CredentialChoiceField = self.fields["credential"]  # type: ignore[assignment]
        return field.listed

    def scope_choices(self) -> list[tuple[Credential, list[str]]]:
        return [(credential, credential.registration.scope.split()) for credential in self.credentials]


class ManualStartForm(forms.Form):
    redirect_uri = forms.ChoiceField(label="Registered redirect URI")

    def __init__(self, *args: Any, redirect_uris: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["redirect_uri"].choices = [(uri, uri) for uri in redirect_uris]  # type: ignore[attr-defined]


class PasteForm(forms.Form):
    pasted_url = TextField(
        label="The full URL your browser landed on",
        max_length=8000,
        widget=forms.TextInput(attrs={"size": 80, "autocomplete": "off", "spellcheck": "false"}),
    )


# A path template's `{name}`, which a typed path parameter fills.
_PATH_PLACEHOLDER = re.compile(r"\{([^{}/]+)\}")
ROW_FIELDS = {"query": ("query_name", "query_value"), "headers": ("header_name", "header_value")}
EMPTY_ROWS = 2


class TestCallForm(forms.Form):
    """The console's request: a quick call, or any method and path with query, header rows and a body.

    Query parameters and headers come as repeated `query_name`/`query_value` and
    `header_name`/`header_value` fields (rows; empty rows are ignored). The rules are
    `api_request_check`'s, shown next to the field they concern.
    """

    __test__ = False

    TARGETS = [
        ("introspect", f"GET {PRESET_PATHS['introspect']} (who am I)"),
        ("employees", f"GET {PRESET_PATHS['employees']} (needs users:read)"),
        ("custom", "Your request below"),
    ]
    target = forms.ChoiceField(choices=TARGETS, widget=forms.RadioSelect, initial="custom", required=False)
    method = forms.ChoiceField(
        choices=[(method, method) for method in METHODS], initial="GET", required=False
    )
    path = TextField(
        required=False,
        max_length=PATH_MAX_LENGTH,
        widget=forms.TextInput(attrs={"placeholder": "/v1/introspect", "size": 50, "spellcheck": "false"}),
    )
    body = TextField(
        label="JSON body",
        required=False,
        # The service's byte limit gives the clear message; this only stops absurd posts early.
        max_length=BODY_MAX_BYTES * 4,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 6, "cols": 60, "spellcheck": "false"}),
    )
    confirm_production = forms.BooleanField(
        label="I understand this request changes data in a real Pleo company", required=False
    )
    # The catalog operation the form was filled from (its notes stay shown after an error).
    operation = forms.CharField(required=False, max_length=100, widget=forms.HiddenInput)
    # Where the rows' errors go, shown next to the rows (the rows come as repeated fields).
    query = forms.Field(required=False, disabled=True, widget=forms.HiddenInput)
    headers = forms.Field(required=False, disabled=True, widget=forms.HiddenInput)

    def __init__(self, *args: Any, server: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.server = server
        self.prefill_rows: dict[str, list[tuple[str, str]]] = {}
        # How the body departs from Pleo's documents: a warning (production refuses instead).
        self.body_warnings: list[str] = []

    def path_values(self) -> dict[str, str]:
        """The typed path parameters (`path_<name>` fields) as posted."""
        if not self.is_bound:
            return {}
        return path_values_of(self.data, _PATH_PLACEHOLDER.findall(str(self.data.get("path", ""))))

    def _filled_path(self, path: str) -> str:
        """The path with each `{name}` a typed path parameter gives a value for replaced."""
        values = self.path_values()
        return _PATH_PLACEHOLDER.sub(
            lambda match: (
                quote(values[match.group(1)], safe="") if match.group(1) in values else match.group(0)
            ),
            path,
        )

    @classmethod
    def prefilled(cls, request: ApiRequest, *, server: str, operation: str = "") -> TestCallForm:
        """A form filled with a request (a past call, or an operation of the catalog)."""
        form = cls(
            server=server,
            initial={
                "target": "custom",
                "method": request.method,
                "path": request.path,
                "body": request.body,
                "operation": operation,
            },
        )
        form.prefill_rows = {"query": list(request.query), "headers": list(request.headers)}
        return form

    def _rows(self, kind: str) -> list[tuple[str, str]]:
        name_field, value_field = ROW_FIELDS[kind]
        names, values = _list(self.data, name_field), _list(self.data, value_field)
        rows = [(str(name).strip(), str(value)) for name, value in zip(names, values, strict=False)]
        if kind == "headers":
            # Space around a header value is no part of it (RFC 9110 §5.5).
            rows = [(name, value.strip(" \t")) for name, value in rows]
        return [(name, value) for name, value in rows if name or value]

    def rows(self, kind: str) -> list[tuple[str, str]]:
        """Rows to show: what was posted (or prefilled), then empty ones to type into."""
        filled = self._rows(kind) if self.is_bound else list(self.prefill_rows.get(kind, []))
        return filled + [("", "")] * EMPTY_ROWS

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        target = cleaned.get("target") or "custom"
        if target in PRESET_PATHS:
            request = ApiRequest(method="GET", path=PRESET_PATHS[target])
        else:
            request = ApiRequest(
                method=cleaned.get("method") or "GET",
                path=self._filled_path(cleaned.get("path") or ""),
                # A parameter row left without a value is not sent (the picker offers every
                # documented parameter; most stay unused).
                query=tuple((name, value) for name, value in self._rows("query") if value),
                headers=tuple(self._rows("headers")),
                body=cleaned.get("body") or "",
            )
        try:
            api_request_check(
                request, server=self.server, production_confirmed=bool(cleaned.get("confirm_production"))
            )
        except ValidationError as exc:
            for name, problems in exc.message_dict.items():
                self.add_error(name if name in self.fields else None, problems)
        if not self.has_error("body") and not self.has_error("path"):
            self.body_warnings = request_deviations(request)
        cleaned["request"] = request
        return cleaned

    def api_request(self) -> ApiRequest:
        request: ApiRequest = self.cleaned_data["request"]
        return request

    def path_to_call(self) -> str:
        return self.api_request().path


def _attributes(attrs: dict[str, Any]) -> str:
    """Django's attrs.html: `name` for True, nothing for False and None, else name="value"."""
    return "".join(
        f" {name}" if value is True else f' {name}="{escape(str(value))}"'
        for name, value in attrs.items()
        if value is not False and value is not None
    )


class GroupedSelect(forms.Select):
    """A <select> with <optgroup>s, written in Python.

    The markup of Django's templates (select.html, select_option.html, attrs.html), which
    render one template per option: the operation picker's 70-odd options cost several
    milliseconds that way on every connection page. Values and labels are escaped with
    the standard library's html.escape, as Django's escape does.
    """

    def render(
        self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None
    ) -> SafeString:
        chosen = set(self.format_value(value))
        parts = [f'<select name="{escape(name)}"{_attributes(self.build_attrs(self.attrs, attrs))}>']

        def option(option_value: Any, label: Any) -> str:
            text = "" if option_value is None else str(option_value)
            selected = " selected" if text in chosen else ""
            return f'<option value="{escape(text)}"{selected}>{escape(str(label))}</option>'

        for group, options in self.choices:
            if isinstance(options, list | tuple):
                parts.append(f'<optgroup label="{escape(str(group))}">')
                parts.extend(option(option_value, label) for option_value, label in options)
                parts.append("</optgroup>")
            else:
                parts.append(option(group, options))
        parts.append("</select>")
        return mark_safe("".join(parts))  # noqa: S308  (every value and label above is escaped)


class OperationPickForm(forms.Form):
    """The operation picker: the catalog's operations grouped by API (a GET, no script needed)."""

    operation = forms.ChoiceField(label="Operation", widget=GroupedSelect)

    def __init__(self, *args: Any, granted: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices: list[Any] = [("", "Choose an operation of Pleo's API…")]
        choices += operation_groups(granted)
        self.fields["operation"].choices = choices  # type: ignore[attr-defined]


class CallbackStatementForm(forms.Form):
    confirm = forms.BooleanField(
        label="The portal's callback URL is registered for this client at the authorization server"
    )


class CompareForm(forms.Form):
    """Two of a connection's test calls, by id (`a` and `b`, or two ticked `pick` boxes)."""

    a = forms.IntegerField(min_value=1, max_value=2**63 - 1)
    b = forms.IntegerField(min_value=1, max_value=2**63 - 1)

    def __init__(self, data: Any, *, calls: Any) -> None:
        picks = data.getlist("pick") if hasattr(data, "getlist") else []
        if len(picks) == 2:
            data = {"a": picks[0], "b": picks[1]}
        super().__init__(data)
        self.calls = calls

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if "a" in cleaned and "b" in cleaned:
            found = {call.pk: call for call in self.calls.filter(pk__in=[cleaned["a"], cleaned["b"]])}
            if cleaned["a"] not in found or cleaned["b"] not in found:
                raise ValidationError("Choose two test calls of this connection.")
            cleaned["calls"] = (found[cleaned["a"]], found[cleaned["b"]])
        return cleaned


class MonitoringForm(forms.Form):
    """Monitoring on or off, and the GET the scheduled probe makes (read-only by design)."""

    PROBES = [
        ("introspect", f"who am I ({PRESET_PATHS['introspect']})"),
        ("employees", f"employees ({PRESET_PATHS['employees']}, needs users:read)"),
        ("custom", "a custom path"),
    ]
    monitored = forms.BooleanField(label="Monitor this connection", required=False)
    target = forms.ChoiceField(
        label="Probe request", choices=PROBES, widget=forms.RadioSelect, initial="introspect"
    )
    path = TextField(
        required=False,
        max_length=PATH_MAX_LENGTH,
        widget=forms.TextInput(attrs={"placeholder": "/v1/introspect", "size": 50, "spellcheck": "false"}),
    )

    @classmethod
    def for_connection(cls, connection: Any) -> MonitoringForm:
        presets = {path: key for key, path in PRESET_PATHS.items()}
        target = presets.get(connection.monitor_path, "custom")
        return cls(
            initial={
                "monitored": connection.monitored,
                "target": target,
                "path": "" if target != "custom" else connection.monitor_path,
            },
            prefix="monitoring",
        )

    def path_to_call(self) -> str:
        target = self.cleaned_data["target"]
        return PRESET_PATHS[target] if target in PRESET_PATHS else self.cleaned_data["path"]
