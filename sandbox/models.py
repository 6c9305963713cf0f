"""What the sandbox knows about a client beyond DOT's Application: its registered metadata."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from oauth2_provider.models import AccessToken
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


class SandboxCompany(models.Model):
    """A company the sandbox API answers for; its records are `SandboxRecord` rows.

    A token acts for the first company its user is a member of, or else for the
    demo company (`sandbox.demo.COMPANY_ID`), which every user shares.
    """

    id = models.UUIDField(primary_key=True)
    name = models.CharField(max_length=200)
    members = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="sandbox_companies")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name_plural = "sandbox companies"

    def __str__(self) -> str:
        return self.name


class SandboxRecord(models.Model):
    """One resource of a sandbox company (an employee, an account, a tag…) as Pleo's API shows it.

    `document` is the API representation; `sort_key` + `record_id` order lists, so a
    page is read by keyset (an index range), whatever the number of records.
    """

    company = models.ForeignKey(SandboxCompany, on_delete=models.CASCADE, related_name="records")
    resource = models.CharField(max_length=40)
    # The record it belongs to (a tag's group, an export job item's job), or "".
    parent_id = models.CharField(max_length=64, blank=True, default="")
    record_id = models.CharField(max_length=64)
    sort_key = models.CharField(max_length=200, blank=True, default="")
    document = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["company", "resource", "parent_id", "record_id"], name="sandbox_record_unique"
            )
        ]
        indexes = [
            models.Index(
                fields=["company", "resource", "sort_key", "record_id"], name="sandbox_record_order"
            ),
            models.Index(
                fields=["company", "resource", "parent_id", "sort_key", "record_id"],
                name="sandbox_record_child_order",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.resource} {self.record_id}"


class RedeemedAuthorizationCode(models.Model):
    """An authorization code already exchanged, and the token family issued for it.

    The grant itself is deleted on exchange; this row (the code's SHA-256, never the
    code) lets a second exchange of the same code revoke what the first one issued
    (RFC 6749 §4.1.2). Not unique: two concurrent exchanges both leave a row.
    """

    application = models.ForeignKey(
        oauth2_settings.APPLICATION_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    code_checksum = models.CharField(max_length=64, db_index=True)
    token_family = models.UUIDField()
    redeemed_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"code {self.code_checksum[:12]}… redeemed {self.redeemed_at:%Y-%m-%d %H:%M}"


class BearerAccessToken(AccessToken):
    """An access token as the sandbox API checks it (`SandboxValidator._load_access_token`).

    DOT sets `request.scopes` from `AccessToken.scopes`, which reads the whole scope
    catalog (the scopes backend) to pair each granted scope with its description: a
    query on every API call, for descriptions nothing reads. Here the granted scopes
    are the token's own, as DOT judges them when it enforces scopes (`allow_scopes`)
    and as the API view checks them.
    """

    class Meta:
        proxy = True

    @property
    def scopes(self) -> dict[str, str]:
        return {name: name for name in self.scope.split()}
