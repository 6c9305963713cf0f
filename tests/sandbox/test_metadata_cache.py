"""The metadata document is built once per issuer and scope catalog, and rebuilt when either changes."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from registrations.models import Scope
from sandbox import metadata

pytestmark = pytest.mark.django_db(transaction=True)

PATH = "/.well-known/oauth-authorization-server/sandbox"


@pytest.fixture(autouse=True)
def enabled(settings):
    settings.PORTAL_SANDBOX_ENABLED = True
    settings.PORTAL_SANDBOX_URL = "https://sandbox.portal.example/sandbox"


def _document() -> dict:
    response = Client().get(PATH)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    return json.loads(response.content)


def test_a_second_request_reads_nothing_from_the_database(django_assert_num_queries):
    _document()

    with django_assert_num_queries(0):
        _document()


def test_a_scope_added_to_the_catalog_is_listed_on_the_next_request():
    _document()

    Scope.objects.create(name="things:read", description="Read things")

    assert "things:read" in _document()["scopes_supported"]


def test_a_scope_deleted_from_the_catalog_is_no_longer_listed():
    Scope.objects.create(name="things:read", description="Read things")
    _document()

    Scope.objects.get(name="things:read").delete()

    assert "things:read" not in _document()["scopes_supported"]


def test_a_scope_taken_out_of_staging_is_no_longer_listed():
    scope = Scope.objects.create(name="things:read", description="Read things")
    _document()

    scope.in_staging = False
    scope.save()

    assert "things:read" not in _document()["scopes_supported"]


def test_a_new_issuer_is_named_on_the_next_request(settings):
    _document()

    settings.PORTAL_SANDBOX_URL = "https://other.portal.example/sandbox"

    document = _document()
    assert document["issuer"] == "https://other.portal.example/sandbox"
    assert document["token_endpoint"] == "https://other.portal.example/sandbox/oauth/token"


def test_a_document_is_rebuilt_once_it_is_older_than_its_maximum_age(monkeypatch, django_assert_num_queries):
    _document()
    monkeypatch.setattr(metadata, "MAX_AGE_SECONDS", 0.0)

    with django_assert_num_queries(1):
        _document()


def test_a_document_read_inside_a_transaction_is_not_kept(django_assert_num_queries):
    from django.db import transaction

    with transaction.atomic():
        Scope.objects.create(name="things:read", description="Read things")
        assert "things:read" in _document()["scopes_supported"]
        transaction.set_rollback(True)

    with django_assert_num_queries(1):
        assert "things:read" not in _document()["scopes_supported"]
