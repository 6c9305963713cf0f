from django.apps import AppConfig


class CoreConfig(AppConfig):
    """What every app builds on: the encryption field, the server catalog, system checks.

    The bottom layer: it imports no app of the portal, only Django and settings.
    """

    name = "core"
    verbose_name = "Core"

    def ready(self) -> None:
        from . import checks  # noqa: F401  (registers the system checks)
