from django.apps import AppConfig


class RegistrationsConfig(AppConfig):
    """Scope catalog, registrations, their validation, exports and issued credentials."""

    name = "registrations"
    verbose_name = "Partner registrations"

    def ready(self) -> None:
        from core.signals import encryption_keys_rotated

        from .fingerprints import fingerprints_recompute_after_key_rotation

        encryption_keys_rotated.connect(
            fingerprints_recompute_after_key_rotation, dispatch_uid="registrations.fingerprints"
        )
