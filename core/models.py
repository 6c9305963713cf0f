"""The one model of the bottom layer: the notification outbox."""

from __future__ import annotations

from django.db import models


class NotificationStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"


class Notification(models.Model):
    """One email, rendered when it is queued and sent at most once.

    `key` names the event it is about (for example a registration's status change
    or a reminder for one deadline); the unique constraint is what makes a job that
    runs twice, or on two hosts at once, queue it once.
    """

    key = models.CharField(max_length=200, unique=True)
    kind = models.CharField(max_length=40)
    recipients = models.JSONField(default=list)
    subject = models.CharField(max_length=255)
    body_text = models.TextField()
    body_html = models.TextField(blank=True)
    status = models.CharField(
        max_length=10, choices=NotificationStatus.choices, default=NotificationStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "created_at"])]

    def __str__(self) -> str:
        return f"{self.kind}: {self.subject} ({self.get_status_display()})"
