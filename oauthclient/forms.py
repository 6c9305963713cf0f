from __future__ import annotations

from typing import Any

from django import forms

from registrations.models import Credential

from . import selectors
from .services.test_call import PATH_MAX_LENGTH, PRESET_PATHS


class CredentialChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        credential: Credential = obj
        return f"{credential.registration.client_name} · {credential.get_server_display()} · {credential.client_id}"


class ConnectForm(forms.Form):
    credential = CredentialChoiceField(queryset=Credential.objects.none(), empty_label=None)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["credential"].queryset = selectors.credentials_usable()  # type: ignore[attr-defined]


class ManualStartForm(forms.Form):
    redirect_uri = forms.ChoiceField(label="Registered redirect URI")

    def __init__(self, *args: Any, redirect_uris: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["redirect_uri"].choices = [(uri, uri) for uri in redirect_uris]  # type: ignore[attr-defined]


class PasteForm(forms.Form):
    pasted_url = forms.CharField(
        label="The full URL your browser landed on",
        max_length=8000,
        widget=forms.TextInput(attrs={"size": 80, "autocomplete": "off", "spellcheck": "false"}),
    )


class TestCallForm(forms.Form):
    __test__ = False

    TARGETS = [
        ("introspect", f"GET {PRESET_PATHS['introspect']} (who am I)"),
        ("employees", f"GET {PRESET_PATHS['employees']} (needs users:read)"),
        ("custom", "GET a custom path"),
    ]
    target = forms.ChoiceField(choices=TARGETS, widget=forms.RadioSelect, initial="introspect")
    path = forms.CharField(
        required=False,
        max_length=PATH_MAX_LENGTH,
        widget=forms.TextInput(attrs={"placeholder": "/v1/introspect", "size": 50}),
    )

    def path_to_call(self) -> str:
        target = self.cleaned_data["target"]
        return PRESET_PATHS[target] if target in PRESET_PATHS else self.cleaned_data["path"]


class MonitoringForm(TestCallForm):
    """Monitoring on or off, and the GET the probe makes (the test call's choices)."""

    PROBES = [
        ("introspect", f"who am I ({PRESET_PATHS['introspect']})"),
        ("employees", f"employees ({PRESET_PATHS['employees']}, needs users:read)"),
        ("custom", "a custom path"),
    ]
    monitored = forms.BooleanField(label="Monitor this connection", required=False)
    target = forms.ChoiceField(
        label="Probe request", choices=PROBES, widget=forms.RadioSelect, initial="introspect"
    )
    field_order = ["monitored", "target", "path"]

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
