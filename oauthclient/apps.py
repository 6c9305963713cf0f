from django.apps import AppConfig


class OAuthClientConfig(AppConfig):
    """Server profiles, connections (authorization code + PKCE), token refresh, test calls."""

    name = "oauthclient"
    verbose_name = "Connections and test calls"
