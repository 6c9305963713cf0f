"""Registrations of OAuth 2.0 clients with Pleo, the scope catalog, and issued credentials."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from simple_history.models import HistoricalRecords

from core.encryption import Ciphertext, EncryptedTextField
from core.servers import CredentialServer
from core.text import UNSTORABLE_CODE, unstorable_reason

from . import validators
from .choices import ApplicationType, Environment, TokenEndpointAuthMethod
from .fields import link_fields
from .validators.credentials import credential_errors

__all__ = [
    "ApplicationType",
    "Credential",
    "CredentialServer",
    "CredentialStatus",
    "Environment",
    "Registration",
    "RegistrationStatus",
    "Scope",
    "SecretDisclosure",
    "TokenEndpointAuthMethod",
]


# Pleo's authorization server for each environment a registration is made for.
PLEO_SERVER_BY_ENVIRONMENT = {
    Environment.STAGING: CredentialServer.PLEO_STAGING,
    Environment.PRODUCTION: CredentialServer.PLEO_PRODUCTION,
}


class RegistrationStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    READY = "ready", "Ready to submit"
    SUBMITTED = "submitted", "Submitted to Pleo"
    CREDENTIALS_RECEIVED = "credentials_received", "Credentials received"
    ACTIVE = "active", "Active"
    REVOKED = "revoked", "Revoked"
    ARCHIVED = "archived", "Archived"


class Scope(models.Model):
    """One entry of the scope catalog (`resource:permission`), editable by managers."""

    name = models.CharField(max_length=100, unique=True, validators=[validators.validate_catalog_scope_name])
    description = models.TextField(blank=True)
    in_staging = models.BooleanField("exists in staging", default=True)
    in_production = models.BooleanField("exists in production", default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Registration(models.Model):
    """A Developer Partner Registration form for one OAuth 2.0 client.

    Its fields are described once in registrations.fields; the rules that judge
    them run in the service (registrations.services.registration), which passes
    the scope catalog in, so that one save judges once.
    """

    # Client
    client_name = models.CharField(max_length=200)
    client_uri = models.CharField("client URI", max_length=validators.MAX_URI_LENGTH)
    logo_uri = models.CharField("logo URI", max_length=validators.MAX_URI_LENGTH, blank=True)
    tos_uri = models.CharField("terms of service URI", max_length=validators.MAX_URI_LENGTH)
    policy_uri = models.CharField("privacy policy URI", max_length=validators.MAX_URI_LENGTH)
    contacts = models.JSONField(default=list, help_text="Email addresses, one per entry.")
    initiation_uri = models.CharField("initiation URI", max_length=validators.MAX_URI_LENGTH, blank=True)
    settings_uri = models.CharField("settings URI", max_length=validators.MAX_URI_LENGTH, blank=True)
    # OAuth
    redirect_uris = models.JSONField(
        "redirect URIs", default=list, help_text="Stored exactly as entered, in order."
    )
    scope = models.CharField(
        max_length=2000, help_text="Space-separated scope tokens, e.g. users:read users:write."
    )
    pkce_supported = models.BooleanField("PKCE support", default=True)
    subject_type_preference = models.CharField(
        max_length=100, blank=True, help_text="Empty means None (Pleo's default)."
    )
    application_type = models.CharField(
        max_length=10, choices=ApplicationType.choices, default=ApplicationType.WEB
    )
    environment = models.CharField(max_length=12, choices=Environment.choices, default=Environment.STAGING)
    # Workflow
    status = models.CharField(
        max_length=24, choices=RegistrationStatus.choices, default=RegistrationStatus.DRAFT
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="registrations",
    )
    submitted_at = models.DateTimeField(null=True, blank=True)
    # A production registration made by promoting a staging one; the staging one
    # reaches it as `promoted_to`. Protected: the link is the production form's provenance.
    promoted_from = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="promoted_to",
        verbose_name="promoted from (staging)",
    )
    credentials_shared_on = models.DateField(
        "credentials shared on",
        null=True,
        blank=True,
        help_text="When Pleo shared the credentials (the 1Password link); retrieval is due within days of it.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-updated_at", "-id"]
        indexes = [
            models.Index(fields=["status"]),
            models.Index(fields=["environment"]),
        ]

    def __str__(self) -> str:
        return f"{self.client_name} ({self.get_environment_display()})"

    @property
    def scopes(self) -> list[str]:
        return self.scope.split()

    @property
    def pleo_server(self) -> CredentialServer:
        """Pleo's authorization server for this registration's environment."""
        return PLEO_SERVER_BY_ENVIRONMENT[Environment(self.environment)]


class CredentialStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    SUPERSEDED = "superseded", "Superseded"
    REVOKED = "revoked", "Revoked"


class Credential(models.Model):
    """A Client ID and Client Secret issued for a registration by one server."""

    registration = models.ForeignKey(Registration, on_delete=models.PROTECT, related_name="credentials")
    server = models.CharField(max_length=20, choices=CredentialServer.choices)
    client_id = models.CharField("client ID", max_length=255)
    client_secret = EncryptedTextField()
    secret_fingerprint = models.CharField(
        max_length=32,
        editable=False,
        help_text="Non-secret: a keyed hash and the last four characters; tells secrets apart.",
    )
    token_endpoint_auth_method = models.CharField(
        max_length=32,
        choices=TokenEndpointAuthMethod.choices,
        default=TokenEndpointAuthMethod.CLIENT_SECRET_BASIC,
    )
    received_note = models.CharField(
        "received", max_length=255, blank=True, help_text='How and when, e.g. "1Password, 2026-11-28".'
    )
    status = models.CharField(
        max_length=12, choices=CredentialStatus.choices, default=CredentialStatus.ACTIVE
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="recorded_credentials",
    )
    recorded_at = models.DateTimeField(auto_now_add=True)
    status_changed_at = models.DateTimeField(null=True, blank=True)

    # The secret is left out of history entirely.
    history = HistoricalRecords(excluded_fields=["client_secret"])

    class Meta:
        ordering = ["-recorded_at", "-id"]
        permissions = [("reveal_credential_secret", "Can reveal a credential's client secret")]
        indexes = [models.Index(fields=["registration", "status"])]

    def __str__(self) -> str:
        return f"{self.client_id} ({self.get_server_display()}, {self.get_status_display()})"

    def clean(self) -> None:
        # An empty secret is the field's own blank check; a stored, unchanged
        # secret (Ciphertext) is not decrypted just to be checked again.
        raw_secret = self.__dict__.get("client_secret")
        errors = credential_errors(
            server=self.server,
            client_id=self.client_id,
            client_secret=None if not raw_secret or isinstance(raw_secret, Ciphertext) else str(raw_secret),
        )
        unstorable = unstorable_reason(self.received_note)
        if unstorable:
            errors["received_note"] = [ValidationError(unstorable, code=UNSTORABLE_CODE)]
        if errors:
            raise ValidationError(errors)


class SecretDisclosure(models.Model):
    """Audit record: a client secret was shown to someone or put into an export."""

    class Kind(models.TextChoices):
        REVEAL = "reveal", "Revealed in admin"
        POSTMAN_EXPORT = "postman_export", "Included in a Postman environment export"
        ISSUE = "issue", "Shown once when issued"

    credential = models.ForeignKey(Credential, on_delete=models.PROTECT, related_name="disclosures")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="secret_disclosures"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.REVEAL)
    remote_addr = models.GenericIPAddressField("from address", null=True, blank=True)
    disclosed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-disclosed_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.credential_id} by {self.user_id}"


class LinkCheck(models.Model):
    """The latest check of one of a registration's URLs: one row per (registration, field)."""

    registration = models.ForeignKey(Registration, on_delete=models.CASCADE, related_name="link_checks")
    # The registration's URL fields (the field table's kind URI).
    field = models.CharField(max_length=20, choices=[(field.name, field.label) for field in link_fields()])
    url = models.CharField("URL", max_length=validators.MAX_URI_LENGTH, blank=True)
    ok = models.BooleanField(null=True, help_text="Empty until the URL has been checked.")
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    reason = models.TextField(blank=True)
    checked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["registration", "field"]
        constraints = [
            models.UniqueConstraint(
                fields=["registration", "field"], name="registrations_one_link_check_per_field"
            )
        ]
        indexes = [models.Index(fields=["checked_at"])]

    def __str__(self) -> str:
        state = "not checked" if self.ok is None else ("ok" if self.ok else "failed")
        return f"{self.get_field_display()} of registration {self.registration_id}: {state}"
