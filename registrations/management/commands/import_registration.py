"""Import registrations from RFC 7591 client metadata JSON (see registrations/importing.py).

    python manage.py import_registration FILE [--dry-run] [--owner USERNAME]

FILE holds one JSON object or an array of them (`-` reads standard input).
Warnings and errors go to standard error, each naming the entry by its index in
the file (0 for the first) and the key, on one line (characters a terminal would
obey, such as line breaks and escape sequences, are written as their escapes). Any invalid entry: exit status 1 and
nothing is saved.
"""

from __future__ import annotations

import sys
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import NON_FIELD_ERRORS
from django.core.management.base import BaseCommand, CommandError, CommandParser

from registrations.importing import EntryReport, ImportFileError, parse_documents, registrations_import
from registrations.management.text import printable, storable_argument

CANNOT_READ = "Cannot read {path}: {error}."
USER_NOT_FOUND = "No user named {username!r}."
NOTHING_SAVED = "{invalid} of {total} entries are invalid: nothing was imported."
DRY_RUN_DONE = "Dry run: all {total} entries are valid; nothing was saved."
IMPORTED = "Imported {total} registration(s):"


def _entry_label(entry: EntryReport) -> str:
    return f"entry {entry.index} ({entry.name})" if entry.name else f"entry {entry.index}"


def _line(kind: str, where: str, message: str) -> str:
    # Names, keys and values come from the file: shown, never obeyed, by the terminal.
    return printable(f"{kind}: {where}: {message}")


class Command(BaseCommand):
    help = (
        "Import registrations from RFC 7591 client metadata JSON (one object or an array), "
        "validated like the admin form. Nothing is saved unless every entry is valid."
    )
    # Tests pass a file-like object here instead of replacing sys.stdin.
    stealth_options = ("stdin",)

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", metavar="FILE", help="JSON file, or - for standard input.")
        parser.add_argument("--dry-run", action="store_true", help="Validate and report; save nothing.")
        parser.add_argument("--owner", metavar="USERNAME", help="Owner of the imported registrations.")

    def handle(self, *args: Any, **options: Any) -> None:
        owner = None
        if options["owner"]:
            username = storable_argument(options["owner"], option="--owner")
            owner = get_user_model().objects.filter(username=username).first()
            if owner is None:
                raise CommandError(USER_NOT_FOUND.format(username=options["owner"]))
        try:
            documents = parse_documents(self._read(options["file"], options.get("stdin")))
        except ImportFileError as exc:
            raise CommandError(str(exc)) from None

        result = registrations_import(documents=documents, dry_run=options["dry_run"], owner=owner)
        for entry in result.entries:
            for key, messages in entry.warnings.items():
                for message in messages:
                    self.stderr.write(_line("Warning", f"{_entry_label(entry)}: {key}", message))
        invalid = [entry for entry in result.entries if not entry.is_valid]
        for entry in invalid:
            for key, messages in entry.errors.items():
                where = _entry_label(entry) if key == NON_FIELD_ERRORS else f"{_entry_label(entry)}: {key}"
                for message in messages:
                    self.stderr.write(_line("Error", where, message))
        if invalid:
            raise CommandError(NOTHING_SAVED.format(invalid=len(invalid), total=len(result.entries)))
        if options["dry_run"]:
            self.stdout.write(DRY_RUN_DONE.format(total=len(result.entries)))
            return
        self.stdout.write(IMPORTED.format(total=len(result.created)))
        for registration in result.created:
            self.stdout.write(printable(f"  #{registration.pk} {registration}"))

    def _read(self, path: str, stdin: Any) -> str:
        if path == "-":
            # Read bytes and decode here: the terminal's locale must not decide
            # whether a UTF-8 file is readable, and bad bytes get a clear error.
            source = stdin or sys.stdin.buffer
            try:
                data = source.read()
                return data.decode("utf-8") if isinstance(data, bytes) else str(data)
            except (OSError, UnicodeDecodeError) as exc:
                raise CommandError(CANNOT_READ.format(path="standard input", error=exc)) from None
        try:
            with open(path, encoding="utf-8") as handle:
                return handle.read()
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(CANNOT_READ.format(path=path, error=exc)) from None
