"""Node ids as pytest-xdist's `--dist loadgroup` needs them, on pytest 9 (a plugin that
tests/conftest.py loads).

The scheduler keys its work by node id: tests that share one are run once in all (the
first), and a group is read from an `@group` suffix.
"""

from __future__ import annotations

from collections import Counter

import pytest


def _set_node_id(item: pytest.Item, nodeid: str) -> None:
    from _pytest.nodeid import NodeId

    item._id = NodeId.parse(nodeid)


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # Schemathesis makes a test an API operation, each named after its operation
    # ("test_tags_fuzzing[GET /v0/tags]") but all with the function's node id: each
    # gets its name as its node id, so that every one runs (and reports show which).
    counts = Counter(item.nodeid for item in items)
    for item in items:
        if counts[item.nodeid] > 1 and item.parent is not None and hasattr(item, "_id"):
            _set_node_id(item, f"{item.parent.nodeid}::{item.name}")

    # pytest-xdist 3.8 writes the group suffix where pytest 9 no longer reads it
    # (`_nodeid`); on a worker it is written here, once pytest-xdist's hook has run.
    if not getattr(config.option, "loadgroup", False):
        return
    for item in items:
        groups = {
            str(mark.args[0] if mark.args else mark.kwargs.get("name", "default"))
            for mark in item.iter_markers("xdist_group")
        }
        if groups and "@" not in item.nodeid and hasattr(item, "_id"):
            _set_node_id(item, f"{item.nodeid}@{'_'.join(sorted(groups))}")
