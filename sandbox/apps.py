from django.apps import AppConfig


class SandboxConfig(AppConfig):
    """The built-in authorization server and API that mimic Pleo's (django-oauth-toolkit)."""

    name = "sandbox"
    label = "sandbox"
    verbose_name = "Sandbox authorization server"

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from registrations.models import Scope
        from registrations.signals import credential_disabled

        from .credentials import sandbox_client_disable
        from .metadata import scope_catalog_changed

        credential_disabled.connect(sandbox_client_disable, dispatch_uid="sandbox.client_disable")
        # The metadata document lists the catalog's scopes (metadata.py).
        post_save.connect(scope_catalog_changed, sender=Scope, dispatch_uid="sandbox.catalog_saved")
        post_delete.connect(scope_catalog_changed, sender=Scope, dispatch_uid="sandbox.catalog_deleted")
