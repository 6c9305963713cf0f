from django.apps import AppConfig


class SandboxConfig(AppConfig):
    """The built-in authorization server and API that mimic Pleo's (django-oauth-toolkit)."""

    name = "sandbox"
    label = "sandbox"
    verbose_name = "Sandbox authorization server"

    def ready(self) -> None:
        from registrations.signals import credential_disabled

        from .credentials import sandbox_client_disable

        credential_disabled.connect(sandbox_client_disable, dispatch_uid="sandbox.client_disable")
