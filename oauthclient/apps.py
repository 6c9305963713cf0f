from django.apps import AppConfig


class OAuthClientConfig(AppConfig):
    """The developer dashboard: connections (authorization code + PKCE), tokens, test calls."""

    name = "oauthclient"
    verbose_name = "Connections and test calls"

    def ready(self) -> None:
        from registrations.readiness import add_staging_evidence
        from registrations.signals import credential_disabled

        from . import checks  # noqa: F401  (registers the system checks)
        from .selectors import staging_evidence
        from .services.disabled_credential import connections_forget_tokens

        credential_disabled.connect(connections_forget_tokens, dispatch_uid="oauthclient.forget_tokens")
        # The readiness report (a layer below) asks for test calls through this hook.
        add_staging_evidence(staging_evidence)
