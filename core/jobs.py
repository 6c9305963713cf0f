"""What scheduled management commands share: progress on a terminal, a summary, the exit status.

cron, a systemd timer or a Kubernetes CronJob read the exit status and keep the
output; a person at a terminal sees a progress line that rewrites itself.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.core.management.base import BaseCommand, CommandError


class JobOutput:
    def __init__(self, command: BaseCommand) -> None:
        self.command = command
        self.interactive = command.stdout.isatty()
        self._shown = False

    def progress(self, done: int, total: int, label: str) -> None:
        """A "[done/total] label" line, rewritten in place; nothing when the output is not a terminal."""
        if self.interactive:
            self.command.stdout.write(f"\r\033[K[{done}/{total}] {label}"[:200], ending="")
            self.command.stdout.flush()
            self._shown = True

    def finish(self, summary: str, failures: Sequence[str] = ()) -> None:
        """Print the summary; with failures, list them and exit non-zero (CommandError)."""
        if self._shown:
            self.command.stdout.write("\r\033[K", ending="")
        if failures:
            details = "\n".join(f"  - {failure}" for failure in failures)
            raise CommandError(f"{summary}\n{details}", returncode=1)
        self.command.stdout.write(summary)
