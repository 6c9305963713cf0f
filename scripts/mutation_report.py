"""Per-module scores of the last `mutmut run`, and the mutants that survived.

    .venv/bin/python scripts/mutation_report.py [--minimum 90]

Reads mutmut's results (mutants/<path>.meta) for the code that carries the
security rules and prints killed/total for each file and for each of the three
parts (the registration rules package, the redaction rules, the console's
request rules), then the surviving mutants by name (`mutmut show NAME` prints
one's diff). A mutant counts as killed when a test failed or timed out with it
in place. Exit status 1 when a part scores below the minimum or a mutant was not
run, 0 otherwise.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

MUTANTS = Path("mutants")
KILLED = {1, 3, 36, 37, -24, 24, 152, 255}  # failed, pytest error, timeouts, type check
STATUS = {0: "survived", 5: "no tests", 33: "no tests", 34: "skipped", None: "not checked"}


@dataclass(frozen=True)
class Target:
    """A module, or the named functions of one when only those are measured."""

    path: str
    functions: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        return f"{self.path} ({', '.join(self.functions)})" if self.functions else self.path


TARGETS = (
    Target("registrations/validators/common.py"),
    Target("registrations/validators/contacts.py"),
    Target("registrations/validators/credentials.py"),
    Target("registrations/validators/redirect_uris.py"),
    Target("registrations/validators/report.py"),
    Target("registrations/validators/scopes.py"),
    Target("registrations/validators/text.py"),
    Target("registrations/validators/uris.py"),
    Target("core/redaction.py"),
    Target("oauthclient/services/test_call.py", ("api_url", "api_request_check", "_rows_check")),
)

_FUNCTION = re.compile(r"\.x[_ǁ](?P<name>.+)__mutmut_\d+$")


@dataclass
class Score:
    killed: int = 0
    total: int = 0
    not_killed: list[tuple[str, str]] = field(default_factory=list)

    @property
    def percent(self) -> float:
        return 100.0 * self.killed / self.total if self.total else 0.0


def function_of(mutant: str) -> str:
    match = _FUNCTION.search(mutant)
    return match.group("name").split("ǁ")[-1] if match else ""


def score(target: Target) -> Score:
    meta = MUTANTS / (target.path + ".meta")
    result = Score()
    if not meta.exists():
        return result
    exit_codes: dict[str, int | None] = json.loads(meta.read_text())["exit_code_by_key"]
    for mutant, exit_code in sorted(exit_codes.items()):
        if target.functions and function_of(mutant) not in target.functions:
            continue
        result.total += 1
        if exit_code in KILLED:
            result.killed += 1
        else:
            result.not_killed.append((mutant, STATUS.get(exit_code, "suspicious")))
    return result


PARTS = (
    ("registration rules (registrations/validators/)", "registrations/validators/"),
    ("redaction rules (core/redaction.py)", "core/redaction.py"),
    ("request rules (oauthclient/services/test_call.py)", "oauthclient/services/test_call.py"),
)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minimum", type=float, default=90.0, help="lowest acceptable score, in percent")
    args = parser.parse_args()
    scores = [(target, score(target)) for target in TARGETS]
    width = max(len(target.label) for target in TARGETS)
    for target, result in scores:
        print(f"{target.label:<{width}}  {result.killed:>4}/{result.total:<4} {result.percent:5.1f}%")
    failed = False
    print()
    for label, prefix in PARTS:
        part = Score()
        for target, result in scores:
            if target.path.startswith(prefix):
                part.killed += result.killed
                part.total += result.total
                part.not_killed += result.not_killed
        unrun = [name for name, status in part.not_killed if status == "not checked"]
        low = part.total == 0 or part.percent < args.minimum or bool(unrun)
        failed |= low
        mark = "BELOW" if low else "ok"
        print(f"{label:<{width}}  {part.killed:>4}/{part.total:<4} {part.percent:5.1f}%  {mark}")
    for target, result in scores:
        if result.not_killed:
            print(f"\n{target.label}: not killed")
            for name, status in result.not_killed:
                print(f"  {name}  ({status})")
    if failed:
        print(f"\nA part scores below {args.minimum:g}% (or has mutants that were not run).")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
