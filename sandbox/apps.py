from django.apps import AppConfig


class SandboxConfig(AppConfig):
    """The built-in authorization server and API that mimic Pleo's (django-oauth-toolkit)."""

    name = "sandbox"
    label = "sandbox"
    verbose_name = "Sandbox authorization server"
