from django.apps import AppConfig


class PortalConfig(AppConfig):
    """The project itself: encryption, shared templates, operator commands."""

    name = "portal"
    verbose_name = "Portal"

    def ready(self) -> None:
        from . import checks  # noqa: F401  (registers the system checks)
