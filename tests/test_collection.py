"""The collection rules of tests/collection.py: what the PostgreSQL pass runs, and which
tests share a pytest-xdist worker."""

from __future__ import annotations

import pytest

from tests.collection import uses_database, worker_group


@pytest.mark.parametrize(
    "fixture",
    ["db", "transactional_db", "live_server", "django_db_reset_sequences", "django_db_serialized_rollback"],
)
def test_a_test_with_a_database_fixture_uses_the_database(fixture):
    assert uses_database(markers=[], fixtures=["settings", fixture])


@pytest.mark.parametrize("marker", ["django_db", "postgres"])
def test_a_test_marked_for_the_database_uses_it(marker):
    assert uses_database(markers=["parametrize", marker], fixtures=["tmp_path"])


def test_a_test_without_database_fixture_or_marker_does_not_use_it():
    assert not uses_database(markers=["parametrize"], fixtures=["settings", "client", "tmp_path"])


def test_the_rule_sees_a_database_fixture_reached_through_another_fixture(request, example_registration):
    # pytest lists the fixtures of a test's fixtures among its own: `db` here comes from
    # example_registration (tests/conftest.py).
    assert uses_database(markers=[], fixtures=request.node.fixturenames)


def test_browser_tests_share_one_worker_whatever_their_module():
    groups = {
        worker_group(path=f"tests/browser/{name}.py", module=f"tests/browser/{name}.py", module_fixture=False)
        for name in ("test_home", "test_journey")
    }
    assert groups == {"browser"}


def test_tests_of_a_module_fixture_share_their_module_worker():
    path = "tests/docs/test_site.py"
    assert worker_group(path=path, module=path, module_fixture=True) == path


def test_other_tests_go_to_any_worker():
    path = "tests/core/test_text.py"
    assert worker_group(path=path, module=path, module_fixture=False) is None
