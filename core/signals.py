"""Signals sent by core's commands; apps subscribe in their AppConfig.ready()."""

from __future__ import annotations

from django.dispatch import Signal

# Sent by `rotate_encryption_keys` after every value is under the newest key. Receivers
# recompute what is derived from the newest key (e.g. keyed fingerprints) and return one line
# for the command's output.
encryption_keys_rotated = Signal()
