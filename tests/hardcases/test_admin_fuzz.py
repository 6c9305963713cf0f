"""The registration add form in the admin on arbitrary input: it saves a whole registration
(with its history entry) or re-shows the form with errors; never a 500, never a partial save."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from registrations.models import Registration
from tests.registrations.test_admin import ADD, _form_data

from .fuzzing import CI, printable, text

pytestmark = pytest.mark.django_db

DROP = "<drop the field>"
STRING_FIELDS = [
    "client_name",
    "client_uri",
    "logo_uri",
    "tos_uri",
    "policy_uri",
    "contacts",
    "initiation_uri",
    "settings_uri",
    "redirect_uris",
    "other_scopes",
    "pkce_supported",
    "subject_type_preference",
    "environment",
    "application_type",
]
CATALOG_SCOPES = ["users:read", "users:write", "accounts:read", "export-jobs:write"]
# Values that may well pass, so that the saving branch is reached too.
plausible: dict[str, st.SearchStrategy[Any]] = {
    "client_name": printable(["\u202e", "\ufeff", "\u2028", "😀", "<script>"]),
    "contacts": st.sampled_from(["a@example.io", "a@example.io\r\nb@example.io", "\n\nc@bücher.example\n"]),
    "redirect_uris": st.sampled_from(
        ["https://oauth.pstmn.io/v1/callback", "https://a.example/cb\nhttp://127.0.0.1:8080/cb"]
    ),
    "scope": st.lists(st.sampled_from(CATALOG_SCOPES), unique=True),
    "other_scopes": st.sampled_from(["", "partner:custom", "x:y z:w"]),
    "pkce_supported": st.sampled_from(["True", "False"]),
    "subject_type_preference": st.sampled_from(["", "company"]),
    "application_type": st.sampled_from(["web", "native"]),
}
anything = st.one_of(
    st.just(DROP),
    text(surrogates=False, max_size=60),
    st.integers(min_value=1_000, max_value=50_000).map(lambda n: "a" * n),
    st.integers(min_value=100, max_value=2_000).map(
        lambda n: "\n".join(f"u{i}@example.io" for i in range(n))
    ),
)


@st.composite
def posts(draw: Any, base: dict[str, Any]) -> dict[str, Any]:
    data = dict(base)
    for name in draw(st.sets(st.sampled_from(sorted(plausible)))):
        data[name] = draw(plausible[name])
    # Any field, the inlines' management form included, may be dropped or hold anything.
    fields = sorted(data)
    changes = draw(st.dictionaries(st.sampled_from(fields), anything, max_size=3))
    changes.update(draw(st.dictionaries(st.just("scope"), st.lists(text(surrogates=False)), max_size=1)))
    for name, value in changes.items():
        if value == DROP:
            data.pop(name, None)
        else:
            data[name] = value
    return data


def _counts() -> tuple[int, int]:
    return Registration.objects.count(), Registration.history.count()


def test_fuzzed_add_form_saves_a_whole_registration_or_shows_errors(admin_client):
    base = _form_data(admin_client.get(ADD))
    assert set(STRING_FIELDS) <= set(base)
    outcomes: Counter[str] = Counter()

    @settings(CI, max_examples=60)
    @given(data=posts(base))
    def check(data: dict[str, Any]) -> None:
        before = _counts()
        # The test client re-raises any exception the view lets through (a 500).
        response = admin_client.post(ADD, data)
        if response.status_code == 302:
            outcomes["saved"] += 1
            assert _counts() == (before[0] + 1, before[1] + 1)
        else:
            outcomes["refused"] += 1
            assert response.status_code == 200
            assert response.context["errors"], "form re-shown without an error"
            assert _counts() == before

    check()
    # Not vacuous: the examples reached both the saving and the refusing branch.
    assert outcomes["saved"], outcomes
    assert outcomes["refused"], outcomes
