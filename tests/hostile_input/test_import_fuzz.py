"""import_registration on arbitrary input (property-based): any bytes, any JSON, entries
holding any text. It imports every entry or nothing, it fails only with a CommandError (a
message for the operator, never a traceback), every error it prints is one of the rules'
messages, and text no database can store is refused on its own key in the storable-text
rule's words."""

from __future__ import annotations

import io
import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from hypothesis import given, settings
from hypothesis import strategies as st

from core.text import TEXT_HOLDS_NUL, TEXT_HOLDS_SURROGATE
from registrations import importing
from registrations.fields import FIELDS, Kind
from registrations.models import Registration
from tests.factories import registration_data

from .fuzzing import CI, printable, states_a_rule, storable_text, text

pytestmark = pytest.mark.django_db

# The Example Client as an import entry (an empty optional key is an import error).
VALID = {key: value for key, value in registration_data().items() if value != ""}
DROP = "<drop the key>"

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**60), max_value=10**60),
    st.floats(allow_nan=True, allow_infinity=True),
    text(),
)
json_values = st.recursive(
    scalars,
    lambda children: (
        st.lists(children, max_size=5) | st.dictionaries(text(max_size=10), children, max_size=5)
    ),
    max_leaves=20,
)
huge_lists = st.integers(min_value=1_000, max_value=5_000).flatmap(
    lambda n: st.sampled_from(
        [[f"dev{i}@example.io" for i in range(n)], ["https://oauth.pstmn.io/v1/callback"] * n, [None] * n]
    )
)

# Values a registration may well hold, so that many entries stay valid: any printable
# Unicode in the name (unpaired surrogates included), the choices, booleans.
plausible = {
    "client_name": printable(["\ud800", "\udfff", "\x00", "\u202e", "\ufeff", "\u2028", "😀"]),
    "pkce_supported": st.booleans(),
    "application_type": st.sampled_from(["web", "native"]),
    "subject_type_preference": st.sampled_from(["company", "organisation"]),
    "contacts": st.lists(
        st.sampled_from(["a@example.io", "b@bücher.example", "c@example.io"]), min_size=1, unique=True
    ),
    "scope": st.sampled_from(["users:read", "users:read {{clientSecret}}", "users:read custom:read"]),
}


@st.composite
def documents(draw: Any) -> dict[str, Any]:
    """The valid entry with plausible changes (it may stay valid), and for a third of them up
    to two keys dropped, replaced by anything, or added."""
    document = dict(VALID)
    # Sorted: a set's order follows string hashing, which differs from run to run.
    for key in sorted(draw(st.sets(st.sampled_from(sorted(plausible)))) | {"client_name"}):
        document[key] = draw(plausible[key])
    if draw(st.integers(min_value=0, max_value=2)):
        return document
    changes = draw(
        st.dictionaries(
            st.sampled_from(sorted(importing.KNOWN_KEYS)) | text(max_size=12),
            st.just(DROP) | json_values | huge_lists,
            max_size=2,
        )
    )
    for key, value in changes.items():
        if value == DROP:
            document.pop(key, None)
        else:
            document[key] = value
    return document


@st.composite
def import_files(draw: Any) -> bytes:
    """What a file may hold: JSON of entries (escaped or raw, whole or cut), any JSON, any bytes."""
    shape = draw(st.sampled_from(["one", "one", "many", "many", "any-json", "not-json", "bytes"]))
    if shape == "bytes":
        return draw(st.binary(max_size=200))
    if shape == "not-json":
        text_value = draw(text(max_size=200))
    else:
        value = draw(
            {
                "one": documents(),
                "many": st.lists(documents(), min_size=1, max_size=4),
                "any-json": json_values,
            }[shape]
        )
        text_value = json.dumps(value, ensure_ascii=draw(st.booleans()))
        mangle = draw(st.sampled_from(["none"] * 5 + ["truncate", "duplicate-key"]))
        if mangle == "truncate":
            text_value = text_value[: draw(st.integers(min_value=0, max_value=len(text_value) - 1))]
        elif mangle == "duplicate-key" and text_value.startswith("{") and len(text_value) > 2:
            text_value = '{"client_name": "Twice", ' + text_value[1:]
    # Raw unpaired surrogates make bytes that are not UTF-8, as a broken encoder would.
    return text_value.encode("utf-8", "surrogatepass")


def _counts() -> tuple[int, int]:
    return Registration.objects.count(), Registration.history.count()


def _import(data: bytes, *, dry_run: bool, path: Path, stderr: io.StringIO) -> None:
    """The command on a file holding `data`."""
    path.write_bytes(data)
    args = [str(path), *(["--dry-run"] if dry_run else [])]
    call_command("import_registration", *args, stdout=io.StringIO(), stderr=stderr)


def _ends_with_a_rule(line: str) -> bool:
    """The line is one of the rules' messages, or ends with one after a ": " (the entry,
    perhaps its name, and the key come first)."""
    after_separators = (line[index + 2 :] for index in range(len(line)) if line.startswith(": ", index))
    return states_a_rule(line) or any(states_a_rule(message) for message in after_separators)


def test_any_file_is_imported_whole_or_refused_with_the_rules_words(tmp_path: Path) -> None:
    outcomes: Counter[str] = Counter()

    @settings(CI, max_examples=80)
    @given(data=import_files(), dry_run=st.sampled_from([False, False, True]))
    def check(data: bytes, dry_run: bool) -> None:
        before = _counts()
        stderr = io.StringIO()
        try:
            _import(data, dry_run=dry_run, path=tmp_path / "import.json", stderr=stderr)
        except CommandError as refused:
            outcomes["refused"] += 1
            assert _counts() == before
            lines = [str(refused), *stderr.getvalue().splitlines()]
            assert [line for line in lines if not _ends_with_a_rule(line)] == []
            return
        parsed = json.loads(data.decode("utf-8"))
        entries = 1 if isinstance(parsed, dict) else len(parsed)
        added = 0 if dry_run else entries
        outcomes["dry run" if dry_run else "imported"] += 1
        assert _counts() == (before[0] + added, before[1] + added)

    check()
    # Not vacuous: the examples reached both the saving and the refusing branch.
    assert outcomes["imported"] > 0, outcomes
    assert outcomes["refused"] > 0, outcomes


# Each key whose value is text, or a list of it, and the unstorable text put there.
TEXT_KEYS = [spec for spec in FIELDS if spec.kind != Kind.BOOLEAN]
UNSTORABLE = (("\x00", TEXT_HOLDS_NUL), ("\ud800", TEXT_HOLDS_SURROGATE), ("\udfff", TEXT_HOLDS_SURROGATE))


@settings(CI, max_examples=60)
@given(
    spec=st.sampled_from(TEXT_KEYS),
    unstorable=st.sampled_from(UNSTORABLE),
    before=storable_text(max_size=10),
    after=storable_text(max_size=10),
)
def test_an_entry_holding_text_that_cannot_be_stored_is_refused_on_that_key(
    spec: Any, unstorable: tuple[str, str], before: str, after: str
) -> None:
    character, message = unstorable
    value = f"{before}{character}{after}"
    entry = {**VALID, spec.name: [value] if spec.is_list else value}
    [report] = importing.check_entries([entry])
    assert report.errors.get(spec.name) == [message]


REGISTRATION = json.dumps(VALID)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        pytest.param("[" * 100_000 + "]" * 100_000, importing.NESTED_TOO_DEEPLY, id="nested-past-the-stack"),
        pytest.param(
            # Parsed fine, but deep enough that printing it in an error message overflowed the stack.
            REGISTRATION[:-1] + ', "contacts": ' + "[" * 950 + "]" * 950 + "}",
            importing.NESTED_TOO_DEEPLY,
            id="nested-in-a-key",
        ),
        pytest.param(
            REGISTRATION[:-1] + ', "pkce_supported": 1' + "0" * 5000 + "}",
            importing.NUMBER_TOO_LONG,
            id="huge-number",
        ),
    ],
)
def test_unreadable_json_is_refused_with_a_message(data: str, message: str, tmp_path: Path) -> None:
    with pytest.raises(CommandError) as refused:
        _import(data.encode(), dry_run=False, path=tmp_path / "import.json", stderr=io.StringIO())
    assert str(refused.value) == message.format(limit=importing.MAX_NESTING)
    assert _counts() == (0, 0)
