"""The collection rules of tests/collection.py: what the PostgreSQL pass runs, and which
tests share a pytest-xdist worker."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from types import SimpleNamespace
from typing import Any

import pytest
from _pytest.nodeid import NodeId

from tests import xdist_nodeids
from tests.collection import uses_database, worker_group
from tests.project import BASE_DIR

CONTRACT = "tests/sandbox/test_contract.py"
NAMES_EXIST = "tests/docs/test_names_exist.py"


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


def test_tests_marked_postgres_share_one_worker_whatever_their_module():
    groups = {
        worker_group(path=path, module=path, module_fixture=False, markers=["postgres"])
        for path in ("tests/oauthclient/test_concurrency.py", "tests/deploy/test_gunicorn.py")
    }
    assert groups == {"postgres"}


def test_other_tests_go_to_any_worker():
    path = "tests/core/test_text.py"
    assert worker_group(path=path, module=path, module_fixture=False) is None


def _pytest(*arguments: str) -> str:
    """Runs pytest on this project in a process of its own; returns what it printed."""
    result = subprocess.run(  # noqa: S603 (the project's own test runner, fixed arguments)
        [sys.executable, "-m", "pytest", "-p", "no:randomly", "-p", "no:cacheprovider", *arguments],
        cwd=BASE_DIR,
        env={**os.environ, "DATABASE_URL": "sqlite:///:memory:"},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return result.stdout


class _Item:
    """What the node-id hook reads and writes of a collected test."""

    def __init__(self, parent: Any, name: str, nodeid: str, groups: tuple[str, ...] = ()) -> None:
        self.parent, self.name, self._id, self.groups = parent, name, NodeId.parse(nodeid), groups

    @property
    def nodeid(self) -> str:
        return str(self._id)

    def iter_markers(self, name: str) -> list[Any]:
        return [pytest.mark.xdist_group(group).mark for group in self.groups] if name == "xdist_group" else []


def _config(*, loadgroup: bool) -> Any:
    return SimpleNamespace(option=SimpleNamespace(loadgroup=loadgroup))


def test_tests_that_share_a_node_id_get_their_names_as_node_ids():
    # As Schemathesis makes them: one test an API operation, all with the function's node id.
    module = SimpleNamespace(nodeid=CONTRACT)
    items = [
        _Item(module, f"test_tags_fuzzing[{operation}]", f"{CONTRACT}::test_tags_fuzzing")
        for operation in ("GET /v0/tags", "POST /v0/tags")
    ]
    xdist_nodeids.pytest_collection_modifyitems(_config(loadgroup=False), items)
    assert [item.nodeid for item in items] == [
        f"{CONTRACT}::test_tags_fuzzing[GET /v0/tags]",
        f"{CONTRACT}::test_tags_fuzzing[POST /v0/tags]",
    ]


def test_under_loadgroup_a_grouped_test_says_its_group_in_its_node_id():
    module = SimpleNamespace(nodeid="tests/browser/test_home.py")
    grouped = _Item(module, "test_home", "tests/browser/test_home.py::test_home", ("browser",))
    alone = _Item(module, "test_other", "tests/browser/test_home.py::test_other")
    xdist_nodeids.pytest_collection_modifyitems(_config(loadgroup=True), [grouped, alone])
    assert (grouped.nodeid, alone.nodeid) == (
        "tests/browser/test_home.py::test_home@browser",
        "tests/browser/test_home.py::test_other",
    )


def test_the_tests_of_a_group_run_on_one_worker_and_say_their_group():
    output = _pytest("-n", "2", "--dist", "loadgroup", "-v", NAMES_EXIST, "-k", "setting_and_constant")
    ran = re.findall(r"\[(gw\d)\] .*PASSED (\S+)", output)
    assert len(ran) > 1
    assert all(nodeid.endswith(f"@{NAMES_EXIST}") for _worker, nodeid in ran)
    assert len({worker for worker, _nodeid in ran}) == 1
