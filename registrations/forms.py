"""The admin form for a registration, and the rule every form of this app applies to text.

The rules are not here: the form hands what a manager typed to the service's
`registration_check`, which judges it once (with the scope catalog this form
read for its checkboxes), and puts each error on the field it names. This form
only turns what a manager types (one value per line, catalog checkboxes plus
free tokens) into the model's values; the admin saves the check it made.
"""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.validators import ProhibitNullCharactersValidator

from core.text import validate_storable_text

from .choices import Environment
from .exports.postman import POSTMAN_DESKTOP_CALLBACK, POSTMAN_WEB_CALLBACK
from .fields import BY_NAME, EDITABLE_FIELDS
from .models import Registration, Scope
from .selectors import scope_catalog, scope_catalog_entries
from .services.registration import RegistrationCheck, registration_check
from .validators import validate_scope_token

# (button label, redirect URIs it adds)
POSTMAN_PRESETS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Postman (web)", (POSTMAN_WEB_CALLBACK,)),
    ("Postman (desktop)", (POSTMAN_DESKTOP_CALLBACK,)),
    ("Postman (both)", (POSTMAN_WEB_CALLBACK, POSTMAN_DESKTOP_CALLBACK)),
)

REDIRECT_URIS_HELP = (
    "One per line, exactly as your app sends it (matched character for character). "
    "The Postman buttons add Postman's callbacks."
)
CONTACTS_HELP = "One email address per line."
SCOPE_HELP = "Scopes from the catalog (Scopes in the admin menu)."
OTHER_SCOPES_HELP = (
    "Scope tokens that are not in the catalog yet, separated by spaces. Staging accepts "
    "them with a warning; production accepts catalog scopes only."
)
PKCE_CHOICES = tuple(zip(("True", "False"), BY_NAME["pkce_supported"].boolean_labels, strict=True))


class StorableTextFirst:
    """A field's validators behind the storable-text rule (core.text): text that cannot be
    stored gets that rule's message alone, on the field; other text meets the validators."""

    def __init__(self, validators: list[Any]) -> None:
        self.validators = validators

    def __call__(self, value: Any) -> None:
        validate_storable_text(value)
        errors: list[ValidationError] = []
        for validator in self.validators:
            try:
                validator(value)
            except ValidationError as exc:
                errors.extend(exc.error_list)
        if errors:
            raise ValidationError(errors)


class StorableTextFormMixin(forms.BaseForm):
    """Every text field refuses text that cannot be stored (NUL, unpaired surrogates) with
    the storable-text rule's message, in place of Django's own NUL check: the same words
    as the import, the commands and the API."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if isinstance(field, forms.CharField):
                others = [v for v in field.validators if not isinstance(v, ProhibitNullCharactersValidator)]
                field.validators = [StorableTextFirst(others)]


class LinesField(forms.CharField):
    """A list of strings, one per line. Lines are kept as typed (the validators
    report stray spaces rather than this field hiding them); blank lines are dropped."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("strip", False)
        super().__init__(**kwargs)

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, list):
            return "\n".join(str(item) for item in value)
        return value

    def to_python(self, value: Any) -> list[str]:  # type: ignore[override]
        text = super().to_python(value) or ""
        return [line for line in text.splitlines() if line.strip()]


class RedirectUrisWidget(forms.Textarea):
    """A textarea with one-click Postman presets (the buttons need the form's JS)."""

    template_name = "registrations/widgets/redirect_uris.html"

    def get_context(self, name: str, value: Any, attrs: Any) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        context["presets"] = [(label, " ".join(uris)) for label, uris in POSTMAN_PRESETS]
        return context


class BooleanChoiceField(forms.TypedChoiceField):
    """Pleo's "Supported / Not supported" as radio buttons, stored as a boolean."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(
            choices=PKCE_CHOICES, coerce=lambda value: value == "True", widget=forms.RadioSelect, **kwargs
        )

    def has_changed(self, initial: Any, data: Any) -> bool:
        return str(bool(initial)) != str(data)


def _scope_label(scope: Scope) -> str:
    where = [
        name
        for name, present in (
            (Environment.STAGING.value, scope.in_staging),
            (Environment.PRODUCTION.value, scope.in_production),
        )
        if present
    ]
    places = ", ".join(where) if where else "no environment"
    description = f" — {scope.description}" if scope.description else ""
    return f"{scope.name}{description} ({places})"


class RegistrationForm(StorableTextFormMixin, forms.ModelForm):
    contacts = LinesField(
        label="Contacts", required=False, widget=forms.Textarea(attrs={"rows": 3}), help_text=CONTACTS_HELP
    )
    redirect_uris = LinesField(
        label="Redirect URIs",
        required=False,
        widget=RedirectUrisWidget(attrs={"rows": 4, "class": "vLargeTextField"}),
        help_text=REDIRECT_URIS_HELP,
    )
    # Named like the model field so that the validators' "scope" errors land here.
    scope = forms.MultipleChoiceField(
        label="Scopes", required=False, widget=forms.CheckboxSelectMultiple, help_text=SCOPE_HELP
    )
    other_scopes = forms.CharField(
        label="Other scopes",
        required=False,
        widget=forms.TextInput(attrs={"class": "vTextField"}),
        help_text=OTHER_SCOPES_HELP,
    )
    pkce_supported = BooleanChoiceField(label="PKCE support", initial="True")

    class Meta:
        model = Registration
        fields = list(EDITABLE_FIELDS)

    class Media:
        js = ["registrations/registration_form.js"]
        css = {"all": ["registrations/registration_form.css"]}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Read once: the checkboxes and the rules both use it.
        catalog = scope_catalog_entries()
        self.catalog = scope_catalog(catalog)
        self.checked: RegistrationCheck | None = None
        self._catalog_names = [scope.name for scope in catalog]
        scope_field = cast(forms.MultipleChoiceField, self.fields["scope"])
        scope_field.choices = [(scope.name, _scope_label(scope)) for scope in catalog]
        self._previous_tokens = self.instance.scope.split() if self.instance.scope else []
        known = set(self._catalog_names)
        # Initial values in the fields' own shapes (also what has_changed compares with).
        self.initial["scope"] = [token for token in self._previous_tokens if token in known]
        self.initial["other_scopes"] = " ".join(t for t in self._previous_tokens if t not in known)
        self.fields["pkce_supported"].initial = str(self.instance.pkce_supported)

    def clean_other_scopes(self) -> list[str]:
        tokens = self.cleaned_data.get("other_scopes", "").split()
        errors = []
        for token in tokens:
            try:
                validate_scope_token(token)
            except ValidationError as exc:
                errors.extend(exc.messages)
        if errors:
            raise ValidationError(errors)
        return tokens

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        chosen = list(cleaned.get("scope") or [])
        other = list(cleaned.get("other_scopes") or [])
        wanted = chosen + [token for token in other if token not in chosen]
        # Keep the stored order of tokens that stay, so an unchanged selection
        # saves the same string (no spurious history entry); new ones follow.
        ordered = [token for token in dict.fromkeys(self._previous_tokens) if token in wanted]
        ordered += [token for token in wanted if token not in ordered]
        cleaned["scope"] = " ".join(ordered)
        return cleaned

    def _post_clean(self) -> None:
        # In place of ModelForm's construct_instance() + full_clean(): the service
        # applies the values and judges them, once; the admin saves this check.
        data = {name: self.cleaned_data[name] for name in EDITABLE_FIELDS if name in self.cleaned_data}
        self.checked = registration_check(registration=self.instance, data=data, catalog=self.catalog)
        errors: dict[str, list[str]] = {}
        for name, messages in self.checked.report.errors.items():
            errors.setdefault(name if name in self.fields else NON_FIELD_ERRORS, []).extend(messages)
        if errors:
            self.add_error(None, ValidationError(errors))

    def _rejected_fields(self) -> set[str]:
        # `_errors` is Django's own store; it is None until validation starts.
        return set(getattr(self, "_errors", None) or ())

    def add_error(self, field: str | None, error: Any) -> None:
        # The check judges the whole instance, including values the form
        # already rejected (and so never copied onto it): drop those stale
        # verdicts so each field shows only errors about what was typed.
        if field is None and isinstance(error, ValidationError) and hasattr(error, "error_dict"):
            kept = {
                name: messages
                for name, messages in error.error_dict.items()
                if name == NON_FIELD_ERRORS or name not in self._rejected_fields()
            }
            if not kept:
                return
            error = ValidationError(kept)
        super().add_error(field, error)
