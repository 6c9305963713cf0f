"""import_registration on arbitrary input: it either imports every entry or nothing, and it
fails only with a CommandError (a message for the operator), never with a traceback."""

from __future__ import annotations

import io
import json
from collections import Counter
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from hypothesis import given, settings
from hypothesis import strategies as st

from registrations import importing
from registrations.models import Registration
from tests.factories import registration_data

from .fuzzing import CI, printable, text

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
    "client_name": printable(["\ud800", "\udfff", "\u202e", "\ufeff", "\u2028", "😀"]),
    "pkce_supported": st.booleans(),
    "application_type": st.sampled_from(["web", "native"]),
    "subject_type_preference": st.sampled_from(["company", "organisation"]),
    "contacts": st.lists(
        st.sampled_from(["a@example.io", "b@bücher.example", "c@example.io"]), min_size=1, unique=True
    ),
}


@st.composite
def documents(draw: Any) -> dict[str, Any]:
    """The valid entry with plausible changes (it may stay valid), and for a third of them up
    to two keys dropped, replaced by anything, or added."""
    document = dict(VALID)
    for key in draw(st.sets(st.sampled_from(sorted(plausible)))) | {"client_name"}:
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
def import_files(draw: Any) -> str:
    shape = draw(st.sampled_from(["one", "one", "many", "many", "any-json", "not-json"]))
    if shape == "not-json":
        return draw(text(max_size=200))
    value = draw(
        {"one": documents(), "many": st.lists(documents(), min_size=1, max_size=4), "any-json": json_values}[
            shape
        ]
    )
    dumped = json.dumps(value, ensure_ascii=draw(st.booleans()))
    mangle = draw(st.sampled_from(["none"] * 5 + ["truncate", "duplicate-key"]))
    if mangle == "truncate":
        return dumped[: draw(st.integers(min_value=0, max_value=len(dumped) - 1))]
    if mangle == "duplicate-key" and dumped.startswith("{") and len(dumped) > 2:
        return '{"client_name": "Twice", ' + dumped[1:]
    return dumped


def _counts() -> tuple[int, int]:
    return Registration.objects.count(), Registration.history.count()


def _import(data: str, *, via: str, dry_run: bool, path: Any) -> None:
    args = ["--dry-run"] if dry_run else []
    stdin = None
    if via == "file":
        # Written as bytes: text with an unpaired surrogate makes a file that is not UTF-8.
        path.write_bytes(data.encode("utf-8", "surrogatepass"))
        args.insert(0, str(path))
    else:
        stdin = io.StringIO(data)
        args.insert(0, "-")
    call_command("import_registration", *args, stdin=stdin, stdout=io.StringIO(), stderr=io.StringIO())


def test_fuzzed_imports_save_every_entry_or_nothing(tmp_path):
    outcomes: Counter[str] = Counter()

    @settings(CI, max_examples=100)
    @given(
        data=import_files(),
        via=st.sampled_from(["file", "stdin"]),
        dry_run=st.sampled_from([False, False, True]),
    )
    def check(data: str, via: str, dry_run: bool) -> None:
        before = _counts()
        try:
            _import(data, via=via, dry_run=dry_run, path=tmp_path / "import.json")
        except CommandError:
            outcomes["refused"] += 1
            assert _counts() == before
            return
        parsed = json.loads(data)
        entries = 1 if isinstance(parsed, dict) else len(parsed)
        added = 0 if dry_run else entries
        outcomes["dry run" if dry_run else "imported"] += 1
        assert _counts() == (before[0] + added, before[1] + added)

    check()
    # Not vacuous: the examples reached both the saving and the refusing branch.
    assert outcomes["imported"], outcomes
    assert outcomes["refused"], outcomes


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
def test_unreadable_json_is_refused_with_a_message(data, message):
    with pytest.raises(CommandError) as refused:
        _import(data, via="stdin", dry_run=False, path=None)
    assert str(refused.value) == message.format(limit=importing.MAX_NESTING)
    assert _counts() == (0, 0)
