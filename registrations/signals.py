"""Signals that apps higher up subscribe to, so that registrations, a lower layer, never imports them."""

from __future__ import annotations

from django.dispatch import Signal

# Sent with `credential` (its new status already saved) inside the transaction that revokes or
# supersedes it. Receivers act in that same transaction (the dashboard forgets the connections'
# tokens, the sandbox drops its client) or register on_commit work; an exception in a receiver
# rolls the whole change back, so a credential is never disabled here while usable elsewhere.
credential_disabled = Signal()
