"""The one redaction every stored exchange goes through: which values go, which words stay."""

from __future__ import annotations

import json

import pytest

from core.redaction import (
    EXCERPT_LIMIT,
    REDACTED,
    excerpt,
    mask,
    redact_body,
    redact_data,
    redact_exchange,
    redact_text,
    redact_url,
)

LONG = "tok-0123456789abcdefWXYZ"
SECRET = "known-secret-0123456789"


def _exchange(**given):
    """redact_exchange of an empty GET to the API, with the parts a test gives."""
    parts = {
        "url": "https://api.example/v1",
        "request_headers": [],
        "request_body": "",
        "response_headers": [],
        "response_body": "",
    }
    return redact_exchange(**{**parts, **given})


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
    redacted = _exchange(
        url="https://api.example/v1?access_token=" + LONG,
        request_headers=[("Authorization", "Bearer " + LONG), ("Cookie", "session=abc"), ("X-Trace", "t1")],
        response_headers=[("Set-Cookie", "id=1"), ("WWW-Authenticate", "Basic realm=x")],
    )
    assert redacted["url"] == f"https://api.example/v1?access_token={REDACTED}…WXYZ"
    assert redacted["request_headers"] == [
        ["Authorization", f"Bearer {REDACTED}…WXYZ"],
        ["Cookie", REDACTED],
        ["X-Trace", "t1"],
    ]
    assert redacted["response_headers"][0] == ["Set-Cookie", REDACTED]


def test_basic_credentials_keep_nothing():
    redacted = _exchange(
        url="https://auth.example/token",
        request_headers=[("Authorization", "Basic " + "QUJDOkRFRg" * 4)],
    )
    assert redacted["request_headers"] == [["Authorization", f"Basic {REDACTED}"]]


def test_query_rows_are_redacted_like_the_url():
    redacted = _exchange(
        url="https://api.example/v1",
        query=[("refresh_token", LONG), ("limit", "10")],
    )
    assert redacted["query"] == [["refresh_token", f"{REDACTED}…WXYZ"], ["limit", "10"]]


# --- every word of the key rules ----------------------------------------------------------


@pytest.mark.parametrize(
    "key",
    [
        "secret",
        "secret_hint",
        "passwd",
        "password_hash",
        "pkceVerifier",
        "Proxy-Authorization",
        "session_cookie",
        "apikey",
        "api-key",
        "CLIENT_SECRET",
        "Refresh-Token",
        "X-API-KEY",
        "PASSWORD",
    ],
)
def test_every_sensitive_key_word_in_any_case_is_masked(key):
    assert redact_data({key: LONG}) == {key: f"{REDACTED}…WXYZ"}


@pytest.mark.parametrize("key", ["tokenized", "expires_in", "token_type_hint", "verified", "keys"])
def test_keys_that_only_mention_a_word_stay(key):
    assert redact_data({key: LONG}) == {key: LONG}


@pytest.mark.parametrize(
    "word",
    [
        "token",
        "access_token",
        "secret",
        "client_secret",
        "password",
        "passwd",
        "code_verifier",
        "client_assertion",
        "api_key",
        "api-key",
        "apikey",
        "X-Api-Key",
        "PASSWORD",
        "Code_Verifier",
        "ASSERTION",
        "SECRET",
    ],
)
@pytest.mark.parametrize("template", ["{key}={value}&x=1", '"{key}": "{value}"', "{key}: {value}"])
def test_every_key_value_word_in_any_case_is_masked_in_text(word, template):
    text = template.format(key=word, value=LONG)
    assert redact_text(text) == template.format(key=word, value=f"{REDACTED}…WXYZ")


@pytest.mark.parametrize(
    "text", ["token_type=Bearer", "code=abcdefghijklmnop", "tokens: 3", "scope=secrets:read"]
)
def test_text_that_names_no_credential_stays(text):
    assert redact_text(text) == text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(
            "Authorization: Basic dXNlcjpwYXNzd29yZA==", f"Authorization: Basic {REDACTED}", id="basic"
        ),
        pytest.param(
            "authorization: basic dXNlcjpwYXNz", f"authorization: basic {REDACTED}", id="basic-lowercase"
        ),
        pytest.param(
            "Authorization: BEARER abc.def-ghi", f"Authorization: BEARER {REDACTED}", id="bearer-uppercase"
        ),
        pytest.param(f"Bearer {REDACTED}", f"Bearer {REDACTED}", id="already-redacted"),
    ],
)
def test_authorization_schemes_are_masked_in_text(text, expected):
    assert redact_text(text) == expected


# --- JSON: only the key rule sees these --------------------------------------------------

# Values the text patterns would miss: nested under a credential's key, or under a key
# (authorization, cookie, a verifier) that the key-value pattern has no word for.
KEY_ONLY = [
    pytest.param({"client_secret": {"value": LONG}}, {"client_secret": REDACTED}, id="object-under-secret"),
    pytest.param({"client_secret": ["a", LONG]}, {"client_secret": REDACTED}, id="list-under-secret"),
    pytest.param(
        {"client_secret": 12345678901234567890}, {"client_secret": REDACTED}, id="number-under-secret"
    ),
    pytest.param({"authorization": LONG}, {"authorization": f"{REDACTED}…WXYZ"}, id="authorization"),
    pytest.param({"cookie": LONG}, {"cookie": f"{REDACTED}…WXYZ"}, id="cookie"),
    pytest.param([{"pkce_verifier": LONG}], [{"pkce_verifier": f"{REDACTED}…WXYZ"}], id="list-of-objects"),
]


def test_an_absent_credential_stays_absent():
    assert redact_data({"access_token": None}) == {"access_token": None}


@pytest.mark.parametrize(("data", "expected"), KEY_ONLY)
def test_json_bodies_are_redacted_by_key(data, expected):
    assert json.loads(redact_body(json.dumps(data), content_type="application/json")) == expected


@pytest.mark.parametrize(("data", "expected"), KEY_ONLY)
def test_json_bodies_are_recognised_without_a_content_type(data, expected):
    assert json.loads(redact_body("\n  " + json.dumps(data))) == expected


@pytest.mark.parametrize(("data", "expected"), KEY_ONLY)
def test_json_excerpts_are_redacted_by_key(data, expected):
    assert json.loads(excerpt(json.dumps(data).encode(), complete=True)) == expected


@pytest.mark.parametrize(("data", "expected"), KEY_ONLY)
def test_exchanges_redact_json_answers_by_key(data, expected):
    redacted = _exchange(
        url="https://auth.example/introspect",
        response_headers=[("Content-Type", "application/json")],
        response_body=json.dumps(data),
    )
    assert json.loads(redacted["response_body"]) == expected


def test_json_is_pretty_printed_and_keeps_its_characters():
    body = '{"name":"Åse","n":1}'
    expected = '{\n  "name": "Åse",\n  "n": 1\n}'
    assert (redact_body(body), excerpt(body.encode(), complete=True)) == (expected, expected)


def test_a_json_answer_that_is_not_an_object_is_read_by_its_content_type():
    assert redact_body(' "caf\\u00e9"', content_type="application/json") == '"café"'


def test_a_body_that_only_looks_like_json_is_redacted_as_text():
    body = "{not json, access_token=" + LONG
    assert redact_body(body) == "{not json, access_token=" + f"{REDACTED}…WXYZ"


def test_a_body_too_deep_to_parse_is_redacted_as_text():
    body = "[" * 100_000 + '"access_token": "' + LONG + '"' + "]" * 100_000
    assert LONG not in redact_body(body, content_type="application/json")


def test_a_form_body_is_recognised_by_its_content_type_in_any_case():
    redacted = _exchange(
        url="https://auth.example/token",
        request_headers=[("CONTENT-TYPE", "Application/X-WWW-Form-Urlencoded")],
        request_body="grant_type=authorization_code&code=abcdefghijklmnop1234",
        response_body="plain text, no type",
    )
    assert (redacted["request_body"], redacted["response_body"]) == (
        f"grant_type=authorization_code&code={REDACTED}…1234",
        "plain text, no type",
    )


# --- URLs, headers and known secrets ------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        pytest.param(
            "https://api.example/v1/accounts?code=2001",
            "https://api.example/v1/accounts?code=2001",
            id="api-code",
        ),
        pytest.param(
            f"https://api.example/cb?cookie={LONG}&a=1",
            f"https://api.example/cb?cookie={REDACTED}…WXYZ&a=1",
            id="key-rule",
        ),
        pytest.param(
            f"http://[abc/?access_token={LONG}", f"http://[abc/?access_token={REDACTED}…WXYZ", id="unparsable"
        ),
    ],
)
def test_urls_mask_credential_parameters_only(url, expected):
    assert redact_url(url) == expected


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        pytest.param(("Cookie", "session=abc; csrftoken=def"), REDACTED, id="cookie"),
        pytest.param(("set-cookie", "id=1; Path=/; HttpOnly"), REDACTED, id="set-cookie"),
        pytest.param(
            ("Proxy-Authorization", "Basic dXNlcjpwYXNz"), f"Basic {REDACTED}", id="proxy-authorization"
        ),
        pytest.param(("Authorization", "Bearer"), REDACTED, id="scheme-only"),
        pytest.param(
            ("Authorization", f"Bearer {LONG} extra"), f"Bearer {mask(LONG + ' extra')}", id="spaces"
        ),
        pytest.param(("X-Refresh-Token", LONG), f"{REDACTED}…WXYZ", id="sensitive-name"),
        pytest.param(("X-Debug", f"sent {SECRET}"), f"sent {mask(SECRET)}", id="known-secret-in-value"),
        pytest.param(("X-Trace", "t1"), "t1", id="ordinary"),
    ],
)
def test_headers_keep_only_what_names_no_credential(header, expected):
    redacted = _exchange(
        url="https://api.example/",
        request_headers=[header],
        secrets=[SECRET],
    )
    assert redacted["request_headers"] == [[header[0], expected]]


def test_query_rows_hide_known_secrets_under_any_name():
    redacted = _exchange(
        url="https://api.example/v1",
        query=[("q", f"x{SECRET}y")],
        secrets=[SECRET],
    )
    assert redacted["query"] == [["q", f"x{mask(SECRET)}y"]]


def test_a_known_secret_is_found_percent_encoded_with_every_character_escaped():
    secret = "a b/c-0123456789"
    assert redact_text("x=a%20b%2Fc-0123456789", secrets=[secret]) == f"x={mask(secret)}"


def test_the_longest_known_secret_is_masked_first():
    shorter = LONG[:-4]
    assert redact_text(f"a {LONG} b", secrets=[shorter, LONG]) == f"a {REDACTED}…WXYZ b"


@pytest.mark.parametrize(("secret", "hidden"), [("abcd", True), ("abc", False)])
def test_known_secrets_of_fewer_than_four_characters_are_not_searched_for(secret, hidden):
    assert (redact_text(f"x {secret} y", secrets=[secret]) != f"x {secret} y") is hidden


# --- excerpts ------------------------------------------------------------------------------


def test_an_excerpt_of_a_body_that_is_not_utf8_replaces_the_bad_bytes():
    assert excerpt(b"ok \xff\xfe end", complete=True) == "ok \ufffd\ufffd end"


def test_an_excerpt_of_json_nested_deeper_than_the_parser_goes_is_the_text_as_it_is():
    body = b"[" * 100_000 + b"]" * 100_000
    assert excerpt(body, complete=True, limit=10) == "[" * 10 + "\n… (cut)"


def test_an_excerpt_hides_known_secrets():
    assert excerpt(f"echo {SECRET}".encode(), complete=False, secrets=[SECRET]) == f"echo {mask(SECRET)}"


def test_an_incomplete_body_is_not_parsed_as_json():
    assert excerpt(b'{"a":1}', complete=False) == '{"a":1}'


@pytest.mark.parametrize(("length", "cut"), [(EXCERPT_LIMIT, False), (EXCERPT_LIMIT + 1, True)])
def test_an_excerpt_is_cut_after_the_limit(length, cut):
    body = "x" * length
    expected = body[:EXCERPT_LIMIT] + "\n… (cut)" if cut else body
    assert excerpt(body.encode(), complete=False) == expected


def test_a_cut_never_keeps_the_start_of_a_token():
    body = "x" * (EXCERPT_LIMIT - 20) + "access_token=" + LONG
    assert LONG[:8] not in excerpt(body.encode(), complete=False)
