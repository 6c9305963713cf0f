"""Connections (a user's tokens for one credential) and the test calls made with them."""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum
from http import HTTPStatus

from django.conf import settings
from django.db import models
from django.utils import timezone

from core.encryption import EncryptedTextField
from registrations.models import Credential

# A token this close to its expiry counts as expired: a call started now would
# otherwise reach the API with a token that dies on the way.
EXPIRY_LEEWAY = timedelta(seconds=30)


class ConnectionStatus(models.TextChoices):
    CONNECTED = "connected", "Connected"
    NEEDS_REAUTHORIZATION = "needs_reauthorization", "Needs re-authorization"
    DISCONNECTED = "disconnected", "Disconnected"


class MonitorState(models.TextChoices):
    UNKNOWN = "", "Not probed yet"
    WORKING = "working", "Working"
    FAILING = "failing", "Failing"


# The probe's request when the developer has not chosen one: who am I, read-only.
DEFAULT_MONITOR_PATH = "/v1/introspect"


class Connection(models.Model):
    """One user's authorization of one credential (client): tokens encrypted at rest."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="connections")
    credential = models.ForeignKey(Credential, on_delete=models.PROTECT, related_name="connections")
    status = models.CharField(
        max_length=24, choices=ConnectionStatus.choices, default=ConnectionStatus.CONNECTED
    )
    access_token = EncryptedTextField(blank=True)
    refresh_token = EncryptedTextField(blank=True)
    token_type = models.CharField(max_length=40, blank=True)
    scope = models.CharField("granted scope", max_length=2000, blank=True)
    requested_scope = models.CharField(
        max_length=2000, blank=True, help_text="The scopes asked for in the last authorization request."
    )
    expires_at = models.DateTimeField(null=True, blank=True, help_text="Absolute expiry of the access token.")
    connected_at = models.DateTimeField(null=True, blank=True)
    refreshed_at = models.DateTimeField(null=True, blank=True)
    refresh_count = models.PositiveIntegerField(default=0)
    last_error_code = models.CharField(max_length=80, blank=True)
    last_error_description = models.TextField(blank=True)
    # Monitoring: probe_connections makes the chosen GET when the last probe is old enough.
    monitored = models.BooleanField(default=False)
    monitor_path = models.CharField(
        "probe request", max_length=2000, default=DEFAULT_MONITOR_PATH, help_text="GET on the server's API."
    )
    monitor_state = models.CharField(max_length=10, choices=MonitorState.choices, default="", blank=True)
    last_probed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-updated_at", "-id"]
        permissions = [("use_dashboard", "Can use the developer dashboard")]
        indexes = [models.Index(fields=["monitored", "last_probed_at"], name="oauthclient_monitored_due")]
        constraints = [
            # Reconnecting replaces the tokens of the same row, so history stays together.
            models.UniqueConstraint(fields=["user", "credential"], name="oauthclient_one_connection_per_user")
        ]

    def __str__(self) -> str:
        return f"{self.credential.client_id} for {self.user} ({self.get_status_display()})"

    @property
    def is_connected(self) -> bool:
        return self.status == ConnectionStatus.CONNECTED

    def is_expired(self, *, now: datetime | None = None) -> bool:
        if self.expires_at is None:
            return False  # no expires_in given: only a 401 tells
        return self.expires_at - EXPIRY_LEEWAY <= (now or timezone.now())

    @property
    def scopes_not_granted(self) -> list[str]:
        """Requested scopes the server did not grant."""
        granted = set(self.scope.split())
        return [scope for scope in self.requested_scope.split() if scope not in granted]

    @property
    def scopes_not_requested(self) -> list[str]:
        """Granted scopes nobody asked for."""
        requested = set(self.requested_scope.split())
        return [scope for scope in self.scope.split() if requested and scope not in requested]


class ContractState(models.TextChoices):
    """What Pleo's documents say of a test call's answer (core.pleo_api.contract)."""

    NOT_JUDGED = "", "Not judged"
    MATCHES = "matches", "Matches Pleo's documents"
    DEVIATES = "deviates", "Deviates from Pleo's documents"
    UNDOCUMENTED = "undocumented", "Not in Pleo's documents"


# A test call that worked: the API answered 2xx and nothing failed on the way (TestCall.ok).
SUCCESSFUL_CALL = models.Q(status_code__gte=200, status_code__lt=300, error_code="")


class TestCall(models.Model):
    """One request to the API with a connection's token: what was asked, when, how it went.

    The request is kept as sent (after redaction), so that it can be sent again.
    """

    __test__ = False  # not a pytest test class despite the name

    connection = models.ForeignKey(Connection, on_delete=models.CASCADE, related_name="test_calls")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="test_calls")
    created_at = models.DateTimeField(default=timezone.now)
    method = models.CharField(max_length=10, default="GET")
    url = models.CharField("URL", max_length=2500)
    path = models.CharField(max_length=2000, blank=True, help_text="The path as typed, on the API base.")
    query = models.JSONField(default=list, blank=True, help_text="Query parameters as [name, value] rows.")
    headers = models.JSONField(default=list, blank=True, help_text="Extra headers as [name, value] rows.")
    body = models.TextField(blank=True, help_text="The JSON body sent, redacted.")
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    duration_ms = models.PositiveIntegerField(null=True, blank=True)
    response_size = models.PositiveIntegerField(null=True, blank=True, help_text="Bytes in the body.")
    excerpt = models.TextField(blank=True, help_text="Redacted and bounded start of the body.")
    refreshed = models.BooleanField(default=False, help_text="Tokens were refreshed for this call.")
    scheduled = models.BooleanField(default=False, help_text="Made by the monitoring probe, not by a person.")
    scope_check = models.BooleanField(
        default=False, help_text="Made by a scope check, not typed by a person."
    )
    error_code = models.CharField(max_length=80, blank=True)
    error_message = models.TextField(blank=True)
    # The contract verdict: the answer judged against Pleo's documents, and the body as sent.
    contract_operation = models.CharField(
        max_length=100, blank=True, help_text="The catalog operation the request was found to be."
    )
    contract_state = models.CharField(
        max_length=12, choices=ContractState.choices, default=ContractState.NOT_JUDGED, blank=True
    )
    contract_deviations = models.JSONField(
        default=list, blank=True, help_text="Each way the answer departs from Pleo's documents."
    )
    contract_note = models.TextField(blank=True)
    request_deviations = models.JSONField(
        default=list, blank=True, help_text="Each way the body sent departs from Pleo's documents."
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["connection", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.method} {self.url} → {self.status_code or self.error_code}"

    @property
    def ok(self) -> bool:
        """The API answered 2xx and nothing failed on the way (SUCCESSFUL_CALL, in Python)."""
        return self.status_code is not None and 200 <= self.status_code < 300 and not self.error_code


class ExchangeKind(models.TextChoices):
    AUTHORIZATION_REQUEST = "authorization_request", "Authorization request"
    CALLBACK = "callback", "Authorization response"
    DISCOVERY = "discovery", "Server metadata"
    CODE_EXCHANGE = "code_exchange", "Code exchange"
    REFRESH = "refresh", "Refresh"
    INTROSPECTION = "introspection", "Introspection"
    REVOCATION = "revocation", "Revocation"
    TEST_CALL = "test_call", "Test call"


class Exchange(models.Model):
    """One HTTP exchange made for a connection (or one step of the browser's authorization
    round trip), redacted before it was stored."""

    connection = models.ForeignKey(Connection, on_delete=models.CASCADE, related_name="exchanges")
    test_call = models.ForeignKey(
        TestCall, on_delete=models.CASCADE, null=True, blank=True, related_name="exchanges"
    )
    kind = models.CharField(max_length=24, choices=ExchangeKind.choices)
    created_at = models.DateTimeField(default=timezone.now)
    method = models.CharField(max_length=10, blank=True)
    url = models.TextField("URL")
    request_headers = models.JSONField(default=list, blank=True)
    request_body = models.TextField(blank=True)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    response_headers = models.JSONField(default=list, blank=True)
    response_body = models.TextField(blank=True)
    duration_ms = models.PositiveIntegerField(null=True, blank=True)
    error = models.TextField(blank=True, help_text="Why no answer came (timeout, refused connection...).")

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["connection", "-id"])]

    def __str__(self) -> str:
        return (
            f"{self.get_kind_display()}: {self.method} {self.url} → {self.status_code or self.error or '–'}"
        )

    @property
    def ok(self) -> bool:
        if self.error:
            return False
        return self.status_code is None or self.status_code < 400

    @property
    def raw_request(self) -> str:
        """The request as it went over the wire (redacted), in HTTP/1.1 notation."""
        lines = [f"{self.method} {self.url}", *(f"{name}: {value}" for name, value in self.request_headers)]
        return "\n".join(lines) + ("\n\n" + self.request_body if self.request_body else "")

    @property
    def raw_response(self) -> str:
        if self.status_code is None:
            return self.error
        try:
            reason = HTTPStatus(self.status_code).phrase
        except ValueError:
            reason = ""
        lines = [f"HTTP/1.1 {self.status_code} {reason}".rstrip()]
        lines += [f"{name}: {value}" for name, value in self.response_headers]
        return "\n".join(lines) + ("\n\n" + self.response_body if self.response_body else "")


class CallbackStatement(models.Model):
    """What the portal knows about its callback URL at a client's server beyond the
    registration's own redirect URIs: a developer said it is registered there, or the
    server sent a browser back to it."""

    class Source(models.TextChoices):
        STATED = "stated", "Stated by a developer"
        OBSERVED = "observed", "Seen: the server sent a browser back to it"

    credential = models.OneToOneField(Credential, on_delete=models.CASCADE, related_name="callback_statement")
    callback_url = models.CharField(max_length=2000)
    source = models.CharField(max_length=12, choices=Source.choices)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    created_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.callback_url} registered for {self.credential.client_id} ({self.get_source_display()})"


class CallbackKnowledge(StrEnum):
    """What the portal knows about its callback URL at a client's server (and why)."""

    SANDBOX = "sandbox"  # sandbox issuance registers it with every client
    IN_REGISTRATION = "registration"  # one of the registration's redirect URIs
    STATED = CallbackStatement.Source.STATED.value
    OBSERVED = CallbackStatement.Source.OBSERVED.value
    UNKNOWN = "unknown"


class ScopeCheck(models.Model):
    """The last scope check of a connection: per granted scope, the operation that proved it
    (or why none did). Replaced by the next check.

    `results` rows: {scope, operation, request, status, duration_ms, outcome, reason, calls},
    `outcome` one of ScopeOutcome, `calls` the ids of the test calls made.
    """

    connection = models.OneToOneField(Connection, on_delete=models.CASCADE, related_name="scope_check")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    checked_at = models.DateTimeField(default=timezone.now)
    company_id = models.CharField(
        max_length=200,
        blank=True,
        help_text="The company the token acts for, as GET /v1/introspect named it.",
    )
    results = models.JSONField(default=list, blank=True)

    def __str__(self) -> str:
        return f"Scope check of {self.connection} at {self.checked_at:%Y-%m-%d %H:%M}"
