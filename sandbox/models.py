"""What the sandbox knows about a client beyond DOT's Application: its registered metadata."""

from __future__ import annotations

from django.db import models
from oauth2_provider.settings import oauth2_settings


class SandboxClient(models.Model):
    """The RFC 7591 metadata a sandbox client was registered with (one per Application)."""

    application = models.OneToOneField(
        oauth2_settings.APPLICATION_MODEL, on_delete=models.CASCADE, related_name="sandbox_client"
    )
    # The scopes the client may request (space-separated, as registered).
    scope = models.CharField(max_length=2000)
    token_endpoint_auth_method = models.CharField(max_length=32)
    # The registered metadata as answered by /register (never the secret).
    metadata = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return str(self.metadata.get("client_name") or self.application_id)
