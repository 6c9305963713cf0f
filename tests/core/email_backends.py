"""An email backend that refuses every message, as an SMTP server that is down does."""

from __future__ import annotations

import smtplib
from typing import Any

from django.core.mail.backends.base import BaseEmailBackend

REFUSAL = "421 service not available"


class RefusingBackend(BaseEmailBackend):
    def send_messages(self, email_messages: Any) -> int:
        raise smtplib.SMTPServerDisconnected(REFUSAL)
