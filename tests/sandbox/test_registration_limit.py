"""The open registration endpoint's hourly limit per client address, counted in the cache."""

from __future__ import annotations

import json
import time
from unittest import mock

import pytest
from django.core.cache import cache
from django.test import Client
from oauth2_provider.models import Application

from registrations.metadata import registration_to_client_metadata
from sandbox import limits, views
from tests.factories import make_registration

pytestmark = pytest.mark.django_db

REGISTER = "/sandbox/oauth/register"
LIMIT = 3
PROXY = "10.0.0.7"


@pytest.fixture(autouse=True)
def small_limit(settings):
    settings.PORTAL_SANDBOX_REGISTRATIONS_PER_HOUR = LIMIT


def register(client: Client, *, address: str = "203.0.113.5", body: str = "{}", **headers) -> object:
    return client.post(REGISTER, body, content_type="application/json", REMOTE_ADDR=address, **headers)


def test_the_limit_lets_that_many_requests_through(client):
    answers = [register(client).status_code for _ in range(LIMIT)]

    assert set(answers) == {400}  # judged (an empty document), not limited


def test_the_request_over_the_limit_is_429_with_retry_after(client):
    for _ in range(LIMIT):
        register(client)

    response = register(client)

    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= limits.WINDOW_SECONDS


def test_the_refusal_is_an_rfc_7591_error_naming_the_limit(client):
    for _ in range(LIMIT):
        register(client)

    body = register(client).json()

    assert body["error"] == views.RATE_LIMITED
    assert body["error_description"].startswith(f"At most {LIMIT} registration requests an hour")


def test_a_refused_request_registers_nothing(client):
    for _ in range(LIMIT):
        register(client)
    document = json.dumps(registration_to_client_metadata(make_registration()))

    register(client, body=document)

    assert not Application.objects.exists()


def test_another_address_is_not_affected(client):
    for _ in range(LIMIT + 1):
        register(client)

    assert register(client, address="198.51.100.9").status_code == 400


def test_behind_a_trusted_proxy_the_forwarded_address_counts(client, settings):
    settings.PORTAL_TRUSTED_PROXIES = [PROXY]
    for _ in range(LIMIT + 1):
        register(client, address=PROXY, HTTP_X_FORWARDED_FOR="203.0.113.5")

    assert register(client, address=PROXY, HTTP_X_FORWARDED_FOR="198.51.100.9").status_code == 400


def test_the_count_is_shared_through_the_cache(db):
    # Two clients stand for two servers: what they share is the cache, under the address's key.
    first, second = Client(), Client()
    for _ in range(LIMIT):
        register(first)

    assert register(second).status_code == 429


def test_the_count_lives_under_a_key_of_the_address_and_hour_only(client):
    before = int(time.time() // limits.WINDOW_SECONDS)
    register(client, address="203.0.113.5")
    after = int(time.time() // limits.WINDOW_SECONDS)

    counts = {cache.get(limits.registrations_key("203.0.113.5", hour)) for hour in (before, after)}
    assert 1 in counts


def test_without_a_cache_registration_stays_open(client):
    with mock.patch.object(cache, "add", side_effect=ConnectionError("cache down")):
        answers = [register(client).status_code for _ in range(LIMIT + 1)]

    assert set(answers) == {400}  # judged (an empty document), not limited


def test_a_limit_of_zero_turns_it_off(client, settings):
    settings.PORTAL_SANDBOX_REGISTRATIONS_PER_HOUR = 0

    answers = [register(client).status_code for _ in range(LIMIT + 1)]

    assert set(answers) == {400}  # judged (an empty document), not limited
