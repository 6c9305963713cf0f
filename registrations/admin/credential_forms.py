"""The forms of the credential admin: recording a credential (the only form that takes a
secret for a new one), changing what may change in place, and rotating.

A secret field never renders its value back: a form re-shown with errors is empty there.
"""

from __future__ import annotations

from typing import Any

from django import forms

from ..forms import StorableTextFormMixin
from ..models import Credential, TokenEndpointAuthMethod
from ..validators.credentials import validate_client_id, validate_client_secret

SECRET_HELP = (
    "Paste it from 1Password. It is encrypted before it is stored and is never shown in this form again."
)
ROTATE_CLIENT_ID_HELP = "Leave empty when Pleo kept the client ID and issued a new secret only."


def _secret_widget() -> forms.PasswordInput:
    # render_value=False: a form that comes back with errors never carries the secret.
    return forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password", "size": 60})


class CredentialRecordForm(StorableTextFormMixin, forms.ModelForm):
    """Add form: the only form that takes a secret for a new credential."""

    client_secret = forms.CharField(
        label="Client secret",
        widget=_secret_widget(),
        validators=[validate_client_secret],
        help_text=SECRET_HELP,
    )

    class Meta:
        model = Credential
        fields = [
            "registration",
            "server",
            "client_id",
            "client_secret",
            "token_endpoint_auth_method",
            "received_note",
        ]


class CredentialChangeForm(StorableTextFormMixin, forms.ModelForm):
    """Change form: no secret, no client ID. A new secret is a rotation."""

    class Meta:
        model = Credential
        fields = ["token_endpoint_auth_method", "received_note"]


class CredentialRotateForm(StorableTextFormMixin, forms.Form):
    client_id = forms.CharField(label="New client ID", required=False, help_text=ROTATE_CLIENT_ID_HELP)
    client_secret = forms.CharField(
        label="New client secret",
        widget=_secret_widget(),
        validators=[validate_client_secret],
        help_text=SECRET_HELP,
    )
    token_endpoint_auth_method = forms.ChoiceField(
        label="Token endpoint auth method", choices=TokenEndpointAuthMethod.choices
    )
    received_note = forms.CharField(
        label="Received",
        required=False,
        max_length=255,
        help_text='How and when, e.g. "1Password, 2026-11-28".',
    )

    def __init__(self, *args: Any, credential: Credential, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"token_endpoint_auth_method": credential.token_endpoint_auth_method})
        super().__init__(*args, **kwargs)
        self.credential = credential

    def clean_client_id(self) -> str:
        client_id: str = self.cleaned_data["client_id"] or self.credential.client_id
        validate_client_id(client_id, server=self.credential.server)
        return client_id
