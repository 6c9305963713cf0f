from django.apps import AppConfig


class PortalConfig(AppConfig):
    """The project itself: shared templates, the home page, demo data."""

    name = "portal"
    verbose_name = "Portal"

    def ready(self) -> None:
        # Registers the PORTAL_SERVER_ROLE system check.
        from . import roles  # noqa: F401
