"""Property-based tests (Hypothesis) of the console's request fields, the answers it keeps, and
the manual path's paste, against a scripted server on 127.0.0.1.

On every surface, for any input: the answer is below 500; a refused request sends nothing and
keeps nothing, and says which rule it broke (a message of oauthclient.messages, core.text or the
form field's own); an accepted one is sent and kept whole. Text strategies mix in non-Latin-1
characters, NUL and other controls, and lone surrogates: raw where the input reaches a form or
a service directly, as JSON escapes where it goes through HTTP (a UTF-8 form post cannot carry
a raw surrogate). Deterministic (tests.hostile_input.fuzzing.CI: derandomized, no example database).

Cost on this machine, per test: the console through the view ~3 s, through the form and the
service ~2 s, the answers ~1.5 s, the paste through the view ~3 s and through the form and the
service ~1.5 s (60 examples each).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlencode

from django.forms import ChoiceField, Field
from hypothesis import example, given, settings
from hypothesis import strategies as st

from core.redaction import is_sensitive_key, redact_data
from core.text import TEXT_HOLDS_NUL, TEXT_HOLDS_SURROGATE
from oauthclient import messages
from oauthclient.errors import OAuthClientError
from oauthclient.forms import PasteForm, TestCallForm
from oauthclient.models import Connection, Exchange, ExchangeKind, TestCall
from oauthclient.services.authorization import connection_complete_from_url, connection_start
from oauthclient.services.test_call import METHODS, ApiRequest, test_call_send
from tests.hostile_input.fuzzing import AWKWARD, CI, text

from .dashboard import POSTMAN_CALLBACK, start_connect
from .fake_server import FakeServer, Reply

# --- what a refusal may say -----------------------------------------------------------------


def _pattern(template: str) -> re.Pattern[str]:
    """A message template ({name} placeholders, or Django's %(name)s) as a pattern of its messages."""
    parts = re.split(r"\{[^{}]*\}|%\([a-z_]+\)[sd]", template)
    return re.compile(".*?".join(re.escape(part) for part in parts), re.S)


def _rules(*templates: str) -> list[re.Pattern[str]]:
    return [_pattern(template) for template in templates]


STORABLE_RULES = (TEXT_HOLDS_NUL, TEXT_HOLDS_SURROGATE)
CONSOLE_RULES = _rules(
    *STORABLE_RULES,
    *(messages.ROW_UNSTORABLE.format(name="{name}", reason=reason) for reason in STORABLE_RULES),
    messages.METHOD_INVALID,
    messages.PATH_PLACEHOLDER,
    messages.PATH_REFUSED,
    messages.PATH_REQUIRED,
    messages.ROWS_TOO_MANY,
    messages.ROW_TOO_LONG,
    messages.HEADER_NAME_INVALID,
    messages.HEADER_FORBIDDEN,
    messages.HEADER_VALUE_INVALID,
    messages.HEADER_VALUE_SPACE,
    messages.HEADER_VALUE_NOT_LATIN1,
    messages.BODY_NOT_ALLOWED,
    messages.BODY_TOO_LARGE,
    messages.BODY_NOT_JSON,
    str(ChoiceField.default_error_messages["invalid_choice"]),
)
PASTE_RULES = _rules(
    *STORABLE_RULES,
    messages.PASTED_URL_INVALID,
    messages.STATE_INVALID,
    messages.ISSUER_MISMATCH,
    messages.ISSUER_MISSING,
    messages.CODE_MISSING,
    messages.ACCESS_DENIED,
    messages.SERVER_OAUTH_ERROR,
    str(Field.default_error_messages["required"]),
)


def assert_each_states_a_rule(said: Iterable[str], rules: list[re.Pattern[str]]) -> None:
    said = list(said)
    assert said, "refused without saying why"
    unexplained = [message for message in said if not any(rule.fullmatch(message) for rule in rules)]
    assert unexplained == []


# --- strategies -----------------------------------------------------------------------------


def json_text(*, surrogates: bool) -> st.SearchStrategy[str]:
    """JSON documents whose strings each hold an awkward character (fuzzing.AWKWARD: NUL,
    controls, lone surrogates...); json.dumps writes a surrogate or a NUL as an ASCII escape,
    which a form post carries."""
    plain = text(surrogates=surrogates, max_size=8)
    awkward = st.builds(lambda before, ch, after: before + ch + after, plain, st.sampled_from(AWKWARD), plain)
    values = st.one_of(
        st.lists(awkward, min_size=1, max_size=3),
        st.dictionaries(awkward, awkward | st.integers() | st.none(), min_size=1, max_size=2),
        awkward,
    )
    return values.map(json.dumps)


@st.composite
def console_fields(draw: Any, *, surrogates: bool) -> dict[str, Any]:
    """A console post: a plausible request with one or two of its fields hostile, so that a
    hostile value is often the only thing wrong with the request."""
    awkward = text(surrogates=surrogates, max_size=16)
    method = draw(st.sampled_from(METHODS))
    fields: dict[str, Any] = {
        "method": method,
        "path": draw(st.sampled_from(["/v1/introspect", "/v2/employees", "/v1/accounts"])),
        "query": draw(st.sampled_from([[], [("limit", "1")]])),
        "headers": draw(st.sampled_from([[], [("X-Trace", "t1")]])),
        "body": "" if method == "GET" else draw(st.sampled_from(["", '{"name": "Travel"}'])),
    }
    header_names = st.sampled_from(["X-Trace", "Accept", "X-Request-Id"]) | awkward
    header_values = st.sampled_from(["ā", "😀", " padded", "Ærø"]) | awkward
    hostile = {
        "method": awkward,
        "path": awkward.map(lambda tail: "/v1/" + tail)
        | st.sampled_from(["/v1/accounts/{accountId}", "//evil.example/x", "v1/x", ""]),
        "query": st.lists(st.tuples(awkward, awkward), min_size=1, max_size=2),
        "headers": st.lists(st.tuples(header_names, header_values), min_size=1, max_size=2),
        "body": json_text(surrogates=True) | awkward,
    }
    for name in sorted(draw(st.sets(st.sampled_from(sorted(hostile)), min_size=1, max_size=2))):
        fields[name] = draw(hostile[name])
    if fields["body"] and fields["method"] == "GET":
        fields["method"] = "POST"
    return fields


PLAIN_REQUEST: dict[str, Any] = {
    "method": "GET",
    "path": "/v2/employees",
    "query": [],
    "headers": [],
    "body": "",
}


def as_post(fields: dict[str, Any]) -> dict[str, Any]:
    return {
        "method": fields["method"],
        "path": fields["path"],
        "query_name": [name for name, _ in fields["query"]],
        "query_value": [value for _, value in fields["query"]],
        "header_name": [name for name, _ in fields["headers"]],
        "header_value": [value for _, value in fields["headers"]],
        "body": fields["body"],
    }


def _kept() -> tuple[int, int]:
    return TestCall.objects.count(), Exchange.objects.count()


def _api_requests(fake: FakeServer) -> int:
    return sum(1 for seen in fake.seen if seen.path.startswith("/api/"))


def assert_sent_and_kept(before: tuple[int, int], sent_before: int, fake: FakeServer) -> None:
    calls, exchanges = _kept()
    assert calls == before[0] + 1
    assert exchanges > before[1]
    assert _api_requests(fake) > sent_before


def assert_kept_as_sent(call: TestCall, request: ApiRequest) -> None:
    """The kept call holds the request as it was sent (rows naming a credential are masked)."""
    stored = TestCall.objects.get(pk=call.pk)
    for kept, sent in ((stored.query, request.query), (stored.headers, request.headers)):
        assert [row for row in kept if not is_sensitive_key(row[0])] == [
            [name, value] for name, value in sent if not is_sensitive_key(name)
        ]
    if request.body:
        assert json.loads(stored.body) == redact_data(json.loads(request.body))


def assert_nothing_sent_or_kept(before: tuple[int, int], sent_before: int, fake: FakeServer) -> None:
    assert _kept() == before
    assert _api_requests(fake) == sent_before


# --- the console ------------------------------------------------------------------------------


def test_a_console_post_is_refused_by_a_stated_rule_or_sent_and_kept(dev_client, connected, pleo_via_fake):
    url = f"/dashboard/connections/{connected.pk}/test-call/"
    outcomes: set[int] = set()

    # Each example renders the connection page (~0.2 s): fewer examples than elsewhere.
    @settings(CI, max_examples=30)
    @given(fields=console_fields(surrogates=False))
    def check(fields: dict[str, Any]) -> None:
        before, sent_before = _kept(), _api_requests(pleo_via_fake)
        # The test client raises whatever the view lets through: a 500 fails here.
        response = dev_client.post(url, as_post(fields))
        outcomes.add(response.status_code)
        if response.status_code == 302:
            assert_sent_and_kept(before, sent_before, pleo_via_fake)
        else:
            assert response.status_code == 400
            errors = response.context["test_call_form"].errors
            assert_each_states_a_rule(
                (message for field in errors.values() for message in field), CONSOLE_RULES
            )
            assert_nothing_sent_or_kept(before, sent_before, pleo_via_fake)

    check()
    assert outcomes == {302, 400}, "the examples did not reach both branches"


def test_a_request_is_refused_by_the_form_and_service_or_sent_and_kept(connected, developer, pleo_via_fake):
    server = connected.credential.server
    outcomes: set[str] = set()

    @settings(CI, max_examples=100)
    @given(fields=console_fields(surrogates=True))
    # One request for each way out, whatever the generated ones reach: sent, refused by the
    # form, and refused by the service (a path leaving the API base, which only the URL join
    # can judge).
    @example(fields=PLAIN_REQUEST)
    @example(fields={**PLAIN_REQUEST, "headers": [("X-Trace", "ā")]})
    @example(fields={**PLAIN_REQUEST, "path": "//evil.example/x"})
    def check(fields: dict[str, Any]) -> None:
        before, sent_before = _kept(), _api_requests(pleo_via_fake)
        form = TestCallForm(as_post(fields), server=server)
        if not form.is_valid():
            outcomes.add("form")
            said = [message for field in form.errors.values() for message in field]
        else:
            try:
                call = test_call_send(
                    connection=connected,
                    user=developer,
                    request=form.api_request(),
                    production_confirmed=False,
                )
            except OAuthClientError as exc:
                outcomes.add("service")
                said = [exc.message]
            else:
                outcomes.add("sent")
                assert_sent_and_kept(before, sent_before, pleo_via_fake)
                assert_kept_as_sent(call, form.api_request())
                return
        assert_each_states_a_rule(said, CONSOLE_RULES)
        assert_nothing_sent_or_kept(before, sent_before, pleo_via_fake)

    check()
    assert outcomes == {"form", "service", "sent"}, outcomes


# --- the answers --------------------------------------------------------------------------------

# Latin-1 without line breaks: what a server can put in a header value at all.
header_text = st.text(st.characters(max_codepoint=0xFF, exclude_characters="\r\n"), max_size=20)
answers = st.builds(
    Reply,
    status=st.sampled_from([200, 201, 204, 302, 400, 404, 418, 500, 503, 599]),
    body=st.one_of(
        st.binary(max_size=200),
        json_text(surrogates=True).map(str.encode),
        st.integers(min_value=1, max_value=40_000).map(lambda depth: b"[" * depth + b"]" * depth),
    ),
    content_type=st.sampled_from(
        ["application/json", "text/plain; charset=latin-1", "application/octet-stream"]
    ),
    headers=st.dictionaries(st.sampled_from(["X-Odd", "X-Trace", "Set-Cookie"]), header_text, max_size=2),
)


def test_any_answer_is_kept_with_the_request_that_got_it(connected, developer, pleo_via_fake):
    @settings(CI)
    @given(reply=answers)
    def check(reply: Reply) -> None:
        pleo_via_fake.script("/api/v1/answer", reply)
        call = test_call_send(
            connection=connected,
            user=developer,
            request=ApiRequest(path="/v1/answer"),
            production_confirmed=False,
        )
        stored = TestCall.objects.get(pk=call.pk)
        exchange = Exchange.objects.get(test_call=stored, kind=ExchangeKind.TEST_CALL)
        assert stored.status_code == exchange.status_code == reply.status

    check()


# --- the manual path ----------------------------------------------------------------------------


@st.composite
def pasted_urls(draw: Any, state: str, issuer: str) -> str:
    """A landing URL: usually this session's state, with hostile code, iss and error values,
    percent-encoded or raw; sometimes anything at all."""
    awkward = text(surrogates=False, max_size=16)
    if draw(st.integers(0, 4)) == 0:
        return draw(awkward)
    codes = st.sampled_from(["the-code", "c0de/+=?&", "ā😀"]) | awkward
    params = {"state": draw(st.just(state) | awkward), "code": draw(codes)}
    for name, values in (
        ("iss", st.sampled_from([issuer, "https://evil.example"]) | awkward),
        ("error", st.sampled_from(["access_denied", "invalid_scope"]) | awkward),
        ("error_description", awkward),
    ):
        if draw(st.booleans()):
            params[name] = draw(values)
    if draw(st.booleans()):
        return f"{POSTMAN_CALLBACK}?{urlencode(params)}"
    return POSTMAN_CALLBACK + "?" + "&".join(f"{name}={value}" for name, value in params.items())


def _messages_on(response: Any) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def test_a_pasted_url_connects_or_is_refused_by_a_stated_rule(dev_client, credential, pleo_via_fake):
    issuer = pleo_via_fake.base_url
    outcomes: set[str] = set()

    # Each example connects and follows to a rendered page (~0.1 s): fewer examples than elsewhere.
    @settings(CI, max_examples=30)
    @given(data=st.data())
    def check(data: Any) -> None:
        state = start_connect(dev_client, credential)["state"]
        pasted = data.draw(pasted_urls(state, issuer))
        had_connection = Connection.objects.exists()
        response = dev_client.post("/dashboard/manual/complete/", {"pasted_url": pasted}, follow=True)
        assert response.status_code in (200, 400)
        said = _messages_on(response)
        if said == [messages.CONNECTED]:
            outcomes.add("connected")
            assert Connection.objects.get().access_token
        else:
            outcomes.add("refused")
            assert_each_states_a_rule(said, PASTE_RULES)
            assert Connection.objects.exists() == had_connection

    check()
    assert outcomes == {"connected", "refused"}, outcomes


def test_a_pasted_url_is_refused_by_the_form_and_service_or_connects(developer, credential, pleo_via_fake):
    outcomes: set[str] = set()

    @settings(CI)
    @given(data=st.data())
    def check(data: Any) -> None:
        session: dict[str, Any] = {}
        state = connection_start(credential=credential, session=session).state
        pasted = data.draw(pasted_urls(state, pleo_via_fake.base_url) | text(max_size=30))
        had_connection = Connection.objects.exists()
        form = PasteForm({"pasted_url": pasted})
        if not form.is_valid():
            outcomes.add("form")
            said = list(form.errors["pasted_url"])
        else:
            try:
                connection = connection_complete_from_url(
                    user=developer, session=session, pasted_url=form.cleaned_data["pasted_url"]
                )
            except OAuthClientError as exc:
                outcomes.add("service")
                said = [exc.message]
            else:
                outcomes.add("connected")
                assert Connection.objects.get(pk=connection.pk).access_token
                return
        assert_each_states_a_rule(said, PASTE_RULES)
        assert Connection.objects.exists() == had_connection

    check()
    assert outcomes == {"form", "service", "connected"}, outcomes


def test_the_rule_patterns_match_only_their_messages() -> None:
    """The check above is no check if any text passes as a rule."""
    assert_each_states_a_rule([messages.HEADER_VALUE_SPACE.format(name="X-A")], CONSOLE_RULES)
    for unexplained in ("Internal error", "“q”: something else", ""):
        assert not any(rule.fullmatch(unexplained) for rule in CONSOLE_RULES + PASTE_RULES)
