"""The registration admin's add and change pages on arbitrary input (property-based): every
answer is a save or the form again (never a server error), nothing is half-saved, every error
shown is one of the rules' messages, and text no database can store is refused on its own
field in the storable-text rule's words.

A browser's form post is UTF-8, which cannot carry an unpaired surrogate: the posts here are
raw urlencoded bodies whose values may be any bytes (invalid UTF-8 and encoded surrogates
arrive as U+FFFD), or any text with NUL and other controls, any script, bidi and astral.
"""

from __future__ import annotations

from collections import Counter
from typing import Any
from urllib.parse import urlencode

import pytest
from django.test import Client
from django.urls import reverse
from hypothesis import given, settings
from hypothesis import strategies as st

from core.text import TEXT_HOLDS_NUL
from registrations.fields import EDITABLE_FIELDS
from registrations.models import Registration
from registrations.selectors import registration_validation_report
from tests.factories import make_registration
from tests.registrations.test_admin import ADD, _form_data

from .fuzzing import CATALOG_SCOPES, CI, printable, states_a_rule, text

pytestmark = pytest.mark.django_db

DROP = "<drop the field>"
URLENCODED = "application/x-www-form-urlencoded"
# The text inputs: a NUL in one of them is refused there, by the storable-text rule.
TEXT_INPUTS = [
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
    "subject_type_preference",
]
# Choices: a value that is not one of them is refused as such, whatever it holds.
CHOICE_INPUTS = ["pkce_supported", "environment", "application_type"]
# Values that may well pass, so that the saving branch is reached too.
plausible: dict[str, st.SearchStrategy[Any]] = {
    "client_name": printable(["\u202e", "\ufeff", "\u2028", "😀", "<script>", "{{clientSecret}}"]),
    "contacts": st.sampled_from(["a@example.io", "a@example.io\r\nb@example.io", "\n\nc@bücher.example\n"]),
    "redirect_uris": st.sampled_from(
        ["https://oauth.pstmn.io/v1/callback", "https://a.example/cb\nhttp://127.0.0.1:8080/cb"]
    ),
    "scope": st.lists(st.sampled_from(CATALOG_SCOPES), unique=True),
    "other_scopes": st.sampled_from(["", "partner:custom", "x:y z:w", "{{clientSecret}}", "openid"]),
    "pkce_supported": st.sampled_from(["True", "False"]),
    "subject_type_preference": st.sampled_from(["", "company"]),
    "application_type": st.sampled_from(["web", "native"]),
    "environment": st.sampled_from(["staging", "production"]),
}
holding_nul = st.builds(
    lambda before, after: f"{before}\x00{after}",
    text(surrogates=False, max_size=20),
    text(surrogates=False, max_size=20),
)
anything = st.one_of(
    st.just(DROP),
    text(surrogates=False, max_size=60),
    st.binary(max_size=30),
    st.integers(min_value=1_000, max_value=20_000).map(lambda n: "a" * n),
    st.integers(min_value=100, max_value=1_000).map(
        lambda n: "\n".join(f"u{i}@example.io" for i in range(n))
    ),
)


@st.composite
def posts(draw: Any, base: dict[str, Any]) -> dict[str, Any]:
    data = dict(base)
    # Sorted: a set's order follows string hashing, which differs from run to run.
    for name in sorted(draw(st.sets(st.sampled_from(sorted(plausible))))):
        data[name] = draw(plausible[name])
    # Any field, the inlines' management form included, may be dropped or hold anything.
    changes = draw(st.dictionaries(st.sampled_from(sorted(data)), anything, max_size=3))
    changes.update(draw(st.dictionaries(st.just("scope"), st.lists(text(surrogates=False)), max_size=1)))
    # A third of the posts put a NUL into a text input, wherever the other changes went.
    changes.update(
        draw(
            st.dictionaries(
                st.sampled_from(TEXT_INPUTS), holding_nul, max_size=draw(st.sampled_from([0, 0, 1]))
            )
        )
    )
    for name, value in changes.items():
        if value == DROP:
            data.pop(name, None)
        else:
            data[name] = value
    return data


def _received(value: Any) -> str:
    """What Django makes of a posted value (invalid UTF-8 replaced)."""
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


def _post(client: Client, url: str, data: dict[str, Any]) -> Any:
    # The test client re-raises any exception the view lets through (a 500).
    return client.post(url, urlencode(data, doseq=True), content_type=URLENCODED)


def _check_refusal(response: Any, data: dict[str, Any]) -> int:
    """The refusal's properties; returns how many text inputs held a NUL."""
    assert response.status_code == 200, response.status_code
    # The form's errors by field, and its inlines' own (their management form may be what broke).
    messages = [
        str(message)
        for entry in response.context["errors"]
        for message in ([entry] if isinstance(entry, str) else entry)
    ]
    assert messages, "form shown again without an error"
    assert [message for message in messages if not states_a_rule(message)] == []
    errors = response.context["adminform"].form.errors
    holding_nul = [name for name in TEXT_INPUTS if name in data and "\x00" in _received(data[name])]
    assert {name: errors.get(name) for name in holding_nul} == {
        name: [TEXT_HOLDS_NUL] for name in holding_nul
    }
    return len(holding_nul)


def _stored(registration: Registration) -> tuple[Any, ...]:
    registration.refresh_from_db()
    return (*(getattr(registration, name) for name in EDITABLE_FIELDS), registration.updated_at)


def test_the_add_page_saves_a_whole_valid_registration_or_shows_the_rules(admin_client: Client) -> None:
    base = _form_data(admin_client.get(ADD))
    assert {*TEXT_INPUTS, *CHOICE_INPUTS} <= set(base)
    outcomes: Counter[str] = Counter()

    @settings(CI, max_examples=40)
    @given(data=posts(base))
    def check(data: dict[str, Any]) -> None:
        before = (Registration.objects.count(), Registration.history.count())
        response = _post(admin_client, ADD, data)
        if response.status_code == 302:
            outcomes["saved"] += 1
            added = Registration.objects.latest("pk")
            assert (Registration.objects.count(), Registration.history.count()) == (
                before[0] + 1,
                before[1] + 1,
            )
            assert registration_validation_report(added).errors == {}
        else:
            outcomes["refused"] += 1
            outcomes["NUL refused on its field"] += _check_refusal(response, data)
            assert (Registration.objects.count(), Registration.history.count()) == before

    check()
    # Not vacuous: the examples reached the saving branch, the refusing one, and a NUL.
    assert outcomes["saved"] > 0, outcomes
    assert outcomes["refused"] > 0, outcomes
    assert outcomes["NUL refused on its field"] > 0, outcomes


def test_the_change_page_saves_a_whole_valid_registration_or_changes_nothing(admin_client: Client) -> None:
    registration = make_registration()
    url = reverse("admin:registrations_registration_change", args=[registration.pk])
    base = _form_data(admin_client.get(url))
    outcomes: Counter[str] = Counter()

    @settings(CI, max_examples=30)
    @given(data=posts(base))
    def check(data: dict[str, Any]) -> None:
        before, history = _stored(registration), registration.history.count()
        response = _post(admin_client, url, data)
        if response.status_code == 302:
            outcomes["saved"] += 1
            assert registration.history.count() == history + (_stored(registration) != before)
            assert registration_validation_report(registration).errors == {}
        else:
            outcomes["refused"] += 1
            outcomes["NUL refused on its field"] += _check_refusal(response, data)
            assert (_stored(registration), registration.history.count()) == (before, history)

    check()
    assert outcomes["saved"] > 0, outcomes
    assert outcomes["refused"] > 0, outcomes
    assert outcomes["NUL refused on its field"] > 0, outcomes
