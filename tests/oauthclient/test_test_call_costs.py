"""What the console's test-call POST costs: the statements it runs and the connections it opens."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.contrib.auth.models import Group, Permission
from django.db import connection as db
from django.test.utils import CaptureQueriesContext

from oauthclient import recording
from oauthclient.models import Exchange, TestCall
from oauthclient.services.retention import RECORDING_BATCH
from tests.factories import DEVELOPERS, make_connection

from .dashboard import make_credential
from .test_retention import DAYS, KEPT, _calls, _hours, _kept, retention  # noqa: F401  (a fixture)

# session, user, the connection with its credential, the permission and its calls' count,
# INSERT test call, INSERT exchange (and the test's transaction's SAVEPOINT, RELEASE).
TEST_CALL_STATEMENTS = 7
TOKEN = {"access_token": "pooled", "token_type": "Bearer"}


def _post(client: Any, connection: Any, pk: int | None = None) -> Any:
    url = f"/dashboard/connections/{pk or connection.pk}/test-call/"
    return client.post(url, {"target": "introspect"})


def _tables(queries: list[dict[str, Any]], verb: str) -> list[str]:
    return [
        query["sql"].split(f"{verb} ", 1)[1].split()[0].strip('"')
        for query in queries
        if verb in query["sql"]
    ]


def test_the_test_call_post_runs_a_fixed_number_of_statements(dev_client, connected, monkeypatch):
    # The exchanges' prune runs when an id is a multiple of PRUNE_EVERY: which call that is
    # depends on the tests before this one, so it is kept out of the count.
    monkeypatch.setattr(recording, "PRUNE_EVERY", 10**12)
    _post(dev_client, connected)  # the session's first write
    with CaptureQueriesContext(db) as context:
        assert _post(dev_client, connected).status_code == 302

    assert len(context.captured_queries) == TEST_CALL_STATEMENTS, [
        q["sql"][:60] for q in context.captured_queries
    ]


def test_the_permission_is_read_with_the_connection(dev_client, connected):
    with CaptureQueriesContext(db) as context:
        _post(dev_client, connected)

    selects = [query["sql"] for query in context.captured_queries if query["sql"].startswith("SELECT")]
    assert not any('"auth_permission"' in sql and '"oauthclient_connection"' not in sql for sql in selects)
    assert any('"oauthclient_connection"' in sql and '"auth_permission"' in sql for sql in selects)


def test_the_credential_is_read_with_the_connection(dev_client, connected):
    with CaptureQueriesContext(db) as context:
        _post(dev_client, connected)

    selects = [query["sql"] for query in context.captured_queries if query["sql"].startswith("SELECT")]
    assert not any(
        '"registrations_credential"' in sql and '"oauthclient_connection"' not in sql for sql in selects
    )


def test_the_test_call_is_not_read_back_after_it_is_kept(dev_client, connected):
    with CaptureQueriesContext(db) as context:
        _post(dev_client, connected)

    assert _tables(context.captured_queries, "INSERT INTO") == [
        "oauthclient_testcall",
        "oauthclient_exchange",
    ]
    assert TestCall.objects.count() == 1
    assert Exchange.objects.filter(test_call__isnull=False).count() == 1


def test_the_calls_count_that_retention_prunes_by_is_read_with_the_connection(dev_client, connected):
    with CaptureQueriesContext(db) as context:
        _post(dev_client, connected)

    assert not any(
        query["sql"].startswith('SELECT COUNT("oauthclient_testcall"') for query in context.captured_queries
    )


@pytest.mark.usefixtures("retention")
def test_a_console_call_deletes_the_calls_beyond_the_count(dev_client, connected):
    older = _calls(connected, *_hours(KEPT + RECORDING_BATCH))

    _post(dev_client, connected)

    new = TestCall.objects.latest("id")
    assert _kept(connected) == {*(call.pk for call in older[-(KEPT - 1) :]), new.pk}


@pytest.mark.usefixtures("retention")
def test_a_console_call_leaves_calls_beyond_the_count_for_a_larger_deletion(dev_client, connected):
    older = _calls(connected, *_hours(KEPT + RECORDING_BATCH - 1))

    _post(dev_client, connected)

    assert _kept(connected) == {*(call.pk for call in older), TestCall.objects.latest("id").pk}


@pytest.mark.usefixtures("retention")
def test_a_console_call_deletes_the_calls_older_than_the_days_kept(dev_client, connected):
    old, recent = _calls(connected, DAYS * 24 + 1, DAYS * 24 - 1)

    _post(dev_client, connected)

    assert _kept(connected) == {recent.pk, TestCall.objects.latest("id").pk}
    assert not TestCall.objects.filter(pk=old.pk).exists()


def test_a_member_whose_group_lost_the_permission_is_refused_their_own_connection(
    dev_client, connected, pleo_via_fake
):
    Group.objects.get(name=DEVELOPERS).permissions.remove(Permission.objects.get(codename="use_dashboard"))

    assert _post(dev_client, connected).status_code == 403
    assert pleo_via_fake.seen == []
    assert not TestCall.objects.exists()


def test_without_the_permission_a_missing_connection_is_refused_not_missing(dev_client, connected):
    Group.objects.get(name=DEVELOPERS).permissions.remove(Permission.objects.get(codename="use_dashboard"))
    pk = connected.pk
    connected.delete()

    assert _post(dev_client, connected, pk).status_code == 403


def test_a_missing_connection_is_not_found(dev_client, connected):
    pk = connected.pk
    connected.delete()

    assert _post(dev_client, connected, pk).status_code == 404


def test_another_connection_of_the_user_is_not_the_one_posted_to(dev_client, connected, developer):
    other = make_connection(user=developer, credential=make_credential())

    _post(dev_client, other)

    assert TestCall.objects.get().connection_id == other.pk


def test_a_verdicts_schema_holds_its_references_written_in_place():
    from core.pleo_api.contract import _validator

    validator = _validator(
        "employees.list", ("responses", "200", "content", "application/json;charset=UTF-8", "schema")
    )

    assert "$ref" not in json.dumps(validator.schema["allOf"])


def test_a_reference_back_into_its_own_schema_is_kept_and_still_judged():
    from jsonschema import Draft4Validator

    from core.pleo_api.contract import _inlined

    schemas = {"Node": {"type": "object", "properties": {"child": {"$ref": "#/components/schemas/Node"}}}}
    root = {
        "allOf": _inlined([{"$ref": "#/components/schemas/Node"}], schemas, ()),
        "components": {"schemas": schemas},
    }

    assert root["allOf"][0]["properties"]["child"] == {"$ref": "#/components/schemas/Node"}
    errors = list(Draft4Validator(root).iter_errors({"child": {"child": 1}}))
    assert [list(error.absolute_path) for error in errors] == [["child", "child"]]
