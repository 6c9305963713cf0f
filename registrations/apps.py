from django.apps import AppConfig


class RegistrationsConfig(AppConfig):
    """Scope catalog, registrations, their validation, exports and issued credentials."""

    name = "registrations"
    verbose_name = "Partner registrations"
