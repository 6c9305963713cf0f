"""The one redaction every stored exchange goes through: which values go, which words stay."""

from __future__ import annotations

import json

import pytest

from core.redaction import REDACTED, mask, redact_body, redact_data, redact_exchange, redact_text

LONG = "tok-0123456789abcdefWXYZ"


@pytest.mark.parametrize(
    "key",
    [
        "access_token",
        "refresh_token",
        "id_token",
        "token",
        "accessToken",
        "client_secret",
        "clientSecret",
        "password",
        "code_verifier",
        "client_assertion",
        "api_key",
        "X-Api-Key",
        "Authorization",
        "Cookie",
    ],
)
def test_credential_keys_are_masked(key):
    assert redact_data({key: LONG}) == {key: f"{REDACTED}…WXYZ"}


@pytest.mark.parametrize("key", ["token_type", "token_type_hint", "expires_in", "scope", "code", "tokenType"])
def test_words_about_tokens_and_api_codes_stay(key):
    assert redact_data({key: "Bearer"}) == {key: "Bearer"}


def test_short_values_keep_nothing():
    assert mask("abc123") == REDACTED
    assert mask("x" * 15) == REDACTED
    assert mask("x" * 12 + "WXYZ") == f"{REDACTED}…WXYZ"


def test_nested_values_under_a_secret_key_go_entirely():
    data = {"client_secret": {"value": LONG, "list": [LONG]}, "items": [{"refresh_token": LONG}]}
    assert redact_data(data) == {"client_secret": REDACTED, "items": [{"refresh_token": f"{REDACTED}…WXYZ"}]}


def test_known_secrets_go_wherever_they_appear_even_url_encoded():
    secret = "s3cret/with+chars=0123456789"
    text = f"a={secret} b=s3cret%2Fwith%2Bchars%3D0123456789 c=s3cret%2Fwith%2Bchars%3D0123456789"
    assert "s3cret" not in redact_text(text, secrets=[secret])


def test_form_bodies_mask_the_authorization_code_but_json_keeps_an_accounts_code():
    form = redact_body(
        "grant_type=authorization_code&code=abcdefghijklmnop1234&state=s",
        content_type="application/x-www-form-urlencoded",
    )
    assert form == f"grant_type=authorization_code&code={REDACTED}…1234&state=s"
    assert json.loads(redact_body('{"code": "2001"}', content_type="application/json")) == {"code": "2001"}


def test_text_pairs_are_masked_case_insensitively():
    assert (
        redact_text("Access_Token=abc&Password: hunter2") == f"Access_Token={REDACTED}&Password: {REDACTED}"
    )


def test_headers_authorization_is_masked_by_scheme_and_cookies_go():
    redacted = redact_exchange(
        url="https://api.example/v1?access_token=" + LONG,
        request_headers=[("Authorization", "Bearer " + LONG), ("Cookie", "session=abc"), ("X-Trace", "t1")],
        request_body="",
        response_headers=[("Set-Cookie", "id=1"), ("WWW-Authenticate", "Basic realm=x")],
        response_body="",
    )
    assert redacted["url"] == f"https://api.example/v1?access_token={REDACTED}…WXYZ"
    assert redacted["request_headers"] == [
        ["Authorization", f"Bearer {REDACTED}…WXYZ"],
        ["Cookie", REDACTED],
        ["X-Trace", "t1"],
    ]
    assert redacted["response_headers"][0] == ["Set-Cookie", REDACTED]


def test_basic_credentials_keep_nothing():
    redacted = redact_exchange(
        url="https://auth.example/token",
        request_headers=[("Authorization", "Basic " + "QUJDOkRFRg" * 4)],
        request_body="",
        response_headers=[],
        response_body="",
    )
    assert redacted["request_headers"] == [["Authorization", f"Basic {REDACTED}"]]


def test_query_rows_are_redacted_like_the_url():
    redacted = redact_exchange(
        url="https://api.example/v1",
        request_headers=[],
        request_body="",
        response_headers=[],
        response_body="",
        query=[("refresh_token", LONG), ("limit", "10")],
    )
    assert redacted["query"] == [["refresh_token", f"{REDACTED}…WXYZ"], ["limit", "10"]]
